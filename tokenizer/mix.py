"""The training mix: per-language sampling weights with XLM/BLOOM alpha-sampling over token counts.

``p_lang ∝ (tokens_lang / total) ** alpha`` (Lample & Conneau 2019, arXiv 1901.07291; ROOTS/BLOOM used alpha 0.3):
alpha 1 keeps the corpus proportions, alpha 0 gives every language the same share, values between upsample
low-resource languages. Megatron's ``--data-path w1 p1 w2 p2 ...`` takes such weights directly (it normalises them
and draws each training sample from dataset *i* with probability w_i), so the weights are tokens shares.
"""

from __future__ import annotations

from typing import Any

#: decimals kept for weights (in index.json and in the --data-path string): enough for 1e-6 shares
WEIGHT_DECIMALS = 6


def alpha_weights(tokens: dict[str, int], alpha: float) -> dict[str, float]:
    """Normalised ``(tokens_lang / total) ** alpha`` per language (languages with no tokens get 0)."""
    total = sum(tokens.values())
    raw = {lang: (n / total) ** alpha if n > 0 and total > 0 else 0.0 for lang, n in tokens.items()}
    norm = sum(raw.values())
    return {lang: (v / norm if norm else 0.0) for lang, v in raw.items()}


def build_mix(tokens: dict[str, int], alpha: float, train_tokens: int | None = None) -> dict[str, dict[str, Any]]:
    """Per language: its share of the corpus, its sampling weight, the tokens a run of ``train_tokens`` (default:
    the corpus size, one pass) draws from it, and how many passes over the language's tokens that is."""
    total = sum(tokens.values())
    budget = total if train_tokens is None else train_tokens
    weights = alpha_weights(tokens, alpha)
    out = {}
    for lang in sorted(tokens):
        n, w = tokens[lang], weights[lang]
        sampled = round(w * budget)
        out[lang] = {
            "share": round(n / total, WEIGHT_DECIMALS) if total else 0.0,
            "weight": round(w, WEIGHT_DECIMALS),
            "sampled_tokens": sampled,
            "epochs": round(sampled / n, 4) if n else 0.0,
        }
    return out


def data_path(mix: dict[str, dict[str, Any]], prefixes: dict[str, str]) -> str:
    """Megatron's ``--data-path`` value: ``weight prefix`` pairs, in language order."""
    return " ".join(f"{mix[lang]['weight']:.{WEIGHT_DECIMALS}f} {prefixes[lang]}" for lang in sorted(mix))
