"""Planning Ingest on the driver: every source becomes typed, independently readable *units* (one data file, one
hub shard, one code file, one archive, one parquet dump), each of which knows how to ``read`` itself.

Units travel to the workers as JSON text (``to_json`` / ``unit_from_json``): a file name that is not UTF-8 on disk
is a str with lone surrogates in Python, which Beam's string coder rejects, while JSON escapes it and gives it back
unchanged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import ClassVar

from core.fs import is_folder, is_remote, list_files
from manifests.schema import Manifest, Source
from pipeline.ingest.code import read_code_archive, read_code_file, read_code_parquet
from pipeline.ingest.hf import _data_files, open_hub, read_hf_file, read_hf_shard
from pipeline.ingest.licenses import with_licenses
from pipeline.ingest.records import Routed


def _source(manifest: Manifest, name: str) -> Source:
    return next(s for s in manifest.sources if s.name == name)


@dataclass(frozen=True)
class Unit:
    """One independently readable piece of a source."""

    kind: ClassVar[str] = ""
    source: str

    def read(self, manifest: Manifest) -> Iterator[Routed]:
        """Every document of the unit, routed (kept / removed / failed)."""
        raise NotImplementedError

    def where(self, manifest: Manifest) -> str:
        """The unit for people: its file relative to the manifest."""
        return manifest.relative(self.path)  # type: ignore[attr-defined]

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, **asdict(self)}, sort_keys=True)


@dataclass(frozen=True)
class HfFile(Unit):
    """A local (or gs://) data file of an ``hf`` source."""

    kind: ClassVar[str] = "hf_file"
    path: str

    def read(self, manifest: Manifest) -> Iterator[Routed]:
        return read_hf_file(manifest, _source(manifest, self.source), self.path)


@dataclass(frozen=True)
class HfShard(Unit):
    """One shard of a Hugging Face Hub dataset."""

    kind: ClassVar[str] = "hf_shard"
    shard: int
    num_shards: int

    def read(self, manifest: Manifest) -> Iterator[Routed]:
        return read_hf_shard(manifest, _source(manifest, self.source), self.shard, self.num_shards)

    def where(self, manifest: Manifest) -> str:
        return f"{self.source}/shard={self.shard}"


@dataclass(frozen=True)
class CodeFile(Unit):
    """One file of a code folder (``root`` is the folder, for paths inside the dump)."""

    kind: ClassVar[str] = "code_file"
    path: str
    root: str

    def read(self, manifest: Manifest) -> Iterator[Routed]:
        source = _source(manifest, self.source)
        return with_licenses(manifest, source, self, read_code_file(manifest, source, self.path, self.root))


@dataclass(frozen=True)
class CodeArchive(Unit):
    """A .tar / .tar.gz / .zip of code."""

    kind: ClassVar[str] = "code_archive"
    path: str

    def read(self, manifest: Manifest) -> Iterator[Routed]:
        source = _source(manifest, self.source)
        return with_licenses(manifest, source, self, read_code_archive(manifest, source, self.path))


@dataclass(frozen=True)
class CodeParquet(Unit):
    """A parquet code dump with path + content columns."""

    kind: ClassVar[str] = "code_parquet"
    path: str

    def read(self, manifest: Manifest) -> Iterator[Routed]:
        source = _source(manifest, self.source)
        return with_licenses(manifest, source, self, read_code_parquet(manifest, source, self.path))


UNIT_KINDS: dict[str, type[Unit]] = {u.kind: u for u in (HfFile, HfShard, CodeFile, CodeArchive, CodeParquet)}


def unit_from_json(text: str) -> Unit:
    """The unit ``Unit.to_json`` wrote."""
    fields = json.loads(text)
    return UNIT_KINDS[fields.pop("kind")](**fields)


def plan_units(manifest: Manifest) -> list[Unit]:
    """Split every source into independently readable units, in a deterministic order."""
    units: list[Unit] = []
    for source in manifest.sources:
        if source.type == "code":
            units.extend(_code_units(manifest, source))
        elif source.is_local:
            units.extend(HfFile(source.name, f) for f in _data_files(manifest, source))
        else:
            units.extend(_hub_units(source))
    return units


def read_unit(manifest: Manifest, unit: Unit) -> Iterator[Routed]:
    """All documents of one unit."""
    return unit.read(manifest)


def _code_units(manifest: Manifest, source: Source) -> list[Unit]:
    root = manifest.resolve(source.path)
    if is_remote(root) and is_folder(root):
        root = root.rstrip("/")
        return [CodeFile(source.name, f, root)
                for f in list_files(root + "/**")]
    if os.path.isdir(root):
        files = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            # a symlink to a directory is listed as a directory and not walked into: report it like a file link
            linked = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            files.extend(os.path.join(dirpath, f) for f in sorted([*filenames, *linked]))
        return [CodeFile(source.name, f, root) for f in files]
    if root.endswith(".parquet"):
        return [CodeParquet(source.name, root)]
    return [CodeArchive(source.name, root)]


def _hub_units(source: Source) -> list[Unit]:
    """One unit per shard of a hub dataset, so workers read shards in parallel. Opening the dataset here, on the
    driver, is what turns a wrong id, revision or config into one clear error before anything runs."""
    ds = open_hub(source)
    return [HfShard(source.name, i, ds.num_shards)
            for i in range(ds.num_shards)]
