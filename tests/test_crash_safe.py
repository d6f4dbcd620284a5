"""Crash safety: a run killed with SIGKILL leaves nothing that looks finished, and the same command run again
gives exactly the output of an uninterrupted run. Also: what a run may delete in ``--out``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import UserError
from core.fs import tmp_name
from pipeline.files import commit_files
from pipeline.run import prepare_out, run
from tests.conftest import SAMPLE, output_bytes, roots_cli

#: the output parts written as shards with an index
SHARDED = ("shards", "removed", "dead_letter")


def has_file(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def start_and_kill(out: Path, when: str) -> None:
    """Start ``roots run`` on the sample and SIGKILL it as soon as ``out/<when>`` holds a file."""
    exe = shutil.which("roots", path=os.path.dirname(sys.executable)) or "roots"
    proc = subprocess.Popen([exe, "run", str(SAMPLE), "--out", str(out), "--no-progress", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not has_file(out / when):
            assert proc.poll() is None, f"the run ended (rc {proc.returncode}) before {when}/ held a file"
            assert time.monotonic() < deadline, f"no file in {when}/ after 240 s"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:  # also when an assertion above failed: never leave the run behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"


def assert_nothing_looks_complete(out: Path) -> None:
    """No report.json, and every file under a final name is whole and listed in its folder's index."""
    assert not (out / "report.json").exists()
    for part in SHARDED:
        root = out / part
        index = root / "index.json"
        listed = {s["path"]: s for s in json.loads(index.read_text())["shards"]} if index.exists() else {}
        for f in (p for p in root.rglob("*") if p.is_file()) if root.is_dir() else ():
            if ".tmp-" in f.name or f == index:
                continue
            rel = f.relative_to(root).as_posix()
            assert rel in listed, f"{part}/{rel} has a final name but is not in {part}/index.json"
            data = f.read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (listed[rel]["bytes"], listed[rel]["sha256"])
    for stats in (out / "stats").glob("*.json") if (out / "stats").is_dir() else ():
        json.loads(stats.read_text())  # written atomically: never half a file


@pytest.mark.parametrize("when", [".progress", "shards"], ids=["while-reading", "while-writing-shards"])
def test_killed_run_then_same_command_gives_the_uninterrupted_output(sample_run, tmp_path, when):
    out = tmp_path / "out"
    start_and_kill(out, when)
    assert_nothing_looks_complete(out)

    unfinished = roots_cli("report", str(out))
    assert unfinished.returncode == 2 and "did not finish" in unfinished.stderr, unfinished.stderr

    (out / "notes.txt").write_text("mine")  # not roots' own: a rerun must leave it alone
    again = roots_cli("run", str(SAMPLE), "--out", str(out), "-q")
    assert again.returncode == 0, again.stderr
    assert "roots: progress" not in again.stderr and again.stdout == ""  # -q: warnings and errors only
    assert (out / "notes.txt").read_text() == "mine"
    assert not list(out.rglob("*.tmp-*")) and not (out / ".progress").exists()
    assert output_bytes(out) == output_bytes(sample_run)


def test_commit_renames_once_and_removes_orphans(tmp_path):
    root = tmp_path / "shards"
    (root / "en").mkdir(parents=True)
    final = str(root / "en" / "en-00000.arrow")
    tmp = tmp_name(final)
    Path(tmp).write_bytes(b"shard")
    orphan = Path(tmp_name(final))  # a retried or killed worker's attempt at the same shard
    orphan.write_bytes(b"half")
    commit_files(str(root), [(tmp, final)])
    assert sorted(p.name for p in root.rglob("*")) == ["en", "en-00000.arrow"]
    assert Path(final).read_bytes() == b"shard"
    commit_files(str(root), [(tmp, final)])  # a retried commit step: nothing to do, no error
    assert Path(final).read_bytes() == b"shard"
    with pytest.raises(OSError, match="vanished"):
        commit_files(str(root), [(tmp_name(str(root / "fr" / "fr-00000.arrow")), str(root / "fr" / "fr-00000.arrow"))])


def test_out_folder_is_never_someone_elses(tmp_path):
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep")
    with pytest.raises(UserError, match="not a roots output"):
        run(str(SAMPLE), str(foreign), progress=False)
    assert sorted(os.listdir(foreign)) == ["thesis.tex"]

    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        prepare_out(str(a_file))

    earlier = tmp_path / "earlier"  # an earlier (interrupted) run, plus the user's own files
    for rel in ("shards/en/en-00000.arrow", tmp_name("shards/en/en-00001.arrow"), "stats/ingest.json", "beam.log",
                tmp_name("report.json"), "tokenizer/tokenizer.json", "notes.txt", "notes.txt.tmp-1"):
        (earlier / rel).parent.mkdir(parents=True, exist_ok=True)
        (earlier / rel).write_text("x")
    prepare_out(str(earlier))
    assert sorted(p.relative_to(earlier).as_posix() for p in earlier.rglob("*")) == [
        "notes.txt", "notes.txt.tmp-1", "tokenizer", "tokenizer/tokenizer.json"]  # a user's name kept

    empty = tmp_path / "empty"
    empty.mkdir()
    prepare_out(str(empty))
    prepare_out(str(tmp_path / "new" / "out"))
    assert (tmp_path / "new" / "out").is_dir()
