"""The driver: wires the stages of ``pipeline.stages.STAGES`` into one Beam pipeline and writes the report. It
holds no document logic.

```
Ingest ─▶ Normalize ─▶ LanguageId ─▶ LanguageFilter ─▶ PiiRedact ─▶ QualityFilter ─▶ TemplateLines ─▶ Dedup
   │          │            │               │               │              │                │           │
   ├─ removed (reason, value, stage) ──────┴───────────────┴──────────────┴────────────────┴─▶ removed/ ▼
   └─ failed (error, stage) ────────────────────────────────────────────────────────────▶ dead_letter/ WriteShards
```

A run owns a few parts of ``--out`` (``pipeline.outputs``). It clears the files it writes there before it starts
(``pipeline.outputs``: never a file it did not write), writes shards under
temporary names that are committed once indexed (``pipeline.write``), and writes ``report.json`` last: an output
without ``report.json`` is unfinished, and running the same command again replaces it. Remote runners
(Dataflow) get their options checked here first, because a mistake there otherwise shows up minutes later on a
worker, or as a silent hang while google-auth looks for credentials.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import (
    GoogleCloudOptions,
    PipelineOptions,
    PortableOptions,
    SetupOptions,
    StandardOptions,
    TestOptions,
    WorkerOptions,
)

from core.errors import UserError
from core.fs import is_remote, join
from manifests.schema import Manifest, check_inputs, load_manifest
from pipeline.attributes import ATTRIBUTES, MANIFEST_FILE, manifest_record
from pipeline.beam_options import check_beam_options
from pipeline.ingest.plan import Unit, plan_units
from pipeline.ingest.transform import unit_key
from pipeline.outputs import (  # noqa: F401 - the output folder's steps, re-exported for the commands and tests
    RUN_MARKER,
    clear_local,
    make_writable_folder,
    prepare_out,
    write_marker,
)
from pipeline.pii import KEPT_STATS, KeptPlaceholders
from pipeline.progress import CountProgress, Inputs, ProgressDisplay, RemoteHeartbeat, mark_off
from pipeline.stage import BatchStage
from pipeline.stages import STAGES, WRITERS, RunContext
from pipeline.write import WriteJson, write_attributes, write_dead_letter, write_kept, write_removed
from reports import publish
from reports.build import build_report, describe_filters

#: a gs:// path whose bucket name Cloud Storage accepts
GCS_BUCKET = re.compile(r"^gs://[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](/|$)")


# ------------------------------------------------------------------------------------------------ runners
def runner_kind(options: PipelineOptions) -> str:
    """``direct``, ``fnapi``, ``dataflow``, ``portable``, ``flink``... from ``--runner`` in any spelling
    (``DataflowRunner``, ``dataflow``, a dotted class path)."""
    name = options.view_as(StandardOptions).runner or "direct"
    name = name if isinstance(name, str) else type(name).__name__
    return name.rsplit(".", 1)[-1].lower().removesuffix("runner") or "direct"


def make_runner(options: PipelineOptions):
    """The runner object for ``options``. For the direct runner we build the FnApiRunner ourselves: Beam's
    ``DirectRunner`` first tries Prism, which downloads a binary at run time."""
    if runner_kind(options) in ("direct", "fnapi"):
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        return FnApiRunner()
    return None  # let Beam resolve --runner (DataflowRunner, PortableRunner, ...)


def holds_groups_in_memory(p: beam.Pipeline) -> bool:
    """Whether ``p`` runs on the FnApiRunner, which holds every grouping and every buffer between steps in its own
    process's memory (Flink, Spark and Dataflow spread them over their workers)."""
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    return isinstance(p.runner, FnApiRunner)


def is_local(options: PipelineOptions) -> bool:
    """True when the workers share this machine's disk and processes: the direct runner, or a portable runner with
    ``--environment_type LOOPBACK`` (its workers run inside this process). Progress marks and ``beam.log`` need it."""
    kind = runner_kind(options)
    if kind in ("direct", "fnapi"):
        return True
    env = (options.view_as(PortableOptions).environment_type or "").upper()
    return kind != "dataflow" and env == "LOOPBACK"


def progress_note(options: PipelineOptions, out: str) -> str | None:
    """What a run says when its workers may not share this machine's disk or process (``None`` when they do): the
    progress lines (fed by counts the workers leave in ``--out/.progress``) and ``beam.log`` (the workers' stderr) are
    then off, rather than written by workers into a folder the launcher never sees."""
    if is_local(options) and not is_remote(out):
        return None
    kind = runner_kind(options)
    return (f"roots: progress bar off and no beam.log: the workers of --runner {kind} may not share this machine's "
            f"disk or process; watch progress and worker logs in {where_to_watch(kind)}")


def where_to_watch(kind: str) -> str:
    """Where a remote job's progress and worker logs are, for people."""
    return {"dataflow": "the Dataflow console", "flink": "the Flink web UI", "spark": "the Spark web UI"}.get(
        kind, "the job service's UI or logs")


def is_dry_run(options: PipelineOptions) -> bool:
    return bool(options.view_as(TestOptions).dry_run)


def check_dataflow(options: PipelineOptions, out: str, units: list[Unit]) -> None:
    """Refuse Dataflow settings that cannot work, before anything is submitted: they would otherwise show up as a
    hang (Beam looking for a default bucket and credentials) or minutes later on a worker."""
    if runner_kind(options) != "dataflow":
        return
    if importlib.util.find_spec("google.cloud") is None or importlib.util.find_spec("apitools") is None:
        raise UserError("DataflowRunner needs Beam's Google Cloud extra: pip install 'roots[gcp]' "
                        "(or 'apache-beam[gcp]==2.77.*')")
    _check_locations(options, out)
    _check_packaging(options)
    local_inputs = [u.path for u in units if getattr(u, "path", None) and not is_remote(str(u.path))]
    if local_inputs:
        print(f"roots: warning: {len(local_inputs)} input(s) are files on this machine (e.g. {local_inputs[0]}); "
              "Dataflow workers cannot read them: put them on gs:// or use a Hugging Face Hub dataset", file=sys.stderr)


def _check_locations(options: PipelineOptions, out: str) -> None:
    """``--out`` and ``--temp_location`` must be gs:// paths in validly named buckets: workers cannot write to
    this disk, and without a usable temp location Beam tries to create a bucket and waits for credentials."""
    if not is_remote(out):
        raise UserError(f"--out {out}: with DataflowRunner the output must be a gs:// path "
                        "(the workers cannot write to this machine's disk)")
    temp = options.view_as(GoogleCloudOptions).temp_location or ""
    if not temp.startswith("gs://"):
        raise UserError("DataflowRunner needs --temp_location gs://BUCKET/tmp (a bucket the job can write to)")
    for name, path in (("--out", out), ("--temp_location", temp)):
        if path.startswith("gs://") and not GCS_BUCKET.match(path):
            raise UserError(f"{name} {path}: not a valid Cloud Storage bucket name (3-63 characters: a-z, 0-9, "
                            "'-', '_', '.'); Beam would otherwise look for a default bucket and wait for credentials")


def _check_packaging(options: PipelineOptions) -> None:
    """Every stage is roots code, so the workers need roots installed: a ``--setup_file`` (made absolute, since
    Beam builds the package from that file's folder), a built package, or a container image with roots in it."""
    setup, worker = options.view_as(SetupOptions), options.view_as(WorkerOptions)
    if setup.setup_file:
        setup.setup_file = os.path.abspath(setup.setup_file)
        if not os.path.isfile(setup.setup_file):
            raise UserError(f"--setup_file {setup.setup_file}: no such file")
        if setup.setup_file.endswith("pyproject.toml") and importlib.util.find_spec("build") is None:
            raise UserError("--setup_file pyproject.toml: Beam builds the package with `python -m build`; "
                            "pip install 'roots[gcp]' (it includes build)")
        return
    if (setup.extra_packages or setup.requirements_file or setup.prebuild_sdk_container_engine
            or worker.sdk_container_image or getattr(worker, "worker_harness_container_image", None)):
        return
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")
    hint = here if os.path.isfile(here) else "path/to/roots/pyproject.toml"
    raise UserError(f"Dataflow workers need roots installed: pass --setup_file {hint} (Beam builds and stages the "
                    "package; workers pip-install it with its dependencies), or --sdk_container_image with roots "
                    "preinstalled. See README: Running on Dataflow")


# ------------------------------------------------------------------------------------------------ the pipeline
def build_pipeline(p: beam.Pipeline, manifest: Manifest, units: list[Unit], out: str,
                   progress_dir: str | None = None, replace: dict[str, Any] | None = None) -> None:
    """Add every stage of ``STAGES`` to ``p``, in order, then the writers: each stage's kept documents feed the
    next, every stage's removed and failed documents are written together, and a stage's ``stats`` go to
    ``stats/``; with attributes on, every final document's measurements go to ``attributes/``.

    ``replace`` maps a stage name to a function of the ``RunContext`` building what runs in its place, or
    returning ``None`` to leave the stage out (``roots refilter`` replays a finished run's first stages)."""
    ctx = RunContext(manifest, units, progress_dir, in_memory_joins=holds_groups_in_memory(p))
    docs, outputs = p, []
    for stage in STAGES:
        make = (replace or {}).get(stage.name, stage.make)
        transform = make(ctx)
        if transform is None:
            continue
        counted_by_itself = progress_dir is not None and _counts_itself(transform, stage.name, progress_dir)
        output = docs | stage.name >> transform
        if progress_dir and not counted_by_itself:
            (output.kept, output.removed, output.failed) | f"Progress{stage.name}" >> CountProgress(
                progress_dir, stage.name)
        if stage.stats and output.stats is not None:
            output.stats | f"Write{stage.name}Stats" >> WriteJson(join(out, "stats", stage.stats))
        outputs.append(output)
        docs = output.kept

    shard_bytes, mem = manifest.output.shard_bytes, ctx.in_memory_joins
    docs | "CountKeptPii" >> KeptPlaceholders(manifest.pii.enabled, manifest.source_profiles()) | (
        "WriteKeptPiiStats" >> WriteJson(join(out, "stats", KEPT_STATS)))
    (p | "ProfileStats" >> beam.Create([profile_stats(manifest)])) | "WriteProfileStats" >> WriteJson(
        join(out, "stats", "profiles.json"))
    # each stage's removed and failed documents go to the writers as they are: the writers key (make the row of)
    # each record in the stage that made it, so no Flatten holds whole records first
    removed = tuple(o.removed for o in outputs)
    docs | "WriteShards" >> write_kept(join(out, "shards"), shard_bytes, mem)
    removed | "WriteRemoved" >> write_removed(join(out, "removed"), shard_bytes, mem)
    tuple(o.failed for o in outputs) | "WriteDeadLetter" >> write_dead_letter(join(out, "dead_letter"), shard_bytes,
                                                                              mem)
    if manifest.attributes.enabled:
        (docs, *removed) | "WriteAttributes" >> write_attributes(join(out, ATTRIBUTES), shard_bytes, mem)
        (p | "RunManifest" >> beam.Create([manifest_record(manifest)])) | "WriteRunManifest" >> WriteJson(
            join(out, ATTRIBUTES, MANIFEST_FILE))


def _counts_itself(transform, name: str, progress_dir: str) -> bool:
    """Whether a stage counts its documents for the progress lines itself: Ingest as it reads, a batch stage once
    per batch (cheaper than a counting branch on its outputs), a switched-off batch stage by being marked off."""
    if name == STAGES[0].name:
        return True
    if not isinstance(transform, BatchStage):
        return False
    if transform.enabled:
        transform.progress_dir = progress_dir
    else:
        mark_off(progress_dir, name)
    return True


def profile_stats(manifest: Manifest) -> dict[str, dict[str, Any]]:
    """Which filter profile, and so which checks, each source ran under (``report.json``'s ``profiles``)."""
    names = {s.name: s.filters for s in manifest.sources}
    return {name: {"profile": names[name], "checks": sorted(checks)}
            for name, checks in sorted(manifest.source_profiles().items())}


@contextlib.contextmanager
def _stderr_to(path: str | None):
    """Send file descriptor 2 (ours and the Beam worker processes' that inherit it) to ``path`` while the pipeline
    runs, so their INFO chatter lands in a log file; yields a stream on the real terminal for the progress lines."""
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


def planned_inputs(units: list[Unit]) -> Inputs:
    """Each unit's key and size on this disk (``None`` for a hub shard, or a file gone since planning), for the
    progress lines' ETA."""
    def size(unit: Unit) -> int | None:
        path = getattr(unit, "path", None)
        if not path or is_remote(str(path)):
            return None
        try:
            return os.path.getsize(path)
        except OSError:
            return None

    return Inputs({unit_key(u): size(u) for u in units})


@dataclass
class RunPlan:
    """A run's checked inputs: the manifest, its read units, the Beam options and the output location."""

    manifest: Manifest
    units: list[Unit]
    options: PipelineOptions
    out: str


def plan_run(manifest_path: str, out: str, beam_args: Sequence[str] = (), verbose: bool = False) -> RunPlan:
    """Load and check everything a run needs, without touching ``out``."""
    beam_args = list(beam_args)
    if not verbose and not any(a.startswith("--default_sdk_harness_log_level") for a in beam_args):
        beam_args.append("--default_sdk_harness_log_level=ERROR")  # worker processes' INFO logs only with -v
    manifest = load_manifest(manifest_path)
    problems = check_inputs(manifest)
    if problems:
        raise UserError("\n".join(f"{manifest_path}: {p}" for p in problems))
    options = check_beam_options(beam_args)
    out = out.rstrip("/") if is_remote(out) else os.path.abspath(out)
    units = plan_units(manifest)
    check_dataflow(options, out, units)
    return RunPlan(manifest, units, options, out)


def dry_run(plan: RunPlan):
    """Build the job without running anything and return its runner-API pipeline proto. DataflowRunner does this
    itself with ``--dry_run=True`` (it also builds and stages-to-be the worker package, offline); other runners
    would ignore that option and run, so for them roots only builds the graph."""
    p = beam.Pipeline(runner=make_runner(plan.options), options=plan.options)
    build_pipeline(p, plan.manifest, plan.units, plan.out)
    if runner_kind(plan.options) == "dataflow":
        return p.run().job.proto_pipeline
    return p.to_runner_api()


def run(manifest_path: str, out: str, beam_args: Sequence[str] = (), progress: bool = True,
        verbose: bool = False, overwrite: bool = True) -> dict[str, Any] | None:
    """Run the pipeline described by the manifest into ``out`` and return the report, or ``None`` after a dry run
    (``--dry_run=True``: the job is built and checked, nothing runs and ``out`` is not touched). ``overwrite=False``
    (the CLI's default) refuses to replace an earlier output other than this manifest's own unfinished one."""
    plan = plan_run(manifest_path, out, beam_args, verbose)
    options, out = plan.options, plan.out
    if is_dry_run(options):
        proto = dry_run(plan)
        names = {t.unique_name for t in proto.components.transforms.values()}
        print(f"roots: dry run: the {options.view_as(StandardOptions).runner or 'DirectRunner'} job was built "
              f"({len(proto.components.transforms)} transforms; stages: "
              f"{', '.join(n for n in [*(s.name for s in STAGES), *WRITERS] if n in names)}). Nothing ran and no "
              "report was written.",
              file=sys.stderr)
        return None
    note = progress_note(options, out)
    workers_here = note is None
    if note and progress:
        print(note, file=sys.stderr)
    prepare_out(out, manifest_path if workers_here else None, overwrite)
    if workers_here:
        write_marker(out, manifest_path)
    progress_dir = os.path.join(out, ".progress") if workers_here else None
    if progress_dir:
        os.makedirs(progress_dir, exist_ok=True)
    log_path = os.path.join(out, "beam.log") if workers_here and not verbose else None
    with _stderr_to(log_path) as terminal, _progress(plan, progress_dir, progress, terminal):
        p = beam.Pipeline(runner=make_runner(options), options=options)
        build_pipeline(p, plan.manifest, plan.units, out, progress_dir)
        result = p.run()
        _say_where(result, options)
        state = result.wait_until_finish()
    if state is not None and str(state) not in ("DONE", "PipelineState.DONE"):
        raise UserError(f"the Beam job ended in state {state}: {out} has no report.json; "
                        "fix the cause and run the same command again")
    if progress_dir:
        clear_local(out, [".progress"])
    report = build_report(out, plan.manifest.name)
    report["filters"] = describe_filters(plan.manifest, report)
    # README.md (the dataset card) and report.html, then report.json last: its presence marks the output complete
    publish(out, report, card_license=plan.manifest.license, card=True)
    return report


def _progress(plan: RunPlan, progress_dir: str | None, enabled: bool, stream):
    """Per-stage progress lines for a local run; for a remote one, a line now and then saying where to look."""
    if progress_dir is None:
        kind = runner_kind(plan.options)
        name = {"dataflow": "Dataflow", "flink": "Flink", "spark": "Spark"}.get(kind, f"the {kind} runner")
        return RemoteHeartbeat(name, where_to_watch(kind), enabled, stream)
    return ProgressDisplay(progress_dir, [s.name for s in STAGES], planned_inputs(plan.units) if enabled else
                           Inputs({}), enabled, stream)


def _say_where(result, options: PipelineOptions) -> None:
    """Where to watch a remote job (Beam's own log line says it, but roots hides Beam's INFO logs without -v)."""
    job_id = getattr(result, "job_id", None)
    if runner_kind(options) == "dataflow" and callable(job_id):
        gcp = options.view_as(GoogleCloudOptions)
        print(f"roots: Dataflow job {job_id()}: https://console.cloud.google.com/dataflow/jobs/"
              f"{gcp.region}/{job_id()}?project={gcp.project} (waiting for it to finish)", file=sys.stderr)


