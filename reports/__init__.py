"""The run report: built from a run's written outputs (``build``), read back (``load``), printed (``terminal``),
drawn (``svg``, ``html``) and compared across runs (``compare``). ``publish`` writes ``report.json`` and
``report.html`` together."""

from __future__ import annotations

from typing import Any


def publish(out: str, report: dict[str, Any], tokenizer: dict[str, Any] | None = None,
            comparison: dict[str, Any] | None = None, tokens: dict[str, Any] | None = None) -> tuple[str, str]:
    """Write ``report.html`` and then ``report.json`` (last: its presence marks a finished run) into ``out``, each
    atomically; returns their paths."""
    from core.fs import join
    from reports.build import write_report
    from reports.html import write_html_report

    html = write_html_report(report, join(out, "report.html"), tokenizer, comparison, tokens)
    return write_report(out, report), html
