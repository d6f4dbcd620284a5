"""Where the pipeline's time goes, on real multilingual text (``python -m bench.profile``).

    python -m bench.profile                   # the LibreOffice-help corpus (bench.real_text, ~83 MB), 1 and 2 workers
    python -m bench.profile --langs de ja km  # a smaller corpus of some languages
    python -m bench.profile --cprofile FILE   # also run the 1-worker pipeline under cProfile (stats to FILE)
    python -m bench.profile --repeat 3        # floors and pipelines 3 times, interleaved: the best of each

Three kinds of figures, each measured in its own child process, in CPU seconds per MB of input text (the process's
and its children's user + system time, ``getrusage``), beside wall seconds:

* **floors**, the work no pipeline of these steps can avoid: reading the JSON Lines files with roots' reader;
  fastText lid.176 alone (``predict`` on the texts as roots prepares them); MinHash alone (the shingles, xxh32 and
  signatures that dedup computes, on every document); writing every document once as Arrow IPC (pyarrow). Their
  sum is the floor the whole pipeline is held against.
* **stage functions**: each stage's own function (its ``BatchFn``, as the pipeline calls it, in batches), one after
  the other over the whole corpus in one process: Normalize, LanguageId, LanguageFilter, PiiRedact, QualityFilter
  (with the word-removal modifying step also timed alone), Dedup's fingerprints (exact keys + signatures), and
  Write (rows shaped, sorted and encoded as the shards are). What they leave out is Beam's own cost.
* **the whole pipeline** (``roots run``'s job: the sample manifest's defaults, every stage on) on the FnApiRunner at
  1 worker, in one process, and at 2 workers (``multi_processing``); for 1 worker also Beam's own per-stage time
  (``ptransform_execution_time``, which is elapsed time and counts Beam's per-element work inside each stage; the
  runner's shuffles are outside every stage).

Figures are printed, never asserted; the last lines are the ratios the issue asks for (pipeline against the floor
sum, 2 workers against 1).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BATCH = 256  # documents per batch, as BatchStage.max_batch


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its waited-for children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


class Clock:
    """CPU and wall seconds of named steps (summed over repeated entries)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)

    def time(self, name: str, fn: Callable[[], Any]) -> Any:
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        self.cpu[name] += time.process_time() - c
        self.wall[name] += time.perf_counter() - w
        return out

    def as_json(self) -> dict[str, dict[str, float]]:
        return {"cpu": dict(self.cpu), "wall": dict(self.wall)}


def manifest_for(corpus_dir: str, path: Path) -> Path:
    """The sample manifest's defaults (every stage on) over the corpus' JSON Lines files."""
    path.write_text("name: bench-profile\nsources:\n"
                    f"  - {{name: corpus, type: hf, path: json, data_files: '{corpus_dir}/corpus-*.jsonl'}}\n",
                    encoding="utf-8")
    return path


def batches(items: list[Any], n: int = BATCH) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def read_all(manifest) -> list[dict[str, Any]]:
    from pipeline.ingest.plan import plan_units, read_unit
    from pipeline.ingest.records import KEPT

    return [rec for unit in plan_units(manifest) for route, rec in read_unit(manifest, unit) if route == KEPT]


# --------------------------------------------------------------------------------------------------- children
def floors_child(args: argparse.Namespace) -> None:
    """read, fastText alone, MinHash alone, Arrow write: CPU and wall seconds of each."""
    import pyarrow as pa

    from filters.dedup import DedupParams, signatures_batch
    from manifests.schema import load_manifest
    from pipeline.files import ARROW_CHUNK_ROWS, SHARD_SCHEMA
    from pipeline.langid import load_lid_model
    from pipeline.lid_models import lid_text, roots_code

    manifest = load_manifest(args.manifest)
    clock = Clock()
    docs = clock.time("read", lambda: read_all(manifest))
    texts = [d["text"] for d in docs]
    model = load_lid_model(manifest.lid.model)
    max_chars = manifest.lid.max_chars

    def lid() -> list[str]:
        labels: list[str] = []
        for batch in batches(texts, manifest.lid.batch_size):
            labels.extend(lab[0] if len(lab) else "" for lab in model.predict([lid_text(t, max_chars) for t in batch],
                                                                              k=1)[0])
        return labels

    labels = clock.time("lid", lid)
    params = DedupParams()  # the manifest's dedup defaults
    languages = [roots_code(label) if label else None for label in labels]  # char shingles for zh, ja, km

    def minhash() -> None:
        for i in range(0, len(texts), BATCH):
            signatures_batch(texts[i : i + BATCH], languages[i : i + BATCH], params)

    clock.time("minhash", minhash)
    rows = [{**{name: None for name in SHARD_SCHEMA.names}, **{k: d.get(k) for k in SHARD_SCHEMA.names}} for d in docs]

    def write() -> None:
        with tempfile.TemporaryDirectory() as out:
            for i, chunk in enumerate(batches(rows, 20000)):
                table = pa.Table.from_pylist(chunk, schema=SHARD_SCHEMA)
                with pa.OSFile(os.path.join(out, f"{i}.arrow"), "wb") as sink, pa.ipc.new_file(sink, SHARD_SCHEMA) \
                        as writer:
                    writer.write_table(table, max_chunksize=ARROW_CHUNK_ROWS)

    clock.time("write", write)
    print(json.dumps({**clock.as_json(), "docs": len(docs)}))


def stages_child(args: argparse.Namespace) -> None:
    """Each stage's function over the whole corpus, in pipeline order, in batches."""
    from filters import modify_batch
    from manifests.schema import load_manifest
    from pipeline.dedup import _Fingerprint
    from pipeline.files import REMOVED_SCHEMA, SHARD_SCHEMA, encode_arrow, removed_row, shard_row
    from pipeline.stage import run_batch_fn
    from pipeline.stages import STAGES, RunContext

    manifest = load_manifest(args.manifest)
    docs = read_all(manifest)
    ctx = RunContext(manifest)
    clock = Clock()
    removed: list[Any] = []
    counts: dict[str, int] = {}
    for stage in STAGES[1:-1]:  # Ingest is the read floor, Dedup is timed below
        transform = stage.make(ctx)
        if not transform.enabled or transform.corpus_level:
            continue
        fn = transform.batch_fn()
        clock.time(stage.name, fn.setup)
        kept: list[Any] = []
        size = getattr(transform, "max_batch", BATCH)
        for batch in batches(docs, size):
            k, gone = clock.time(stage.name, lambda b=batch, f=fn: run_batch_fn(f, b))
            kept.extend(k)
            removed.extend(gone)
        if stage.name == "QualityFilter":  # the modifying step alone, on the same documents
            config = manifest.filters
            by_lang: dict[str, list[str]] = defaultdict(list)
            for d in docs:
                by_lang[d["language"] or "unknown"].append(d["text"])
            for lang, texts in by_lang.items():
                params = config.params_for(lang)
                for batch in batches(texts):
                    clock.time("QualityFilter: word removal", lambda b=batch, p=params: modify_batch(b, p))
        counts[stage.name] = len(docs)
        docs = kept
    fp = _Fingerprint(manifest.dedup, manifest.dedup.exact, manifest.dedup.near)
    for batch in batches(docs):
        clock.time("Dedup: fingerprints", lambda b=batch: fp._fingerprints(b))

    def write() -> None:
        for rows, schema in (([shard_row(d) for d in docs], SHARD_SCHEMA),
                             ([removed_row({**g.record, "reason": g.reason, "value": g.value}) for g in removed],
                              REMOVED_SCHEMA)):
            rows.sort(key=lambda r: r["id"])
            for chunk in batches(rows, 20000):
                encode_arrow(chunk, schema)

    clock.time("Write", write)
    print(json.dumps({**clock.as_json(), "kept": len(docs), "removed": len(removed), "in": counts}))


def pipeline_child(args: argparse.Namespace) -> None:
    """The whole pipeline (``roots run``'s job) with Beam's per-stage times."""
    import apache_beam as beam
    from apache_beam.metrics import monitoring_infos as mi

    from pipeline.run import build_pipeline, make_runner, plan_run, prepare_out

    beam_args = [] if args.workers == 1 else [f"--direct_num_workers={args.workers}",
                                              "--direct_running_mode=multi_processing"]
    plan = plan_run(args.manifest, args.out, beam_args)
    prepare_out(plan.out)
    c0, w0 = cpu_seconds(), time.perf_counter()
    p = beam.Pipeline(runner=make_runner(plan.options), options=plan.options)
    build_pipeline(p, plan.manifest, plan.units, plan.out)
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be shared
        profiler.enable()
    result = p.run()
    result.wait_until_finish()
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.cprofile)
    wall, cpu = time.perf_counter() - w0, cpu_seconds() - c0
    msecs: dict[str, float] = defaultdict(float)
    for infos in getattr(result, "_monitoring_infos_by_stage", {}).values():
        for info in infos:
            if info.urn == "beam:metric:ptransform_execution_time:total_msecs:v1":
                msecs[info.labels["PTRANSFORM"].split("/", 1)[0]] += mi.extract_counter_value(info)
    index = json.loads((Path(plan.out) / "shards" / "index.json").read_text())
    print(json.dumps({"wall": wall, "cpu": cpu, "beam_msecs": msecs, "kept": sum(s["rows"] for s in index["shards"])}))


def child(argv: list[str], timeout: float = 3 * 3600) -> dict[str, Any]:
    """Run ``python -m bench.profile ARGV`` and return the JSON of its last line."""
    proc = subprocess.run([sys.executable, "-m", "bench.profile", *argv], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{argv[0]} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return json.loads(lines[-1])


# --------------------------------------------------------------------------------------------------- driver
def profile(corpus: dict[str, Any], workers: list[int], work: Path, cprofile: str | None,
            repeat: int = 1) -> list[str]:
    manifest = str(manifest_for(corpus["dir"], work / "profile.yaml"))
    mb = corpus["text_mb"]
    out = [f"corpus: {corpus['docs']} docs, {mb:.1f} MB of text, {len(corpus['languages'])} languages "
           f"({corpus['dir']}); CPU s/MB = CPU seconds (user+sys, process and children) per MB of input text"]
    print(out[0], flush=True)
    floor_runs: list[dict[str, Any]] = []
    pipeline_runs: dict[int, list[dict[str, Any]]] = {n: [] for n in workers}
    stages: dict[str, Any] = {}
    for r in range(repeat):  # interleaved, so that a slower spell of a shared host falls on every figure alike
        tag = f" ({r + 1}/{repeat})" if repeat > 1 else ""
        print(f"floors{tag} ...", flush=True)
        floor_runs.append(child(["floors-child", "--manifest", manifest]))
        if r == 0:
            print("stage functions ...", flush=True)
            stages = child(["stages-child", "--manifest", manifest])
        for n in workers:
            print(f"whole pipeline, {n} worker{'s' if n > 1 else ''}{tag} ...", flush=True)
            argv = ["pipeline-child", "--manifest", manifest, "--out", str(work / f"out-{n}w"), "--workers", str(n)]
            if cprofile and n == 1 and r == 0:
                argv += ["--cprofile", cprofile]
            pipeline_runs[n].append(child(argv))
            last = pipeline_runs[n][-1]
            print(f"  {last['cpu']:.1f} CPU s, {last['wall']:.1f} s wall", flush=True)
    floors = {k: {key: min(f[k][key] for f in floor_runs) for key in floor_runs[0][k]} for k in ("cpu", "wall")}
    runs = {n: min(rs, key=lambda x: x["wall"] if n > 1 else x["cpu"]) for n, rs in pipeline_runs.items()}

    def row(name: str, cpu: float, wall: float) -> str:
        return f"  {name:<34}{cpu / mb:9.3f}{wall / mb:10.3f}{cpu:9.1f}{wall:9.1f}"

    head = f"  {'':<34}{'CPU s/MB':>9}{'wall s/MB':>10}{'CPU s':>9}{'wall s':>9}"
    out += ["", "floors (one process)", head]
    names = {"read": "read (roots' JSON Lines reader)", "lid": "fastText lid.176 alone",
             "minhash": "MinHash alone (shingles+signatures)", "write": "Arrow write (pyarrow)"}
    for key, label in names.items():
        out.append(row(label, floors["cpu"][key], floors["wall"][key]))
    floor_cpu = sum(floors["cpu"][k] for k in names)
    floor_wall = sum(floors["wall"][k] for k in names)
    out.append(row("sum of the floors", floor_cpu, floor_wall))
    out += ["", "stage functions (one process, batches of 256, no Beam)", head]
    for name, cpu in stages["cpu"].items():
        out.append(row(name, cpu, stages["wall"][name]))
    out.append(row("sum (word removal counted once)", sum(v for k, v in stages["cpu"].items() if ":" not in k
                                                          or k.startswith("Dedup")),
                   sum(v for k, v in stages["wall"].items() if ":" not in k or k.startswith("Dedup"))))
    out.append(f"  kept {stages['kept']}, removed {stages['removed']}")
    if 1 in runs:
        r = runs[1]
        out += ["", "whole pipeline, 1 worker: Beam's time per stage (elapsed, includes Beam's per-element work)",
                f"  {'':<34}{'s/MB':>9}{'s':>10}"]
        for name, ms in sorted(r["beam_msecs"].items(), key=lambda kv: -kv[1]):
            if ms >= 50:
                out.append(f"  {name:<34}{ms / 1000 / mb:9.3f}{ms / 1000:10.1f}")
        inside = sum(r["beam_msecs"].values()) / 1000
        out.append(f"  {'outside every stage (runner)':<34}{(r['wall'] - inside) / mb:9.3f}{r['wall'] - inside:10.1f}")
    out += ["", "whole pipeline", f"  {'':<34}{'CPU s/MB':>9}{'wall s/MB':>10}{'CPU s':>9}{'wall s':>9}{'MB/s':>8}"]
    for n, r in runs.items():
        out.append(row(f"{n} worker{'s' if n > 1 else ''}", r["cpu"], r["wall"]) + f"{mb / r['wall']:8.2f}")
    if repeat > 1:
        spread = [f"floors {min(sum(f['cpu'].values()) for f in floor_runs):.1f}-"
                  f"{max(sum(f['cpu'].values()) for f in floor_runs):.1f} CPU s"]
        spread += [f"{n} worker{'s' if n > 1 else ''} {min(r[k] for r in rs):.1f}-{max(r[k] for r in rs):.1f} "
                   f"{'CPU s' if k == 'cpu' else 's wall'}"
                   for n, rs in pipeline_runs.items() for k in (("cpu",) if n == 1 else ("wall",))]
        out.append(f"best of {repeat} interleaved runs of each (floors: each one's least; ranges: {', '.join(spread)})")
    if 1 in runs:
        out.append(f"whole pipeline (1 worker) / sum of the floors: {runs[1]['cpu'] / floor_cpu:.2f}x CPU, "
                   f"{runs[1]['wall'] / floor_wall:.2f}x wall (goal <= 2)")
    if 1 in runs and 2 in runs:
        out.append(f"2 workers / 1 worker throughput: {runs[1]['wall'] / runs[2]['wall']:.2f}x (goal >= 1.6)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    for name, fn in (("floors-child", floors_child), ("stages-child", stages_child),
                     ("pipeline-child", pipeline_child)):
        p = sub.add_parser(name)
        p.add_argument("--manifest", required=True)
        p.set_defaults(func=fn)
        if name == "pipeline-child":
            p.add_argument("--out", required=True)
            p.add_argument("--workers", type=int, default=1)
            p.add_argument("--cprofile")
    parser.add_argument("--langs", nargs="+", help="only these corpus languages (bench.real_text.LANGUAGES)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cprofile", metavar="FILE", help="run the 1-worker pipeline under cProfile, stats to FILE")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run the floors and each pipeline N times, interleaved, and keep the best of each (a "
                             "shared host's speed drifts by 20-50%% between minutes)")
    args = parser.parse_args(argv)
    if getattr(args, "func", None):
        args.func(args)
        return 0
    from bench import real_text

    try:
        corpus = real_text.build(tuple(args.langs) if args.langs else real_text.LANGUAGES)
    except RuntimeError as e:
        print(f"profile: no corpus: {e}", flush=True)
        return 1
    with tempfile.TemporaryDirectory(prefix="roots-bench-profile-") as d:
        try:
            lines = profile(corpus, sorted(set(args.workers)), Path(d), args.cprofile, max(1, args.repeat))
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print(f"profile: failed: {e}", flush=True)
            return 1
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
