"""ROOTS-46 coverage for the report: for each ROOTS language, the documents kept and which LID model found them.

Read from the kept shards' ``language`` and ``lid_model`` columns only (the texts stay on disk). Outputs written
before the ``lid_model`` column existed count their documents under ``unrecorded``.

``report.json`` gains (extension, nothing renamed):

* ``lid_models``: kept natural-language documents per deciding model (``lid.176``, ``cld2``, ``source``...);
* ``roots_coverage``: every ROOTS language (all 46, found or not) → ``{family, docs, bytes, models}``;
* ``languages_outside_roots``: the other languages found → ``{docs, bytes, models}``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from core.languages import ROOTS_LANGUAGES

UNRECORDED = "unrecorded"


def coverage(kept: list[dict[str, Any]], read_columns: Callable[[str, list[str]], pa.Table | None],
             ) -> dict[str, Any]:
    """The three report keys from the kept shards' index rows; ``read_columns(shard_path, columns)`` reads columns
    of one shard (``None`` when the shard has no ``lid_model`` column)."""
    models: dict[str, Counter] = defaultdict(Counter)
    for s in kept:
        if s["language"].startswith("code-"):
            continue
        table = read_columns(s["path"], ["lid_model"])
        decided = table.column("lid_model").to_pylist() if table is not None else [None] * s["rows"]
        models[s["language"]].update(m or UNRECORDED for m in decided)
    sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in kept:
        sizes[s["language"]][0] += s["rows"]
        sizes[s["language"]][1] += s["text_bytes"]

    def entry(lang: str) -> dict[str, Any]:
        docs, size = sizes.get(lang, (0, 0))
        return {"docs": docs, "bytes": size, "models": dict(sorted(models.get(lang, Counter()).items()))}

    roots = {lang: {"family": family, **entry(lang)}
             for family, langs in ROOTS_LANGUAGES.items() for lang in langs}
    outside = {lang: entry(lang) for lang in sorted(models) if lang not in roots}
    total: Counter = Counter()
    for counts in models.values():
        total.update(counts)
    return {"lid_models": dict(sorted(total.items())), "roots_coverage": roots,
            "languages_outside_roots": dict(sorted(outside.items(), key=lambda kv: (-kv[1]["bytes"], kv[0])))}


def render_coverage(report: dict[str, Any], console) -> None:
    """Terminal table: each ROOTS language with its documents and deciding models; the others apart."""
    from rich.markup import escape
    from rich.table import Table

    if "roots_coverage" not in report:
        return
    cov = report["roots_coverage"]
    found = sum(1 for v in cov.values() if v["docs"])
    table = Table(title=f"ROOTS-46 coverage ({found} of {len(cov)} languages found)", title_justify="left")
    for col in ("language", "family", "docs", "found by"):
        table.add_column(col, justify="right" if col == "docs" else "left")
    for lang, v in cov.items():
        table.add_row(lang, v["family"], f"{v['docs']:,}", escape(_models(v["models"])) or "-")
    console.print(table)
    outside = report.get("languages_outside_roots") or {}
    if outside:
        other = Table(title="Languages outside ROOTS", title_justify="left")
        for col in ("language", "docs", "found by"):
            other.add_column(col, justify="right" if col == "docs" else "left")
        for lang, v in outside.items():
            other.add_row(escape(lang), f"{v['docs']:,}", escape(_models(v["models"])))
        console.print(other)
    console.print("documents per deciding LID model: "
                  + escape(", ".join(f"{m} {n:,}" for m, n in report.get("lid_models", {}).items()) or "none"))


def _models(models: dict[str, int]) -> str:
    return ", ".join(f"{m} {n:,}" for m, n in models.items())


def coverage_html(report: dict[str, Any]) -> str:
    """The report page's section: ROOTS-46 table (every language, found or not) and the languages outside ROOTS."""
    from reports.html import Col, table
    from reports.svg import esc

    cov = report["roots_coverage"]
    found = sum(1 for v in cov.values() if v["docs"])
    text = {"numeric": False}
    cols = [Col("family", "family", str, **text), Col("docs", "documents"), Col("bytes", "bytes"),
            Col("found_by", "found by", str, **text)]
    rows = {lang: {**v, "found_by": _models(v["models"]) or None} for lang, v in cov.items()}
    outside = {lang: {**v, "found_by": _models(v["models"])} for lang, v in
               (report.get("languages_outside_roots") or {}).items()}
    models = ", ".join(f"{m} {n:,}" for m, n in report.get("lid_models", {}).items()) or "none"
    return (f'<section id="roots-coverage"><h2>ROOTS-46 coverage</h2>'
            f'<p>{found} of {len(cov)} ROOTS languages found. Kept documents per deciding language-ID model: '
            f'{esc(models)} (<code>source</code>: the source fixed the language).</p>'
            + table("roots_coverage", "Kept documents per ROOTS language and the model that found them", "language",
                    cols, rows)
            + table("languages_outside_roots", "Languages outside ROOTS", "language", cols[1:], outside)
            + "</section>")
