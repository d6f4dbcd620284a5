"""The Beam job of ``roots refilter`` (``pipeline.refilter`` says when it runs: a distributed runner, ``--beam``,
or a change beyond cut-offs). The job is the run's own pipeline (``pipeline.run.build_pipeline``) with its first
stages replaced:

```
ReadRun (shards/ + removed/ + dead_letter/ + attributes/, joined by id) ─▶ LanguageFilter ─▶ PiiRedact ─▶
QualityFilter (stored values, new cut-offs) ─▶ the text stages (carried documents let by) ─▶ Dedup (stored keys)
─▶ the same writers
```

``ReadRun`` gives back every document as it left language ID: its text is the written one with the attributes'
``restore`` patches undone (``filters.restore``), so it is byte for byte the text PII redaction saw. Documents
removed while reading or normalising are written again as they were; dead-lettered ones stay dead letters. PII
redaction runs again on every document (it comes before the quality filter, as in a run, so that ROOTS' word
removal never deletes an address or a key); the quality filter decides from the stored check values with the new
cut-offs (code files keep their verdict), and counts the words its word removal takes from every kept document.

Only documents whose text can change are worked on again. A document that reached dedup in the run and is kept
again is *carried*: it leaves the quality filter with the text and ``restore`` patches it had when it reached
dedup, and every batch stage after the quality filter in ``STAGES``' order lets it by (:class:`SkipCarried`).
Only newly kept documents keep the text ROOTS' word removal gives (for the others it only counts the words) and go
through the later text stages. With template lines on (their frequent lines are counted over the survivors, so a
survivor's text depends on the others) nothing is carried and every survivor's text is worked out again.

Dedup is recomputed over the new survivors with the stage's own steps, so clusters stay exact
(:class:`StoredKeysDedup`): a carried document's exact key and LSH band keys come from the attributes
(``dedup_exact``, ``dedup_bands``) when the run's ``dedup`` settings give the same keys; newly kept documents are
fingerprinted from their texts; the band keys of all survivors are counted, and a MinHash signature (needed to
verify candidate pairs and for the near-duplicate value) is computed, from the text, only for a document that
shares a bucket with another survivor: one alone in every bucket is in no candidate pair. New LSH settings (another
threshold, number of permutations, n-gram size) make every fingerprint be computed from the texts. The output is
byte-identical to a full run with NEW.yaml (``tests/test_refilter.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import apache_beam as beam
import numpy as np

from core.errors import UserError
from core.languages import is_code
from filters import NL_CHECKS, FilterConfig, remove_words_batch
from filters.dedup import DedupParams, signatures_batch
from filters.restore import restore
from manifests.schema import Manifest
from pipeline.attributes import ATTRIBUTES
from pipeline.dedup import GIVEN_FP, compute_fingerprints
from pipeline.dedup import NAME as DEDUP
from pipeline.quality import QualityFilter, removed_words_tallies, with_words
from pipeline.refilter import EARLY, arrow_rows, index_paths, jsonl_rows, stored_verdict
from pipeline.stage import (
    REMOVED,
    BatchFn,
    BatchStage,
    Profiles,
    Record,
    Removal,
    StageOutput,
    Tally,
    batches_of,
    with_text,
)
from pipeline.stages import STAGES, RunContext, Stage

#: the record field of a document that reached dedup in the run and is kept again: what it had there (``text``,
#: ``restore``, ``keys``: the stored dedup keys); its text stages are not run again
CARRIED = "_carried"


def _keyed(rows: Iterator[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    return ((r["id"], r) for r in rows)


def _measures(attr: dict[str, Any]) -> dict[str, float | None] | None:
    if attr["stage"] in (*EARLY, "LanguageFilter") or is_code(attr["language"]):
        return None
    return {name: attr[name] for name in NL_CHECKS}


def _final(attr: dict[str, Any], row: dict[str, Any], patches: list[Any]) -> dict[str, Any]:
    """What a document that reached dedup in the run had when it got there: its text, its ``restore`` patches and,
    when the attributes have them, its dedup keys (:data:`CARRIED`). Its PII counts need no carrying: PII
    redaction comes before the quality filter and runs again on every document, with the same counts."""
    final = {"text": row["text"], "restore": patches}
    if "dedup_exact" in attr:  # runs from before the keys were stored have no such column
        final["keys"] = (attr["dedup_exact"], attr["dedup_bands"])
    return final


def _replay(item: tuple[str, dict[str, Any]], carry: bool = False) -> Iterator[Any]:
    """One document of the finished run (its attributes row and its shard or removed row) → the record as it left
    language ID (with ``measures`` and, for code, its stored verdict), or its early removal as it was. With
    ``carry``, a document that reached dedup also brings what it had there (:data:`CARRIED`)."""
    doc_id, joined = item
    attrs, rows = list(joined["attr"]), [*joined["kept"], *joined["removed"]]
    if len(attrs) != 1 or len(rows) != 1:
        raise ValueError(f"refilter: document {doc_id} has {len(attrs)} attributes rows and {len(rows)} output rows")
    attr, row = attrs[0], rows[0]
    if attr["stage"] in EARLY:
        yield beam.pvalue.TaggedOutput(REMOVED, {**row, "value": json.loads(row["value"]), "language":
                                                 row["language"] or None})
        return
    patches = json.loads(attr["restore"]) if attr["restore"] else []
    rec = {"id": doc_id, "text": restore(row["text"], patches), "source": row["source"], "locator": attr["locator"],
           "language": attr["language"], "lid_score": attr["lid_score"], "lid_model": attr["lid_model"],
           "meta": row["meta"], "stored_measures": _measures(attr)}
    if attr["stage"] == "QualityFilter" and is_code(attr["language"]):
        rec["stored_verdict"] = (row["reason"], json.loads(row["value"]))
    if carry and attr["stage"] in (None, DEDUP):
        rec[CARRIED] = _final(attr, row, patches)
    yield rec


class ReadRun(beam.PTransform):
    """A finished run's documents, joined with their attributes by id → a ``StageOutput``: the records as they left
    language ID (kept), the documents removed while reading or normalising (removed, as they were) and the dead
    letters (failed, as they were)."""

    def __init__(self, run_out: str, carry: bool = False):
        super().__init__()
        self.run_out, self.carry = run_out, carry

    def _read(self, p: beam.Pipeline, sub: str, reader) -> beam.PCollection:
        return (p | f"{sub}Files" >> beam.Create(index_paths(self.run_out, sub))
                | f"Read{sub}" >> beam.FlatMap(lambda path: _keyed(reader(path))))

    def expand(self, p: beam.Pipeline) -> StageOutput:
        joined = (
            {"attr": self._read(p, ATTRIBUTES, arrow_rows), "kept": self._read(p, "shards", arrow_rows),
             "removed": self._read(p, "removed", arrow_rows)}
            | "JoinById" >> beam.CoGroupByKey()
            | "Replay" >> beam.FlatMap(_replay, self.carry).with_outputs(REMOVED, main="kept")
        )
        dead = (p | "DeadLetterFiles" >> beam.Create(index_paths(self.run_out, "dead_letter"))
                | "ReadDeadLetters" >> beam.FlatMap(jsonl_rows))
        return StageOutput(joined.kept, joined[REMOVED], dead)


class StoredFilterFn(BatchFn):
    """The quality filter's verdict from stored check values and the new cut-offs (``filters.verdict_of``, after
    the profile's ``small_document`` check); kept documents then go through ROOTS' word removal, as in a run."""

    def __init__(self, config: FilterConfig, profiles: Profiles, record: bool):
        self.config, self.profiles, self.record = config, profiles, record

    def _one(self, rec: Record) -> Iterator[Record | Removal | Tally]:
        stored = rec.pop("stored_verdict", None)
        measures = rec.pop("stored_measures", None)
        final = rec.pop(CARRIED, None)
        if self.record and measures is not None:
            rec["measures"] = measures
        language = rec["language"] or "unknown"
        if is_code(language):
            yield Removal(rec, *stored) if stored else self._kept(rec, None, final)
            return
        checks = None if self.profiles is None else self.profiles.get(rec.get("source"))
        params = self.config.params_for(language)
        verdict = stored_verdict(measures, self.config, params, checks)
        if not verdict.keep:
            yield Removal(rec, verdict.reason, verdict.value)
            return
        text = rec["text"]
        if checks is None or "remove_words" in checks:  # carried documents too: the report counts their words
            ((text, removed),) = remove_words_batch([text], params)
            yield from removed_words_tallies(language, removed)
            rec = with_words(rec, removed, self.record)
        yield self._kept(rec, text, final)

    def _kept(self, rec: Record, text: str | None, final: dict[str, Any] | None) -> Record:
        """A kept document: one the run took to dedup leaves with the text and patches it had there, marked
        :data:`CARRIED` so the text stages let it by; any other goes on with ROOTS' word removal done (``text``;
        ``None``: unchanged, code)."""
        if final is None:
            return rec if text is None else with_text(rec, text, self.record)
        rec = {**rec, "text": final["text"], CARRIED: final}
        if self.record:
            rec["restore"] = final["restore"]
        return rec

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Removal | Tally]:
        for rec in batch:
            yield from self._one(dict(rec))


class StoredQuality(QualityFilter):
    """``QualityFilter`` in a refilter: stored values, new cut-offs (``measure`` also records the values)."""

    def batch_fn(self) -> BatchFn:
        return StoredFilterFn(self.config, self.profiles, self.measure)


class LetCarriedBy(BatchFn):
    """A text stage's function that lets :data:`CARRIED` documents by, unchanged; the others go through the stage's
    own function. It gives no tallies for the documents it lets by: the only text stage after the quality filter,
    TemplateLines, tallies nothing, and nothing is carried when it runs (see ``refilter``). A stage added after the
    quality filter that tallies would need its tallies stored with the attributes."""

    def __init__(self, stage: str, inner: BatchFn):
        self.stage, self.inner = stage, inner

    def setup(self) -> None:
        self.inner.setup()

    def __call__(self, batch: list[Record], **side) -> Iterator[Any]:
        carried = [r for r in batch if CARRIED in r]
        if len(carried) < len(batch):
            yield from self.inner([r for r in batch if CARRIED not in r], **side)
        yield from carried


class SkipCarried(BatchStage):
    """A text stage between the quality filter and dedup (``STAGES``' order), for refilter: documents that reached
    dedup in the run and are still kept come through with the text they had there, and are let by."""

    def __init__(self, inner: BatchStage):
        super().__init__(inner.enabled)
        self.inner, self.name, self.max_batch = inner, inner.name, inner.max_batch

    def batch_fn(self) -> BatchFn:
        return LetCarriedBy(self.name, self.inner.batch_fn())

    def corpus_inputs(self, docs: beam.PCollection) -> dict[str, Any]:
        return self.inner.corpus_inputs(docs)

    def summarise(self, pipeline: beam.Pipeline, tallies: beam.PCollection | None) -> beam.PCollection | None:
        return self.inner.summarise(pipeline, tallies)


def _same_fingerprints(old: DedupParams, new: DedupParams) -> bool:
    """Whether keys the run stored are the ones ``new`` computes: exact keys when exact dedup ran, band keys when
    near dedup ran with the same shingles, permutations and bands."""
    def lsh(p: DedupParams) -> tuple:
        return p.num_perm, p.seed, p.ngram, p.char_ngram, p.code_ngram, p.bands_rows

    return (old.exact or not new.exact) and (not new.near or (old.near and lsh(old) == lsh(new)))


def _band_elements(rec: Record) -> Iterator[tuple[str, int, int]]:
    """``(language, band, key)`` of each stored band key of a record (as dedup's buckets are keyed)."""
    bands = rec[GIVEN_FP][2] if GIVEN_FP in rec else None
    if bands:
        lang = rec.get("language") or ""
        yield from ((lang, i, int(h)) for i, h in enumerate(np.frombuffer(bands, dtype="<u8")))


class _GivenFingerprints(beam.DoFn):
    """Records → the same with their fingerprint (``pipeline.dedup.GIVEN_FP``): from the stored keys for a carried
    document (no signature yet), computed from the text for a newly kept one."""

    def __init__(self, params: DedupParams, use_stored: bool, skip: frozenset[str]):
        self.params, self.use_stored, self.skip = params, use_stored, skip

    def _stored(self, rec: Record) -> tuple | None:
        keys = (rec.get(CARRIED) or {}).get("keys")
        if not self.use_stored or keys is None:
            return None
        exact, bands = keys
        return (exact.hex() if exact and self.params.exact else None), None, (bands if self.params.near else None)

    def process(self, batch):  # no annotations: Beam would check them as type hints
        stored = [self._stored(r) for r in batch]
        todo = [r for r, s in zip(batch, stored, strict=True) if s is None and r["source"] not in self.skip]
        computed = iter(compute_fingerprints(todo, self.params, self.params.exact, self.params.near, True))
        for rec, given in zip(batch, stored, strict=True):
            rec = {k: v for k, v in rec.items() if k != CARRIED}
            if given is None and rec["source"] not in self.skip:
                given = next(computed)
            yield rec if given is None else {**rec, GIVEN_FP: given}


class _NeededSignatures(beam.DoFn):
    """A stored fingerprint gets its MinHash signature (from the text) only when one of its band keys is shared with
    another survivor (side input ``shared``): a document alone in every bucket has no candidate pair, so no
    near-dedup step would ever read its signature."""

    def __init__(self, params: DedupParams):
        self.params = params
        self._shared: tuple[int, frozenset] | None = None

    def process(self, batch, shared):  # no annotations: Beam would check them as type hints
        if self._shared is None or self._shared[0] != id(shared):
            self._shared = (id(shared), frozenset(shared))
        needed = [r for r in batch if GIVEN_FP in r and r[GIVEN_FP][1] is None
                  and any(e in self._shared[1] for e in _band_elements(r))]
        sigs = iter(signatures_batch([r["text"] for r in needed], [r.get("language") for r in needed], self.params))
        wanted = {id(r) for r in needed}
        for rec in batch:
            if id(rec) in wanted:
                key, _, bands = rec[GIVEN_FP]
                rec = {**rec, GIVEN_FP: (key, next(sigs), bands)}
            yield rec


class StoredKeysDedup(beam.PTransform):
    """``Dedup`` in a refilter, over the new survivors: their exact and band keys come from the attributes (only
    newly kept documents are fingerprinted from their texts), MinHash signatures are computed only for documents
    sharing a bucket, and the stage's own steps then form the same clusters a full run forms."""

    def __init__(self, inner: beam.PTransform, use_stored: bool):
        super().__init__()
        self.inner, self.use_stored = inner, use_stored

    def expand(self, docs: beam.PCollection) -> StageOutput:
        params, skip = self.inner.params, frozenset(self.inner.skip_sources)
        given = (docs | "BatchKeys" >> batches_of(256)
                 | "GivenKeys" >> beam.ParDo(_GivenFingerprints(params, self.use_stored, skip)))
        shared = (given | "BandElements" >> beam.FlatMap(_band_elements)
                  | "CountBuckets" >> beam.combiners.Count.PerElement()
                  | "Shared" >> beam.Filter(lambda kv: kv[1] >= 2) | "SharedKeys" >> beam.Keys())
        ready = (given | "BatchSigs" >> batches_of(256)
                 | "NeededSignatures" >> beam.ParDo(_NeededSignatures(params), beam.pvalue.AsList(shared)))
        return ready | self.inner


def beam_job(run_out: str, old: Manifest, new: Manifest, out: str, options) -> None:
    """The refilter as a Beam job: the run's pipeline with its first stages replaced (see the module docstring)."""
    from pipeline.run import build_pipeline, make_runner

    record = new.attributes.enabled
    # a document's text after the text stages is its own business unless template lines (counted over the corpus)
    # ran: then every survivor goes through them again
    carry = not new.filters.template_lines.enabled
    replace = {
        "Ingest": lambda ctx: ReadRun(run_out, carry),
        "Normalize": lambda ctx: None,
        "LanguageId": lambda ctx: None,
        "QualityFilter": lambda ctx: StoredQuality(ctx.manifest.filters, ctx.manifest.source_profiles(), record),
    }
    if carry:
        replace.update(_carrying_stages(_same_fingerprints(old.dedup, new.dedup)))
    p = beam.Pipeline(runner=make_runner(options), options=options)
    build_pipeline(p, new, [], out, None, replace)
    state = p.run().wait_until_finish()
    if state is not None and str(state) not in ("DONE", "PipelineState.DONE"):
        raise UserError(f"the Beam job ended in state {state}: {out} has no report.json; run the same command again")


def _carrying_stages(use_stored: bool) -> dict[str, Callable[[RunContext], Any]]:
    """The stages after the quality filter, as ``STAGES`` orders them, made to let carried documents by: each
    batch stage up to dedup lets them by (:class:`SkipCarried`), dedup takes their stored keys
    (:class:`StoredKeysDedup`)."""
    names = [s.name for s in STAGES]
    out: dict[str, Callable[[RunContext], Any]] = {}
    for stage in STAGES[names.index("QualityFilter") + 1:]:
        out[stage.name] = _carrying(stage, use_stored)
    return out


def _carrying(stage: Stage, use_stored: bool) -> Callable[[RunContext], Any]:
    def make(ctx: RunContext) -> Any:
        transform = stage.make(ctx)
        if stage.name == DEDUP:
            return StoredKeysDedup(transform, use_stored)
        return SkipCarried(transform) if isinstance(transform, BatchStage) else transform
    return make

