"""PII redaction on a batch of records, without Beam: the function the ``PiiRedact`` stage (``pipeline.pii``) runs,
and its tallies' shape, used as they are by the in-process ``roots refilter`` (which redacts again a document it
newly removes, as the stage did before the quality filter)."""

from __future__ import annotations

from collections.abc import Iterator

from core.languages import is_code
from filters import PII_CATEGORIES, redact_batch
from pipeline.record import BatchFn, Profiles, Record, Tally, runs, with_text


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

