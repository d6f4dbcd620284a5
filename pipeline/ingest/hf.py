"""``type: hf`` sources: local data files (JSON Lines read by roots itself, other builders through ``datasets``)
and Hugging Face Hub datasets, one unit per shard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.fs import list_files
from manifests.schema import Manifest, Source
from pipeline.ingest.jsonl import _json_layout, _read_json_lines, _starts_with
from pipeline.ingest.records import FAILED, Routed, _record, _rel, _text_record, failed


def _data_files(manifest: Manifest, source: Source) -> list[str]:
    patterns = [source.data_files] if isinstance(source.data_files, str) else list(source.data_files or [])
    files: set[str] = set()
    for pattern in patterns:
        files.update(list_files(manifest.resolve(pattern)))
    return sorted(files)


def _load_streaming(source: Source, data_file: str | None):
    import datasets

    datasets.disable_progress_bars()
    # roots reports unreadable files itself (dead letter); datasets' own error log would only repeat it
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)
    kwargs: dict[str, Any] = {"split": source.split, "streaming": True}
    if data_file is not None:
        kwargs["data_files"] = {source.split: [data_file]}
    if source.revision:
        kwargs["revision"] = source.revision
    return datasets.load_dataset(source.path, **kwargs)


def read_hf_file(manifest: Manifest, source: Source, path: str) -> Iterator[Routed]:
    """Rows of one local data file. JSON Lines files are read by roots itself, line by line (one broken line costs
    one dead-letter record, memory is bounded per line, and each record's fields are its own, not a schema unified
    over the file); every other file goes through ``datasets``. A JSON document that ``datasets`` can't parse whole
    is re-read line by line from where it stopped when it may be JSON Lines after all."""
    if source.path == "json" and _json_layout(path) == "lines":
        yield from _read_json_lines(manifest, source, path, skip=0)
        return
    rel = _rel(manifest, path)
    n = 0
    try:
        for row in _load_streaming(source, path):
            yield _text_record(manifest, source, f"{rel}#record={n}", row)
            n += 1
        return
    except Exception as e:  # noqa: BLE001 - datasets/pyarrow raise many types for bad files; all are reported
        error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    if source.path == "json" and not _starts_with(path, b"["):
        yield from _read_json_lines(manifest, source, path, skip=n)
        return
    rec = _record(manifest, source.name, f"{rel}#record={n}", "", {})
    yield FAILED, failed(rec, f"{rel}: unreadable after {n} records ({error}); check the file's format")


def read_hf_shard(manifest: Manifest, source: Source, shard: int, num_shards: int) -> Iterator[Routed]:
    """Rows of one shard of a hub dataset (pinned by ``revision``)."""
    ds = _load_streaming(source, None).shard(num_shards=num_shards, index=shard)
    n = 0
    try:
        for row in ds:
            yield _text_record(manifest, source, f"{source.path}@{source.revision or 'main'}/shard={shard}#record={n}",
                               row)
            n += 1
    except Exception as e:  # noqa: BLE001
        rec = _record(manifest, source.name, f"{source.path}/shard={shard}#record={n}", "", {})
        yield FAILED, failed(rec, f"{source.path} shard {shard}: unreadable after {n} records: {e}")
