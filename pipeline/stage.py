"""The shape every pipeline stage shares, and the one base that batch stages are built on.

Each stage is a composite ``PTransform`` that takes a ``PCollection`` of document records and returns a
``StageOutput``: the documents it keeps, the ones it removed (each with ``reason``, ``value`` and ``stage``), the
ones that failed (each with ``error`` and ``stage``) and, for stages that tally something (PII replacements, dedup
clusters), one ``stats`` dict. Keeping one shape lets the driver chain stages in a loop and collect every removed
and failed record without knowing what a stage does, which is what makes "every input ends up in exactly one
place" checkable.

The record between stages and the :class:`BatchFn` contract live in ``pipeline.record`` (no Beam there); they are
re-exported here for the stages.

:class:`BatchStage` owns what every per-document stage needs and used to write out itself: batching, the routing
to kept / removed / failed, the per-document isolation of an exception (a batch that raises is retried one
document at a time, so one poison document goes to ``dead_letter/`` instead of failing its bundle and, after the
runner's retries, the job), the counters and the pass-through when the stage is switched off. A stage only
supplies a :class:`BatchFn`: a picklable function of a batch of records.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import apache_beam as beam

from pipeline.record import (  # noqa: F401 - re-exported: the stages import the record's names from here
    DEDUP_KEYS,
    FAILED,
    REMOVED,
    STATS,
    WORD_REMOVAL,
    BatchFn,
    Profiles,
    Record,
    Removal,
    Tally,
    doc_id,
    error_text,
    failed,
    removed,
    runs,
    stamped,
    with_text,
)


class StageOutput(NamedTuple):
    """The outputs of every stage: ``kept``, ``removed``, ``failed``, and ``stats`` (a PCollection holding one dict,
    or ``None`` when the stage tallies nothing)."""

    kept: beam.PCollection
    removed: beam.PCollection
    failed: beam.PCollection
    stats: beam.PCollection | None = None


def stage_output(outputs: Any, stats: beam.PCollection | None = None) -> StageOutput:
    """Turn a ``ParDo(...).with_outputs(REMOVED, FAILED, main="kept")`` result into a ``StageOutput``."""
    return StageOutput(kept=outputs.kept, removed=outputs[REMOVED], failed=outputs[FAILED], stats=stats)


def batches_of(size: int) -> beam.PTransform:
    """Elements → lists of ``size`` (the last of a bundle may be shorter). A fixed size, not Beam's adaptive one:
    ``BatchElements`` times each batch together with everything fused after it, and on a whole fused job it settled
    on batches of 8 to 16 documents for most of the quality filter's calls (a mean of 45), and a call's fixed numpy
    cost is the same for 8 documents as for 256; fixed batches took the 1-worker run on the real-text corpus
    from 53 to 48 CPU s, with the same outputs. Every per-document function gives the same result in any batch."""
    return beam.BatchElements(min_batch_size=size, max_batch_size=size)


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
            | "Batch" >> batches_of(self.max_batch)
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
