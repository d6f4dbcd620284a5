"""Building and training the byte-level BPE (HF ``tokenizers``).

``bloom`` is BLOOM's final configuration: no normaliser; pre-tokenizer = ``Split`` on
``" ?[^(\\s|[.,!?…。，、।۔،])]+"`` with ``behavior="isolated"`` then ``ByteLevel(add_prefix_space=False,
use_regex=False)``; ``ByteLevel`` decoder. The regex matches a run of characters that are neither whitespace nor
``( ) |`` nor the listed punctuation, with at most one leading space; "isolated" keeps everything between matches
(whitespace runs, punctuation, control characters) as pieces of its own, so no character is ever dropped, and
``ByteLevel`` then maps every byte to a symbol, so any UTF-8 text round-trips. ``gpt2`` is the plain GPT-2
``ByteLevel`` pre-tokenizer (its own regex), kept as the baseline the report compares against.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

from tokenizer.config import TokenizerConfig

#: BLOOM's split pattern (bigscience/bloom tokenizer.json), an Oniguruma negated character class.
BLOOM_SPLIT_PATTERN = r" ?[^(\s|[.,!?…。，、।۔،])]+"


def new_pre_tokenizer(kind: str) -> pre_tokenizers.PreTokenizer:
    """The pre-tokenizer named ``bloom`` or ``gpt2``."""
    if kind == "bloom":
        return pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(BLOOM_SPLIT_PATTERN), behavior="isolated", invert=False),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
    if kind == "gpt2":
        return pre_tokenizers.ByteLevel(add_prefix_space=False)
    raise ValueError(f"unknown pre-tokenizer {kind!r} (expected bloom or gpt2)")


def new_tokenizer(kind: str) -> Tokenizer:
    """An untrained byte-level BPE tokenizer with the ``kind`` pre-tokenizer, no normaliser, ByteLevel decoder."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = new_pre_tokenizer(kind)
    tok.decoder = decoders.ByteLevel()
    return tok


def new_trainer(config: TokenizerConfig) -> trainers.BpeTrainer:
    """The BPE trainer: all 256 byte symbols in the alphabet, special tokens first (ids 0.. in list order)."""
    return trainers.BpeTrainer(
        vocab_size=config.vocab_size,
        min_frequency=config.min_frequency,
        special_tokens=list(config.special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )


def train(texts: Iterable[list[str]] | Iterable[str], config: TokenizerConfig, kind: str | None = None) -> Tokenizer:
    """Train a tokenizer of ``kind`` (default: the config's pre-tokenizer) on ``texts``, streamed.

    ``texts`` is consumed once, in its order; ``tokenizers`` sums pair counts, so the result depends only on the
    texts, not on how many threads count them (``RAYON_NUM_THREADS``), which the tests check.
    """
    tok = new_tokenizer(kind or config.pre_tokenizer)
    tok.train_from_iterator(texts, trainer=new_trainer(config))
    for i, token in enumerate(config.special_tokens):
        if tok.token_to_id(token) != i:
            raise RuntimeError(f"special token {token!r} got id {tok.token_to_id(token)}, expected {i}")
    return tok


def to_json_bytes(tok: Tokenizer) -> bytes:
    """The tokenizer's ``tokenizer.json`` content, pretty-printed as ``Tokenizer.save`` writes it."""
    return tok.to_str(pretty=True).encode("utf-8")
