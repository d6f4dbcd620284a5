"""Finding and reading the pipeline's Arrow shards.

Shards are named by the manifest through the pipeline's ``index.json`` or by globs. They are read one record batch
at a time from a memory map, and only the columns a pass needs, so the corpus is never held in memory: the
tokenizer scales with the size of its *sample*, not of the corpus.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.ipc as ipc

from core.errors import UserError
from tokenizer.config import TokenizerManifest

#: Columns every shard must have for training.
REQUIRED_COLUMNS = ("id", "text", "language")


@dataclass(frozen=True)
class Shard:
    """One shard file: its absolute path, its path relative to the manifest, and its content hash."""

    path: str
    rel: str
    sha256: str


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _index_entries(manifest: TokenizerManifest, spec: str) -> list[tuple[str, str | None]]:
    """(absolute shard path, sha256 recorded in the index) for every shard an ``index.json`` lists."""
    index_path = manifest.resolve(spec)
    where = f"{manifest.origin}: tokenizer.shards"
    if not os.path.isfile(index_path):
        raise UserError(f"{where}: index {spec!r} not found at {index_path} (run the pipeline first, or fix the path)")
    try:
        with open(index_path, encoding="utf-8") as f:
            index = json.load(f)
        rows = index["shards"]
        entries = [
            (os.path.normpath(os.path.join(os.path.dirname(index_path), r["path"])), r.get("sha256")) for r in rows
        ]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise UserError(
            f"{where}: {index_path} is not a shards index (expected {{'shards': [{{'path': ...}}]}}): {e}"
        ) from None
    return entries


def _glob_entries(manifest: TokenizerManifest, spec: str) -> list[tuple[str, str | None]]:
    matches = sorted(p for p in glob.glob(manifest.resolve(spec), recursive=True) if os.path.isfile(p))
    if not matches:
        raise UserError(f"{manifest.origin}: tokenizer.shards: {spec!r} matches no file")
    return [(os.path.normpath(p), None) for p in matches]


def resolve_shards(manifest: TokenizerManifest) -> list[Shard]:
    """The manifest's shards, sorted by manifest-relative path, each hashed and checked against its index entry.

    Raises ``UserError`` naming the shard when a listed file is missing or no longer matches the sha256 its
    ``index.json`` recorded (the shards changed after the pipeline wrote them).
    """
    entries: dict[str, str | None] = {}
    for spec in manifest.tokenizer.shard_specs:
        found = _index_entries(manifest, spec) if spec.endswith(".json") else _glob_entries(manifest, spec)
        for path, sha in found:
            entries.setdefault(path, sha)
    shards = []
    for path, expected in entries.items():
        rel = manifest.relative(path)
        if not os.path.isfile(path):
            raise UserError(f"{manifest.origin}: shard {rel} is missing ({path}); rerun the pipeline or fix the index")
        sha = file_sha256(path)
        if expected is not None and sha != expected:
            raise UserError(
                f"shard {rel} does not match the sha256 in its index.json (file changed after the pipeline wrote it)"
            )
        shards.append(Shard(path=path, rel=rel, sha256=sha))
    return sorted(shards, key=lambda s: s.rel)


def iter_batches(shard: Shard, columns: tuple[str, ...]) -> Iterator[pa.RecordBatch]:
    """The shard's record batches in file order, restricted to ``columns`` (zero-copy from a memory map)."""
    try:
        source = pa.memory_map(shard.path, "r")
        reader = ipc.open_file(source)
    except (pa.ArrowInvalid, OSError) as e:
        raise UserError(f"shard {shard.rel} is not an Arrow IPC file: {e}") from None
    with source:
        missing = [c for c in REQUIRED_COLUMNS if c not in reader.schema.names]
        if missing:
            raise UserError(f"shard {shard.rel} lacks column(s) {', '.join(missing)} (has {reader.schema.names})")
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            yield batch.select(list(columns))
