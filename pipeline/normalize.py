"""The ``Normalize`` stage: NFC, mojibake repair, control characters and whitespace (``filters.normalize``).

Code files are left byte for byte as read, unless the manifest says ``normalize: {code: true}``: collapsing blank-line
runs, stripping trailing spaces or the final newline changes a source file (``import sys\n\n\ndef`` is PEP 8's
spacing; a trailing space can be part of a string literal), and its text reaches the shards and the tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.languages import is_code
from filters import is_empty_text, normalize_batch
from pipeline.stage import BatchFn, BatchStage, Record, Removal


class NormalizeFn(BatchFn):
    """Normalises a batch (code only with ``code``); a document with nothing visible left is removed as ``empty``."""

    def __init__(self, code: bool = False):
        self.code = code

    def _normalizes(self, rec: Record) -> bool:
        return self.code or not is_code(rec["language"])

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Removal]:
        chosen = [i for i, r in enumerate(batch) if self._normalizes(r)]
        texts = [r["text"] for r in batch]
        for i, text in zip(chosen, normalize_batch([texts[i] for i in chosen]), strict=True):
            texts[i] = text
        for rec, text in zip(batch, texts, strict=True):
            if is_empty_text(text):
                yield Removal({**rec, "text": text}, "empty", 0)
            else:
                yield {**rec, "text": text}


class Normalize(BatchStage):
    """NFC, mojibake repair, control characters and whitespace cleaned; the shards keep the normalised text.
    Code files pass through byte for byte unless ``code``. A document that is empty once normalised is removed as
    ``empty``."""

    name = "Normalize"

    def __init__(self, enabled: bool = True, code: bool = False):
        super().__init__(enabled)
        self.code = code

    def batch_fn(self) -> BatchFn:
        return NormalizeFn(self.code)
