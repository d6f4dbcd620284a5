"""Document records as Ingest makes them, and the routes a reader gives each one.

Readers never raise for bad input: every document, good or bad, comes out as ``(route, record)`` with route
``kept``, ``removed`` (with ``reason``) or ``failed`` (with ``error`` naming the file and line or record), so the
counts add up downstream.
"""

from __future__ import annotations

import itertools
import json
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from typing import Any

from manifests.schema import Manifest, Source
from pipeline.stage import Record, doc_id, failed, removed

Routed = tuple[str, Record]
KEPT, REMOVED, FAILED = "kept", "removed", "failed"

#: what a damaged compressed stream or archive raises while being read
_STREAM_ERRORS = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, tarfile.TarError, zipfile.BadZipFile)


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


def _describe(e: BaseException) -> str:
    name = type(e).__name__
    return f"{type(e).__module__ + '.' if name == 'error' else ''}{name}: {e}"  # zlib.error, not just "error"


#: records of each source ``roots validate`` reads: enough to see a wrong column, few enough to stay instant
PEEK_RECORDS = 5


def first_records_problem(routed: Iterable[Routed], n: int = PEEK_RECORDS) -> str | None:
    """What is wrong when the first ``n`` documents of a source all fail to read (a wrong ``text_column``, a
    parquet dump without its ``path`` column, a file in another format): the first one's error, which names the
    columns found. ``None`` when any of them reads (kept, or removed by a check) or there are none. Reading stops
    after ``n`` documents: the source is never read whole."""
    it = iter(routed)
    try:
        seen = list(itertools.islice(it, n))
    finally:
        if hasattr(it, "close"):
            it.close()  # a generator reading a file: its file is closed now, not when it is collected
    if not seen or any(route != FAILED for route, _ in seen):
        return None
    what = "its first record fails" if len(seen) == 1 else f"its first {len(seen)} records all fail"
    return f"{what} to read, so a run would keep nothing of it: {seen[0][1]['error']}"
