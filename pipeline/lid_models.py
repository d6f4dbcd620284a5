"""Language ID with two models: a fastText LID model (lid.176 by default, or any by path) and CLD2 as a second
opinion for what the fastText model cannot know.

Why a second model: lid.176 knows 2 of ROOTS' 22 African languages (sw, yo); a Zulu or Kinyarwanda document comes
out as English, Esperanto or Tagalog with a low probability. CLD2 (``pycld2``, Apache-2.0, its tables compiled into
the wheel: nothing is downloaded) knows ak, ig, lg, ln, nso, ny, rn, rw, sn, st, sw, tn, ts, tum, wo, xh, yo, zu.
It was chosen by measurement on the benchmark's translation-catalogue set (``python -m bench lid``): with it,
the 8 African languages there reach 0.97-1.0 (lid.176 alone: 0.0) and the major languages do not lose accuracy.
``py3langid`` was measured too: it knows 11 of the 22 (not tn, ts, ny, rn, wo, ak, tum), was ~10x slower per
document than CLD2 here, and its perfect scores on this set say little (langid.py was trained on Debian
translations).

The decision rule, per auto-detected document (``lid.second_model: cld2``, the default):

1. fastText predicts its top label L with probability p. When ``p >= lid.second_model_below`` (0.9), L decides:
   no African document of the benchmark got p >= 0.8 from lid.176, and this keeps CLD2 off most documents.
2. Otherwise CLD2 is asked. CLD2 decides when it names a **ROOTS language the fastText model has no label for**
   and is either reliable or fastText is unsure (p < ``lid.unsure_below``, 0.5);
3. or when CLD2 is reliable with at least 90% of the text in one of **ROOTS' African languages** other than L
   (lid.176 has a Yoruba label, but reads tone-marked Yoruba as Catalan or Veps at p ~ 0.5);
4. or when fastText is unsure (p < 0.5) and CLD2 is reliable with at least 90% of the text in one language that
   differs from L (lid.176 confuses Indonesian with Malay, Nepali with Hindi at p ~ 0.4-0.5; CLD2 does not).
5. Otherwise L decides.

``lid_score`` is always the confidence in ``language``: fastText's probability, or CLD2's share of the text in that
language (``percent / 100``) when CLD2 decided. ``lid_model`` names who decided: the fastText model's name
(``lid.176`` or the model file's stem), ``cld2``, or ``source`` for a source with a fixed ``language:``.

Fixed languages are never re-labelled. Their score is the fastText model's confidence in that language when the
model knows it, else CLD2's (Twi counts as Akan, its macrolanguage, for CLD2), else ``None``: no model can judge
the language, so the ``lang_id`` check is skipped instead of removing every document.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from core.languages import ROOTS_LANGUAGES
from filters.lid_labels import is_roots_language, roots_code

#: ROOTS' African languages: lid.176 knows sw and yo, but reads tone-marked Yoruba as Catalan or Veps at p ~ 0.5
_AFRICAN = frozenset(ROOTS_LANGUAGES["niger-congo"])

SOURCE = "source"
CLD2 = "cld2"

#: CLD2 codes that differ from lid.176's
_CLD2_CODES = {"iw": "he", "jw": "jv", "zh-Hant": "zh", "un": "unknown"}
#: fixed language → the code CLD2 reports it under (Twi is detected as Akan, its macrolanguage)
_CLD2_ALIASES = {"tw": "ak", "zh-hans": "zh", "zh-hant": "zh"}


class LidResult(NamedTuple):
    language: str
    score: float | None
    model: str


@functools.cache
def _han_kinds() -> tuple[np.ndarray, np.ndarray]:
    """Per code point: simplified-only and traditional-only Han characters, as ``hanzidentifier`` tells for each
    character of U+3400-U+9FFF and U+F900-U+FAFF (built once, so a document is counted in one numpy pass)."""
    import hanzidentifier as hz

    simplified = np.zeros(0x110000, dtype=bool)
    traditional = np.zeros(0x110000, dtype=bool)
    for lo, hi in ((0x3400, 0x9FFF), (0xF900, 0xFAFF)):
        for cp in range(lo, hi + 1):
            kind = hz.identify(chr(cp))
            simplified[cp] = kind == hz.SIMPLIFIED
            traditional[cp] = kind == hz.TRADITIONAL
    return simplified, traditional


def chinese_script(text: str) -> str:
    """``zh-hant`` when more characters are traditional-only than simplified-only, else ``zh-hans``."""
    simplified, traditional = _han_kinds()
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return "zh-hant" if np.count_nonzero(traditional[cps]) > np.count_nonzero(simplified[cps]) else "zh-hans"


def lid_text(text: str, max_chars: int) -> str:
    """What fastText sees: one line (it rejects newlines), lower-cased as ROOTS did."""
    return text[:max_chars].replace("\n", " ").replace("\r", " ").lower()


def cld2_detect(text: str) -> tuple[list[tuple[str, int]], bool]:
    """CLD2's languages of ``text`` as (code, percent of the text), best first, and whether it is reliable.
    Text CLD2 cannot take (lone surrogates) gets no opinion."""
    import pycld2

    try:
        reliable, _, details = pycld2.detect(text, bestEffort=False)
    except (pycld2.error, ValueError, UnicodeError):
        return [], False
    langs = [(_CLD2_CODES.get(code, code), pct) for _, code, pct, _ in details if code != "un"]
    return langs, bool(reliable)


@functools.cache
def cld2_languages() -> frozenset[str]:
    """The codes CLD2 can name."""
    import pycld2

    return frozenset(_CLD2_CODES.get(code, code) for _, code in pycld2.LANGUAGES)


class Identifier:
    """A fastText LID model (any label style, see ``filters.lid_labels``) with an optional CLD2 second opinion."""

    def __init__(self, model, name: str = "lid.176", second_model: str | None = CLD2,
                 second_model_below: float = 0.9, unsure_below: float = 0.5):
        self.model, self.name, self.second_model = model, name, second_model
        self.second_model_below, self.unsure_below = second_model_below, unsure_below
        self.known = frozenset(roots_code(label) for label in model.get_labels())
        if "zh" in self.known:
            self.known |= {"zh-hans", "zh-hant"}

    @classmethod
    def load(cls, path: str | None = None, second_model: str | None = CLD2, second_model_below: float = 0.9,
             unsure_below: float = 0.5) -> Identifier:
        from pipeline.langid import load_lid_model

        name = "lid.176" if path is None else os.path.splitext(os.path.basename(path))[0] or "fasttext"
        return cls(load_lid_model(path), name, second_model, second_model_below, unsure_below)

    def _language(self, label: str, text: str) -> str:
        code = roots_code(label)
        return chinese_script(text) if code == "zh" else code

    def identify(self, texts: Sequence[str], fixed: Sequence[str | None], max_chars: int = 20000,
                 ) -> list[LidResult]:
        """One ``LidResult`` per text; ``fixed`` names the source's language where it has one."""
        out: list[LidResult | None] = [None] * len(texts)
        auto = [i for i, want in enumerate(fixed) if want is None]
        given = [i for i, want in enumerate(fixed) if want is not None]
        if auto:
            labels, probs = self.model.predict([lid_text(texts[i], max_chars) for i in auto], k=1)
            for i, labs, ps in zip(auto, labels, probs, strict=True):
                p = round(float(min(ps[0], 1.0)), 6) if len(ps) else 0.0
                first = LidResult(self._language(labs[0], texts[i]) if len(labs) else "unknown", p, self.name)
                out[i] = self._second_opinion(texts[i][:max_chars], first)
        if given:
            labels, probs = self.model.predict([lid_text(texts[i], max_chars) for i in given], k=10)
            for i, labs, ps in zip(given, labels, probs, strict=True):
                out[i] = LidResult(fixed[i], self._fixed_score(texts[i], fixed[i], labs, ps, max_chars), SOURCE)
        return out  # type: ignore[return-value]

    def _second_opinion(self, text: str, first: LidResult) -> LidResult:
        p = first.score or 0.0
        if self.second_model != CLD2 or p >= self.second_model_below:
            return first
        langs, reliable = cld2_detect(text)
        if not langs:
            return first
        code, pct = langs[0]
        if code == "zh":
            code = chinese_script(text)
        unsure = p < self.unsure_below
        if code not in self.known and is_roots_language(code) and (reliable or unsure):
            return LidResult(code, pct / 100, CLD2)
        if code in _AFRICAN and code != first.language and reliable and pct >= 90:
            return LidResult(code, pct / 100, CLD2)
        if unsure and reliable and pct >= 90 and code in self.known and code != first.language:
            return LidResult(code, pct / 100, CLD2)
        return first

    def _fixed_score(self, text: str, want: str, labels, probs, max_chars: int) -> float | None:
        if want in self.known:
            scores: dict[str, float] = {}
            for label, p in zip(labels, probs, strict=False):
                code = roots_code(label)
                scores[code] = scores.get(code, 0.0) + float(min(p, 1.0))
            if want.startswith("zh-") and want not in scores and "zh" in scores:
                # lid.176 says Chinese without a script: the characters tell which
                return round(scores["zh"], 6) if chinese_script(text) == want else 0.0
            return round(min(scores.get(want, 0.0), 1.0), 6)
        if self.second_model == CLD2:
            target = _CLD2_ALIASES.get(want, want)
            if target in cld2_languages():
                langs, _ = cld2_detect(text[:max_chars])
                return round(sum(pct for code, pct in langs if code == target) / 100, 6)
        return None
