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
from pipeline.ingest.records import PEEK_RECORDS, Routed, first_records_problem


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


def check_first_records(manifest: Manifest, n: int = PEEK_RECORDS) -> list[str]:
    """``roots validate``'s look at the data of local sources: the first ``n`` documents of each source's first
    file (data file, parquet dump or archive) are read as a run reads them, and a source whose documents all fail
    is a problem naming it (``first_records_problem``: a wrong ``text_column``, a dump without its ``path``
    column). Code folders are skipped (each file is a document of its own: no column to get wrong); hub sources are
    looked at by ``check_hub_sources``, which opens them anyway."""
    problems = []
    for i, source in enumerate(manifest.sources):
        first = _first_unit(manifest, source)
        if first is None:
            continue
        problem = first_records_problem(_raw_read(manifest, source, first), n)
        if problem:
            problems.append(f"sources[{i}] ({source.name}): {first.where(manifest)}: {problem}")
    return problems


def _first_unit(manifest: Manifest, source: Source) -> Unit | None:
    """The unit a source's documents start with, found without listing a code folder."""
    if source.type == "hf":
        files = _data_files(manifest, source) if source.is_local else []
        return HfFile(source.name, files[0]) if files else None
    root = manifest.resolve(source.path)
    if is_folder(root):
        return None
    return CodeParquet(source.name, root) if root.endswith(".parquet") else CodeArchive(source.name, root)


def _raw_read(manifest: Manifest, source: Source, unit: Unit) -> Iterator[Routed]:
    """A unit's documents without the licence step (which reads LICENSE files: not needed to see a column)."""
    if isinstance(unit, CodeParquet):
        return read_code_parquet(manifest, source, unit.path)
    if isinstance(unit, CodeArchive):
        return read_code_archive(manifest, source, unit.path)
    return unit.read(manifest)
