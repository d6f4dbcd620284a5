"""When the trained vocabulary is smaller than asked: by how much, and how much training text would close the gap.

BPE can only learn a merge for a pair of symbols seen at least ``min_frequency`` times, so a small sample runs out
of merges before ``vocab_size`` is reached (250,680 tokens asked on 1 MB of text gives under a thousand) and
``tokenizers`` stops without a word. roots then warns and records the shortfall in the tokenizer's report.

The estimate of the sample it would need extrapolates the learned merges with Heaps' law, ``merges = K * bytes^b``
(vocabulary growth of natural text and code follows a power of its size). ``b`` is measured, not assumed: the same
configuration is trained a second time on every second document of the sample (about half its bytes), and
``b = ln(merges / merges_half) / ln(bytes / bytes_half)``. The bytes needed for the asked merges are then
``bytes * (merges_asked / merges) ^ (1 / b)``. Measured on the bundled sample's web text plus Python's standard
library sources (28 MB), ``b`` was 0.89 between 2.4 and 4.6 MB, 0.75 between 4.6 and 8.0 MB and 0.74 between 8.0
and 15 MB: growth slows as a sample grows, so the figure tends to be low (read it as "at least about"). From 4.6 and
8.0 MB it predicted 28 MB for 250,680 tokens; they were reached somewhere between 15 and 28 MB. On text made of a
small fixed word list (the tests' corpus) the vocabulary saturates, ``b`` is small and the estimate is huge, which
is the honest answer: more of the same text would hardly help.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from tokenizer.config import BYTE_ALPHABET_SIZE, TokenizerConfig

#: the exponent is kept in this range: below it a measurement is noise (the half sample learned almost as much),
#: above it growth would be faster than the text itself
EXPONENT_RANGE = (0.2, 1.0)


def merges_of(vocab_size: int, n_special: int) -> int:
    """Learned merges in a byte-level BPE vocabulary (its size minus the 256 byte symbols and special tokens)."""
    return max(0, vocab_size - BYTE_ALPHABET_SIZE - n_special)


def every_second_document(batches: Iterable[list[str]]) -> Iterator[list[str]]:
    """Every second text of a stream of batches (by position in the whole stream, so across languages and batches
    alike): a half-size sample with the same mix."""
    position = 0
    for batch in batches:
        half = [text for k, text in enumerate(batch, start=position) if k % 2 == 0]
        position += len(batch)
        if half:
            yield half


class CountingStream:
    """Iterates ``batches`` once and counts the UTF-8 bytes of the texts it yields."""

    def __init__(self, batches: Iterable[list[str]]):
        self.batches, self.bytes = batches, 0

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self.batches:
            self.bytes += sum(len(t.encode("utf-8")) for t in batch)
            yield batch


def growth_exponent(merges: int, sample_bytes: int, merges_half: int, bytes_half: int) -> float | None:
    """Heaps' exponent ``b`` from two measured points, clamped to ``EXPONENT_RANGE``; ``None`` when the points do not
    define one (no growth from the half to the whole sample)."""
    if min(merges, merges_half, sample_bytes, bytes_half) <= 0 or sample_bytes <= bytes_half or merges <= merges_half:
        return None
    b = math.log(merges / merges_half) / math.log(sample_bytes / bytes_half)
    return min(max(b, EXPONENT_RANGE[0]), EXPONENT_RANGE[1])


def needed_bytes(merges: int, sample_bytes: int, merges_asked: int, exponent: float | None) -> int | None:
    """The sample size at which Heaps' law reaches ``merges_asked``, rounded up to two significant digits."""
    if exponent is None or merges <= 0:
        return None
    need = sample_bytes * (merges_asked / merges) ** (1 / exponent)
    scale = 10 ** max(0, int(math.log10(need)) - 1)
    return int(math.ceil(need / scale) * scale)


def shortfall(config: TokenizerConfig, vocab_size: int, sample_bytes: int, available_bytes: int,
              half: tuple[int, int] | None) -> dict[str, Any] | None:
    """The report's ``vocab_shortfall``: ``None`` when the asked vocabulary was reached, else the figures behind the
    warning. ``half`` is (vocabulary size, sample bytes) of the same training on every second document."""
    if vocab_size >= config.vocab_size:
        return None
    n_special = len(config.special_tokens)
    merges, asked = merges_of(vocab_size, n_special), merges_of(config.vocab_size, n_special)
    exponent = None
    if half is not None:
        exponent = growth_exponent(merges, sample_bytes, merges_of(half[0], n_special), half[1])
    return {
        "vocab_size_requested": config.vocab_size,
        "vocab_size": vocab_size,
        "sample_bytes": sample_bytes,
        "available_bytes": available_bytes,
        "min_frequency": config.min_frequency,
        "half_sample": None if half is None else {"vocab_size": half[0], "sample_bytes": half[1]},
        "growth_exponent": None if exponent is None else round(exponent, 4),
        "needed_sample_bytes_estimate": needed_bytes(merges, sample_bytes, asked, exponent),
        "method": "Heaps' law merges = K * bytes^b, b measured by training on every second document of the sample; "
                  "a rough estimate, likely low (growth slows on larger samples)",
    }


def warning(short: dict[str, Any]) -> str:
    """The one-line warning ``roots tokenizer`` prints for a shortfall."""
    need = short["needed_sample_bytes_estimate"]
    where = (f"about {_mb(need)} of training text would be needed (a rough estimate from how the vocabulary grew "
             "between half and all of the sample)" if need else "how much more text it needs could not be estimated")
    if need and need > short["available_bytes"]:
        more = f"the shards hold {_mb(short['available_bytes'])}: add text"
    else:
        more = "raise sample_bytes"
    freq = short["min_frequency"]
    pairs = f"pairs seen {freq}+ times (min_frequency)" if freq > 1 else "distinct pairs"
    return (f"roots: warning: the trained vocabulary has {short['vocab_size']:,} tokens, "
            f"{short['vocab_size_requested']:,} were asked for: the {_mb(short['sample_bytes'])} sample has too few "
            f"{pairs}; {where}; {more}, or lower vocab_size")


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n < 1e9 else f"{n / 1e9:,.1f} GB"
