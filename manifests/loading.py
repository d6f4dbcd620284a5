"""Reading YAML manifests and turning validation errors into messages users can act on.

Shared by the corpus manifest (``manifests/schema.py``) and the tokenizer manifest (``tokenizer/config.py``), so
both name the file, the line or the field the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.errors import UserError


def format_loc(loc: tuple) -> str:
    """A pydantic error location as the user wrote it: ``sources[1].type``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def field_errors(e: ValidationError, example: str) -> list[str]:
    """One ``field: message`` per validation error; unknown fields point at an example manifest."""
    problems = []
    for err in e.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown field (check the spelling; see {example})"
        problems.append(f"{format_loc(err['loc'])}: {msg}")
    return problems


def _yaml_error(path: Path, e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark else str(path)
    what = " ".join(filter(None, [getattr(e, "context", None), getattr(e, "problem", None)])) or str(e)
    hint = ""
    if "alias" in what or "anchor" in what:
        hint = " (quote values that start with * or &, e.g. data_files: '*.jsonl')"
    return f"{where}: not valid YAML: {what}{hint}"


def read_yaml(path: str | Path, what: str, example: str) -> Any:
    """The parsed YAML of a manifest file, or a ``UserError`` naming the file (and line) and what to do."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: {what} not found (give the path to a .yaml file, e.g. {example})")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise UserError(f"{p}: not valid UTF-8 at byte {e.start}; save the manifest as UTF-8") from None
    except yaml.YAMLError as e:
        raise UserError(_yaml_error(p, e)) from None
