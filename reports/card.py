"""``OUT/README.md``: the run's output as a Hugging Face dataset card, so the folder can be pushed to the Hub as it
is (``huggingface-cli upload --repo-type dataset ORG/NAME OUT``) and loads locally by language:
``datasets.load_dataset(OUT, "fr", split="train")``.

The YAML header is the Hub's dataset-card metadata: one ``configs:`` entry per language (its ``data_files`` the
glob of that language's Arrow shards, relative to ``OUT``; ``datasets`` reads them with its ``arrow`` builder),
an ``all`` config (every shard, the default), ``language:`` (ISO codes; ``language_bcp47`` keeps the script of
``zh-hans`` / ``zh-hant``), ``size_categories`` from the kept documents, ``license`` from the manifest and
``pretty_name``. The body gives the counts of the report. Everything in it comes from ``report.json``'s figures,
so the same run gives the same bytes.
"""

from __future__ import annotations

from typing import Any

import yaml

from core.fs import join, write_atomically
from core.languages import CODE_PREFIX

CARD_NAME = "README.md"
#: the card's first body line: what tells a card roots wrote from a README.md someone else put in ``OUT``
CARD_MARK = "<!-- dataset card written by roots run; a new run into this folder replaces it -->"
#: the Hub's ``size_categories`` buckets: (upper bound, label), by number of documents
SIZE_CATEGORIES = [(10**3, "n<1K"), (10**4, "1K<n<10K"), (10**5, "10K<n<100K"), (10**6, "100K<n<1M"),
                   (10**7, "1M<n<10M"), (10**8, "10M<n<100M"), (10**9, "100M<n<1B"), (10**10, "1B<n<10B"),
                   (10**11, "10B<n<100B"), (10**12, "100B<n<1T")]


def size_category(n: int) -> str:
    return next((label for bound, label in SIZE_CATEGORIES if n < bound), "n>1T")


def configs(report: dict[str, Any]) -> list[tuple[str, int, int]]:
    """``(config name, documents, text bytes)`` per language with shards: natural languages then code
    (``code-python``), each in the report's order (by bytes)."""
    natural = [(lang, v["docs"], v["bytes"]) for lang, v in report["languages"].items()]
    code = [(CODE_PREFIX + pl, v["docs"], v["bytes"]) for pl, v in report["programming_languages"].items()]
    return [c for c in natural + code if c[1]]


def _bcp47(code: str) -> str:
    """``zh-hans`` -> ``zh-Hans``, ``hi-latn`` -> ``hi-Latn``, ``pt-br`` -> ``pt-BR``."""
    base, *rest = code.split("-")
    return "-".join([base, *(s.title() if len(s) == 4 else s.upper() for s in rest)])


def card_metadata(report: dict[str, Any], corpus_license: str | list[str] | None) -> dict[str, Any]:
    """The card's YAML header."""
    names = [name for name, _, _ in configs(report)]
    natural = [n for n in names if not n.startswith(CODE_PREFIX) and n.split("-")[0].isalpha()
               and 2 <= len(n.split("-")[0]) <= 3]
    iso = sorted({n.split("-")[0] for n in natural}) + (["code"] if len(natural) < len(names) else [])
    meta: dict[str, Any] = {"pretty_name": report.get("name") or "roots corpus"}
    if iso:
        meta["language"] = iso
    scripted = sorted(_bcp47(n) for n in natural if "-" in n)
    if scripted:
        meta["language_bcp47"] = scripted
    if corpus_license:
        meta["license"] = corpus_license
    meta["size_categories"] = [size_category(report["kept_docs"])]
    meta["task_categories"] = ["text-generation"]
    meta["configs"] = [{"config_name": "all", "default": True,
                        "data_files": [{"split": "train", "path": "shards/*/*.arrow"}]}]
    meta["configs"] += [{"config_name": n, "data_files": [{"split": "train", "path": f"shards/{n}/*.arrow"}]}
                        for n in names]
    return meta


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    cell = [f"{v:,}" if isinstance(v, int) else str(v) for row in rows for v in row]
    body = [cell[i:i + len(header)] for i in range(0, len(cell), len(header))]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in body)]


def render_card(report: dict[str, Any], corpus_license: str | list[str] | None) -> str:
    """The whole ``README.md``: YAML header, then the counts."""
    header = yaml.safe_dump(card_metadata(report, corpus_license), sort_keys=False, allow_unicode=True)
    kept, total = report["kept_docs"], report.get("kept_bytes") or 0
    removed = sum(report["removed_docs"].values())
    rows = [[f"`{n}`", docs, size, f"{size / total:.2%}" if total else "-"] for n, docs, size in configs(report)]
    example = configs(report)[0][0] if rows else "all"
    lines = [
        "---", header.rstrip("\n"), "---", CARD_MARK, "", f"# {report.get('name') or 'roots corpus'}", "",
        f"A ROOTS-style corpus built with roots: {kept:,} documents ({total:,} bytes of text) kept from "
        f"{report['input_docs']:,} input documents; {removed:,} were removed by the filters and deduplication and "
        f"{report['failed_docs']:,} could not be read. One configuration per language (`all`, the default, is every "
        "language); each has a single split, `train`.", "",
        "```python", "import datasets", "",
        f"ds = datasets.load_dataset(\"PATH_OR_HUB_ID\", \"{example}\", split=\"train\")", "```", "",
        "Columns: `id` (stable hash of source and locator), `text`, `language`, `source`, `lid_score`, `meta` "
        "(JSON of the input's other fields), `lid_model`. Files: `shards/<language>/*.arrow` (Arrow IPC, sorted by "
        "`id`); `report.json` and `report.html` hold the full report, `removed/` and `dead_letter/` what was "
        "taken out and why.", "",
        "## Languages", "", *_table(["config", "documents", "text bytes", "share of bytes"], rows), "",
        "## Sources", "", *_table(["source", "input documents"],
                                  [[f"`{s}`", n] for s, n in report["sources"].items()]), "",
    ]
    if report["removed_docs"]:
        reasons = sorted(report["removed_docs"].items(), key=lambda kv: (-kv[1], kv[0]))
        lines += ["## Removed", "", *_table(["reason", "documents"], [[f"`{r}`", n] for r, n in reasons]), ""]
    stated = ", ".join(corpus_license) if isinstance(corpus_license, list) else corpus_license
    lines += ["## License", "", f"`{stated}` (from the manifest's `license`)." if stated else
              "Not stated: set `license:` in the manifest (a Hugging Face Hub licence id), and respect the licences "
              "of the sources.", ""]
    return "\n".join(lines)


def write_card(out: str, report: dict[str, Any], corpus_license: str | list[str] | None) -> str:
    """Write ``OUT/README.md`` atomically; returns its path."""
    path = join(out, CARD_NAME)
    write_atomically(path, render_card(report, corpus_license).encode("utf-8"))
    return path


def is_roots_card(data: bytes) -> bool:
    """True when ``data`` (a README.md's first bytes are enough) is a card roots wrote."""
    return CARD_MARK.encode() in data[:65536]
