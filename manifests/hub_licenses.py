"""The licence identifiers the Hugging Face Hub accepts in a dataset card's ``license:`` field, for the manifest's
``license`` (written into ``OUT/README.md``, the card of a run's output).

The list is the Hub's own table, "Licenses" in the Hub documentation (``huggingface/hub-docs``,
``docs/hub/repositories-licenses.md``): mostly lower-case SPDX ids, plus families (``cc``, ``bsd``, ``gpl``...) and
the Hub's ``other`` and ``unknown``. A licence that is not on it goes in as ``other`` (the Hub then asks for a
``LICENSE`` file in the repository).
"""

from __future__ import annotations

import difflib

HUB_LICENSES: frozenset[str] = frozenset("""
apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0 bigcode-openrail-m
afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda cc cc0-1.0 cc-by-2.0 cc-by-2.5
cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0
cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cdla-sharing-1.0 cdla-permissive-1.0
cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1
lgpl-3.0 isc lppl-1.3c ms-pl mpl-2.0 odc-by odbl openrail++ osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl
lgpl-lr deepfloyd-if-license llama2 gemma unknown other
""".split())


def check_hub_license(value: str) -> str:
    """``value`` if the Hub accepts it as a licence id, else a ``ValueError`` that names the nearest ids."""
    if value in HUB_LICENSES:
        return value
    near = difflib.get_close_matches(value.lower(), sorted(HUB_LICENSES), n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    raise ValueError(f"{value!r} is not a Hugging Face Hub licence id{hint}: use the Hub's lower-case id "
                     "(apache-2.0, cc-by-sa-4.0, odc-by...), or `other` for a licence the Hub does not list")
