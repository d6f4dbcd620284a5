"""The ``PiiRedact`` stage: ROOTS' PII redaction (``filters.pii``) on natural-language documents, and the count of
its placeholders in the documents finally kept.

The stage runs before the quality filter (``pipeline.stages``), so it redacts documents that are removed later too
(they are written to ``removed/`` redacted): its own tally (``stats/pii.json``, the report's ``pii``) counts the
replacements it made in every document it saw. What a reader of the shards wants to know is how much PII was
replaced in them: :class:`KeptPlaceholders` counts the ``PI:<CATEGORY>`` placeholders in the text of the kept
documents PII redaction ran on (``stats/pii_kept.json``, the report's ``pii_kept``).
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam

from core.languages import is_code
from filters import PII_CATEGORIES, count_placeholders, redact_batch
from pipeline.stage import BatchFn, BatchStage, Profiles, Record, Tally, runs, with_text


def redacts(profiles: Profiles, rec: Record) -> bool:
    """Whether PII redaction runs on ``rec``: natural language, of a source whose profile has ``pii``."""
    return not is_code(rec["language"]) and runs(profiles, rec, "pii")


class RedactFn(BatchFn):
    """Redacts the natural-language documents of a batch and tallies the replacements per category; code is
    passed through unchanged (ROOTS applied PII redaction to its web text). With ``record`` (attributes on) the
    counts go on the record as ``pii``, and a patch back to the unredacted text into ``restore``."""

    def __init__(self, profiles: Profiles = None, record: bool = False):
        self.profiles, self.record = profiles, record

    def _redacts(self, rec: Record) -> bool:
        return redacts(self.profiles, rec)

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Tally]:
        natural = [r for r in batch if self._redacts(r)]
        for rec, (text, counts) in zip(natural, redact_batch([r["text"] for r in natural]), strict=True):
            for category, n in counts.items():
                if n:
                    yield Tally(category, n)
            if self.record:
                rec = {**rec, "pii": counts}
            yield with_text(rec, text, self.record)
        yield from (r for r in batch if not self._redacts(r))


#: the ``stats/`` file of :class:`KeptPlaceholders` (the report's ``pii_kept``)
KEPT_STATS = "pii_kept.json"


def pii_stats(kv: list[tuple[str, int]]) -> dict:
    """The stats dict of PII counts: ``enabled`` and every category (0 where none)."""
    return {"enabled": True, **dict.fromkeys(PII_CATEGORIES, 0), **dict(kv)}


def _per_category(counts: beam.PCollection) -> beam.PCollection:
    """``(category, n)`` counts → one dict {category: sum} with every category (:func:`pii_stats`)."""
    return (
        counts
        | "SumPerCategory" >> beam.CombinePerKey(sum)
        | "AllCategories" >> beam.combiners.ToList()
        | "AsDict" >> beam.Map(pii_stats)
    )


class PiiRedact(BatchStage):
    """ROOTS' PII redaction (EMAIL, USER, IP_ADDRESS, KEY → ``PI:<CATEGORY>``); never removes a document. Its
    ``stats`` is one dict {category: replacements} (``{"enabled": False}`` when switched off)."""

    name = "PiiRedact"

    def __init__(self, enabled: bool = True, profiles: Profiles = None, record: bool = False):
        super().__init__(enabled)
        self.profiles, self.record = profiles, record

    def batch_fn(self) -> BatchFn:
        return RedactFn(self.profiles, self.record)

    def summarise(self, pipeline, tallies):
        if tallies is None:
            return pipeline | "NoCounts" >> beam.Create([{"enabled": False}])
        return _per_category(tallies)


class KeptPlaceholders(beam.PTransform):
    """The final kept documents → one dict {category: ``PI:<CATEGORY>`` placeholders in their texts} over the
    documents PII redaction ran on (``{"enabled": False}`` when it is switched off). Unlike the stage's own tally it
    leaves out the documents removed after redaction and what later stages took from a kept text, so it is the PII
    count of the shards. (A placeholder already written as such in the input counts too: it cannot be told apart.)"""

    def __init__(self, enabled: bool = True, profiles: Profiles = None):
        super().__init__()
        self.enabled, self.profiles = enabled, profiles

    def expand(self, docs):
        if not self.enabled:
            return docs.pipeline | "NoPlaceholders" >> beam.Create([{"enabled": False}])
        profiles = self.profiles
        return _per_category(docs | "Placeholders" >> beam.FlatMap(
            lambda r: count_placeholders(r["text"]).items() if redacts(profiles, r) else ()))
