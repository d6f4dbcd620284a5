"""The ``roots explain`` command line: kept apart from ``pipeline.explain`` so that ``roots --help`` and every
other command start without importing Apache Beam (about 2-3 s of CPU), which ``pipeline.explain`` needs."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import UserError


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, tuple | list):
        return ", ".join(_fmt(x) for x in v) if v else "-"
    return str(v)


def _cmd_explain(args: argparse.Namespace, beam_args: list[str]) -> int:
    from rich.console import Console
    from rich.table import Table

    if (args.text is None) == (args.file is None):
        raise UserError("give the document with --text TEXT or --file PATH (one of them)")
    if args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"{args.file}: cannot read as UTF-8 text ({e})") from None
    else:
        text = args.text
    from pipeline.explain import explain_document

    res = explain_document(args.manifest, text, args.language, args.path or args.file, code=bool(args.path))
    console = Console()
    score = "" if res["lid_score"] is None else f" (lid score {res['lid_score']:.3f})"
    console.print(f"language: [bold]{res['language']}[/bold]{score}")
    table = Table()
    for col in ("filter", "value", "keep if", "threshold", "verdict"):
        table.add_column(col)
    for r in res["results"]:
        verdict = {True: "[green]pass[/green]", False: "[red]FAIL[/red]", None: f"skipped {r.note}".strip()}[r.passed]
        table.add_row(r.name, _fmt(r.value), r.comparison, _fmt(r.threshold), verdict)
    if res["results"]:
        console.print(table)
    v = res["verdict"]
    if v["kept"]:
        across = f" (decided across the corpus, not here: {', '.join(res['across'])})" if res["across"] else ""
        console.print(f"verdict: [green]kept[/green]{across}")
    else:
        console.print(f"verdict: [red]removed[/red] by {v['stage']} (reason: {v['reason']}, value: {_fmt(v['value'])})")
    return 0


def register(sub) -> None:
    p = sub.add_parser("explain", help="show each filter's value, threshold and verdict for one document",
                       description="Run one document through normalisation, language ID and the filters configured "
                                   "in MANIFEST, and print every check's value, threshold and verdict.")
    p.add_argument("manifest", help="corpus manifest whose filter parameters to use")
    p.add_argument("--text", help="the document text")
    p.add_argument("--file", help="read the document from this file (its name also picks code filters)")
    p.add_argument("--language", help="skip language ID and use this language code")
    p.add_argument("--path", help="treat the text as this code file (e.g. src/main.py) and apply the code filters")
    p.set_defaults(func=_cmd_explain)

