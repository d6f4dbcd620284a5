"""What a ``roots run`` writes inside ``--out``, file by file, so that replacing an earlier output removes exactly
those files and never one roots did not write (a user's notes in ``shards/``, a folder of their own beside it).

```
report.json  report.html  README.md (the dataset card)  beam.log  tune.html  .roots-run.json (the run marker)
shards/ removed/ attributes/   index.json, <group>/<group>-NNNNN.arrow (attributes/ also manifest.json)
dead_letter/                   index.json, <group>/<group>-NNNNN.jsonl
stats/                         one JSON file per stage that has stats (ingest.json...), profiles.json
tokens/                        what `roots tokenize` writes (pipeline.tokenize.is_tokens_file)
.progress/                     <Stage>/*.json and units/<key>: the progress marks of a running job
```

Any of them may carry a temporary suffix (``core.fs.tmp_name``) left by an interrupted run. Empty folders left
behind are removed; a folder that still holds someone else's file stays, with that file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence

from core.fs import final_name
from pipeline.attributes import ATTRIBUTES, MANIFEST_FILE
from pipeline.pii import KEPT_STATS
from pipeline.progress import UNITS
from pipeline.stages import STAGES
from pipeline.tokenize import TOKENS_DIR, is_tokens_file
from reports.card import CARD_NAME

#: files a run writes at the top of ``--out`` (``README.md`` only once ``reports.card.is_roots_card`` said so)
TOP_FILES = frozenset({"report.json", "report.html", "beam.log", ".roots-run.json", "tune.html", CARD_NAME})
#: folders of shards written by ``pipeline.write.WriteShards``, and the format of their shards
SHARD_FOLDERS = {"shards": "arrow", "removed": "arrow", "dead_letter": "jsonl"}
STATS_FILES = frozenset({*(s.stats for s in STAGES if s.stats), "profiles.json", KEPT_STATS})
_SHARD = re.compile(r"(?P<group>[^/]+)/(?P=group)-\d{5,}\.(?P<fmt>arrow|jsonl)")


def _in_shard_folder(fmt: str, extra: frozenset[str] = frozenset()) -> Callable[[str], bool]:
    def ours(rel: str) -> bool:
        match = _SHARD.fullmatch(rel)
        return rel == "index.json" or rel in extra or bool(match and match["fmt"] == fmt)
    return ours


def _in_progress(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) == 2 and (parts[0] == UNITS or parts[1].endswith(".json"))


#: part of ``--out`` → whether a path inside it (relative to it) is a file roots writes there
_FOLDER_RULES: dict[str, Callable[[str], bool]] = {
    **{folder: _in_shard_folder(fmt) for folder, fmt in SHARD_FOLDERS.items()},
    ATTRIBUTES: _in_shard_folder("arrow", frozenset({MANIFEST_FILE})),
    "stats": lambda rel: rel in STATS_FILES,
    TOKENS_DIR: is_tokens_file,
    ".progress": _in_progress,
}


def is_roots_file(rel: str) -> bool:
    """True when ``rel`` (a file's path inside ``--out``, ``/``-separated) is one a roots run writes there."""
    final = final_name(rel)
    top, _, inner = final.partition("/")
    if not inner:
        return final in TOP_FILES
    rule = _FOLDER_RULES.get(top)
    return rule is not None and rule(inner)


def clear_local(out: str, only: Sequence[str] | None = None) -> list[str]:
    """Delete every file roots writes in the local folder ``out`` (or in its parts ``only``), and the folders that
    leaves empty; return the paths (relative to ``out``) of the files kept inside roots' folders because roots did
    not write them."""
    kept = []
    for top in sorted(os.listdir(out) if only is None else [t for t in only if os.path.lexists(os.path.join(out, t))]):
        path = os.path.join(out, top)
        if os.path.islink(path) or not os.path.isdir(path):
            if is_roots_file(top):
                os.remove(path)
            continue
        if top not in _FOLDER_RULES:
            continue
        for dirpath, dirnames, filenames in os.walk(path, topdown=False):
            for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, out).replace(os.sep, "/")
                if is_roots_file(rel) and not os.path.isdir(full):
                    os.remove(full)
                else:
                    kept.append(rel)
            if not os.listdir(dirpath):
                os.rmdir(dirpath)
    return sorted(kept)


def roots_files(rels: list[str]) -> tuple[list[str], list[str]]:
    """``rels`` (paths inside ``--out``) split into roots' own files and the others inside roots' folders (for a
    remote ``--out``, where the listing comes from the object store)."""
    ours = [r for r in rels if is_roots_file(r)]
    kept = [r for r in rels if not is_roots_file(r) and r.split("/", 1)[0] in _FOLDER_RULES and "/" in r]
    return ours, kept


def remote_deletions(ours: list[str], kept: list[str]) -> list[str]:
    """What to delete on an object store for roots' files ``ours``: the topmost folder (a name prefix, ``/``-ended,
    which deletes every object under it) that holds none of the ``kept`` files, else the file itself. Folders are
    only name prefixes there, so this also leaves no empty folder behind where a store shows them."""
    kept_dirs = {"/".join(k.split("/")[:n]) for k in kept for n in range(1, k.count("/") + 1)}
    out = set()
    for rel in ours:
        parts = rel.split("/")
        folders = ["/".join(parts[:n]) for n in range(1, len(parts))]
        out.add(next((d + "/" for d in folders if d not in kept_dirs), rel))
    return sorted(out)


def kept_note(out: str, kept: list[str], shown: int = 3) -> str:
    """The one line a run prints when it left files of someone else's among the ones it replaced."""
    more = f" and {len(kept) - shown} more" if len(kept) > shown else ""
    what = "file" if len(kept) == 1 else "files"
    return (f"roots: kept {len(kept)} {what} in {out} that roots did not write: "
            f"{', '.join(kept[:shown])}{more}")
