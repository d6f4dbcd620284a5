"""Dedup quality and speed benchmarks.

Quality (:func:`evaluate`): a deterministic corpus (English-like word documents and Chinese-like character
documents) with planted near duplicates: substitutions, insertions, deletions, block moves, appended tails and
case/punctuation-only copies, each made to land at a chosen Jaccard level around and across the threshold, some
derived from other variants so clusters chain. The truth is computed exactly over *all* pairs (an inverted index of
shingles finds every pair sharing at least one; all other pairs have Jaccard 0): true pairs are those with exact
Jaccard ≥ threshold, and the true removed set is every document but the smallest id of each connected component of
true pairs. The Beam ``Dedup`` runs on the corpus (DirectRunner) and we report

* document level: precision/recall of the removed set against the true removed set (the main figure);
* pair level: precision/recall of "same cluster" pairs (pair counting over predicted vs true clusters), and the
  recall of true pairs themselves (both documents end in one predicted cluster);
* per Jaccard bin of the planted (variant, parent) pairs: how often the two ended in one cluster.

Speed (:func:`bench_signatures`, :func:`bench_dedup`): signature throughput of our numpy batch vs
``datasketch.MinHash.bulk`` on the same shingles (checked identical), and the whole Beam ``Dedup`` on a generated
corpus of ``total_mb`` MB read from JSONL, timed in a child process that reports its own peak RSS (``VmHWM``; the
parent reads the child's CPU time with ``os.wait4``).

Run: ``python -m bench.dedup_eval`` (quality + signatures + 50 MB and 100 MB), or ``--eval``, ``--sig``,
``--speed 50 100``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from filters.dedup import DedupParams, exact_jaccard, hash_shingles, minhash_signatures, shingle_hash, shingles
from pipeline.dedup import union_find_labels

# Jaccard levels the variants are aimed at (the actual value is measured exactly, at or just below the level)
LEVELS = (0.3, 0.5, 0.6, 0.7, 0.75, 0.85, 0.9, 0.95, 0.98)
EDIT_KINDS = ("substitute", "insert", "delete", "move", "append", "mixed")
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["qu", "sh", "th", "ch", "ng"]


# --------------------------------------------------------------------------------------------------- corpus


def make_vocab(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct pronounceable pseudo-words."""
    seen: set[str] = set()
    while len(seen) < n:
        seen.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(seen)


def render_words(tokens: list[str]) -> str:
    """Words as prose: capitalised sentences of 12 words with a full stop (punctuation and case don't count)."""
    out = []
    for i, w in enumerate(tokens):
        out.append(w.capitalize() if i % 12 == 0 else w)
        if i % 12 == 11:
            out[-1] += "."
    return " ".join(out)


def render_chars(tokens: list[str]) -> str:
    """Characters as Chinese-like prose with a comma every 9 and a full stop every 27 characters."""
    out = []
    for i, c in enumerate(tokens):
        out.append(c)
        if i % 27 == 26:
            out.append("。")
        elif i % 9 == 8:
            out.append("，")
    return "".join(out)


def _edit(rng: random.Random, kind: str, alphabet: list[str]) -> Callable[[list[str]], None]:
    """One random in-place edit of a token list (positions as fractions so any edit fits any length)."""
    if kind == "mixed":
        kind = rng.choice(EDIT_KINDS[:-2])
    f, g, tok, span = rng.random(), rng.random(), rng.choice(alphabet), rng.randint(5, 30)

    def apply(t: list[str]) -> None:
        n = len(t)
        if kind == "substitute" and n:
            t[int(f * n)] = tok
        elif kind == "insert" or kind == "append":
            t.insert(n if kind == "append" else int(f * (n + 1)), tok)
        elif kind == "delete" and n > 1:
            del t[int(f * n)]
        elif kind == "move" and n > span:
            start = int(f * (n - span))
            block = t[start : start + span]
            del t[start : start + span]
            at = int(g * (len(t) + 1))
            t[at:at] = block

    return apply


def variant_at(
    rng: random.Random, parent: list[str], target: float, kind: str, alphabet: list[str], jac: Callable
) -> tuple[list[str], float]:
    """Apply edits of ``kind`` from one random sequence until Jaccard with ``parent`` is closest to ``target``."""
    edits = [_edit(rng, kind, alphabet) for _ in range(len(parent))]

    def with_k(k: int) -> list[str]:
        t = list(parent)
        for e in edits[:k]:
            e(t)
        return t

    lo, hi = 1, len(edits)
    while lo < hi:  # Jaccard falls (almost) monotonically with the number of edits: binary search
        mid = (lo + hi) // 2
        if jac(parent, with_k(mid)) <= target:
            hi = mid
        else:
            lo = mid + 1
    below, j_below = with_k(lo), jac(parent, with_k(lo))
    above = with_k(lo - 1)  # one edit fewer: Jaccard above the target (one edit can move it by several points)
    j_above = jac(parent, above)
    if lo > 1 and j_above - target < target - j_below:
        return above, j_above
    return below, j_below


def build_eval_corpus(
    seed: int = 0, n_word_docs: int = 1000, n_char_docs: int = 250, params: DedupParams | None = None
) -> tuple[list[dict], list[tuple[str, str, float]]]:
    """Records with planted duplicates, and the planted ``(variant id, parent id, exact Jaccard)`` triples."""
    params = params or DedupParams()
    rng = random.Random(seed)
    vocab = make_vocab(rng, 30000)
    hanzi = [chr(0x4E00 + i) for i in range(3500)]
    records: list[dict] = []
    planted: list[tuple[str, str, float]] = []

    def new_id() -> str:
        return f"{rng.getrandbits(64):016x}"

    for lang, n_docs, alphabet, render, length in (
        ("en", n_word_docs, vocab, render_words, (120, 400)),
        ("zh-hans", n_char_docs, hanzi, render_chars, (300, 900)),
    ):

        def jac(a: list[str], b: list[str], lang: str = lang, render: Callable = render) -> float:
            return exact_jaccard(shingles(render(a), lang, params), shingles(render(b), lang, params))

        for _ in range(n_docs):
            base = [rng.choice(alphabet) for _ in range(rng.randint(*length))]
            cluster = [(new_id(), base)]
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                parent_id, parent = rng.choice(cluster)  # variants of variants make chains
                if rng.random() < 0.08:  # same words, other case/punctuation/spacing: an exact duplicate
                    text = render(parent).upper().replace(" ", "  ").replace(".", "!")
                    vid = new_id()
                    records.append(_rec(vid, text, lang, f"src{rng.randint(0, 2)}"))
                    planted.append((vid, parent_id, 1.0))
                    continue
                tokens, j = variant_at(rng, parent, rng.choice(LEVELS), rng.choice(EDIT_KINDS), alphabet, jac)
                vid = new_id()
                cluster.append((vid, tokens))
                planted.append((vid, parent_id, j))
            for doc_id, tokens in cluster:
                records.append(_rec(doc_id, render(tokens), lang, f"src{rng.randint(0, 2)}"))
    return records, planted


def _rec(doc_id: str, text: str, language: str, source: str) -> dict:
    return {
        "id": doc_id,
        "text": text,
        "source": source,
        "locator": f"{source}#{doc_id}",
        "language": language,
        "lid_score": None,
        "meta": "{}",
        "path": None,
    }


# --------------------------------------------------------------------------------------------------- truth


def true_pairs(records: list[dict], params: DedupParams) -> dict[tuple[str, str], float]:
    """Every pair (within a language) with exact shingle Jaccard ≥ threshold → its Jaccard."""
    sets = {r["id"]: set(shingles(r["text"], r["language"], params)) for r in records}
    lang = {r["id"]: r["language"] for r in records}
    index: dict[tuple[str, bytes], list[str]] = defaultdict(list)
    for doc_id, s in sets.items():
        for sh in s:
            index[(lang[doc_id], sh)].append(doc_id)
    candidates = {(a, b) if a < b else (b, a) for ids in index.values() for a in ids for b in ids if a != b}
    out = {}
    for a, b in candidates:
        j = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        if j >= params.threshold:
            out[(a, b)] = j
    return out


def clusters_of(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """id → smallest id of its connected component, for ids in ``pairs`` (the pipeline's own union-find)."""
    return dict(union_find_labels(pairs))


def _pr(predicted: set, truth: set) -> tuple[float, float]:
    tp = len(predicted & truth)
    return (tp / len(predicted) if predicted else 1.0), (tp / len(truth) if truth else 1.0)


def _same_cluster_pairs(label: dict[str, str]) -> set[tuple[str, str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for x, m in label.items():
        members[m].append(x)
    return {(a, b) for ms in members.values() for a in ms for b in ms if a < b}


# --------------------------------------------------------------------------------------------------- Beam run


def run_dedup(records: list[dict], params: DedupParams, workdir: Path, **options: Any) -> tuple[list[dict], dict]:
    """Run the Beam ``Dedup`` on ``records`` (DirectRunner): the removed records and the stats dict."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.dedup import Dedup

    with beam.Pipeline(options=PipelineOptions(flags=[], runner="DirectRunner", **options)) as p:
        out = p | beam.Create(records) | Dedup(params)
        _write(out.removed | "Slim" >> beam.Map(_slim), workdir / "removed")
        _write(out.stats, workdir / "stats")
    return _read(workdir / "removed"), _read(workdir / "stats")[0]


def _slim(r: dict) -> dict:
    return {k: r[k] for k in ("id", "language", "reason", "value", "duplicate_of")}


def _write(pcoll: Any, prefix: Path) -> None:
    import apache_beam as beam

    label = prefix.name
    (
        pcoll
        | f"Json_{label}" >> beam.Map(json.dumps)
        | f"Write_{label}" >> beam.io.WriteToText(str(prefix), shard_name_template="")
    )


def _read(path: Path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --------------------------------------------------------------------------------------------------- quality


def evaluate(seed: int = 0, n_word_docs: int = 1000, n_char_docs: int = 250, params: DedupParams | None = None) -> dict:
    """Precision/recall of the Beam dedup against exact all-pairs truth on a planted corpus; prints a summary."""
    params = params or DedupParams()
    t0 = time.perf_counter()
    records, planted = build_eval_corpus(seed, n_word_docs, n_char_docs, params)
    pairs = true_pairs(records, params)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        removed, stats = run_dedup(records, params, Path(tmp))
    t2 = time.perf_counter()

    true_label = clusters_of(pairs)
    true_removed = {x for x, m in true_label.items() if x != m}
    pred_label = clusters_of((r["id"], r["duplicate_of"]) for r in removed)
    pred_removed = {r["id"] for r in removed}
    doc_p, doc_r = _pr(pred_removed, true_removed)
    true_cp, pred_cp = _same_cluster_pairs(true_label), _same_cluster_pairs(pred_label)
    pair_p, pair_r = _pr(pred_cp, true_cp)
    found = sum(1 for a, b in pairs if pred_label.get(a, a) == pred_label.get(b, b))
    bins: dict[str, Counter] = defaultdict(Counter)
    for v, parent, j in planted:
        key = "1.0 (exact)" if j == 1.0 else f"{int(j * 20) / 20:.2f}-{int(j * 20) / 20 + 0.05:.2f}"
        bins[key]["pairs"] += 1
        bins[key]["same_cluster"] += pred_label.get(v, v) == pred_label.get(parent, parent)
    result = {
        "docs": len(records),
        "planted_pairs": len(planted),
        "true_pairs": len(pairs),
        "true_removed": len(true_removed),
        "pred_removed": len(pred_removed),
        "doc_precision": doc_p,
        "doc_recall": doc_r,
        "pair_precision": pair_p,
        "pair_recall": pair_r,
        "true_pair_recall": found / len(pairs) if pairs else 1.0,
        "bins": {k: dict(v) for k, v in sorted(bins.items())},
        "stats": stats,
        "seconds_corpus_and_truth": round(t1 - t0, 2),
        "seconds_beam": round(t2 - t1, 2),
    }
    print(f"eval: {len(records)} docs, {len(planted)} planted pairs, {len(pairs)} true pairs (J>={params.threshold})")
    print(f"  removed: true {len(true_removed)}, predicted {len(pred_removed)}")
    print(f"  document level: precision {doc_p:.4f}  recall {doc_r:.4f}")
    print(f"  pair level (same cluster): precision {pair_p:.4f}  recall {pair_r:.4f}; true-pair recall "
          f"{result['true_pair_recall']:.4f}")  # fmt: skip
    print("  planted (variant, parent) pairs by exact Jaccard: ended in one cluster / pairs")
    for k, v in result["bins"].items():
        print(f"    {k:>12}: {v['same_cluster']:4d} / {v['pairs']:4d}")
    print(f"  stats: {json.dumps(stats)}")
    print(f"  time: corpus+truth {t1 - t0:.1f} s, Beam dedup {t2 - t1:.1f} s")
    return result


# --------------------------------------------------------------------------------------------------- speed


def bench_signatures(n_docs: int = 10000, seed: int = 1) -> dict:
    """docs/s of our batch signatures vs ``datasketch.MinHash.bulk`` on the same shingles (asserted identical)."""
    import numpy as np
    from datasketch import MinHash

    params = DedupParams()
    rng = random.Random(seed)
    vocab = make_vocab(rng, 30000)
    texts = [render_words([rng.choice(vocab) for _ in range(rng.randint(150, 600))]) for _ in range(n_docs)]
    t0 = time.perf_counter()
    sh = [shingles(t, "en", params) for t in texts]
    t1 = time.perf_counter()
    hv = [hash_shingles(s) for s in sh]
    t2 = time.perf_counter()
    ours = minhash_signatures(hv, params.num_perm, params.seed)
    t3 = time.perf_counter()
    bulk = MinHash.bulk(sh, num_perm=params.num_perm, seed=params.seed, hashfunc=shingle_hash, scheme="affine32")
    t4 = time.perf_counter()
    assert all(np.array_equal(a, m.hashvalues) for a, m in zip(ours, bulk, strict=True)), "signatures differ"
    res = {
        "docs": n_docs,
        "avg_chars": sum(map(len, texts)) / n_docs,
        "shingling_docs_per_s": n_docs / (t1 - t0),
        "ours_hash_and_minhash_docs_per_s": n_docs / (t3 - t1),
        "ours_minhash_only_docs_per_s": n_docs / (t3 - t2),
        "datasketch_bulk_docs_per_s": n_docs / (t4 - t3),
        "ours_end_to_end_docs_per_s": n_docs / (t3 - t0),
    }
    print(f"signatures on {n_docs} docs (avg {res['avg_chars']:.0f} chars), "
          f"num_perm {DedupParams().num_perm}, identical to datasketch:")
    print(f"  shingling {res['shingling_docs_per_s']:.0f} docs/s")
    print(f"  ours: xxh32 + numpy MinHash {res['ours_hash_and_minhash_docs_per_s']:.0f} docs/s "
          f"(MinHash part alone {res['ours_minhash_only_docs_per_s']:.0f} docs/s)")  # fmt: skip
    print(f"  datasketch MinHash.bulk(hashfunc=xxh32) {res['datasketch_bulk_docs_per_s']:.0f} docs/s")
    print(f"  ours end to end (shingles + signature) {res['ours_end_to_end_docs_per_s']:.0f} docs/s")
    return res


def write_speed_corpus(directory: Path, total_mb: float, seed: int = 2) -> dict:
    """JSONL files of ~``total_mb`` MB of text: random-word docs of 1-6 KB, ~10 % near and ~3 % exact duplicates."""
    rng = random.Random(seed)
    vocab = make_vocab(rng, 50000)
    target = int(total_mb * 1_000_000)
    size = docs = shard = 0
    recent: list[list[str]] = []
    directory.mkdir(parents=True, exist_ok=True)
    f = None
    while size < target:
        if f is None or docs % 5000 == 0:
            if f:
                f.close()
            f = open(directory / f"part-{shard:03d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            shard += 1
        u = rng.random()
        if recent and u < 0.10:
            tokens = list(rng.choice(recent))
            for _ in range(rng.randint(1, len(tokens) // 15)):
                tokens[rng.randrange(len(tokens))] = rng.choice(vocab)
        elif recent and u < 0.13:
            tokens = rng.choice(recent)
        else:
            tokens = rng.choices(vocab, k=rng.randint(150, 900))
        recent = (recent + [tokens])[-200:]
        text = render_words(tokens)
        f.write(json.dumps(_rec(f"{rng.getrandbits(64):016x}", text, "en", f"src{docs % 3}")) + "\n")
        size += len(text.encode("utf-8"))
        docs += 1
    if f:
        f.close()
    return {"docs": docs, "text_bytes": size}


def _peak_rss_mib() -> float:
    """This process's peak RSS (``VmHWM``), in MiB.

    Not ``getrusage``: Linux carries the parent's high-water mark over ``fork``/``exec`` into the child's
    ``ru_maxrss``, so a child of a big parent would report the parent's peak; ``VmHWM`` belongs to the child's own
    address space.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_signatures(directory: str) -> None:
    from filters.dedup import signatures_batch

    params = DedupParams()
    texts = [json.loads(line)["text"] for p in sorted(Path(directory).glob("*.jsonl")) for line in open(p)]
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), 256):
        signatures_batch(texts[i : i + 256], ["en"] * len(texts[i : i + 256]), params)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"docs": len(texts), "seconds": seconds, "cpu": cpu, "peak_rss_mib": _peak_rss_mib()}))


def _child_pipeline(directory: str, out: str) -> None:
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.dedup import Dedup

    t0 = time.perf_counter()
    with beam.Pipeline(options=PipelineOptions(flags=[], runner="DirectRunner")) as p:
        records = p | beam.io.ReadFromText(os.path.join(directory, "*.jsonl")) | beam.Map(json.loads)
        res = records | Dedup(DedupParams())
        _write(res.kept | "KeptId" >> beam.Map(lambda r: r["id"]), Path(out) / "kept")
        _write(res.removed | "Slim" >> beam.Map(_slim), Path(out) / "removed")
        _write(res.stats, Path(out) / "stats")
    seconds = time.perf_counter() - t0
    kept = len(Path(out, "kept").read_text().splitlines())
    stats = _read(Path(out) / "stats")[0]
    print(json.dumps({"seconds": seconds, "kept": kept, "stats": stats, "peak_rss_mib": _peak_rss_mib()}))


def _run_child(args: list[str]) -> tuple[dict, float, float]:
    """Run this module with ``args`` in a child process: its JSON result, wall seconds and CPU seconds (user+sys)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.dedup_eval", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    stdout = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed with {proc.returncode}")
    return json.loads(stdout.decode().strip().splitlines()[-1]), wall, usage.ru_utime + usage.ru_stime


def bench_dedup(total_mb: float, workdir: str | None = None) -> dict:
    """Signature throughput and the full Beam dedup (DirectRunner, 1 process) on ~``total_mb`` MB; prints figures."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        data = Path(tmp) / "data"
        info = write_speed_corpus(data, total_mb)
        sig, _, sig_cpu = _run_child(["--child-signatures", str(data)])
        pipe, pipe_wall, pipe_cpu = _run_child(["--child-pipeline", str(data), tmp])
    mb = info["text_bytes"] / 1e6
    res = {
        "mb": mb,
        "docs": info["docs"],
        "signature_docs_per_s": sig["docs"] / sig["seconds"],
        "signature_docs_per_cpu_s": sig["docs"] / sig["cpu"],
        "signature_mb_per_s": mb / sig["seconds"],
        "signature_child_peak_rss_mib": sig["peak_rss_mib"],
        "pipeline_seconds": pipe["seconds"],
        "pipeline_docs_per_s": info["docs"] / pipe["seconds"],
        "pipeline_child_wall_seconds": pipe_wall,
        "pipeline_child_cpu_seconds": pipe_cpu,
        "pipeline_peak_rss_mib": pipe["peak_rss_mib"],
        "kept": pipe["kept"],
        "stats": pipe["stats"],
    }
    print(f"dedup speed on {mb:.1f} MB, {info['docs']} docs:")
    print(f"  signatures (all texts in memory, batches of 256): {res['signature_docs_per_s']:.0f} docs/s "
          f"({res['signature_mb_per_s']:.1f} MB/s; {res['signature_docs_per_cpu_s']:.0f} docs per CPU second), "
          f"child peak RSS {sig['peak_rss_mib']:.0f} MiB")  # fmt: skip
    print(f"  Beam Dedup (DirectRunner, 1 process, JSONL in): {pipe['seconds']:.1f} s, "
          f"{res['pipeline_docs_per_s']:.0f} docs/s, child CPU {pipe_cpu:.1f} s, peak RSS "
          f"{pipe['peak_rss_mib']:.0f} MiB; kept {pipe['kept']}, exact removed {pipe['stats']['exact_removed']}, "
          f"near removed {pipe['stats']['near_removed']}")  # fmt: skip
    return res


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", action="store_true", help="quality: precision/recall on the planted corpus")
    ap.add_argument("--sig", action="store_true", help="signature speed vs datasketch")
    ap.add_argument("--speed", type=float, nargs="*", help="MB sizes for the full Beam dedup timing")
    ap.add_argument("--seed", type=int, default=0, help="seed of the quality corpus")
    ap.add_argument("--num-perm", type=int, default=256, help="MinHash permutations for the quality run")
    ap.add_argument("--child-signatures", help=argparse.SUPPRESS)
    ap.add_argument("--child-pipeline", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_signatures:
        return _child_signatures(args.child_signatures)
    if args.child_pipeline:
        return _child_pipeline(*args.child_pipeline)
    everything = not (args.eval or args.sig or args.speed is not None)
    if args.eval or everything:
        evaluate(seed=args.seed, params=DedupParams(num_perm=args.num_perm))
    if args.sig or everything:
        bench_signatures()
    results = [bench_dedup(mb) for mb in args.speed or ([50, 100] if everything else [])]
    for small, big in zip(results, results[1:], strict=False):
        print(f"dedup growth {small['mb']:.0f} MB -> {big['mb']:.0f} MB (x{big['mb'] / small['mb']:.2f} input): "
              f"time x{big['pipeline_seconds'] / small['pipeline_seconds']:.2f}, "
              f"docs/s x{big['pipeline_docs_per_s'] / small['pipeline_docs_per_s']:.2f}, "
              f"peak RSS x{big['pipeline_peak_rss_mib'] / small['pipeline_peak_rss_mib']:.2f}")


if __name__ == "__main__":
    main()
