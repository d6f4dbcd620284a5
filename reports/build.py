"""``report.json`` and the terminal table, computed from what a run wrote.

The counts come from the written outputs (shard indexes, removed shards, dead-letter index) and the input count
from the ``Ingest`` stage's own tally (``stats/ingest.json``), so ``input_docs == kept_docs + removed + failed`` is a
real check of the pipeline, not a sum that holds by construction.

``report.json`` is the last file a run writes (atomically): its presence is what marks an output as complete.
Outputs on a remote filesystem (``gs://`` after a Dataflow run) are read and written through Beam's
``FileSystems``; local folders through plain file calls, as before.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from core.errors import UserError
from core.fs import exists, is_remote, join, read_bytes, write_atomically
from core.languages import is_code, programming_language_of
from pipeline.stages import FUNNEL_OF, FUNNEL_STEPS, STAGES, stage_of_reason
from reports.coverage import coverage
from reports.sources import DeadLetterTally, removed_examples, smallest_rows
from reports.sources import per_source as source_outcomes

if TYPE_CHECKING:
    from manifests.schema import Manifest

REPORT_VERSION = 1

def funnel(input_docs: int, removed: dict[tuple[str, str], int], failed: dict[str, int]) -> list[dict[str, Any]]:
    """Documents remaining after each funnel step, from input to kept. ``removed`` counts documents per
    (stage, reason) and ``failed`` per stage, as the removed and dead-letter records name their stage; each stage
    counts under its funnel step (``pipeline.stages.STAGES``)."""
    remaining = input_docs
    steps = [{"stage": "input", "removed": 0, "failed": 0, "remaining": remaining}]
    for step in FUNNEL_STEPS:
        reasons: Counter = Counter()
        for (stage, reason), n in removed.items():
            if FUNNEL_OF.get(stage) == step:
                reasons[reason] += n
        gone = sum(reasons.values())
        lost = sum(n for stage, n in failed.items() if FUNNEL_OF.get(stage) == step)
        remaining -= gone + lost
        steps.append({"stage": step, "removed": gone, "failed": lost, "remaining": remaining,
                      "reasons": dict(sorted(reasons.items()))})
    return steps


def funnel_from_reasons(input_docs: int, failed_docs: int, removed_docs: dict[str, int]) -> list[dict[str, Any]]:
    """The funnel of a report written before removed records named their stage: each reason is given to the stage
    that declares it, and failures (then only made while reading) to Ingest."""
    removed: Counter = Counter()
    for reason, n in removed_docs.items():
        removed[(stage_of_reason(reason), reason)] += n
    return funnel(input_docs, removed, {STAGES[0].name: failed_docs})


# ------------------------------------------------------------------------------------------------ reading a run
def _read_json(path: str) -> Any:
    return json.loads(read_bytes(path).decode("utf-8"))


def _with_arrow_file(path: str, read: Callable[[Any], Any]) -> Any:
    """``read(source)`` on an Arrow IPC file, memory-mapped on local disk (only the buffers read are touched) or
    through Beam's ``FileSystems`` (gs://)."""
    if is_remote(path):
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.open(path) as f:
            return read(pa.PythonFile(f, mode="r"))
    with pa.memory_map(path) as src:
        return read(src)


def _read_arrow_columns(path: str, columns: list[str]) -> pa.Table:
    """Only ``columns`` of an Arrow IPC file: the reader fetches just their buffers (the removed documents' texts
    stay on disk or in the bucket)."""
    def read(source) -> pa.Table:
        names = pa.ipc.open_file(source).schema.names
        options = pa.ipc.IpcReadOptions(included_fields=[names.index(c) for c in columns])
        return pa.ipc.open_file(source, options=options).read_all().select(columns)

    return _with_arrow_file(path, read)


def _columns_if_present(path: str, columns: list[str]) -> pa.Table | None:
    """``columns`` of a shard, or ``None`` when it was written before they existed."""
    try:
        return _read_arrow_columns(path, columns)
    except ValueError:  # a column is not in the shard's schema
        return None


def _index(out: str, sub: str) -> list[dict[str, Any]]:
    path = join(out, sub, "index.json")
    return _read_json(path)["shards"] if exists(path) else []


REMOVED_COLUMNS = ("reason", "language", "stage", "source")


def _removed_columns(out: str, shards: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(reason, language, stage, source) of every removed document, reading only those columns."""
    rows: list[tuple[str, str, str, str]] = []
    for s in shards:
        table = _read_arrow_columns(join(out, "removed", s["path"]), list(REMOVED_COLUMNS))
        rows.extend(zip(*(table.column(c).to_pylist() for c in REMOVED_COLUMNS), strict=True))
    return rows


def _dead_letters(out: str, shards: list[dict[str, Any]]) -> DeadLetterTally:
    """Dead-letter documents per stage and source, and their errors by shape (one JSON line each)."""
    tally = DeadLetterTally()
    for s in shards:
        data = read_bytes(join(out, "dead_letter", s["path"]))
        for line in data.splitlines():
            if line.strip():
                tally.add(json.loads(line))
    return tally


def _kept_per_source(out: str, kept: list[dict[str, Any]]) -> Counter:
    """Kept documents per source, from the shards' ``source`` column."""
    import pyarrow.compute as pc

    counts: Counter = Counter()
    for s in kept:
        column = _read_arrow_columns(join(out, "shards", s["path"]), ["source"]).column("source")
        counts.update({v["values"]: v["counts"] for v in pc.value_counts(column).to_pylist()})
    return counts


def build_report(out: str, name: str | None = None) -> dict[str, Any]:
    """Compute the report of the run in ``out`` from its written outputs."""
    stats_path = join(out, "stats", "ingest.json")
    if not exists(stats_path):
        raise UserError(f"{out}: no finished run here (missing stats/ingest.json); "
                        f"run `roots run MANIFEST --out {out}`")
    per_source = _read_json(stats_path)["input_docs_per_source"]
    kept = _index(out, "shards")
    removed_shards = _index(out, "removed")
    dead = _index(out, "dead_letter")

    languages: dict[str, dict[str, int]] = defaultdict(lambda: {"docs": 0, "bytes": 0})
    programming: dict[str, dict[str, int]] = defaultdict(lambda: {"docs": 0, "bytes": 0})
    for s in kept:
        lang = s["language"]
        bucket = programming[programming_language_of(lang)] if is_code(lang) else languages[lang]
        bucket["docs"] += s["rows"]
        bucket["bytes"] += s["text_bytes"]

    rows = _removed_columns(out, removed_shards)
    removed_docs = Counter(reason for reason, _, _, _ in rows)
    by_language: dict[str, Counter] = defaultdict(Counter)
    for reason, lang, _, _ in rows:
        by_language[lang or "unknown"][reason] += 1
    dead_letters = _dead_letters(out, dead)

    input_docs = sum(per_source.values())
    kept_docs = sum(s["rows"] for s in kept)
    failed_docs = sum(s["rows"] for s in dead)
    report = {
        "version": REPORT_VERSION,
        "name": name,
        "input_docs": input_docs,
        "kept_docs": kept_docs,
        "removed_docs": dict(sorted(removed_docs.items())),
        "failed_docs": failed_docs,
        "counts_add_up": input_docs == kept_docs + sum(removed_docs.values()) + failed_docs,
        "sources": dict(sorted(per_source.items())),
        "languages": _sorted_by_bytes(languages),
        "programming_languages": _sorted_by_bytes(programming),
        "removed_by_language": {k: dict(sorted(v.items())) for k, v in sorted(by_language.items())},
        "funnel": funnel(input_docs, Counter((stage, reason) for reason, _, stage, _ in rows), dead_letters.stages),
        "kept_bytes": sum(s["text_bytes"] for s in kept),
        "shards": len(kept),
    }
    report.update(coverage(kept, lambda path, columns: _columns_if_present(join(out, "shards", path), columns)))
    report["per_source"] = source_outcomes(per_source, _kept_per_source(out, kept),
                                           ((reason, source) for reason, _, _, source in rows), dead_letters)
    report["removed_examples"] = removed_examples(removed_shards, lambda path, k, columns: _with_arrow_file(
        join(out, "removed", path), lambda src: smallest_rows(src, k, columns)))
    # figures the stages tallied themselves (profiles: per source; pii_kept: placeholders in the kept documents)
    for stage in ("pii", "pii_kept", "word_removal", "dedup", "profiles"):
        path = join(out, "stats", f"{stage}.json")
        if exists(path):
            report[stage] = _read_json(path)
    return report


def _sorted_by_bytes(d: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return dict(sorted(d.items(), key=lambda kv: (-kv[1]["bytes"], kv[0])))


def write_report(out: str, report: dict[str, Any]) -> str:
    """Write ``report.json`` atomically (a temporary name, then a rename): the mark of a finished run."""
    path = join(out, "report.json")
    write_atomically(path, (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def describe_filters(manifest: Manifest, report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """What each quality check did per language seen in this run ("on", "off", "off (no model)", ...), so the
    report says when a filter such as perplexity was not applied."""
    from filters import describe_checks

    seen = set(report["languages"]) | {lang for lang in report["removed_by_language"] if lang}
    return {lang: describe_checks(lang, manifest.filters.params_for(lang)) for lang in sorted(seen)
            if not is_code(lang) and lang != "unknown"}

