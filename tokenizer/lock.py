"""``tokenizer.lock.json``: everything needed to regenerate ``tokenizer.json`` byte for byte, and to notice when not.

The lock records each input shard's manifest-relative path and sha256, the resolved config, what was sampled per
language, the library versions, and the sha256 of the ``tokenizer.json`` it produced. It holds no timings or dates,
so rerunning an unchanged manifest rewrites it byte-identically (it can be committed next to the manifest).

A rerun into a directory that holds a lock must match it: changed, added or removed shards and changed config are a
``UserError`` (pass ``--update-lock`` to accept them), and so is a retrained ``tokenizer.json`` whose sha256 differs
from the locked one (e.g. a different ``tokenizers`` version).
"""

from __future__ import annotations

import json
import logging
from importlib import metadata
from pathlib import Path
from typing import Any

from core.errors import UserError
from tokenizer.shards import Shard

LOCK_VERSION = 1
_MAX_LISTED = 5

log = logging.getLogger("roots.tokenizer")


def library_versions() -> dict[str, str]:
    """Versions of the libraries that decide the output (``roots`` is "unknown" when it isn't installed)."""
    out = {}
    for name in ("tokenizers", "pyarrow", "roots"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def build_lock(
    config: dict[str, Any], shards: list[Shard], sample: dict[str, dict[str, Any]], tokenizer_sha256: str
) -> dict[str, Any]:
    """The lock document (plain JSON data)."""
    return {
        "version": LOCK_VERSION,
        "config": config,
        "shards": [{"path": s.rel, "sha256": s.sha256} for s in shards],
        "sample": sample,
        "libraries": library_versions(),
        "tokenizer_sha256": tokenizer_sha256,
    }


def dumps(data: Any) -> bytes:
    """Stable JSON bytes (fixed key order as built, 2-space indent, trailing newline)."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_lock(path: Path) -> dict[str, Any] | None:
    """The lock at ``path``, or ``None`` when there is none."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{path} is not a valid lock file ({e}); delete it or pass --update-lock") from None
    if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
        raise UserError(f"{path} is not a version-{LOCK_VERSION} tokenizer lock; delete it or pass --update-lock")
    return data


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return "; ".join(items[:_MAX_LISTED]) + more


def check_inputs(lock: dict[str, Any], lock_path: Path, shards: list[Shard], config: dict[str, Any]) -> None:
    """Raise ``UserError`` naming every shard and config field that differs from ``lock``."""
    problems = []
    locked = {s["path"]: s["sha256"] for s in lock.get("shards", [])}
    current = {s.rel: s.sha256 for s in shards}
    for rel in sorted(set(locked) | set(current)):
        if rel not in current:
            problems.append(f"shard {rel} is in the lock but no longer among the manifest's shards")
        elif rel not in locked:
            problems.append(f"shard {rel} is new since the lock")
        elif locked[rel] != current[rel]:
            problems.append(f"shard {rel} changed (sha256 {locked[rel][:12]}… is now {current[rel][:12]}…)")
    old_config = lock.get("config", {})
    for key in sorted(set(old_config) | set(config)):
        if old_config.get(key) != config.get(key):
            problems.append(f"tokenizer.{key} is {config.get(key)!r}, the lock has {old_config.get(key)!r}")
    if problems:
        raise UserError(
            f"{lock_path} does not match the inputs: {_listed(problems)}. "
            "Pass --update-lock to retrain and rewrite the lock."
        )
    now = library_versions()
    for name, version in lock.get("libraries", {}).items():
        if now.get(name) != version:
            log.warning("%s: locked with %s %s, running %s", lock_path, name, version, now.get(name))


def check_output(lock: dict[str, Any], lock_path: Path, tokenizer_sha256: str) -> None:
    """Raise ``UserError`` when the retrained tokenizer is not the one the lock records."""
    locked = lock.get("tokenizer_sha256")
    if locked and locked != tokenizer_sha256:
        then, now = lock.get("libraries", {}), library_versions()
        raise UserError(
            f"retraining gave a tokenizer.json (sha256 {tokenizer_sha256[:12]}…) that differs from the one {lock_path} "
            f"records ({locked[:12]}…) with identical inputs; libraries then {then}, now {now}. Nothing was "
            "overwritten; pass --update-lock to accept the new tokenizer."
        )
