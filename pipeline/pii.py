"""The ``PiiRedact`` stage: ROOTS' PII redaction (``filters.pii``) on natural-language documents."""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam

from core.languages import is_code
from filters import PII_CATEGORIES, redact_batch
from pipeline.stage import BatchFn, BatchStage, Profiles, Record, Tally, runs, with_text


class RedactFn(BatchFn):
    """Redacts the natural-language documents of a batch and tallies the replacements per category; code is
    passed through unchanged (ROOTS applied PII redaction to its web text). With ``record`` (attributes on) the
    counts go on the record as ``pii``, and a patch back to the unredacted text into ``restore``."""

    def __init__(self, profiles: Profiles = None, record: bool = False):
        self.profiles, self.record = profiles, record

    def _redacts(self, rec: Record) -> bool:
        return not is_code(rec["language"]) and runs(self.profiles, rec, "pii")

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


def _pii_stats(kv: list[tuple[str, int]]) -> dict:
    return {"enabled": True, **dict.fromkeys(PII_CATEGORIES, 0), **dict(kv)}


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
        return (
            tallies
            | "SumPerCategory" >> beam.CombinePerKey(sum)
            | "AllCategories" >> beam.combiners.ToList()
            | "AsDict" >> beam.Map(_pii_stats)
        )
