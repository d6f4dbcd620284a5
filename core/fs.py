"""Files on this machine or on any Beam filesystem (``gs://``, ``s3://``, ...): every local/remote primitive.

On Dataflow the workers can't see the launching machine's disk, so manifests point at ``gs://`` data and outputs
go to ``gs://``. Readers open every input through ``open_input`` and the planner lists them through
``list_files``; local paths keep using the OS directly (symlink and FIFO checks need it). Every file that must
appear whole or not at all (an index, ``report.json``, ``report.html``, a tokenizer) is written with
``write_atomically``.
"""

from __future__ import annotations

import glob
import json
import os
import re
import uuid
from typing import IO, Any

from core.errors import UserError

#: marks a file that is still being written (or was orphaned by a killed or retried worker)
TMP_MARK = ".tmp-"
#: a temporary name as ``tmp_name`` makes it: the mark and a uuid4 in hex, at the end (a user's ``notes.tmp-v2.md``
#: is not one, so a run never deletes it)
_TMP_NAME = re.compile(re.escape(TMP_MARK) + r"[0-9a-f]{32}$")


def is_remote(path: str) -> bool:
    """``gs://...`` and other Beam filesystems, as opposed to a path on this machine."""
    return "://" in path


def join(base: str, *parts: str) -> str:
    """``base``/``parts``: with ``/`` for remote paths, the OS's separator for local ones."""
    return "/".join([base.rstrip("/"), *parts]) if is_remote(base) else os.path.join(base, *parts)


def tmp_name(path: str) -> str:
    """A unique temporary name beside ``path`` (``TMP_MARK`` in it), renamed to ``path`` once complete."""
    return f"{path}{TMP_MARK}{uuid.uuid4().hex}"


def final_name(path: str) -> str:
    """``path`` without the temporary suffix :func:`tmp_name` gave it (unchanged when it has none)."""
    return _TMP_NAME.sub("", path)


def is_tmp(path: str) -> bool:
    """Whether ``path`` is a temporary file roots wrote (``tmp_name``), left by a killed run."""
    return _TMP_NAME.search(path.rsplit("/", 1)[-1]) is not None


def write_atomically(path: str, data: bytes) -> None:
    """Write to a temporary name beside ``path``, then rename: readers see the whole file or none. Local files
    are synced before the rename, so a crash cannot leave a renamed but empty file; missing folders are made (as
    Beam's ``FileSystems.create`` does for remote paths)."""
    tmp = tmp_name(path)
    if is_remote(path):
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.create(tmp) as f:
            f.write(data)
        FileSystems.rename([tmp], [path])
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_file(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``, making missing folders (as Beam's ``FileSystems.create`` does); no rename, no
    sync: for files written under a temporary name and committed later (``rename_files``)."""
    if is_remote(path):
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.create(path) as f:
            f.write(data)
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def rename_files(sources: list[str], destinations: list[str]) -> None:
    """Rename each source to its destination (on gs:// a copy and a delete, through Beam's ``FileSystems``)."""
    if any(is_remote(p) for p in (*sources, *destinations)):
        from apache_beam.io.filesystems import FileSystems

        FileSystems.rename(sources, destinations)
        return
    for src, dst in zip(sources, destinations, strict=True):
        os.replace(src, dst)


def delete_files(paths: list[str]) -> None:
    """Delete each file in ``paths``."""
    if any(is_remote(p) for p in paths):
        from apache_beam.io.filesystems import FileSystems

        FileSystems.delete(paths)
        return
    for path in paths:
        os.remove(path)


def read_bytes(path: str) -> bytes:
    """The whole file at ``path``."""
    with open_input(path) as f:
        return f.read()


def load_json(path: str, what: str) -> Any:
    """The JSON document at ``path``; a missing or unreadable file is a ``UserError`` naming ``path`` and
    ``what`` it should have been (``"a roots report.json"``)."""
    if not exists(path):
        raise UserError(f"{path}: not found (expected {what})")
    try:
        return json.loads(read_bytes(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: cannot read it as {what} ({e})") from e


def open_input(path: str) -> IO[bytes]:
    """``path`` opened for reading raw bytes (no decompression: readers sniff compression themselves)."""
    if not is_remote(path):
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def list_files(pattern: str) -> list[str]:
    """Files matching a glob (``**`` recursive), sorted."""
    if not is_remote(pattern):
        return sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    from apache_beam.io.filesystems import FileSystems

    try:
        (result,) = FileSystems.match([pattern])
    except Exception:  # noqa: BLE001 - Beam raises BeamIOError for "no match" on some filesystems
        return []
    return sorted(m.path for m in result.metadata_list)


def files_under(root: str) -> list[str]:
    """Every file under the folder ``root``, hidden ones too (as Beam's ``FileSystems.match`` of ``root/**``
    lists them: a stray temporary file in ``.parts/`` must be found), sorted."""
    if is_remote(root):
        return list_files(join(root, "**"))
    return sorted(os.path.join(d, name) for d, _, names in os.walk(root) for name in names)


def file_size(path: str) -> int:
    if not is_remote(path):
        return os.path.getsize(path)
    from apache_beam.io.filesystems import FileSystems

    (result,) = FileSystems.match([path])
    return result.metadata_list[0].size_in_bytes


def exists(path: str) -> bool:
    if not is_remote(path):
        return os.path.exists(path)
    return bool(list_files(path) or list_files(path.rstrip("/") + "/**"))


def is_folder(path: str) -> bool:
    """A local directory, or a remote prefix with objects under it that is not itself an object."""
    if not is_remote(path):
        return os.path.isdir(path)
    return not list_files(path) and bool(list_files(path.rstrip("/") + "/**"))
