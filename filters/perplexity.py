"""KenLM perplexity, computed the way ROOTS did: ``10 ** (-sum(log10 P(line)) / sum(#tokens(line) + 1))``.

ROOTS tokenised with a SentencePiece model before scoring. We do not ship one, so the text is normalised
(``perplexity_normalize``) and split with ``filters.text.lm_tokens`` (whitespace, CJK characters separated); a model
passed to the filter must be trained on text prepared with the same two functions. Empty lines are skipped
(ROOTS' normalisation removed newlines, so it scored whole documents as one line; scoring lines is closer to how
the models were trained). Models are loaded once per process and path.
"""

from __future__ import annotations

import functools
from typing import Any

import regex

from filters.text import lm_tokens

# Unicode punctuation -> ASCII, as in ROOTS / cc_net normalisation (written from the mapping's description).
_UNICODE_PUNCT = {
    "，": ",", "。": ".", "、": ",", "„": '"', "”": '"', "“": '"', "«": '"', "»": '"', "」": '"',
    "「": '"', "《": '"', "》": '"', "´": "'", "∶": ":", "：": ":", "？": "?", "！": "!", "（": "(", "）": ")",
    "；": ";", "–": "-", "—": " - ", "．": ". ", "～": "~", "’": "'", "…": "...", "━": "-", "〈": "<", "〉": ">",
    "【": "[", "】": "]", "％": "%", "►": "-",
}  # fmt: skip
_PUNCT_TABLE = str.maketrans(_UNICODE_PUNCT)
_NON_PRINTING = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ODD_SPACES = regex.compile(r"[^\S\n]")
_DIGITS = regex.compile(r"\d")


def perplexity_normalize(text: str) -> str:
    """ROOTS' normalisation before scoring: non-printing characters removed, whitespace made uniform, unicode
    punctuation mapped to ASCII, digits replaced by 0 (as the cc_net models were trained); no lower-casing."""
    text = _NON_PRINTING.sub("", text)
    text = _ODD_SPACES.sub(" ", text)
    text = text.translate(_PUNCT_TABLE)
    return _DIGITS.sub("0", text).strip()


@functools.cache
def load_kenlm_model(path: str) -> Any:
    """Load a KenLM model (ARPA or binary) once per process."""
    import kenlm  # local import: only needed when a perplexity model is configured

    return kenlm.Model(path)


def perplexity(text: str, model: Any) -> float | None:
    """Perplexity of ``text`` under ``model``, rounded to one decimal as ROOTS did; ``None`` if it has no tokens."""
    log_sum, length = 0.0, 0
    for line in perplexity_normalize(text).split("\n"):
        tokens = lm_tokens(line)
        if not tokens:
            continue
        log_sum += model.score(" ".join(tokens), bos=True, eos=True)
        length += len(tokens) + 1
    if length == 0:
        return None
    return round(10.0 ** (-log_sum / length), 1)
