"""Reading reports back: a run's ``report.json``, a report given by path (``--compare``), a tokenizer's report. Every
loader goes through ``core.fs.load_json``, so a missing or unreadable file is one ``UserError`` naming it."""

from __future__ import annotations

import os
from typing import Any

from core.errors import UserError
from core.fs import exists, is_remote, join, load_json


def load_report(out: str) -> dict[str, Any]:
    """The ``report.json`` of the run in ``out``; an unfinished run says so."""
    path = join(out, "report.json")
    if not exists(path):
        if not is_remote(out) and any(os.path.exists(os.path.join(out, p)) for p in ("stats", "shards", ".progress")):
            raise UserError(f"{out}: the run did not finish (no report.json: it was interrupted or failed); "
                            "run the same `roots run` command again")
        raise UserError(f"{out}: no report.json (is this the --out folder of a finished `roots run`?)")
    return load_json(path, "a roots report.json")


def load_report_at(path: str) -> dict[str, Any]:
    """The pipeline report of a run folder, or of a ``report.json`` path given directly."""
    if os.path.isdir(path):
        return load_report(path)
    if not os.path.exists(path):
        raise UserError(f"{path}: no such run folder or report.json")
    report = load_json(path, "a roots report.json")
    if not isinstance(report, dict) or "languages" not in report or "kept_bytes" not in report:
        raise UserError(f"{path}: not a pipeline report.json (no `languages`/`kept_bytes`); "
                        "pass the --out folder of a `roots run`")
    return report


def load_tokenizer_report(path: str) -> dict[str, Any]:
    """The ``report.json`` of a ``roots tokenizer --out DIR`` folder (or that file itself), checked for its keys."""
    file = os.path.join(path, "report.json") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise UserError(f"{file}: not found; pass the --out folder of `roots tokenizer`")
    tok = load_json(file, "a tokenizer report")
    langs = tok.get("languages") if isinstance(tok, dict) else None
    if not isinstance(langs, dict) or any("fertility_tokens_per_word" not in v for v in langs.values()):
        raise UserError(f"{file}: not a tokenizer report (no `languages` with `fertility_tokens_per_word`); "
                        "pass the --out folder of `roots tokenizer`")
    return tok
