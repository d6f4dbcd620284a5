"""Progress of a run: per stage, documents done, docs/s and an ETA, drawn while the Beam job runs.

Beam's own counters cannot be read while the FnApiRunner works (``p.run()`` returns when the job is over), so the
workers say how far they are the way Ingest already marked its finished inputs: through small files under
``--out/.progress`` (local runs only: the workers share this disk; see ``pipeline.run.progress_note``)::

    .progress/units/<unit key>           an input unit that Ingest finished: {"docs": n, "bytes": text bytes}
    .progress/<Stage>/<role>-<uuid>.json  one DoFn instance's running counts: {"docs": .., "kept": .., "bytes": ..}
    .progress/<Stage>/off.json           the stage is switched off in the manifest (it passes documents on)

Each counting DoFn rewrites its own file (atomically, by rename) at most every ``FLUSH_SECONDS`` and at the end of
every bundle; the driver sums them. Ingest counts as it reads, a ``BatchStage`` once per batch (what it kept, and
what it removed or failed), and other stages (Dedup) through a counting side branch on their outputs
(``CountProgress``). Counting never changes a document, so the outputs stay byte-identical with or without it.

**The estimate.** Ingest's share done is measured in input bytes: ``(bytes of finished inputs + bytes of the
unfinished ones read so far) / bytes of all inputs``, where text read from an unfinished input is turned back into
file bytes with the text-per-file-byte ratio of the inputs finished so far (1 before any has finished; parquet and
gzip give more text than file bytes). A hub dataset's shards have no size on this disk: then the share is finished
inputs / inputs. Ingest's expected total is documents read / share done; every later stage expects what the stage
before it is expected to keep (its documents expected × its kept share so far), which is exact once that stage is
finished. ETA = (expected - done) / (done / seconds since the stage started).

On a terminal the lines are redrawn in place (rich); otherwise (a log file, CI) plain lines are printed every
``ROOTS_PROGRESS_INTERVAL`` seconds (default 10), and once more at the end with each stage's totals.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import apache_beam as beam

from pipeline.outputs import UNITS

#: the most often a DoFn instance rewrites its counts file
FLUSH_SECONDS = 0.5
#: how often the driver reads the counts
POLL_SECONDS = 0.5
#: environment variable: seconds between plain progress lines when stderr is not a terminal
INTERVAL_ENV = "ROOTS_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0
#: seconds between the lines saying a remote job still runs (unless ROOTS_PROGRESS_INTERVAL says otherwise)
REMOTE_INTERVAL = 60.0


# ------------------------------------------------------------------------------------------------ worker side
class Counts:
    """Running counts of one stage in one DoFn instance, written to its own file under ``directory/stage``."""

    def __init__(self, directory: str, stage: str, role: str):
        self.path = os.path.join(directory, stage, f"{role}-{uuid.uuid4().hex}.json")
        self.counts: Counter = Counter()
        self._written = -math.inf  # never written: the first add writes at once (monotonic time starts at boot)
        self._dirty = False

    def add(self, **fields: int) -> None:
        self.counts.update(fields)
        self._dirty = True
        if time.monotonic() - self._written >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self._dirty:
            return
        _write_json(self.path, dict(self.counts))
        self._written, self._dirty = time.monotonic(), False


def mark_off(directory: str, stage: str) -> None:
    """The driver's note that ``stage`` is switched off (it passes every document on, uncounted)."""
    _write_json(os.path.join(directory, stage, "off.json"), {"off": 1})


def mark_unit(directory: str, key: str, docs: int, text_bytes: int) -> None:
    """Ingest finished the input unit ``key``: ``docs`` documents with ``text_bytes`` bytes of text."""
    _write_json(os.path.join(directory, UNITS, key), {"docs": docs, "bytes": text_bytes})


def _write_json(path: str, data: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{uuid.uuid4().hex}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)  # a reader sees the old counts or the new ones, never half a file


def text_bytes(text: str | None) -> int:
    return len((text or "").encode("utf-8", "surrogatepass"))


class _CountDocs(beam.DoFn):
    """Counts the documents of one of a stage's outputs (``kept``, or ``gone``: removed and failed)."""

    def __init__(self, directory: str, stage: str, role: str):
        self.directory, self.stage, self.role = directory, stage, role
        self.counts: Counts | None = None

    def setup(self) -> None:
        self.counts = Counts(self.directory, self.stage, self.role)

    def process(self, rec):  # no annotations: Beam would check them as type hints
        self.counts.add(**{self.role: 1})
        return ()

    def finish_bundle(self) -> None:
        self.counts.flush()

    def teardown(self) -> None:
        if self.counts is not None:
            self.counts.flush()


class CountProgress(beam.PTransform):
    """A side branch on a stage's (kept, removed, failed) outputs that counts them into ``directory``; it outputs
    nothing, so the stage's documents are untouched."""

    def __init__(self, directory: str, stage: str):
        super().__init__()
        self.directory, self.stage = directory, stage

    def expand(self, outputs):
        kept, removed, failed = outputs
        kept | "CountKept" >> beam.ParDo(_CountDocs(self.directory, self.stage, "kept"))
        gone = (removed, failed) | "Gone" >> beam.Flatten()
        return gone | "CountGone" >> beam.ParDo(_CountDocs(self.directory, self.stage, "gone"))


# ------------------------------------------------------------------------------------------------ driver side
@dataclass
class Snapshot:
    """What the workers have said so far: summed counts per stage, and the finished input units."""

    counts: dict[str, Counter] = field(default_factory=dict)
    units: dict[str, dict[str, int]] = field(default_factory=dict)


def read_snapshot(directory: str) -> Snapshot:
    snap = Snapshot()
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return snap
    for name in names:
        folder = os.path.join(directory, name)
        if not os.path.isdir(folder):
            continue
        for entry in os.listdir(folder):
            if ".tmp-" in entry:
                continue
            data = _read_json(os.path.join(folder, entry))
            if name == UNITS:
                snap.units[entry] = data
            else:
                snap.counts.setdefault(name, Counter()).update(data)
    return snap


def _read_json(path: str) -> dict[str, int]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Inputs:
    """The planned input units: their keys and their sizes on disk (``None``: unknown, e.g. a hub shard)."""

    sizes: dict[str, int | None]

    @property
    def total(self) -> int:
        return len(self.sizes)


def input_share(snap: Snapshot, inputs: Inputs, ingest: Counter) -> float | None:
    """The share of the input Ingest has read (see the module docstring); ``None`` with no inputs."""
    if not inputs.total:
        return None
    done = [k for k in snap.units if k in inputs.sizes]
    if len(done) == inputs.total:
        return 1.0
    sizes = list(inputs.sizes.values())
    total = sum(s for s in sizes if s is not None)
    if any(s is None for s in sizes) or total <= 0:
        return len(done) / inputs.total
    done_size = sum(inputs.sizes[k] or 0 for k in done)
    done_text = sum(snap.units[k].get("bytes", 0) for k in done)
    ratio = done_text / done_size if done_size and done_text else 1.0
    partial = min(max(0, ingest.get("bytes", 0) - done_text) / ratio, total - done_size)
    return min(1.0, (done_size + partial) / total)


@dataclass(frozen=True)
class StageLine:
    """One stage's progress: documents done, expected (``None``: not known yet), finished, rate and ETA."""

    name: str
    done: int
    expected: float | None
    finished: bool
    seconds: float | None
    units: tuple[int, int] | None = None
    off: bool = False
    #: every stage before this one is finished, so ``expected`` is exact and the stage is at work
    ready: bool = False

    @property
    def rate(self) -> float | None:
        return self.done / self.seconds if self.seconds and self.done else None

    @property
    def eta(self) -> float | None:
        if self.finished:
            return 0.0
        if self.expected is None or self.rate is None:
            return None
        return max(0.0, (self.expected - self.done) / self.rate)


def estimate(stages: Sequence[str], snap: Snapshot, inputs: Inputs, started: dict[str, float],
             now: float) -> list[StageLine]:
    """Every stage's line: Ingest from the input bytes, each later stage from what the one before it keeps."""
    lines: list[StageLine] = []
    expected_out: float | None = None
    finished_before = True
    for i, name in enumerate(stages):
        c = snap.counts.get(name, Counter())
        if i == 0:
            done, kept = c.get("docs", 0), c.get("kept", 0)
            finished = inputs.total > 0 and sum(k in inputs.sizes for k in snap.units) == inputs.total
            share = input_share(snap, inputs, c)
            expected = float(done) if finished else (done / share if share else None)
            units = (sum(k in inputs.sizes for k in snap.units), inputs.total)
        elif c.get("off"):  # a switched-off stage passes on what it gets
            kept = done = 0
            expected, finished, units = expected_out, finished_before, None
            lines.append(StageLine(name, 0, expected, finished, None, off=True, ready=finished_before))
            continue
        else:
            kept = c.get("kept", 0)
            done = kept + c.get("gone", 0)
            expected = expected_out
            finished = finished_before and expected is not None and done >= expected
            units = None
        seconds = now - started[name] if name in started else None
        lines.append(StageLine(name, done, expected, finished, seconds, units, ready=i > 0 and finished_before))
        if finished:
            expected_out = float(kept)
        elif expected is not None:
            expected_out = expected * (kept / done) if done else expected
        else:
            expected_out = None
        finished_before = finished
    return lines


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def describe(line: StageLine, width: int = 0) -> str:
    """``Ingest: 1,234/~5,000 docs, 410 docs/s, ETA 0:00:09 (3/10 inputs)``, ``Dedup: waiting``, ``...: 5,000 docs,
    done in 0:00:12, 417 docs/s``; ``width`` pads the stage names into a column."""
    name = f"{line.name + ':':<{width + 1}}"
    units = f" ({line.units[0]:,}/{line.units[1]:,} inputs)" if line.units else ""
    if line.off:
        return f"{name} off (nothing to do with this manifest)"
    if not line.done and line.ready and line.expected is not None:
        return f"{name} 0/{int(line.expected):,} docs, working (ETA ? until its first documents are out)"
    if line.finished:
        rate = f", {line.rate:,.0f} docs/s" if line.rate else ""
        return f"{name} {line.done:,} docs, done in {clock(line.seconds)}{rate}{units}"
    if not line.done:
        return f"{name} {'starting' if line.units else 'waiting'}{units}"
    rate = f"{line.rate:,.0f} docs/s" if line.rate else "? docs/s"
    of = f"/~{int(line.expected):,}" if line.expected else ""
    return f"{name} {line.done:,}{of} docs, {rate}, ETA {clock(line.eta)}{units}"


def interval_from_env() -> float:
    """Seconds between plain progress lines (``ROOTS_PROGRESS_INTERVAL``; a bad value is the default)."""
    try:
        value = float(os.environ.get(INTERVAL_ENV, DEFAULT_INTERVAL))
    except ValueError:
        return DEFAULT_INTERVAL
    return value if value > 0 else DEFAULT_INTERVAL


class _Reporter:
    """A context manager that prints from a daemon thread while the job runs (``_run``, until ``_stop`` is set)
    and, when switched off (``enabled=False``), prints nothing and starts no thread."""

    thread_name = "roots-reporter"

    def __init__(self, enabled: bool, stream, interval: float):
        self.enabled, self.stream, self.interval = enabled, stream or sys.stderr, interval
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=self.thread_name)

    def _run(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()


class ProgressDisplay(_Reporter):
    """Draws the stages' lines while the job runs: redrawn in place on a terminal, plain lines otherwise."""

    thread_name = "roots-progress"

    def __init__(self, directory: str, stages: Sequence[str], inputs: Inputs, enabled: bool, stream=None,
                 interval: float | None = None):
        super().__init__(enabled, stream, interval or interval_from_env())
        self.directory, self.stages, self.inputs = directory, list(stages), inputs
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}

    def lines(self) -> list[StageLine]:
        """The stages' lines now; a finished stage keeps the time it took (when it was first seen finished)."""
        now = time.monotonic()
        snap = read_snapshot(self.directory)
        for name in self.stages:
            if name not in self.started and sum(snap.counts.get(name, Counter()).values()):
                self.started[name] = now
        lines = estimate(self.stages, snap, self.inputs, self.started, now)
        for k, line in enumerate(lines):
            if line.ready:  # its input is complete: it is at work even before its first document is out
                self.started.setdefault(line.name, now)
            if line.finished:
                self.ended.setdefault(line.name, now)
                took = self.ended[line.name] - self.started.get(line.name, self.ended[line.name])
                lines[k] = dataclasses.replace(line, seconds=took)
        return lines

    def _run(self) -> None:
        if _is_terminal(self.stream):
            self._live()
        else:
            self._plain()

    def _plain(self) -> None:
        said: dict[str, str] = {}
        last = time.monotonic()
        while not self._stop.wait(POLL_SECONDS):
            if time.monotonic() - last < self.interval:
                continue
            last = time.monotonic()
            self._print(self.lines(), said, final=False)
        self._print(self.lines(), said, final=True)

    def _print(self, lines: list[StageLine], said: dict[str, str], final: bool) -> None:
        """A line per stage whose line changed since it was last printed (at the end: every stage whose last
        printed line is not its final one); when none changed, the first unfinished stage's line again, so a
        log shows the job is alive."""
        elapsed = clock(time.monotonic() - self._t0)
        # a switched-off stage is shown once documents have reached it or a stage after it
        reached = max((k for k, line in enumerate(lines) if line.done or line.ready), default=-1)
        changed = [line for k, line in enumerate(lines) if said.get(line.name) != describe(line)
                   and (final or line.done or line.ready or (line.off and k <= reached))]
        if not changed and not final:
            changed = [next(line for line in lines if not line.finished)] if not all(
                line.finished for line in lines) else []
        for line in changed:
            text = describe(line)
            print(f"roots: progress {elapsed}: {text}", file=self.stream, flush=True)
            said[line.name] = text

    def _live(self) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        console = Console(file=self.stream)
        width = max(len(name) for name in self.stages)

        def render(final: bool = False) -> Text:
            lines = self.lines()
            body = "\n".join(describe(line, width) for line in lines)
            if not final and lines and all(line.finished for line in lines):
                body += "\nwriting shards, removed and dead-letter files ..."
            return Text(body)

        with Live(render(), console=console, refresh_per_second=4, transient=False) as live:
            while not self._stop.wait(POLL_SECONDS):
                live.update(render())
            live.update(render(final=True))


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class RemoteHeartbeat(_Reporter):
    """For runners whose workers do not share this machine: a plain line every interval saying the job still runs
    and where its progress is (roots cannot see the workers' counts from here)."""

    thread_name = "roots-heartbeat"

    def __init__(self, runner: str, where: str, enabled: bool, stream=None, interval: float | None = None):
        super().__init__(enabled, stream,
                         interval or (interval_from_env() if INTERVAL_ENV in os.environ else REMOTE_INTERVAL))
        self.runner, self.where = runner, where

    def line(self) -> str:
        return (f"roots: running on {self.runner} for {clock(time.monotonic() - self._t0)}: see {self.where} for "
                "its progress")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            print(self.line(), file=self.stream, flush=True)
