"""Run one stage on a list of records and read its outputs back (in-process FnApiRunner)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.run import make_runner


def _collect(pcoll, path: Path, label: str):
    def dump(items):
        path.write_text(json.dumps(sorted(items, key=lambda r: json.dumps(r, sort_keys=True, default=str)),
                                   default=str))

    return pcoll | f"List{label}" >> beam.combiners.ToList() | f"Dump{label}" >> beam.Map(dump)


def run_stage(transform: beam.PTransform, records: list[dict], extra: str | None = None):
    """(kept, removed, failed[, extra]) of ``transform`` applied to ``records``; with ``extra``, the stage's
    ``stats`` output too."""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        options = PipelineOptions([])
        with beam.Pipeline(runner=make_runner(options), options=options) as p:
            result = p | beam.Create(records) | transform
            stage, side = result, (result.stats if extra else None)
            for name in ("kept", "removed", "failed"):
                _collect(getattr(stage, name), tmp / f"{name}.json", name)
            if side is not None:
                _collect(side, tmp / "extra.json", "extra")
        outs = [json.loads((tmp / f"{n}.json").read_text()) for n in ("kept", "removed", "failed")]
        if side is not None:
            outs.append(json.loads((tmp / "extra.json").read_text()))
        return tuple(outs)
