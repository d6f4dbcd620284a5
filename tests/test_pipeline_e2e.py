"""End to end: the CLI on the bundled sample, determinism across worker counts, and the report invariant."""

from __future__ import annotations

import json
from pathlib import Path

import datasets

from pipeline.report import build_report
from pipeline.run import run
from tests.conftest import SAMPLE, read_shards, roots_cli, tree_bytes, write_jsonl, write_manifest

OUTPUTS = ("shards", "removed", "dead_letter", "report.json")


def outputs(out: Path) -> dict[str, bytes]:
    files = {}
    for part in OUTPUTS:
        p = out / part
        files.update({f"{part}/{k}": v for k, v in tree_bytes(p).items()} if p.is_dir() else {part: p.read_bytes()})
    return files


def test_sample_run_outputs(sample_run):
    report = json.loads((sample_run / "report.json").read_text())
    assert report["counts_add_up"]
    assert report["input_docs"] == report["kept_docs"] + sum(report["removed_docs"].values()) + report["failed_docs"]
    assert len(report["languages"]) >= 10
    assert {"zh-hans", "zh-hant", "en", "fr"} <= set(report["languages"])
    assert len(report["programming_languages"]) >= 5
    assert {"empty", "not_code", "binary"} <= set(report["removed_docs"])
    assert report["failed_docs"] >= 2  # the broken JSON line and the invalid UTF-8 file
    kept = read_shards(sample_run)
    assert kept.num_rows == report["kept_docs"]
    assert len(set(kept.column("id").to_pylist())) == kept.num_rows
    for lang, v in report["languages"].items():
        ds = datasets.load_dataset("arrow", data_files=str(sample_run / "shards" / lang / "*.arrow"), split="train")
        assert ds.num_rows == v["docs"]
        assert set(ds["language"]) == {lang}
        assert sum(len(t.encode()) for t in ds["text"]) == v["bytes"]
    removed = read_shards(sample_run, "removed")
    assert removed.num_rows == sum(report["removed_docs"].values())
    dead = [json.loads(line) for p in (sample_run / "dead_letter").rglob("*.jsonl") for line in p.open()]
    assert len(dead) == report["failed_docs"]
    assert all(d["error"] and d["source"] and d["locator"] for d in dead)
    assert any(".jsonl:" in d["error"] for d in dead)  # names the file and line


def test_report_counts_come_from_the_outputs(sample_run, tmp_path):
    """Remove one shard behind the report's back: the invariant must then fail, so it is a real check."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(sample_run, copy)
    index = json.loads((copy / "shards" / "index.json").read_text())
    index["shards"] = index["shards"][1:]
    (copy / "shards" / "index.json").write_text(json.dumps(index))
    assert not build_report(str(copy))["counts_add_up"]
    assert build_report(str(sample_run))["counts_add_up"]


def test_one_and_two_workers_give_identical_outputs(sample_run, tmp_path):
    two = tmp_path / "two"
    run(str(SAMPLE), str(two), ["--direct_num_workers=2", "--direct_running_mode=multi_processing"], progress=False)
    assert outputs(sample_run) == outputs(two)


def test_cli_run_report_and_errors(tmp_path):
    english = ("The weather was lovely on Sunday, so we walked along the river with the children and stopped "
               "for lunch at the small cafe near the old mill, where they still bake their own bread every morning.")
    write_jsonl(tmp_path / "d" / "a.jsonl", [{"text": english},
                                             {"text": "Il faisait beau et nous avons marché le long du fleuve."}])
    (tmp_path / "d" / "a.jsonl").open("a").write('{"text": "cut\n')
    (tmp_path / "broken.tar.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    manifest = write_manifest(tmp_path, "name: t\nlanguages: [en]\nsources:\n"
                                        "  - {name: web, type: hf, path: json, data_files: 'd/*.jsonl'}\n"
                                        "  - {name: code, type: code, path: broken.tar.gz}\n")
    res = roots_cli("run", str(manifest), "--out", str(tmp_path / "out"), "--no-progress")
    assert res.returncode == 0, res.stderr
    assert "Languages" in res.stdout and "counts add up" in res.stdout
    assert "2 inputs failed" in res.stderr and "dead_letter" in res.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["removed_docs"] == {"language": 1} and report["failed_docs"] == 2
    assert report["languages"] == {"en": {"docs": 1, "bytes": len(english.encode())}}

    shown = roots_cli("report", str(tmp_path / "out"))
    assert shown.returncode == 0 and "en" in shown.stdout and "language" in shown.stdout

    for args, needle in (
        (("run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o2")), "manifest not found"),
        (("report", str(tmp_path / "nothing")), "no report.json"),
    ):
        bad = roots_cli(*args)
        assert bad.returncode == 2, bad
        assert needle in bad.stderr and "Traceback" not in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1


def test_help_explains_commands():
    res = roots_cli("--help")
    assert res.returncode == 0
    for cmd in ("run", "validate", "report"):
        assert cmd in res.stdout
    run_help = roots_cli("run", "--help")
    assert "Beam" in run_help.stdout and "--out" in run_help.stdout
