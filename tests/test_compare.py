"""``roots report OUT --compare OTHER``: per-language and per-reason deltas, in the terminal and in report.html."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import UserError
from reports.compare import compare_reports, signed
from reports.html import render_html
from reports.load import load_report_at
from tests.conftest import roots_cli
from tests.test_report_html import Page, shared_run


def small_report(languages: dict, programming: dict, removed: dict, input_docs: int, failed: int = 0) -> dict:
    kept_docs = sum(v["docs"] for v in languages.values()) + sum(v["docs"] for v in programming.values())
    kept_bytes = sum(v["bytes"] for v in languages.values()) + sum(v["bytes"] for v in programming.values())
    return {"version": 1, "name": "t", "input_docs": input_docs, "kept_docs": kept_docs, "removed_docs": removed,
            "failed_docs": failed, "counts_add_up": True, "sources": {}, "languages": languages,
            "programming_languages": programming, "removed_by_language": {}, "kept_bytes": kept_bytes, "shards": 1}


def test_deltas_shares_and_status():
    py = {"python": {"docs": 1, "bytes": 0}}
    cur = small_report({"en": {"docs": 6, "bytes": 600}, "fr": {"docs": 2, "bytes": 200},
                        "de": {"docs": 1, "bytes": 200}}, py, {"empty": 3, "language": 1}, 14)
    oth = small_report({"en": {"docs": 6, "bytes": 600}, "fr": {"docs": 4, "bytes": 400},
                        "es": {"docs": 1, "bytes": 0}}, py, {"empty": 1, "binary": 2}, 14)
    c = compare_reports(cur, oth, "a", "b")
    assert (c["current"], c["other"]) == ("a", "b")
    assert c["totals"]["kept_docs"] == {"current": 10, "other": 12, "delta": -2}
    assert c["totals"]["removed_docs"] == {"current": 4, "other": 3, "delta": 1}
    en, fr, de, es = (c["languages"][k] for k in ("en", "fr", "de", "es"))
    # en keeps its 600 bytes of 1000 in both runs: no change
    assert en["bytes_delta"] == 0 and en["share_delta_points"] == pytest.approx(0)
    assert fr["bytes_delta"] == -200 and fr["docs_delta"] == -2 and fr["share_delta_points"] == pytest.approx(-20)
    assert (de["status"], de["share_current"], de["share_other"]) == ("new", 20.0, 0.0)
    assert es["status"] == "gone" and es["docs_delta"] == -1 and fr["status"] == "both"
    assert list(c["languages"])[:2] in (["fr", "de"], ["de", "fr"])  # biggest share moves first
    assert c["removed"] == {"empty": {"status": "both", "current": 3, "other": 1, "delta": 2},
                            "binary": {"status": "gone", "current": 0, "other": 2, "delta": -2},
                            "language": {"status": "new", "current": 1, "other": 0, "delta": 1}}
    assert c["programming_languages"]["python"]["share_delta_points"] == 0


def test_signed():
    assert [signed(5), signed(-1234), signed(0), signed(0.004, 2), signed(-2.5, 2)] == [
        "+5", "-1,234", "0", "0.00", "-2.50"]


def test_html_section_has_the_deltas():
    cur = small_report({"en": {"docs": 3, "bytes": 300}, "<b>x</b>": {"docs": 1, "bytes": 100}}, {}, {"empty": 2}, 6)
    oth = small_report({"en": {"docs": 2, "bytes": 100}}, {}, {"empty": 5, "binary": 1}, 8)
    page = Page(render_html(cur, comparison=compare_reports(cur, oth, "runs/new", "runs/<old>")))
    assert "Compared with runs/<old>" in page.texts
    assert page.tables["compare_languages"]["en"] == {"docs_current": "3", "docs_delta": "1", "bytes_current": "300",
                                                      "bytes_delta": "200", "share_current": "75",
                                                      "share_delta_points": "-25"}
    marks = page.chart("compare_languages")
    assert float(marks["<b>x</b>"]["data-value"]) == pytest.approx(25) and float(marks["en"]["data-value"]) == -25
    assert {k: int(v["delta"]) for k, v in page.tables["compare_removed"].items()} == {"empty": -3, "binary": -1}
    assert int(page.tables["compare_totals"]["input_docs"]["delta"]) == -2


def test_unchanged_shares_give_a_sentence_not_an_empty_chart():
    r = small_report({"en": {"docs": 3, "bytes": 300}}, {}, {}, 3)
    page = Page(render_html(r, comparison=compare_reports(r, r)))
    assert not page.chart("compare_languages") and "No language's share" in "".join(page.texts)


def test_cli_compare_two_real_runs(tmp_path_factory, capsys):
    """Two runs of a corpus, the second without two French documents and with two more empty ones."""
    from pipeline.cli import main

    a = shared_run(tmp_path_factory, "base")
    b = shared_run(tmp_path_factory, "fewer-fr", drop={"fr": 2}, extra_empty=2)
    ra, rb = (json.loads((p / "report.json").read_text()) for p in (a, b))
    assert ra["languages"]["fr"]["docs"] - rb["languages"]["fr"]["docs"] == 2

    res = roots_cli("report", str(a), "--compare", str(b))
    assert res.returncode == 0, res.stderr
    assert f"Compared with {b}" in res.stdout.replace("\n", "")
    assert "Removed per reason" in res.stdout and "-2" in res.stdout and "+2" in res.stdout

    page = Page((a / "report.html").read_text(encoding="utf-8"))
    assert f"Compared with {b}" in page.texts
    fr = page.tables["compare_languages"]["fr"]
    assert int(fr["docs_delta"]) == 2
    assert int(fr["bytes_delta"]) == ra["languages"]["fr"]["bytes"] - rb["languages"]["fr"]["bytes"] > 0
    fr_a, fr_b = ra["languages"]["fr"]["bytes"], rb["languages"]["fr"]["bytes"]
    share = 100 * (fr_a / ra["kept_bytes"] - fr_b / rb["kept_bytes"])
    assert float(fr["share_delta_points"]) == pytest.approx(share, abs=1e-5)
    assert float(page.chart("compare_languages")["fr"]["data-value"]) == pytest.approx(share, abs=1e-5)
    assert int(page.tables["compare_removed"]["empty"]["delta"]) == -2
    assert int(page.tables["compare_totals"]["input_docs"]["delta"]) == 0  # 2 fewer French, 2 more empty

    # --compare also takes the other run's report.json directly, and names the problem when it is not one
    assert load_report_at(str(b / "report.json")) == rb
    assert main(["report", str(a), "--compare", str(b / "missing")]) == 2
    assert "no such run folder" in capsys.readouterr().err


def test_load_report_at_rejects_other_json(tmp_path: Path):
    bad = tmp_path / "x.json"
    bad.write_text('{"languages": {}}')
    with pytest.raises(UserError, match="not a pipeline report"):
        load_report_at(str(bad))
    bad.write_text("{not json")
    with pytest.raises(UserError, match="cannot read"):
        load_report_at(str(bad))
