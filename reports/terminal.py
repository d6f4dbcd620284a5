"""The terminal tables of ``roots run`` and ``roots report``, and the number formats every report view shares."""

from __future__ import annotations

from typing import Any

from reports.coverage import render_coverage


def share(part: int, whole: int) -> float:
    """Percent of ``whole`` (0 when ``whole`` is 0): the one share every table and chart shows."""
    return 100 * part / whole if whole else 0.0


def _pct(part: int, whole: int) -> str:
    return f"{share(part, whole):.2f}%" if whole else "-"


def human(n: float) -> str:
    """A byte count for people: ``812 B``, ``3.4 MB``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def render_tables(report: dict[str, Any], console=None) -> None:
    """Print languages, programming languages and removals as tables with doc and byte shares."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    total_docs, total_bytes = report["kept_docs"], report["kept_bytes"]
    for title, key in (("Languages", "languages"), ("Programming languages", "programming_languages")):
        table = Table(title=title, title_justify="left")
        for col in ("language", "docs", "docs %", "bytes", "bytes %"):
            table.add_column(col, justify="left" if col == "language" else "right")
        for lang, v in report[key].items():
            table.add_row(lang, f"{v['docs']:,}", _pct(v["docs"], total_docs), human(v["bytes"]),
                          _pct(v["bytes"], total_bytes))
        if not report[key]:
            table.add_row("(none)", "", "", "", "")
        console.print(table)
    render_coverage(report, console)
    removed = Table(title="Removed", title_justify="left")
    removed.add_column("reason")
    removed.add_column("docs", justify="right")
    removed.add_column("of input", justify="right")
    for reason, n in sorted(report["removed_docs"].items(), key=lambda kv: -kv[1]):
        removed.add_row(reason, f"{n:,}", _pct(n, report["input_docs"]))
    console.print(removed)
    render_word_removal(report, console)
    ok = "[green]counts add up[/green]" if report["counts_add_up"] else "[bold red]COUNTS DO NOT ADD UP[/bold red]"
    console.print(
        f"input {report['input_docs']:,} = kept {report['kept_docs']:,} + removed "
        f"{sum(report['removed_docs'].values()):,} + failed {report['failed_docs']:,}: {ok}"
    )


def render_word_removal(report: dict[str, Any], console) -> None:
    """Print the words ROOTS' word removal took from kept documents (per language and reason) and the PII
    placeholders in the kept documents, when the report has them."""
    from rich.table import Table

    words = report.get("word_removal")
    if words:
        reasons = sorted({r for per in words.values() for r in per})
        table = Table(title="Words removed by ROOTS' word removal (documents the quality filter kept)",
                      title_justify="left")
        table.add_column("language")
        for r in reasons:
            table.add_column(r, justify="right")
        for lang, per in words.items():
            table.add_row(lang, *(f"{per.get(r, 0):,}" for r in reasons))
        console.print(table)
    kept = report.get("pii_kept") or {}
    if kept.get("enabled"):
        found = {k: v for k, v in kept.items() if k != "enabled" and v}
        shown = ", ".join(f"{k} {v:,}" for k, v in found.items()) or "none"
        console.print(f"PII placeholders in kept documents: {shown}")


def render_tokenizer_table(tok: dict[str, Any], console=None) -> None:
    """Print a tokenizer report's per-language fertility and tokens/byte, beside the GPT-2 baseline when present."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    console = console or Console()
    base = (tok.get("baseline_gpt2") or {}).get("languages", {})
    table = Table(title="Tokenizer (held-out documents; lower is better)", title_justify="left")
    cols = ["language", "fertility", "gpt2 fertility", "tokens/byte", "gpt2 tokens/byte", "vocab share"]
    for col in cols if base else [c for c in cols if not c.startswith("gpt2")]:
        table.add_column(col, justify="left" if col == "language" else "right")
    for lang, m in tok["languages"].items():
        b = base.get(lang, {})
        cells = [fmt(m.get("fertility_tokens_per_word")), fmt(b.get("fertility_tokens_per_word")),
                 fmt(m.get("tokens_per_byte")), fmt(b.get("tokens_per_byte")),
                 f"{100 * m.get('vocab_share', 0.0):.2f}%"]
        table.add_row(escape(lang), *(cells if base else cells[0:1] + cells[2:3] + cells[4:]))
    console.print(table)
