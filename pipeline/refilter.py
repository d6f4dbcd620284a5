"""``roots refilter OUT --manifest NEW.yaml --out OUT2``: new filter cut-offs applied to a finished run, from its
attributes, without reading the raw input again and without re-running normalisation, language ID or the quality
measurements.

This module checks what may change, reads the run's files and decides which way the work is done; it imports no
Beam, so that the common case costs no Beam start-up. On this machine a change of cut-offs only is worked out in
one process from the attributes' columns (``pipeline.refilter_local``); everything else, and any distributed
runner, runs the Beam job of ``pipeline.refilter_beam``. Both write the same bytes, byte-identical to a full run
with NEW.yaml (``tests/test_refilter.py``), and both decide a document's quality verdict by :func:`stored_verdict`.

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

import pyarrow as pa

from core.errors import UserError
from core.fs import join
from filters import CUTOFF_FIELDS, FilterConfig, verdict_of
from filters.params import LanguageParams
from filters.results import Verdict
from manifests.schema import Manifest, load_manifest, parse_manifest
from pipeline.attributes import ATTRIBUTES, MANIFEST_FILE

#: stages that ran before language ID finished: what they removed is written again as it was
EARLY = ("Ingest", "Normalize")
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
def index_paths(out: str, sub: str) -> list[str]:
    path = os.path.join(out, sub, "index.json")
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [os.path.join(out, sub, s["path"]) for s in json.load(f)["shards"]]


def arrow_rows(path: str) -> Iterator[dict[str, Any]]:
    with pa.memory_map(path) as src:
        yield from pa.ipc.open_file(src).read_all().to_pylist()


def jsonl_rows(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        yield from (json.loads(line) for line in f if line.strip())


def stored_verdict(measures: dict[str, float | None], config: FilterConfig, params: LanguageParams,
                   checks: frozenset[str] | None) -> Verdict:
    """The quality filter's verdict on a document from its stored check values: the profile's ``small_document``
    check first (its value is the stored word count), then ``filters.verdict_of`` with the new cut-offs."""
    words = measures["number_words"]
    if checks is not None and "small_document" in checks and words < config.small_document_min_words:
        return Verdict(False, "small_document", words)
    return verdict_of(measures, params, checks)


# ------------------------------------------------------------------------------------------------ carried documents


# ------------------------------------------------------------------------------------------------ the command
def refilter(run_out: str, manifest_path: str, out: str, beam_args: Sequence[str] = (), overwrite: bool = False,
             progress: bool = True, beam_job: bool = False) -> dict[str, Any]:
    """Apply ``manifest_path``'s cut-offs to the finished run in ``run_out``, writing a complete run into ``out``;
    returns its report. On this machine a change of cut-offs only is worked out in this process, from the
    attributes' columns (``pipeline.refilter_local``); anything else, or ``beam_job``, runs the Beam job
    (``pipeline.refilter_beam``). Beam is imported only when Beam options are given or the job runs."""
    from pipeline.outputs import prepare_out, write_marker
    from pipeline.refilter_local import refilter_here, why_not_local
    from reports import publish
    from reports.build import build_report, describe_filters

    run_out, out = os.path.abspath(run_out), os.path.abspath(out)
    if run_out == out:
        raise UserError(f"--out {out}: is the run being refiltered; choose another folder")
    old = run_manifest(run_out)
    new = load_manifest(manifest_path)
    check_refilterable(old, new, manifest_path)
    options = _beam_options(beam_args) if beam_args else None  # None: no options, the direct runner
    why = "--beam" if beam_job else why_not_local(old, new, run_out, out, options is None or _is_direct(options))
    prepare_out(out, manifest_path, overwrite)
    write_marker(out, manifest_path)
    os.makedirs(os.path.join(out, "stats"), exist_ok=True)
    shutil.copyfile(os.path.join(run_out, "stats", "ingest.json"), os.path.join(out, "stats", "ingest.json"))
    if why is None:
        if progress:
            print(f"roots: refiltering {run_out} with {manifest_path} in this process, from the attributes",
                  file=sys.stderr)
        refilter_here(run_out, new, out)
    else:
        from pipeline.refilter_beam import beam_job as run_job

        if progress:
            print(f"roots: refiltering {run_out} with {manifest_path} as a Beam job ({why})", file=sys.stderr)
        run_job(run_out, old, new, out, options if options is not None else _beam_options(beam_args))
    report = build_report(out, new.name)
    report["filters"] = describe_filters(new, report)
    publish(out, report)
    return report


def _beam_options(beam_args: Sequence[str]):
    """The Beam options of the command line (checked: a misspelt option is one clear error), workers' logs quiet."""
    from pipeline.beam_options import check_beam_options

    args = list(beam_args)
    if not any(a.startswith("--default_sdk_harness_log_level") for a in args):
        args.append("--default_sdk_harness_log_level=ERROR")
    return check_beam_options(args)


def _is_direct(options) -> bool:
    from pipeline.run import runner_kind

    return runner_kind(options) in ("direct", "fnapi")
