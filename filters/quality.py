"""ROOTS quality filters for natural-language documents, over batches.

Definitions follow BigScience's OSCAR filtering (``01b_oscar_cleaning_and_filtering/filtering.py``); thresholds come
from ``LanguageParams`` (shipped ROOTS defaults merged with manifest overrides). Checks run in ROOTS' order and a
document is removed by the first one that fails:

1. ``number_words``: ``min <= #words <= max``
2. ``character_repetition``: share of the character n-grams taken by the ``k`` most frequent ones, where
   ``k = min(floor(sqrt(#distinct)), #distinct n-grams seen more than once)``; keep if ``<= max``
3. ``word_repetition``: share of word n-grams (lower-cased words) that occur more than once; keep if ``<= max``
4. ``special_characters``: share of characters that are special (``filters.text``); keep if ``<= max``
5. ``stopwords``: stop words (plus augmented word n-grams) per word, capped at 1; keep if ``>= min`` (words and
   lists compared without Arabic harakat / Hebrew niqqud, see ``filters.diacritics``)
6. ``flagged_words``: same ratio with the flagged list; keep if ``<= max``
7. ``lang_id``: the document's fastText score (computed upstream); keep if ``>= min``
8. ``perplexity``: KenLM perplexity (only with ``perplexity_model``); keep if ``<= max``

A check whose threshold is ``None`` is off; stop/flagged checks are skipped for a language without a list,
``lang_id`` for a document without a score, ``perplexity`` without a model. Words are computed once per document
and shared by all checks.

Character n-grams are counted through a 64-bit polynomial hash of each n-gram (numpy), which is what makes this
check fast; two different n-grams would have to collide on 64 bits to change a ratio.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from functools import cached_property

import numpy as np
import regex

from core.languages import is_code
from filters import perplexity as ppl
from filters.diacritics import has_optional_marks, has_optional_marks_batch, see_through_marks, strip_optional_marks
from filters.params import NL_CHECKS, LanguageParams
from filters.results import KEEP, FilterResult, Verdict
from filters.text import SPECIAL_RE, code_points, special_mask, words, words_batch
from filters.wordlists import flagged_words_for, stopwords_for

_HASH_BASE = np.uint64(0x100000001B3)


def char_repetition_ratio(text: str, n: int, cps: np.ndarray | None = None) -> float:
    """ROOTS' character repetition ratio of ``text`` for n-grams of ``n`` characters."""
    if cps is None:
        cps = code_points(text)
    m = len(cps) - n + 1
    if m <= 0:
        return 0.0
    h = _ngram_hashes(cps, n)
    h.sort()
    ends = np.flatnonzero(h[1:] != h[:-1]) + 1
    counts = np.diff(np.concatenate(([0], ends, [m])))  # run lengths of the sorted hashes: each n-gram's count
    repeated = counts[counts > 1]
    k = min(math.isqrt(len(counts)), len(repeated))
    if k == 0:
        return 0.0
    # the k most frequent n-grams are all repeated ones (k <= #repeated), so only those need ordering
    top = np.partition(repeated, len(repeated) - k)[len(repeated) - k :]
    return float(top.sum()) / float(m)


def _ngram_hashes(cps: np.ndarray, n: int) -> np.ndarray:
    """The hash :func:`char_repetition_ratio` gives each n-gram of ``cps`` (one per start, ``len(cps) >= n``).

    Up to 3 code points are packed exactly; longer n-grams get the polynomial hash ``sum(c[i+j] * B**(n-1-j))``
    modulo 2**64, built by doubling (``H[a+b][i] = H[a][i] * B**b + H[b][i+a]``) along the bits of ``n``: 4 passes
    over the text for ROOTS' 10-grams where adding one code point at a time took 9, with the same integers."""
    m = len(cps) - n + 1
    wide = cps.astype(np.uint64)
    if n <= 3:  # 3 x 21 bits fit in 64: exact packing
        h = wide[:m].copy()
        for j in range(1, n):
            h <<= np.uint64(21)
            h |= wide[j : j + m]
        return h
    acc, acc_len = None, 0  # the hashes of the first acc_len code points of each n-gram
    block, size = wide, 1  # the hashes of every run of ``size`` code points
    with np.errstate(over="ignore"):
        while True:
            if n & size:
                if acc is None:
                    acc, acc_len = block, size
                else:
                    rows = len(wide) - (acc_len + size) + 1
                    acc = acc[:rows] * _power(size)
                    acc += block[acc_len : acc_len + rows]
                    acc_len += size
            if acc_len == n:
                return acc  # a new array of the m hashes (n >= 4: never ``wide`` itself)
            nxt = block[:-size] * _power(size)
            nxt += block[size:]
            block, size = nxt, size * 2


@functools.cache
def _power(k: int) -> np.uint64:
    """``_HASH_BASE ** k`` modulo 2**64."""
    return np.uint64(pow(int(_HASH_BASE), k, 1 << 64))


def char_repetition_ratios(texts: Sequence[str], n: int, cps: np.ndarray | None = None) -> list[float]:
    """``[char_repetition_ratio(t, n) for t in texts]``, with the numpy work done once for the batch (``cps``: the
    code points of the texts joined, if the caller has them).

    The same n-gram hashes (computed over the texts joined, only those of n-grams inside one text kept), sorted
    text by text; then the n-grams' counts, each text's number of distinct and repeated n-grams, ``k`` and the sum
    of its ``k`` largest counts are found for all texts at once. The same integers as the per-text function, so
    the same ratios: on short documents its dozens of numpy calls cost more than their work.
    """
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    grams = np.maximum(sizes - n + 1, 0)  # n-grams per text
    out = np.zeros(len(texts))
    if not grams.any():
        return out.tolist()
    if cps is None:
        cps = code_points("".join(texts))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    h = _ngram_hashes(cps, n)
    has = grams > 0
    valid = np.repeat(np.arange(len(texts))[has], grams[has])  # text of each kept n-gram
    first = np.concatenate(([0], np.cumsum(grams)[:-1]))  # position of each text's first n-gram among the kept
    h = h[_inside_one_text(starts, sizes, grams, len(h))]
    for a, b in zip(first[has].tolist(), (first + grams)[has].tolist(), strict=True):
        h[a:b].sort()
    new_run = np.ones(len(h), dtype=bool)
    new_run[1:] = h[1:] != h[:-1]
    new_run[first[has]] = True
    run_starts = np.flatnonzero(new_run)
    counts = np.diff(np.concatenate((run_starts, [len(h)])))
    run_text = valid[run_starts]
    distinct = np.bincount(run_text, minlength=len(texts))
    rep = counts > 1
    repeated = np.bincount(run_text[rep], minlength=len(texts))
    k = np.minimum(_isqrt(distinct), repeated)
    # the k largest counts of each text: its repeated counts in decreasing order, the first k of them
    rep_counts, rep_text = counts[rep], run_text[rep]
    order = np.lexsort((-rep_counts, rep_text))
    rep_counts, rep_text = rep_counts[order], rep_text[order]
    group_first = np.concatenate(([0], np.cumsum(repeated)[:-1]))
    rank = np.arange(len(rep_text)) - group_first[rep_text]
    top = rank < k[rep_text]
    top_sum = np.bincount(rep_text[top], weights=rep_counts[top], minlength=len(texts))  # exact: integers < 2**53
    ok = k > 0
    out[ok] = top_sum[ok] / grams[ok].astype(np.float64)
    return out.tolist()


def _inside_one_text(starts: np.ndarray, sizes: np.ndarray, grams: np.ndarray, m: int) -> np.ndarray:
    """Which of the ``m`` n-grams of the texts joined lie inside one text: all but the last ``n - 1`` starts of
    each text (all of a text shorter than ``n``). Only those few are cleared, instead of computing the index of
    every kept n-gram."""
    keep = np.ones(m, dtype=bool)
    width = int((sizes - grams).max())  # n - 1, or less when every text is shorter
    if width:
        cut = (starts + grams)[:, None] + np.arange(width)  # each text's starts from its first n-gram across its end
        cut = cut[(cut < (starts + sizes)[:, None]) & (cut < m)]
        keep[cut] = False
    return keep


def _isqrt(x: np.ndarray) -> np.ndarray:
    """``math.isqrt`` of each non-negative int64 (float square root, corrected by one where it rounded)."""
    r = np.floor(np.sqrt(x.astype(np.float64))).astype(np.int64)
    r -= r * r > x
    r += (r + 1) * (r + 1) <= x
    return r


def word_repetition_ratio(doc_words: Sequence[str], n: int) -> float:
    """ROOTS' word repetition ratio: share of word n-grams whose n-gram occurs more than once.

    Counted exactly on integers: each distinct word gets an id (a dict built in C), the ids of an n-gram are
    packed into one integer (:func:`_gram_ids`), and the sorted integers' runs are the n-grams' counts; 3-4x
    cheaper than a ``Counter`` of word tuples on real text, with the same counts.
    """
    if len(doc_words) < n:
        return 0.0
    total = len(doc_words) - n + 1
    grams = _gram_ids(doc_words, n)
    grams.sort()
    differs = grams[1:] != grams[:-1]
    # an n-gram seen once is a run of length 1 in the sorted ids: different from both neighbours
    alone = np.ones(total, dtype=bool)
    alone[1:] &= differs
    alone[:-1] &= differs
    return (total - int(np.count_nonzero(alone))) / total


def _gram_ids(doc_words: Sequence[str], n: int) -> np.ndarray:
    """One int64 per word n-gram of ``doc_words`` (at least ``n`` words), equal exactly when the n-grams are equal:
    word ids packed side by side when ``n`` of them fit in 63 bits, otherwise pairs renumbered densely
    (``np.unique``) after each word added.

    A word's id is its last position (one dict, no second one renumbering the distinct words densely), when
    ``n`` positions fit in 63 bits (documents of up to 4,096 words for 5-grams): equal exactly for equal words.
    """
    total = len(doc_words) - n + 1
    last = dict(zip(doc_words, range(len(doc_words)), strict=False))  # later positions overwrite earlier ones
    bits = max(1, (len(doc_words) - 1).bit_length())
    if n * bits <= 63:
        ids = np.fromiter(map(last.__getitem__, doc_words), dtype=np.int64, count=len(doc_words))
        grams = ids[:total].copy()
        for j in range(1, n):
            grams <<= bits
            grams |= ids[j : j + total]
        return grams
    index = dict(zip(last, range(len(last)), strict=True))  # dense ids, in order of first occurrence
    ids = np.fromiter(map(index.__getitem__, doc_words), dtype=np.int64, count=len(doc_words))
    bits = max(1, (len(index) - 1).bit_length())
    grams = ids[:total].copy()
    if n * bits <= 63:
        for j in range(1, n):
            grams <<= bits
            grams |= ids[j : j + total]
        return grams
    for j in range(1, n):  # values stay < len(doc_words), so value * #distinct + id fits in int64
        grams = np.unique(grams * len(index) + ids[j : j + total], return_inverse=True)[1].astype(np.int64)
    return grams


def special_characters_ratio(text: str, cps: np.ndarray | None = None) -> float:
    """Share of the characters of ``text`` that are special."""
    if not text:
        return 0.0
    if cps is None:
        cps = code_points(text)
    return float(np.count_nonzero(special_mask()[cps])) / len(cps)


def special_characters_ratios(texts: Sequence[str], cps: np.ndarray | None = None) -> list[float]:
    """``[special_characters_ratio(t) for t in texts]``: one lookup over the batch's code points (``cps``, if the
    caller has them), counts per text with ``np.add.reduceat``."""
    sizes = [len(t) for t in texts]
    special = special_mask()[code_points("".join(texts)) if cps is None else cps]
    nonempty = [i for i, size in enumerate(sizes) if size]
    counts = [0] * len(texts)
    if nonempty:
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[nonempty]
        for i, c in zip(nonempty, np.add.reduceat(special.astype(np.int64), starts).tolist(), strict=True):
            counts[i] = c
    return [c / size if size else 0.0 for c, size in zip(counts, sizes, strict=True)]


def augment(doc_words: Sequence[str], group_sizes: Sequence[int], join: str) -> list[str]:
    """ROOTS' "words augmentation": every run of ``g`` consecutive words joined with ``join``, for each size ``g``
    (so that multi-word or multi-character stop words can match Vietnamese syllables or Chinese characters)."""
    grams: list[str] = []
    for g in group_sizes:
        grams.extend(map(join.join, zip(*(doc_words[i:] for i in range(g)), strict=False)))
    return grams


def word_list_ratio(
    doc_words: Sequence[str],
    vocabulary: frozenset[str],
    group_sizes: Sequence[int] = (),
    join: str = "",
    grams: Sequence[str] | None = None,
) -> float:
    """Words (plus their augmentations) found in ``vocabulary``, per word, capped at 1 (ROOTS' stop/flagged
    ratio). ``grams`` are the augmentations if the caller already has them."""
    if not doc_words:
        return 0.0
    if grams is None:
        grams = augment(doc_words, group_sizes, join)
    hits = sum(map(vocabulary.__contains__, doc_words)) + sum(map(vocabulary.__contains__, grams))
    return min(1.0, hits / len(doc_words))


class _Doc:
    """One document with lazily computed, shared measurements."""

    def __init__(self, text: str, language: str, params: LanguageParams, lid_score: float | None,
                 doc_words: list[str] | None = None, marks: bool | None = None, char_rep: float | None = None,
                 special: float | None = None) -> None:
        self.text, self.language, self.params, self.lid_score = text, language, params, lid_score
        if doc_words is not None:  # computed for the whole batch (``words_batch``)
            self.words = doc_words
        # computed for the whole batch, if given: optional marks (``has_optional_marks_batch``), the character
        # repetition and special character ratios (``char_repetition_ratios``, ``special_characters_ratios``)
        self.marks, self.char_rep, self.special = marks, char_rep, special

    @cached_property
    def cps(self) -> np.ndarray:
        return code_points(self.text)

    @cached_property
    def words(self) -> list[str]:
        return words(self.text, self.cps)

    @cached_property
    def grams(self) -> list[str]:
        p = self.params
        return augment(self.words, p.words_augmentation_group_sizes, p.words_augmentation_join_char)

    @cached_property
    def bare_words(self) -> list[str]:
        """Words without optional marks (harakat, niqqud), for the word-list checks only."""
        marks = has_optional_marks(self.text) if self.marks is None else self.marks
        return [strip_optional_marks(w) for w in self.words] if marks else self.words

    @cached_property
    def bare_grams(self) -> list[str]:
        if self.bare_words is self.words:
            return self.grams
        p = self.params
        return augment(self.bare_words, p.words_augmentation_group_sizes, p.words_augmentation_join_char)


def _between(name: str, value: float, lo: float | None, hi: float | None) -> FilterResult:
    if lo is None and hi is None:
        return FilterResult(name, value, "between", (lo, hi), None, "off")
    ok = (lo is None or value >= lo) and (hi is None or value <= hi)
    return FilterResult(name, value, "between", (lo, hi), ok)


def _at_most(name: str, threshold: float | None, measure: Callable[[], float | None]) -> FilterResult:
    if threshold is None:
        return FilterResult(name, None, "<=", None, None, "off")
    value = measure()
    if value is None:
        return FilterResult(name, None, "<=", threshold, None, "no value")
    return FilterResult(name, value, "<=", threshold, value <= threshold)


def _check_number_words(d: _Doc) -> FilterResult:
    p = d.params
    if p.number_words_min_cutoff is None and p.number_words_max_cutoff is None:
        return FilterResult("number_words", None, "between", (None, None), None, "off")
    return _between("number_words", float(len(d.words)), p.number_words_min_cutoff, p.number_words_max_cutoff)


def _check_character_repetition(d: _Doc) -> FilterResult:
    p = d.params
    return _at_most(
        "character_repetition",
        p.character_repetition_max_cutoff,
        lambda: d.char_rep if d.char_rep is not None else char_repetition_ratio(d.text, p.character_repetition_length,
                                                                                d.cps),
    )


def _check_word_repetition(d: _Doc) -> FilterResult:
    p = d.params
    measure = lambda: word_repetition_ratio(d.words, p.word_repetition_length)  # noqa: E731
    return _at_most("word_repetition", p.word_repetition_max_cutoff, measure)


def _check_special_characters(d: _Doc) -> FilterResult:
    limit = d.params.special_characters_max_cutoff
    return _at_most("special_characters", limit,
                    lambda: d.special if d.special is not None else special_characters_ratio(d.text, d.cps))


def _check_stopwords(d: _Doc) -> FilterResult:
    p = d.params
    if p.stopwords_min_cutoff is None:
        return FilterResult("stopwords", None, ">=", None, None, "off")
    vocab = stopwords_for(p, d.language)
    if vocab is None:
        return FilterResult("stopwords", None, ">=", p.stopwords_min_cutoff, None, "no list")
    value = word_list_ratio(d.bare_words, see_through_marks(vocab), grams=d.bare_grams)
    return FilterResult("stopwords", value, ">=", p.stopwords_min_cutoff, value >= p.stopwords_min_cutoff)


def _check_flagged_words(d: _Doc) -> FilterResult:
    p = d.params
    if p.flagged_words_max_cutoff is None:
        return FilterResult("flagged_words", None, "<=", None, None, "off")
    vocab = flagged_words_for(p, d.language)
    if vocab is None:
        return FilterResult("flagged_words", None, "<=", p.flagged_words_max_cutoff, None, "no list")
    value = word_list_ratio(d.bare_words, see_through_marks(vocab), grams=d.bare_grams)
    return FilterResult("flagged_words", value, "<=", p.flagged_words_max_cutoff, value <= p.flagged_words_max_cutoff)


def _check_lang_id(d: _Doc) -> FilterResult:
    cutoff = d.params.lang_id_min_cutoff
    if cutoff is None:
        return FilterResult("lang_id", d.lid_score, ">=", None, None, "off")
    if d.lid_score is None:
        return FilterResult("lang_id", None, ">=", cutoff, None, "no score")
    return FilterResult("lang_id", float(d.lid_score), ">=", cutoff, d.lid_score >= cutoff)


def _check_perplexity(d: _Doc) -> FilterResult:
    p = d.params
    if p.perplexity_max_cutoff is None:
        return FilterResult("perplexity", None, "<=", None, None, "off")
    if not p.perplexity_model:
        return FilterResult("perplexity", None, "<=", None, None, "off (no model)")  # no cut-off applies
    model = ppl.load_kenlm_model(p.perplexity_model)
    return _at_most("perplexity", p.perplexity_max_cutoff, lambda: ppl.perplexity(d.text, model))


_CHECKS: tuple[Callable[[_Doc], FilterResult], ...] = (
    _check_number_words,
    _check_character_repetition,
    _check_word_repetition,
    _check_special_characters,
    _check_stopwords,
    _check_flagged_words,
    _check_lang_id,
    _check_perplexity,
)
assert tuple(c.__name__.removeprefix("_check_") for c in _CHECKS) == NL_CHECKS


def filter_batch(
    texts: Sequence[str],
    language: str,
    params: LanguageParams,
    lid_scores: Sequence[float | None] | None = None,
    checks: frozenset[str] | None = None,
) -> list[Verdict]:
    """Verdict per document of a batch of one language; the first failing check (ROOTS order) decides.

    ``lid_scores`` are the documents' fastText scores for ``language`` (``None``: no score, check skipped).
    ``checks`` limits the checks to those names (a source's filter profile); ``None`` runs all of them.
    Code languages (``code-*``) are never filtered here: every document is kept.
    """
    if lid_scores is None:
        lid_scores = [None] * len(texts)
    if len(lid_scores) != len(texts):
        raise ValueError(f"filter_batch: {len(texts)} texts but {len(lid_scores)} lid_scores")
    if is_code(language):
        return [KEEP] * len(texts)
    selected = _CHECKS if checks is None else tuple(c for c, n in zip(_CHECKS, NL_CHECKS, strict=True) if n in checks)
    if not selected:
        return [KEEP] * len(texts)
    # every document's words are needed when the word count is checked (first): then get them for the whole batch
    counted = _check_number_words in selected and (params.number_words_min_cutoff is not None
                                                   or params.number_words_max_cutoff is not None)
    # the batch functions cost a fraction of the per-document ones: measure every document at once
    cps = code_points("".join(texts))
    none: list[None] = [None] * len(texts)
    all_words = words_batch(texts, cps) if counted else none
    char_rep = (char_repetition_ratios(texts, params.character_repetition_length, cps)
                if _check_character_repetition in selected and params.character_repetition_max_cutoff is not None
                else none)
    special = (special_characters_ratios(texts, cps)
               if _check_special_characters in selected and params.special_characters_max_cutoff is not None
               else none)
    docs = (_Doc(t, language, params, s, w, m, c, sp) for t, s, w, m, c, sp in zip(
        texts, lid_scores, all_words, has_optional_marks_batch(texts, cps), char_rep, special, strict=True))
    return [_first_failure(d, selected) for d in docs]


def _first_failure(doc: _Doc, selected: tuple[Callable[[_Doc], FilterResult], ...] = _CHECKS) -> Verdict:
    for check in selected:
        result = check(doc)
        if result.passed is False:
            return Verdict(False, result.name, result.value)
    return KEEP


def _measure(d: _Doc, char_repetition: float, special: float, stop: frozenset[str] | None,
             flagged: frozenset[str] | None, model: object | None) -> dict[str, float | None]:
    """Every check's value for one document whatever its threshold (``None``: not measurable: no word list, no
    model, no LID score). What ``roots tune`` draws and ``roots refilter`` compares with new cut-offs. ``stop`` and
    ``flagged`` are the language's lists as compared (``see_through_marks``), ``model`` its KenLM model: the same
    for the whole batch, looked up once."""
    p = d.params
    return {
        "number_words": float(len(d.words)),
        "character_repetition": char_repetition,
        "word_repetition": word_repetition_ratio(d.words, p.word_repetition_length),
        "special_characters": special,
        "stopwords": None if stop is None else word_list_ratio(d.bare_words, stop, grams=d.bare_grams),
        "flagged_words": None if flagged is None else word_list_ratio(d.bare_words, flagged, grams=d.bare_grams),
        "lang_id": None if d.lid_score is None else float(d.lid_score),
        "perplexity": None if model is None else ppl.perplexity(d.text, model),
    }


def measure_batch(texts: Sequence[str], language: str, params: LanguageParams,
                  lid_scores: Sequence[float | None] | None = None) -> list[dict[str, float | None]]:
    """Every natural-language check's value (:data:`NL_CHECKS` → value) per document of a batch of one language,
    measured whatever the thresholds and the source's profile (the verdict applies those: :func:`verdict_of`)."""
    if lid_scores is None:
        lid_scores = [None] * len(texts)
    if len(lid_scores) != len(texts):
        raise ValueError(f"measure_batch: {len(texts)} texts but {len(lid_scores)} lid_scores")
    if not texts:
        return []
    cps = code_points("".join(texts))  # shared by the batch functions
    docs = (_Doc(t, language, params, s, w, m) for t, s, w, m in zip(
        texts, lid_scores, words_batch(texts, cps), has_optional_marks_batch(texts, cps), strict=True))
    char_rep = char_repetition_ratios(texts, params.character_repetition_length, cps)
    special = special_characters_ratios(texts, cps)
    stop, flagged = stopwords_for(params, language), flagged_words_for(params, language)
    stop = None if stop is None else see_through_marks(stop)
    flagged = None if flagged is None else see_through_marks(flagged)
    model = ppl.load_kenlm_model(params.perplexity_model) if params.perplexity_model else None
    return [_measure(d, c, sp, stop, flagged, model) for d, c, sp in zip(docs, char_rep, special, strict=True)]


#: how each check's value must compare with its cut-off field(s) to keep a document
_CUTOFFS: dict[str, tuple[tuple[str, str], ...]] = {
    "number_words": (("number_words_min_cutoff", ">="), ("number_words_max_cutoff", "<=")),
    "character_repetition": (("character_repetition_max_cutoff", "<="),),
    "word_repetition": (("word_repetition_max_cutoff", "<="),),
    "special_characters": (("special_characters_max_cutoff", "<="),),
    "stopwords": (("stopwords_min_cutoff", ">="),),
    "flagged_words": (("flagged_words_max_cutoff", "<="),),
    "lang_id": (("lang_id_min_cutoff", ">="),),
    "perplexity": (("perplexity_max_cutoff", "<="),),
}
assert tuple(_CUTOFFS) == NL_CHECKS

#: every cut-off field of :class:`LanguageParams`: the thresholds ``roots tune`` sets and ``roots refilter`` applies
CUTOFF_FIELDS: tuple[str, ...] = tuple(f for pairs in _CUTOFFS.values() for f, _ in pairs)


def cutoffs_of(check: str) -> tuple[tuple[str, str], ...]:
    """``(field, comparison)`` pairs of ``check``: ``">="`` for a minimum, ``"<="`` for a maximum."""
    return _CUTOFFS[check]


def passes(value: float, params: LanguageParams, check: str) -> bool:
    """Whether ``value`` of ``check`` is kept by ``params``' cut-offs (a cut-off set to ``None`` is off)."""
    for field, comparison in _CUTOFFS[check]:
        cut = getattr(params, field)
        if cut is not None and not (value >= cut if comparison == ">=" else value <= cut):
            return False
    return True


def verdict_of(values: dict[str, float | None], params: LanguageParams,
               checks: frozenset[str] | None = None) -> Verdict:
    """The verdict :func:`filter_batch` gives a document whose checks measured ``values`` (:func:`measure_batch`):
    the first check, in ROOTS' order and among ``checks``, whose value fails its cut-offs. A check without a value
    (no list, no model, no score) is skipped, as the filter skips it."""
    for name in NL_CHECKS:
        if checks is not None and name not in checks:
            continue
        value = values.get(name)
        if value is not None and not passes(value, params, name):
            return Verdict(False, name, value)
    return KEEP


def explain(text: str, language: str, params: LanguageParams, lid_score: float | None = None) -> list[FilterResult]:
    """Every check's value, threshold, comparison and verdict for one document (for ``roots explain``)."""
    if is_code(language):
        return [FilterResult(name, None, "", None, None, "code: not applied") for name in NL_CHECKS]
    doc = _Doc(text, language, params, lid_score)
    return [check(doc) for check in _CHECKS]


def describe_checks(language: str, params: LanguageParams) -> dict[str, str]:
    """What each check will do for ``language``: ``"on"``, ``"off"``, ``"off (no list)"``, ``"off (no model)"``.

    For run reports ("perplexity: off (no model)"); ``lang_id`` is ``"on"`` but still skips unscored documents.
    """
    if is_code(language):
        return {name: "off (code)" for name in NL_CHECKS}
    p = params
    status = {
        "number_words": p.number_words_min_cutoff is not None or p.number_words_max_cutoff is not None,
        "character_repetition": p.character_repetition_max_cutoff is not None,
        "word_repetition": p.word_repetition_max_cutoff is not None,
        "special_characters": p.special_characters_max_cutoff is not None,
        "stopwords": p.stopwords_min_cutoff is not None,
        "flagged_words": p.flagged_words_max_cutoff is not None,
        "lang_id": p.lang_id_min_cutoff is not None,
        "perplexity": p.perplexity_max_cutoff is not None,
    }
    out = {name: "on" if on else "off" for name, on in status.items()}
    if status["stopwords"] and not p.stopwords_file and stopwords_for(p, language) is None:
        out["stopwords"] = "off (no list)"
    if status["flagged_words"] and not p.flagged_words_file and flagged_words_for(p, language) is None:
        out["flagged_words"] = "off (no list)"
    if status["perplexity"] and not p.perplexity_model:
        out["perplexity"] = "off (no model)"
    return out


# --- ROOTS' "modifying documents" step -------------------------------------------------------------------------

_STRIP_RE = regex.compile(rf"^{SPECIAL_RE.pattern}+|{SPECIAL_RE.pattern}+$", regex.V1)


def _strip_special(word: str) -> str:
    return _STRIP_RE.sub("", word)


#: why ROOTS' word-removal step drops a word, in the order it asks: a word with an incorrect substring (a URL
#: fragment such as ``http``) is counted under that reason even when it is also too long
WORD_REMOVAL_REASONS = ("incorrect_substring", "too_long")

#: words removed from one document, per reason of :data:`WORD_REMOVAL_REASONS` (only reasons that removed any)
RemovedWords = dict[str, int]


def modify_batch(texts: Sequence[str], params: LanguageParams) -> list[str]:
    """ROOTS' word-removal step, run on normalised text before the filters (for ROOTS' languages).

    Removes words (split on newline, then tab, then space) whose special-stripped form contains one of
    ``incorrect_word_substrings`` (URL fragments), and words longer than ``length_word_max_cutoff`` unless their
    stripped form is short enough. Empty pieces are dropped, so repeated separators collapse, as in ROOTS.
    """
    return [text for text, _ in remove_words_batch(texts, params)]


def remove_words_batch(texts: Sequence[str], params: LanguageParams) -> list[tuple[str, RemovedWords]]:
    """:func:`modify_batch` that also says what it removed: each text with its removed words counted per reason
    (``{"too_long": 2}``; ``{}`` when no word went), so the report can account for every word a kept document
    lost."""
    bad = tuple(params.incorrect_word_substrings or ())
    max_len = params.length_word_max_cutoff
    if not bad and max_len is None:
        return [(t, {}) for t in texts]
    longs, untidy = _layout(texts, max_len)
    return [_modify_one(t, bad, max_len, long, u) for t, long, u in zip(texts, longs, untidy, strict=True)]


def _removal_reason(word: str, bad: tuple[str, ...], max_len: int | None) -> str | None:
    """Why the word-removal step drops ``word`` (a reason of :data:`WORD_REMOVAL_REASONS`), or ``None``: kept."""
    if bad and any(s in word for s in bad) and any(s in _strip_special(word) for s in bad):
        return "incorrect_substring"
    if max_len is not None and len(word) > max_len and not 0 < len(_strip_special(word)) <= max_len:
        return "too_long"
    return None


def _keep_word(word: str, bad: tuple[str, ...], max_len: int | None) -> bool:
    return _removal_reason(word, bad, max_len) is None


_SEPARATORS = " \t\n"


@functools.cache
def _separator_mask() -> np.ndarray:
    """Lookup table indexed by code point: True on the word-removal step's separators."""
    mask = np.zeros(0x110000, dtype=bool)
    mask[[ord(c) for c in _SEPARATORS]] = True
    return mask


def _layout(texts: Sequence[str], max_len: int | None) -> tuple[list[list[tuple[int, int]]], list[bool]]:
    """Per text, ``(start, end)`` of its words (runs of characters other than space, tab and newline) of more than
    ``max_len`` characters, in order (none when ``max_len`` is ``None``), and whether it may be untidy: whether
    ``_collapse`` may change it (two separators in a row, or one at either end; otherwise it changes nothing).

    Found with numpy over the batch joined by newlines instead of regular expressions and substring tests scanning
    every character of every text: most texts have no long word and are tidy (the normaliser made them so), so
    nothing else is done to them.
    """
    longs: list[list[tuple[int, int]]] = [[] for _ in texts]
    if not texts:
        return longs, []
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    begins = np.concatenate(([0], np.cumsum(sizes + 1)[:-1]))  # every text is followed by its newline
    sep = _separator_mask()[code_points("\n".join(texts) + "\n")]
    # a pair of separators at j, j + 1 is flagged on the text of j: the newline after a text ending with a
    # separator is its own; a text starting with one also flags the text before it (harmless: it is collapsed)
    pairs = np.zeros(len(sep), dtype=bool)
    pairs[:-1] = sep[:-1] & sep[1:]
    untidy = np.logical_or.reduceat(pairs, begins)
    flags = [u or t[:1] in _SEPARATORS or t[-1:] in _SEPARATORS for u, t in zip(untidy.tolist(), texts, strict=True)]
    if max_len is None:
        return longs, flags
    edges = np.flatnonzero(np.diff(np.concatenate(([True], sep, [True])).astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    long = ends - starts > max_len
    starts, ends = starts[long], ends[long]
    owner = np.searchsorted(begins, starts, side="right") - 1
    offset = begins[owner]
    for i, a, b in zip(owner.tolist(), (starts - offset).tolist(), (ends - offset).tolist(), strict=True):
        longs[i].append((a, b))
    return longs, flags


@functools.lru_cache(maxsize=64)
def _bad_substrings(bad: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, bad)))


@functools.lru_cache(maxsize=64)
def _words_with(bad: tuple[str, ...]) -> re.Pattern[str] | None:
    """Whole words (from a separator or the start) holding a substring of ``bad``: the spans ``_suspects``
    otherwise finds around each substring with ``rfind``/``find``, which scan the whole text before (after) it for
    a separator it lacks (most texts have no tab). ``None`` when a substring is empty or holds a separator: then
    a word is not simply the run around the substring."""
    if not all(bad) or any(c in s for s in bad for c in _SEPARATORS):
        return None
    return re.compile(rf"(?<![^ \t\n])[^ \t\n]*?(?:{'|'.join(map(re.escape, bad))})[^ \t\n]*")


def _suspects(text: str, bad: tuple[str, ...], long: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(start, end)`` of the words that ``_keep_word`` may drop, in order: those with a substring of ``bad``
    (``text`` holds one, or ``bad`` is empty) and the ``long`` ones (``_long_runs``). Only they need the per-word
    check; every other word stays."""
    spans = set(long)
    if bad:
        whole = _words_with(bad)
        if whole is not None:
            spans.update(m.span() for m in whole.finditer(text))
            bad = ()  # done
        for m in _bad_substrings(bad).finditer(text) if bad else ():
            start = max(text.rfind(c, 0, m.start()) for c in _SEPARATORS) + 1
            ends = [i for i in (text.find(c, m.end()) for c in _SEPARATORS) if i >= 0]
            spans.add((start, min(ends, default=len(text))))
    return sorted(spans)


_SPACE_RUNS = re.compile(" {2,}")
_TAB_RUNS = re.compile(r"\t{2,}")
_TAB_AT_BREAK = re.compile(r"\t?\n\t?")
_LINE_RUNS = re.compile(r"\n{2,}")


def _collapse(text: str) -> str:
    """Words rejoined by single spaces, empty cells and empty lines dropped: what joining the non-empty pieces of
    ``split(" ")``, ``split("\t")`` and ``split("\n")`` gives, done by regular expressions on the whole text."""
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    if " \t" in text or "\t " in text or " \n" in text or "\n " in text:
        # every space next to a tab or newline goes (spaces are single by now): ``str.replace`` removes the same
        # spaces as one regular expression over both breaks, without expanding a group reference per match
        text = text.replace(" \t", "\t").replace("\t ", "\t").replace(" \n", "\n").replace("\n ", "\n")
    text = text.strip(" ")
    if "\t" in text:
        if "\t\t" in text:
            text = _TAB_RUNS.sub("\t", text)
        if "\t\n" in text or "\n\t" in text:
            text = _TAB_AT_BREAK.sub("\n", text)
        text = text.strip("\t")
    if "\n\n" in text:
        text = _LINE_RUNS.sub("\n", text)
    return text.strip("\n")


def _modify_one(text: str, bad: tuple[str, ...], max_len: int | None, long: list[tuple[int, int]],
                untidy: bool = True) -> tuple[str, RemovedWords]:
    """One document through the word-removal step, with its removed words counted per reason. The words that may
    go (``_suspects``: those with a ``bad`` substring, and the ``long`` ones, words of more than ``max_len``
    characters) are checked one by one with ``_removal_reason``; the rest is rejoined by ``_collapse`` (unless
    nothing went and the text is tidy: ``_layout``): no Python loop over words (``tests/test_filters_quality.py``
    checks text and counts against the word loop)."""
    removed: RemovedWords = {}
    has_bad = bool(bad) and any(s in text for s in bad)
    if has_bad or long:
        pieces, end = [], 0
        for start, stop in _suspects(text, bad if has_bad else (), long):
            reason = _removal_reason(text[start:stop], bad, max_len)
            if reason is not None:
                removed[reason] = removed.get(reason, 0) + 1
                pieces.append(text[end:start])
                end = stop
        if end:
            pieces.append(text[end:])
            return _collapse("".join(pieces)), removed
    return (_collapse(text) if untidy else text), removed
