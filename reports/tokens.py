"""Tokens per language beside bytes, in the terminal and on report.html, from ``tokens/index.json``.

Shown when ``roots tokenize`` has written ``OUT/tokens/index.json``: documents, kept bytes (from report.json),
tokens, tokens per byte, the share of all tokens, the alpha-sampling weight and the tokens a training run draws per
language. The page section reuses the report's charts and tables (every text is escaped there).
"""

from __future__ import annotations

from typing import Any

from reports.html import Col, _figure, table
from reports.svg import BLUE, ORANGE, PURPLE, Ids, Mark, Row, Series, bar_chart, esc, pct


def _kept_bytes(report: dict[str, Any] | None) -> dict[str, int]:
    if not report:
        return {}
    out = {}
    for key in ("languages", "programming_languages"):
        out.update({lang: v["bytes"] for lang, v in (report.get(key) or {}).items()})
    return out


def token_rows(tokens: dict[str, Any], report: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per language (most tokens first): documents, bytes, tokens, tokens/byte, shares in percent, sampled tokens."""
    kept = _kept_bytes(report)
    total_bytes = sum(kept.get(lang, 0) for lang in tokens["languages"])
    rows = {}
    for lang, v in sorted(tokens["languages"].items(), key=lambda kv: (-kv[1]["tokens"], kv[0])):
        b = kept.get(lang)
        rows[lang] = {"documents": v["documents"], "bytes": b,
                      "bytes_share": 100 * b / total_bytes if b is not None and total_bytes else None,
                      "tokens": v["tokens"], "tokens_per_byte": v["tokens"] / b if b else None,
                      "tokens_share": 100 * v["share"], "weight": 100 * v["weight"],
                      "sampled_tokens": v["sampled_tokens"], "epochs": v["epochs"]}
    return rows


def render_tokens_table(tokens: dict[str, Any], report: dict[str, Any] | None, console=None) -> None:
    """Print the tokens-per-language table (bytes columns only when the run's report is given)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console()
    table_ = Table(title=f"Tokens (alpha {tokens['alpha']:g}; {tokens['dtype']})", title_justify="left")
    cols = ["language", "docs", "bytes", "tokens", "tokens/byte", "tokens %", "weight %", "sampled tokens", "epochs"]
    if not report:
        cols = [c for c in cols if c not in ("bytes", "tokens/byte")]
    for col in cols:
        table_.add_column(col, justify="left" if col == "language" else "right")
    for lang, r in token_rows(tokens, report).items():
        cells = {"docs": f"{r['documents']:,}", "bytes": "-" if r["bytes"] is None else f"{r['bytes']:,}",
                 "tokens": f"{r['tokens']:,}",
                 "tokens/byte": "-" if r["tokens_per_byte"] is None else f"{r['tokens_per_byte']:.3f}",
                 "tokens %": f"{r['tokens_share']:.2f}%", "weight %": f"{r['weight']:.2f}%",
                 "sampled tokens": f"{r['sampled_tokens']:,}", "epochs": f"{r['epochs']:.2f}"}
        table_.add_row(escape(lang), *(cells[c] for c in cols[1:]))
    console.print(table_)


def tokens_section(ids: Ids, tokens: dict[str, Any], report: dict[str, Any] | None) -> str:
    """The ``Tokens`` section of report.html: shares of bytes, of tokens and the sampling weights, and the table."""
    rows = token_rows(tokens, report)
    series = [Series("share of kept bytes", BLUE), Series("share of tokens", ORANGE, "hatch"),
              Series(f"sampling weight (alpha {tokens['alpha']:g})", PURPLE, "dots")]
    chart_rows = []
    for lang, r in rows.items():
        b = r["bytes_share"]
        chart_rows.append(Row(lang, [
            Mark(b, "bytes " + ("n/a" if b is None else pct(b)), f"{lang}: {'n/a' if b is None else pct(b)} of bytes"),
            Mark(r["tokens_share"], "tokens " + pct(r["tokens_share"]),
                 f"{lang}: {pct(r['tokens_share'])} of tokens ({r['tokens']:,})", 1),
            Mark(r["weight"], "weight " + pct(r["weight"]),
                 f"{lang}: sampling weight {pct(r['weight'])} ({r['sampled_tokens']:,} tokens sampled)", 2)]))
    svg = bar_chart(ids, "tokens", "Share of bytes, share of tokens and sampling weight per language",
                    "Per language: its share of the kept bytes, of the tokens, and its alpha-sampling weight.",
                    chart_rows, series, "linear", "%")
    fmt3 = lambda v: f"{v:.3f}"  # noqa: E731
    cols = [Col("documents", "documents"), Col("bytes", "bytes"), Col("tokens", "tokens"),
            Col("tokens_per_byte", "tokens/byte", fmt3), Col("tokens_share", "share of tokens", pct),
            Col("weight", "sampling weight", pct), Col("sampled_tokens", "sampled tokens"),
            Col("epochs", "epochs", lambda v: f"{v:.2f}")]
    tab = table("tokens", "Tokens per language and the training mix", "language", cols, rows)
    return (f'<section id="tokens"><h2>Tokens</h2><p>{tokens["documents"]:,} documents, {tokens["tokens"]:,} tokens '
            f'({esc(tokens["dtype"])}, vocabulary {tokens["tokenizer"]["vocab_size"]:,}, end-of-document '
            f'<code>{esc(tokens["tokenizer"]["eod_token"])}</code>) in Megatron indexed datasets. Weights: alpha '
            f'{tokens["alpha"]:g} sampling over token shares; a run of {tokens["train_tokens"]:,} tokens draws the '
            "sampled tokens shown.</p>"
            + _figure(svg, "Share of kept bytes (solid), of tokens (hatched) and the sampling weight (dotted) per "
                           "language; values printed at the right.")
            + tab + f'<p class="note">Megatron <code>--data-path {esc(tokens["data_path"])}</code></p></section>')


def refresh_html(out: str, tokens: dict[str, Any], tokenizer_dir: str | None = None) -> str | None:
    """Rewrite ``OUT/report.html`` with the tokens section (and the tokenizer's, when its report loads)."""
    import os

    from core.errors import UserError
    from reports.html import write_html_report
    from reports.load import load_report, load_tokenizer_report

    report = load_report(out)
    tok = None
    if tokenizer_dir:
        try:
            tok = load_tokenizer_report(tokenizer_dir)
        except UserError:
            tok = None  # a tokenizer folder without its report (or an older one) still tokenizes
    return write_html_report(report, os.path.join(out, "report.html"), tok, tokens=tokens)
