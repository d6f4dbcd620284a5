"""The ``Ingest`` stage: manifest sources → document records.

The driver plans typed *units* (``pipeline.ingest.plan``: data files, hub shards, code files, archives); they are
spread over workers with a ``Reshuffle`` (otherwise a single ``Create`` would be read by one worker), as JSON text,
and each reads itself with its format's module (``jsonl``, ``hf``, ``code``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import apache_beam as beam

from manifests.schema import Manifest
from pipeline import progress
from pipeline.ingest.plan import Unit, unit_from_json
from pipeline.ingest.project_language import ProjectLanguage
from pipeline.ingest.records import FAILED as R_FAILED
from pipeline.ingest.records import REMOVED as R_REMOVED
from pipeline.ingest.records import printable
from pipeline.stage import FAILED, REMOVED, StageOutput, doc_id, failed, stage_output, stamped

NAME = "Ingest"


def unit_key(unit: Unit) -> str:
    """A stable name for a unit (used for progress marks)."""
    return hashlib.sha1(unit.to_json().encode()).hexdigest()


def unit_failure(manifest: Manifest, unit: Unit, done: int, error: BaseException) -> dict[str, Any]:
    """The dead-letter record for a unit whose reader raised: readers report bad input themselves, so this is a
    roots bug, but it costs one record naming the unit instead of the whole run (the ``done`` documents already
    read stay where they went, so the counts still add up)."""
    where = printable(unit.where(manifest))
    locator = f"{where}#unit"
    rec = {"id": doc_id(unit.source, locator), "text": "", "source": unit.source, "locator": locator,
           "language": None, "lid_score": None, "meta": "{}", "path": None}
    return failed(rec, f"{NAME}: {where}: reading stopped after {done} documents ({type(error).__name__}: "
                       f"{printable(str(error))}); this is a bug in roots, please report it")


class _ReadUnit(beam.DoFn):
    def __init__(self, manifest: Manifest, progress_dir: str | None):
        self.manifest, self.progress_dir = manifest, progress_dir
        self.counts: progress.Counts | None = None

    def setup(self) -> None:
        if self.progress_dir:
            self.counts = progress.Counts(self.progress_dir, NAME, "read")

    def process(self, unit_json: str):
        unit = unit_from_json(unit_json)
        done = read_bytes = 0
        try:
            for route, rec in unit.read(self.manifest):
                done += 1
                beam.metrics.Metrics.counter("ingest", route).inc()
                if self.counts is not None:  # documents read, and text bytes for the ETA (pipeline/progress.py)
                    n = progress.text_bytes(rec.get("text"))
                    read_bytes += n
                    self.counts.add(docs=1, kept=int(route not in (R_REMOVED, R_FAILED)), bytes=n)
                if route == R_REMOVED:
                    yield beam.pvalue.TaggedOutput(REMOVED, stamped(rec, NAME))
                elif route == R_FAILED:
                    yield beam.pvalue.TaggedOutput(FAILED, stamped(rec, NAME))
                else:
                    yield rec
        except Exception as e:  # noqa: BLE001 - last line of defence, see unit_failure
            beam.metrics.Metrics.counter("ingest", "unit_error").inc()
            yield beam.pvalue.TaggedOutput(FAILED, stamped(unit_failure(self.manifest, unit, done, e), NAME))
        if self.counts is not None:
            # a mark per finished unit: the driver's progress lines count inputs and measure bytes with them
            self.counts.flush()
            progress.mark_unit(self.progress_dir, unit_key(unit), done, read_bytes)

    def finish_bundle(self) -> None:
        if self.counts is not None:
            self.counts.flush()


class Ingest(beam.PTransform):
    """The first stage: it reads rather than transforms documents, so it is not a ``BatchStage``, but it returns the
    same ``StageOutput`` (its ``stats``: documents read per source, for the report's input count).
    Reads every unit of every source; empty, too large, binary and non-code inputs are ``removed``, unreadable
    ones ``failed`` with the file and line or record in the error."""

    def __init__(self, manifest: Manifest, units: list[Unit], progress_dir: str | None = None):
        super().__init__()
        self.manifest, self.units, self.progress_dir = manifest, units, progress_dir

    def expand(self, pbegin) -> StageOutput:
        outputs = (
            pbegin
            | "Units" >> beam.Create([u.to_json() for u in self.units])
            | "SpreadUnits" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(_ReadUnit(self.manifest, self.progress_dir)).with_outputs(
                REMOVED, FAILED, main="kept")
        )
        code_sources = [s.name for s in self.manifest.sources if s.type == "code"]
        if not code_sources:
            return stage_output(outputs, self._input_counts(outputs))
        kept = (outputs.kept, outputs[REMOVED], outputs[FAILED]) | "HeaderProjects" >> ProjectLanguage(code_sources)
        return StageOutput(kept=kept, removed=outputs[REMOVED], failed=outputs[FAILED],
                           stats=self._input_counts(outputs))

    def _input_counts(self, outputs) -> beam.PCollection:
        """Documents read per source (every one of them: kept, removed and failed), the report's input count."""
        sources = [s.name for s in self.manifest.sources]
        # each output is mapped to its records' source before the Flatten: the FnApiRunner materialises a Flatten
        # (every input written to a buffer and read back), which for the records themselves was the whole corpus
        sources_of = [part | f"SourceOf{name}" >> beam.Map(lambda r: r["source"])
                      for name, part in (("Kept", outputs.kept), ("Removed", outputs[REMOVED]),
                                         ("Failed", outputs[FAILED]))]
        return (
            sources_of
            | "AllInputs" >> beam.Flatten(pipeline=outputs.kept.pipeline)
            | "CountPerSource" >> beam.combiners.Count.PerElement()
            | "PerSourceList" >> beam.combiners.ToList()
            | "InputStats" >> beam.Map(lambda kv: {"input_docs_per_source": {**dict.fromkeys(sources, 0), **dict(kv)}})
        )
