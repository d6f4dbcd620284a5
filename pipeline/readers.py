"""Reading inputs into document records: plain functions, no Beam.

The driver splits every source into *units* (one data file, one hub shard, one code file, one archive) and a Beam
``DoFn`` calls ``read_unit`` on each. Readers never raise for bad input: every document, good or bad, comes out as
``(route, record)`` with route ``kept``, ``removed`` (with ``reason``) or ``failed`` (with ``error`` naming the file
and line or record), so the counts add up downstream.
"""

from __future__ import annotations

import glob
import json
import os
import tarfile
import zipfile
from collections.abc import Iterator
from typing import Any

from manifests.schema import Manifest, Source
from pipeline.extensions import extension, programming_language
from pipeline.stage import Record, doc_id, failed, removed

Routed = tuple[str, Record]
KEPT, REMOVED, FAILED = "kept", "removed", "failed"

#: a NUL byte in the first 8 KiB marks a binary file (as git and The Stack decide it)
BINARY_SNIFF_BYTES = 8192


# --------------------------------------------------------------------------------------------------- planning units
def plan_units(manifest: Manifest) -> list[dict[str, Any]]:
    """Split every source into independently readable units, in a deterministic order."""
    units: list[dict[str, Any]] = []
    for source in manifest.sources:
        if source.type == "code":
            units.extend(_code_units(manifest, source))
        elif source.is_local:
            for f in _data_files(manifest, source):
                units.append({"source": source.name, "kind": "hf_file", "path": f})
        else:
            units.extend(_hub_units(source))
    return units


def _data_files(manifest: Manifest, source: Source) -> list[str]:
    patterns = [source.data_files] if isinstance(source.data_files, str) else list(source.data_files or [])
    files: set[str] = set()
    for pattern in patterns:
        files.update(p for p in glob.glob(manifest.resolve(pattern), recursive=True) if os.path.isfile(p))
    return sorted(files)


def _code_units(manifest: Manifest, source: Source) -> list[dict[str, Any]]:
    root = manifest.resolve(source.path)
    if os.path.isdir(root):
        files = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            files.extend(os.path.join(dirpath, f) for f in sorted(filenames))
        return [{"source": source.name, "kind": "code_file", "path": f, "root": root} for f in files]
    if root.endswith(".parquet"):
        return [{"source": source.name, "kind": "code_parquet", "path": root}]
    return [{"source": source.name, "kind": "code_archive", "path": root}]


def _hub_units(source: Source) -> list[dict[str, Any]]:
    """One unit per shard of a hub dataset, so workers read shards in parallel."""
    ds = _load_streaming(source, None)
    return [{"source": source.name, "kind": "hf_shard", "shard": i, "num_shards": ds.num_shards}
            for i in range(ds.num_shards)]


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


# ---------------------------------------------------------------------------------------------------- records
def _record(manifest: Manifest, source: str, locator: str, text: str, meta: dict, path: str | None = None,
            language: str | None = None) -> Record:
    return {
        "id": doc_id(source, locator),
        "text": text,
        "source": source,
        "locator": locator,
        "language": language,
        "lid_score": None,
        "meta": json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str),
        "path": path,
    }


def _text_record(manifest: Manifest, source: Source, locator: str, row: Any) -> Routed:
    """A dataset row → routed record: text must be a non-empty string within the size limit."""
    language = None if source.language == "auto" else source.language
    if not isinstance(row, dict):
        rec = _record(manifest, source.name, locator, "", {}, language=language)
        return FAILED, failed(rec, f"{locator}: expected a JSON object, got {type(row).__name__}")
    meta = {k: v for k, v in row.items() if k != source.text_column}
    text = row.get(source.text_column)
    rec = _record(manifest, source.name, locator, "", meta, language=language)
    if source.text_column not in row:
        return FAILED, failed(rec, f"{locator}: no field {source.text_column!r} (the source's text_column); "
                                   f"fields are {sorted(row)}")
    if not isinstance(text, str):
        return FAILED, failed(rec, f"{locator}: field {source.text_column!r} is {type(text).__name__}, "
                                   "expected a string")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > manifest.output.max_doc_bytes:
        return REMOVED, removed(rec, "too_large", size)
    rec["text"] = text
    if not text.strip():
        return REMOVED, removed(rec, "empty", 0)
    return KEPT, rec


# ---------------------------------------------------------------------------------------------------- hf sources
def read_hf_file(manifest: Manifest, source: Source, path: str) -> Iterator[Routed]:
    """Rows of one local data file through ``datasets``; JSON Lines files that ``datasets`` can't parse whole are
    re-read line by line from where it stopped, so one broken line costs one dead-letter record, not the file."""
    rel = manifest.relative(path)
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


def _starts_with(path: str, prefix: bytes) -> bool:
    with open(path, "rb") as f:
        return f.read(4096).lstrip().startswith(prefix)


def _read_json_lines(manifest: Manifest, source: Source, path: str, skip: int) -> Iterator[Routed]:
    """Tolerant JSON Lines reader: record numbers count non-blank lines, as ``datasets`` does."""
    rel = manifest.relative(path)
    n = 0
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            n += 1
            if n <= skip:
                continue
            locator = f"{rel}#record={n - 1}"
            try:
                row = json.loads(raw.decode("utf-8").rstrip("\r\n"))
            except UnicodeDecodeError as e:
                yield FAILED, failed(_record(manifest, source.name, locator, "", {}),
                                     f"{rel}:{lineno}: not valid UTF-8 at byte {e.start} of the line")
                continue
            except json.JSONDecodeError as e:
                yield FAILED, failed(_record(manifest, source.name, locator, "", {}),
                                     f"{rel}:{lineno}: malformed JSON ({e.msg} at column {e.colno})")
                continue
            routed = _text_record(manifest, source, locator, row)
            if routed[0] == FAILED:
                routed[1]["error"] = routed[1]["error"].replace(locator, f"{rel}:{lineno}", 1)
            yield routed


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


# ---------------------------------------------------------------------------------------------------- code sources
def code_document(manifest: Manifest, source: str, locator: str, path: str, data: bytes | None,
                  size: int) -> Routed:
    """One code file → routed record. ``data`` may be ``None`` when the file was too large to read."""
    pl = programming_language(path)
    rec = _record(manifest, source, locator, "", {"path": path}, path=path,
                  language=f"code-{pl}" if pl else None)
    if pl is None:
        return REMOVED, removed(rec, "not_code", extension(path) or None)
    if data is None or size > manifest.output.max_doc_bytes:
        return REMOVED, removed(rec, "too_large", size)
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return REMOVED, removed(rec, "binary", size)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return FAILED, failed(rec, f"{locator}: not valid UTF-8 at byte {e.start}; re-encode the file as UTF-8")
    if not text.strip():
        return REMOVED, removed(rec, "empty", 0)
    rec["text"] = text
    return KEPT, rec


def read_code_file(manifest: Manifest, source: Source, path: str, root: str) -> Iterator[Routed]:
    """One file of a code folder; symlinks are never followed."""
    rel_in_dump = os.path.relpath(path, root).replace(os.sep, "/")
    locator = manifest.relative(path)
    if os.path.islink(path):
        rec = _record(manifest, source.name, locator, "", {"path": rel_in_dump}, path=rel_in_dump)
        yield REMOVED, removed(rec, "symlink", os.readlink(path))
        return
    try:
        size = os.path.getsize(path)
        data = None
        if programming_language(path) and size <= manifest.output.max_doc_bytes:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        rec = _record(manifest, source.name, locator, "", {"path": rel_in_dump}, path=rel_in_dump)
        yield FAILED, failed(rec, f"{locator}: cannot read ({e.strerror})")
        return
    yield code_document(manifest, source.name, locator, rel_in_dump, data, size)


def read_code_archive(manifest: Manifest, source: Source, path: str) -> Iterator[Routed]:
    """Members of a tar or zip archive, read in memory: nothing is extracted, links are not followed."""
    rel = manifest.relative(path)
    if zipfile.is_zipfile(path):
        yield from _read_zip(manifest, source, path, rel)
    else:
        yield from _read_tar(manifest, source, path, rel)


def _read_tar(manifest: Manifest, source: Source, path: str, rel: str) -> Iterator[Routed]:
    n = 0
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                n += 1
                locator = f"{rel}!{member.name}"
                if not member.isfile():
                    rec = _record(manifest, source.name, locator, "", {"path": member.name}, path=member.name)
                    yield REMOVED, removed(rec, "symlink" if member.issym() or member.islnk() else "not_regular_file",
                                           member.linkname or None)
                    continue
                data = None
                if programming_language(member.name) and member.size <= manifest.output.max_doc_bytes:
                    data = tar.extractfile(member).read()
                yield code_document(manifest, source.name, locator, member.name, data, member.size)
    except (tarfile.TarError, OSError, EOFError, ValueError) as e:
        rec = _record(manifest, source.name, f"{rel}!#member={n}", "", {})
        yield FAILED, failed(rec, f"{rel}: archive is truncated or corrupt after {n} members ({e}); "
                                  "re-create or re-download it")


def _read_zip(manifest: Manifest, source: Source, path: str, rel: str) -> Iterator[Routed]:
    n = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                n += 1
                locator = f"{rel}!{info.filename}"
                is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
                if is_link:
                    rec = _record(manifest, source.name, locator, "", {"path": info.filename}, path=info.filename)
                    yield REMOVED, removed(rec, "symlink", None)
                    continue
                data = None
                if programming_language(info.filename) and info.file_size <= manifest.output.max_doc_bytes:
                    data = zf.read(info)
                yield code_document(manifest, source.name, locator, info.filename, data, info.file_size)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        rec = _record(manifest, source.name, f"{rel}!#member={n}", "", {})
        yield FAILED, failed(rec, f"{rel}: archive is truncated or corrupt after {n} members ({e}); "
                                  "re-create or re-download it")


def read_code_parquet(manifest: Manifest, source: Source, path: str) -> Iterator[Routed]:
    """A parquet table of code files with a path column and a content column (str or bytes)."""
    import pyarrow.parquet as pq

    rel = manifest.relative(path)
    n = 0
    try:
        pf = pq.ParquetFile(path)
        missing = [c for c in (source.path_column, source.content_column) if c not in pf.schema_arrow.names]
        if missing:
            rec = _record(manifest, source.name, f"{rel}#record=0", "", {})
            yield FAILED, failed(rec, f"{rel}: no column(s) {missing}; set path_column/content_column in the "
                                      f"manifest (columns are {pf.schema_arrow.names})")
            return
        for batch in pf.iter_batches(columns=[source.path_column, source.content_column], batch_size=256):
            for fpath, content in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True):
                locator = f"{rel}#record={n}"
                n += 1
                data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
                yield code_document(manifest, source.name, locator, str(fpath or ""), data or b"",
                                    len(data or b""))
    except Exception as e:  # noqa: BLE001 - pyarrow raises several types for a damaged file
        rec = _record(manifest, source.name, f"{rel}#record={n}", "", {})
        yield FAILED, failed(rec, f"{rel}: unreadable parquet after {n} records ({e})")


# ---------------------------------------------------------------------------------------------------- dispatch
def read_unit(manifest: Manifest, unit: dict[str, Any]) -> Iterator[Routed]:
    """All documents of one unit."""
    source = next(s for s in manifest.sources if s.name == unit["source"])
    kind = unit["kind"]
    if kind == "hf_file":
        yield from read_hf_file(manifest, source, unit["path"])
    elif kind == "hf_shard":
        yield from read_hf_shard(manifest, source, unit["shard"], unit["num_shards"])
    elif kind == "code_file":
        yield from read_code_file(manifest, source, unit["path"], unit["root"])
    elif kind == "code_archive":
        yield from read_code_archive(manifest, source, unit["path"])
    elif kind == "code_parquet":
        yield from read_code_parquet(manifest, source, unit["path"])
    else:  # pragma: no cover - plan_units only makes the kinds above
        raise ValueError(f"unknown unit kind {kind!r}")

