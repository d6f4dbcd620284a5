"""The ``TemplateLines`` stage: ROOTS' ``dedup_template_soft`` (optional).

Lines seen at least ``min_count`` times across the corpus are removed from every document. Only line hashes are
counted globally (``filters.lines``); the texts never move through a grouping. Code is left alone, as ROOTS applied
it to natural-language datasets: a licence header or an ``import`` line repeated across a repository is part of
each file (code text is stored as read).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam

from core.languages import is_code
from filters import TemplateLinesParams, drop_lines, line_hashes
from pipeline.stage import BatchFn, BatchStage, Profiles, Record, Removal, runs, with_text


def drops_lines(profiles: Profiles, rec: Record) -> bool:
    """Whether template lines are counted in and dropped from ``rec``: natural language whose profile asks for it."""
    return not is_code(rec["language"]) and runs(profiles, rec, "template_lines")


class DropLinesFn(BatchFn):
    """Drops the corpus-frequent lines (side input ``frequent``: their hashes) from each document; a document
    left empty is removed as ``template_lines``."""

    def __init__(self, min_chars: int, profiles: Profiles = None, record: bool = False):
        self.min_chars, self.profiles, self.record = min_chars, profiles, record
        self._bad: tuple[int, frozenset[str]] | None = None

    def __call__(self, batch: list[Record], frequent: list[str] = (), **side) -> Iterator[Record | Removal]:
        if self._bad is None or self._bad[0] != id(frequent):  # the set once per side-input value, not per batch
            self._bad = (id(frequent), frozenset(frequent))
        for rec in batch:
            if not drops_lines(self.profiles, rec):
                yield rec
                continue
            text = drop_lines(rec["text"], self._bad[1], self.min_chars)
            yield with_text(rec, text, self.record) if text.strip() else Removal(rec, "template_lines", None)


class TemplateLines(BatchStage):
    """Removes lines repeated across the corpus (``filters.template_lines`` in the manifest; off by default)."""

    name = "TemplateLines"
    corpus_level = True

    def __init__(self, params: TemplateLinesParams, profiles: Profiles = None, record: bool = False):
        super().__init__(params.enabled)
        self.params, self.profiles, self.record = params, profiles, record

    def batch_fn(self) -> BatchFn:
        return DropLinesFn(self.params.min_chars, self.profiles, self.record)

    def corpus_inputs(self, docs) -> dict[str, Any]:
        min_chars, min_count, profiles = self.params.min_chars, self.params.min_count, self.profiles
        frequent = (
            docs
            | "LineHashes" >> beam.FlatMap(
                lambda r: line_hashes(r["text"], min_chars) if drops_lines(profiles, r) else [])
            | "CountLines" >> beam.combiners.Count.PerElement()
            | "Frequent" >> beam.Filter(lambda kv: kv[1] >= min_count)
            | "HashOnly" >> beam.Keys()
        )
        return {"frequent": beam.pvalue.AsList(frequent)}
