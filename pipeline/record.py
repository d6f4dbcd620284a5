"""The document record between stages and the batch function every per-document stage supplies, without Beam:
``pipeline.stage`` builds the stages' transforms on them, and what runs outside a job (``roots explain``, the
in-process ``roots refilter``) uses them without importing Apache Beam (about 2 CPU seconds).

The record (a plain ``dict``) between stages:

``id``         stable hex id: sha1 of source name + locator, so reruns and any worker count give the same id
``text``       the document text
``source``     the manifest source name
``locator``    where it came from: ``<file>#record=<n>``, ``<archive>!<member>``, ``<file>`` ...
``language``   LID code (``en``, ``zh-hans``) or ``code-<pl>``; ``None`` before language ID
``lid_score``  LID confidence in ``language``; ``None`` for code, and for a fixed language no model knows
``lid_model``  which model decided ``language`` (``lid.176``, ``cld2``, ``source``); set by language ID
``meta``       JSON string of the input record's other fields (for code: ``{"path": ...}``)
``path``       the file path inside the dump, code only (``None`` otherwise)

With attributes on (``pipeline.attributes``), stages also add what they measured: ``measures`` (each quality
check's value), ``pii`` (replacements per category), ``word_removal`` (:data:`WORD_REMOVAL`), ``restore``
(patches back to the text that left language ID, one per stage that changed the text: :func:`with_text`),
``exact_cluster``, ``near_cluster`` and ``dedup_keys`` (:data:`DEDUP_KEYS`).

A removed record adds ``reason`` (str), ``value`` (JSON-serialisable measure, may be ``None``) and ``stage`` (the
name of the stage that removed it, as in the job graph); a failed one adds ``error`` (str, starting with the
stage's name) and ``stage``. Stages add fields; none drops one silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, NamedTuple

from filters.restore import text_patch

Record = dict[str, Any]


REMOVED = "removed"


#: the record field dedup leaves with attributes on: ``(exact key bytes, packed LSH band keys)``, either ``None``
DEDUP_KEYS = "dedup_keys"


#: the record field the quality filter leaves on a kept document with attributes on, where ROOTS' word removal
#: ran: the words it took, per reason (``{"too_long": 2}``)
WORD_REMOVAL = "word_removal"


FAILED = "failed"


STATS = "stats"


#: which checks each source runs under (``{source: checks}``, from its filter profile); ``None``: all checks
Profiles = dict[str, frozenset[str]] | None


def runs(profiles: Profiles, rec: Record, check: str) -> bool:
    """Whether ``rec``'s source has ``check`` in its filter profile (every check when there are no profiles, or
    for a record of no manifest source, such as the one ``roots explain`` makes: the default ``web`` profile)."""
    checks = None if profiles is None else profiles.get(rec.get("source"))
    return checks is None or check in checks


class Removal(NamedTuple):
    """What a :class:`BatchFn` yields for a document it removes."""

    record: Record
    reason: str
    value: Any = None


class Tally(NamedTuple):
    """A count a :class:`BatchFn` yields beside its documents (summed per key into the stage's ``stats``); a key is
    a string or a tuple of strings (word removal: ``(language, reason)``)."""

    key: str | tuple[str, ...]
    n: int


class BatchFn:
    """A function of a batch of records: yields, per input document, the kept record (a ``dict``) or a
    :class:`Removal`, and any number of :class:`Tally` counts. ``setup`` loads models once per worker.

    It must be a pure function of its batch (and side inputs): the base may call it again on each document alone
    when the batch raised, and ``roots explain`` calls it on one document."""

    def setup(self) -> None:
        """Load what the function needs (a model); called once per worker before the first batch."""

    def __call__(self, batch: list[Record], **side: Any) -> Iterable[Record | Removal | Tally]:
        raise NotImplementedError


def doc_id(source: str, locator: str) -> str:
    """Stable 16-hex-digit id of a document (never Python's salted ``hash``)."""
    return hashlib.sha1(f"{source}\x00{locator}".encode()).hexdigest()[:16]


def removed(record: Record, reason: str, value: Any = None, **extra: Any) -> Record:
    """A copy of ``record`` marked as removed for ``reason`` with the measured ``value``."""
    return {**record, "reason": reason, "value": value, **extra}


def failed(record: Record, error: str) -> Record:
    """A copy of ``record`` marked as failed with ``error``."""
    return {**record, "error": error}


def with_text(record: Record, text: str, patch: bool) -> Record:
    """``record`` with its text changed to ``text``; with ``patch`` (attributes on) it also records in ``restore``
    how to get the old text back (``filters.restore``), so ``roots refilter`` can write it as a full run would."""
    if not patch:
        return {**record, "text": text}
    diff = text_patch(text, record["text"])
    restore = record.get("restore") or []
    return {**record, "text": text, "restore": [*restore, diff] if diff else restore}


def stamped(record: Record, stage: str) -> Record:
    """A removed or failed record with the name of the stage that routed it (the report's funnel groups by it)."""
    return {**record, "stage": stage}


def error_text(stage: str, error: BaseException) -> str:
    """The ``error`` of a document a stage raised on: the stage, the exception's type and its message."""
    return f"{stage}: {type(error).__name__}: {error}"

