"""Result types shared by the natural-language and code filters."""

from __future__ import annotations

from typing import NamedTuple


class Verdict(NamedTuple):
    """Outcome for one document: kept, or the first failing check (``reason``) and what it measured (``value``).

    ``value`` is a float for measured quantities and a string for path rules (the matched pattern). It is ``None``
    for kept documents.
    """

    keep: bool
    reason: str | None = None
    value: float | str | None = None


KEEP = Verdict(True, None, None)


class FilterResult(NamedTuple):
    """One check applied to one document, for ``explain`` output.

    ``comparison`` is how ``value`` must relate to ``threshold`` to keep the document: ``">="``, ``"<="``,
    ``"between"`` (``threshold`` is then ``(min, max)``, either may be ``None``) or ``"not"`` (path rules: the
    document is kept when ``value`` is ``None``, i.e. nothing matched). ``passed`` is ``None`` when the check was
    not applied, and ``note`` then says why: ``"off"``, ``"no list"``, ``"off (no model)"``, ``"no score"``.
    """

    name: str
    value: float | str | None
    comparison: str
    threshold: float | tuple[float | None, float | None] | list[str] | None
    passed: bool | None
    note: str = ""
