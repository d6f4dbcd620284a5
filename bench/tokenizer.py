"""Throughput benchmark: ``roots tokenizer`` against raw ``tokenizers`` training on the same text.

``bench_tokenizer(total_mb=100)`` writes a deterministic synthetic multilingual corpus (word lists made up per script
from Unicode letter ranges, Zipf-distributed, no downloads) as Arrow shards + ``index.json`` in the pipeline's layout,
trains the manifest's tokenizer from them (BLOOM settings, vocab 250,680, whole corpus as the sample) and then, on the
very text that run trained on (dumped to a file first), times ``Tokenizer.train([file])`` with the same model,
pre-tokenizer and trainer. Each side runs in its own process so its peak RSS is its own. Overhead is what the
streaming, sampling, hashing and dedup add to the training time; the goal is <= 15 %.

Run: ``python -m bench.tokenizer --total-mb 100 --out /tmp/roots-bench``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import yaml

REPO = Path(__file__).resolve().parents[1]

#: Share of corpus bytes per language, roughly BLOOM's mix (en large, code and zh big, Indic and others small).
MIX = {
    "en": 0.28, "zh-hans": 0.15, "fr": 0.11, "es": 0.09, "code-python": 0.12, "pt": 0.05, "ar": 0.04, "vi": 0.03,
    "hi": 0.025, "id": 0.02, "ja": 0.02, "bn": 0.015, "ur": 0.01, "ta": 0.01, "ru": 0.01,
}  # fmt: skip


def _chars(lo: int, hi: int) -> list[str]:
    return [chr(c) for c in range(lo, hi + 1)]


#: (consonant-like, vowel-like) symbols per language; a syllable is one of each, a word 1-4 syllables.
_SYLLABLES: dict[str, tuple[list[str], list[str]]] = {
    "en": (list("bcdfghjklmnprstvwy") + ["th", "sh", "ch", "st"], list("aeiou") + ["ea", "ou", "ee"]),
    "fr": (list("bcdfglmnprstv") + ["ch", "qu"], list("aeiou") + ["é", "è", "ê", "à", "ou", "eau", "ai"]),
    "es": (list("bcdfglmnprstv") + ["ñ", "ll", "rr"], list("aeiou") + ["á", "é", "í", "ó", "ú", "ue", "ie"]),
    "pt": (list("bcdfglmnprstv") + ["lh", "nh", "ç"], list("aeiou") + ["ã", "õ", "á", "é", "ão", "ê"]),
    "id": (list("bcdghjklmnprstw") + ["ng", "ny"], list("aeiou")),
    "vi": (list("bcdghklmnpqrstvx") + ["đ", "ng", "nh", "tr"], list("ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")),
    "ru": (_chars(0x0431, 0x0437) + _chars(0x043A, 0x043D) + _chars(0x043F, 0x0442), list("аеиоуыэюяё")),
    "ar": (_chars(0x0628, 0x063A) + _chars(0x0641, 0x064A), ["ا", "و", "ي", ""]),
    "ur": (_chars(0x0628, 0x063A) + ["ٹ", "ڈ", "ڑ", "ک", "گ"], ["ا", "و", "ی", "ے", "ں", ""]),
    "hi": (_chars(0x0915, 0x0939), _chars(0x093E, 0x094C) + [""]),
    "bn": (_chars(0x0995, 0x09B9), _chars(0x09BE, 0x09C4) + ["ে", "ো", ""]),
    "ta": (_chars(0x0B95, 0x0BB9), _chars(0x0BBE, 0x0BC2) + ["ெ", "ே", "ொ", "்"]),
}
_SENTENCE_END = {"zh-hans": "。", "ja": "。", "hi": "।", "bn": "।", "ur": "۔", "ar": ".", "ta": "."}
_CODE_WORDS = "def return if elif else for while in range import from class self None True False len print".split()


def _zipf(n: int, s: float = 1.07) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** s
    return p / p.sum()


def make_vocabulary(lang: str, rng: np.random.Generator, n_words: int = 20_000) -> list[str]:
    """``n_words`` distinct made-up words in ``lang``'s script (characters for zh/ja word pieces)."""
    if lang in ("zh-hans", "ja"):
        han = _chars(0x4E00, 0x4E00 + 2999)
        kana = _chars(0x3041, 0x3093) if lang == "ja" else []
        pool = han + kana * 3
        out: dict[str, None] = {}
        while len(out) < n_words:
            k = int(rng.integers(1, 4))
            out["".join(pool[i] for i in rng.integers(0, len(pool), k))] = None
        return list(out)
    if lang == "code-python":
        stems = make_vocabulary("en", rng, n_words // 2)
        return [f"{a}_{b}" for a, b in zip(stems, stems[1:] + stems[:1], strict=True)]
    cons, vows = _SYLLABLES[lang]
    out = {}
    while len(out) < n_words:
        k = int(rng.integers(1, 5))
        out["".join(cons[rng.integers(len(cons))] + vows[rng.integers(len(vows))] for _ in range(k))] = None
    return list(out)


def _code_doc(words: list[str], idx: list[int], rng: np.random.Generator) -> str:
    lines, i = [], 0
    while i + 4 <= len(idx):
        a, b, c = (words[j] for j in idx[i : i + 3])
        kw = _CODE_WORDS[idx[i + 3] % len(_CODE_WORDS)]
        lines.append(f"def {a}({b}, {c}):\n    if {b} {kw} {c}:\n        return {a}({c}) + {int(rng.integers(100))}\n")
        i += 4
    return "\n".join(lines)


def synth_docs(lang: str, target_bytes: int, seed: int) -> Iterator[str]:
    """Documents of ``lang`` until ``target_bytes`` (UTF-8) are produced; deterministic in ``(lang, seed)``."""
    rng = np.random.default_rng([seed, int.from_bytes(hashlib.sha1(lang.encode()).digest()[:4], "big")])
    words = make_vocabulary(lang, rng)
    p = _zipf(len(words))
    sep = "" if lang in ("zh-hans", "ja") else " "
    end = _SENTENCE_END.get(lang, ".")
    made = 0
    while made < target_bytes:
        idx = rng.choice(len(words), size=int(rng.integers(80, 700)), p=p).tolist()
        if lang == "code-python":
            doc = _code_doc(words, idx, rng)
        else:
            lines, i = [], 0
            while i < len(idx):
                n = int(rng.integers(6, 20))
                lines.append(sep.join(words[j] for j in idx[i : i + n]) + end)
                i += n
            doc = "\n".join(lines)
        made += len(doc.encode("utf-8"))
        yield doc


def _write_shard(path: Path, lang: str, docs: list[tuple[str, str]]) -> dict[str, Any]:
    docs.sort()
    n = len(docs)
    table = pa.table(
        {
            "id": [d[0] for d in docs],
            "text": [d[1] for d in docs],
            "language": [lang] * n,
            "source": ["bench"] * n,
            "lid_score": pa.array([None] * n, type=pa.float64()),
            "meta": ["{}"] * n,
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with ipc.new_file(str(path), table.schema) as w:
        w.write_table(table, max_chunksize=1024)
    data_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"language": lang, "rows": n, "bytes": path.stat().st_size, "sha256": data_sha}


def write_synthetic_shards(shards_dir: Path, total_mb: float, seed: int = 0, shard_mb: float = 32) -> int:
    """Write the synthetic corpus as ``<lang>/<lang>-NNNNN.arrow`` + ``index.json``; return its text bytes."""
    total = int(total_mb * 1e6)
    entries, written = [], 0
    for lang, share in MIX.items():
        target = max(1, int(total * share / sum(MIX.values()))) + 1
        part: list[tuple[str, str]] = []
        part_bytes, k = 0, 0
        for n, doc in enumerate(synth_docs(lang, target, seed)):
            part.append((hashlib.sha1(f"bench:{lang}:{n}".encode()).hexdigest()[:16], doc))
            size = len(doc.encode("utf-8"))
            part_bytes += size
            written += size
            if part_bytes >= shard_mb * 1e6:
                rel = f"{lang}/{lang}-{k:05d}.arrow"
                entries.append({"path": rel, **_write_shard(shards_dir / rel, lang, part)})
                part, part_bytes, k = [], 0, k + 1
        if part:
            rel = f"{lang}/{lang}-{k:05d}.arrow"
            entries.append({"path": rel, **_write_shard(shards_dir / rel, lang, part)})
    index = {"version": 1, "shards": sorted(entries, key=lambda e: e["path"])}
    (shards_dir / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    return written


_OURS = """
import json, sys
from tokenizer.run import train_from_manifest
r = train_from_manifest(sys.argv[1], sys.argv[2], gpt2_baseline=False)
print(json.dumps({"timings": r.timings, "cpu_timings": r.cpu_timings, "peak_rss_mb": r.report["peak_rss_mb"],
                  "sha256": r.tokenizer_sha256, "vocab_size": r.report["vocab_size"]}))
"""

_RAW = """
import hashlib, json, resource, sys, time
from tokenizer.config import load_manifest
from tokenizer.train import new_tokenizer, new_trainer, to_json_bytes
config = load_manifest(sys.argv[1]).tokenizer
tok, trainer = new_tokenizer(config.pre_tokenizer), new_trainer(config)
t, c = time.perf_counter(), time.process_time()
tok.train([sys.argv[2]], trainer)
seconds, cpu = time.perf_counter() - t, time.process_time() - c
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"train_seconds": seconds, "train_cpu_seconds": cpu, "peak_rss_mb": rss,
                  "sha256": hashlib.sha256(to_json_bytes(tok)).hexdigest(), "vocab_size": tok.get_vocab_size()}))
"""


def run_child(code: str, args: list[str], threads: int | None = None) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter (its own peak memory, its own thread count) and return the JSON object
    it prints last."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _dump_sample(manifest_path: Path, text_path: Path) -> int:
    """Write exactly the texts ``roots tokenizer`` trains on (after sampling and dedup), one after another."""
    from tokenizer.config import load_manifest
    from tokenizer.sampling import SampleStream, plan_sample, scan
    from tokenizer.shards import resolve_shards

    manifest = load_manifest(manifest_path)
    shards = resolve_shards(manifest)
    plan = plan_sample(shards, manifest.tokenizer, scan(shards, manifest.tokenizer))
    n = 0
    with open(text_path, "w", encoding="utf-8") as f:
        for texts in SampleStream(plan, manifest.tokenizer):
            for t in texts:
                f.write(t)
                f.write("\n")
                n += len(t.encode("utf-8")) + 1
    return n


def bench_tokenizer(
    total_mb: float = 100,
    out_dir: str | os.PathLike | None = None,
    vocab_size: int = 250_680,
    seed: int = 0,
    check_threads: bool = True,
    verbose: bool = True,
) -> dict[str, Any]:
    """Run the benchmark (see module docstring) and return (and, if ``verbose``, print) its figures."""
    root = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="roots-bench-"))
    shards_dir = root / "shards"
    corpus_bytes = write_synthetic_shards(shards_dir, total_mb, seed)
    manifest = root / "bench_tokenizer.yaml"
    manifest.write_text(
        yaml.safe_dump({"tokenizer": {"shards": "shards/index.json", "vocab_size": vocab_size, "sample_bytes": 10**13}})
    )
    sample_path = root / "sample.txt"
    sample_bytes = _dump_sample(manifest, sample_path)
    raw = run_child(_RAW, [str(manifest), str(sample_path)])
    ours = run_child(_OURS, [str(manifest), str(root / "ours")])
    for kind, t in (("", ours["timings"]), ("_cpu", ours["cpu_timings"])):
        ours[f"train{kind}_seconds"] = t["train"]
        ours[f"tokenizer{kind}_seconds"] = t["hash_shards"] + t["scan"] + t["plan"] + t["train"]
    result: dict[str, Any] = {
        "corpus_bytes": corpus_bytes,
        "sample_text_bytes": sample_bytes,
        "vocab_size_requested": vocab_size,
        "ours": ours,
        "raw": raw,
        "overhead_train_pct": 100 * (ours["train_seconds"] / raw["train_seconds"] - 1),
        "overhead_total_pct": 100 * (ours["tokenizer_seconds"] / raw["train_seconds"] - 1),
        "overhead_train_cpu_pct": 100 * (ours["train_cpu_seconds"] / raw["train_cpu_seconds"] - 1),
        "overhead_total_cpu_pct": 100 * (ours["tokenizer_cpu_seconds"] / raw["train_cpu_seconds"] - 1),
        "same_tokenizer_as_raw": ours["sha256"] == raw["sha256"],
    }
    if check_threads:
        one = run_child(_OURS, [str(manifest), str(root / "ours_1thread")], threads=1)
        result["one_thread"] = {
            "train_seconds": one["timings"]["train"],
            "same_sha256": one["sha256"] == ours["sha256"],
        }
    if verbose:
        print(format_result(result))
    return result


def format_result(r: dict[str, Any]) -> str:
    """Human-readable summary of ``bench_tokenizer``'s figures (wall seconds, CPU seconds in brackets)."""
    o, raw, t = r["ours"], r["raw"], r["ours"]["timings"]
    lines = [
        f"corpus {r['corpus_bytes'] / 1e6:.1f} MB of text; trained on {r['sample_text_bytes'] / 1e6:.1f} MB "
        f"(sample minus held-out and deduplicated lines); vocab {o['vocab_size']} (asked {r['vocab_size_requested']})",
        "                                       wall s  [cpu s]   overhead wall [cpu]",
        f"raw tokenizers Tokenizer.train([file]) {raw['train_seconds']:6.1f}  [{raw['train_cpu_seconds']:6.1f}]",
        f"roots train_from_iterator (streaming)  {o['train_seconds']:6.1f}  [{o['train_cpu_seconds']:6.1f}]"
        f"   {r['overhead_train_pct']:+6.1f} % [{r['overhead_train_cpu_pct']:+6.1f} %]",
        f"roots hash+scan+plan+train             {o['tokenizer_seconds']:6.1f}  [{o['tokenizer_cpu_seconds']:6.1f}]"
        f"   {r['overhead_total_pct']:+6.1f} % [{r['overhead_total_cpu_pct']:+6.1f} %]",
        f"  (hash {t['hash_shards']:.1f} s, scan {t['scan']:.1f} s, plan {t['plan']:.1f} s; "
        f"evaluate {t['evaluate']:.1f} s; whole command {t['total']:.1f} s)",
        f"peak RSS: raw {raw['peak_rss_mb']:.0f} MiB, roots {o['peak_rss_mb']:.0f} MiB",
        f"same tokenizer.json as raw training: {r['same_tokenizer_as_raw']}",
    ]
    if "one_thread" in r:
        lines.append(
            f"RAYON_NUM_THREADS=1: train {r['one_thread']['train_seconds']:.1f} s, "
            f"byte-identical tokenizer.json: {r['one_thread']['same_sha256']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tokenizer", description=__doc__.splitlines()[0])
    parser.add_argument("--total-mb", type=float, default=100)
    parser.add_argument("--out", default=None, help="work directory (default: a new temporary one)")
    parser.add_argument("--vocab-size", type=int, default=250_680)
    parser.add_argument("--no-thread-check", action="store_true", help="skip the RAYON_NUM_THREADS=1 rerun")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = bench_tokenizer(args.total_mb, args.out, args.vocab_size, check_threads=not args.no_thread_check)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
