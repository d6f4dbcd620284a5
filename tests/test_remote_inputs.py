"""Inputs on a Beam filesystem (gs:// on Dataflow): planned with FileSystems.match and read with FileSystems.open.

``fakegs://`` (tests/fake_fs.py) puts local files behind a remote scheme with object-store semantics, so the
remote code path runs without credentials.
"""

from __future__ import annotations

import json
import shutil

from pipeline.run import run
from tests.conftest import REPO, write_manifest
from tests.fake_fs import FakeBucketFileSystem  # noqa: F401 - importing registers the fakegs:// scheme

SAMPLE_DATA = REPO / "manifests" / "sample_data"

BODY = """name: sample
sources:
  - {{name: web-sample, type: hf, path: json, data_files: '{root}/web/*.jsonl'}}
  - {{name: fr-news, type: hf, path: json, data_files: '{root}/fr_news.jsonl', language: fr}}
  - {{name: code-sample, type: code, path: '{root}/code'}}
  - {{name: code-archive, type: code, path: '{root}/code_archive.tar.gz'}}
"""


def test_remote_inputs_give_the_same_corpus_as_local_ones(tmp_path):
    data = tmp_path / "bucket" / "data"
    shutil.copytree(SAMPLE_DATA, data, ignore=shutil.ignore_patterns("*.py~"))
    local = write_manifest(tmp_path, BODY.format(root=str(data)))
    remote_dir = tmp_path / "remote"
    remote_dir.mkdir()
    remote = write_manifest(remote_dir, BODY.format(root=f"fakegs://{data}"))
    a = run(str(local), str(tmp_path / "out-local"), progress=False)
    b = run(str(remote), str(tmp_path / "out-remote"), progress=False)
    assert b["counts_add_up"] and b["input_docs"] == a["input_docs"] > 150
    for key in ("kept_docs", "removed_docs", "failed_docs", "sources"):
        assert b[key] == a[key], key
    # which copy of a near-duplicate pair is kept depends on ids (hashes of the paths), so compare counts only
    for key in ("languages", "programming_languages"):
        assert {k: v["docs"] for k, v in b[key].items()} == {k: v["docs"] for k, v in a[key].items()}
    dead = [json.loads(line) for p in (tmp_path / "out-remote" / "dead_letter").rglob("*.jsonl") for line in p.open()]
    assert any(d["locator"].startswith("fakegs://") for d in dead)  # errors name the remote file
