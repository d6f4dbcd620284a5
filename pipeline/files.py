"""The files the writers make, without Beam: rows of kept, removed and failed documents, Arrow and JSON Lines
encoding, and the steps that write a group's shards and commit them after their index. ``pipeline.write``'s
transforms call these from their workers; the in-process ``roots refilter`` calls them directly
(:func:`write_groups`), so both write the same bytes.

Output never depends on the runner or the number of workers: a document's shard is a stable hash of its id modulo
a shard count derived from the total text bytes of its group, rows are sorted by id inside a shard.

Crash safety: a shard is first written under a temporary name (``<name>.tmp-<uuid>``, never matched by
``*.arrow``). When every shard of a folder is written, one step writes ``index.json`` (atomically) and only then
renames the temporary files to their final names. So at any moment a file with a final name is complete *and*
listed in its folder's index; a killed run leaves only ``*.tmp-*`` files and no ``report.json``, and the next run
clears both. The same steps work on gs:// through ``core.fs`` (Beam's ``FileSystems``, where a rename is a copy and
a delete).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import pyarrow as pa

from core.fs import delete_files, files_under, is_tmp, join, rename_files, tmp_name, write_atomically, write_file
from pipeline.record import Record

SHARD_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("text", pa.string()),
    ("language", pa.string()),
    ("source", pa.string()),
    ("lid_score", pa.float64()),
    ("meta", pa.string()),
    ("lid_model", pa.string()),      # which model decided `language` (lid.176, cld2, source); null for code
])


REMOVED_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("reason", pa.string()),
    ("value", pa.string()),          # JSON: filters measure floats, ints, strings
    ("duplicate_of", pa.string()),   # the kept document, for duplicates
    ("stage", pa.string()),          # the stage that removed it (pipeline.stages)
    ("language", pa.string()),
    ("source", pa.string()),
    ("locator", pa.string()),
    ("text", pa.string()),
    ("meta", pa.string()),
])


DEAD_LETTER_FIELDS = ("id", "source", "locator", "stage", "error", "meta")


#: rows per Arrow record batch inside a shard: fixed, so the bytes of a shard never depend on how it was built
ARROW_CHUNK_ROWS = 4096


def stable_bucket(doc_id: str, n: int) -> int:
    """Shard number of a document: sha1 of its id, never Python's per-process salted ``hash``."""
    return int.from_bytes(hashlib.sha1(doc_id.encode()).digest()[:8], "big") % n


def shard_count(total_bytes: int, shard_bytes: int) -> int:
    return max(1, math.ceil(total_bytes / shard_bytes))


def text_bytes(rec: Record) -> int:
    return len((rec.get("text") or "").encode("utf-8", "surrogatepass"))


_NAMES: dict[int, tuple[pa.Schema, tuple[str, ...]]] = {}


def field_names(schema: pa.Schema) -> tuple[str, ...]:
    """``schema.names``, kept per schema object: pyarrow builds a new list on every ``.names`` (0.75 us for the
    shard schema) and hashing a schema costs 20 us, while the writers ask once per row of every output."""
    hit = _NAMES.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = _NAMES[id(schema)] = (schema, tuple(schema.names))
    return hit[1]


def shard_row(rec: Record) -> dict[str, Any]:
    return {name: rec.get(name) for name in field_names(SHARD_SCHEMA)}


def removed_row(rec: Record) -> dict[str, Any]:
    row = {name: rec.get(name) for name in field_names(REMOVED_SCHEMA)}
    row["value"] = json.dumps(rec.get("value"), ensure_ascii=False, default=str)
    row["language"] = rec.get("language") or ""
    return row


def dead_letter_row(rec: Record) -> dict[str, Any]:
    return {name: rec.get(name) for name in DEAD_LETTER_FIELDS}


def packed(row: dict[str, Any], schema: pa.Schema) -> tuple:
    """A row as the writers carry it through their grouping steps: its values in ``schema``'s order (a tuple pickles
    smaller and faster than a dict of the same values)."""
    return tuple(map(row.get, field_names(schema)))


def encode_arrow(rows: Sequence[dict[str, Any] | tuple], schema: pa.Schema, compression: str | None = None) -> bytes:
    """Rows (dicts, or :func:`packed` tuples) as one Arrow IPC file; ``compression`` (``zstd``) compresses each
    buffer, which is deterministic. The same values give the same bytes either way."""
    tuples = [r if isinstance(r, tuple) else packed(r, schema) for r in rows]
    columns = list(zip(*tuples, strict=True)) if tuples else [()] * len(schema)
    table = pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
                                 schema=schema)
    sink = io.BytesIO()
    options = pa.ipc.IpcWriteOptions(compression=compression) if compression else None
    with pa.ipc.new_file(sink, schema, options=options) as writer:
        writer.write_table(table, max_chunksize=ARROW_CHUNK_ROWS)
    return sink.getvalue()


def encode_jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode("utf-8")


def commit_files(root: str, moves: list[tuple[str, str]]) -> None:
    """Rename each (temporary, final) pair, then delete any other temporary file under ``root`` (left by a retried
    or killed worker). Idempotent, so a retried commit step does no harm: a pair whose temporary file is gone and
    whose final file exists was renamed by an earlier attempt."""
    present = {_canonical(p) for p in files_under(root)}
    moves = [(_canonical(tmp), _canonical(final)) for tmp, final in moves]
    pending = [(tmp, final) for tmp, final in moves if tmp in present]
    missing = [final for tmp, final in moves if tmp not in present and final not in present]
    if missing:
        raise OSError(f"shards vanished before they were committed: {missing[:3]}")
    if pending:
        rename_files([tmp for tmp, _ in pending], [final for _, final in pending])
    committed = {tmp for tmp, _ in pending}
    stray = sorted(p for p in present if is_tmp(p) and p not in committed)
    if stray:
        delete_files(stray)


def _canonical(path: str) -> str:
    """One spelling per file, so listed paths compare equal to the ones we built (local paths may be relative)."""
    return path if "://" in path else os.path.normpath(os.path.abspath(path))


def write_shard(root: str, fmt: str, schema: pa.Schema | None, compression: str | None, group: str, index: int,
                rows: list[dict[str, Any]] | list[tuple]) -> dict[str, Any]:
    """One shard of ``group`` under a temporary name (renamed by :func:`write_index` once the index lists it): its
    rows (dicts; for Arrow also :func:`packed` tuples) sorted by id, as Arrow IPC or JSON Lines; returns its index
    entry (with ``tmp``, its temporary name)."""
    suffix = "arrow" if fmt == "arrow" else "jsonl"
    rel = f"{group}/{group}-{index:05d}.{suffix}"
    if fmt == "arrow":
        names = field_names(schema)
        rows = sorted((r if isinstance(r, tuple) else packed(r, schema) for r in rows),
                      key=itemgetter(names.index("id")))
        data = encode_arrow(rows, schema, compression)
        texts = list(map(itemgetter(names.index("text")), rows)) if "text" in names else []
    else:
        rows = sorted(rows, key=lambda r: r["id"])
        data = encode_jsonl(rows)
        texts = [r.get("text") for r in rows]
    tmp = tmp_name(join(root, rel))
    write_file(tmp, data)
    return {
        "tmp": tmp,
        "path": rel,
        "group": group,
        "rows": len(rows),
        "bytes": len(data),
        "text_bytes": sum(len((t or "").encode("utf-8", "surrogatepass")) for t in texts),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def write_index(root: str, group_field: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Writes ``index.json`` listing ``entries`` and then commits the shards it lists (see the module docstring for
    why this order); returns the index."""
    shards = []
    for e in sorted(entries, key=lambda e: e["path"]):
        shards.append({"path": e["path"], group_field: e["group"], "rows": e["rows"], "bytes": e["bytes"],
                       "text_bytes": e["text_bytes"], "sha256": e["sha256"]})
    index = {"version": 1, "shards": shards}
    data = (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    write_atomically(join(root, "index.json"), data)
    commit_files(root, [(e["tmp"], join(root, e["path"])) for e in entries])
    return index


def group_of(row: dict[str, Any], group_field: str) -> str:
    """The group (folder) of a row or record: its ``group_field``, ``unknown`` when empty."""
    return str(row.get(group_field) or "unknown")


def write_groups(root: str, group_field: str, items: Iterable[tuple[str, int, dict[str, Any]]], fmt: str = "arrow",
                 schema: pa.Schema | None = None, shard_bytes: int = 256 * 1024 * 1024,
                 compression: str | None = None) -> dict[str, Any]:
    """What :class:`WriteShards` writes, in this process: ``items`` are ``(id, size, row)`` (``size`` as its
    ``size_fn`` measures the record); the same shard counts, shards, bytes and index."""
    by_group: dict[str, list[tuple[str, int, dict[str, Any]]]] = defaultdict(list)
    for doc_id, size, row in items:
        by_group[group_of(row, group_field)].append((doc_id, size + 1, row))
    entries = [write_shard(root, fmt, schema, compression, group, index, rows)
               for group, group_items in sorted(by_group.items())
               for index, rows in cut_shards(group_items, shard_bytes)]
    return write_index(root, group_field, entries)


def cut_shards(items: Iterable[tuple[str, Any, Any]], shard_bytes: int) -> list[tuple[int, list[Any]]]:
    """One group's ``(id, size, row)`` items (``size`` as the writers count it) → ``(shard index, rows)`` in index
    order: the shard count from the group's total size, each document's shard from its id, as ``WriteShards``'
    AssignShard gives them."""
    items = list(items)
    n = shard_count(sum(size for _, size, _ in items), shard_bytes)
    shards: dict[int, list[Any]] = defaultdict(list)
    for doc_id, _, row in items:
        shards[stable_bucket(doc_id, n)].append(row)
    return sorted(shards.items())


def write_json(path: str, value: Any) -> None:
    """One JSON file as the stages' ``stats`` are written (sorted keys, indented), atomically."""
    write_atomically(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8"))

