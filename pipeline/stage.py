"""The shape every pipeline stage shares.

Each stage is a composite ``PTransform`` that takes a ``PCollection`` of document records and returns a
``StageOutput``: the documents it keeps, the ones it removed (each with ``reason`` and ``value``) and the ones that
failed (each with ``error``). Keeping one shape lets the driver chain stages and collect every removed and failed
record without knowing what a stage does, which is what makes "every input ends up in exactly one place" checkable.

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

A removed record adds ``reason`` (str) and ``value`` (JSON-serialisable measure, may be ``None``); a failed one
adds ``error`` (str). Stages add fields; none drops one silently.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import apache_beam as beam

Record = dict[str, Any]

REMOVED = "removed"
FAILED = "failed"


class StageOutput(NamedTuple):
    """The three outputs of a stage."""

    kept: beam.PCollection
    removed: beam.PCollection
    failed: beam.PCollection


def doc_id(source: str, locator: str) -> str:
    """Stable 16-hex-digit id of a document (never Python's salted ``hash``)."""
    return hashlib.sha1(f"{source}\x00{locator}".encode()).hexdigest()[:16]


def removed(record: Record, reason: str, value: Any = None, **extra: Any) -> Record:
    """A copy of ``record`` marked as removed for ``reason`` with the measured ``value``."""
    return {**record, "reason": reason, "value": value, **extra}


def failed(record: Record, error: str) -> Record:
    """A copy of ``record`` marked as failed with ``error``."""
    return {**record, "error": error}


def stage_output(outputs: Any) -> StageOutput:
    """Turn a ``ParDo(...).with_outputs(REMOVED, FAILED, main="kept")`` result into a ``StageOutput``."""
    return StageOutput(kept=outputs.kept, removed=outputs[REMOVED], failed=outputs[FAILED])
