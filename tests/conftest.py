"""Shared fixtures: the bundled sample, small manifests written by tests, and one cached run of the sample."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "manifests" / "sample.yaml"

os.environ.setdefault("NO_GCE_CHECK", "True")  # google-auth must never probe a metadata server in tests


def write_manifest(directory: Path, body: str) -> Path:
    path = directory / "manifest.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_arrow(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as src:
        return pa.ipc.open_file(src).read_all()


def read_shards(out: Path, sub: str = "shards") -> pa.Table:
    index = json.loads((out / sub / "index.json").read_text())
    tables = [read_arrow(out / sub / s["path"]) for s in index["shards"]]
    return pa.concat_tables(tables) if tables else None


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path → bytes), for byte-identity checks."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


#: what a run writes that must be byte-identical across runners, worker counts and reruns
RUN_OUTPUTS = ("shards", "removed", "dead_letter", "report.json")


def output_bytes(out: Path) -> dict[str, bytes]:
    """Every file of a run's outputs (``RUN_OUTPUTS``) → bytes, for byte-identity checks."""
    files: dict[str, bytes] = {}
    for part in RUN_OUTPUTS:
        p = out / part
        files.update({f"{part}/{k}": v for k, v in tree_bytes(p).items()} if p.is_dir() else {part: p.read_bytes()})
    return files


def roots_cli(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the installed ``roots`` console script."""
    exe = shutil.which("roots", path=os.path.dirname(sys.executable)) or "roots"
    env = {**os.environ, "COLUMNS": "200"}  # wide enough that rich tables don't wrap cell text
    return subprocess.run([exe, *args], cwd=cwd or REPO, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """The bundled sample run once (1 worker) for the tests that read its outputs."""
    from pipeline.run import run

    out = tmp_path_factory.mktemp("sample") / "out"
    run(str(SAMPLE), str(out), progress=False)
    return out
