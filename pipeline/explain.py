"""``roots explain``: why would this document be kept or removed?

Runs one document through the same steps as the pipeline (normalisation, language ID, the manifest's filter
parameters for that language, or the code filters for a code file) and prints every filter's value, threshold and
verdict, so a user tuning a manifest sees exactly which check decides.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import UserError


def explain_document(manifest_path: str, text: str, language: str | None = None,
                     path: str | None = None) -> dict:
    """The verdict of every filter for one document, as the pipeline with this manifest would apply them."""
    from filters import code_explain, explain, modify_batch, normalize_text
    from manifests.schema import load_manifest
    from core.languages import programming_language
    from pipeline.langid import identify_batch, load_model

    manifest = load_manifest(manifest_path)
    if manifest.normalize.enabled:
        text = normalize_text(text)
    pl = programming_language(path) if path else None
    if pl:
        results = code_explain(text, path, manifest.filters.code)
        return {"language": f"code-{pl}", "lid_score": None, "results": results}
    (lang, score), = identify_batch(load_model(manifest.lid.model), [text], [language], manifest.lid.max_chars)
    params = manifest.filters.params_for(lang)
    text = modify_batch([text], params)[0]
    return {"language": lang, "lid_score": score, "results": explain(text, lang, params, score),
            "allowed": not manifest.languages or lang in manifest.languages}


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
    res = explain_document(args.manifest, text, args.language, args.path or args.file)
    console = Console()
    score = "" if res["lid_score"] is None else f" (lid score {res['lid_score']:.3f})"
    console.print(f"language: [bold]{res['language']}[/bold]{score}")
    table = Table()
    for col in ("filter", "value", "keep if", "threshold", "verdict"):
        table.add_column(col)
    first_fail = None
    for r in res["results"]:
        verdict = {True: "[green]pass[/green]", False: "[red]FAIL[/red]", None: f"skipped {r.note}".strip()}[r.passed]
        table.add_row(r.name, _fmt(r.value), r.comparison, _fmt(r.threshold), verdict)
        if r.passed is False and first_fail is None:
            first_fail = r.name
    console.print(table)
    if res.get("allowed") is False:
        console.print("verdict: [red]removed[/red] (reason: language, not in the manifest's languages)")
    elif first_fail:
        console.print(f"verdict: [red]removed[/red] (reason: {first_fail}, the first failing check)")
    else:
        console.print("verdict: [green]kept[/green] (deduplication is decided across the corpus, not here)")
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

