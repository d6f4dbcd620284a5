"""Beam wiring of the pure filters in ``filters/``: ``Normalize``, ``QualityFilter``, ``TemplateLines``,
``PiiRedact``.

Each stage batches documents (``BatchElements``) because the filters are cheapest per batch, groups a batch by
language where parameters differ, calls the plain functions, and routes each document to ``kept`` or ``removed``
(with the filter's name as ``reason`` and its measured value). No document logic lives here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import apache_beam as beam
import regex

from filters import (
    PII_CATEGORIES,
    FilterConfig,
    TemplateLinesParams,
    code_filter_batch,
    drop_lines,
    filter_batch,
    is_code_language,
    line_hashes,
    modify_batch,
    normalize_batch,
    redact_batch,
)
from filters.profiles import small_document_batch
from filters.results import KEEP
from pipeline.stage import FAILED, REMOVED, Record, StageOutput, removed, stage_output

#: which checks each source runs under (``{source: checks}``, from its filter profile); ``None``: all checks
Profiles = dict[str, frozenset[str]] | None


def runs(profiles: Profiles, rec: Record, check: str) -> bool:
    """Whether ``rec``'s source has ``check`` in its filter profile (every check when there are no profiles)."""
    return profiles is None or check in profiles.get(rec.get("source"), frozenset())

STATS = "stats"
#: a document with nothing but whitespace, format (zero-width) and control characters is empty
_VISIBLE = regex.compile(r"[^\s\p{Cf}\p{Cc}]")


def _batched(docs, label: str, max_batch: int = 256):
    return docs | f"Batch{label}" >> beam.BatchElements(min_batch_size=8, max_batch_size=max_batch)


def _empty(pipeline, label: str):
    return pipeline | label >> beam.Create([])


# ------------------------------------------------------------------------------------------------ Normalize
class _NormalizeBatch(beam.DoFn):
    def process(self, batch: list[Record]):
        for rec, text in zip(batch, normalize_batch([r["text"] for r in batch]), strict=True):
            if _VISIBLE.search(text):
                yield {**rec, "text": text}
            else:
                beam.metrics.Metrics.counter("removed", "empty").inc()
                yield beam.pvalue.TaggedOutput(REMOVED, removed({**rec, "text": text}, "empty", 0))


class Normalize(beam.PTransform):
    """NFC, mojibake repair, control characters and whitespace cleaned; the shards keep the normalised text.
    A document that is empty once normalised is removed as ``empty``."""

    def __init__(self, enabled: bool = True):
        super().__init__()
        self.enabled = enabled

    def expand(self, docs) -> StageOutput:
        if not self.enabled:
            return StageOutput(docs, _empty(docs.pipeline, "NoRemoved"), _empty(docs.pipeline, "NoFailed"))
        out = _batched(docs, "Normalize") | beam.ParDo(_NormalizeBatch()).with_outputs(REMOVED, FAILED, main="kept")
        return stage_output(out)


# ------------------------------------------------------------------------------------------------ QualityFilter
def _group_by_language_and_checks(batch: list[Record], profiles: Profiles):
    groups: dict[tuple[str, frozenset[str] | None], list[Record]] = defaultdict(list)
    for rec in batch:
        checks = None if profiles is None else profiles.get(rec.get("source"), frozenset())
        groups[(rec["language"] or "unknown", checks)].append(rec)
    return sorted(groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1] or ())))


class _FilterBatch(beam.DoFn):
    def __init__(self, config: FilterConfig, profiles: Profiles = None):
        self.config, self.profiles = config, profiles
        self._params: dict[str, Any] = {}

    def _params_for(self, language: str):
        if language not in self._params:
            self._params[language] = self.config.params_for(language)
        return self._params[language]

    def _verdicts(self, language: str, checks: frozenset[str] | None, recs: list[Record]):
        texts = [r["text"] for r in recs]
        if is_code_language(language):
            if checks is not None and "code" not in checks:
                return texts, [KEEP] * len(texts)
            return texts, code_filter_batch(texts, [r.get("path") for r in recs], self.config.code,
                                            [r.get("license") for r in recs])
        params = self._params_for(language)
        if checks is None or "remove_words" in checks:
            texts = modify_batch(texts, params)
        verdicts = filter_batch(texts, language, params, [r.get("lid_score") for r in recs], checks)
        if checks is not None and "small_document" in checks:
            small = small_document_batch(texts, self.config.small_document_min_words)
            verdicts = [s if not s.keep else v for s, v in zip(small, verdicts, strict=True)]
        return texts, verdicts

    def process(self, batch: list[Record]):
        for (language, checks), recs in _group_by_language_and_checks(batch, self.profiles):
            texts, verdicts = self._verdicts(language, checks, recs)
            for rec, text, verdict in zip(recs, texts, verdicts, strict=True):
                if verdict.keep:
                    yield {**rec, "text": text}
                else:
                    beam.metrics.Metrics.counter("removed", verdict.reason).inc()
                    yield beam.pvalue.TaggedOutput(REMOVED, removed(rec, verdict.reason, verdict.value))


class QualityFilter(beam.PTransform):
    """ROOTS' per-language quality filters on natural language, AlphaCode / The Stack filters on code."""

    def __init__(self, config: FilterConfig, enabled: bool = True, profiles: Profiles = None):
        super().__init__()
        self.config, self.enabled, self.profiles = config, enabled, profiles

    def expand(self, docs) -> StageOutput:
        if not self.enabled:
            return StageOutput(docs, _empty(docs.pipeline, "NoRemoved"), _empty(docs.pipeline, "NoFailed"))
        out = _batched(docs, "Filter") | beam.ParDo(_FilterBatch(self.config, self.profiles)).with_outputs(
            REMOVED, FAILED, main="kept")
        return stage_output(out)


# ------------------------------------------------------------------------------------------------ TemplateLines
class _DropLines(beam.DoFn):
    def __init__(self, min_chars: int, profiles: Profiles = None):
        self.min_chars, self.profiles = min_chars, profiles
        self._bad: tuple[int, frozenset[str]] | None = None

    def process(self, rec: Record, bad: list[str]):
        if not runs(self.profiles, rec, "template_lines"):
            yield rec
            return
        if self._bad is None or self._bad[0] != id(bad):  # build the set once per side-input value, not per doc
            self._bad = (id(bad), frozenset(bad))
        text = drop_lines(rec["text"], self._bad[1], self.min_chars)
        if text.strip():
            yield {**rec, "text": text}
        else:
            beam.metrics.Metrics.counter("removed", "template_lines").inc()
            yield beam.pvalue.TaggedOutput(REMOVED, removed(rec, "template_lines", None))


class TemplateLines(beam.PTransform):
    """ROOTS' ``dedup_template_soft`` (optional): lines seen at least ``min_count`` times across the corpus are
    removed from every document. Only line hashes are counted globally; the texts never move through a grouping.
    A document left empty is removed as ``template_lines``."""

    def __init__(self, params: TemplateLinesParams, profiles: Profiles = None):
        super().__init__()
        self.params, self.profiles = params, profiles

    def expand(self, docs) -> StageOutput:
        if not self.params.enabled:
            return StageOutput(docs, _empty(docs.pipeline, "NoRemoved"), _empty(docs.pipeline, "NoFailed"))
        min_chars, min_count, profiles = self.params.min_chars, self.params.min_count, self.profiles
        frequent = (
            docs
            | "LineHashes" >> beam.FlatMap(
                lambda r: line_hashes(r["text"], min_chars) if runs(profiles, r, "template_lines") else [])
            | "CountLines" >> beam.combiners.Count.PerElement()
            | "Frequent" >> beam.Filter(lambda kv: kv[1] >= min_count)
            | "HashOnly" >> beam.Keys()
        )

        drop = beam.ParDo(_DropLines(min_chars, profiles), bad=beam.pvalue.AsList(frequent))
        out = docs | "DropLines" >> drop.with_outputs(REMOVED, FAILED, main="kept")
        return stage_output(out)


# ------------------------------------------------------------------------------------------------ PiiRedact
class _RedactBatch(beam.DoFn):
    def __init__(self, profiles: Profiles = None):
        self.profiles = profiles

    def _redacts(self, rec: Record) -> bool:
        return not is_code_language(rec["language"]) and runs(self.profiles, rec, "pii")

    def process(self, batch: list[Record]):
        natural = [r for r in batch if self._redacts(r)]
        for rec, (text, counts) in zip(natural, redact_batch([r["text"] for r in natural]), strict=True):
            for category, n in counts.items():
                if n:
                    beam.metrics.Metrics.counter("pii", category).inc(n)
                    yield beam.pvalue.TaggedOutput(STATS, (category, n))
            yield {**rec, "text": text}
        for rec in batch:
            if not self._redacts(rec):
                yield rec


class PiiRedact(beam.PTransform):
    """ROOTS' PII redaction (EMAIL, USER, IP_ADDRESS, KEY → ``PI:<CATEGORY>``) on natural-language documents, as
    ROOTS applied it to its web text. Returns ``(StageOutput, counts)`` where ``counts`` is one dict
    {category: replacements}."""

    def __init__(self, enabled: bool = True, profiles: Profiles = None):
        super().__init__()
        self.enabled, self.profiles = enabled, profiles

    def expand(self, docs):
        pipeline = docs.pipeline
        if not self.enabled:
            counts = pipeline | "NoCounts" >> beam.Create([{"enabled": False}])
            return StageOutput(docs, _empty(pipeline, "NoRemoved"), _empty(pipeline, "NoFailed")), counts
        out = _batched(docs, "Redact") | beam.ParDo(_RedactBatch(self.profiles)).with_outputs(STATS, main="kept")
        counts = (
            out[STATS]
            | "SumPerCategory" >> beam.CombinePerKey(sum)
            | "AllCategories" >> beam.combiners.ToList()
            | "AsDict" >> beam.Map(lambda kv: {"enabled": True, **dict.fromkeys(PII_CATEGORIES, 0), **dict(kv)})
        )
        return StageOutput(out.kept, _empty(pipeline, "NoRemoved"), _empty(pipeline, "NoFailed")), counts
