"""The ``Normalize`` stage: NFC, mojibake repair, control characters and whitespace (``filters.normalize``)."""

from __future__ import annotations

from collections.abc import Iterator

from filters import is_empty_text, normalize_batch
from pipeline.stage import BatchFn, BatchStage, Record, Removal


class NormalizeFn(BatchFn):
    """Normalises a batch; a document with nothing visible left is removed as ``empty``."""

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Removal]:
        for rec, text in zip(batch, normalize_batch([r["text"] for r in batch]), strict=True):
            if is_empty_text(text):
                yield Removal({**rec, "text": text}, "empty", 0)
            else:
                yield {**rec, "text": text}


class Normalize(BatchStage):
    """NFC, mojibake repair, control characters and whitespace cleaned; the shards keep the normalised text.
    A document that is empty once normalised is removed as ``empty``."""

    name = "Normalize"

    def batch_fn(self) -> BatchFn:
        return NormalizeFn()
