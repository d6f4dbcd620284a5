"""Reading inputs into document records: plain functions, no Beam.

The driver splits every source into *units* (one data file, one hub shard, one code file, one archive) and a Beam
``DoFn`` calls ``read_unit`` on each. Readers never raise for bad input: every document, good or bad, comes out as
``(route, record)`` with route ``kept``, ``removed`` (with ``reason``) or ``failed`` (with ``error`` naming the file
and line or record), so the counts add up downstream.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any

from core.fs import file_size, is_folder, is_remote, list_files, open_input
from core.languages import code_language, extension, programming_language
from manifests.schema import Manifest, Source
from pipeline.stage import Record, doc_id, failed, removed

Routed = tuple[str, Record]
KEPT, REMOVED, FAILED = "kept", "removed", "failed"

#: a NUL byte in the first 8 KiB marks a binary file (as git and The Stack decide it)
BINARY_SNIFF_BYTES = 8192

#: JSON's longest escape (``\u0041``) spends 6 bytes on 1 byte of text, so a JSON Lines record longer than
#: ``JSON_ESCAPE_FACTOR * max_doc_bytes`` cannot hold a text within ``max_doc_bytes`` (short of equally huge other
#: fields): it is removed as ``too_large`` (value: the line's bytes) while being skipped, never held in memory.
JSON_ESCAPE_FACTOR = 6
#: bytes of a JSON file's first line looked at to tell JSON Lines from one JSON document
JSON_PEEK_BYTES = 1 << 20
#: compressed JSON files roots decompresses itself (``datasets`` also reads these; zstd etc. are left to it)
_DECOMPRESSORS: dict[bytes, Callable[..., IO[bytes]]] = {b"\x1f\x8b": gzip.open, b"BZh": bz2.open,
                                                        b"\xfd7zXZ\x00": lzma.open}
#: what a damaged compressed stream or archive raises while being read
_STREAM_ERRORS = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, tarfile.TarError, zipfile.BadZipFile)


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
        files.update(list_files(manifest.resolve(pattern)))
    return sorted(files)


def _code_units(manifest: Manifest, source: Source) -> list[dict[str, Any]]:
    root = manifest.resolve(source.path)
    if is_remote(root) and is_folder(root):
        root = root.rstrip("/")
        return [{"source": source.name, "kind": "code_file", "path": f, "root": root}
                for f in list_files(root + "/**")]
    if os.path.isdir(root):
        files = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            # a symlink to a directory is listed as a directory and not walked into: report it like a file link
            linked = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            files.extend(os.path.join(dirpath, f) for f in sorted([*filenames, *linked]))
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
def printable(name: str) -> str:
    """A file or member name as valid UTF-8 text. Names that are not UTF-8 on disk (or in a tar header) reach Python
    as lone surrogates, which no encoder downstream accepts (Beam's coders, Arrow, JSON files); their raw bytes are
    shown as ``\\xff`` escapes instead, so the name stays readable and distinct."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        try:
            return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _rel(manifest: Manifest, path: str) -> str:
    return printable(manifest.relative(path))


def _meta_json(meta: dict) -> str:
    text = json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:  # a lone surrogate from a JSON ``\ud800`` escape: keep it escaped
        return json.dumps(meta, sort_keys=True, default=str)


def _record(manifest: Manifest, source: str, locator: str, text: str, meta: dict, path: str | None = None,
            language: str | None = None) -> Record:
    return {
        "id": doc_id(source, locator),
        "text": text,
        "source": source,
        "locator": locator,
        "language": language,
        "lid_score": None,
        "meta": _meta_json(meta),
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
        fields = sorted(map(str, row))
        shown = ", ".join(repr(f) for f in fields[:20]) + (f" and {len(fields) - 20} more" if len(fields) > 20 else "")
        return FAILED, failed(rec, f"{locator}: no field {source.text_column!r} (the source's text_column); "
                                   f"fields are [{shown}]")
    if not isinstance(text, str):
        return FAILED, failed(rec, f"{locator}: field {source.text_column!r} is {type(text).__name__}, "
                                   "expected a string")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as e:  # JSON can spell a lone surrogate (\ud800), which is not Unicode text
        return FAILED, failed(rec, f"{locator}: field {source.text_column!r} has a lone surrogate "
                                   f"(\\u{ord(text[e.start]):04x}) at character {e.start}; it is not valid Unicode")
    if size > manifest.output.max_doc_bytes:
        return REMOVED, removed(rec, "too_large", size)
    rec["text"] = text
    if not text.strip():
        return REMOVED, removed(rec, "empty", 0)
    return KEPT, rec


# ---------------------------------------------------------------------------------------------------- hf sources
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


def _open_binary(path: str) -> IO[bytes]:
    """``path`` opened for reading bytes, decompressed when it starts with a gzip, bzip2 or xz header."""
    with open_input(path) as f:
        head = f.read(6)
    for magic, opener in _DECOMPRESSORS.items():
        if head.startswith(magic):
            return opener(open_input(path), "rb")
    return open_input(path)


def _starts_with(path: str, prefix: bytes) -> bool:
    try:
        with _open_binary(path) as f:
            return f.read(4096).lstrip().removeprefix(b"\xef\xbb\xbf").lstrip().startswith(prefix)
    except _STREAM_ERRORS:
        return False


def _json_layout(path: str) -> str:
    """``lines`` (JSON Lines) or ``document`` (one JSON array of records, maybe pretty-printed), from the first two
    non-blank lines. JSON Lines: the first line is a whole JSON value on its own (unless it is an array and all
    there is), or too long to peek at, or the second line is a whole JSON object (a JSON Lines file whose first
    record is broken). A document: the first line starts one (``[`` or ``{`` that doesn't parse alone)."""
    try:
        with _open_binary(path) as f:
            first, second = _peek_line(f), _peek_line(f)
    except _STREAM_ERRORS:
        return "lines"  # the line reader reports the damage as a dead-letter record
    if first is None:
        return "lines"  # empty: no records either way
    first = first.removeprefix(b"\xef\xbb\xbf").strip()
    value, ok = _parse_alone(first)
    if ok:
        return "document" if isinstance(value, list) and second is None else "lines"
    if first[:1] not in (b"[", b"{"):
        return "lines"
    return "lines" if isinstance(_parse_alone(second or b"")[0], dict) else "document"


def _peek_line(f: IO[bytes]) -> bytes | None:
    """The next non-blank line, at most ``JSON_PEEK_BYTES`` of it (``b"..."`` when longer), or ``None`` at the end."""
    while line := f.readline(JSON_PEEK_BYTES):
        if len(line) == JSON_PEEK_BYTES and not line.endswith(b"\n"):
            while (rest := f.readline(JSON_PEEK_BYTES)) and not rest.endswith(b"\n"):
                pass
            return b"..."  # too long to look at: a JSON Lines record (a document would fail the same anyway)
        if line.strip():
            return line
    return None


def _parse_alone(line: bytes) -> tuple[Any, bool]:
    if line == b"...":
        return None, True
    try:
        return json.loads(line), True
    except (ValueError, RecursionError):
        return None, False


def _bounded_lines(f: IO[bytes], limit: int) -> Iterator[tuple[bytes | None, int]]:
    """``(line, size)`` for each line of ``f``; a line longer than ``limit`` bytes comes as ``(None, size)`` and is
    skipped in 1 MiB steps, never held whole. ``size`` excludes the line end."""
    while line := f.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, len(line.rstrip(b"\r\n"))
            continue
        size = len(line)
        del line
        while chunk := f.readline(1 << 20):
            size += len(chunk)
            if chunk.endswith(b"\n"):
                size -= len(chunk) - len(chunk.rstrip(b"\r\n"))
                break
        yield None, size


def _read_json_lines(manifest: Manifest, source: Source, path: str, skip: int) -> Iterator[Routed]:
    """Tolerant JSON Lines reader (plain or gzip/bzip2/xz): record numbers count non-blank lines, as ``datasets``
    does; the first ``skip`` records were already read by ``datasets``."""
    rel = _rel(manifest, path)
    language = None if source.language == "auto" else source.language
    n = lineno = 0
    try:
        with _open_binary(path) as f:
            for raw, size in _bounded_lines(f, JSON_ESCAPE_FACTOR * manifest.output.max_doc_bytes):
                lineno += 1
                if raw is not None and not raw.strip():
                    continue
                n += 1
                if n <= skip:
                    continue
                locator = f"{rel}#record={n - 1}"
                if raw is None:
                    rec = _record(manifest, source.name, locator, "", {}, language=language)
                    yield REMOVED, removed(rec, "too_large", size)
                    continue
                yield _json_line(manifest, source, raw.removeprefix(b"\xef\xbb\xbf") if lineno == 1 else raw,
                                 locator, f"{rel}:{lineno}")
    except _STREAM_ERRORS as e:
        rec = _record(manifest, source.name, f"{rel}#record={n}", "", {})
        yield FAILED, failed(rec, f"{rel}: unreadable after line {lineno} ({_describe(e)}); a compressed file may "
                                  "be truncated: re-create or re-download it")


def _json_line(manifest: Manifest, source: Source, raw: bytes, locator: str, where: str) -> Routed:
    """One JSON Lines record → routed record; errors name the file and line (``where``)."""
    try:
        row = json.loads(raw.decode("utf-8"))
        routed = _text_record(manifest, source, locator, row)
    except UnicodeDecodeError as e:
        return FAILED, failed(_record(manifest, source.name, locator, "", {}),
                              f"{where}: not valid UTF-8 at byte {e.start} of the line")
    except json.JSONDecodeError as e:
        return FAILED, failed(_record(manifest, source.name, locator, "", {}),
                              f"{where}: malformed JSON ({e.msg} at column {e.colno})")
    except RecursionError:
        return FAILED, failed(_record(manifest, source.name, locator, "", {}),
                              f"{where}: JSON nested too deeply to read")
    if routed[0] == FAILED:
        routed[1]["error"] = routed[1]["error"].replace(locator, where, 1)
    return routed


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
                  language=code_language(pl) if pl else None)
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
    if is_remote(path):
        yield from _read_remote_code_file(manifest, source, path, root)
        return
    rel_in_dump = printable(os.path.relpath(path, root).replace(os.sep, "/"))
    locator = _rel(manifest, path)
    if os.path.islink(path):
        rec = _record(manifest, source.name, locator, "", {"path": rel_in_dump}, path=rel_in_dump)
        yield REMOVED, removed(rec, "symlink", printable(os.readlink(path)))
        return
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):  # a FIFO named x.py would block the reader forever
            rec = _record(manifest, source.name, locator, "", {"path": rel_in_dump}, path=rel_in_dump)
            yield REMOVED, removed(rec, "not_regular_file", None)
            return
    except OSError as e:
        rec = _record(manifest, source.name, locator, "", {"path": rel_in_dump}, path=rel_in_dump)
        yield FAILED, failed(rec, f"{locator}: cannot read ({e.strerror})")
        return
    yield from _code_file_document(manifest, source, path, rel_in_dump, st.st_size)


def _read_remote_code_file(manifest: Manifest, source: Source, path: str, root: str) -> Iterator[Routed]:
    """One object under a remote code prefix (object stores have no links or special files)."""
    rel_in_dump = printable(path[len(root):].lstrip("/"))
    try:
        size = file_size(path)
    except OSError as e:
        rec = _record(manifest, source.name, _rel(manifest, path), "", {"path": rel_in_dump}, path=rel_in_dump)
        yield FAILED, failed(rec, f"{_rel(manifest, path)}: cannot read ({e})")
        return
    yield from _code_file_document(manifest, source, path, rel_in_dump, size)


def _code_file_document(manifest: Manifest, source: Source, path: str, rel_in_dump: str,
                        size: int) -> Iterator[Routed]:
    """A regular code file of ``size`` bytes, local or remote: read only when it is code and within the limit."""
    locator = _rel(manifest, path)
    data = None
    if programming_language(path) and size <= manifest.output.max_doc_bytes:
        try:
            with open_input(path) as f:
                data = f.read()
        except OSError as e:
            rec = _record(manifest, source.name, locator, "", {"path": rel_in_dump}, path=rel_in_dump)
            yield FAILED, failed(rec, f"{locator}: cannot read ({e.strerror or e})")
            return
    yield code_document(manifest, source.name, locator, rel_in_dump, data, size)


def read_code_archive(manifest: Manifest, source: Source, path: str) -> Iterator[Routed]:
    """Members of a tar or zip archive, read in memory: nothing is extracted, links are not followed, and member
    names (``../x``, ``/etc/x``) are only labels."""
    rel = _rel(manifest, path)
    with open_input(path) as f:
        is_zip = zipfile.is_zipfile(f)
    if is_zip:
        yield from _read_zip(manifest, source, path, rel)
    else:
        yield from _read_tar(manifest, source, path, rel)


def _describe(e: BaseException) -> str:
    name = type(e).__name__
    return f"{type(e).__module__ + '.' if name == 'error' else ''}{name}: {e}"  # zlib.error, not just "error"


def _archive_failed(manifest: Manifest, source: Source, rel: str, n: int, e: BaseException) -> Routed:
    rec = _record(manifest, source.name, f"{rel}!#member={n}", "", {})
    return FAILED, failed(rec, f"{rel}: archive is truncated or corrupt after {n} members ({_describe(e)}); "
                               "re-create or re-download it")


class _EndCheckedTarInfo(tarfile.TarInfo):
    """Notes on the archive how its member list ended. ``tarfile`` ends the list quietly at a missing, truncated or
    corrupt header after the first member, as it does at the end-of-archive marker (a zero block); only the marker
    means the archive is whole."""

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        try:
            return super().fromtarfile(tarfile_)
        except tarfile.HeaderError as e:
            tarfile_.roots_end = e  # type: ignore[attr-defined]
            raise


def _read_tar(manifest: Manifest, source: Source, path: str, rel: str) -> Iterator[Routed]:
    """A tar is a stream: damage stops the reading there (one dead-letter record), the members before it count."""
    n = 0
    try:
        try:
            tar = tarfile.open(fileobj=open_input(path), mode="r|*", tarinfo=_EndCheckedTarInfo)
        except TypeError as e:  # tarfile's gzip stream reader on a header cut short: ord() of b"" (CPython bug)
            raise tarfile.ReadError(f"truncated gzip header ({e})") from None
        with tar:
            for member in tar:
                if member.isdir():
                    continue
                n += 1
                name = printable(member.name)
                locator = f"{rel}!{name}"
                if not member.isfile():
                    rec = _record(manifest, source.name, locator, "", {"path": name}, path=name)
                    yield REMOVED, removed(rec, "symlink" if member.issym() or member.islnk() else "not_regular_file",
                                           printable(member.linkname) or None)
                    continue
                data = None
                if programming_language(member.name) and member.size <= manifest.output.max_doc_bytes:
                    data = tar.extractfile(member).read()
                yield code_document(manifest, source.name, locator, name, data, member.size)
            end = getattr(tar, "roots_end", None)
            if not isinstance(end, tarfile.EOFHeaderError):
                raise tarfile.ReadError(f"no end-of-archive marker ({end or 'the data stops'})")
    except _STREAM_ERRORS as e:
        yield _archive_failed(manifest, source, rel, n, e)


def _read_zip(manifest: Manifest, source: Source, path: str, rel: str) -> Iterator[Routed]:
    """A zip has a directory of members: a damaged member is one dead-letter record and the others are still read."""
    try:
        zf = zipfile.ZipFile(open_input(path))
    except (*_STREAM_ERRORS, zipfile.LargeZipFile, NotImplementedError) as e:  # + "zip file version 8.4"
        yield _archive_failed(manifest, source, rel, 0, e)
        return
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = printable(info.filename)
            locator = f"{rel}!{name}"
            rec = _record(manifest, source.name, locator, "", {"path": name}, path=name)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                yield REMOVED, removed(rec, "symlink", None)
                continue
            data = None
            if programming_language(info.filename) and info.file_size <= manifest.output.max_doc_bytes:
                try:
                    data = zf.read(info)
                except (*_STREAM_ERRORS, NotImplementedError, RuntimeError) as e:  # + unknown method, encrypted
                    yield FAILED, failed(rec, f"{locator}: member is corrupt or unreadable ({_describe(e)}); "
                                              "re-create or re-download the archive")
                    continue
            yield code_document(manifest, source.name, locator, name, data, info.file_size)


def read_code_parquet(manifest: Manifest, source: Source, path: str) -> Iterator[Routed]:
    """A parquet table of code files with a path column and a content column (str or bytes)."""
    import pyarrow.parquet as pq

    rel = _rel(manifest, path)
    n = 0
    try:
        pf = pq.ParquetFile(open_input(path))
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
                yield _parquet_code_row(manifest, source, locator, fpath, content)
    except Exception as e:  # noqa: BLE001 - pyarrow raises several types for a damaged file
        rec = _record(manifest, source.name, f"{rel}#record={n}", "", {})
        yield FAILED, failed(rec, f"{rel}: unreadable parquet after {n} records ({e})")


def _parquet_code_row(manifest: Manifest, source: Source, locator: str, fpath: Any, content: Any) -> Routed:
    if not isinstance(fpath, str | None) or not isinstance(content, str | bytes | None):
        rec = _record(manifest, source.name, locator, "", {})
        return FAILED, failed(rec, f"{locator}: column {source.path_column!r} must hold strings and "
                                   f"{source.content_column!r} strings or bytes; got {type(fpath).__name__} and "
                                   f"{type(content).__name__}")
    data = content.encode("utf-8") if isinstance(content, str) else (content or b"")
    return code_document(manifest, source.name, locator, fpath or "", data, len(data))


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

