"""Optional vowel and cantillation marks, removed before closed-class and flagged words are matched.

Fully vocalised Arabic (Quranic or teaching text, with harakat) and pointed Hebrew (niqqud) spell every closed-class
word differently from the unvocalised word lists, so such a document failed the stop-word check although it is
ordinary running text. Only marks that the script treats as optional are removed: Arabic harakat, tanwin, shadda,
sukun, superscript alef and Quranic annotation signs, the tatweel (a stretching stroke), and Hebrew points and
cantillation. Vowel signs that are part of spelling (Devanagari matras, Latin accents) are kept: ``भी`` or ``à`` with
its mark removed would be another word. The stored text is never changed: only the words compared to the lists.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

from filters.text import _every_char  # the string of every code point, built once per process

# a plain character class: the standard library's engine scans for it ~5x faster than `regex`
OPTIONAL_MARKS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08ff\u0640"  # Arabic
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]"  # Hebrew points and accents (not maqaf, paseq, sof pasuq)
)


def has_optional_marks(text: str) -> bool:
    """Cheap test for the fast path: most documents have none."""
    return OPTIONAL_MARKS.search(text) is not None


@functools.cache
def _marks_mask() -> np.ndarray:
    """Lookup table indexed by code point: True on the characters ``OPTIONAL_MARKS`` matches."""
    mask = np.zeros(0x110000, dtype=bool)
    mask[[m.start() for m in OPTIONAL_MARKS.finditer(_every_char())]] = True
    return mask


def has_optional_marks_batch(texts: Sequence[str], cps: np.ndarray) -> list[bool]:
    """``[has_optional_marks(t) for t in texts]`` from ``cps``, the code points of the texts joined: one lookup
    over the batch instead of a scan per text."""
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    out = np.zeros(len(texts), dtype=bool)
    nonempty = sizes > 0
    if nonempty.any():
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[nonempty]
        out[nonempty] = np.logical_or.reduceat(_marks_mask()[cps], starts)
    return out.tolist()


def strip_optional_marks(word: str) -> str:
    """``word`` without Arabic harakat / Hebrew niqqud (``كِتَابٌ`` → ``كتاب``, ``שָׁלוֹם`` → ``שלום``)."""
    return OPTIONAL_MARKS.sub("", word)


@functools.cache
def see_through_marks(vocabulary: frozenset[str]) -> frozenset[str]:
    """A word list plus the bare form of each of its words (stopwords-iso's Arabic list has vocalised entries)."""
    bare = {strip_optional_marks(w) for w in vocabulary if has_optional_marks(w)}
    return vocabulary | bare if bare else vocabulary
