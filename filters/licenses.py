"""Code licences: naming a licence text by its SPDX id, and deciding whether a file's licence is allowed.

The Stack kept permissively licensed repositories only; ROOTS meant to filter its GitHub code the same way and, by
a bug its script admits, kept GPL files only. ``filters.code.licenses`` lists the SPDX ids a corpus accepts; a file
is kept when its licence (an SPDX id or expression, from a parquet column or a LICENSE/COPYING file next to it)
is satisfied by that list, removed as ``license`` when it is not, and as ``license_unknown`` when it has none or
one nobody can name.

Licence texts are matched with askalono (``pyaskalono``: the SPDX licence texts are inside its wheel, so it works
offline) and expressions are parsed with ``license-expression`` (SPDX ids, case, deprecated ids such as
``GPL-3.0`` -> ``GPL-3.0-only``, ``AND`` / ``OR`` / ``WITH``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

#: askalono score from which a text counts as that licence (its own CLI uses 0.8 for "probably")
MIN_SCORE = 0.9
#: file names (lower case, without extension) that hold a folder's or repository's licence
LICENSE_FILE = re.compile(
    r"^(?:license|licence|copying|unlicense)(?:[-_][a-z0-9]+)*"
    r"(?:\.(?:txt|md|rst|markdown|text|mit|apache|apache2|bsd|gpl|lgpl|lesser|\d+))*$",
    re.IGNORECASE,
)

LICENSE = "license"
LICENSE_UNKNOWN = "license_unknown"


@functools.cache
def _licensing():
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def is_license_file(name: str) -> bool:
    """``LICENSE``, ``LICENSE.md``, ``COPYING``, ``LICENCE-MIT``...: a file that states a licence."""
    return LICENSE_FILE.match(name.rsplit("/", 1)[-1]) is not None


def identify_text(text: str) -> str | None:
    """The SPDX id of a licence text, or ``None`` when askalono is not confident enough."""
    import askalono

    if not text.strip():
        return None
    try:
        match = askalono.identify(text)
    except Exception:  # noqa: BLE001 - a text askalono cannot process is an unknown licence, not a crash
        return None
    return match.name if match.score >= MIN_SCORE else None


def normalize_expression(expression: str) -> str | None:
    """``expression`` in canonical SPDX form (``mit or apache-2.0`` -> ``MIT OR Apache-2.0``), ``None`` if it is
    not a valid expression of known ids."""
    info = _licensing().validate(expression)
    if info.errors or not info.normalized_expression:
        return None
    return info.normalized_expression


def allowed_set(ids: Iterable[str], where: str = "filters.code.licenses") -> frozenset[str]:
    """Canonical SPDX keys of a manifest's licence list; an unknown id is a ``ValueError`` naming ``where``."""
    out = set()
    for spdx in ids:
        canonical = normalize_expression(spdx)
        if canonical is None or " " in canonical:
            raise ValueError(f"{where}: {spdx!r} is not an SPDX licence id (e.g. MIT, Apache-2.0, BSD-3-Clause)")
        out.add(canonical)
    return frozenset(out)


def license_verdict(license_value: str | None, allowed: frozenset[str]) -> tuple[str | None, str | None]:
    """``(reason, canonical licence)``: reason ``None`` keeps the file, ``license`` or ``license_unknown`` removes it.

    An expression is satisfied when its ``OR`` has one satisfied branch and its ``AND`` all of them; ``X WITH
    exception`` counts as ``X``.
    """
    if not license_value or not str(license_value).strip():
        return LICENSE_UNKNOWN, None
    canonical = normalize_expression(str(license_value))
    if canonical is None:
        return LICENSE_UNKNOWN, str(license_value)
    ok = _satisfied(_licensing().parse(canonical), allowed)
    return (None if ok else LICENSE), canonical


def _satisfied(expr, allowed: frozenset[str]) -> bool:
    from license_expression import LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(expr, LicenseWithExceptionSymbol):
        return expr.license_symbol.key in allowed
    if isinstance(expr, LicenseSymbol):
        return expr.key in allowed
    results = [_satisfied(a, allowed) for a in expr.args]
    return any(results) if expr.operator.strip() == "OR" else all(results)
