"""The ``roots tune`` command line: kept apart from ``reports.tune`` (NumPy, Arrow, the filters) so that
``roots --help`` and every other command start without importing them."""

from __future__ import annotations


def _cmd_tune(args, beam_args: list[str]) -> int:
    from reports.tune import write_page

    path = write_page(args.out, args.html, args.language)
    print(f"tune: {path} (open it in a browser; no server needed)")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "tune", help="write a page to choose each language's filter cut-offs from a run's attributes",
        description="Write OUT/tune.html, a self-contained page (no server, no network): pick a language, see each "
                    "quality check's distribution over the run's documents with the current cut-off, the share "
                    "it removes and documents just below and above it; move a slider to try another cut-off; copy "
                    "the YAML snippet into the manifest's filters.languages, then `roots refilter`.")
    p.add_argument("out", metavar="OUT", help="the --out folder of a finished `roots run` (with attributes/)")
    p.add_argument("--html", metavar="PATH", help="write the page here instead of OUT/tune.html")
    p.add_argument("--language", action="append", metavar="LANG",
                   help="only this language (repeat for several); default: every measured language")
    p.set_defaults(func=_cmd_tune)
