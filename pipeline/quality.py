"""The ``QualityFilter`` stage: ROOTS' per-language quality filters (``filters.quality``) on natural language, the
AlphaCode / The Stack filters (``filters.code``) on code.

A batch is grouped by language, because parameters differ per language and the filters are cheapest per batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from core.languages import is_code
from filters import FilterConfig, FilterResult, code_explain, code_filter_batch, explain, filter_batch, modify_batch
from pipeline.stage import BatchFn, BatchStage, Record, Removal


def _group_by_language(batch: list[Record]) -> dict[str, list[Record]]:
    groups: dict[str, list[Record]] = defaultdict(list)
    for rec in batch:
        groups[rec["language"] or "unknown"].append(rec)
    return groups


class FilterFn(BatchFn):
    """Runs the manifest's checks for each language of a batch; the first failing check is the ``reason``."""

    def __init__(self, config: FilterConfig):
        self.config = config
        self._params: dict[str, Any] = {}

    def _params_for(self, language: str):
        if language not in self._params:
            self._params[language] = self.config.params_for(language)
        return self._params[language]

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Removal]:
        for language, recs in sorted(_group_by_language(batch).items()):
            texts = [r["text"] for r in recs]
            if is_code(language):
                verdicts = code_filter_batch(texts, [r.get("path") for r in recs], self.config.code)
            else:
                params = self._params_for(language)
                texts = modify_batch(texts, params)
                verdicts = filter_batch(texts, language, params, [r.get("lid_score") for r in recs])
            for rec, text, verdict in zip(recs, texts, verdicts, strict=True):
                yield {**rec, "text": text} if verdict.keep else Removal(rec, verdict.reason, verdict.value)


class QualityFilter(BatchStage):
    """ROOTS' per-language quality filters on natural language, AlphaCode / The Stack filters on code."""

    name = "QualityFilter"

    def __init__(self, config: FilterConfig):
        super().__init__()
        self.config = config

    def batch_fn(self) -> BatchFn:
        return FilterFn(self.config)

    def explain_rows(self, record: Record) -> list[FilterResult]:
        """Every check's value, threshold and verdict for ``record``, as the function measures them."""
        language = record["language"] or "unknown"
        if is_code(language):
            return code_explain(record["text"], record.get("path"), self.config.code)
        params = self.config.params_for(language)
        return explain(modify_batch([record["text"]], params)[0], language, params, record.get("lid_score"))
