"""Engine-facing benchmarks: hot keys in dedup, and the whole pipeline's per-stage cost on a generated corpus.

    python -m bench.engines hotkeys     # peak RSS of an SDK worker for N vs 4N copies of one page / docs in one
                                        # LSH bucket (ROOTS_BENCH_HOT="50000,200000" by default)
    python -m bench.engines scale       # the full pipeline on ROOTS_BENCH_MB (default 200) MB on the FnApiRunner:
                                        # docs/s, MB/s, CPU s/GB per stage, shuffle bytes/doc, peak RSS

Hot keys run Dedup through Beam's PortableRunner with the SDK harness in a separate worker process (Beam's external
worker pool), so the worker's peak RSS is what grouped values cost a worker; the in-memory job service (the
"engine" here) holds every PCollection and grows with the data, which a real engine spills instead, so its figure is
printed for information. Per-stage figures come from Beam's own counters (``ptransform_execution_time``,
``element_count``, ``sampled_byte_size``), summed over each top-level stage. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

HOT_SIZES = os.environ.get("ROOTS_BENCH_HOT", "50000,200000")
SCALE_MB = float(os.environ.get("ROOTS_BENCH_MB", "200"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        time.sleep(0.2)
    raise RuntimeError(f"{proc.args} did not listen on {port} within {timeout:.0f} s")


def _hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


# --------------------------------------------------------------------------------------------------- hot keys
def hot_records(kind: str, n: int, start: int, stop: int):
    """Records ``start..stop`` of a hot corpus: ``copies`` = n copies of one 150-word page; ``bucket`` = n variants
    of another page (one word each differs), so they share their LSH buckets and form one near cluster."""
    import hashlib

    base = [f"hot{i:04d}x" for i in range(150)]
    for k in range(start, stop):
        words = list(base)
        if kind == "bucket":
            words[k % 150] = f"w{k:07d}z"
        doc = hashlib.sha1(f"{kind}{k}".encode()).hexdigest()[:16]
        yield {"id": doc, "text": " ".join(words), "source": "bench", "locator": f"bench#{k}", "language": "en",
               "lid_score": None, "meta": "{}", "path": None}


def hot_child(args: argparse.Namespace) -> None:
    """One Dedup run on a hot corpus through a PortableRunner job service + external worker pool."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from filters.dedup import DedupParams
    from pipeline.dedup import Dedup

    chunk = 2000
    options = PipelineOptions(["--runner", "PortableRunner", "--job_endpoint", args.job, "--environment_type",
                               "EXTERNAL", "--environment_config", args.pool])
    out = Path(args.out)
    t0 = time.perf_counter()
    with beam.Pipeline(options=options) as p:
        res = (
            p
            | beam.Create(list(range(0, args.n, chunk)))
            | beam.Reshuffle()
            | beam.FlatMap(lambda s, kind, n: hot_records(kind, n, s, min(n, s + chunk)), args.kind, args.n)
            | Dedup(DedupParams(max_rounds=args.rounds))
        )
        counts = (
            (res.kept | "K" >> beam.Map(lambda _: "kept"), res.removed | "R" >> beam.Map(lambda r: r["reason"]))
            | beam.Flatten()
            | beam.combiners.Count.PerElement()
            | beam.combiners.ToList()
        )
        counts | beam.Map(lambda c: out.write_text(json.dumps(dict(c))))
    print(json.dumps({"seconds": time.perf_counter() - t0, "counts": json.loads(out.read_text())}))


def _watch(stop: threading.Event, peak: dict[str, float], pool_pid: int, job_pid: int) -> None:
    """Keep the highest VmHWM of the pool's SDK worker processes and of the job service."""
    while not stop.wait(0.25):
        for pid in _children(pool_pid):
            peak["worker"] = max(peak["worker"], _hwm_mb(pid))
        peak["job"] = max(peak["job"], _hwm_mb(job_pid))


def hotkeys(sizes: list[int], rounds: int) -> None:
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    print(f"hot keys: Dedup (max_rounds={rounds}) on PortableRunner, SDK worker in a separate process; "
          f"sizes {sizes}", flush=True)
    rows = []
    for kind in ("copies", "bucket"):
        for n in sizes:
            job_port, pool_port = _free_port(), _free_port()
            job = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main",
                                    f"--port={job_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
            pool = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                                     f"--service_port={pool_port}"], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            peak = {"worker": 0.0, "job": 0.0}
            stop = threading.Event()

            watcher = threading.Thread(target=_watch, args=(stop, peak, pool.pid, job.pid), daemon=True)
            try:
                _wait_port(job_port, job)
                _wait_port(pool_port, pool)
                watcher.start()
                with tempfile.TemporaryDirectory() as d:
                    r = subprocess.run([sys.executable, "-m", "bench.engines", "hot-child", "--kind", kind,
                                        "--n", str(n), "--rounds", str(rounds), "--job", f"127.0.0.1:{job_port}",
                                        "--pool", f"127.0.0.1:{pool_port}", "--out", f"{d}/counts.json"],
                                       capture_output=True, text=True, timeout=7200)
                stop.set()
                watcher.join()
                if r.returncode:
                    print(f"  {kind} {n}: FAILED\n{r.stderr[-2000:]}", flush=True)
                    continue
                got = json.loads(r.stdout.strip().splitlines()[-1])
                rows.append((kind, n, peak["worker"], peak["job"], got))
                print(f"  {kind:<7} n={n:>7}: SDK worker peak RSS {peak['worker']:7.1f} MB, job service "
                      f"{peak['job']:7.1f} MB, {got['seconds']:6.1f} s, {got['counts']}", flush=True)
            finally:
                stop.set()
                for proc in (pool, job):
                    os.killpg(proc.pid, 9)
                    proc.wait(timeout=30)
    for kind in ("copies", "bucket"):
        mine = [r for r in rows if r[0] == kind]
        if len(mine) >= 2:
            lo, hi = mine[0], mine[-1]
            print(f"hot keys {kind}: SDK worker peak RSS {hi[1]} vs {lo[1]} docs: {hi[2] / lo[2]:.2f}x "
                  f"(goal <= 1.5x); job service (in-memory engine) {hi[3] / lo[3]:.2f}x", flush=True)


# --------------------------------------------------------------------------------------------------- scale
def _stage_of(label: str) -> str:
    return label.split("/", 1)[0]


def scale_child(args: argparse.Namespace) -> None:
    """The full pipeline on the FnApiRunner; prints Beam's counters summed per top-level stage as JSON."""
    import apache_beam as beam

    from manifests.schema import load_manifest
    from pipeline.ingest.plan import plan_units
    from pipeline.run import build_pipeline, make_runner, plan_run, prepare_out

    plan = plan_run(args.manifest, args.out)
    prepare_out(plan.out)
    manifest = load_manifest(args.manifest)
    p = beam.Pipeline(runner=make_runner(plan.options), options=plan.options)
    build_pipeline(p, manifest, plan_units(manifest), plan.out)
    proto = p.to_runner_api()
    gbk_inputs = {}
    for t in proto.components.transforms.values():
        if t.spec.urn == "beam:transform:group_by_key:v1":
            (pc,) = t.inputs.values()
            gbk_inputs[pc] = _stage_of(t.unique_name)
    t0, c0 = time.perf_counter(), time.process_time()
    result = p.run()
    result.wait_until_finish()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    from apache_beam.metrics import monitoring_infos as mi

    msecs: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = {}
    sizes: dict[str, float] = {}
    for infos in result._monitoring_infos_by_stage.values():  # the FnApiRunner's per-stage monitoring infos
        for info in infos:
            labels = info.labels
            if info.urn == "beam:metric:ptransform_execution_time:total_msecs:v1":
                msecs[_stage_of(labels["PTRANSFORM"])] += mi.extract_counter_value(info)
            elif info.urn == "beam:metric:element_count:v1" and labels.get("PCOLLECTION") in gbk_inputs:
                counts[labels["PCOLLECTION"]] = counts.get(labels["PCOLLECTION"], 0) + mi.extract_counter_value(info)
            elif info.urn == "beam:metric:sampled_byte_size:v1" and labels.get("PCOLLECTION") in gbk_inputs:
                n, total, _, _ = mi.extract_distribution(info)
                if n:
                    sizes[labels["PCOLLECTION"]] = total / n
    shuffle: dict[str, float] = defaultdict(float)
    for pc, stage in gbk_inputs.items():
        shuffle[stage] += counts.get(pc, 0) * sizes.get(pc, 0.0)
    report = json.loads((Path(plan.out) / "report.json").read_text()) if (Path(plan.out) / "report.json").exists() \
        else None
    print(json.dumps({"wall": wall, "cpu": cpu, "msecs": msecs, "shuffle": shuffle, "report": report,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def scale(total_mb: float, work: Path) -> None:
    from bench.datatrove_compare import make_corpus

    corpus = make_corpus(work / "corpus", total_mb)
    manifest = work / "scale.yaml"
    manifest.write_text("name: bench-scale\nsources:\n"
                        f"  - {{name: corpus, type: hf, path: json, data_files: '{corpus['dir']}/corpus-*.jsonl'}}\n",
                        encoding="utf-8")
    print(f"scale: {corpus['docs']} docs, {corpus['text_mb']:.1f} MB of text ({corpus['file_mb']:.1f} MB files), "
          f"full pipeline (sample manifest defaults) on the FnApiRunner, 1 worker", flush=True)
    r = subprocess.run([sys.executable, "-m", "bench.engines", "scale-child", "--manifest", str(manifest),
                        "--out", str(work / "out")], capture_output=True, text=True, timeout=4 * 3600)
    if r.returncode:
        print(f"scale: FAILED\n{r.stderr[-3000:]}")
        return
    got = json.loads(r.stdout.strip().splitlines()[-1])
    docs, gb = corpus["docs"], corpus["text_mb"] / 1000
    print(f"  whole run: {got['wall']:.1f} s wall, {got['cpu']:.1f} s CPU (driver+worker, one process), "
          f"{docs / got['wall']:.0f} docs/s, {corpus['text_mb'] / got['wall']:.2f} MB/s, "
          f"{got['cpu'] / gb:.0f} CPU s/GB, peak RSS {got['rss_mb']:.0f} MB")
    total_shuffle = sum(got["shuffle"].values())
    print(f"  shuffle: {total_shuffle / 1e6:.1f} MB, {total_shuffle / docs:.0f} bytes/doc (encoded GroupByKey inputs)")
    print(f"  {'stage':<16}{'seconds':>9}{'docs/s':>10}{'MB/s':>8}{'CPU s/GB':>10}{'shuffle B/doc':>15}")
    for stage, ms in sorted(got["msecs"].items(), key=lambda kv: -kv[1]):
        s = ms / 1000
        if s < 0.05 and not got["shuffle"].get(stage):
            continue
        print(f"  {stage:<16}{s:9.1f}{docs / s if s else float('inf'):10.0f}"
              f"{corpus['text_mb'] / s if s else float('inf'):8.2f}{s / gb:10.0f}"
              f"{got['shuffle'].get(stage, 0) / docs:15.0f}")
    if got["report"]:
        rep = got["report"]
        print(f"  report: input {rep.get('input_docs')} kept {rep.get('kept_docs')} counts_add_up "
              f"{rep.get('counts_add_up')}", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.engines")
    sub = p.add_subparsers(dest="cmd")
    h = sub.add_parser("hotkeys")
    h.add_argument("--sizes", default=HOT_SIZES)
    h.add_argument("--rounds", type=int, default=4)
    s = sub.add_parser("scale")
    s.add_argument("--mb", type=float, default=SCALE_MB)
    hc = sub.add_parser("hot-child")
    for a in ("--kind", "--job", "--pool", "--out"):
        hc.add_argument(a, required=True)
    hc.add_argument("--n", type=int, required=True)
    hc.add_argument("--rounds", type=int, required=True)
    sc = sub.add_parser("scale-child")
    sc.add_argument("--manifest", required=True)
    sc.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.cmd == "hotkeys":
        hotkeys([int(x) for x in args.sizes.split(",")], args.rounds)
    elif args.cmd == "scale":
        with tempfile.TemporaryDirectory() as d:
            scale(args.mb, Path(d))
    elif args.cmd == "hot-child":
        hot_child(args)
    elif args.cmd == "scale-child":
        scale_child(args)
    else:
        p.print_help()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
