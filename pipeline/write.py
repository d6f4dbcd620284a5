"""The writers' transforms: kept, removed and failed documents (and attributes) as deterministic shards.

The rows, encoders and file steps are ``pipeline.files``' (no Beam there, so the in-process ``roots refilter``
writes the same bytes); here they become the job's steps. Grouping by (group, shard) is the one place where
document texts pass through a ``GroupByKey``: each record becomes its row first, so what is held there is rows.
"""


from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import apache_beam as beam
import pyarrow as pa

from pipeline.attributes import ATTRIBUTES_SCHEMA, attribute_row, row_bytes
from pipeline.files import (  # noqa: F401 - re-exported: the writers' rows and encoders, as before
    ARROW_CHUNK_ROWS,
    DEAD_LETTER_FIELDS,
    REMOVED_SCHEMA,
    SHARD_SCHEMA,
    commit_files,
    cut_shards,
    dead_letter_row,
    encode_arrow,
    encode_jsonl,
    group_of,
    packed,
    removed_row,
    shard_count,
    shard_row,
    stable_bucket,
    text_bytes,
    write_groups,
    write_index,
    write_json,
    write_shard,
)


class _WriteShard(beam.DoFn):
    def __init__(self, root: str, fmt: str, schema: pa.Schema | None, compression: str | None = None):
        self.root, self.fmt, self.schema, self.compression = root, fmt, schema, compression

    def process(self, element: tuple[tuple[str, int], Iterable[dict[str, Any]]]):
        (group, index), rows = element
        yield write_shard(self.root, self.fmt, self.schema, self.compression, group, index, list(rows))


class _WriteIndex(beam.DoFn):
    """Writes ``index.json`` and then commits the shards it lists (:func:`write_index`)."""

    def __init__(self, root: str, group_field: str):
        self.root, self.group_field = root, group_field

    def process(self, entries: list[dict[str, Any]]):
        yield write_index(self.root, self.group_field, entries)


class _WriteGroup(beam.DoFn):
    """A whole group's ``(id, size, row)`` items → its shards, each document in the shard ``AssignShard`` gives it
    (the shard count from the group's total size, the shard from the id): the same files, for a runner that holds
    the group in its memory anyway (:class:`WriteShards`' ``in_memory``)."""

    def __init__(self, root: str, fmt: str, schema: pa.Schema | None, compression: str | None, shard_bytes: int):
        self.root, self.fmt, self.schema, self.compression = root, fmt, schema, compression
        self.shard_bytes = shard_bytes

    def process(self, element: tuple[str, Iterable[tuple[str, int, Any]]]):
        group, items = element
        for index, rows in cut_shards(items, self.shard_bytes):
            yield write_shard(self.root, self.fmt, self.schema, self.compression, group, index, rows)


class WriteShards(beam.PTransform):
    """Records (one ``PCollection`` or several) → ``root/<group>/<group>-NNNNN.<arrow|jsonl>`` plus
    ``root/index.json``.

    ``group_field`` picks the record field that names the group (``language`` for kept documents, ``reason`` for
    removed ones). The output ``PCollection`` holds the single index dict, so later steps can wait for it.
    ``size_fn`` measures what a record adds to its shard (default: its text bytes), from which the shard count of a
    group follows (with ``size_of_row``, it measures the row instead); ``compression`` is passed to Arrow (``zstd``
    for files no other tool reads).

    ``in_memory`` (the FnApiRunner, which holds every grouping in its memory): each group's rows are grouped whole
    and cut into the same shards where they are written (:class:`_WriteGroup`), instead of each row waiting for the
    groups' totals (a side input, so the rows were written to a buffer and read back) and being grouped by shard.
    """

    def __init__(self, root: str, group_field: str, row_fn, fmt: str = "arrow", schema: pa.Schema | None = None,
                 shard_bytes: int = 256 * 1024 * 1024, size_fn=text_bytes, compression: str | None = None,
                 size_of_row: bool = False, in_memory: bool = False):
        super().__init__()
        self.root, self.group_field, self.row_fn = root, group_field, row_fn
        self.fmt, self.schema, self.shard_bytes = fmt, schema, shard_bytes
        self.size_fn, self.compression, self.size_of_row = size_fn, compression, size_of_row
        self.in_memory = in_memory

    def expand(self, docs):
        group_field, row_fn, shard_bytes, size_fn = self.group_field, self.row_fn, self.shard_bytes, self.size_fn
        schema, size_of_row = (self.schema if self.fmt == "arrow" else None), self.size_of_row

        def key(r):
            # each record becomes its row before the step that waits for the group totals: what is held there is
            # the rows (for attributes: no text), not the whole records, packed as tuples for Arrow
            row = row_fn(r)
            size = size_fn(row if size_of_row else r) + 1
            return group_of(r, group_field), (r["id"], size, row if schema is None else packed(row, schema))

        def group_size(kv):
            return kv[0], kv[1][1]

        single = isinstance(docs, beam.PCollection)
        pipeline = docs.pipeline if single else docs[0].pipeline
        parts = [docs] if single else list(docs)
        # several inputs (every stage's removed documents): each is keyed, and its sizes taken, where it is made, so
        # what crosses to the steps below is its row, not the whole record a Flatten would hold first (attributes:
        # no text), and the flattened rows are read once (by AssignShard, or in memory by GroupRows), not twice
        keyed_parts = [part | ("KeyByGroup" if single else f"KeyByGroup{i}") >> beam.Map(key)
                       for i, part in enumerate(parts)]
        keyed = keyed_parts[0] if single else keyed_parts | "AllInputs" >> beam.Flatten(pipeline=pipeline)
        if self.in_memory:
            shards = keyed | "GroupRows" >> beam.GroupByKey() | "WriteGroup" >> beam.ParDo(
                _WriteGroup(self.root, self.fmt, self.schema, self.compression, shard_bytes))
        else:
            sizes = [part | ("TextBytes" if single else f"TextBytes{i}") >> beam.Map(group_size)
                     for i, part in enumerate(keyed_parts)]
            sizes = sizes[0] if single else sizes | "AllSizes" >> beam.Flatten(pipeline=pipeline)
            shards = self._by_shard(keyed, sizes | "BytesPerGroup" >> beam.CombinePerKey(sum))
        return (
            shards
            | "CollectIndex" >> beam.combiners.ToList()
            | "WriteIndex" >> beam.ParDo(_WriteIndex(self.root, group_field))
        )

    def _by_shard(self, keyed: beam.PCollection, totals: beam.PCollection) -> beam.PCollection:
        """Each ``(group, (id, size, row))`` to its shard, from its group's total size (a side input), then grouped and
        written shard by shard: what an engine that holds one key's values in one task needs."""
        shard_bytes = self.shard_bytes

        def assign(kv, totals):
            group, (doc_id, _, row) = kv
            n = shard_count(totals[group], shard_bytes)
            return (group, stable_bucket(doc_id, n)), row

        return (
            keyed
            | "AssignShard" >> beam.Map(assign, totals=beam.pvalue.AsDict(totals))
            | "GroupShards" >> beam.GroupByKey()
            | "WriteShard" >> beam.ParDo(_WriteShard(self.root, self.fmt, self.schema, self.compression))
        )


def write_kept(root: str, shard_bytes: int, in_memory: bool = False) -> WriteShards:
    return WriteShards(root, "language", shard_row, "arrow", SHARD_SCHEMA, shard_bytes, in_memory=in_memory)


def write_removed(root: str, shard_bytes: int, in_memory: bool = False) -> WriteShards:
    return WriteShards(root, "reason", removed_row, "arrow", REMOVED_SCHEMA, shard_bytes, in_memory=in_memory)


def write_dead_letter(root: str, shard_bytes: int, in_memory: bool = False) -> WriteShards:
    return WriteShards(root, "source", dead_letter_row, "jsonl", None, shard_bytes, in_memory=in_memory)


def write_attributes(root: str, shard_bytes: int, in_memory: bool = False) -> WriteShards:
    """Final records → ``root/<language>/<language>-NNNNN.arrow`` + ``root/index.json``: their attributes rows
    (``pipeline.attributes``), zstd-compressed, split by the rows' sizes."""
    return WriteShards(root, "language", attribute_row, "arrow", ATTRIBUTES_SCHEMA, shard_bytes, size_fn=row_bytes,
                       compression="zstd", size_of_row=True, in_memory=in_memory)


class WriteJson(beam.PTransform):
    """A single value (e.g. a combined count) → one JSON file, written atomically."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def expand(self, value):
        path = self.path

        def write(v):
            write_json(path, v)
            return v

        return value | beam.Map(write)
