"""The driver: wires the stages into one Beam pipeline and writes the report. It holds no document logic.

```
Ingest ─▶ Normalize ─▶ LanguageId ─▶ LanguageFilter ─▶ QualityFilter ─▶ TemplateLines ─▶ PiiRedact ─▶ Dedup
   │            │                          │                │                 │                         │
   ├─ removed (reason, value) ─────────────┴────────────────┴─────────────────┴──────▶ removed/        ▼
   └─ failed (error) ──────────────────────────────────────────────────────────────────▶ dead_letter/  WriteShards
```
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
from collections.abc import Sequence
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from manifests.schema import Manifest, check_inputs, load_manifest
from pipeline.dedup import Dedup
from pipeline.errors import UserError
from pipeline.ingest import Ingest
from pipeline.langid import LanguageFilter, LanguageId
from pipeline.quality import Normalize, PiiRedact, QualityFilter, TemplateLines
from pipeline.readers import plan_units
from pipeline.report import build_report, write_report
from pipeline.write import WriteJson, write_dead_letter, write_kept, write_removed

#: what a run owns inside ``--out``; cleared before a run so no stale shard outlives a rerun
OUTPUT_PARTS = ("shards", "removed", "dead_letter", "stats", "report.json", ".progress", "beam.log")


def make_runner(options: PipelineOptions):
    """The runner object for ``options``. For the direct runner we build the FnApiRunner ourselves: Beam's
    ``DirectRunner`` first tries Prism, which downloads a binary at run time."""
    name = options.view_as(StandardOptions).runner
    if name in (None, "DirectRunner", "direct", "FnApiRunner"):
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        return FnApiRunner()
    return None  # let Beam resolve --runner (DataflowRunner, PortableRunner, ...)


def is_local(options: PipelineOptions) -> bool:
    return options.view_as(StandardOptions).runner in (None, "DirectRunner", "direct", "FnApiRunner")


def build_pipeline(p: beam.Pipeline, manifest: Manifest, units: list[dict[str, Any]], out: str,
                   progress_dir: str | None = None) -> None:
    """Add every stage to ``p``."""
    shard_bytes = manifest.output.shard_bytes
    ingest = p | "Ingest" >> Ingest(manifest, units, progress_dir)
    normalized = ingest.kept | "Normalize" >> Normalize(manifest.normalize.enabled)
    lid = normalized.kept | "LanguageId" >> LanguageId(manifest.lid)
    allowed = lid | "LanguageFilter" >> LanguageFilter(manifest.languages)
    quality = allowed.kept | "QualityFilter" >> QualityFilter(manifest.filters)
    templates = quality.kept | "TemplateLines" >> TemplateLines(manifest.filters.template_lines)
    redacted, pii_counts = templates.kept | "PiiRedact" >> PiiRedact(manifest.pii.enabled)
    dedup = redacted.kept | "Dedup" >> Dedup(manifest.dedup)

    stages = [ingest, normalized, allowed, quality, templates, redacted, dedup]
    kept = dedup.kept
    pii_counts | "WritePiiStats" >> WriteJson(os.path.join(out, "stats", "pii.json"))
    dedup.stats | "WriteDedupStats" >> WriteJson(os.path.join(out, "stats", "dedup.json"))
    removed = tuple(s.removed for s in stages) | "AllRemoved" >> beam.Flatten()
    failed = tuple(s.failed for s in stages) | "AllFailed" >> beam.Flatten()

    kept | "WriteShards" >> write_kept(os.path.join(out, "shards"), shard_bytes)
    removed | "WriteRemoved" >> write_removed(os.path.join(out, "removed"), shard_bytes)
    failed | "WriteDeadLetter" >> write_dead_letter(os.path.join(out, "dead_letter"), shard_bytes)

    sources = [s.name for s in manifest.sources]
    (
        (ingest.kept, ingest.removed, ingest.failed)
        | "AllInputs" >> beam.Flatten()
        | "SourceOf" >> beam.Map(lambda r: r["source"])
        | "CountPerSource" >> beam.combiners.Count.PerElement()
        | "PerSourceList" >> beam.combiners.ToList()
        | "InputStats" >> beam.Map(lambda kv: {"input_docs_per_source": {**dict.fromkeys(sources, 0), **dict(kv)}})
        | "WriteInputStats" >> WriteJson(os.path.join(out, "stats", "ingest.json"))
    )


def prepare_out(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    for part in OUTPUT_PARTS:
        path = os.path.join(out, part)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


@contextlib.contextmanager
def _stderr_to(path: str | None):
    """Send file descriptor 2 (ours and the Beam worker processes' that inherit it) to ``path`` while the pipeline
    runs, so their INFO chatter lands in a log file; yields a stream on the real terminal for the progress bar."""
    if path is None:
        yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(2)
    terminal = os.fdopen(os.dup(saved), "w")
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            terminal.close()


class _Progress:
    """A progress bar of input units read, fed by the marks ``Ingest`` leaves (local runs only)."""

    def __init__(self, directory: str, total: int, enabled: bool, stream=None):
        self.directory, self.total, self.enabled, self.stream = directory, total, enabled, stream
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self):
        if self.enabled:
            self._thread.start()
        return self

    def _poll(self) -> None:
        from tqdm import tqdm

        with tqdm(total=self.total, desc="reading inputs", unit="file", leave=True, disable=None,
                  file=self.stream) as bar:
            while True:
                done = len(os.listdir(self.directory)) if os.path.isdir(self.directory) else 0
                bar.update(done - bar.n)
                if self._stop.wait(0.5):
                    bar.update(len(os.listdir(self.directory)) - bar.n)
                    return

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()


def run(manifest_path: str, out: str, beam_args: Sequence[str] = (), progress: bool = True,
        verbose: bool = False) -> dict[str, Any]:
    """Run the pipeline described by the manifest into ``out`` and return the report."""
    beam_args = list(beam_args)
    if not verbose and not any(a.startswith("--default_sdk_harness_log_level") for a in beam_args):
        beam_args.append("--default_sdk_harness_log_level=ERROR")  # worker processes' INFO logs only with -v
    manifest = load_manifest(manifest_path)
    problems = check_inputs(manifest)
    if problems:
        raise UserError("\n".join(f"{manifest_path}: {p}" for p in problems))
    options = PipelineOptions(list(beam_args))
    out = os.path.abspath(out) if "://" not in out else out
    units = plan_units(manifest)
    local = is_local(options)
    if local:
        prepare_out(out)
    progress_dir = os.path.join(out, ".progress") if local else None
    if progress_dir:
        os.makedirs(progress_dir, exist_ok=True)
    log_path = os.path.join(out, "beam.log") if local and not verbose else None
    with _stderr_to(log_path) as terminal, _Progress(progress_dir or "", len(units), progress and local, terminal):
        p = beam.Pipeline(runner=make_runner(options), options=options)
        build_pipeline(p, manifest, units, out, progress_dir)
        p.run().wait_until_finish()
    if progress_dir:
        shutil.rmtree(progress_dir, ignore_errors=True)
    report = build_report(out, manifest.name)
    report["filters"] = describe_filters(manifest, report)
    write_report(out, report)
    return report


def describe_filters(manifest: Manifest, report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """What each quality check did per language seen in this run ("on", "off", "off (no model)", ...), so the
    report says when a filter such as perplexity was not applied."""
    from filters import describe_checks

    seen = set(report["languages"]) | {lang for lang in report["removed_by_language"] if lang}
    return {lang: describe_checks(lang, manifest.filters.params_for(lang)) for lang in sorted(seen)
            if not lang.startswith("code-") and lang != "unknown"}
