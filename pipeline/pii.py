"""The ``PiiRedact`` stage: ROOTS' PII redaction (``filters.pii``) on natural-language documents, and the count of
its placeholders in the documents finally kept.

The stage runs before the quality filter (``pipeline.stages``), so it redacts documents that are removed later too
(they are written to ``removed/`` redacted): its own tally (``stats/pii.json``, the report's ``pii``) counts the
replacements it made in every document it saw. What a reader of the shards wants to know is how much PII was
replaced in them: :class:`KeptPlaceholders` counts the ``PI:<CATEGORY>`` placeholders in the text of the kept
documents PII redaction ran on (``stats/pii_kept.json``, the report's ``pii_kept``).

What the stage runs on a batch (:class:`~pipeline.redact.RedactFn`) is ``pipeline.redact``'s, without Beam.
"""

from __future__ import annotations

import apache_beam as beam

from filters import count_placeholders
from pipeline.redact import KEPT_STATS, RedactFn, pii_stats, redacts  # noqa: F401 - KEPT_STATS re-exported
from pipeline.stage import BatchFn, BatchStage, Profiles


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
