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
import os
from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa

from core.errors import UserError
from core.languages import is_code, programming_language_of
from pipeline.stages import FUNNEL_OF, FUNNEL_STEPS, STAGES, stage_of_reason

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


# ------------------------------------------------------------------------------------------------ local or remote
def is_remote(path: str) -> bool:
    """``gs://...`` and other Beam filesystems, as opposed to a path on this machine."""
    return "://" in path


def join(out: str, *parts: str) -> str:
    return "/".join([out.rstrip("/"), *parts]) if is_remote(out) else os.path.join(out, *parts)


def _exists(path: str) -> bool:
    if is_remote(path):
        from apache_beam.io.filesystems import FileSystems

        return FileSystems.exists(path)
    return os.path.exists(path)


def _read_json(path: str) -> Any:
    if is_remote(path):
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.open(path) as f:
            return json.loads(f.read().decode("utf-8"))
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _read_arrow_columns(path: str, columns: list[str]) -> pa.Table:
    """Only ``columns`` of an Arrow IPC file: the reader fetches just their buffers (the removed documents' texts
    stay on disk or in the bucket)."""
    def read(source) -> pa.Table:
        names = pa.ipc.open_file(source).schema.names
        options = pa.ipc.IpcReadOptions(included_fields=[names.index(c) for c in columns])
        return pa.ipc.open_file(source, options=options).read_all().select(columns)

    if is_remote(path):
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.open(path) as f:
            return read(pa.PythonFile(f, mode="r"))
    with pa.memory_map(path) as src:
        return read(src)


def _index(out: str, sub: str) -> list[dict[str, Any]]:
    path = join(out, sub, "index.json")
    return _read_json(path)["shards"] if _exists(path) else []


def _removed_columns(out: str, shards: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(reason, language, stage) of every removed document, reading only those columns."""
    rows: list[tuple[str, str, str]] = []
    for s in shards:
        table = _read_arrow_columns(join(out, "removed", s["path"]), ["reason", "language", "stage"])
        rows.extend(zip(*(table.column(c).to_pylist() for c in ("reason", "language", "stage")), strict=True))
    return rows


def _failed_stages(out: str, shards: list[dict[str, Any]]) -> Counter:
    """Dead-letter documents per stage (the ``stage`` field of each JSON line)."""
    stages: Counter = Counter()
    for s in shards:
        path = join(out, "dead_letter", s["path"])
        if is_remote(path):
            from apache_beam.io.filesystems import FileSystems

            with FileSystems.open(path) as f:
                data = f.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
        stages.update(json.loads(line)["stage"] for line in data.splitlines() if line.strip())
    return stages


def build_report(out: str, name: str | None = None) -> dict[str, Any]:
    """Compute the report of the run in ``out`` from its written outputs."""
    stats_path = join(out, "stats", "ingest.json")
    if not _exists(stats_path):
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
    removed_docs = Counter(reason for reason, _, _ in rows)
    by_language: dict[str, Counter] = defaultdict(Counter)
    for reason, lang, _ in rows:
        by_language[lang or "unknown"][reason] += 1

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
        "funnel": funnel(input_docs, Counter((stage, reason) for reason, _, stage in rows), _failed_stages(out, dead)),
        "kept_bytes": sum(s["text_bytes"] for s in kept),
        "shards": len(kept),
    }
    for stage in ("pii", "dedup"):  # figures the stages tallied themselves
        path = join(out, "stats", f"{stage}.json")
        if _exists(path):
            report[stage] = _read_json(path)
    return report


def _sorted_by_bytes(d: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return dict(sorted(d.items(), key=lambda kv: (-kv[1]["bytes"], kv[0])))


def write_report(out: str, report: dict[str, Any]) -> str:
    """Write ``report.json`` atomically (a temporary name, then a rename): the mark of a finished run."""
    path = join(out, "report.json")
    data = (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if is_remote(out):
        from pipeline.write import write_atomically

        write_atomically(path, data)
        return path
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def load_report(out: str) -> dict[str, Any]:
    path = join(out, "report.json")
    if not _exists(path):
        if not is_remote(out) and any(os.path.exists(os.path.join(out, p)) for p in ("stats", "shards", ".progress")):
            raise UserError(f"{out}: the run did not finish (no report.json: it was interrupted or failed); "
                            "run the same `roots run` command again")
        raise UserError(f"{out}: no report.json (is this the --out folder of a finished `roots run`?)")
    return _read_json(path)


# ------------------------------------------------------------------------------------------------ terminal table
def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def render_tables(report: dict[str, Any], console=None) -> None:
    """Print languages, programming languages and removals as tables with doc and byte shares."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    total_docs, total_bytes = report["kept_docs"], report["kept_bytes"]
    for title, key in (("Languages", "languages"), ("Programming languages", "programming_languages")):
        table = Table(title=title, title_justify="left")
        for col in ("language", "docs", "docs %", "bytes", "bytes %"):
            table.add_column(col, justify="left" if col == "language" else "right")
        for lang, v in report[key].items():
            table.add_row(lang, f"{v['docs']:,}", _share(v["docs"], total_docs), _human(v["bytes"]),
                          _share(v["bytes"], total_bytes))
        if not report[key]:
            table.add_row("(none)", "", "", "", "")
        console.print(table)
    removed = Table(title="Removed", title_justify="left")
    removed.add_column("reason")
    removed.add_column("docs", justify="right")
    removed.add_column("of input", justify="right")
    for reason, n in sorted(report["removed_docs"].items(), key=lambda kv: -kv[1]):
        removed.add_row(reason, f"{n:,}", _share(n, report["input_docs"]))
    console.print(removed)
    ok = "[green]counts add up[/green]" if report["counts_add_up"] else "[bold red]COUNTS DO NOT ADD UP[/bold red]"
    console.print(
        f"input {report['input_docs']:,} = kept {report['kept_docs']:,} + removed "
        f"{sum(report['removed_docs'].values()):,} + failed {report['failed_docs']:,}: {ok}"
    )


def render_tokenizer_table(tok: dict[str, Any], console=None) -> None:
    """Print a tokenizer report's per-language fertility and tokens/byte, beside the GPT-2 baseline when present."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    console = console or Console()
    base = (tok.get("baseline_gpt2") or {}).get("languages", {})
    table = Table(title="Tokenizer (held-out documents; lower is better)", title_justify="left")
    cols = ["language", "fertility", "gpt2 fertility", "tokens/byte", "gpt2 tokens/byte", "vocab share"]
    for col in cols if base else [c for c in cols if not c.startswith("gpt2")]:
        table.add_column(col, justify="left" if col == "language" else "right")
    for lang, m in tok["languages"].items():
        b = base.get(lang, {})
        cells = [fmt(m.get("fertility_tokens_per_word")), fmt(b.get("fertility_tokens_per_word")),
                 fmt(m.get("tokens_per_byte")), fmt(b.get("tokens_per_byte")),
                 f"{100 * m.get('vocab_share', 0.0):.2f}%"]
        table.add_row(escape(lang), *(cells if base else cells[0:1] + cells[2:3] + cells[4:]))
    console.print(table)
