"""A Hugging Face Hub cache on disk, written in the layout ``huggingface_hub`` itself writes, so tests run the real
hub code path offline (``HF_HUB_OFFLINE=1``, ``HF_HUB_CACHE``):

```
datasets--ORG--NAME/
  refs/main                      the commit hash the branch points at
  blobs/<etag>                   file contents: git blob sha1 for plain git files, sha256 for LFS files
  snapshots/<commit>/<path>      relative symlinks into blobs/
```
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: files huggingface_hub stores through Git LFS (their etag, and so their blob name, is the sha256)
LFS_SUFFIXES = (".parquet", ".arrow")


def _etag(path: str, data: bytes) -> str:
    if path.endswith(LFS_SUFFIXES):
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def add_revision(cache: Path, repo_id: str, commit: str, files: dict[str, bytes], branch: str | None = "main") -> Path:
    """Store ``files`` (path in the repo → bytes) as ``commit`` of dataset ``repo_id``; point ``branch`` at it."""
    assert len(commit) == 40 and all(c in "0123456789abcdef" for c in commit)
    repo = cache / ("datasets--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    for name, data in files.items():
        blob = repo / "blobs" / _etag(name, data)
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(blob, link.parent), link)
    if branch:
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / branch).write_text(commit)
    return snapshot


def card(configs: dict[str, dict[str, str]]) -> bytes:
    """A dataset card whose YAML header declares ``configs`` (config → split → data_files pattern)."""
    lines = ["---", "configs:"]
    for name, splits in configs.items():
        lines += [f"- config_name: {name}", "  data_files:"]
        for split, pattern in splits.items():
            lines += [f"  - split: {split}", f"    path: {pattern}"]
    return ("\n".join([*lines, "---", "# test dataset", ""])).encode()
