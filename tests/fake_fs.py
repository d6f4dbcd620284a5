"""``fakegs://``: a Beam filesystem for tests, imported from this one module so it is registered once (Beam refuses
two filesystems with the same scheme)."""

from __future__ import annotations

import os
import shutil

from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.localfilesystem import LocalFileSystem


class FakeBucketFileSystem(LocalFileSystem):
    """``fakegs://<local path>``: local disk behind a remote scheme, with gs:// semantics (objects listed by name
    prefix, no folders, ``delete("prefix/")`` removes everything under it). It lets the driver's remote code path
    (cleaning, committing, the report through ``FileSystems``) run in a test."""

    PREFIX = "fakegs://"

    @classmethod
    def scheme(cls) -> str:
        return "fakegs"

    def _local(self, path: str) -> str:
        return path.removeprefix(self.PREFIX)

    def has_dirs(self) -> bool:
        return False

    def join(self, base: str, *paths: str) -> str:
        return "/".join([base.rstrip("/"), *(p.strip("/") for p in paths)])

    def split(self, path: str) -> tuple[str, str]:
        head, _, tail = path.rpartition("/")
        return head, tail

    def mkdirs(self, path: str) -> None:
        pass

    def _list(self, prefix: str):
        local = self._local(prefix)
        for dirpath, _, files in os.walk(local if local.endswith("/") else os.path.dirname(local)):
            for f in files:
                path = os.path.join(dirpath, f)
                if path.startswith(local):
                    yield FileMetadata(self.PREFIX + path, os.path.getsize(path), os.path.getmtime(path))

    def exists(self, path: str) -> bool:
        return os.path.isfile(self._local(path))

    def metadata(self, path: str) -> FileMetadata:
        local = self._local(path)
        return FileMetadata(path, os.path.getsize(local), os.path.getmtime(local))

    def create(self, path, *args, **kwargs):
        return super().create(self._local(path), *args, **kwargs)

    def open(self, path, *args, **kwargs):
        return super().open(self._local(path), *args, **kwargs)

    def copy(self, sources, destinations):
        super().copy([self._local(p) for p in sources], [self._local(p) for p in destinations])

    def rename(self, sources, destinations):
        super().rename([self._local(p) for p in sources], [self._local(p) for p in destinations])

    def delete(self, paths):
        for path in paths:
            if path.endswith("/"):
                shutil.rmtree(self._local(path))
            else:
                os.remove(self._local(path))
