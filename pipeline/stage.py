"""The shape every pipeline stage shares, and the one base that batch stages are built on.

Each stage is a composite ``PTransform`` that takes a ``PCollection`` of document records and returns a
``StageOutput``: the documents it keeps, the ones it removed (each with ``reason``, ``value`` and ``stage``), the
ones that failed (each with ``error`` and ``stage``) and, for stages that tally something (PII replacements, dedup
clusters), one ``stats`` dict. Keeping one shape lets the driver chain stages in a loop and collect every removed
and failed record without knowing what a stage does, which is what makes "every input ends up in exactly one
place" checkable.

The record (a plain ``dict``) between stages:

``id``         stable hex id: sha1 of source name + locator, so reruns and any worker count give the same id
``text``       the document text
``source``     the manifest source name
``locator``    where it came from: ``<file>#record=<n>``, ``<archive>!<member>``, ``<file>`` ...
``language``   LID code (``en``, ``zh-hans``) or ``code-<pl>``; ``None`` before language ID
``lid_score``  LID confidence in ``language``; ``None`` for code, and for a fixed language no model knows
``lid_model``  which model decided ``language`` (``lid.176``, ``cld2``, ``source``); set by language ID
``meta``       JSON string of the input record's other fields (for code: ``{"path": ...}``)
``path``       the file path inside the dump, code only (``None`` otherwise)

With attributes on (``pipeline.attributes``), stages also add what they measured: ``measures`` (each quality
check's value), ``pii`` (replacements per category), ``word_removal`` (:data:`WORD_REMOVAL`), ``restore``
(patches back to the text that left language ID, one per stage that changed the text: :func:`with_text`),
``exact_cluster``, ``near_cluster`` and ``dedup_keys`` (:data:`DEDUP_KEYS`).

A removed record adds ``reason`` (str), ``value`` (JSON-serialisable measure, may be ``None``) and ``stage`` (the
name of the stage that removed it, as in the job graph); a failed one adds ``error`` (str, starting with the
stage's name) and ``stage``. Stages add fields; none drops one silently.

:class:`BatchStage` owns what every per-document stage needs and used to write out itself: batching, the routing
to kept / removed / failed, the per-document isolation of an exception (a batch that raises is retried one
document at a time, so one poison document goes to ``dead_letter/`` instead of failing its bundle and, after the
runner's retries, the job), the counters and the pass-through when the stage is switched off. A stage only
supplies a :class:`BatchFn`: a picklable function of a batch of records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, ClassVar, NamedTuple

import apache_beam as beam

from filters.restore import text_patch

Record = dict[str, Any]

REMOVED = "removed"
#: the record field dedup leaves with attributes on: ``(exact key bytes, packed LSH band keys)``, either ``None``
DEDUP_KEYS = "dedup_keys"
#: the record field the quality filter leaves on a kept document with attributes on, where ROOTS' word removal
#: ran: the words it took, per reason (``{"too_long": 2}``)
WORD_REMOVAL = "word_removal"
FAILED = "failed"
STATS = "stats"


#: which checks each source runs under (``{source: checks}``, from its filter profile); ``None``: all checks
Profiles = dict[str, frozenset[str]] | None


def runs(profiles: Profiles, rec: Record, check: str) -> bool:
    """Whether ``rec``'s source has ``check`` in its filter profile (every check when there are no profiles, or
    for a record of no manifest source, such as the one ``roots explain`` makes: the default ``web`` profile)."""
    checks = None if profiles is None else profiles.get(rec.get("source"))
    return checks is None or check in checks


class StageOutput(NamedTuple):
    """The outputs of every stage: ``kept``, ``removed``, ``failed``, and ``stats`` (a PCollection holding one dict,
    or ``None`` when the stage tallies nothing)."""

    kept: beam.PCollection
    removed: beam.PCollection
    failed: beam.PCollection
    stats: beam.PCollection | None = None


class Removal(NamedTuple):
    """What a :class:`BatchFn` yields for a document it removes."""

    record: Record
    reason: str
    value: Any = None


class Tally(NamedTuple):
    """A count a :class:`BatchFn` yields beside its documents (summed per key into the stage's ``stats``); a key is
    a string or a tuple of strings (word removal: ``(language, reason)``)."""

    key: str | tuple[str, ...]
    n: int


class BatchFn:
    """A function of a batch of records: yields, per input document, the kept record (a ``dict``) or a
    :class:`Removal`, and any number of :class:`Tally` counts. ``setup`` loads models once per worker.

    It must be a pure function of its batch (and side inputs): the base may call it again on each document alone
    when the batch raised, and ``roots explain`` calls it on one document."""

    def setup(self) -> None:
        """Load what the function needs (a model); called once per worker before the first batch."""

    def __call__(self, batch: list[Record], **side: Any) -> Iterable[Record | Removal | Tally]:
        raise NotImplementedError


def doc_id(source: str, locator: str) -> str:
    """Stable 16-hex-digit id of a document (never Python's salted ``hash``)."""
    return hashlib.sha1(f"{source}\x00{locator}".encode()).hexdigest()[:16]


def removed(record: Record, reason: str, value: Any = None, **extra: Any) -> Record:
    """A copy of ``record`` marked as removed for ``reason`` with the measured ``value``."""
    return {**record, "reason": reason, "value": value, **extra}


def failed(record: Record, error: str) -> Record:
    """A copy of ``record`` marked as failed with ``error``."""
    return {**record, "error": error}


def with_text(record: Record, text: str, patch: bool) -> Record:
    """``record`` with its text changed to ``text``; with ``patch`` (attributes on) it also records in ``restore``
    how to get the old text back (``filters.restore``), so ``roots refilter`` can write it as a full run would."""
    if not patch:
        return {**record, "text": text}
    diff = text_patch(text, record["text"])
    restore = record.get("restore") or []
    return {**record, "text": text, "restore": [*restore, diff] if diff else restore}


def stamped(record: Record, stage: str) -> Record:
    """A removed or failed record with the name of the stage that routed it (the report's funnel groups by it)."""
    return {**record, "stage": stage}


def error_text(stage: str, error: BaseException) -> str:
    """The ``error`` of a document a stage raised on: the stage, the exception's type and its message."""
    return f"{stage}: {type(error).__name__}: {error}"


def stage_output(outputs: Any, stats: beam.PCollection | None = None) -> StageOutput:
    """Turn a ``ParDo(...).with_outputs(REMOVED, FAILED, main="kept")`` result into a ``StageOutput``."""
    return StageOutput(kept=outputs.kept, removed=outputs[REMOVED], failed=outputs[FAILED], stats=stats)


def nothing(pipeline: beam.Pipeline, label: str) -> beam.PCollection:
    """An empty PCollection (a switched-off stage's removed and failed outputs)."""
    return pipeline | label >> beam.Create([])


class _RunBatch(beam.DoFn):
    """Runs a stage's :class:`BatchFn` on a batch and routes what it yields; see :class:`BatchStage`. With a
    progress folder it also counts, once per batch, the documents it kept and the ones it removed or failed
    (``pipeline.progress``)."""

    def __init__(self, stage: str, fn: BatchFn, progress_dir: str | None = None):
        self.stage, self.fn, self.progress_dir = stage, fn, progress_dir
        self.counts = None

    def setup(self) -> None:
        self.fn.setup()
        if self.progress_dir:
            from pipeline.progress import Counts

            self.counts = Counts(self.progress_dir, self.stage, "batch")

    def process(self, batch, **side):  # no annotations: Beam would check them as type hints
        kept = 0
        try:
            results = list(self.fn(batch, **side))
        except Exception:  # noqa: BLE001 - find the document(s) that raised: retry each alone
            results = []
            for rec in batch:
                try:
                    results.extend(self.fn([rec], **side))
                except Exception as e:  # noqa: BLE001 - one document's error is its dead letter, not the job's
                    beam.metrics.Metrics.counter(self.stage, "failed").inc()
                    yield beam.pvalue.TaggedOutput(FAILED, stamped(failed(rec, error_text(self.stage, e)),
                                                                   self.stage))
        for out in results:
            if isinstance(out, Removal):
                beam.metrics.Metrics.counter("removed", out.reason).inc()
                yield beam.pvalue.TaggedOutput(REMOVED, stamped(removed(out.record, out.reason, out.value),
                                                                self.stage))
            elif isinstance(out, Tally):
                yield beam.pvalue.TaggedOutput(STATS, (out.key, out.n))
            else:
                kept += 1
                yield out
        if self.counts is not None:
            self.counts.add(kept=kept, gone=len(batch) - kept)

    def finish_bundle(self) -> None:
        if self.counts is not None:
            self.counts.flush()

    def teardown(self) -> None:
        if self.counts is not None:
            self.counts.flush()


class BatchStage(beam.PTransform):
    """The base of every per-document stage. A subclass names itself (``name``, as in the job graph and in the
    ``stage`` field of what it removes), says whether it is ``enabled`` and supplies :meth:`batch_fn`; stages
    that need a corpus-wide side input (template lines) override :meth:`corpus_inputs`, and stages that tally
    counts override :meth:`summarise`."""

    name: ClassVar[str] = "Stage"
    #: the most documents handed to the function at once (filters are cheapest per batch)
    max_batch: int = 256
    #: True when a document's fate depends on the rest of the corpus (``roots explain`` cannot replay it)
    corpus_level: ClassVar[bool] = False
    #: where the stage counts its documents for the progress lines (set by the driver for local runs)
    progress_dir: str | None = None

    def __init__(self, enabled: bool = True):
        super().__init__()
        self.enabled = enabled

    def batch_fn(self) -> BatchFn:
        raise NotImplementedError

    def corpus_inputs(self, docs: beam.PCollection) -> dict[str, Any]:
        """Keyword side inputs of the function (a stage whose function needs the whole corpus)."""
        return {}

    def explain_rows(self, record: Record) -> list[Any]:
        """Rows for ``roots explain`` (each check's value, threshold and verdict) about ``record`` as it reaches
        this stage; stages without checks have none."""
        return []

    def summarise(self, pipeline: beam.Pipeline, tallies: beam.PCollection | None) -> beam.PCollection | None:
        """The stage's ``stats`` (one dict) from its (key, n) tallies (``None`` when the stage is switched off), or
        ``None`` for a stage that tallies nothing."""
        return None

    def expand(self, docs: beam.PCollection) -> StageOutput:
        if not self.enabled:
            pipeline = docs.pipeline
            return StageOutput(docs, nothing(pipeline, "NoRemoved"), nothing(pipeline, "NoFailed"),
                               self.summarise(pipeline, None))
        outputs = (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=8, max_batch_size=self.max_batch)
            | "Process" >> beam.ParDo(_RunBatch(self.name, self.batch_fn(), self.progress_dir),
                                     **self.corpus_inputs(docs)).with_outputs(
                REMOVED, FAILED, STATS, main="kept")
        )
        return stage_output(outputs, self.summarise(docs.pipeline, outputs[STATS]))


def run_batch_fn(fn: BatchFn, records: list[Record], **side: Any) -> tuple[list[Record], list[Removal]]:
    """Call ``fn`` outside Beam (``roots explain``): the kept records and the removals, tallies dropped."""
    kept, gone = [], []
    for out in fn(records, **side):
        if isinstance(out, Removal):
            gone.append(out)
        elif not isinstance(out, Tally):
            kept.append(out)
    return kept, gone
