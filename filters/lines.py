"""ROOTS' "template soft" dedup of lines, split so that Beam can count line hashes without moving texts.

ROOTS (``dedup_template_soft``) removed, from every document of a dataset, each line whose stripped text has at
least 15 characters and occurs at least 10 times across the dataset. Here a first pass emits ``line_hashes`` per
document (one hash per occurrence, as ROOTS counted occurrences, not documents), the pipeline counts them globally
and keeps the hashes seen ``>= min_count`` times, and a second pass applies ``drop_lines``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection


def line_hash(line: str) -> str:
    """16-hex-digit hash of a stripped line (blake2b-64: small to shuffle, collisions negligible)."""
    return hashlib.blake2b(line.strip().encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def line_hashes(text: str, min_chars: int = 15) -> list[str]:
    """Hash of every line of ``text`` whose stripped form has at least ``min_chars`` characters (one per line)."""
    return [line_hash(line) for line in text.split("\n") if len(line.strip()) >= min_chars]


def drop_lines(text: str, bad_hashes: Collection[str], min_chars: int = 15) -> str:
    """``text`` without the lines whose stripped hash is in ``bad_hashes`` (other lines are kept as they were)."""
    if not bad_hashes:
        return text
    kept = [line for line in text.split("\n") if len(line.strip()) < min_chars or line_hash(line) not in bad_hashes]
    return "\n".join(kept)
