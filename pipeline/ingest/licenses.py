"""Which licence each file of a code dump carries, for ``filters.code.licenses``.

A parquet dump (The Stack style) names it per file in a column (``license_column``, default ``license``); a folder
or archive states it per repository or folder in LICENSE / COPYING files, and a file takes the licence of the
nearest such file in its folder or a folder above it (inside the dump). Licence texts are named by SPDX id with
askalono (``filters.licenses``). A folder with several licence files that name different licences gets them
joined with ``AND`` (the file is under all of them), so it is kept only when every one is allowed.

Nothing here runs unless the manifest sets ``filters.code.licenses``: without it, code is read as before.
"""

from __future__ import annotations

import functools
import os
import posixpath
import tarfile
import zipfile
from collections.abc import Iterator
from typing import Any

from core.fs import is_remote, open_input
from filters.licenses import identify_text, is_license_file
from manifests.schema import Manifest, Source
from pipeline.stage import Record

#: a licence file larger than this is not a licence text (and is not read)
MAX_LICENSE_BYTES = 256 * 1024
_ARCHIVE_ERRORS = (OSError, EOFError, ValueError, tarfile.TarError, zipfile.BadZipFile)


def _identify(data: bytes) -> str | None:
    return identify_text(data.decode("utf-8", errors="replace"))


def _combine(ids: list[str | None]) -> str | None:
    named = sorted({i for i in ids if i})
    return " AND ".join(named) if named else None


def _nearest(rel_path: str, table: dict[str, str | None]) -> str | None:
    """The licence of the closest folder of ``rel_path`` (``a/b/c.py`` looks in ``a/b``, ``a``, then the top)."""
    folder = posixpath.dirname(rel_path.strip("/"))
    while True:
        if folder in table:
            return table[folder]
        if not folder:
            return None
        folder = posixpath.dirname(folder)


@functools.cache
def _folder_license(folder: str) -> tuple[bool, str | None]:
    """``(has licence files, licence)`` of one local folder (cached: each folder is looked at once per worker)."""
    try:
        names = sorted(n for n in os.listdir(folder) if is_license_file(n))
    except OSError:
        return False, None
    ids = []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > MAX_LICENSE_BYTES:
            continue
        with open(path, "rb") as f:
            ids.append(_identify(f.read()))
    return bool(names), _combine(ids)


def folder_file_license(root: str, rel_path: str) -> str | None:
    """The licence of ``root/rel_path`` from the nearest LICENSE/COPYING file up to ``root`` (local folders)."""
    if is_remote(root):
        return None
    parts = [p for p in rel_path.split("/")[:-1] if p not in ("", ".", "..")]
    for depth in range(len(parts), -1, -1):
        found, spdx = _folder_license(os.path.join(root, *parts[:depth]))
        if found:
            return spdx
    return None


@functools.cache
def archive_licenses(path: str) -> dict[str, str | None]:
    """``{folder inside the archive: licence}`` from the licence files of a tar or zip (one extra pass over it)."""
    found: dict[str, list[str | None]] = {}
    try:
        with open_input(path) as f:
            is_zip = zipfile.is_zipfile(f)
        if is_zip:
            with zipfile.ZipFile(open_input(path)) as zf:
                for info in zf.infolist():
                    if not info.is_dir() and is_license_file(info.filename) and info.file_size <= MAX_LICENSE_BYTES:
                        found.setdefault(posixpath.dirname(info.filename), []).append(_identify(zf.read(info)))
        else:
            with tarfile.open(fileobj=open_input(path), mode="r|*") as tar:
                for m in tar:
                    if m.isfile() and is_license_file(m.name) and m.size <= MAX_LICENSE_BYTES:
                        found.setdefault(posixpath.dirname(m.name), []).append(_identify(tar.extractfile(m).read()))
    except _ARCHIVE_ERRORS:
        pass  # the reader reports the damaged archive; files after the damage simply have no licence
    return {folder.strip("/"): _combine(ids) for folder, ids in found.items()}


def parquet_licenses(path: str, column: str) -> list[Any] | None:
    """The ``column`` of a parquet dump, one value per record, or ``None`` if the table has no such column."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(open_input(path))
        if column not in pf.schema_arrow.names:
            return None
        return pf.read(columns=[column]).column(0).to_pylist()
    except Exception:  # noqa: BLE001 - the reader reports a damaged file; here it only means "no licences"
        return None


def _record_index(locator: str) -> int | None:
    head, sep, n = locator.rpartition("#record=")
    return int(n) if sep and n.isdigit() else None


def with_licenses(manifest: Manifest, source: Source, unit: Any,
                  routed: Iterator[tuple[str, Record]]) -> Iterator[tuple[str, Record]]:
    """``routed`` with each code record's ``license`` set (SPDX expression or ``None``) when the manifest filters
    code by licence; unchanged otherwise."""
    if source.type != "code" or manifest.filters.code.licenses is None:
        yield from routed
        return
    kind = unit.kind
    column = parquet_licenses(unit.path, source.license_column) if kind == "code_parquet" else None
    table = archive_licenses(unit.path) if kind == "code_archive" else None
    for route, rec in routed:
        if kind == "code_file":
            rec["license"] = folder_file_license(unit.root, rec.get("path") or "")
        elif table is not None:
            rec["license"] = _nearest(rec.get("path") or "", table)
        elif column is not None:
            i = _record_index(rec.get("locator") or "")
            value = column[i] if i is not None and i < len(column) else None
            rec["license"] = str(value) if value not in (None, "") else None
        else:
            rec["license"] = None
        yield route, rec
