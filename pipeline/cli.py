"""The ``roots`` command line.

User mistakes (a missing file, a bad manifest field, an unreadable archive) print one clear message and exit 2;
a traceback means a bug in roots.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from core.errors import UserError

DESCRIPTION = """\
roots builds a ROOTS-style training corpus: it reads the sources named in a YAML manifest (Hugging Face datasets,
local json/parquet/arrow/text/csv files, code folders and archives), identifies each document's language with
fastText lid.176, filters and deduplicates, and writes per-language Arrow shards that `datasets` loads directly,
with a report of what came in, what was removed and why, and the language distribution."""

RUN_EPILOG = """\
Beam options pass through, e.g.:
  roots run manifests/sample.yaml --out out/sample --direct_num_workers=2 --direct_running_mode=multi_processing
  roots run big.yaml --out gs://bucket/out --runner DataflowRunner --project P --region R --temp_location gs://b/tmp

Output in OUT/: shards/<lang>/<lang>-NNNNN.arrow and shards/index.json, removed/<reason>/..., dead_letter/...,
report.json, report.html, and README.md (a Hugging Face dataset card, one config per language). Load a language with:
  datasets.load_dataset("OUT", "fr", split="train")"""


def _cmd_run(args: argparse.Namespace, beam_args: list[str]) -> int:
    from rich.console import Console

    from core.fs import join
    from pipeline.run import run
    from reports.terminal import render_tables

    console = Console(stderr=False)
    report = run(args.manifest, args.out, beam_args, progress=not (args.no_progress or args.quiet),
                 verbose=args.verbose, overwrite=args.overwrite)
    if report is None:  # --dry_run=True: run() already said what it built; nothing ran, so there is no report
        return 0
    html = join(args.out, "report.html")  # run() wrote it with report.json
    if report["failed_docs"]:
        print(f"roots: {report['failed_docs']} inputs failed to read: see {os.path.join(args.out, 'dead_letter')}/ "
              "(each record names the file, line or member, and the error)", file=sys.stderr)
    if not report["counts_add_up"]:
        print("roots: the counts do not add up (input != kept + removed + failed): this is a bug, please report it "
              f"with {os.path.join(args.out, 'report.json')}", file=sys.stderr)
    if not args.quiet:
        render_tables(report, console)
        console.print(f"shards: {os.path.join(args.out, 'shards')}  report: {os.path.join(args.out, 'report.json')}"
                      + (f"  html: {html}" if html else ""), highlight=False, markup=False)
    dead = dead_sources(report)
    for line in dead:
        print(line, file=sys.stderr)
    return 0 if report["counts_add_up"] and not dead else 1


def dead_sources(report: dict, shown: int = 3) -> list[str]:
    """Lines for each source whose every document was dead-lettered (the report's ``per_source``): such a run
    exits non-zero, since its output silently lacks a whole source, and the source's top errors say why."""
    lines = []
    for name, entry in sorted((report.get("per_source") or {}).items()):
        if not entry["failed"] or entry["kept"] or entry["removed"]:
            continue
        n = entry["failed"]
        what = "its one document" if n == 1 else f"all {n} of its documents"
        lines.append(f"roots: error: source {name}: {what} failed to read, nothing of it is in the output; "
                     "its top errors (fix them and run again):")
        for err in entry["top_errors"][:shown]:  # each error's example: the concrete file and line
            what = "document" if err["docs"] == 1 else "documents"
            lines.append(f"  {err['docs']} {what}: {err['example'].get('error') or err['error']}")
    return lines


def _cmd_validate(args: argparse.Namespace, beam_args: list[str]) -> int:
    from manifests.schema import check_inputs, load_manifest

    manifest = load_manifest(args.manifest)
    # imported after loading: a bad manifest is told without Beam's import (2-3 s of CPU)
    from pipeline.ingest.hf import check_hub_sources
    from pipeline.ingest.plan import check_first_records

    problems = check_inputs(manifest)
    if not problems:  # the first records of each local source, once its files are known to be there
        problems = check_first_records(manifest)
    hub = check_hub_sources(manifest)  # opens hub datasets as planning does and reads their first records
    problems += hub.problems
    for note in hub.notes:
        print(f"{args.manifest}: note: {note}", file=sys.stderr)
    if problems:
        raise UserError("\n".join(f"{args.manifest}: {p}" for p in problems))
    print(f"{args.manifest}: ok ({len(manifest.sources)} sources: "
          + ", ".join(f"{s.name} ({s.type})" for s in manifest.sources) + ")")
    return 0


def _cmd_report(args: argparse.Namespace, beam_args: list[str]) -> int:
    from rich.console import Console

    from pipeline.tokenize import tokens_index_of
    from reports.compare import compare_reports, render_comparison
    from reports.html import write_html_report
    from reports.load import load_report, load_report_at, load_tokenizer_report
    from reports.terminal import render_tables, render_tokenizer_table
    from reports.tokens import render_tokens_table

    console = Console()
    report = load_report(args.out)
    tok = load_tokenizer_report(args.tokenizer) if args.tokenizer else None
    tokens = tokens_index_of(args.out)  # written by `roots tokenize`
    comparison = (compare_reports(report, load_report_at(args.compare), args.out, args.compare)
                  if args.compare else None)
    render_tables(report, console)
    if tok:
        render_tokenizer_table(tok, console)
    if tokens:
        render_tokens_table(tokens, report, console)
    if comparison:
        render_comparison(comparison, console)
    path = write_html_report(report, args.html or os.path.join(args.out, "report.html"), tok, comparison, tokens)
    console.print(f"html: {path}", highlight=False, markup=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roots", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show Beam's and datasets' log messages, and a traceback with an error")
    parser.add_argument("--version", action="version", version=f"roots {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("run", help="run the pipeline on a manifest",
                       description="Run the whole pipeline on MANIFEST and write shards and report.json to OUT. "
                                   "Unknown options are passed to Apache Beam.",
                       epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("manifest", help="corpus manifest (YAML), e.g. manifests/sample.yaml")
    p.add_argument("--out", required=True, help="output folder (local path, or gs://... with DataflowRunner)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier roots output in OUT (needed unless it is this manifest's own "
                        "unfinished run); files roots did not write are kept")
    p.add_argument("--no-progress", action="store_true",
                   help="do not print progress (per stage: documents done, docs/s, ETA; redrawn on a terminal, "
                        "else a line every ROOTS_PROGRESS_INTERVAL seconds, default 10)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print only warnings and errors: no progress, no summary tables")
    p.set_defaults(func=_cmd_run, beam=True)

    p = sub.add_parser("validate", help="check a manifest without running it",
                       description="Validate MANIFEST's fields and language codes, check that its local inputs "
                                   "exist, open its Hugging Face Hub datasets (offline, HF_HUB_OFFLINE=1: those in "
                                   "the cache; the others are listed as not checked), and read the first 5 records "
                                   "of every source (hub ones streamed) as a run would: a source whose records all "
                                   "fail (a wrong text_column, a code parquet without its path column) is an error "
                                   "that names the columns found.")
    p.add_argument("manifest")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("report", help="print the distribution tables of a finished run and write report.html",
                       description="Print languages and programming languages with docs, bytes and shares, and "
                                   "what was removed per reason, for the run in OUT; write the same with charts "
                                   "(language shares, the document funnel, removals per language) to "
                                   "OUT/report.html, one self-contained page.")
    p.add_argument("out", help="the --out folder of a finished `roots run`")
    p.add_argument("--compare", metavar="OTHER_OUT",
                   help="another run's --out folder (or its report.json): show per-language and per-reason deltas")
    p.add_argument("--tokenizer", metavar="DIR",
                   help="a `roots tokenizer --out` folder: add fertility and tokens/byte per language vs GPT-2")
    p.add_argument("--html", metavar="PATH", help="write the page here instead of OUT/report.html")
    p.set_defaults(func=_cmd_report)

    _register_optional(sub)
    for sp in sub.choices.values():  # `roots run ... -v` as well as `roots -v run ...`
        sp.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="show log messages, and a traceback with an error")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("roots")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _register_optional(sub) -> None:
    """Subcommands that live beside their stage (tokenizer, explain...)."""
    import importlib

    for module in ("tokenizer.cli", "pipeline.explain_cli", "pipeline.tokenize_cli", "pipeline.refilter_cli",
                   "reports.tune_cli"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module and not module.startswith(str(e.name)):
                raise
            continue
        mod.register(sub)


def _quiet_logs(verbose: bool) -> None:
    """Library chatter (Beam's worker logs, datasets' parse errors that roots reports itself) only with -v."""
    level = logging.INFO if verbose else logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    if not verbose:
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
        for name in ("apache_beam", "datasets", "fsspec", "urllib3", "huggingface_hub"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        # huggingface_hub resets its own logger's level when first used (retry warnings while the Hub is
        # unreachable): pin it, roots says what went wrong in one line
        from huggingface_hub.utils import logging as hub_logging

        hub_logging.set_verbosity(logging.CRITICAL)


#: set by the SIGINT handler: Beam re-raises a KeyboardInterrupt inside a DoFn as a RuntimeError, so the
#: exception type alone cannot tell an interrupted run from a failed one
_INTERRUPTED = threading.Event()


def _on_sigint(signum, frame) -> None:
    _INTERRUPTED.set()
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "beam", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    _quiet_logs(args.verbose)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        return args.func(args, extra)
    except UserError as e:
        if args.verbose:
            import traceback

            traceback.print_exc()
        print(f"roots: error: {e}", file=sys.stderr)
        return 2
    except BaseException:
        if not _INTERRUPTED.is_set():
            raise  # a bug in roots: the traceback is what a report needs
        if args.verbose:
            import traceback

            traceback.print_exc()
        print("roots: interrupted (the output folder is unfinished: run the same command again to redo it)",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
