"""Filter profiles: named sets of checks, chosen per source (``sources[].filters``).

ROOTS ran its OSCAR-tuned quality filters on web crawl only; its curated ("catalogue") datasets got light
per-dataset cleaning instead (empty and small documents, exact duplicates, template lines, PII). A profile says
which of roots' checks a source goes through, so a manifest can treat Wikipedia like ROOTS did and OSCAR like
ROOTS did in one run. The shipped profiles (``web``, ``curated``, ``none``) live in ``filters/data/roots_defaults.yaml``
under ``profiles``; a manifest adds its own (or replaces one) under ``filters.profiles``.

Documents that are empty once normalised are removed under every profile (there is nothing to keep), and the
language allow-list (``languages:``) applies to every source.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence

from filters.params import NL_CHECKS, load_defaults_yaml
from filters.results import KEEP, Verdict
from filters.text import words

#: every check a profile may name, in pipeline order
PROFILE_CHECKS: tuple[str, ...] = (
    "remove_words",  # ROOTS' "modifying documents" step (URL fragments, over-long words)
    "small_document",  # ROOTS' catalogue `filter_small_docs`: fewer than `small_document_min_words` words
    *NL_CHECKS,  # ROOTS' OSCAR quality filters, in ROOTS' order
    "code",  # the code-file filters (and the licence filter when `filters.code.licenses` is set)
    "template_lines",  # lines repeated across the corpus (when `filters.template_lines.enabled`)
    "pii",  # PII redaction (when `pii.enabled`)
    "dedup",  # exact and near-duplicate removal as `dedup:` configures it
)

DEFAULT_PROFILE = "web"


def check_names(checks: Iterable[str], where: str) -> list[str]:
    """``checks`` if each is a known check name, else a ``ValueError`` that names ``where`` and the bad name."""
    checks = list(checks)
    for name in checks:
        if name not in PROFILE_CHECKS:
            raise ValueError(f"{where}: unknown check {name!r}; known checks: {', '.join(PROFILE_CHECKS)}")
    return checks


@functools.cache
def shipped_profiles() -> dict[str, frozenset[str]]:
    """The profiles in ``filters/data/roots_defaults.yaml``."""
    table = load_defaults_yaml().get("profiles") or {}
    return {name: frozenset(check_names(checks or [], f"profiles.{name}")) for name, checks in table.items()}


def all_profiles(own: Mapping[str, Sequence[str]] | None = None) -> dict[str, frozenset[str]]:
    """Shipped profiles merged with a manifest's own (a manifest entry replaces a shipped one of the same name)."""
    merged = dict(shipped_profiles())
    for name, checks in (own or {}).items():
        merged[name] = frozenset(check_names(checks, f"filters.profiles.{name}"))
    return merged


def small_document_batch(texts: Sequence[str], min_words: int) -> list[Verdict]:
    """ROOTS' catalogue ``filter_small_docs``: keep documents with at least ``min_words`` words.

    Words are the ones the quality ratios use (``filters.text.words``: unspaced scripts count per character), so
    a Chinese page is not "small" just because it has no spaces, which ROOTS' ``split(" ")`` would have said.
    """
    out = []
    for text in texts:
        n = len(words(text))
        out.append(KEEP if n >= min_words else Verdict(False, "small_document", float(n)))
    return out
