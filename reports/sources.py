"""Per source: what came in and where it went; per removal reason: a few of the documents it took; per source: the
errors its dead letters share. Read from what the run wrote, like the rest of the report.

``report.json`` gains (extension, nothing renamed):

* ``per_source``: source → ``{input, kept, removed, failed, counts_add_up, removed_by_reason, top_errors}``.
  ``top_errors`` groups the source's dead letters by the shape of their error (the file, member and numbers
  replaced by ``<input>`` and ``N``, so "a.jsonl:16: malformed JSON" and "b.jsonl:40: malformed JSON" are one
  error), most frequent first (at most ``TOP_ERRORS``), each with the dead letter of smallest id as its example.
* ``removed_examples``: reason → the ``EXAMPLES`` removed documents of smallest id (``id``, ``source``,
  ``language``, ``stage``, ``locator``, ``value``, ``duplicate_of`` for duplicates, ``text_chars`` and
  ``excerpt``: the first ``EXCERPT_CHARS`` characters, at most ``EXCERPT_LINES`` lines, of the text, "…" when it
  goes on, with PII replaced as ROOTS replaces it in kept text, since the report is a page people share).
  Smallest ids make the choice deterministic and cheap: only each removed shard's ``id`` column is scanned, then
  the record batches holding the few chosen rows are read.
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import pyarrow as pa

EXAMPLES = 3
TOP_ERRORS = 5
EXCERPT_CHARS = 300
EXCERPT_LINES = 8
_MARGIN = 64
#: the removed-shard columns an example shows (besides ``text``, which becomes its excerpt)
EXAMPLE_FIELDS = ("id", "source", "language", "stage", "locator", "value", "duplicate_of")

#: a number standing alone (not the 8 of UTF-8 or the 2 of x2)
_NUMBER = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w])")


# ------------------------------------------------------------------------------------------------ dead letters
def error_pattern(error: str, locator: str | None) -> str:
    """The shape of a dead letter's error: its input's name (file, archive member) and numbers replaced."""
    text = error or ""
    where = (locator or "").split("#", 1)[0]
    for name in sorted({where, where.split("!", 1)[0]} - {""}, key=len, reverse=True):
        text = text.replace(name, "<input>")
    return _NUMBER.sub("N", text)


class DeadLetterTally:
    """Dead letters, one at a time: counts per stage and source, and per source the errors by shape."""

    def __init__(self) -> None:
        self.stages: Counter = Counter()
        self.sources: Counter = Counter()
        self._errors: dict[str, Counter] = defaultdict(Counter)
        self._example: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, rec: dict[str, Any]) -> None:
        source = rec.get("source") or "unknown"
        self.stages[rec.get("stage")] += 1
        self.sources[source] += 1
        pattern = error_pattern(rec.get("error") or "", rec.get("locator"))
        self._errors[source][pattern] += 1
        key = (source, pattern)
        held = self._example.get(key)
        if held is None or str(rec.get("id")) < str(held["id"]):
            self._example[key] = {"id": rec.get("id"), "locator": rec.get("locator"), "error": rec.get("error")}

    def top_errors(self, source: str, k: int = TOP_ERRORS) -> list[dict[str, Any]]:
        ranked = sorted(self._errors.get(source, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [{"error": p, "docs": n, "example": self._example[(source, p)]} for p, n in ranked]


def per_source(inputs: dict[str, int], kept: Counter, removed: Iterable[tuple[str, str]],
               dead: DeadLetterTally) -> dict[str, dict[str, Any]]:
    """``per_source`` from the Ingest tally (``inputs``), kept documents per source, (reason, source) of every
    removed document and the dead letters."""
    by_reason: dict[str, Counter] = defaultdict(Counter)
    for reason, source in removed:
        by_reason[source or "unknown"][reason] += 1
    out = {}
    for source in sorted(set(inputs) | set(kept) | set(by_reason) | set(dead.sources)):
        n_removed = sum(by_reason[source].values())
        entry = {"input": inputs.get(source, 0), "kept": kept.get(source, 0), "removed": n_removed,
                 "failed": dead.sources.get(source, 0)}
        entry["counts_add_up"] = entry["input"] == entry["kept"] + n_removed + entry["failed"]
        entry["removed_by_reason"] = dict(sorted(by_reason[source].items()))
        entry["top_errors"] = dead.top_errors(source)
        out[source] = entry
    return out


# ------------------------------------------------------------------------------------------------ removed examples
def smallest_rows(source: Any, k: int, columns: list[str]) -> list[dict[str, Any]]:
    """The ``k`` rows of smallest ``id`` of one Arrow IPC file (``columns`` of them): the ``id`` column is scanned
    batch by batch, then only the record batches holding a chosen row are read, with ``columns`` only."""
    names = pa.ipc.open_file(source).schema.names
    columns = [c for c in columns if c in names]
    ids_only = pa.ipc.open_file(source, options=pa.ipc.IpcReadOptions(included_fields=[names.index("id")]))
    candidates = ((doc_id, b, row) for b in range(ids_only.num_record_batches)
                  for row, doc_id in enumerate(ids_only.get_batch(b).column(0).to_pylist()))
    chosen = heapq.nsmallest(k, candidates)
    reader = pa.ipc.open_file(source, options=pa.ipc.IpcReadOptions(
        included_fields=sorted(names.index(c) for c in columns)))
    batches: dict[int, pa.RecordBatch] = {}
    rows = []
    for _doc_id, b, row in chosen:
        if b not in batches:
            batches[b] = reader.get_batch(b)
        batch = batches[b]
        rows.append({c: batch.column(batch.schema.get_field_index(c))[row].as_py() for c in columns})
    return rows


def removed_examples(shards: list[dict[str, Any]], read_smallest: Callable[[str, int, list[str]], list[dict]],
                     k: int = EXAMPLES) -> dict[str, list[dict[str, Any]]]:
    """``removed_examples`` from the removed shards' index rows; ``read_smallest(shard_path, k, columns)`` gives a
    shard's ``k`` rows of smallest id (:func:`smallest_rows` on the opened file)."""
    from filters import redact_batch

    per_reason: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in shards:
        per_reason[s["reason"]].extend(read_smallest(s["path"], k, [*EXAMPLE_FIELDS, "text"]))
    out = {}
    for reason in sorted(per_reason):
        rows = sorted(per_reason[reason], key=lambda r: r["id"])[:k]
        texts = [r.get("text") or "" for r in rows]
        heads = [t[:EXCERPT_CHARS + _MARGIN] for t in texts]  # a margin, so PII across the cut is still found
        redacted = [text for text, _counts in redact_batch(heads)]
        out[reason] = [_example(r, red, len(t), len(t) > len(head))
                       for r, t, head, red in zip(rows, texts, heads, redacted, strict=True)]
    return out


def _example(row: dict[str, Any], text: str, full_length: int, cut: bool) -> dict[str, Any]:
    """An example from a removed row and its redacted head ``text`` (``cut``: the text went on after the head)."""
    entry = {f: row.get(f) for f in EXAMPLE_FIELDS if f not in ("value", "duplicate_of")}
    entry["value"] = _json_value(row.get("value"))
    if row.get("duplicate_of"):
        entry["duplicate_of"] = row["duplicate_of"]
    head = "\n".join(text[:EXCERPT_CHARS].split("\n")[:EXCERPT_LINES])
    entry["excerpt"] = head + ("…" if cut or len(head) < len(text) else "")
    entry["text_chars"] = full_length
    return entry


def _json_value(value: str | None) -> Any:
    """A removed row's ``value`` column holds JSON text; give back the value it encodes."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value
