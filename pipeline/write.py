"""Writing kept, removed and failed documents as deterministic shards.

Output never depends on the runner or the number of workers: a document's shard is a stable hash of its id modulo
a shard count derived from the total text bytes of its group, rows are sorted by id inside a shard, and each shard
is written to a temporary name and renamed when complete (so a half-written file never looks like a shard).
This grouping by (group, shard) is the one place where document texts pass through a ``GroupByKey``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import uuid
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from pipeline.stage import Record

SHARD_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("text", pa.string()),
    ("language", pa.string()),
    ("source", pa.string()),
    ("lid_score", pa.float64()),
    ("meta", pa.string()),
])

REMOVED_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("reason", pa.string()),
    ("value", pa.string()),          # JSON: filters measure floats, ints, strings
    ("duplicate_of", pa.string()),   # the kept document, for duplicates
    ("language", pa.string()),
    ("source", pa.string()),
    ("locator", pa.string()),
    ("text", pa.string()),
    ("meta", pa.string()),
])

DEAD_LETTER_FIELDS = ("id", "source", "locator", "error", "meta")

#: rows per Arrow record batch inside a shard: fixed, so the bytes of a shard never depend on how it was built
ARROW_CHUNK_ROWS = 4096


def stable_bucket(doc_id: str, n: int) -> int:
    """Shard number of a document: sha1 of its id, never Python's per-process salted ``hash``."""
    return int.from_bytes(hashlib.sha1(doc_id.encode()).digest()[:8], "big") % n


def shard_count(total_bytes: int, shard_bytes: int) -> int:
    return max(1, math.ceil(total_bytes / shard_bytes))


def text_bytes(rec: Record) -> int:
    return len((rec.get("text") or "").encode("utf-8", "surrogatepass"))


# ------------------------------------------------------------------------------------------------ row shaping
def shard_row(rec: Record) -> dict[str, Any]:
    return {name: rec.get(name) for name in SHARD_SCHEMA.names}


def removed_row(rec: Record) -> dict[str, Any]:
    row = {name: rec.get(name) for name in REMOVED_SCHEMA.names}
    row["value"] = json.dumps(rec.get("value"), ensure_ascii=False, default=str)
    row["language"] = rec.get("language") or ""
    return row


def dead_letter_row(rec: Record) -> dict[str, Any]:
    return {name: rec.get(name) for name in DEAD_LETTER_FIELDS}


# ------------------------------------------------------------------------------------------------ encoders
def encode_arrow(rows: list[dict[str, Any]], schema: pa.Schema) -> bytes:
    table = pa.Table.from_pylist(rows, schema=schema)
    sink = io.BytesIO()
    with pa.ipc.new_file(sink, schema) as writer:
        writer.write_table(table, max_chunksize=ARROW_CHUNK_ROWS)
    return sink.getvalue()


def encode_jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode("utf-8")


def write_atomically(path: str, data: bytes) -> None:
    """Write to a temporary name beside ``path``, then rename: readers see the whole file or none."""
    tmp = f"{path}.tmp-{uuid.uuid4().hex}"
    with FileSystems.create(tmp) as f:
        f.write(data)
    FileSystems.rename([tmp], [path])


def _join(*parts: str) -> str:
    return FileSystems.join(*parts)


class _WriteShard(beam.DoFn):
    def __init__(self, root: str, fmt: str, schema: pa.Schema | None):
        self.root, self.fmt, self.schema = root, fmt, schema

    def process(self, element: tuple[tuple[str, int], Iterable[dict[str, Any]]]):
        (group, index), rows = element
        rows = sorted(rows, key=lambda r: r["id"])
        suffix = "arrow" if self.fmt == "arrow" else "jsonl"
        rel = f"{group}/{group}-{index:05d}.{suffix}"
        data = encode_arrow(rows, self.schema) if self.fmt == "arrow" else encode_jsonl(rows)
        write_atomically(_join(self.root, rel), data)
        yield {
            "path": rel,
            "group": group,
            "rows": len(rows),
            "bytes": len(data),
            "text_bytes": sum(len((r.get("text") or "").encode("utf-8", "surrogatepass")) for r in rows),
            "sha256": hashlib.sha256(data).hexdigest(),
        }


class _WriteIndex(beam.DoFn):
    def __init__(self, root: str, group_field: str):
        self.root, self.group_field = root, group_field

    def process(self, entries: list[dict[str, Any]]):
        shards = []
        for e in sorted(entries, key=lambda e: e["path"]):
            entry = {"path": e["path"], self.group_field: e["group"], "rows": e["rows"], "bytes": e["bytes"],
                     "text_bytes": e["text_bytes"], "sha256": e["sha256"]}
            shards.append(entry)
        index = {"version": 1, "shards": shards}
        write_atomically(_join(self.root, "index.json"),
                         (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        yield index


class WriteShards(beam.PTransform):
    """Records → ``root/<group>/<group>-NNNNN.<arrow|jsonl>`` plus ``root/index.json``.

    ``group_field`` picks the record field that names the group (``language`` for kept documents, ``reason`` for
    removed ones). The output ``PCollection`` holds the single index dict, so later steps can wait for it.
    """

    def __init__(self, root: str, group_field: str, row_fn, fmt: str = "arrow", schema: pa.Schema | None = None,
                 shard_bytes: int = 256 * 1024 * 1024):
        super().__init__()
        self.root, self.group_field, self.row_fn = root, group_field, row_fn
        self.fmt, self.schema, self.shard_bytes = fmt, schema, shard_bytes

    def expand(self, docs):
        group_field, row_fn, shard_bytes = self.group_field, self.row_fn, self.shard_bytes
        keyed = docs | "KeyByGroup" >> beam.Map(lambda r: (str(r.get(group_field) or "unknown"), r))
        sizes = (
            keyed
            | "TextBytes" >> beam.Map(lambda kv: (kv[0], text_bytes(kv[1]) + 1))
            | "BytesPerGroup" >> beam.CombinePerKey(sum)
        )

        def assign(kv, totals):
            group, rec = kv
            n = shard_count(totals[group], shard_bytes)
            return (group, stable_bucket(rec["id"], n)), row_fn(rec)

        return (
            keyed
            | "AssignShard" >> beam.Map(assign, totals=beam.pvalue.AsDict(sizes))
            | "GroupShards" >> beam.GroupByKey()
            | "WriteShard" >> beam.ParDo(_WriteShard(self.root, self.fmt, self.schema))
            | "CollectIndex" >> beam.combiners.ToList()
            | "WriteIndex" >> beam.ParDo(_WriteIndex(self.root, group_field))
        )


def write_kept(root: str, shard_bytes: int) -> WriteShards:
    return WriteShards(root, "language", shard_row, "arrow", SHARD_SCHEMA, shard_bytes)


def write_removed(root: str, shard_bytes: int) -> WriteShards:
    return WriteShards(root, "reason", removed_row, "arrow", REMOVED_SCHEMA, shard_bytes)


def write_dead_letter(root: str, shard_bytes: int) -> WriteShards:
    return WriteShards(root, "source", dead_letter_row, "jsonl", None, shard_bytes)


class WriteJson(beam.PTransform):
    """A single value (e.g. a combined count) → one JSON file, written atomically."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def expand(self, value):
        path = self.path

        def write(v):
            write_atomically(path, (json.dumps(v, indent=2, sort_keys=True) + "\n").encode("utf-8"))
            return v

        return value | beam.Map(write)
