"""Deduplication building blocks: normalisation, shingling, batched MinHash and LSH band keys (no Beam here).

Two kinds of duplicates are removed, always *within one language* (the record's ``language``; code per ``code-<pl>``)
and across sources:

Exact duplicates
    Two documents are exact duplicates when their **normalised** texts are equal. The normalisation (see
    :func:`normalize_exact`) is Unicode NFKC, then ``str.casefold``, then NFKC again (casefolding can leave text
    outside NFKC), then every whitespace character and every Unicode punctuation character (``regex`` class
    ``\\p{P}``) is removed, then NFKC once more (a removed space can let a combining mark join a letter). So
    ``"Hello, World!"``, ``"hello world"`` and ``"ＨＥＬＬＯ\\tworld"`` are one text, while digits and symbols
    (``\\p{S}``: ``+ $ <``) still count: ``"a+b"`` and ``"ab"`` differ. The key is ``sha1(normalised text)``.
    A document whose normalised text is empty (only spaces/punctuation) gets **no key** and is never an exact
    duplicate: emptiness is the business of the quality filters, and hashing all such documents to one key would
    make them "duplicates" of each other for no useful reason.

Near duplicates (MinHash LSH)
    A document becomes a set of *shingles* (see :func:`shingles`): word ``ngram``-grams of the lowercased text with
    punctuation removed; character ``char_ngram``-grams (whitespace and punctuation removed) for languages written
    without spaces (:data:`NO_SPACE_LANGUAGES`); for code, ``code_ngram``-grams of identifier/number/operator
    tokens (case kept: identifiers are case-sensitive). A text with fewer tokens than the n-gram size is one shingle
    (all its tokens), so short documents still get a signature; a text with no token has no shingle and no
    signature and is never a near duplicate.

    Each shingle is hashed to 32 bits with xxh32 (seed 0) of its UTF-8 bytes, and the MinHash signature is computed
    exactly as ``datasketch>=2`` does for ``MinHash(num_perm, seed, hashfunc=shingle_hash, scheme="affine32")``:
    the hash is pre-mixed with the 32-bit MurmurHash3 finalizer, then permuted with ``a*h + b mod 2**32`` for
    ``num_perm`` odd ``a`` and any ``b`` drawn from ``numpy.random.RandomState(seed)``; the signature is the
    per-permutation minimum. :func:`minhash_signatures` does this for a whole batch with numpy, about 1.6x faster
    than ``datasketch.MinHash.bulk`` on the same shingles (``bench/dedup_eval.py`` measures both; shingling itself
    costs more than either) while giving bit-identical values (``tests/test_dedup_filters.py`` checks it).

    LSH splits the signature into ``bands`` bands of ``rows`` values, chosen by datasketch's own optimiser for the
    Jaccard threshold (minimise the weighted false-positive + false-negative probability mass; the weights favour
    recall when candidates are verified, see :data:`LSH_WEIGHTS`), so two documents with Jaccard ``s`` share at
    least one band with probability ``1 - (1 - s**rows)**bands``. Each band becomes a 64-bit key (blake2b of the
    band's bytes, never Python's salted ``hash``).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

import numpy as np
import regex
import xxhash
from pydantic import BaseModel, ConfigDict, Field

from core.languages import is_code
from filters.text import _mask_of

#: Languages written without spaces between words: word n-grams would be whole sentences, so they use char n-grams.
NO_SPACE_LANGUAGES = frozenset({"zh", "zh-hans", "zh-hant", "ja", "th", "lo", "km", "my"})

#: Prefix of the ``language`` of code documents (``code-python``).

#: The datasketch permutation scheme reproduced here (the default of datasketch 2.x).
SCHEME = "affine32"

_UINT32_MAX = np.uint32(0xFFFFFFFF)
_PUNCT = r"\p{P}"
_PUNCT_OR_SPACE = r"[\p{P}\s]"
#: identifiers (letters/underscore then letters/digits/underscore), numbers (digit then alnum/dot: 0x1F, 1.5e3),
#: and any other single non-space character (operators, brackets, quotes).
_CODE_TOKEN = regex.compile(r"[\p{L}_][\p{L}\p{N}_]*|\p{N}[\p{L}\p{N}_.]*|[^\s\p{L}\p{N}_]")
#: LSH optimiser weights ``(false positive, false negative)`` by ``verify``. With verification a false-positive
#: candidate only costs one signature comparison, while a false negative is a duplicate lost for good, so recall is
#: weighted 0.9: at threshold 0.8 and 128 permutations that gives 14 bands x 9 rows, which finds a pair at Jaccard
#: 0.85 with probability 0.975 (datasketch's default 0.5/0.5 gives 9 x 13 and 0.69); at the default 256 permutations
#: it gives 23 x 11. Without verification every candidate is taken as a duplicate, so both errors count the same,
#: as in datasketch. 256 permutations (not 128) because the Jaccard estimate's noise (std ~0.025 at 128) was what
#: kept precision/recall on planted near-duplicates just under 0.98 (`python -m bench.dedup_eval --eval`).
LSH_WEIGHTS = {True: (0.1, 0.9), False: (0.5, 0.5)}
# rows of the (shingles x permutations) product computed at once: bounds memory for very long documents
_CHUNK_ROWS = 4096


class DedupParams(BaseModel):
    """Dedup settings from the manifest (``dedup:``). Unknown fields are an error naming the field."""

    model_config = ConfigDict(extra="forbid")

    exact: bool = Field(default=True, description="remove exact duplicates of the normalised text")
    near: bool = Field(default=True, description="remove near duplicates found with MinHash LSH")
    threshold: float = Field(default=0.8, gt=0.0, lt=1.0, description="Jaccard similarity of near duplicates")
    num_perm: int = Field(default=256, ge=2, le=1024, description="MinHash permutations (signature length)")
    ngram: int = Field(default=5, ge=1, description="word n-gram size of shingles")
    char_ngram: int = Field(default=5, ge=1, description="character n-gram size for languages without spaces")
    code_ngram: int = Field(default=5, ge=1, description="token n-gram size of shingles for code")
    seed: int = Field(default=1, ge=0, lt=2**32, description="seed of the MinHash permutations")
    max_rounds: int = Field(default=6, ge=1, description="large-star/small-star rounds of connected components "
                            "before the exact finishing step (see pipeline.dedup.ConnectedComponents)")
    verify: bool = Field(default=True, description="keep a candidate pair only if its Jaccard estimate >= threshold")

    @property
    def bands_rows(self) -> tuple[int, int]:
        """LSH ``(bands, rows)`` for this threshold and signature length (see :data:`LSH_WEIGHTS`)."""
        return lsh_params(self.threshold, self.num_perm, *LSH_WEIGHTS[self.verify])


# --------------------------------------------------------------------------------------------------- exact keys


@lru_cache(maxsize=4)
def _ascii_matched(pattern: str) -> bytes:
    """The ASCII characters of the class ``pattern``, as the bytes ``bytes.translate`` deletes."""
    return bytes(np.flatnonzero(_mask_of(pattern)[:128]).astype(np.uint8))


def regex_class_removed(text: str, pattern: str) -> str:
    """``text`` without the characters of the class ``pattern``, as ``regex.sub(pattern, "", text)`` but 8x faster:
    the class's lookup table (``filters.text._mask_of``, regex's own set) applied to the UTF-32 code points
    (``bytes.translate`` for ASCII). On the 66 M characters of the real-text bench: 4.6 s → 0.6 s CPU."""
    if text.isascii():
        return text.encode("ascii").translate(None, _ascii_matched(pattern)).decode("ascii")
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return points[~_mask_of(pattern)[points]].tobytes().decode("utf-32-le", "surrogatepass")


def normalize_exact(text: str) -> str:
    """Text reduced to what makes two documents "the same": NFKC, casefold, no whitespace, no ``\\p{P}``."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # removing a space can join a letter and a combining mark ("A\u00b4" → "a ́" → "á"): compose again so the
    # result is a fixed point (normalising the normalised text changes nothing)
    return unicodedata.normalize("NFKC", regex_class_removed(folded, _PUNCT_OR_SPACE))


def exact_key(text: str) -> str | None:
    """sha1 hex of the normalised text, or ``None`` when that is empty (such documents are not deduplicated)."""
    norm = normalize_exact(text)
    return hashlib.sha1(norm.encode("utf-8")).hexdigest() if norm else None


# --------------------------------------------------------------------------------------------------- shingles

ShingleKind = Literal["word", "char", "code"]


def shingle_kind(language: str | None) -> ShingleKind:
    """Which shingles a language uses: ``code`` for ``code-*``, ``char`` for no-space scripts, else ``word``."""
    if is_code(language):
        return "code"
    if language in NO_SPACE_LANGUAGES:
        return "char"
    return "word"


def shingle_words(text: str) -> list[str]:
    """Lowercased whitespace-separated words with punctuation removed (empty words dropped)."""
    return regex_class_removed(text.lower(), _PUNCT).split()


def code_tokens(text: str) -> list[str]:
    """Identifier, number and single-character operator tokens of source code, in order."""
    return _CODE_TOKEN.findall(text)


def _token_ngrams(tokens: Sequence[str], n: int) -> list[bytes]:
    """Space-joined UTF-8 n-grams of tokens; fewer than ``n`` tokens give one shingle of them all."""
    if not tokens:
        return []
    enc = [t.encode("utf-8") for t in tokens]
    if len(enc) <= n:
        return [b" ".join(enc)]
    return list(map(b" ".join, zip(*(enc[i:] for i in range(n)), strict=False)))


def _char_ngrams(text: str, n: int) -> list[bytes]:
    """UTF-8 character n-grams of the lowercased text without whitespace and punctuation."""
    s = regex_class_removed(text.lower(), _PUNCT_OR_SPACE)
    if not s:
        return []
    if len(s) <= n:
        return [s.encode("utf-8")]
    return [s[i : i + n].encode("utf-8") for i in range(len(s) - n + 1)]


def shingles(text: str, language: str | None, params: DedupParams) -> list[bytes]:
    """The shingles of a document as UTF-8 bytes (may repeat; MinHash only sees the set)."""
    kind = shingle_kind(language)
    if kind == "code":
        return _token_ngrams(code_tokens(text), params.code_ngram)
    if kind == "char":
        return _char_ngrams(text, params.char_ngram)
    return _token_ngrams(shingle_words(text), params.ngram)


def shingle_hash(shingle: bytes) -> int:
    """32-bit hash of one shingle (xxh32, seed 0): the ``hashfunc`` to give ``datasketch.MinHash`` for parity."""
    return xxhash.xxh32_intdigest(shingle)


def hash_shingles(items: Iterable[bytes]) -> np.ndarray:
    """uint32 hashes of shingles (:func:`shingle_hash` of each)."""
    return np.fromiter(map(xxhash.xxh32_intdigest, items), dtype=np.uint32)


# --------------------------------------------------------------------------------------------------- MinHash


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 permutation parameters datasketch 2.x draws for ``scheme="affine32"``.

    Same generator and draw order as ``datasketch.MinHash._init_permutations``: ``a = 2*randint(0, 2**31) + 1``
    (odd, so ``a*h + b mod 2**32`` is a bijection), then ``b = randint(0, 2**32)``.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer on a uint32 array (wrapping arithmetic), datasketch's pre-mix for affine32."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def minhash_signatures(hash_arrays: Sequence[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """Signatures of a batch of documents, one row each: ``(len(hash_arrays), num_perm)`` uint32.

    ``hash_arrays[i]`` holds the uint32 shingle hashes of document ``i``. An empty array gives the all-``2**32-1``
    row, like an empty ``datasketch.MinHash`` (callers skip such documents). The pre-mix runs once over the whole
    batch; the permutation and minimum run per document in row chunks so a huge document can't blow up memory.
    """
    a, b = permutations(num_perm, seed)
    out = np.full((len(hash_arrays), num_perm), _UINT32_MAX, dtype=np.uint32)
    if not hash_arrays:
        return out
    lengths = np.fromiter((len(h) for h in hash_arrays), dtype=np.int64, count=len(hash_arrays))
    mixed = fmix32(np.concatenate([np.asarray(h, dtype=np.uint32) for h in hash_arrays]))
    ends = np.cumsum(lengths)
    with np.errstate(over="ignore"):
        for i, (end, n) in enumerate(zip(ends.tolist(), lengths.tolist(), strict=True)):
            for start in range(end - n, end, _CHUNK_ROWS):
                block = mixed[start : min(start + _CHUNK_ROWS, end), None]
                np.minimum(out[i], (block * a + b).min(axis=0), out=out[i])
    return out


def jaccard_estimate(sig_a: np.ndarray | bytes, sig_b: np.ndarray | bytes) -> float:
    """Fraction of equal signature values: datasketch's ``MinHash.jaccard``."""
    a = np.frombuffer(sig_a, dtype=np.uint32) if isinstance(sig_a, bytes) else sig_a
    b = np.frombuffer(sig_b, dtype=np.uint32) if isinstance(sig_b, bytes) else sig_b
    if a.shape != b.shape:
        raise ValueError(f"signatures differ in length: {a.shape[0]} vs {b.shape[0]}")
    return float(np.count_nonzero(a == b)) / float(a.shape[0])


def exact_jaccard(a: Iterable[bytes], b: Iterable[bytes]) -> float:
    """True Jaccard similarity of two shingle collections (as sets); 0.0 when both are empty."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


# --------------------------------------------------------------------------------------------------- LSH


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """``(bands, rows)`` minimising ``fp_weight * P(false positive) + fn_weight * P(false negative)``.

    The probabilities are the areas under / above the LSH S-curve below / above ``threshold``, over every
    ``bands x rows <= num_perm``, first minimum in datasketch's order (``MinHashLSH(threshold, num_perm,
    weights=(fp_weight, fn_weight))`` picks the same values: a test compares them). Datasketch integrates with
    scipy's ``quad``, whose import (``scipy.integrate``) cost each process about 0.9 CPU s; the S-curve is a
    polynomial of degree ``bands * rows``, so Gauss-Legendre quadrature with ``num_perm // 2 + 1`` nodes integrates
    it exactly, for all pairs at once with NumPy.
    """
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=np.float64)
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def area(lo: float, hi: float, below: bool) -> np.ndarray:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2  # the nodes moved onto [lo, hi]
        curve = 1 - (1 - s[None, :] ** pairs[:, 1:2]) ** pairs[:, 0:1]
        return (hi - lo) / 2 * ((curve if below else 1 - curve) @ weights)

    error = area(0.0, threshold, True) * fp_weight + area(threshold, 1.0, False) * fn_weight
    bands, rows = pairs[int(np.argmin(error))]
    return int(bands), int(rows)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Per document, ``bands`` 64-bit keys (an ``(n, bands)`` uint64 array): blake2b-8 of the band's values
    (datasketch's band ranges).

    Band ``i`` covers signature columns ``[i*rows, (i+1)*rows)``; columns past ``bands*rows`` are unused, as in
    ``datasketch.MinHashLSH``. Values are hashed big-endian, as datasketch byteswaps them for its keys. The bands of
    the whole batch are cut from one buffer and their digests read back as one big-endian array (no ``int`` per
    key): a tenth cheaper; blake2b itself is most of what is left, and attributes store these keys.
    """
    if bands * rows > signatures.shape[1]:
        raise ValueError(f"{bands} bands x {rows} rows need {bands * rows} values, signature has {signatures.shape[1]}")
    raw = signatures[:, : bands * rows].astype(">u4").tobytes()
    width, blake2b = rows * 4, hashlib.blake2b
    digests = b"".join([blake2b(raw[i : i + width], digest_size=8).digest() for i in range(0, len(raw), width)])
    return np.frombuffer(digests, dtype=">u8").astype(np.uint64).reshape(len(signatures), bands)


# --------------------------------------------------------------------------------------------------- batches


def exact_keys(texts: Sequence[str]) -> list[str | None]:
    """:func:`exact_key` of each text."""
    return [exact_key(t) for t in texts]


def signatures_batch(texts: Sequence[str], languages: Sequence[str | None], params: DedupParams) -> list[bytes | None]:
    """MinHash signature bytes (``num_perm`` little-endian uint32) per text; ``None`` for a text without shingles."""
    hashes = [hash_shingles(shingles(t, lang, params)) for t, lang in zip(texts, languages, strict=True)]
    sigs = minhash_signatures(hashes, params.num_perm, params.seed)
    return [sig.astype("<u4").tobytes() if len(h) else None for sig, h in zip(sigs, hashes, strict=True)]
