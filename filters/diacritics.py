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

# a plain character class: the standard library's engine scans for it ~5x faster than `regex`
OPTIONAL_MARKS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08ff\u0640"  # Arabic
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]"  # Hebrew points and accents (not maqaf, paseq, sof pasuq)
)


def has_optional_marks(text: str) -> bool:
    """Cheap test for the fast path: most documents have none."""
    return OPTIONAL_MARKS.search(text) is not None


def strip_optional_marks(word: str) -> str:
    """``word`` without Arabic harakat / Hebrew niqqud (``كِتَابٌ`` → ``كتاب``, ``שָׁלוֹם`` → ``שלום``)."""
    return OPTIONAL_MARKS.sub("", word)


@functools.cache
def see_through_marks(vocabulary: frozenset[str]) -> frozenset[str]:
    """A word list plus the bare form of each of its words (stopwords-iso's Arabic list has vocalised entries)."""
    bare = {strip_optional_marks(w) for w in vocabulary if has_optional_marks(w)}
    return vocabulary | bare if bare else vocabulary
