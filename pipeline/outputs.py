"""What a ``roots run`` writes inside ``--out``, file by file, so that replacing an earlier output removes exactly
those files and never one roots did not write (a user's notes in ``shards/``, a folder of their own beside it).

```
report.json  report.html  README.md (the dataset card)  beam.log  tune.html  .roots-run.json (the run marker)
shards/ removed/ attributes/   index.json, <group>/<group>-NNNNN.arrow (attributes/ also manifest.json)
dead_letter/                   index.json, <group>/<group>-NNNNN.jsonl
stats/                         one JSON file per stage that has stats (ingest.json...), profiles.json
tokens/                        what `roots tokenize` writes (:func:`is_tokens_file`)
.progress/                     <Stage>/*.json and units/<key>: the progress marks of a running job
```

Any of them may carry a temporary suffix (``core.fs.tmp_name``) left by an interrupted run. Empty folders left
behind are removed; a folder that still holds someone else's file stays, with that file.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence

from core.errors import UserError
from core.fs import final_name, is_remote, is_tmp
from pipeline.attributes import ATTRIBUTES, MANIFEST_FILE
from pipeline.redact import KEPT_STATS
from pipeline.stages import STAGES
from reports.card import CARD_NAME, is_roots_card

#: the folder of ``.progress/`` where the read units' marks go (``pipeline.progress``)
UNITS = "units"
#: what ``roots tokenize`` writes (``pipeline.tokenize``): its folder, index and the parts folder of a running job
TOKENS_DIR = "tokens"
INDEX_NAME = "index.json"
PARTS_DIR = ".parts"

#: written when a run starts: which manifest it runs, so a rerun of the same command may replace its own unfinished
#: output without ``--overwrite``
RUN_MARKER = ".roots-run.json"
#: parts that only a roots run creates: a non-empty ``--out`` with none of them is someone else's folder
OUTPUT_SIGNS = ("shards", "removed", "dead_letter", "stats", "attributes", "report.json", ".progress", RUN_MARKER)
#: files a run writes at the top of ``--out`` (``README.md`` only once ``reports.card.is_roots_card`` said so)
TOP_FILES = frozenset({"report.json", "report.html", "beam.log", RUN_MARKER, "tune.html", CARD_NAME})
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


def is_tokens_file(rel: str) -> bool:
    """A file ``roots tokenize`` writes, by its path relative to the tokens folder."""
    name = rel.rsplit("/", 1)[-1]
    return (rel == INDEX_NAME or rel.startswith(PARTS_DIR + "/") or is_tmp(name)
            or ("/" not in rel and name.endswith((".bin", ".idx"))))


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


def prepare_out(out: str, manifest_path: str | None = None, overwrite: bool = True) -> None:
    """Make ``out`` ready for a run: create it, and remove the files an earlier (finished or interrupted) run wrote
    there (``pipeline.outputs``), and nothing else: files of someone else's, even inside ``shards/``, stay, and one
    line says which. With ``overwrite=False`` an earlier output is replaced only when it is unfinished
    (no ``report.json``) and was started with the same manifest (``RUN_MARKER``). A non-empty folder
    that holds none of roots' parts is refused, so a mistyped ``--out`` never mixes a corpus into someone's files."""
    if is_remote(out):
        _prepare_remote(out)
        return
    make_writable_folder(out)
    entries = set(os.listdir(out))
    _refuse_foreign(out, entries)
    if CARD_NAME in entries:
        with open(os.path.join(out, CARD_NAME), "rb") as f:
            _refuse_foreign_card(out, f.read(65536))
    if manifest_path is not None and not overwrite:
        _refuse_replacing(out, entries, manifest_path)
    _say_kept(out, clear_local(out))


def _say_kept(out: str, kept: list[str]) -> None:
    if kept:
        print(kept_note(out, kept), file=sys.stderr)


def make_writable_folder(path: str, option: str = "--out") -> None:
    """Create the local folder ``path`` (and its parents) and check that a file can be written in it, so a path
    under a file or a read-only place is one clear error before any job starts, not a worker's traceback."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"{option} {path}: exists and is not a folder; choose a folder path")
    try:
        os.makedirs(path, exist_ok=True)
        _probe_writable(path)
    except OSError as e:
        raise UserError(f"{option} {path}: cannot write there ({e.strerror or e}); choose a folder you can write to "
                        "(its parents must be folders)") from None


def manifest_marker(manifest_path: str) -> dict[str, str]:
    import hashlib

    with open(manifest_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return {"manifest": os.path.abspath(manifest_path), "sha256": digest}


def _refuse_replacing(out: str, entries: set[str], manifest_path: str) -> None:
    """An earlier roots output is replaced only with ``--overwrite``, or when it is this command's own unfinished
    run (no report.json, started with the same manifest)."""
    if not entries & set(OUTPUT_SIGNS):
        return
    import json

    try:
        with open(os.path.join(out, RUN_MARKER), encoding="utf-8") as f:
            same = json.load(f) == manifest_marker(manifest_path)
    except (OSError, ValueError):
        same = False
    if same and "report.json" not in entries:
        return
    what = "a finished roots run" if "report.json" in entries else "another run's unfinished output"
    raise UserError(f"--out {out}: holds {what}; pass --overwrite to replace it, or choose another --out")


def write_marker(out: str, manifest_path: str) -> None:
    import json

    with open(os.path.join(out, RUN_MARKER), "w", encoding="utf-8") as f:
        json.dump(manifest_marker(manifest_path), f, sort_keys=True)


def _probe_writable(out: str) -> None:
    """Create and remove a file in ``out``, so a read-only folder fails here and not inside the Beam job."""
    import tempfile

    fd, path = tempfile.mkstemp(prefix=".roots-probe-", dir=out)
    os.close(fd)
    os.remove(path)


def _refuse_foreign_card(out: str, head: bytes) -> None:
    """A ``README.md`` in ``--out`` that is not a card roots wrote would be replaced by the run's card: refuse."""
    if not is_roots_card(head):
        raise UserError(f"--out {out}: {CARD_NAME} there was not written by roots, and a run writes its dataset card "
                        f"as {CARD_NAME}; move that file elsewhere, or choose another --out")


def _refuse_foreign(out: str, entries: set[str]) -> None:
    if entries and not entries & set(OUTPUT_SIGNS):
        shown = ", ".join(sorted(entries)[:3]) + (", ..." if len(entries) > 3 else "")
        raise UserError(f"--out {out}: the folder is not empty ({shown}) and is not a roots output "
                        "(no shards/ or stats/); roots writes into an empty or new folder, or replaces its own "
                        "earlier output. Choose another --out.")


def _prepare_remote(out: str) -> None:
    """``prepare_out`` through Beam's ``FileSystems`` (gs://), where folders are name prefixes."""
    from apache_beam.io.filesystems import FileSystems

    base = out.rstrip("/") + "/"
    files = [m.path for m in FileSystems.match([base + "**"])[0].metadata_list]
    rels = [f[len(base):] for f in files if f.startswith(base)]
    tops = {r.split("/", 1)[0] for r in rels}
    _refuse_foreign(out, tops)
    if CARD_NAME in rels:
        with FileSystems.open(base + CARD_NAME) as f:
            _refuse_foreign_card(out, f.read(65536))
    ours, kept = roots_files(rels)
    if ours:
        FileSystems.delete([base + r for r in remote_deletions(ours, kept)])
    _say_kept(out, sorted(kept))

