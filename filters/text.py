r"""Character classes and word splitting shared by every natural-language filter.

ROOTS split a document on spaces/newlines/tabs, lower-cased the pieces and stripped "special characters" from both
ends of each word (digits, punctuation, symbols, emoji, whitespace). We keep that definition, with two changes that
make it work for every script rather than only ROOTS' 13 languages:

* *Special characters* are defined by Unicode general category (all punctuation ``P*``, symbols ``S*`` (this covers
  emoji), separators ``Z*``, numbers ``N*``, control ``Cc`` and format ``Cf`` characters) instead of ROOTS'
  hand-made list plus the ``emoji`` package. ZWJ/ZWNJ are *not* special: they sit inside Indic and Persian words.
  Combining marks (``M*``) are never special, so Indic vowel signs stay part of their word (ROOTS' list contained a
  few Devanagari/Bengali vowel signs, which split such words; we deliberately do not reproduce that).
* Han, Hiragana, Katakana and Bopomofo characters are words on their own (with any combining marks that follow),
  because those scripts do not put spaces between words. ROOTS used a SentencePiece model for Chinese instead; one
  character per word plus bigram "augmentation" (see the zh parameters) approximates it without a model. Thai, Lao,
  Khmer, Myanmar and Tibetan (also unspaced) are split into grapheme clusters (``\X``) the same way.

Word boundaries are whitespace and the CJK rule only, and a word never starts with a combining mark (or another
grapheme-extending character) nor stops right before one, so no word boundary falls inside a grapheme cluster (an
orphan mark after a special character is stripped with it).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import regex

# Unicode categories treated as "special". V1 set syntax: union minus ZWNJ/ZWJ.
_SPECIAL_CLASS = r"[[\p{P}\p{S}\p{Z}\p{N}\p{Cc}\p{Cf}\s]--[\u200C\u200D]]"
_WS = r"\s\x1c-\x1f"  # what str.split() splits on
# Characters that continue the grapheme cluster before them (combining marks, Thai SARA AM, ZWJ...): a word may
# neither start with one nor end right before one.
_EXTEND = r"[\p{M}\p{GCB=Extend}\p{GCB=SpacingMark}\p{GCB=ZWJ}]"
_PREPEND = r"\p{GCB=Prepend}"
_CJK_CLASS = r"[[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\u30FC]--[" + _SPECIAL_CLASS + _EXTEND + "]]"
# Scripts written without spaces between words whose letters are not words by themselves: one grapheme per word.
_UNSPACED_CLASS = r"[[\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]--[" + _SPECIAL_CLASS + _EXTEND + "]]"
_SEGMENTED_CLASS = "[" + _CJK_CLASS + _UNSPACED_CLASS + "]"

SPECIAL_RE = regex.compile(_SPECIAL_CLASS, regex.V1)

# A word is either one CJK character (plus trailing combining marks), or a run of non-space, non-CJK characters that
# starts with a non-special, non-mark character and ends with a non-special character (so special characters are
# stripped from both ends, as ROOTS' ``strip`` did, but kept inside: "don't", "e-mail").
WORD_RE = regex.compile(
    rf"{_CJK_CLASS}{_EXTEND}*"
    rf"|(?={_UNSPACED_CLASS})\X"
    rf"|{_PREPEND}*[^{_SPECIAL_CLASS}{_SEGMENTED_CLASS}{_EXTEND}]"
    rf"(?:[^{_WS}{_SEGMENTED_CLASS}]*[^{_SPECIAL_CLASS}{_SEGMENTED_CLASS}])?{_EXTEND}*",
    regex.V1,
)

# Tokens for perplexity: like words, but punctuation is kept as tokens (a language model scores it).
LM_TOKEN_RE = regex.compile(rf"{_CJK_CLASS}\p{{M}}*|(?={_UNSPACED_CLASS})\X|[^{_WS}{_SEGMENTED_CLASS}]+", regex.V1)


@functools.cache
def _every_char() -> str:
    """The string of every code point, in order (so a match's index is its code point), lone surrogates included;
    built once per process from a NumPy range: 0.02 s, where joining 1.1 M ``chr`` took 0.14 s, and up to 2 s in a
    worker whose other threads hold the GIL."""
    return np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


@functools.cache
def _mask_of(pattern: str) -> np.ndarray:
    """Boolean lookup table of the characters matching a one-character pattern (cached: treat as read-only)."""
    mask = np.zeros(0x110000, dtype=bool)
    idx = [m.start() for m in regex.finditer(pattern, _every_char(), flags=regex.V1)]
    mask[np.asarray(idx, dtype=np.int64)] = True
    return mask


@functools.cache
def special_mask() -> np.ndarray:
    """Boolean lookup table indexed by code point: True where the character is special.

    Built once per process (about 0.1 s) so that counting special characters of a document is one vectorised
    lookup instead of a Python loop over characters.
    """
    return _mask_of(_SPECIAL_CLASS)


@functools.cache
def segmented_mask() -> np.ndarray:
    """Lookup table of the characters that are words on their own (CJK) or split into graphemes (Thai...)."""
    return _mask_of(_SEGMENTED_CLASS)


@functools.cache
def _complex_mask() -> np.ndarray:
    """Characters after which only the regular expression gets words right: unspaced scripts (grapheme
    clusters), grapheme extenders and prepended characters, and CJK outside the BMP (not in ``_cjk_spacing``)."""
    mask = _mask_of(rf"[{_UNSPACED_CLASS}{_EXTEND}{_PREPEND}]").copy()
    mask[0x10000:] |= segmented_mask()[0x10000:]
    return mask


@functools.cache
def _cjk_spacing() -> dict[int, str]:
    """``str.translate`` table putting spaces around every BMP CJK character, so that ``str.split`` makes each one
    a word (the regular expression's rule for CJK, at a fraction of its cost)."""
    return {int(cp): f" {chr(cp)} " for cp in np.flatnonzero(_mask_of(_CJK_CLASS)[:0x10000])}


@functools.cache
def special_characters() -> frozenset[str]:
    """The special characters as a set (for tests and documentation; filters use ``special_mask``)."""
    return frozenset(chr(cp) for cp in np.flatnonzero(special_mask()))


@functools.cache
def _edge_characters() -> frozenset[str]:
    """Characters a token must not start with to be a word as it is: special or grapheme-extending (it must not
    end with a special character either)."""
    return special_characters() | frozenset(chr(cp) for cp in np.flatnonzero(_mask_of(_EXTEND)))


@functools.cache
def _special_extenders() -> frozenset[str]:
    """Special characters that also extend a grapheme (emoji skin-tone modifiers...)."""
    return special_characters() & frozenset(chr(cp) for cp in np.flatnonzero(_mask_of(_EXTEND)))


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (lone surrogates survive thanks to ``surrogatepass``)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def words(text: str, cps: np.ndarray | None = None) -> list[str]:
    """The words of ``text`` as ROOTS' ratios see them: split, stripped of special characters, lower-cased.

    ``cps`` (the code points of ``text``, if the caller has them) saves one conversion. Most text takes a fast path
    (:func:`_array_words`: the characters outside every word are found with numpy on the code points, blanked, and
    ``str.split`` cuts the rest; BMP CJK characters are spaced out on the way), which gives exactly ``WORD_RE``'s
    words (tested); in text with Thai-like scripts or combining marks next to CJK, the runs of tokens that hold
    such characters go through ``WORD_RE`` and the others take the fast path (``_mixed_words``).
    """
    low = text.lower()
    if cps is None:
        cps = code_points(text)
    if segmented_mask()[cps].any():
        if _complex_mask()[cps].any():
            return _mixed_words(low)
        return _array_words(low, cjk=True)
    return _array_words(low, cjk=False)


def words_batch(texts: Sequence[str], cps: np.ndarray | None = None) -> list[list[str]]:
    """``[words(t) for t in texts]``, with the fast path's numpy work done once for the whole batch (``cps``: the
    code points of the texts joined, if the caller has them).

    Real documents are short (a help page is ~1,600 characters), so the dozen numpy calls of :func:`_array_words`
    cost more per document in call overhead than in work; on the batch joined by newlines (a word boundary) they
    are paid once, and each document's words are one slice and ``str.split`` of the batch's blanked text. The
    texts that need the regular expression (``_mixed_words``) or the token loop (``_SLOW_BIT``) take it alone.
    """
    out: list[list[str]] = [[] for _ in texts]
    if not texts:
        return out
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    if cps is None:
        cps = code_points("".join(texts))
    path = _path_flags()[cps]
    path = _per_text(np.bitwise_or, path, sizes)
    plain = []
    for i, (t, fl) in enumerate(zip(texts, path.tolist(), strict=True)):
        if fl == 3:  # segmented and complex: the regular expression's runs
            out[i] = _mixed_words(t.lower())
        elif t:
            plain.append(i)
    if plain:
        lows = [texts[i].lower() for i in plain]
        words_of = _array_words_batch(lows)
        for i, w in zip(plain, words_of, strict=True):
            out[i] = w
    return out


def _per_text(reduce: np.ufunc, values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``reduce`` of each text's slice of ``values`` (texts of ``sizes`` elements, back to back; 0 when empty)."""
    res = np.zeros(len(sizes), dtype=values.dtype)
    nonempty = sizes > 0
    if nonempty.any():
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[nonempty]
        res[nonempty] = reduce.reduceat(values, starts)
    return res


@functools.cache
def _path_flags() -> np.ndarray:
    """1 on segmented characters, 2 on those after which only the regular expression gets words right: the path
    :func:`words` takes for a text is the OR over its characters (3: ``_mixed_words``)."""
    flags = segmented_mask().astype(np.uint8)
    flags[_complex_mask()] |= 2
    return flags


def _array_words_batch(lows: list[str]) -> list[list[str]]:
    """:func:`_array_words` of each lower-cased text (BMP CJK spaced out), over the batch joined by newlines."""
    big = "\n".join(lows)
    cps = code_points(big)
    f = _word_flags()[cps]
    sizes = np.fromiter(map(len, lows), dtype=np.int64, count=len(lows))
    starts = np.concatenate(([0], np.cumsum(sizes + 1)[:-1]))
    slow = _per_text(np.bitwise_or, f, sizes + 1) & _SLOW_BIT  # each text with the newline after it
    keep = _keep_mask(f)
    alone = (f & _CJK_BIT) != 0
    if alone.any():
        spaced = _spaced_out(cps, keep, alone)
        slots = np.concatenate(([0], np.cumsum(1 + 2 * alone.astype(np.int64))))  # output position of each char
        begin, end = slots[starts], slots[starts + sizes]
    else:
        spaced = np.where(keep, cps, 32).astype(np.uint32)
        begin, end = starts, starts + sizes
    blank = spaced.tobytes().decode("utf-32-le", "surrogatepass")
    return [_plain_words(low.translate(_cjk_spacing())) if s else blank[b:e].split()
            for low, s, b, e in zip(lows, slow.tolist(), begin.tolist(), end.tolist(), strict=True)]


def _plain_words(low: str) -> list[str]:
    """The words of lower-cased text without CJK (or with it spaced out), token by token (see :func:`words`)."""
    edge, special, special_extend = _edge_characters(), special_characters(), _special_extenders()
    search = WORD_RE.search
    out: list[str] = []
    append = out.append
    for tok in low.split():
        if tok[0] in edge:
            m = search(tok)
            if m is not None:
                append(m.group())
        elif tok[-1] in special:  # usually trailing punctuation: strip it without the regex
            end = len(tok) - 1
            while end > 0 and tok[end - 1] in special:
                end -= 1
            if tok[end] in special_extend:  # the regex would keep a grapheme extender after the word
                m = search(tok)
                if m is not None:
                    append(m.group())
            else:
                append(tok[:end])
        else:
            append(tok)
    return out


# One byte per code point for :func:`_array_words`.
_WS_BIT = 1  # str.split splits here
_KEEP_BIT = 2  # not special: a word may end here
_START_BIT = 4  # neither special nor grapheme-extending nor segmented: a word may start here
_CJK_BIT = 8  # a BMP CJK character: a word of its own (what ``_cjk_spacing`` spaces out)
_SLOW_BIT = 16  # prepended characters and special grapheme extenders: only the token loop handles them
_NOT_A_CHAR = 0x110000  # marks the slots of the spaced-out layout that hold nothing


@functools.cache
def _word_flags() -> np.ndarray:
    """The :func:`_array_words` flags of every code point (built once per process)."""
    special, extend = special_mask(), _mask_of(_EXTEND)
    flags = np.zeros(0x110000, dtype=np.uint8)
    flags[(_split_flags() & 1) != 0] |= _WS_BIT
    flags[~special] |= _KEEP_BIT
    flags[~special & ~extend & ~segmented_mask()] |= _START_BIT
    flags[np.fromiter(_cjk_spacing(), dtype=np.int64)] |= _CJK_BIT
    flags[_mask_of(_PREPEND) | (special & extend)] |= _SLOW_BIT
    return flags


def _array_words(low: str, cjk: bool) -> list[str]:
    """:func:`_plain_words` of ``low`` (with BMP CJK characters spaced out first when ``cjk``), without a Python
    loop over tokens.

    Within a token ``WORD_RE`` matches from its first character that may start a word (``_START_BIT``) to its last
    non-special one (``_KEEP_BIT``), when the token holds neither a prepended character (which the match would
    take in before its start) nor a special grapheme extender (which it would take in after its end); text with
    those goes to :func:`_plain_words`. So the word characters are found with cumulative sums over the code
    points, every other character becomes a space and ``str.split`` returns the words (tested against
    :func:`_plain_words` and ``WORD_RE``). About 5x faster than the token loop on real help pages.
    """
    cps = code_points(low)
    f = _word_flags()[cps]
    if (f & _SLOW_BIT).any():
        return _plain_words(low.translate(_cjk_spacing()) if cjk else low)
    keep = _keep_mask(f)
    if not cjk:
        return np.where(keep, cps, 32).astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass").split()
    return _spaced_out(cps, keep, (f & _CJK_BIT) != 0).tobytes().decode("utf-32-le", "surrogatepass").split()


def _keep_mask(f: np.ndarray) -> np.ndarray:
    """Which characters (of ``_word_flags`` ``f``) are in a word: those of a token from its first character that
    may start a word to its last non-special one (BMP CJK characters cut tokens and are words of their own)."""
    bound = (f & (_WS_BIT | _CJK_BIT)) != 0
    start = (f & _START_BIT) != 0
    end = ((f & _KEEP_BIT) != 0) & ~bound
    return _seen_in_token(start, bound, forward=True) & _seen_in_token(end, bound, forward=False)


def _spaced_out(cps: np.ndarray, keep: np.ndarray, alone: np.ndarray) -> np.ndarray:
    """The code points with characters outside words blanked and a space on either side of each ``alone`` one
    (what ``_cjk_spacing`` does)."""
    spaced = np.full((len(cps), 3), _NOT_A_CHAR, dtype=np.uint32)  # each character with a slot on either side
    spaced[:, 1] = np.where(keep | alone, cps, 32)
    spaced[alone, 0] = 32
    spaced[alone, 2] = 32
    spaced = spaced.ravel()
    return spaced[spaced != _NOT_A_CHAR]


def _seen_in_token(hit: np.ndarray, bound: np.ndarray, forward: bool) -> np.ndarray:
    """Per position: whether a ``hit`` position lies at or before it (at or after it, unless ``forward``) with no
    ``bound`` position in between (``hit`` and ``bound`` are never both True).

    A position that is neither takes the value of the first one before (after) it that is one: so each run of
    such positions gets one value, read beside the run, and painted over it with ``np.repeat``: byte-wide
    operations only, about twice as fast as the running counts (``cumsum``, ``maximum.accumulate``) they replace.
    """
    out = hit.copy()
    open_ = ~(hit | bound)
    edges = np.flatnonzero(np.diff(np.concatenate(([False], open_, [False])).view(np.int8)))
    first, past = edges[0::2], edges[1::2]  # each run of open positions: [first, past)
    if forward:
        value = hit[np.maximum(first - 1, 0)] & (first > 0)
    else:
        value = hit[np.minimum(past, len(hit) - 1)] & (past < len(hit))
    out[np.flatnonzero(open_)] = np.repeat(value, past - first)
    return out


@functools.cache
def _split_flags() -> np.ndarray:
    """One byte per code point: 1 where ``str.split`` splits, 2 where only ``WORD_RE`` gets words right (CJK,
    unspaced scripts, grapheme extenders, prepended characters)."""
    flags = np.zeros(0x110000, dtype=np.uint8)
    flags[[cp for cp, c in enumerate(_every_char()) if c.isspace()]] = 1
    flags[segmented_mask() | _complex_mask()] |= 2
    return flags


def _mixed_words(low: str) -> list[str]:
    """``WORD_RE.findall(low)``, with the regular expression run only on the runs of whitespace-separated tokens
    that hold a character it alone handles (``_split_flags``), and the other runs split by :func:`_plain_words`.

    The same words: no match of ``WORD_RE`` holds a character ``str.split`` splits on, and no grapheme boundary
    depends on text across whitespace, so ``findall`` over text cut at whitespace is ``findall`` of each piece
    (tested against ``WORD_RE`` on the whole text). On Khmer help pages a third of the text is Latin words, which
    the regular expression's alternation was slowest on.
    """
    f = _split_flags()[code_points(low)]
    inside = (f & 1) == 0
    starts = inside.copy()
    starts[1:] &= ~inside[:-1]
    starts = np.flatnonzero(starts)
    ends = inside.copy()
    ends[:-1] &= ~inside[1:]
    ends = np.flatnonzero(ends) + 1
    hard = np.concatenate(([0], np.cumsum((f & 2) != 0)))
    hard = hard[ends] > hard[starts]  # per token: holds such a character
    first, last = _runs(hard)
    short = ~hard[first] & (ends[last - 1] - starts[first] < _MIN_PLAIN_RUN)
    for a, b in zip(first[short].tolist(), last[short].tolist(), strict=True):
        hard[a:b] = True  # a short run of plain tokens is not worth a piece of its own
    first, last = _runs(hard)
    out: list[str] = []
    for a, b in zip(first.tolist(), last.tolist(), strict=True):
        piece = low[int(starts[a]) : int(ends[b - 1])]
        out.extend(WORD_RE.findall(piece) if hard[a] else _array_words(piece, cjk=False))
    return out


#: characters of plain tokens in a row below which they go through the regular expression with their neighbours
_MIN_PLAIN_RUN = 200


def _runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and past-the-last index of each run of equal values of ``flags`` (not empty)."""
    cuts = np.flatnonzero(flags[1:] != flags[:-1]) + 1
    return np.concatenate(([0], cuts)), np.concatenate((cuts, [len(flags)]))


def lm_tokens(line: str) -> list[str]:
    """Tokens of one line for the KenLM perplexity: whitespace split, CJK characters separated.

    A model used with the perplexity filter must be trained on text tokenised the same way (join with spaces).
    """
    return LM_TOKEN_RE.findall(line)
