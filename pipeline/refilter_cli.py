"""The ``roots refilter`` command line: kept apart from ``pipeline.refilter`` (a Beam job) so that ``roots --help``
and every other command start without importing Apache Beam."""

from __future__ import annotations

import os


def _cmd_refilter(args, beam_args: list[str]) -> int:
    from pipeline.refilter import refilter

    report = refilter(args.run, args.manifest, args.out, beam_args, args.overwrite, not args.no_progress,
                      args.beam_job)
    if not args.quiet:
        from rich.console import Console

        from reports.terminal import render_tables

        render_tables(report, Console())
    print(f"shards: {os.path.join(args.out, 'shards')}  report: {os.path.join(args.out, 'report.json')}")
    return 0 if report["counts_add_up"] else 1


def register(sub) -> None:
    import argparse

    p = sub.add_parser(
        "refilter", help="apply new filter cut-offs to a finished run, from its attributes",
        description="Write into OUT2 what `roots run NEW.yaml` would write, from the finished run in OUT and its "
                    "attributes/: new quality cut-offs, a narrower `languages` list or new `dedup` settings are "
                    "applied without reading the input again or re-running language ID and the measurements; "
                    "dedup is recomputed over the new survivors. Any other change to the manifest is refused. "
                    "Unknown options are passed to Apache Beam.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", metavar="OUT", help="the --out folder of a finished `roots run` (with attributes/)")
    p.add_argument("--manifest", required=True, metavar="NEW.yaml",
                   help="the manifest with the new cut-offs, in the same folder as the run's manifest")
    p.add_argument("--out", required=True, metavar="OUT2", help="output folder of the refiltered run")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier roots output in OUT2")
    p.add_argument("--beam", dest="beam_job", action="store_true",
                   help="run the refilter as a Beam job even on this machine (what it does on a distributed "
                        "--runner, or when more than cut-offs change); by default a change of cut-offs only is "
                        "worked out in this process from the attributes, with the same result")
    p.add_argument("--no-progress", action="store_true", help="do not print progress")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the summary tables")
    p.set_defaults(func=_cmd_refilter, beam=True)
