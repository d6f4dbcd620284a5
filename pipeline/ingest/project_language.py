"""The project rule for ``.h`` files over Beam: a header whose content does not decide C or C++ takes the language
of its project, from the other files of its folder tree (``filters.code_language.project_language``).

One design for every kind of code dump (folder, archive, parquet) and every runner: after the units are read,

1. every record of a code source (kept, removed or failed: a file's name counts even when its text does not)
   gives its vote (``file_counts``) to each folder that encloses it, keyed ``source NUL folder``;
2. a ``CombinePerKey`` sums the votes per folder (combiner lifting keeps the dump's root, a hot key, cheap; only
   counts travel, never texts or member lists);
3. each undecided header looks up its enclosing folders in the sums, a multimap side input that portable runners
   serve key by key, and takes the nearest folder's lean.

Decided headers and every other record pass through untouched; the outcome depends only on the set of files, so it
is the same on any runner and worker count.
"""

from __future__ import annotations

import apache_beam as beam

from core.languages import code_language
from filters.code_language import (
    AMBIGUOUS,
    add_counts,
    ambiguous_extension,
    declares,
    file_counts,
    folders_of,
    header_evidence,
    project_language,
)

PENDING, VOTES = "pending", "votes"


def _key(source: str, folder: str) -> str:
    return f"{source}\x00{folder}"


def _votes(source: str, path: str, counts) -> list[tuple[str, tuple[int, int, int, int]]]:
    return [] if counts is None else [(_key(source, f), counts) for f in folders_of(path)]


class _SplitHeaders(beam.DoFn):
    """Kept records → votes, and the undecided ``.h`` records of code sources apart (with their own vote)."""

    def __init__(self, code_sources: frozenset[str]):
        self.code_sources = code_sources

    def process(self, rec):
        path = rec.get("path")
        if rec.get("source") not in self.code_sources or not path:
            yield rec
            return
        if ambiguous_extension(path) != ".h":
            for kv in _votes(rec["source"], path, file_counts(path)):
                yield beam.pvalue.TaggedOutput(VOTES, kv)
            yield rec
            return
        decision = header_evidence(rec.get("text") or "")
        own = file_counts(path, decision, decision is None and declares(rec.get("text") or ""))
        for kv in _votes(rec["source"], path, own):
            yield beam.pvalue.TaggedOutput(VOTES, kv)
        if decision is None:
            yield beam.pvalue.TaggedOutput(PENDING, (rec, own))
        else:
            yield rec


def _name_votes(rec, code_sources: frozenset[str]):
    """A removed or failed record's vote: its name only (no text was read, or it is not kept)."""
    path = rec.get("path")
    if rec.get("source") in code_sources and path and ambiguous_extension(path) != ".h":
        yield from _votes(rec["source"], path, file_counts(path))


def _relabel(pending, counts):
    rec, own = pending
    source = rec["source"]

    def lookup(folder: str):
        found = counts[_key(source, folder)]
        return add_counts(found) if found else None

    lang = project_language(rec["path"], lookup, own) or AMBIGUOUS[".h"]
    return {**rec, "language": code_language(lang)}


class ProjectLanguage(beam.PTransform):
    """``(kept, removed, failed)`` of Ingest → kept, with undecided ``.h`` headers of code sources relabelled."""

    def __init__(self, code_sources: list[str]):
        super().__init__()
        self.code_sources = frozenset(code_sources)

    def expand(self, outputs):
        kept, removed, failed = outputs
        code = self.code_sources
        split = kept | "SplitHeaders" >> beam.ParDo(_SplitHeaders(code)).with_outputs(PENDING, VOTES, main="rest")
        others = ((removed, failed) | "NotKept" >> beam.Flatten()
                  | "NameVotes" >> beam.FlatMap(_name_votes, code))
        counts = ((split[VOTES], others) | "AllVotes" >> beam.Flatten()
                  | "VotesPerFolder" >> beam.CombinePerKey(add_counts))
        relabelled = split[PENDING] | "ProjectRule" >> beam.Map(_relabel, counts=beam.pvalue.AsMultiMap(counts))
        return (split.rest, relabelled) | "WithProjectRule" >> beam.Flatten()
