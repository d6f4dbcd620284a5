"""The ``Ingest`` stage: manifest sources → document records.

The driver plans *units* (data files, hub shards, code files, archives); they are spread over workers with a
``Reshuffle`` (otherwise a single ``Create`` would be read by one worker) and each is read by ``pipeline.readers``.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import apache_beam as beam

from manifests.schema import Manifest
from pipeline.readers import FAILED as R_FAILED
from pipeline.readers import REMOVED as R_REMOVED
from pipeline.readers import read_unit
from pipeline.stage import FAILED, REMOVED, StageOutput, stage_output


def unit_key(unit: dict[str, Any]) -> str:
    """A stable name for a unit (used for progress marks)."""
    return hashlib.sha1(json.dumps(unit, sort_keys=True).encode()).hexdigest()


class _ReadUnit(beam.DoFn):
    def __init__(self, manifest: Manifest, progress_dir: str | None):
        self.manifest, self.progress_dir = manifest, progress_dir

    def process(self, unit: dict[str, Any]):
        for route, rec in read_unit(self.manifest, unit):
            beam.metrics.Metrics.counter("ingest", route).inc()
            if route == R_REMOVED:
                yield beam.pvalue.TaggedOutput(REMOVED, rec)
            elif route == R_FAILED:
                yield beam.pvalue.TaggedOutput(FAILED, rec)
            else:
                yield rec
        if self.progress_dir:
            # a mark per finished unit lets the driver draw a progress bar for local runs
            open(os.path.join(self.progress_dir, unit_key(unit)), "w").close()


class Ingest(beam.PTransform):
    """Reads every unit of every source; empty, too large, binary and non-code inputs are ``removed``, unreadable
    ones ``failed`` with the file and line or record in the error."""

    def __init__(self, manifest: Manifest, units: list[dict[str, Any]], progress_dir: str | None = None):
        super().__init__()
        self.manifest, self.units, self.progress_dir = manifest, units, progress_dir

    def expand(self, pbegin) -> StageOutput:
        outputs = (
            pbegin
            | "Units" >> beam.Create(self.units)
            | "SpreadUnits" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(_ReadUnit(self.manifest, self.progress_dir)).with_outputs(
                REMOVED, FAILED, main="kept")
        )
        return stage_output(outputs)
