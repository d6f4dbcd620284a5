"""Attributes: every document's measurements, kept beside the shards (``OUT/attributes/``).

ROOTS' thresholds were chosen by looking at the distribution of each filter's value over real documents; dolma
keeps such per-document values as "attributes". A run with ``attributes: {enabled: true}`` (the default) writes,
for every document that was kept or removed (dead-lettered ones were never measured), one row keyed by ``id``:

``id``, ``language``, ``source``, ``locator``   who it is (``language``: as routed; ``unknown`` before LID)
``kept``, ``stage``, ``reason``              its fate (``stage``/``reason`` are null for a kept document)
``lid_score``, ``lid_model``                 the language ID's confidence and the model that decided
one float column per check of ``filters.NL_CHECKS``   each quality check's value, measured whatever its threshold
                                             (null: code, not reached, or not measurable: no list, no model)
``pii_<category>``                           PII replacements per category (null where PII did not run)
``removed_words_<reason>``                   words ROOTS' word removal took from a document the quality filter
                                             kept, per reason (``incorrect_substring``, ``too_long``; null where
                                             word removal did not run, or the document was removed): with them
                                             ``roots refilter`` tallies the report's ``word_removal`` without
                                             running word removal again
``exact_cluster``, ``near_cluster``          the kept document of its exact / near-duplicate cluster (null: none)
``restore``                                  JSON list of :mod:`filters.restore` patches, in stage order, that
                                             turn the written text back into the text that left language ID
                                             (before PII redaction, word removal and template lines; null:
                                             unchanged); ``roots refilter`` needs it
``dedup_exact``                              the exact-dedup key (20 sha1 bytes of the normalised text; null: not
                                             deduplicated, or nothing left after normalising)
``dedup_bands``                              the MinHash LSH band keys (``bands`` little-endian uint64, for the
                                             run's ``dedup`` settings; null: no shingles, near dedup off or not
                                             reached). With them ``roots refilter`` finds which survivors share a
                                             bucket without the texts, and computes MinHash signatures only for
                                             those (the signatures themselves, 4 bytes a permutation, would cost
                                             more than the byte budget)

The stages put these values on the records they pass on (``measures``, ``pii``, ``restore``, ``exact_cluster``,
``near_cluster``, see ``pipeline.stage``), so no extra join by id is needed: the writer takes the final kept and
removed records. Files are written like the shards (``pipeline.write.write_attributes``: grouped by language,
sorted by id, temporary names committed after ``index.json``), zstd-compressed (only roots reads them), plus
``manifest.json``: the validated manifest of the run, which ``roots refilter`` compares a new manifest with.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from filters import NL_CHECKS, PII_CATEGORIES
from filters.quality import WORD_REMOVAL_REASONS
from manifests.schema import Manifest
from pipeline.record import DEDUP_KEYS, WORD_REMOVAL, Record

ATTRIBUTES = "attributes"
MANIFEST_FILE = "manifest.json"

#: the column of each PII category
PII_COLUMNS: dict[str, str] = {c: f"pii_{c.lower()}" for c in PII_CATEGORIES}
#: the column of each word-removal reason (words taken from a kept document)
WORD_COLUMNS: dict[str, str] = {r: f"removed_words_{r}" for r in WORD_REMOVAL_REASONS}

ATTRIBUTES_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("language", pa.string()),
    ("source", pa.string()),
    ("locator", pa.string()),
    ("kept", pa.bool_()),
    ("stage", pa.string()),
    ("reason", pa.string()),
    ("lid_score", pa.float64()),
    ("lid_model", pa.string()),
    *((name, pa.float64()) for name in NL_CHECKS),
    *((col, pa.int32()) for col in PII_COLUMNS.values()),
    ("exact_cluster", pa.string()),
    ("near_cluster", pa.string()),
    ("restore", pa.string()),
    ("dedup_exact", pa.binary()),
    ("dedup_bands", pa.binary()),
    *((col, pa.int32()) for col in WORD_COLUMNS.values()),
])

#: bytes a row takes before its strings (for the shard count: a language's attributes are split like its shards)
_ROW_BYTES = 96


def attribute_row(rec: Record) -> dict[str, Any]:
    """The attributes row of a final (kept or removed) record."""
    measures = rec.get("measures") or {}
    pii = rec.get("pii")
    restore = [p for p in rec.get("restore") or () if p]
    row = {
        "id": rec["id"],
        "language": rec.get("language") or "unknown",
        "source": rec.get("source"),
        "locator": rec.get("locator"),
        "kept": rec.get("reason") is None,
        "stage": rec.get("stage"),
        "reason": rec.get("reason"),
        "lid_score": rec.get("lid_score"),
        "lid_model": rec.get("lid_model"),
        "exact_cluster": rec.get("exact_cluster"),
        "near_cluster": rec.get("near_cluster"),
        "restore": json.dumps(restore, ensure_ascii=False, separators=(",", ":")) if restore else None,
    }
    row["dedup_exact"], row["dedup_bands"] = rec.get(DEDUP_KEYS) or (None, None)
    row.update({name: measures.get(name) for name in NL_CHECKS})
    row.update({col: None if pii is None else pii.get(cat, 0) for cat, col in PII_COLUMNS.items()})
    words = rec.get(WORD_REMOVAL)
    row.update({col: None if words is None else words.get(r, 0) for r, col in WORD_COLUMNS.items()})
    return row


def row_bytes(row: dict[str, Any]) -> int:
    """About how many bytes an attributes row takes (its strings and the fixed columns): what splits a language's
    attributes into files, as its text bytes split its shards."""
    strings = (row["id"], row["source"], row["locator"], row["reason"], row["stage"])
    keys = sum(len(row[k]) for k in ("dedup_exact", "dedup_bands") if row.get(k))
    patches = len(json.dumps(json.loads(row["restore"]))) if row["restore"] else 0
    return _ROW_BYTES + keys + sum(len(s) for s in strings if s) + patches


def manifest_record(manifest: Manifest) -> dict[str, Any]:
    """What ``manifest.json`` holds: the validated manifest (defaults filled in) and the folder its relative paths
    start from (ids and locators are paths relative to it)."""
    return {"manifest": manifest.model_dump(mode="json", exclude_unset=True), "base_dir": manifest.base_dir}
