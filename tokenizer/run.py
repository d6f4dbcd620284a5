"""``roots tokenizer``: from a manifest to ``tokenizer.json`` + ``tokenizer.lock.json`` + ``report.json``.

The order matters for failing early and never leaving a half-written directory: shards are hashed and checked
against the lock before any training; the trained tokenizer is checked against the lock before anything is
written; files are written to temporary names and renamed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.fs import write_atomically
from tokenizer import lock as lockfile
from tokenizer.config import TokenizerConfig, load_manifest
from tokenizer.evaluate import DEFINITIONS, evaluate
from tokenizer.names import HF_CONFIG_NAME, HF_SPECIAL_MAP_NAME, LOCK_NAME, REPORT_NAME, TOKENIZER_NAME
from tokenizer.sampling import SamplePlan, SampleStream, iter_heldout_docs, plan_sample, scan
from tokenizer.shards import resolve_shards
from tokenizer.shortfall import CountingStream, every_second_document, shortfall
from tokenizer.train import to_json_bytes, train

#: BLOOM's training sequence length (bigscience tr11: --seq-length 2048), the longest input transformers will
#: expect without a warning
MODEL_MAX_LENGTH = 2048

#: transformers roles of BLOOM's special tokens; written to tokenizer_config.json and special_tokens_map.json when
#: the token is configured.
_HF_ROLES = {"<unk>": "unk_token", "<s>": "bos_token", "</s>": "eos_token", "<pad>": "pad_token"}

log = logging.getLogger("roots.tokenizer")


@dataclass
class RunResult:
    """What a run wrote, and how long its phases took (wall and CPU seconds)."""

    out_dir: Path
    tokenizer_sha256: str
    report: dict[str, Any]
    lock: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)

    @property
    def tokenizer_path(self) -> Path:
        return self.out_dir / TOKENIZER_NAME

    @property
    def lock_path(self) -> Path:
        return self.out_dir / LOCK_NAME

    @property
    def report_path(self) -> Path:
        return self.out_dir / REPORT_NAME


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write(path: Path, data: bytes) -> None:
    write_atomically(str(path), data)


def _sample_summary(plan: SamplePlan, kept: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    """Per language: what was available, asked for, sampled, and trained on after dedup (lock and report)."""
    out = {}
    for lang, s in plan.stats.items():
        out[lang] = {
            "available_bytes": s.available_bytes,
            "available_docs": s.available_docs,
            "heldout_bytes": s.heldout_bytes,
            "heldout_docs": s.heldout_docs,
            "alpha_probability": plan.probabilities.get(lang, 0.0),
            "target_bytes": plan.targets.get(lang, 0),
            "sampled_bytes": plan.sampled.get(lang, {}).get("bytes", 0),
            "sampled_docs": plan.sampled.get(lang, {}).get("docs", 0),
            "trained_bytes": kept.get(lang, {}).get("bytes", 0),
            "trained_docs": kept.get(lang, {}).get("docs", 0),
        }
    return out


def _hf_special_tokens(config: TokenizerConfig) -> dict[str, str]:
    """special_tokens_map.json: the role of each of BLOOM's special tokens the config has (bos, eos, unk, pad)."""
    return {_HF_ROLES[token]: token for token in config.special_tokens if token in _HF_ROLES}


def _hf_config(config: TokenizerConfig) -> dict[str, Any]:
    """tokenizer_config.json, so ``AutoTokenizer.from_pretrained(DIR)`` (and ``PreTrainedTokenizerFast``'s) knows
    the class, the special tokens and the sequence length, and keeps spaces as they are when decoding."""
    return {"tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": False,
            "model_max_length": MODEL_MAX_LENGTH, **_hf_special_tokens(config)}


def _vocab_shortfall(tok, plan: SamplePlan, config: TokenizerConfig, trained_bytes: int) -> dict[str, Any] | None:
    """``None`` when the asked vocabulary was reached; else the report's ``vocab_shortfall``, with the sample size
    it would need, measured by training again on every second document (tokenizer/shortfall.py)."""
    vocab = tok.get_vocab_size(with_added_tokens=True)
    if vocab >= config.vocab_size:
        return None
    half_stream = CountingStream(every_second_document(SampleStream(plan, config)))
    half_tok = train(half_stream, config)
    available = sum(s.available_bytes for s in plan.stats.values())
    return shortfall(config, vocab, trained_bytes, available,
                     (half_tok.get_vocab_size(with_added_tokens=True), half_stream.bytes))


def _heldout_texts(plan: SamplePlan, config: TokenizerConfig) -> dict[str, list[str]]:
    """Held-out texts per language; every language of the shards is present, possibly with no documents."""
    texts: dict[str, list[str]] = {lang: [] for lang in plan.stats}
    for _id, lang, text in iter_heldout_docs(plan.shards, config):
        texts.setdefault(lang, []).append(text)
    return texts


class Clock:
    """Wall and CPU seconds per phase.

    CPU time (all threads of this process) is the figure to compare on a shared machine, where wall time also counts
    waiting for a core.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._start = (time.perf_counter(), time.process_time())

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall[name] = time.perf_counter() - wall
        self.cpu[name] = time.process_time() - cpu

    def total(self) -> None:
        self.wall["total"] = time.perf_counter() - self._start[0]
        self.cpu["total"] = time.process_time() - self._start[1]


def train_from_manifest(
    manifest_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    update_lock: bool = False,
    gpt2_baseline: bool = True,
    shards: list[str] | None = None,
) -> RunResult:
    """Train the manifest's tokenizer into ``out_dir`` (see module docstring); ``UserError`` for user mistakes.

    ``shards`` (``--shards``) replaces the manifest's ``tokenizer.shards``, so one manifest serves runs written to
    any ``--out``; its relative paths are relative to the working directory, as on any command line."""
    clock = Clock()
    with clock.phase("hash_shards"):
        manifest = load_manifest(manifest_path)
        if shards:
            chosen = manifest.tokenizer.model_copy(update={"shards": [os.path.abspath(spec) for spec in shards]})
            manifest = manifest.model_copy(update={"tokenizer": chosen})
        config = manifest.tokenizer
        shards = resolve_shards(manifest)
    out = Path(out_dir)
    resolved = config.resolved()
    lock_path = out / LOCK_NAME
    old_lock = None if update_lock else lockfile.read_lock(lock_path)
    if old_lock is not None:
        lockfile.check_inputs(old_lock, lock_path, shards, resolved)

    with clock.phase("scan"):
        stats = scan(shards, config)
    with clock.phase("plan"):
        plan = plan_sample(shards, config, stats)
    log.info("sampling %d bytes from %d languages", sum(v["bytes"] for v in plan.sampled.values()), len(stats))
    with clock.phase("train"):
        stream = SampleStream(plan, config)
        tok = train(stream, config)
    tok_bytes = to_json_bytes(tok)
    sha = hashlib.sha256(tok_bytes).hexdigest()
    if old_lock is not None:
        lockfile.check_output(old_lock, lock_path, sha)
    sample = _sample_summary(plan, stream.kept)
    lock = lockfile.build_lock(resolved, shards, sample, sha)
    with clock.phase("shortfall"):
        short = _vocab_shortfall(tok, plan, config, sum(v["bytes"] for v in stream.kept.values()))

    n_special = len(config.special_tokens)
    report: dict[str, Any] = {"pre_tokenizer": config.pre_tokenizer, "vocab_size_requested": config.vocab_size}
    with clock.phase("evaluate"):
        heldout = _heldout_texts(plan, config)
        report.update(evaluate(tok, heldout, n_special))
    report["baseline_gpt2"] = None
    if gpt2_baseline and config.pre_tokenizer != "gpt2":
        with clock.phase("baseline_train"):
            baseline = train(SampleStream(plan, config), config, kind="gpt2")
        report["baseline_gpt2"] = {"pre_tokenizer": "gpt2", **evaluate(baseline, heldout, n_special)}
        report["baseline_gpt2"]["train_seconds"] = clock.wall["baseline_train"]
        del baseline
    report["sample"] = sample
    report["vocab_shortfall"] = short
    report["train_seconds"] = clock.wall["train"]
    report["train_cpu_seconds"] = clock.cpu["train"]
    report["peak_rss_mb"] = peak_rss_mb()
    report["timings"] = dict(clock.wall)
    report["cpu_timings"] = dict(clock.cpu)
    report["libraries"] = lock["libraries"]
    report["definitions"] = DEFINITIONS

    out.mkdir(parents=True, exist_ok=True)
    _write(out / TOKENIZER_NAME, tok_bytes)
    _write(out / HF_CONFIG_NAME, lockfile.dumps(_hf_config(config)))
    _write(out / HF_SPECIAL_MAP_NAME, lockfile.dumps(_hf_special_tokens(config)))
    _write(out / REPORT_NAME, lockfile.dumps(report))
    _write(lock_path, lockfile.dumps(lock))  # last: a lock only ever describes a complete directory
    clock.total()
    return RunResult(
        out_dir=out, tokenizer_sha256=sha, report=report, lock=lock, timings=clock.wall, cpu_timings=clock.cpu
    )
