"""Ingest of every input format, including the bad inputs that must end up somewhere with a clear error."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from manifests.schema import load_manifest
from pipeline.ingest.plan import plan_units, read_unit
from tests.conftest import write_jsonl, write_manifest


def ingest(manifest_path: Path):
    m = load_manifest(manifest_path)
    out = []
    for unit in plan_units(m):
        out.extend(read_unit(m, unit))
    return out


def routes(results):
    return [r for r, _ in results]


def hf_manifest(tmp_path: Path, builder: str, pattern: str, extra: str = "") -> Path:
    return write_manifest(tmp_path, f"name: t\nsources:\n  - name: s\n    type: hf\n    path: {builder}\n"
                                    f"    data_files: '{pattern}'\n{extra}")


def test_jsonl_good_and_bad_lines(tmp_path):
    f = tmp_path / "d.jsonl"
    lines = [json.dumps({"text": "first doc", "url": "a"}), "", json.dumps({"text": "second", "n": 2}),
             '{"text": "cut', json.dumps({"text": 5}), json.dumps({"body": "no text"}), json.dumps({"text": "  "}),
             json.dumps({"text": "last"})]
    f.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "bad \xff utf8"}\n')
    res = ingest(hf_manifest(tmp_path, "json", "*.jsonl"))
    assert routes(res) == ["kept", "kept", "failed", "failed", "failed", "removed", "kept", "failed"]
    kept = [r for route, r in res if route == "kept"]
    assert [r["text"] for r in kept] == ["first doc", "second", "last"]
    assert json.loads(kept[0]["meta"]) == {"url": "a"}
    assert kept[0]["locator"] == "d.jsonl#record=0"
    errors = [r["error"] for route, r in res if route == "failed"]
    assert errors[0].startswith("d.jsonl:4: malformed JSON")
    assert errors[1] == "d.jsonl:5: field 'text' is int, expected a string"
    assert errors[2].startswith("d.jsonl:6: no field 'text'")
    assert errors[3].startswith("d.jsonl:9: not valid UTF-8")
    assert res[5][1]["reason"] == "empty"


def test_ids_are_stable_and_unique(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": "same"}, {"text": "same"}])
    m = hf_manifest(tmp_path, "json", "*.jsonl")
    ids1 = [r["id"] for _, r in ingest(m)]
    ids2 = [r["id"] for _, r in ingest(m)]
    assert ids1 == ids2 and len(set(ids1)) == 2


def test_clean_jsonl_records_are_numbered(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": f"doc {i}", "k": i} for i in range(50)])
    res = ingest(hf_manifest(tmp_path, "json", "*.jsonl"))
    assert routes(res) == ["kept"] * 50
    assert res[49][1]["locator"] == "a.jsonl#record=49"


def test_parquet_csv_text_arrow(tmp_path):
    table = pa.table({"text": ["parquet one", "parquet two"], "lang": ["en", "en"]})
    pq.write_table(table, tmp_path / "a.parquet")
    (tmp_path / "b.csv").write_text("text,score\ncsv one,1\ncsv two,2\n")
    (tmp_path / "c.txt").write_text("text line one\ntext line two\n")
    with pa.OSFile(str(tmp_path / "d.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    for builder, pattern, n in (("parquet", "*.parquet", 2), ("csv", "*.csv", 2), ("text", "*.txt", 2),
                                ("arrow", "*.arrow", 2)):
        res = ingest(hf_manifest(tmp_path, builder, pattern))
        assert routes(res) == ["kept"] * n, (builder, res)
        assert all(r["text"] for _, r in res)


def test_fixed_language_is_kept(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": "bonjour"}])
    res = ingest(hf_manifest(tmp_path, "json", "*.jsonl", "    language: fr\n"))
    assert res[0][1]["language"] == "fr"


def test_too_large_document_is_removed_without_text(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": "x" * 5000}, {"text": "small"}])
    path = write_manifest(tmp_path, "name: t\noutput:\n  max_doc_bytes: 1000\nsources:\n  - {name: s, type: hf, "
                                    "path: json, data_files: '*.jsonl'}\n")
    res = ingest(path)
    assert routes(res) == ["removed", "kept"]
    assert res[0][1]["reason"] == "too_large" and res[0][1]["value"] == 5000 and res[0][1]["text"] == ""


def code_manifest(tmp_path: Path, target: str) -> Path:
    return write_manifest(tmp_path, f"name: t\nsources:\n  - name: c\n    type: code\n    path: {target}\n")


def make_tree(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("def f():\n    return 1\n")
    (root / "src" / "b.go").write_text("package main\n")
    (root / "Main.C").write_text("int main() { return 0; }\n")
    (root / "README.md").write_text("# readme\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (root / "bin.js").write_bytes(b"var x\x00\x01\x02")
    (root / "bad.py").write_bytes(b"x = '\xff\xfe'\n")
    (root / "empty.rs").write_text("")


def test_code_folder(tmp_path):
    make_tree(tmp_path / "code")
    os.symlink("/etc/passwd", tmp_path / "code" / "link.py")
    res = {r["path"]: (route, r) for route, r in ingest(code_manifest(tmp_path, "code"))}
    assert res["src/a.py"][0] == "kept" and res["src/a.py"][1]["language"] == "code-python"
    assert res["Main.C"][1]["language"] == "code-cpp"
    assert res["README.md"][1]["reason"] == "not_code"
    assert res["logo.png"][1]["reason"] == "not_code"
    assert res["bin.js"][1]["reason"] == "binary"
    assert res["empty.rs"][1]["reason"] == "empty"
    assert res["link.py"][1]["reason"] == "symlink"
    assert res["bad.py"][0] == "failed" and "not valid UTF-8 at byte 5" in res["bad.py"][1]["error"]
    assert res["bad.py"][1]["error"].startswith("code/bad.py")
    assert json.loads(res["src/a.py"][1]["meta"]) == {"path": "src/a.py"}
    assert len(res) == 9


def test_tar_and_zip_archives(tmp_path):
    make_tree(tmp_path / "code")
    with tarfile.open(tmp_path / "c.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "code", arcname="proj")
        link = tarfile.TarInfo("proj/evil.py")
        link.type, link.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        tar.addfile(link)
        dotdot = tarfile.TarInfo("../outside.py")
        data = b"print('hi')\n"
        dotdot.size = len(data)
        tar.addfile(dotdot, io.BytesIO(data))
    res = {r["path"]: (route, r) for route, r in ingest(code_manifest(tmp_path, "c.tar.gz"))}
    assert res["proj/src/a.py"][0] == "kept"
    assert res["proj/src/a.py"][1]["locator"] == "c.tar.gz!proj/src/a.py"
    assert res["proj/evil.py"][1]["reason"] == "symlink"
    assert res["../outside.py"][0] == "kept"  # read in memory, never extracted anywhere
    assert not (tmp_path.parent / "outside.py").exists()
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as zf:
        zf.writestr("z/a.py", "x = 1\n")
        zf.writestr("z/notes.txt", "hello")
    res = [(route, r["path"]) for route, r in ingest(code_manifest(tmp_path, "c.zip"))]
    assert res == [("kept", "z/a.py"), ("removed", "z/notes.txt")]


def test_truncated_archive_is_a_dead_letter(tmp_path):
    make_tree(tmp_path / "code")
    with tarfile.open(tmp_path / "c.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "code", arcname="proj")
    data = (tmp_path / "c.tar.gz").read_bytes()
    (tmp_path / "t.tar.gz").write_bytes(data[: len(data) // 2])
    res = ingest(code_manifest(tmp_path, "t.tar.gz"))
    assert res[-1][0] == "failed"
    assert "t.tar.gz: archive is truncated or corrupt" in res[-1][1]["error"]


def test_code_parquet(tmp_path):
    pq.write_table(pa.table({"path": ["a.py", "b.txt", "c.rs"], "content": ["x = 1\n", "hi", b"fn main() {}\n"]}),
                   tmp_path / "code.parquet")
    res = [(route, r["path"], r.get("reason")) for route, r in ingest(code_manifest(tmp_path, "code.parquet"))]
    assert res == [("kept", "a.py", None), ("removed", "b.txt", "not_code"), ("kept", "c.rs", None)]


def test_code_parquet_missing_columns(tmp_path):
    pq.write_table(pa.table({"file": ["a.py"], "src": ["x"]}), tmp_path / "code.parquet")
    res = ingest(code_manifest(tmp_path, "code.parquet"))
    assert res[0][0] == "failed" and "path_column/content_column" in res[0][1]["error"]


@pytest.mark.parametrize("kind", ["hub"])
def test_hub_sources_plan_shards_through_datasets(tmp_path, monkeypatch, kind):
    """The hub path is real code: here ``datasets.load_dataset`` is pointed at a local dataset folder, which it
    resolves the same way as a hub repository (data files → shards)."""
    repo = tmp_path / "my_dataset"
    write_jsonl(repo / "data" / "train-0.jsonl", [{"text": "a"}, {"text": "b"}])
    write_jsonl(repo / "data" / "train-1.jsonl", [{"text": "c"}])
    m = write_manifest(tmp_path, f"name: t\nsources:\n  - name: hub\n    type: hf\n    path: {repo}\n"
                                 "    revision: null\n")
    manifest = load_manifest(m)
    units = plan_units(manifest)
    assert [u.kind for u in units] == ["hf_shard", "hf_shard"]
    texts = sorted(r["text"] for u in units for _, r in read_unit(manifest, u))
    assert texts == ["a", "b", "c"]
