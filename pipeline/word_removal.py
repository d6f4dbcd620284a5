"""The tallies of ROOTS' word removal on a record, without Beam: what the ``QualityFilter`` stage
(``pipeline.quality``) counts of the words it takes from a kept document, and the shape of its ``stats``; the
in-process ``roots refilter`` counts with the same functions."""

from __future__ import annotations

from collections.abc import Iterator

from filters.quality import RemovedWords
from pipeline.record import WORD_REMOVAL, Record, Tally


def removed_words_tallies(language: str, words: RemovedWords | None) -> Iterator[Tally]:
    """The tallies of the words word removal took from one kept document of ``language``."""
    for reason, n in (words or {}).items():
        if n:
            yield Tally((language, reason), n)


def with_words(rec: Record, words: RemovedWords | None, record: bool) -> Record:
    """A kept record with, when recording attributes and word removal ran, the words it took (:data:`WORD_REMOVAL`)."""
    return {**rec, WORD_REMOVAL: words} if record and words is not None else rec


def word_removal_stats(kv: list[tuple[tuple[str, str], int]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (language, reason), n in sorted(kv):
        out.setdefault(language, {})[reason] = n
    return out

