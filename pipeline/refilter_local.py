"""``roots refilter`` on this machine, from columns: what the Beam job of ``pipeline.refilter`` writes, byte for
byte, without passing every document through Beam.

Why: new cut-offs change the fate of few documents, yet the Beam job moves every one of them through the job
graph (the join by id, each stage's per-document cost, the writers' grouping), which kept a refilter at about 0.6
of a full run. Here, in one process, the finished run's attributes, shards and removed rows are read as Arrow
tables and only what can change is worked on:

```
attributes/ + shards/ + removed/ ─▶ verdicts from the stored values (new cut-offs) ─▶ dedup over the survivors
(stored keys; MinHash only where two survivors share a key) ─▶ the same writers' files (pipeline.files.write_groups)
```

* A document removed before the quality filter (reading, normalising, the language allow-list) keeps its rows.
* A document that reached the quality filter gets its verdict from its stored check values
  (``pipeline.refilter.stored_verdict``, as in the Beam job). Kept again after reaching dedup in the run: it keeps
  the text it had there, and its words taken by word removal come from the attributes (``removed_words_*``).
  Brought back (removed by the quality filter in the run): its removed text is the redacted one, so ROOTS' word
  removal runs on it, and it is fingerprinted from its text. Newly removed: its text is restored to the one that
  left language ID and redacted again (``PiiRedact``'s own function), as the quality filter saw it.
* Dedup follows the stage's rules (``pipeline.dedup``: smallest id kept; exact groups keyed by language and key; LSH
  buckets by language, band and key; star edges; verified by the Jaccard estimate; connected components; values
  against the kept member), on the survivors that share an exact key or a band key: a survivor alone in every
  bucket is in no pair. The components' ``cc_unconverged_edges`` is the number of edges the stage's
  ``max_rounds`` large-star / small-star rounds leave unfinished, worked out by running those rounds here.

It applies when the Beam job would run on this machine (the direct runner) and the change is only cut-offs (and
``name`` / ``attributes``): the same ``languages``, ``dedup`` and ``output.shard_bytes``, template lines off, and
attributes that hold the dedup keys and word counts. Anything else runs the Beam job, which handles every case
and every runner. Determinism and crash safety are the writers': shards are written under temporary names and
committed after their index, and ``report.json`` is written last.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pyarrow as pa

from core.errors import UserError
from core.fs import is_remote, join, tmp_name, write_atomically, write_file
from core.languages import is_code
from filters import NL_CHECKS, count_placeholders, remove_words_batch
from filters.dedup import DedupParams, jaccard_estimate, signatures_batch
from filters.restore import restore
from manifests.schema import Manifest
from pipeline.attributes import (
    ATTRIBUTES,
    ATTRIBUTES_SCHEMA,
    MANIFEST_FILE,
    PII_COLUMNS,
    WORD_COLUMNS,
    attribute_row,
    manifest_record,
    row_bytes,
)
from pipeline.dedup_rules import (
    EXACT_REASON,
    NEAR_REASON,
    compute_fingerprints,
    dedup_stats,
    lsh_summary,
    shared_buckets,
    stored_keys,
    unconverged_edges,
    union_find_labels,
)
from pipeline.dedup_rules import NAME as DEDUP
from pipeline.files import (
    REMOVED_SCHEMA,
    SHARD_SCHEMA,
    commit_files,
    removed_row,
    shard_row,
    text_bytes,
    write_groups,
    write_json,
)
from pipeline.record import DEDUP_KEYS, WORD_REMOVAL, Record, removed, stamped, with_text
from pipeline.redact import KEPT_STATS, RedactFn, pii_stats, redacts
from pipeline.refilter import EARLY, arrow_rows, index_paths, stored_verdict
from pipeline.stages import STAGES
from pipeline.word_removal import removed_words_tallies, with_words, word_removal_stats

#: the quality filter's name in the job graph (the ``stage`` of what it removes): the stage whose reasons are its
#: checks' names
QUALITY = next(s.name for s in STAGES if s.reasons is None)
#: stages whose removals a cut-off cannot change
_BEFORE_QUALITY = (*EARLY, "LanguageFilter")
#: the stats files that stay as the run wrote them: the same documents reach PII redaction; profiles are fixed
_SAME_STATS = ("pii.json", "profiles.json")


# ------------------------------------------------------------------------------------------------ when it applies
def why_not_local(old: Manifest, new: Manifest, run_out: str, out: str, local_runner: bool) -> str | None:
    """``None`` when this module can refilter ``run_out`` with ``new``; otherwise why the Beam job must."""
    if not local_runner or is_remote(run_out) or is_remote(out):
        return "the job runs on a distributed runner or remote storage"
    if new.filters.template_lines.enabled:
        return "template lines are counted over the survivors"
    differs = [name for name, a, b in (("languages", _langs(old), _langs(new)), ("dedup", old.dedup, new.dedup),
                                       ("output.shard_bytes", old.output.shard_bytes, new.output.shard_bytes))
               if a != b]
    if differs:
        return f"{', '.join(differs)} changed"
    names = set(_attribute_schema(run_out).names)
    missing = [c for c in ("dedup_exact", "dedup_bands", *WORD_COLUMNS.values()) if c not in names]
    return f"the run's attributes have no {', '.join(missing)} (an older run)" if missing else None


def _langs(m: Manifest) -> frozenset[str] | None:
    return None if m.languages is None else frozenset(m.languages)


def _attribute_schema(run_out: str) -> pa.Schema:
    paths = index_paths(run_out, ATTRIBUTES)
    if not paths:
        return ATTRIBUTES_SCHEMA
    with pa.memory_map(paths[0]) as src:
        return pa.ipc.open_file(src).schema


# ------------------------------------------------------------------------------------------------ the documents
class _Run:
    """What the refilter removes, gathered as the writers want it: removed rows, their attributes rows, and the
    words word removal took (the stats' tallies); the kept records are dedup's output."""

    def __init__(self) -> None:
        self.removed_rows: list[dict[str, Any]] = []
        self.attribute_rows: list[dict[str, Any]] = []
        self.words: Counter = Counter()

    def remove(self, rec: Record, record: bool) -> None:
        self.removed_rows.append(removed_row(rec))
        if record:
            self.attribute_rows.append(attribute_row(rec))


def _record(attr: dict[str, Any], row: dict[str, Any]) -> Record:
    """A document as the stages after language ID left it, from its attributes row and its shard or removed row."""
    pii = None if attr[PII_COLUMNS["EMAIL"]] is None else {c: attr[col] for c, col in PII_COLUMNS.items()}
    return {"id": attr["id"], "text": row["text"], "source": attr["source"], "locator": attr["locator"],
            "language": row["language"] or None, "lid_score": attr["lid_score"], "lid_model": attr["lid_model"],
            "meta": row["meta"], "measures": {name: attr[name] for name in NL_CHECKS}, "pii": pii,
            "restore": json.loads(attr["restore"]) if attr["restore"] else []}


def _stored_words(attr: dict[str, Any]) -> dict[str, int] | None:
    if attr[next(iter(WORD_COLUMNS.values()))] is None:
        return None
    return {reason: attr[col] for reason, col in WORD_COLUMNS.items() if attr[col]}


def _redacted_again(rec: Record, profiles, record: bool) -> Record:
    """A kept document the new cut-offs remove, with the text the quality filter sees in a full run: the text that
    left language ID (its patches undone), redacted again by PII redaction's own function."""
    lid = {k: v for k, v in rec.items() if k not in ("restore", "pii", WORD_REMOVAL)}
    lid["text"] = restore(rec["text"], rec["restore"])
    return next(r for r in RedactFn(profiles, record)([lid]) if isinstance(r, dict))


class _Verdicts:
    """The quality filter's new verdict on each document, from the stored values (see the module docstring)."""

    def __init__(self, manifest: Manifest, run: _Run):
        self.config, self.profiles = manifest.filters, manifest.source_profiles()
        self.record, self.run = manifest.attributes.enabled, run
        self.survivors: list[Record] = []
        self.fresh: set[str] = set()  # ids of survivors brought back: fingerprinted from their texts
        self._params: dict[str, Any] = {}

    def params(self, language: str):
        if language not in self._params:
            self._params[language] = self.config.params_for(language)
        return self._params[language]

    def add(self, attr: dict[str, Any], row: dict[str, Any]) -> None:
        stage = attr["stage"]
        if stage in _BEFORE_QUALITY or (stage == QUALITY and is_code(attr["language"])):
            self.run.removed_rows.append(row)  # as the run wrote it: nothing here can change it
            if self.record:
                self.run.attribute_rows.append(attr)
            return
        rec = _record(attr, row)
        language = rec["language"] or "unknown"
        if is_code(language):  # kept by the code filters, which refilter cannot change
            rec[DEDUP_KEYS] = (attr["dedup_exact"], attr["dedup_bands"])
            self.survivors.append(rec)
            return
        checks = None if self.profiles is None else self.profiles.get(rec["source"])
        params = self.params(language)
        verdict = stored_verdict(rec["measures"], self.config, params, checks)
        if not verdict.keep:
            if stage != QUALITY:
                rec = _redacted_again(rec, self.profiles, self.record)
            self.run.remove(stamped(removed(rec, verdict.reason, verdict.value), QUALITY), self.record)
            return
        if stage == QUALITY:  # brought back: ROOTS' word removal, as the quality filter does on what it keeps
            words = None
            if checks is None or "remove_words" in checks:
                ((text, words),) = remove_words_batch([rec["text"]], params)
                rec = with_text(with_words(rec, words, self.record), text, self.record)
            self.fresh.add(rec["id"])
        else:
            words = _stored_words(attr)
            rec = with_words(rec, words, self.record)
            rec[DEDUP_KEYS] = (attr["dedup_exact"], attr["dedup_bands"])
        self.run.words.update({key: n for key, n in removed_words_tallies(language, words)})
        self.survivors.append(rec)


# ------------------------------------------------------------------------------------------------ dedup
def _fingerprint(recs: list[Record], fresh: set[str], p: DedupParams) -> dict[str, tuple[str | None, bytes | None]]:
    """Each survivor's exact key (hex) and packed band keys: stored, or computed from the text of one brought back
    (its MinHash signature is then kept in ``_sig``)."""
    out: dict[str, tuple[str | None, bytes | None]] = {}
    todo = [r for r in recs if r["id"] in fresh]
    for rec, (key, sig, bands) in zip(todo, compute_fingerprints(todo, p, p.exact, p.near, True),
                                      strict=True):
        rec["_sig"] = sig
        out[rec["id"]] = (key, bands)
    for rec in recs:
        if rec["id"] not in fresh:
            exact, bands = rec.pop(DEDUP_KEYS)
            out[rec["id"]] = (exact.hex() if exact else None, bands)
    return out


def _buckets(recs: list[Record], bands: dict[str, bytes], n_bands: int) -> list[list[str]]:
    """The ids of every LSH bucket (language, band, key) that two or more of ``recs`` share, from their packed band
    keys (``pipeline.dedup.shared_buckets``, as the stage finds them)."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for rec in recs:
        by_lang[rec.get("language") or ""].append(rec["id"])
    out: list[list[str]] = []
    for _, ids in sorted(by_lang.items()):
        keys = np.frombuffer(b"".join(bands[i] for i in ids), dtype="<u8")
        band = np.tile(np.arange(n_bands, dtype=np.uint16), len(ids))
        out.extend(shared_buckets(keys, band, np.repeat(np.array(ids, dtype=object), n_bands)))
    return out


class _Dedup:
    """``pipeline.dedup.Dedup`` on the survivors, in this process (see the module docstring)."""

    def __init__(self, p: DedupParams, record: bool):
        self.p, self.record = p, record
        self.stats: Counter = Counter()

    def run(self, recs: list[Record], fresh: set[str]) -> tuple[list[Record], list[Record]]:
        """The survivors → (kept, removed as duplicates)."""
        keys = _fingerprint(recs, fresh, self.p)
        by_id = {r["id"]: r for r in recs}
        verdicts: dict[str, tuple[str, Any, str]] = {}
        clusters: dict[str, dict[str, str]] = defaultdict(dict)
        if self.p.exact:
            self._exact(recs, keys, verdicts, clusters)
        if self.p.near:
            self._near([r for r in recs if r["id"] not in verdicts and keys[r["id"]][1] is not None], keys,
                       verdicts, clusters)
        kept, gone = [], []
        for doc_id, rec in sorted(by_id.items()):
            rec.pop("_sig", None)
            if self.record:
                rec = {**rec, "exact_cluster": clusters[doc_id].get("exact_cluster"),
                       "near_cluster": clusters[doc_id].get("near_cluster"), DEDUP_KEYS: stored_keys(*keys[doc_id])}
            if doc_id in verdicts:
                reason, value, keep = verdicts[doc_id]
                self.stats[("removed", reason)] += 1
                gone.append(stamped(removed(rec, reason, value, duplicate_of=keep), DEDUP))
            else:
                kept.append(rec)
        return kept, gone

    def _exact(self, recs, keys, verdicts, clusters) -> None:
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for rec in recs:
            key = keys[rec["id"]][0]
            if key:
                groups[(rec.get("language") or "", key)].append(rec["id"])
        for ids in groups.values():
            if len(ids) < 2:
                continue
            keep = min(ids)
            self.stats[("exact_cluster", str(len(ids)))] += 1
            for doc_id in ids:
                clusters[doc_id]["exact_cluster"] = keep
                if doc_id != keep:
                    verdicts[doc_id] = (EXACT_REASON, None, keep)

    def _near(self, recs, keys, verdicts, clusters) -> None:
        buckets = _buckets(recs, {r["id"]: keys[r["id"]][1] for r in recs}, self.p.bands_rows[0])
        needed = {doc_id for ids in buckets for doc_id in ids}
        sigs = self._signatures([r for r in recs if r["id"] in needed])
        candidates: set[tuple[str, str]] = set()
        for ids in buckets:  # a star from the bucket's smallest id to each other member
            centre = min(ids)
            candidates.update((centre, other) for other in ids if other != centre)
        self.stats[("candidate_pairs", "")] += len(candidates)
        edges = sorted(candidates)
        if self.p.verify:
            edges = [(a, b) for a, b in edges if jaccard_estimate(sigs[a], sigs[b]) >= self.p.threshold]
        self.stats[("verified_pairs", "")] += len(edges)
        self.stats[("cc_unconverged_edges", "")] += unconverged_edges(edges, self.p.max_rounds)
        labels = union_find_labels(edges)
        for size in Counter(m for _, m in labels).values():
            self.stats[("near_cluster", str(size))] += 1
        for doc_id, m in labels:
            clusters[doc_id]["near_cluster"] = m
            if doc_id != m:
                verdicts[doc_id] = (NEAR_REASON, jaccard_estimate(sigs[doc_id], sigs[m]), m)

    def _signatures(self, recs: list[Record]) -> dict[str, bytes]:
        todo = [r for r in recs if r.get("_sig") is None]
        computed = signatures_batch([r["text"] for r in todo], [r.get("language") for r in todo], self.p)
        out = {r["id"]: r["_sig"] for r in recs if r.get("_sig") is not None}
        out.update({r["id"]: s for r, s in zip(todo, computed, strict=True)})
        return out

    def summary(self) -> dict[str, Any]:
        return dedup_stats(self.stats, lsh_summary(self.p))


# ------------------------------------------------------------------------------------------------ the command
def _rows_by_id(out: str, sub: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for path in index_paths(out, sub) for r in arrow_rows(path)}


def refilter_here(run_out: str, new: Manifest, out: str) -> int:
    """Write into ``out`` (prepared, with ``stats/ingest.json``) everything but the report of the refilter of
    ``run_out`` with ``new``; returns the number of documents read."""
    record = new.attributes.enabled
    rows = {**_rows_by_id(run_out, "shards"), **_rows_by_id(run_out, "removed")}
    run = _Run()
    verdicts = _Verdicts(new, run)
    for path in index_paths(run_out, ATTRIBUTES):
        for attr in arrow_rows(path):
            if attr["id"] not in rows:
                raise UserError(f"{run_out}: document {attr['id']} of {path} is in neither shards/ nor removed/: "
                                "the run's output was changed after it finished; run it again")
            verdicts.add(attr, rows[attr["id"]])
    profiles = new.source_profiles()
    skip = {s for s, checks in profiles.items() if "dedup" not in checks}
    dedup = _Dedup(new.dedup, record)
    kept, gone = dedup.run([r for r in verdicts.survivors if r["source"] not in skip], verdicts.fresh)
    for rec in gone:
        run.remove(rec, record)
    kept += [r for r in verdicts.survivors if r["source"] in skip]
    _write(run_out, out, new, kept, run, dedup.summary())
    return len(rows)


def _write(run_out: str, out: str, new: Manifest, kept: list[Record], run: _Run, dedup_stats: dict) -> None:
    shard_bytes, record, profiles = new.output.shard_bytes, new.attributes.enabled, new.source_profiles()
    stats = join(out, "stats")
    for name in _SAME_STATS:
        with open(join(run_out, "stats", name), "rb") as f:
            write_atomically(join(stats, name), f.read())
    write_json(join(stats, "word_removal.json"), word_removal_stats(sorted(run.words.items())))
    write_json(join(stats, "dedup.json"), dedup_stats)
    placeholders: Counter = Counter()
    for rec in kept:
        if redacts(profiles, rec):
            placeholders.update(count_placeholders(rec["text"]))
    write_json(join(stats, KEPT_STATS), pii_stats(sorted(placeholders.items())) if new.pii.enabled
               else {"enabled": False})
    write_groups(join(out, "shards"), "language", ((r["id"], text_bytes(r), shard_row(r)) for r in kept),
                 "arrow", SHARD_SCHEMA, shard_bytes)
    write_groups(join(out, "removed"), "reason", ((r["id"], text_bytes(r), r) for r in run.removed_rows),
                 "arrow", REMOVED_SCHEMA, shard_bytes)
    _copy_folder(join(run_out, "dead_letter"), join(out, "dead_letter"))
    if record:
        attrs = run.attribute_rows + [attribute_row(r) for r in kept]
        write_groups(join(out, ATTRIBUTES), "language", ((r["id"], row_bytes(r), r) for r in attrs), "arrow",
                     ATTRIBUTES_SCHEMA, shard_bytes, "zstd")
        write_json(join(out, ATTRIBUTES, MANIFEST_FILE), manifest_record(new))


def _copy_folder(src: str, dst: str) -> None:
    """The dead letters as the run wrote them (the same documents fail in a refilter), committed like shards:
    files under temporary names, then the index, then the renames."""
    with open(os.path.join(src, "index.json"), "rb") as f:
        index = f.read()
    moves = []
    for shard in json.loads(index)["shards"]:
        with open(os.path.join(src, shard["path"]), "rb") as f:
            tmp = tmp_name(join(dst, shard["path"]))
            write_file(tmp, f.read())
        moves.append((tmp, join(dst, shard["path"])))
    write_atomically(join(dst, "index.json"), index)
    commit_files(dst, moves)
