"""``type: code`` sources: a folder (local or a remote prefix), a .tar/.tar.gz/.zip archive, or a parquet file
with path + content columns. Files outside the 13 ROOTS programming languages are removed as ``not_code``."""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from typing import Any

from core.fs import file_size, is_remote, open_input
from core.languages import code_language, extension, programming_language
from filters.code_language import ambiguous_extension, language_from_content
from manifests.schema import Manifest, Source
from pipeline.ingest.records import (
    _STREAM_ERRORS,
    FAILED,
    KEPT,
    REMOVED,
    Routed,
    _describe,
    _record,
    _rel,
    failed,
    printable,
    removed,
)

#: a NUL byte in the first 8 KiB marks a binary file (as git and The Stack decide it)
BINARY_SNIFF_BYTES = 8192


def may_be_code(path: str) -> bool:
    """Worth reading: code by extension, or an extension whose language the content decides (``.inc``)."""
    return programming_language(path) is not None or ambiguous_extension(path) is not None


def code_document(manifest: Manifest, source: str, locator: str, path: str, data: bytes | None,
                  size: int) -> Routed:
    """One code file → routed record. ``data`` may be ``None`` when the file was too large to read."""
    pl = programming_language(path)
    rec = _record(manifest, source, locator, "", {"path": path}, path=path,
                  language=code_language(pl) if pl else None)
    if pl is None and not ambiguous_extension(path):
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
    pl = language_from_content(path, text) or pl  # .h: C or C++; .inc/.tpl: PHP, C, C++ or not code
    if pl is None:
        return REMOVED, removed(rec, "not_code", extension(path) or None)
    rec["text"], rec["language"] = text, code_language(pl)
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
    if may_be_code(path) and size <= manifest.output.max_doc_bytes:
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
                if may_be_code(member.name) and member.size <= manifest.output.max_doc_bytes:
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
            if may_be_code(info.filename) and info.file_size <= manifest.output.max_doc_bytes:
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
