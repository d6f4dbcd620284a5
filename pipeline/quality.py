"""The ``QualityFilter`` stage: ROOTS' per-language quality filters (``filters.quality``) on natural language, the
AlphaCode / The Stack filters (``filters.code``) on code.

A batch is grouped by language, because parameters differ per language and the filters are cheapest per batch.

ROOTS' word removal (``filters.remove_words_batch``) runs first, where the source's profile has ``remove_words``; the
words it takes from the documents the filter keeps are tallied per language and reason into the stage's ``stats``
(``stats/word_removal.json``, the report's ``word_removal``), so no word leaves a kept document uncounted. A removed
document is written with the text it came in with, so what word removal would have taken from it is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import apache_beam as beam

from core.languages import is_code
from filters import (
    FilterConfig,
    FilterResult,
    code_explain,
    code_filter_batch,
    explain,
    filter_batch,
    measure_batch,
    modify_batch,
    remove_words_batch,
    verdict_of,
)
from filters.profiles import small_document_batch
from filters.quality import RemovedWords
from filters.results import KEEP
from pipeline.stage import BatchFn, BatchStage, Profiles, Record, Removal, Tally, with_text
from pipeline.word_removal import removed_words_tallies, with_words, word_removal_stats


def _group_by_language_and_checks(batch: list[Record], profiles: Profiles):
    groups: dict[tuple[str, frozenset[str] | None], list[Record]] = defaultdict(list)
    for rec in batch:
        checks = None if profiles is None else profiles.get(rec.get("source"))  # None: every check
        groups[(rec["language"] or "unknown", checks)].append(rec)
    return sorted(groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1] or ())))


class FilterFn(BatchFn):
    """Runs the manifest's checks for each language of a batch; the first failing check is the ``reason``.

    With ``measure`` (attributes on) every check is measured on every natural-language document (not only up to
    the first failing one) and the values go on the record as ``measures``; the verdict is the same."""

    def __init__(self, config: FilterConfig, profiles: Profiles = None, measure: bool = False):
        self.config, self.profiles, self.measure = config, profiles, measure
        self._params: dict[str, Any] = {}

    def _params_for(self, language: str):
        if language not in self._params:
            self._params[language] = self.config.params_for(language)
        return self._params[language]

    def _verdicts(self, language: str, checks: frozenset[str] | None, recs: list[Record]):
        """The texts (after ROOTS' word removal, where the profile runs it), the words it removed from each
        (``None`` where it did not run), each one's verdict and, when measuring, each one's check values (``None``
        for code)."""
        texts = [r["text"] for r in recs]
        removed: list[RemovedWords | None] = [None] * len(texts)  # None: word removal did not run
        if is_code(language):
            if checks is not None and "code" not in checks:
                return texts, removed, [KEEP] * len(texts), [None] * len(texts)
            return texts, removed, code_filter_batch(texts, [r.get("path") for r in recs], self.config.code,
                                                     [r.get("license") for r in recs]), [None] * len(texts)
        params = self._params_for(language)
        if checks is None or "remove_words" in checks:
            texts, removed = map(list, zip(*remove_words_batch(texts, params), strict=True))
        scores = [r.get("lid_score") for r in recs]
        if self.measure:
            values = measure_batch(texts, language, params, scores)
            verdicts = [verdict_of(v, params, checks) for v in values]
        else:
            values = [None] * len(texts)
            verdicts = filter_batch(texts, language, params, scores, checks)
        if checks is not None and "small_document" in checks:
            small = small_document_batch(texts, self.config.small_document_min_words)
            verdicts = [s if not s.keep else v for s, v in zip(small, verdicts, strict=True)]
        return texts, removed, verdicts, values

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Removal | Tally]:
        for (language, checks), recs in _group_by_language_and_checks(batch, self.profiles):
            texts, removed, verdicts, values = self._verdicts(language, checks, recs)
            for rec, text, words, verdict, measures in zip(recs, texts, removed, verdicts, values, strict=True):
                if self.measure:
                    rec = {**rec, "measures": measures}
                if verdict.keep:
                    yield from removed_words_tallies(language, words)
                    yield with_text(with_words(rec, words, self.measure), text, self.measure)
                else:
                    yield Removal(rec, verdict.reason, verdict.value)


def summarise_word_removal(tallies: beam.PCollection) -> beam.PCollection:
    """One dict {language: {reason: words removed from the documents kept}} from the ((language, reason), n) tallies
    (``{}`` when word removal took nothing)."""
    return (
        tallies
        | "SumPerLanguageAndReason" >> beam.CombinePerKey(sum)
        | "AllWordCounts" >> beam.combiners.ToList()
        | "AsWordRemoval" >> beam.Map(word_removal_stats)
    )


class QualityFilter(BatchStage):
    """ROOTS' per-language quality filters on natural language, AlphaCode / The Stack filters on code."""

    name = "QualityFilter"

    def __init__(self, config: FilterConfig, profiles: Profiles = None, measure: bool = False):
        super().__init__()
        self.config, self.profiles, self.measure = config, profiles, measure

    def batch_fn(self) -> BatchFn:
        return FilterFn(self.config, self.profiles, self.measure)

    def summarise(self, pipeline, tallies):
        return None if tallies is None else summarise_word_removal(tallies)

    def explain_rows(self, record: Record) -> list[FilterResult]:
        """Every check's value, threshold and verdict for ``record``, as the function measures them."""
        language = record["language"] or "unknown"
        if is_code(language):
            return code_explain(record["text"], record.get("path"), self.config.code)
        params = self.config.params_for(language)
        return explain(modify_batch([record["text"]], params)[0], language, params, record.get("lid_score"))
