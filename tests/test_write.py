"""Shard writing: deterministic bytes, stable shard assignment, an index that matches the files."""

from __future__ import annotations

import hashlib
import json

import apache_beam as beam
import datasets
import pyarrow as pa

from core.fs import is_tmp, tmp_name
from pipeline.run import make_runner
from pipeline.write import SHARD_SCHEMA, encode_arrow, shard_count, shard_row, stable_bucket, write_kept
from tests.conftest import read_arrow, tree_bytes


def records(n: int, lang: str = "en"):
    return [{"id": hashlib.sha1(f"{lang}{i}".encode()).hexdigest()[:16], "text": f"document {i} " * 20,
             "language": lang, "source": "s", "lid_score": 0.9, "meta": "{}", "locator": f"f#{i}", "path": None}
            for i in range(n)]


def write(recs, out, shard_bytes):
    from apache_beam.options.pipeline_options import PipelineOptions

    options = PipelineOptions([])
    with beam.Pipeline(runner=make_runner(options), options=options) as p:
        _ = p | beam.Create(recs) | write_kept(str(out), shard_bytes)


def test_shards_are_sorted_split_by_bytes_and_indexed(tmp_path):
    recs = records(300, "en") + records(40, "fr")
    write(recs, tmp_path / "a", shard_bytes=20_000)
    index = json.loads((tmp_path / "a" / "index.json").read_text())
    en = [s for s in index["shards"] if s["language"] == "en"]
    assert len(en) == shard_count(sum(len(r["text"]) + 1 for r in recs[:300]), 20_000) > 1
    assert sum(s["rows"] for s in index["shards"]) == 340
    for s in index["shards"]:
        data = (tmp_path / "a" / s["path"]).read_bytes()
        assert s["sha256"] == hashlib.sha256(data).hexdigest() and s["bytes"] == len(data)
        table = read_arrow(tmp_path / "a" / s["path"])
        assert table.schema == SHARD_SCHEMA
        ids = table.column("id").to_pylist()
        assert ids == sorted(ids)
        assert s["path"] == f"{s['language']}/{s['language']}-{int(s['path'][-11:-6]):05d}.arrow"
    # the same documents in another order give the same bytes
    write(list(reversed(recs)), tmp_path / "b", shard_bytes=20_000)
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")
    assert not list((tmp_path / "a").rglob("*.tmp-*"))


def test_shards_load_with_datasets(tmp_path):
    write(records(10, "de"), tmp_path, shard_bytes=1 << 20)
    ds = datasets.load_dataset("arrow", data_files=str(tmp_path / "de" / "*.arrow"), split="train")
    assert ds.num_rows == 10 and ds.column_names == SHARD_SCHEMA.names


def test_stable_bucket_does_not_use_python_hash():
    assert stable_bucket("abc", 7) == int.from_bytes(hashlib.sha1(b"abc").digest()[:8], "big") % 7


def test_encode_arrow_is_deterministic_and_nullable():
    rows = [shard_row({"id": "1", "text": "t", "language": "c", "source": "s", "lid_score": None, "meta": "{}"})]
    assert encode_arrow(rows, SHARD_SCHEMA) == encode_arrow(rows, SHARD_SCHEMA)
    table = pa.ipc.open_file(pa.BufferReader(encode_arrow(rows, SHARD_SCHEMA))).read_all()
    assert table.column("lid_score").to_pylist() == [None]


def test_only_roots_own_temporary_names_count_as_leftovers():
    assert is_tmp(tmp_name("out/shards/fr/fr-00000.arrow")) and is_tmp(tmp_name("gs://b/out/index.json"))
    for mine in ("out/shards/notes.tmp-v2.md", "out/shards/a.tmp-", "out/shards/a.tmp-0123", "x.tmp-dir/readme"):
        assert not is_tmp(mine), mine


def test_several_inputs_write_what_their_union_writes(tmp_path):
    """Given several PCollections (every stage's removed documents), the writer keys each where it is made and
    writes the same bytes as for one PCollection of them all."""
    from apache_beam.options.pipeline_options import PipelineOptions

    parts = [records(120, "en"), records(30, "fr"), records(10, "de")]
    write([r for part in parts for r in part], tmp_path / "one", shard_bytes=20_000)
    options = PipelineOptions([])
    with beam.Pipeline(runner=make_runner(options), options=options) as p:
        inputs = tuple(p | f"Part{i}" >> beam.Create(part) for i, part in enumerate(parts))
        _ = inputs | write_kept(str(tmp_path / "several"), 20_000)
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "several")
    assert json.loads((tmp_path / "several" / "index.json").read_text())["shards"]


def test_in_memory_writer_writes_the_same_files(tmp_path):
    """On the FnApiRunner each group's rows are grouped whole and cut into shards where they are written: the same
    files (several shards of a group, several inputs, JSON Lines too) as the shard-by-shard path."""
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.write import write_dead_letter, write_removed

    parts = [records(300, "en"), records(40, "fr"), records(3, "de")]
    removed = [[{**r, "reason": reason, "stage": "QualityFilter", "value": 0.5} for r in part]
               for part, reason in zip(parts, ("short", "stopwords", "short"), strict=True)]
    failed = [[{**r, "error": "boom", "stage": "Normalize"} for r in part] for part in parts]
    for mem in (False, True):
        options = PipelineOptions([])
        with beam.Pipeline(runner=make_runner(options), options=options) as p:
            kept = p | "Kept" >> beam.Create([r for part in parts for r in part])
            gone = tuple(p | f"Removed{i}" >> beam.Create(part) for i, part in enumerate(removed))
            dead = tuple(p | f"Failed{i}" >> beam.Create(part) for i, part in enumerate(failed))
            _ = kept | "K" >> write_kept(str(tmp_path / f"kept{mem}"), 20_000, mem)
            _ = gone | "R" >> write_removed(str(tmp_path / f"removed{mem}"), 20_000, mem)
            _ = dead | "D" >> write_dead_letter(str(tmp_path / f"dead{mem}"), 20_000, mem)
    for name in ("kept", "removed", "dead"):
        assert tree_bytes(tmp_path / f"{name}False") == tree_bytes(tmp_path / f"{name}True"), name
    index = json.loads((tmp_path / "keptTrue" / "index.json").read_text())
    assert len([s for s in index["shards"] if s["language"] == "en"]) > 1
