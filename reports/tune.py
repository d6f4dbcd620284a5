"""``roots tune OUT``: one self-contained HTML page for choosing each language's filter cut-offs, as BigScience's
native speakers chose ROOTS' in their visualisation tool.

For each language and each quality check the page shows the distribution of the check's value over the documents
that reached the quality filter (from ``OUT/attributes/``), the run's cut-off, the share of documents that cut-off
removes, and documents just below and just above it. A slider per cut-off moves it; the share and the examples follow
at once, and a YAML snippet for ``filters.languages`` collects the chosen cut-offs.

What is embedded stays small whatever the corpus (so 100,000 documents in 46 languages load at once): per language
and check a pre-binned histogram, the sorted values down-sampled to at most ``QUANTILES`` points (the share at a
cut-off is then exact to 1/QUANTILES; exact when there are fewer values), and a bounded set of example documents
(evenly spaced through the distribution, plus the nearest on each side of the run's cut-off), each with a short
excerpt. No server, no CDN: the script and styles are inline; document text is only ever put in the page as JSON
with ``<``, ``>`` and ``&`` escaped, and shown with ``textContent``.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from core.errors import UserError
from core.languages import is_code
from filters import NL_CHECKS, cutoffs_of
from filters.params import LanguageParams

#: the most sorted values embedded per check (the share shown is exact to 1 / QUANTILES)
QUANTILES = 1000
#: histogram bars per check
BINS = 40
#: example documents spread through each check's distribution, and the nearest on each side of the cut-off
SPREAD_EXAMPLES = 24
NEAR_EXAMPLES = 6
EXCERPT_CHARS = 200
#: checks whose values span orders of magnitude: histogram and slider on a log scale
LOG_CHECKS = frozenset({"number_words", "perplexity"})
#: stages before the quality filter: their documents were never measured
_UNMEASURED = frozenset({"Ingest", "Normalize", "LanguageFilter"})


# ------------------------------------------------------------------------------------------------ summaries
def _quantiles(values: np.ndarray) -> list[float]:
    if len(values) <= QUANTILES:
        return values.tolist()
    ranks = np.linspace(0, len(values) - 1, QUANTILES).round().astype(int)
    return [float(f"{v:.6g}") for v in values[ranks].tolist()]  # down-sampled: 6 digits are plenty


def _histogram(values: np.ndarray, log: bool) -> dict[str, Any]:
    lo, hi = float(values[0]), float(values[-1])
    if log:
        lo = max(lo, 1e-9) if hi > 0 else lo
        edges = np.geomspace(lo, max(hi, lo * 1.0001), BINS + 1) if lo > 0 else np.linspace(lo, hi, BINS + 1)
    else:
        edges = np.linspace(lo, hi if hi > lo else lo + 1e-9, BINS + 1)
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    return {"edges": [round(float(e), 6) for e in edges], "counts": counts.tolist()}


def _example_ranks(values: np.ndarray, cuts: Iterable[float]) -> list[int]:
    n = len(values)
    ranks = set(np.linspace(0, n - 1, min(n, SPREAD_EXAMPLES)).round().astype(int).tolist())
    for cut in cuts:
        at = int(np.searchsorted(values, cut, side="left"))
        ranks.update(range(max(0, at - NEAR_EXAMPLES), min(n, at + NEAR_EXAMPLES)))
    return sorted(ranks)


def check_summary(check: str, values: Sequence[float], ids: Sequence[str], params: LanguageParams
                  ) -> tuple[dict[str, Any], list[str]]:
    """What the page needs of one check of one language: ``n``, sorted ``q``uantiles, the histogram, the cut-off
    fields with their current values and the example ``(value, id)`` pairs; and the example ids (for excerpts)."""
    order = np.argsort(np.asarray(values, dtype=float), kind="stable")
    sorted_values = np.asarray(values, dtype=float)[order]
    cutoffs = [{"field": field, "op": op, "value": getattr(params, field)} for field, op in cutoffs_of(check)]
    ranks = _example_ranks(sorted_values, [c["value"] for c in cutoffs if c["value"] is not None])
    examples = [[float(sorted_values[r]), ids[order[r]]] for r in ranks]
    summary = {"check": check, "n": len(sorted_values), "q": _quantiles(sorted_values),
               "hist": _histogram(sorted_values, check in LOG_CHECKS), "log": check in LOG_CHECKS,
               "integer": check == "number_words", "cutoffs": cutoffs, "examples": examples}
    return summary, [e[1] for e in examples]


def language_summary(language: str, columns: dict[str, tuple[Sequence[float], Sequence[str]]],
                     params: LanguageParams, text_of: Callable[[list[str]], dict[str, str]]) -> dict[str, Any]:
    """One language's block of the page: a summary per check (``columns``: check → (values, ids) of the
    documents it applies to) and the excerpts of every example document (``text_of``: ids → texts)."""
    checks, wanted = [], set()
    for check in NL_CHECKS:
        values, ids = columns.get(check, ((), ()))
        if len(values):
            summary, example_ids = check_summary(check, values, ids, params)
            checks.append(summary)
            wanted.update(example_ids)
    texts = text_of(sorted(wanted))
    excerpts = {i: _excerpt(texts.get(i, "")) for i in sorted(wanted)}
    docs = max((c["n"] for c in checks), default=0)
    return {"language": language, "docs": docs, "checks": checks, "excerpts": excerpts}


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…"


# ------------------------------------------------------------------------------------------------ reading a run
def _index(out: str, sub: str) -> list[dict[str, Any]]:
    path = os.path.join(out, sub, "index.json")
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)["shards"]


def _read(path: str, columns: list[str]) -> pa.Table:
    with pa.memory_map(path) as src:
        names = pa.ipc.open_file(src).schema.names
        options = pa.ipc.IpcReadOptions(included_fields=[names.index(c) for c in columns])
        return pa.ipc.open_file(src, options=options).read_all()


def _texts(out: str, language: str) -> Callable[[list[str]], dict[str, str]]:
    """A function of ids → texts of ``language``'s documents, read from shards/ and removed/ (removed documents
    keep their text there)."""
    def text_of(ids: list[str]) -> dict[str, str]:
        wanted, found = set(ids), {}
        files = [os.path.join(out, "shards", s["path"]) for s in _index(out, "shards") if s["language"] == language]
        files += [os.path.join(out, "removed", s["path"]) for s in _index(out, "removed")]
        for path in files:
            table = _read(path, ["id", "language", "text"])
            for doc_id, lang, text in zip(*(table.column(c).to_pylist() for c in ("id", "language", "text")),
                                          strict=True):
                if doc_id in wanted and lang == language:
                    found[doc_id] = text
            if len(found) == len(wanted):
                break
        return found

    return text_of


def collect(out: str, languages: Sequence[str] | None = None) -> dict[str, Any]:
    """The page's data for the finished run in ``out``: one block per natural language (``languages``: only
    those), from ``attributes/`` and the run's manifest."""
    from pipeline.refilter import run_manifest  # the run's manifest, as refilter reads it

    manifest = run_manifest(out)
    profiles = manifest.source_profiles()
    by_language: dict[str, list[str]] = {}
    for s in _index(out, "attributes"):
        by_language.setdefault(s["language"], []).append(os.path.join(out, "attributes", s["path"]))
    wanted = [lang for lang in sorted(by_language) if not is_code(lang) and lang != "unknown"]
    if languages:
        missing = sorted(set(languages) - set(wanted))
        if missing:
            raise UserError(f"--language {', '.join(missing)}: not among the run's measured languages "
                            f"({', '.join(wanted) or 'none'})")
        wanted = [lang for lang in wanted if lang in languages]
    blocks = []
    for lang in wanted:
        table = pa.concat_tables(_read(p, ["id", "source", "stage", *NL_CHECKS]) for p in by_language[lang])
        rows = table.to_pydict()
        columns: dict[str, tuple[list[float], list[str]]] = {}
        for check in NL_CHECKS:
            values, ids = [], []
            for doc_id, source, stage, value in zip(rows["id"], rows["source"], rows["stage"], rows[check],
                                                    strict=True):
                checks = profiles.get(source)
                if value is None or stage in _UNMEASURED or (checks is not None and check not in checks):
                    continue
                values.append(value)
                ids.append(doc_id)
            columns[check] = (values, ids)
        blocks.append(language_summary(lang, columns, manifest.filters.params_for(lang), _texts(out, lang)))
    return {"name": manifest.name, "languages": [b for b in blocks if b["checks"]]}


# ------------------------------------------------------------------------------------------------ the page
def _script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left to end it or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(data: Any) -> Any:
    """``data`` with infinite floats (a perplexity can be) replaced by the largest finite double."""
    if isinstance(data, float) and not math.isfinite(data):
        return math.copysign(1.7976931348623157e308, data) if not math.isnan(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    return data


def render(data: dict[str, Any]) -> str:
    """The self-contained page for ``data`` (:func:`collect`)."""
    from reports.tune_page import PAGE

    title = html.escape(f"roots tune: {data.get('name') or ''}")
    head, _, tail = PAGE.partition("__DATA__")
    return head.replace("__TITLE__", title) + _script_json(_finite(data)) + tail


def write_page(out: str, path: str | None = None, languages: Sequence[str] | None = None) -> str:
    """Write the tuning page of the run in ``out`` (default ``OUT/tune.html``) atomically; returns its path."""
    from core.fs import write_atomically

    path = path or os.path.join(out, "tune.html")
    write_atomically(path, render(collect(out, languages)).encode("utf-8"))
    return path
