"""Choosing the training sample: alpha-weighted per language, deterministic, held-out docs excluded, streamed.

Three passes over the shards, each one record batch at a time:

1. ``scan``: text bytes and documents per language, split into held-out and available. A document is held out
   when a hash of its id (no seed: the evaluation set doesn't move when the seed does) falls below
   ``heldout_fraction``; held-out documents are never trained on.
2. ``plan_sample``: per-language byte targets from ``alpha_targets``; then each language's sample is the
   available documents with the smallest ``rank`` (a hash of seed and id), taken in rank order while they fit in the
   target (the longest prefix that fits). Ranks are hashes, not Python's ``random`` over a set, so the sample is the
   same on every machine and run. Only candidates with a rank under a threshold are kept in memory (about the
   sample's size); if they run out before the target is reached, the threshold doubles and the pass repeats.
3. ``SampleStream``: the chosen documents in shard and row order (a fixed order), optionally de-duplicated as BLOOM
   did (exact articles, then lines; code exempt from line dedup), yielded as lists of texts for
   ``Tokenizer.train_from_iterator``. It also collects held-out documents for evaluation, up to a cap per language.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow.compute as pc

from core.errors import UserError
from core.languages import is_code
from tokenizer.config import TokenizerConfig
from tokenizer.shards import Shard, iter_batches

_SPACE = 1 << 64  # hashes are 64-bit: a fraction f of documents is "hash < f * 2**64"


def _h64(data: bytes, person: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8, person=person).digest(), "big")


def heldout_hash(doc_id: str) -> int:
    """Stable 64-bit hash of an id deciding held-out membership (independent of the seed)."""
    return _h64(doc_id.encode("utf-8"), b"roots-heldout")


def sample_rank(doc_id: str, seed: int) -> int:
    """Stable 64-bit rank of a document within its language for the given seed: lower ranks are sampled first."""
    return _h64(f"{seed}\x00{doc_id}".encode(), b"roots-sample")


def heldout_limit(fraction: float) -> int:
    """Documents whose ``heldout_hash`` is below this are held out."""
    return int(fraction * _SPACE)


@dataclass
class LanguageStats:
    """Bytes (UTF-8 text) and documents of one language in the shards."""

    available_bytes: int = 0
    available_docs: int = 0
    heldout_bytes: int = 0
    heldout_docs: int = 0


def _batch_columns(batch) -> tuple[list[str], list[str], list[int]]:
    ids = batch.column("id").to_pylist()
    langs = [lang if lang is not None else "und" for lang in batch.column("language").to_pylist()]
    lens = pc.fill_null(pc.binary_length(batch.column("text")), 0).to_numpy(zero_copy_only=False).tolist()
    return ids, langs, lens


def scan(shards: list[Shard], config: TokenizerConfig) -> dict[str, LanguageStats]:
    """Pass 1: per-language bytes and documents, available and held out (reads ids, languages, text lengths)."""
    allowed = set(config.languages) if config.languages is not None else None
    limit = heldout_limit(config.heldout_fraction)
    stats: dict[str, LanguageStats] = defaultdict(LanguageStats)
    for shard in shards:
        for batch in iter_batches(shard, ("id", "language", "text")):
            for doc_id, lang, n in zip(*_batch_columns(batch), strict=True):
                if allowed is not None and lang not in allowed:
                    continue
                s = stats[lang]
                if heldout_hash(doc_id) < limit:
                    s.heldout_bytes += n
                    s.heldout_docs += 1
                else:
                    s.available_bytes += n
                    s.available_docs += 1
    return dict(sorted(stats.items()))


def alpha_probabilities(available: Mapping[str, int], alpha: float) -> dict[str, float]:
    """XLM sampling probabilities: p_lang ∝ (bytes_lang / total) ** alpha, normalised to sum to 1."""
    total = sum(available.values())
    weights = {lang: (b / total) ** alpha for lang, b in sorted(available.items()) if b > 0}
    wsum = sum(weights.values())
    return {lang: w / wsum for lang, w in weights.items()}


def alpha_targets(
    available: Mapping[str, int], alpha: float, budget: int, caps: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Bytes to sample per language: shares follow ``alpha_probabilities`` scaled to ``budget``.

    No language is asked for more than it has or than its cap: such a language is fixed at its limit and the rest of
    the budget is shared among the others in proportion to their probabilities, repeating until nobody is over.
    The result sums to at most ``budget`` (less only when every language is at its limit).
    """
    caps = caps or {}
    probs = alpha_probabilities(available, alpha)
    limit = {lang: min(available[lang], caps.get(lang, available[lang])) for lang in probs}
    targets: dict[str, int] = {lang: 0 for lang in available}
    remaining, active = budget, sorted(probs)
    while active:
        psum = sum(probs[lang] for lang in active)
        share = {lang: remaining * probs[lang] / psum for lang in active}
        over = [lang for lang in active if share[lang] >= limit[lang]]
        if not over:
            for lang in active:
                targets[lang] = int(share[lang])
            break
        for lang in over:
            targets[lang] = limit[lang]
            remaining -= limit[lang]
        active = [lang for lang in active if lang not in over]
    excess = sum(targets.values()) - budget  # float rounding can overshoot by a byte or two
    for lang in sorted(targets, key=lambda lang: -targets[lang]):
        if excess <= 0:
            break
        cut = min(excess, targets[lang])
        targets[lang] -= cut
        excess -= cut
    return targets


@dataclass
class SamplePlan:
    """Which documents the sample holds: selected rows per shard, and what that amounts to per language."""

    shards: list[Shard]
    stats: dict[str, LanguageStats]
    probabilities: dict[str, float]
    targets: dict[str, int]
    rows: dict[str, np.ndarray]  # shard rel -> sorted row numbers (within the shard) of sampled documents
    sampled: dict[str, dict[str, int]] = field(default_factory=dict)  # lang -> {"bytes", "docs"} before dedup


def _collect(
    shards: list[Shard], config: TokenizerConfig, thresholds: Mapping[str, int]
) -> dict[str, list[tuple[int, int, int, int]]]:
    """(rank, shard number, row, bytes) of every available document whose rank is under its language's threshold."""
    limit = heldout_limit(config.heldout_fraction)
    cands: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
    for si, shard in enumerate(shards):
        row0 = 0
        for batch in iter_batches(shard, ("id", "language", "text")):
            for j, (doc_id, lang, n) in enumerate(zip(*_batch_columns(batch), strict=True)):
                thr = thresholds.get(lang)
                if thr is None or heldout_hash(doc_id) < limit:
                    continue
                rank = sample_rank(doc_id, config.seed)
                if rank < thr:
                    cands[lang].append((rank, si, row0 + j, n))
            row0 += batch.num_rows
    return cands


def _take_prefix(cands: list[tuple[int, int, int, int]], target: int) -> tuple[list[tuple[int, int]], int, bool]:
    """The longest rank-ordered prefix that fits in ``target``: (shard, row) pairs, bytes, whether it stopped early."""
    chosen, total = [], 0
    for _, si, row, n in sorted(cands):
        if total + n > target:
            return chosen, total, True
        chosen.append((si, row))
        total += n
    return chosen, total, False


def first_fraction(target: int, stats: LanguageStats) -> float:
    """Share of a language's documents (by rank) to keep as candidates on the first try: a margin over the expected
    need, so a retry (which rereads the shards) is rare, while memory stays near the sample's size."""
    if target >= stats.available_bytes:
        return 1.0
    return 1.25 * target / stats.available_bytes + 64 / stats.available_docs


def plan_sample(shards: list[Shard], config: TokenizerConfig, stats: Mapping[str, LanguageStats]) -> SamplePlan:
    """Pass 2: choose each language's documents (see module docstring)."""
    available = {lang: s.available_bytes for lang, s in stats.items()}
    if sum(available.values()) == 0:
        raise UserError("the shards hold no trainable text (all empty, filtered by `languages`, or held out)")
    probs = alpha_probabilities(available, config.alpha)
    targets = alpha_targets(available, config.alpha, config.sample_bytes, config.language_caps)
    fraction = {lang: first_fraction(target, stats[lang]) for lang, target in targets.items() if target > 0}
    picked: dict[str, list[tuple[int, int]]] = {}
    sampled: dict[str, dict[str, int]] = {lang: {"bytes": 0, "docs": 0} for lang in stats}
    while fraction:
        thresholds = {lang: _SPACE if f >= 1.0 else int(f * _SPACE) for lang, f in fraction.items()}
        cands = _collect(shards, config, thresholds)
        retry: dict[str, float] = {}
        for lang, f in fraction.items():
            chosen, nbytes, stopped = _take_prefix(cands.get(lang, []), targets[lang])
            if stopped or f >= 1.0:
                picked[lang] = chosen
                sampled[lang] = {"bytes": nbytes, "docs": len(chosen)}
            else:
                retry[lang] = min(1.0, 2 * f)  # candidates ran out before the target: look further
        fraction = retry
    per_shard: dict[int, list[int]] = defaultdict(list)
    for chosen in picked.values():
        for si, row in chosen:
            per_shard[si].append(row)
    rows = {shards[si].rel: np.array(sorted(r), dtype=np.int64) for si, r in per_shard.items()}
    return SamplePlan(shards=shards, stats=dict(stats), probabilities=probs, targets=targets, rows=rows,
                      sampled=sampled)


class Deduper:
    """BLOOM's sample dedup: exact articles (text with spaces removed), then lines (stripped; blank lines dropped).

    Code (``code-*``) keeps its lines untouched, as BLOOM preserved ``lm_code`` documents. Seen keys are 64-bit
    hashes, so memory grows with the number of distinct lines of the *sample*, not their length.
    """

    def __init__(self, lines: bool, articles: bool) -> None:
        self.lines, self.articles = lines, articles
        self._seen_lines: set[int] = set()
        self._seen_articles: set[int] = set()

    def __call__(self, text: str, language: str) -> str:
        """``text`` without what was seen before ("" when nothing is left)."""
        if self.articles:
            key = _h64(text.replace(" ", "").encode("utf-8"), b"roots-article")
            if key in self._seen_articles:
                return ""
            self._seen_articles.add(key)
        if not self.lines or is_code(language):
            return text
        kept = []
        for line in text.split("\n"):
            stripped = line.strip()
            if not stripped:
                continue
            key = _h64(stripped.encode("utf-8"), b"roots-line")
            if key not in self._seen_lines:
                self._seen_lines.add(key)
                kept.append(stripped)
        return "\n".join(kept)


def iter_sample_docs(plan: SamplePlan) -> Iterator[tuple[list[str], list[str], list[str]]]:
    """Pass 3 (raw): (ids, languages, texts) of the sampled documents, one list per record batch, in fixed order."""
    for shard in plan.shards:
        rows = plan.rows.get(shard.rel)
        if rows is None or rows.size == 0:
            continue
        row0 = 0
        for batch in iter_batches(shard, ("id", "language", "text")):
            lo, hi = np.searchsorted(rows, [row0, row0 + batch.num_rows])
            if hi > lo:
                take = rows[lo:hi] - row0
                part = batch.take(take)
                yield (
                    part.column("id").to_pylist(),
                    [lang if lang is not None else "und" for lang in part.column("language").to_pylist()],
                    [t or "" for t in part.column("text").to_pylist()],
                )
            row0 += batch.num_rows


def iter_heldout_docs(shards: list[Shard], config: TokenizerConfig) -> Iterator[tuple[str, str, str]]:
    """(id, language, text) of held-out documents in shard order, at most ``eval_bytes_per_language`` per language.

    A language's evaluation set is the longest shard-order prefix of its held-out documents that fits in the cap.
    """
    allowed = set(config.languages) if config.languages is not None else None
    limit = heldout_limit(config.heldout_fraction)
    used: dict[str, int] = defaultdict(int)
    full: set[str] = set()
    for shard in shards:
        for batch in iter_batches(shard, ("id", "language", "text")):
            ids, langs, lens = _batch_columns(batch)
            texts = None
            for j, (doc_id, lang, n) in enumerate(zip(ids, langs, lens, strict=True)):
                if lang in full or (allowed is not None and lang not in allowed) or heldout_hash(doc_id) >= limit:
                    continue
                if used[lang] + n > config.eval_bytes_per_language:
                    full.add(lang)
                    continue
                used[lang] += n
                if texts is None:
                    texts = batch.column("text")
                yield doc_id, lang, texts[j].as_py() or ""


class SampleStream:
    """The training texts of a plan, de-duplicated, in fixed order; iterate it once per tokenizer to train.

    Each iteration starts a fresh dedup state, so two tokenizers trained from the same stream (ours and the GPT-2
    baseline) see exactly the same texts. After an iteration, ``kept`` holds bytes and documents per language that
    were actually yielded.
    """

    def __init__(self, plan: SamplePlan, config: TokenizerConfig) -> None:
        self.plan, self.config = plan, config
        self.kept: dict[str, dict[str, int]] = {}

    def __iter__(self) -> Iterator[list[str]]:
        dedup = Deduper(self.config.dedup_lines, self.config.dedup_articles)
        kept: dict[str, dict[str, int]] = {lang: {"bytes": 0, "docs": 0} for lang in self.plan.stats}
        for _ids, langs, texts in iter_sample_docs(self.plan):
            out = []
            for lang, text in zip(langs, texts, strict=True):
                text = dedup(text, lang)
                if text:
                    out.append(text)
                    counts = kept.setdefault(lang, {"bytes": 0, "docs": 0})
                    counts["bytes"] += len(text.encode("utf-8"))
                    counts["docs"] += 1
            if out:
                yield out
        self.kept = kept
