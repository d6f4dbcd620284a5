"""``roots refilter OUT --manifest NEW.yaml --out OUT2``: new filter cut-offs applied to a finished run, from its
attributes, without reading the raw input again and without re-running normalisation, language ID or the quality
measurements.

The job is the run's own pipeline (``pipeline.run.build_pipeline``) with its first stages replaced:

```
ReadRun (shards/ + removed/ + dead_letter/ + attributes/, joined by id) ─▶ LanguageFilter ─▶ PiiRedact ─▶
QualityFilter (stored values, new cut-offs) ─▶ TemplateLines ─▶ Dedup ─▶ the same writers
```

``ReadRun`` gives back every document as it left language ID: its text is the written one with the attributes'
``restore`` patches undone (``filters.restore``), so it is byte for byte the text PII redaction saw. Documents
removed while reading or normalising are written again as they were; dead-lettered ones stay dead letters. The
quality filter decides from the stored check values with the new cut-offs (code files keep their verdict); PII
redaction (before it, as in a run), ROOTS' word removal and template lines run again on the new survivors, and dedup
is recomputed over them from their texts (its inputs: MinHash signatures are not stored, at 4 bytes per permutation
a document they would cost more than the attributes' byte budget), so clusters stay exact. The output is
byte-identical to a full run with NEW.yaml (``tests/test_refilter.py``).

Only what the stored values can answer may change: quality cut-offs (``*_cutoff`` fields under
``filters.defaults`` and ``filters.languages``, ``filters.small_document_min_words``), a narrower ``languages``
allow-list, ``dedup``, ``output.shard_bytes``, ``attributes`` and ``name``. Anything else (sources, normalisation,
LID, word lists, the modifying step, PII, profiles, code filters...) is refused with the field that differs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import apache_beam as beam
import pyarrow as pa

from core.errors import UserError
from core.fs import join
from core.languages import is_code
from filters import CUTOFF_FIELDS, NL_CHECKS, FilterConfig, remove_words_batch, verdict_of
from filters.restore import restore
from manifests.schema import Manifest, load_manifest, parse_manifest
from pipeline.attributes import ATTRIBUTES, MANIFEST_FILE
from pipeline.quality import removed_words_tallies, summarise_word_removal
from pipeline.stage import REMOVED, BatchFn, BatchStage, Profiles, Record, Removal, StageOutput, Tally, with_text

#: stages that ran before language ID finished: what they removed is written again as it was
_EARLY = ("Ingest", "Normalize")
#: manifest fields refilter may change, besides the cut-offs inside filters.defaults / filters.languages
_FREE = ("name", "languages", "dedup", "attributes")


# ------------------------------------------------------------------------------------------------ the manifests
def run_manifest(out: str) -> Manifest:
    """The validated manifest a finished run in ``out`` was made with (``attributes/manifest.json``)."""
    path = join(out, ATTRIBUTES, MANIFEST_FILE)
    if not os.path.isfile(os.path.join(out, "report.json")):
        raise UserError(f"{out}: no finished roots run here (no report.json); run `roots run MANIFEST --out {out}`")
    if not os.path.isfile(path):
        raise UserError(f"{out}: the run has no attributes ({path} is missing): run it again with "
                        "`attributes: {enabled: true}` (the default) to refilter it")
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    return parse_manifest(saved["manifest"], path, saved["base_dir"])


def _fixed_part(m: Manifest) -> dict[str, Any]:
    """What refilter cannot change: the manifest without its free fields and cut-offs, with every language's
    effective parameters (shipped defaults merged with the manifest's) minus their cut-offs."""
    d = m.model_dump(mode="json")
    for name in _FREE:
        d.pop(name, None)
    d["output"].pop("shard_bytes", None)
    filters = d["filters"]
    for name in ("defaults", "languages", "small_document_min_words"):
        filters.pop(name, None)
    d["filters"] = filters
    d["base_dir"] = m.base_dir
    return d


def _effective(m: Manifest, languages: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each language's effective filter parameters without the cut-offs."""
    out = {}
    for lang in languages:
        params = m.filters.params_for(lang).model_dump(mode="json")
        out[lang] = {k: v for k, v in params.items() if k not in CUTOFF_FIELDS}
    return out


def _first_difference(a: Any, b: Any, path: str) -> tuple[str, Any, Any] | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            found = _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    return None if a == b else (path, a, b)


def check_refilterable(old: Manifest, new: Manifest, new_path: str) -> None:
    """A ``UserError`` naming the first field of ``new`` that refilter cannot apply to a run made with ``old``."""
    hint = ("roots refilter applies new quality cut-offs (*_cutoff, filters.small_document_min_words), a narrower "
            "`languages` list and `dedup` settings; for anything else run `roots run` with the new manifest")
    if old.base_dir != new.base_dir:
        raise UserError(f"{new_path}: must sit in the same folder as the run's manifest ({old.base_dir}): document "
                        "ids and locators are paths relative to the manifest's folder")
    found = _first_difference(_fixed_part(old), _fixed_part(new), "")
    langs = sorted({"xx", *old.filters.languages, *new.filters.languages})  # xx: a language with no entry
    found = found or _first_difference(_effective(old, langs), _effective(new, langs), "filters.languages")
    if found:
        where, was, now = found
        raise UserError(f"{new_path}: {where}: {json.dumps(was)} in the run, {json.dumps(now)} here; {hint}")
    if old.languages is not None and (new.languages is None or not set(new.languages) <= set(old.languages)):
        added = ("every language" if new.languages is None
                 else ", ".join(sorted(set(new.languages) - set(old.languages))))
        raise UserError(f"{new_path}: languages: allows {added}, which the run removed before measuring it; "
                        f"{hint}")


# ------------------------------------------------------------------------------------------------ reading the run
def _index_paths(out: str, sub: str) -> list[str]:
    path = os.path.join(out, sub, "index.json")
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [os.path.join(out, sub, s["path"]) for s in json.load(f)["shards"]]


def _arrow_rows(path: str) -> Iterator[dict[str, Any]]:
    with pa.memory_map(path) as src:
        yield from pa.ipc.open_file(src).read_all().to_pylist()


def _jsonl_rows(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        yield from (json.loads(line) for line in f if line.strip())


def _keyed(rows: Iterator[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    return ((r["id"], r) for r in rows)


def _measures(attr: dict[str, Any]) -> dict[str, float | None] | None:
    if attr["stage"] in (*_EARLY, "LanguageFilter") or is_code(attr["language"]):
        return None
    return {name: attr[name] for name in NL_CHECKS}


def _replay(item: tuple[str, dict[str, Any]]) -> Iterator[Any]:
    """One document of the finished run (its attributes row and its shard or removed row) → the record as it left
    language ID (with ``measures`` and, for code, its stored verdict), or its early removal as it was."""
    doc_id, joined = item
    attrs, rows = list(joined["attr"]), [*joined["kept"], *joined["removed"]]
    if len(attrs) != 1 or len(rows) != 1:
        raise ValueError(f"refilter: document {doc_id} has {len(attrs)} attributes rows and {len(rows)} output rows")
    attr, row = attrs[0], rows[0]
    if attr["stage"] in _EARLY:
        yield beam.pvalue.TaggedOutput(REMOVED, {**row, "value": json.loads(row["value"]), "language":
                                                 row["language"] or None})
        return
    patches = json.loads(attr["restore"]) if attr["restore"] else []
    rec = {"id": doc_id, "text": restore(row["text"], patches), "source": row["source"], "locator": attr["locator"],
           "language": attr["language"], "lid_score": attr["lid_score"], "lid_model": attr["lid_model"],
           "meta": row["meta"], "stored_measures": _measures(attr)}
    if attr["stage"] == "QualityFilter" and is_code(attr["language"]):
        rec["stored_verdict"] = (row["reason"], json.loads(row["value"]))
    yield rec


class ReadRun(beam.PTransform):
    """A finished run's documents, joined with their attributes by id → a ``StageOutput``: the records as they left
    language ID (kept), the documents removed while reading or normalising (removed, as they were) and the dead
    letters (failed, as they were)."""

    def __init__(self, run_out: str):
        super().__init__()
        self.run_out = run_out

    def _read(self, p: beam.Pipeline, sub: str, reader) -> beam.PCollection:
        return (p | f"{sub}Files" >> beam.Create(_index_paths(self.run_out, sub))
                | f"Read{sub}" >> beam.FlatMap(lambda path: _keyed(reader(path))))

    def expand(self, p: beam.Pipeline) -> StageOutput:
        joined = (
            {"attr": self._read(p, ATTRIBUTES, _arrow_rows), "kept": self._read(p, "shards", _arrow_rows),
             "removed": self._read(p, "removed", _arrow_rows)}
            | "JoinById" >> beam.CoGroupByKey()
            | "Replay" >> beam.FlatMap(_replay).with_outputs(REMOVED, main="kept")
        )
        dead = (p | "DeadLetterFiles" >> beam.Create(_index_paths(self.run_out, "dead_letter"))
                | "ReadDeadLetters" >> beam.FlatMap(_jsonl_rows))
        return StageOutput(joined.kept, joined[REMOVED], dead)


class StoredFilterFn(BatchFn):
    """The quality filter's verdict from stored check values and the new cut-offs (``filters.verdict_of``, after
    the profile's ``small_document`` check); kept documents then go through ROOTS' word removal, as in a run."""

    def __init__(self, config: FilterConfig, profiles: Profiles, record: bool):
        self.config, self.profiles, self.record = config, profiles, record

    def _one(self, rec: Record) -> Iterator[Record | Removal | Tally]:
        stored = rec.pop("stored_verdict", None)
        measures = rec.pop("stored_measures", None)
        if self.record and measures is not None:
            rec["measures"] = measures
        language = rec["language"] or "unknown"
        if is_code(language):
            yield Removal(rec, *stored) if stored else rec
            return
        checks = None if self.profiles is None else self.profiles.get(rec.get("source"))
        params = self.config.params_for(language)
        text, removed = rec["text"], {}
        if checks is None or "remove_words" in checks:
            ((text, removed),) = remove_words_batch([text], params)
        words = measures["number_words"]
        if checks is not None and "small_document" in checks and words < self.config.small_document_min_words:
            yield Removal(rec, "small_document", words)
            return
        verdict = verdict_of(measures, params, checks)
        if not verdict.keep:
            yield Removal(rec, verdict.reason, verdict.value)
            return
        yield from removed_words_tallies(language, removed)
        yield with_text(rec, text, self.record)

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Removal | Tally]:
        for rec in batch:
            yield from self._one(dict(rec))


class StoredQuality(BatchStage):
    """``QualityFilter`` in a refilter: stored values, new cut-offs."""

    name = "QualityFilter"

    def __init__(self, config: FilterConfig, profiles: Profiles, record: bool):
        super().__init__()
        self.config, self.profiles, self.record = config, profiles, record

    def batch_fn(self) -> BatchFn:
        return StoredFilterFn(self.config, self.profiles, self.record)

    def summarise(self, pipeline, tallies):
        return None if tallies is None else summarise_word_removal(tallies)


# ------------------------------------------------------------------------------------------------ the command
def refilter(run_out: str, manifest_path: str, out: str, beam_args: Sequence[str] = (), overwrite: bool = False,
             progress: bool = True) -> dict[str, Any]:
    """Apply ``manifest_path``'s cut-offs to the finished run in ``run_out``, writing a complete run into ``out``;
    returns its report."""
    from pipeline.beam_options import check_beam_options
    from pipeline.run import build_pipeline, describe_filters, make_runner, prepare_out, write_marker
    from reports import publish
    from reports.build import build_report

    run_out, out = os.path.abspath(run_out), os.path.abspath(out)
    if run_out == out:
        raise UserError(f"--out {out}: is the run being refiltered; choose another folder")
    old = run_manifest(run_out)
    new = load_manifest(manifest_path)
    check_refilterable(old, new, manifest_path)
    args = list(beam_args)
    if not any(a.startswith("--default_sdk_harness_log_level") for a in args):
        args.append("--default_sdk_harness_log_level=ERROR")
    options = check_beam_options(args)
    prepare_out(out, manifest_path, overwrite)
    write_marker(out, manifest_path)
    os.makedirs(os.path.join(out, "stats"), exist_ok=True)
    shutil.copyfile(os.path.join(run_out, "stats", "ingest.json"), os.path.join(out, "stats", "ingest.json"))
    record = new.attributes.enabled
    replace = {
        "Ingest": lambda ctx: ReadRun(run_out),
        "Normalize": lambda ctx: None,
        "LanguageId": lambda ctx: None,
        "QualityFilter": lambda ctx: StoredQuality(ctx.manifest.filters, ctx.manifest.source_profiles(), record),
    }
    if progress:
        print(f"roots: refiltering {run_out} with {manifest_path}", file=sys.stderr)
    p = beam.Pipeline(runner=make_runner(options), options=options)
    build_pipeline(p, new, [], out, None, replace)
    state = p.run().wait_until_finish()
    if state is not None and str(state) not in ("DONE", "PipelineState.DONE"):
        raise UserError(f"the Beam job ended in state {state}: {out} has no report.json; run the same command again")
    report = build_report(out, new.name)
    report["filters"] = describe_filters(new, report)
    publish(out, report)
    return report
