"""Megatron-LM's ``MMapIndexedDataset`` format (``<prefix>.bin`` + ``<prefix>.idx``), written from token ids.

Megatron-LM and Megatron-DeepSpeed (which trained BLOOM) read pre-tokenized corpora in this format; the layout
below is the one their ``indexed_dataset.py`` reads, written here without torch or Megatron installed.

``.bin``: every document's token ids back to back, little-endian, in the dataset's dtype; nothing else.

``.idx`` (all integers little-endian):

====================  ==========================  =====================================================
bytes                 type                        content
====================  ==========================  =====================================================
9                     ``b"MMIDIDX\\x00\\x00"``       magic
8                     uint64                      version, always 1
1                     uint8                       dtype code of the ``.bin`` (see ``DTYPE_CODES``)
8                     uint64                      sequence count *S*
8                     uint64                      document-index length *D* (documents + 1)
4·S                   int32                       tokens per sequence
8·S                   int64                       byte offset of each sequence in the ``.bin``
8·D                   int64                       document index: 0, then the sequence count after each document
====================  ==========================  =====================================================

roots writes one sequence per document (like ``tools/preprocess_data.py`` without sentence splitting), so the
document index is ``0, 1, ..., S``. The dtype follows the vocabulary size exactly as Megatron chooses it
(``DType.optimal_dtype``): uint16 below 65,500 tokens, else int32 (BLOOM's 250,680 tokens need int32).
"""

from __future__ import annotations

import struct

import numpy as np

INDEX_MAGIC = b"MMIDIDX\x00\x00"
INDEX_VERSION = 1
#: Megatron's ``DType`` codes
DTYPE_CODES: dict[str, int] = {
    "uint8": 1, "int8": 2, "int16": 3, "int32": 4, "int64": 5, "float64": 6, "float32": 7, "uint16": 8,
}
#: below this vocabulary size Megatron stores ids as uint16 (a margin under 65,536, as Megatron has it)
UINT16_VOCAB_LIMIT = 65_500
#: bytes of the fixed ``.idx`` header: magic, version, dtype code, sequence count, document-index length
HEADER_BYTES = len(INDEX_MAGIC) + 8 + 1 + 8 + 8


def token_dtype(vocab_size: int) -> np.dtype:
    """The ``.bin`` dtype for a vocabulary of ``vocab_size`` ids, Megatron's rule."""
    return np.dtype(np.uint16 if vocab_size < UINT16_VOCAB_LIMIT else np.int32)


def dtype_code(dtype: np.dtype) -> int:
    return DTYPE_CODES[np.dtype(dtype).name]


def encode_documents(docs: list[list[int]], eod: int | None, dtype: np.dtype) -> tuple[bytes, np.ndarray]:
    """The ``.bin`` bytes of ``docs`` (each followed by ``eod`` unless it is None) and the tokens per document."""
    dtype = np.dtype(dtype).newbyteorder("<")
    extra = 0 if eod is None else 1
    lengths = np.fromiter((len(d) + extra for d in docs), dtype=np.int64, count=len(docs))
    flat = np.empty(int(lengths.sum()), dtype=dtype)
    pos = 0
    for d in docs:
        n = len(d)
        flat[pos:pos + n] = d
        pos += n
        if eod is not None:
            flat[pos] = eod
            pos += 1
    return flat.tobytes(), lengths.astype(np.int32)


def encode_index(lengths: np.ndarray, dtype: np.dtype) -> bytes:
    """The ``.idx`` bytes for one sequence per document with ``lengths`` tokens each, ids stored as ``dtype``."""
    lengths = np.asarray(lengths, dtype="<i4")
    count = len(lengths)
    itemsize = np.dtype(dtype).itemsize
    pointers = np.zeros(count, dtype="<i8")
    if count:
        np.cumsum(lengths[:-1].astype("<i8") * itemsize, out=pointers[1:])
    doc_index = np.arange(count + 1, dtype="<i8")
    header = INDEX_MAGIC + struct.pack("<Q", INDEX_VERSION) + struct.pack("<B", dtype_code(dtype))
    header += struct.pack("<Q", count) + struct.pack("<Q", count + 1)
    return header + lengths.tobytes() + pointers.tobytes() + doc_index.tobytes()
