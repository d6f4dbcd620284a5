"""How well a tokenizer fits each language, measured on held-out documents.

Definitions (also written into ``report.json`` under ``definitions``):

- ``fertility_tokens_per_word``: tokens / words over the language's held-out documents. Words are whitespace-separated
  pieces (``str.split()``); for Chinese and Japanese (``zh*``, ``ja*``), which don't separate words by spaces, every
  non-whitespace character counts as a word.
- ``tokens_per_byte``: tokens / UTF-8 bytes of the same documents (lower = better compression; comparable across
  scripts, unlike fertility).
- ``vocab_share``: the share of the learned vocabulary (special tokens excluded) whose *home* is the language. A
  token's home is the language in whose held-out text it is most frequent relative to that language's token count
  (occurrences / tokens of the language, so big languages don't win by size alone); a tie splits the token equally.
  Tokens never used on held-out text have no home and are counted in ``vocab_share_unused``. Shares plus unused sum
  to 1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from tokenizers import Tokenizer

#: Languages written without spaces between words: characters count as words for fertility.
CHAR_WORD_PREFIXES = ("zh", "ja")

DEFINITIONS = {
    "fertility_tokens_per_word": "tokens / words on held-out docs; words = str.split() pieces, but for zh*/ja* "
    "(no spaces between words) every non-whitespace character is a word",
    "tokens_per_byte": "tokens / UTF-8 bytes on held-out docs",
    "vocab_share": "share of non-special vocab tokens whose home is this language: the language where the token's "
    "frequency relative to the language's token count on held-out docs is highest (ties split equally)",
    "vocab_share_unused": "share of non-special vocab tokens never used on any held-out doc",
}


def count_words(text: str, language: str) -> int:
    """Words in ``text`` as fertility counts them (see module docstring)."""
    if language.startswith(CHAR_WORD_PREFIXES):
        return sum(1 for ch in text if not ch.isspace())
    return len(text.split())


def _vocab_shares(counts: Mapping[str, np.ndarray], n_special: int) -> tuple[dict[str, float], float]:
    """(share per language, unused share) from per-language token-id counts (see ``vocab_share``)."""
    langs = sorted(counts)
    if not langs:
        return {}, 1.0

    def rel(lang: str) -> np.ndarray:
        return counts[lang][n_special:] / max(1, int(counts[lang].sum()))

    best = np.zeros(counts[langs[0]].size - n_special)
    for lang in langs:
        np.maximum(best, rel(lang), out=best)
    used = best > 0
    ties = np.zeros_like(best)
    for lang in langs:
        ties += (rel(lang) == best) & used
    n = best.size
    shares = {}
    for lang in langs:
        home = (rel(lang) == best) & used
        shares[lang] = float(np.sum(home / np.where(ties > 0, ties, 1))) / n if n else 0.0
    return shares, (float(np.sum(~used)) / n if n else 0.0)


def evaluate(tok: Tokenizer, heldout: Mapping[str, list[str]], n_special: int) -> dict:
    """Per-language fertility, tokens per byte and vocab share of ``tok`` on held-out texts grouped by language."""
    vocab = tok.get_vocab_size(with_added_tokens=True)
    languages: dict[str, dict] = {}
    counts: dict[str, np.ndarray] = {}
    for lang in sorted(heldout):
        texts = heldout[lang]
        encodings = tok.encode_batch(texts, add_special_tokens=False) if texts else []
        ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64)
        n_tokens, n_bytes = int(ids.size), sum(len(t.encode("utf-8")) for t in texts)
        n_words = sum(count_words(t, lang) for t in texts)
        languages[lang] = {
            "heldout_docs": len(texts),
            "heldout_bytes": n_bytes,
            "words": n_words,
            "tokens": n_tokens,
            "fertility_tokens_per_word": n_tokens / n_words if n_words else None,
            "tokens_per_byte": n_tokens / n_bytes if n_bytes else None,
        }
        if n_tokens:
            counts[lang] = np.bincount(ids, minlength=vocab)
    shares, unused = _vocab_shares(counts, n_special)
    for lang, entry in languages.items():
        entry["vocab_share"] = shares.get(lang, 0.0)
    return {"vocab_size": tok.get_vocab_size(), "languages": languages, "vocab_share_unused": unused}
