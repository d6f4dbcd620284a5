"""Compact patches that turn a document's written text back into the text it had earlier in the pipeline.

``roots refilter`` must write a document that a new threshold removes exactly as a full run would: with the text it
had when the quality filter removed it, before ROOTS' word removal and template-line removal changed it, and so it
needs the text each document had when it left language ID, before PII redaction too. Storing that text again beside
every kept document would double the output, so the stages that change a text (``PiiRedact``, ``QualityFilter``'s
word removal, ``TemplateLines``) store instead a patch from the new text back to the old one: the old lines where
the two differ (``difflib`` over lines), each changed line reduced to what lies between the prefix and suffix it
shares with its new form. All three changes are local to lines (words removed, blank lines dropped, spans replaced),
so a patch is a few bytes per change.

A patch is a JSON-ready list of ``[start, end, old_lines]``: the new text's lines ``start:end`` were
``old_lines``; an old line is a string, or ``[prefix, suffix, middle]`` when it shares ``prefix`` leading and
``suffix`` trailing characters with the one new line it replaces. :func:`restore` applies patches in the reverse
order of the stages that made them.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

Patch = list[list[Any]]


def _prefix_length(x: str, y: str) -> int:
    """Length of the common prefix of two strings, by halving with slice comparisons: each one runs in C, so a
    long line costs a few comparisons instead of a Python step per character."""
    lo, hi = 0, min(len(x), len(y))  # x[:lo] == y[:lo]; the prefix is at most hi long
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if x[lo:mid] == y[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _shared_ends(new: str, old: str) -> tuple[int, int]:
    """Lengths of the common prefix and (non-overlapping) common suffix of two strings."""
    p = _prefix_length(new, old)
    return p, _prefix_length(new[p:][::-1], old[p:][::-1])


def _old_line(new: str, old: str) -> str | list[Any]:
    p, s = _shared_ends(new, old)
    middle = old[p:len(old) - s]
    return [p, s, middle] if p + s > 8 else old


def text_patch(new: str, old: str) -> Patch | None:
    """The patch that turns ``new`` back into ``old``, or ``None`` when they are equal."""
    if new == old:
        return None
    a, b = new.split("\n"), old.split("\n")
    if len(a) == len(b):
        return _line_for_line(a, b)
    ops: Patch = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i2 - i1 == j2 - j1:
            olds = [_old_line(x, y) for x, y in zip(a[i1:i2], b[j1:j2], strict=True)]
        else:
            olds = list(b[j1:j2])
        ops.append([i1, i2, olds])
    return ops


def _line_for_line(a: list[str], b: list[str]) -> Patch:
    """The patch of two texts with as many lines, each changed in place (PII placeholders, words removed inside a
    line): one entry per run of changed lines, found without ``difflib``'s matching, which costs far more."""
    ops: Patch = []
    i, n = 0, len(a)
    while i < n:
        if a[i] == b[i]:
            i += 1
            continue
        j = i
        while j < n and a[j] != b[j]:
            j += 1
        ops.append([i, j, [_old_line(x, y) for x, y in zip(a[i:j], b[i:j], strict=True)]])
        i = j
    return ops


def apply_patch(new: str, patch: Patch) -> str:
    """``old`` from ``new`` and ``text_patch(new, old)``."""
    lines = new.split("\n")
    out: list[str] = []
    pos = 0
    for start, end, olds in patch:
        out.extend(lines[pos:start])
        for k, old in enumerate(olds):
            if isinstance(old, str):
                out.append(old)
            else:
                p, s, middle = old
                line = lines[start + k]
                out.append(line[:p] + middle + line[len(line) - s:])
        pos = end
    out.extend(lines[pos:])
    return "\n".join(out)


def restore(text: str, patches: Sequence[Patch | None]) -> str:
    """The text before every stage that recorded one of ``patches`` (in stage order) changed it."""
    for patch in reversed(patches):
        if patch:
            text = apply_patch(text, patch)
    return text
