"""Input files on this machine or on any Beam filesystem (``gs://``, ``s3://``, ...).

On Dataflow the workers can't see the launching machine's disk, so manifests point at ``gs://`` data. Readers open
every input through ``open_input`` and the planner lists them through ``list_files``; local paths keep using the
OS directly (symlink and FIFO checks need it).
"""

from __future__ import annotations

import glob
import os
from typing import IO


def is_remote(path: str) -> bool:
    return "://" in path


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
