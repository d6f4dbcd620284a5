"""JSON Lines files (plain or gzip / bzip2 / xz compressed), read line by line with bounded memory; a line too
long to hold a document within ``max_doc_bytes`` is skipped while being read."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from collections.abc import Callable, Iterator
from typing import IO, Any

from core.fs import open_input
from manifests.schema import Manifest, Source
from pipeline.ingest.records import (
    _STREAM_ERRORS,
    FAILED,
    REMOVED,
    Routed,
    _describe,
    _record,
    _rel,
    _text_record,
    failed,
    removed,
)

#: JSON's longest escape (``\u0041``) spends 6 bytes on 1 byte of text, so a JSON Lines record longer than
#: ``JSON_ESCAPE_FACTOR * max_doc_bytes`` cannot hold a text within ``max_doc_bytes`` (short of equally huge other
#: fields): it is removed as ``too_large`` (value: the line's bytes) while being skipped, never held in memory.
JSON_ESCAPE_FACTOR = 6
#: bytes of a JSON file's first line looked at to tell JSON Lines from one JSON document
JSON_PEEK_BYTES = 1 << 20
#: compressed JSON files roots decompresses itself (``datasets`` also reads these; zstd etc. are left to it)
_DECOMPRESSORS: dict[bytes, Callable[..., IO[bytes]]] = {b"\x1f\x8b": gzip.open, b"BZh": bz2.open,
                                                        b"\xfd7zXZ\x00": lzma.open}


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
