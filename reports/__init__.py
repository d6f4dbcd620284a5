"""The run report: built from a run's written outputs (``build``), read back (``load``), printed (``terminal``),
drawn (``svg``, ``html``) and compared across runs (``compare``). ``publish`` writes ``report.json``,
``report.html`` and the dataset card (``card``) together."""

from __future__ import annotations

from typing import Any


def publish(out: str, report: dict[str, Any], tokenizer: dict[str, Any] | None = None,
            comparison: dict[str, Any] | None = None, tokens: dict[str, Any] | None = None,
            card_license: str | list[str] | None = None, card: bool = False) -> tuple[str, str]:
    """Write ``report.html`` (and with ``card=True`` the dataset card ``README.md``, licence ``card_license``) and
    then ``report.json`` (last: its presence marks a finished run) into ``out``, each atomically; returns the paths
    of report.json and report.html."""
    from core.fs import join
    from reports.build import write_report
    from reports.card import write_card
    from reports.html import write_html_report

    if card:
        write_card(out, report, card_license)
    html = write_html_report(report, join(out, "report.html"), tokenizer, comparison, tokens)
    return write_report(out, report), html
