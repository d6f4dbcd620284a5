"""``roots explain``: why would this document be kept or removed?

Replays the per-document stages of ``pipeline.stages.STAGES``, in their order and with the same functions the
pipeline runs (normalisation and its empty check, language ID, the language allow-list, PII redaction, the quality
or code filters with the manifest's parameters), on one document, and prints every quality check's value,
threshold and verdict, so a user tuning a manifest sees exactly which check decides. Stages that decide across the
corpus (template lines, dedup) are named as such: one document cannot tell.
"""

from __future__ import annotations

from typing import Any

from manifests.schema import Manifest
from pipeline.stage import BatchStage, Record, doc_id, run_batch_fn
from pipeline.stages import STAGES, RunContext


class Explainer:
    """The per-document stages of a manifest, built once (the LID model loads once) and replayed per record."""

    def __init__(self, manifest: Manifest):
        self.steps: list[tuple[str, BatchStage | None, Any]] = []
        ctx = RunContext(manifest)
        for stage in STAGES[1:]:  # Ingest reads files: the record is what it made of one
            transform = stage.make(ctx)
            if isinstance(transform, BatchStage) and not transform.enabled:
                self.steps.append((stage.name, transform, None))
            elif not isinstance(transform, BatchStage) or transform.corpus_level:
                self.steps.append((stage.name, None, None))
            else:
                fn = transform.batch_fn()
                fn.setup()
                self.steps.append((stage.name, transform, fn))

    def stopped_at_ingest(self, record: Record) -> dict[str, Any]:
        """The answer for a record Ingest removed or failed (a file that is not code, binary, not UTF-8...)."""
        reason = record.get("reason") or "failed"
        value = record.get("value", record.get("error"))
        return {"language": record["language"], "lid_score": None, "results": [],
                "verdict": {"kept": False, "stage": "Ingest", "reason": reason, "value": value},
                "off": [], "across": [], "text": record["text"]}

    def explain(self, record: Record) -> dict[str, Any]:
        """What the stages do to ``record``: its final ``language`` and ``lid_score``, the quality checks'
        ``results``, the ``verdict`` ({"kept": bool, "stage", "reason", "value"}), the stages that are switched
        ``off`` and those that decide ``across`` the corpus (not replayed here)."""
        results: list = []
        off: list[str] = []
        across: list[str] = []
        verdict: dict[str, Any] = {"kept": True, "stage": None, "reason": None, "value": None}
        for name, transform, fn in self.steps:
            if fn is None:
                (off if transform is not None else across).append(name)
                continue
            results.extend(transform.explain_rows(record))
            kept, gone = run_batch_fn(fn, [record])
            if gone:
                verdict = {"kept": False, "stage": name, "reason": gone[0].reason, "value": gone[0].value}
                record = gone[0].record
                break
            (record,) = kept
        return {"language": record["language"], "lid_score": record["lid_score"], "results": results,
                "verdict": verdict, "off": off, "across": across, "text": record["text"]}


def document_record(text: str, language: str | None = None, path: str | None = None) -> Record:
    """The record Ingest would make of ``text`` from a text source (``path`` only names it)."""
    locator = path or "explain"
    return {"id": doc_id("explain", locator), "text": text, "source": "explain", "locator": locator,
            "language": language, "lid_score": None, "meta": "{}", "path": None}


def code_record(manifest: Manifest, text: str, path: str) -> tuple[str, Record]:
    """What Ingest's code reader makes of ``text`` read as the file ``path``: the same function, so an ambiguous
    extension (``.h``, ``.inc``, ``.tpl``) is decided by content, and a file that is not code is removed."""
    from pipeline.ingest.code import code_document

    data = text.encode("utf-8")
    return code_document(manifest, "explain", path, path, data, len(data))


def explain_document(manifest_path: str, text: str, language: str | None = None,
                     path: str | None = None, code: bool = False) -> dict:
    """The verdict of every stage for one document, as the pipeline with this manifest would apply them.

    ``code``: ``path`` is a file of a code source (``--path``); otherwise a ``path`` that may be code (``--file``
    with a code extension) is read as one, and any other as text."""
    from manifests.schema import load_manifest
    from pipeline.ingest.code import may_be_code
    from pipeline.ingest.records import KEPT

    manifest = load_manifest(manifest_path)
    explainer = Explainer(manifest)
    if path and (code or may_be_code(path)):
        tag, record = code_record(manifest, text, path)
        if tag != KEPT:
            return explainer.stopped_at_ingest(record)
        return explainer.explain(record)
    return explainer.explain(document_record(text, language, path))
