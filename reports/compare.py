"""``roots report OUT --compare OTHER``: what changed between two runs, per language and per removal reason.

Two runs of the same corpus differ when a filter threshold, an allow-list or the input changes; the question is then
"which languages gained or lost, and which filter removed more". Shares are in percent of each run's kept bytes (as
in the report's tables), so a share delta is in percentage points: it shows a language whose weight in the corpus
moved even when every language lost bytes.
"""

from __future__ import annotations

from typing import Any

from reports.terminal import share

#: the run-level counters compared, in the order shown
TOTALS = ("input_docs", "kept_docs", "kept_bytes", "removed_docs", "failed_docs")


def _status(in_current: bool, in_other: bool) -> str:
    return "both" if in_current and in_other else ("new" if in_current else "gone")


def _language_deltas(cur: dict[str, dict[str, int]], cur_total: int, oth: dict[str, dict[str, int]],
                     oth_total: int) -> dict[str, dict[str, Any]]:
    """Per language: docs, bytes and share of kept bytes in both runs, and their differences (current - other)."""
    rows = {}
    for lang in set(cur) | set(oth):
        c = cur.get(lang, {"docs": 0, "bytes": 0})
        o = oth.get(lang, {"docs": 0, "bytes": 0})
        share_c, share_o = share(c["bytes"], cur_total), share(o["bytes"], oth_total)
        rows[lang] = {
            "status": _status(lang in cur, lang in oth),
            "docs_current": c["docs"], "docs_other": o["docs"], "docs_delta": c["docs"] - o["docs"],
            "bytes_current": c["bytes"], "bytes_other": o["bytes"], "bytes_delta": c["bytes"] - o["bytes"],
            "share_current": share_c, "share_other": share_o, "share_delta_points": share_c - share_o,
        }
    # biggest moves first; ties (e.g. unchanged languages) by current size, then name, so the order is stable
    return dict(sorted(rows.items(), key=lambda kv: (-abs(kv[1]["share_delta_points"]), -kv[1]["bytes_current"],
                                                     kv[0])))


def _count_deltas(cur: dict[str, int], oth: dict[str, int]) -> dict[str, dict[str, Any]]:
    rows = {k: {"status": _status(k in cur, k in oth), "current": cur.get(k, 0), "other": oth.get(k, 0),
                "delta": cur.get(k, 0) - oth.get(k, 0)} for k in set(cur) | set(oth)}
    return dict(sorted(rows.items(), key=lambda kv: (-abs(kv[1]["delta"]), -kv[1]["current"], kv[0])))


def _total(report: dict[str, Any], key: str) -> int:
    value = report.get(key, 0)
    return sum(value.values()) if isinstance(value, dict) else int(value)


def compare_reports(current: dict[str, Any], other: dict[str, Any], current_label: str = "this run",
                    other_label: str = "other") -> dict[str, Any]:
    """Deltas (current - other) of two pipeline reports: totals, languages, programming languages, removals.

    ``languages``/``programming_languages`` map a code to ``{status, docs_current, docs_other, docs_delta,
    bytes_current, bytes_other, bytes_delta, share_current, share_other, share_delta_points}`` (status is
    ``both``, ``new`` (only in current) or ``gone``); ``removed`` maps a reason to ``{status, current, other, delta}``;
    ``removed_by_language`` maps a language to the same per reason.
    """
    cur_bytes, oth_bytes = current["kept_bytes"], other["kept_bytes"]
    totals = {}
    for key in TOTALS:
        c, o = _total(current, key), _total(other, key)
        totals[key] = {"current": c, "other": o, "delta": c - o}
    cur_rbl, oth_rbl = current.get("removed_by_language", {}), other.get("removed_by_language", {})
    return {
        "current": current_label,
        "other": other_label,
        "totals": totals,
        "languages": _language_deltas(current["languages"], cur_bytes, other["languages"], oth_bytes),
        "programming_languages": _language_deltas(current["programming_languages"], cur_bytes,
                                                  other["programming_languages"], oth_bytes),
        "removed": _count_deltas(current.get("removed_docs", {}), other.get("removed_docs", {})),
        "removed_by_language": {lang: _count_deltas(cur_rbl.get(lang, {}), oth_rbl.get(lang, {}))
                                for lang in sorted(set(cur_rbl) | set(oth_rbl))},
    }


# ------------------------------------------------------------------------------------------------ terminal
def signed(n: float, digits: int = 0) -> str:
    """``+1,234`` / ``-5`` / ``0``: a delta with its sign, so the direction is readable without colour."""
    text = f"{abs(n):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if n > 0 else "-") + text


def _styled(n: float, text: str) -> str:
    return f"[green]{text}[/green]" if n > 0 else (f"[red]{text}[/red]" if n < 0 else text)


def render_comparison(comparison: dict[str, Any], console=None) -> None:
    """Print the deltas as rich tables: totals, languages, programming languages, removal reasons."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console()
    title = f"Compared with {comparison['other']} (delta = {comparison['current']} - {comparison['other']})"
    console.print(f"[bold]{escape(title)}[/bold]")
    totals = Table(title="Totals", title_justify="left")
    for col in ("", comparison["current"], comparison["other"], "delta"):
        totals.add_column(escape(col), justify="left" if not col else "right")
    for key, v in comparison["totals"].items():
        totals.add_row(key, f"{v['current']:,}", f"{v['other']:,}", _styled(v["delta"], signed(v["delta"])))
    console.print(totals)
    for title, key in (("Languages", "languages"), ("Programming languages", "programming_languages")):
        table = Table(title=title, title_justify="left")
        for col in ("language", "", "docs", "docs delta", "bytes delta", "share", "share delta (points)"):
            table.add_column(col, justify="left" if col in ("language", "") else "right")
        for lang, v in comparison[key].items():
            table.add_row(escape(lang), "" if v["status"] == "both" else v["status"], f"{v['docs_current']:,}",
                          _styled(v["docs_delta"], signed(v["docs_delta"])),
                          _styled(v["bytes_delta"], signed(v["bytes_delta"])), f"{v['share_current']:.2f}%",
                          _styled(v["share_delta_points"], signed(v["share_delta_points"], 2)))
        if not comparison[key]:
            table.add_row("(none)", "", "", "", "", "", "")
        console.print(table)
    removed = Table(title="Removed per reason", title_justify="left")
    for col in ("reason", comparison["current"], comparison["other"], "delta"):
        removed.add_column(escape(col), justify="left" if col == "reason" else "right")
    for reason, v in comparison["removed"].items():
        removed.add_row(escape(reason), f"{v['current']:,}", f"{v['other']:,}", _styled(v["delta"], signed(v["delta"])))
    if not comparison["removed"]:
        removed.add_row("(none)", "", "", "")
    console.print(removed)
