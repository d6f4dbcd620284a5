"""Progress lines: the counts workers write, the estimate (input share, expected documents, ETA) and the text.

``tests/test_pipeline_e2e.py::test_cli_run_report_progress_and_errors`` drives the real ``roots run`` with stderr
not a terminal and checks the per-stage lines it prints; ``tests/test_crash_safe.py`` that ``-q`` prints none.
"""

from __future__ import annotations

import io
import time
from collections import Counter

import pytest

from pipeline import progress
from pipeline.progress import (
    Counts,
    Inputs,
    ProgressDisplay,
    RemoteHeartbeat,
    Snapshot,
    StageLine,
    clock,
    describe,
    estimate,
    input_share,
    mark_unit,
    read_snapshot,
)

STAGES = ["Ingest", "Filter", "Dedup"]


def test_counts_files_are_summed_per_stage(tmp_path, monkeypatch):
    a, b = Counts(str(tmp_path), "Filter", "kept"), Counts(str(tmp_path), "Filter", "gone")
    a.add(kept=1)  # the first add writes at once
    monkeypatch.setattr(progress, "FLUSH_SECONDS", 3600)
    a.add(kept=1)
    b.add(gone=3)
    assert read_snapshot(str(tmp_path)).counts["Filter"] == Counter(kept=1, gone=3)  # a's second add not yet out
    a.flush()
    mark_unit(str(tmp_path), "u1", docs=4, text_bytes=100)
    (tmp_path / "Filter" / "kept-x.json.tmp-1").write_text("{half")  # a file being written is never read
    snap = read_snapshot(str(tmp_path))
    assert snap.counts == {"Filter": Counter(kept=2, gone=3)} and snap.units == {"u1": {"docs": 4, "bytes": 100}}
    assert read_snapshot(str(tmp_path / "absent")) == Snapshot()


def test_input_share_from_bytes_with_the_measured_text_ratio():
    inputs = Inputs({"a": 1000, "b": 1000, "c": 2000})
    nothing = Snapshot()
    assert input_share(nothing, inputs, Counter()) == 0
    # a finished: 1000 file bytes gave 2000 text bytes (ratio 2); 1000 more text bytes read from b and c
    snap = Snapshot(units={"a": {"docs": 10, "bytes": 2000}})
    assert input_share(snap, inputs, Counter(bytes=3000)) == pytest.approx((1000 + 500) / 4000)
    # before any input finished the ratio is 1; never more than the unfinished inputs' bytes
    assert input_share(nothing, inputs, Counter(bytes=1000)) == pytest.approx(0.25)
    assert input_share(snap, inputs, Counter(bytes=10**9)) == 1.0
    # a hub shard has no size here: the share is finished inputs / inputs
    assert input_share(snap, Inputs({"a": 1000, "hub-0": None}), Counter(bytes=3000)) == 0.5
    assert input_share(nothing, Inputs({}), Counter()) is None


def test_expected_documents_chain_through_the_stages():
    inputs = Inputs({"a": 1000, "b": 1000})
    # half the input read: 50 documents, 40 kept; the filter has seen 20 and kept 10; dedup nothing yet
    snap = Snapshot(counts={"Ingest": Counter(docs=50, kept=40, bytes=1000), "Filter": Counter(kept=10, gone=10)},
                    units={"a": {"docs": 50, "bytes": 1000}})
    ingest, filt, dedup = estimate(STAGES, snap, inputs, {"Ingest": 0.0, "Filter": 5.0}, now=10.0)
    assert (ingest.expected, ingest.finished, ingest.units) == (100, False, (1, 2))
    assert ingest.rate == 5 and ingest.eta == pytest.approx(10)  # 50 more at 5 docs/s
    assert filt.expected == pytest.approx(80) and filt.rate == 4 and filt.eta == pytest.approx(15)
    assert dedup.expected == pytest.approx(40) and dedup.done == 0 and dedup.eta is None and dedup.seconds is None

    # everything read and filtered: the expectations are exact, and a stage is finished when it has seen them all
    done = Snapshot(counts={"Ingest": Counter(docs=100, kept=80, bytes=2000), "Filter": Counter(kept=30, gone=50),
                            "Dedup": Counter(kept=20, gone=5)},
                    units={"a": {"docs": 50, "bytes": 1000}, "b": {"docs": 50, "bytes": 1000}})
    lines = estimate(STAGES, done, inputs, {"Ingest": 0.0, "Filter": 5.0, "Dedup": 9.0}, now=20.0)
    assert [(x.expected, x.finished) for x in lines] == [(100, True), (80, True), (30, False)]
    assert lines[2].eta == pytest.approx(5 / (25 / 11)) and lines[2].ready

    # a switched-off stage passes its expectation on, and is finished when the stages before it are
    off = Snapshot(counts={**done.counts, "Filter": Counter(off=1), "Dedup": Counter()}, units=done.units)
    ingest, filt, dedup = estimate(STAGES, off, inputs, {"Ingest": 0.0}, now=20.0)
    assert (filt.off, filt.finished, filt.expected) == (True, True, 80) and (dedup.expected, dedup.ready) == (80, True)
    assert describe(filt) == "Filter: off (nothing to do with this manifest)"
    assert describe(dedup) == "Dedup: 0/80 docs, working (ETA ? until its first documents are out)"


def test_lines_for_people():
    assert clock(None) == "?" and clock(3725.4) == "1:02:05"
    running = StageLine("Ingest", 1234, 5000.0, False, 3.0, (3, 10))
    assert describe(running) == "Ingest: 1,234/~5,000 docs, 411 docs/s, ETA 0:00:09 (3/10 inputs)"
    assert describe(StageLine("Dedup", 0, None, False, None)) == "Dedup: waiting"
    assert describe(StageLine("Filter", 800, 800.0, True, 4.0)) == "Filter: 800 docs, done in 0:00:04, 200 docs/s"
    assert describe(StageLine("Dedup", 0, None, False, None), width=8).startswith("Dedup:    waiting")


def test_plain_lines_when_not_a_terminal(tmp_path):
    """The display on a pipe: a starting line while nothing is done, then a line per running stage, and each
    stage's total once it is finished (a finished stage keeps the time it took)."""
    out = io.StringIO()
    inputs = Inputs({"a": 10})
    with ProgressDisplay(str(tmp_path), STAGES, inputs, True, out, interval=0.05) as display:
        time.sleep(0.7)
        Counts(str(tmp_path), "Ingest", "read").add(docs=5, kept=4, bytes=10)
        mark_unit(str(tmp_path), "a", 5, 10)
        Counts(str(tmp_path), "Filter", "kept").add(kept=4)
        time.sleep(1.2)
        Counts(str(tmp_path), "Dedup", "kept").add(kept=4)
    text = [line.split(": ", 2)[2] for line in out.getvalue().splitlines()]
    assert text[0] == "Ingest: starting (0/1 inputs)"  # repeated every interval while nothing changes
    assert "Dedup: 0/4 docs, working (ETA ? until its first documents are out)" in text
    finished = [t for t in text if "done in" in t]
    assert [t.split(":")[0] for t in finished] == STAGES, text
    assert finished[0].startswith("Ingest: 5 docs, done in") and finished[-1].startswith("Dedup: 4 docs, done in")
    assert display.ended.keys() == set(STAGES)


def test_remote_runs_say_where_to_look():
    out = io.StringIO()
    with RemoteHeartbeat("Dataflow", "the Dataflow console", True, out, interval=0.05):
        time.sleep(0.3)
    lines = out.getvalue().splitlines()
    assert lines and all(line.startswith("roots: running on Dataflow for 0:00:0") for line in lines)
    assert lines[0].endswith(": see the Dataflow console for its progress")
    quiet = io.StringIO()
    with RemoteHeartbeat("Dataflow", "the Dataflow console", False, quiet, interval=0.05):
        time.sleep(0.2)
    assert quiet.getvalue() == ""


def test_interval_from_the_environment(monkeypatch):
    monkeypatch.setenv(progress.INTERVAL_ENV, "2.5")
    assert progress.interval_from_env() == 2.5
    for bad in ("x", "0", "-1"):
        monkeypatch.setenv(progress.INTERVAL_ENV, bad)
        assert progress.interval_from_env() == progress.DEFAULT_INTERVAL
