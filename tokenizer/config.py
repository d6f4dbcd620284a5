"""The tokenizer manifest: which shards to train on and how, validated on load.

Every model forbids unknown fields so that a typo (``vocab_sise:``) is an error naming the file and the field
instead of a silently ignored setting. Defaults are BLOOM's (``vocab_size`` 250,680, special tokens
``<unk> <s> </s> <pad>`` with ids 0..3, the whitespace-and-punctuation split regex, alpha 0.3, line dedup with code
exempt): a manifest that only names its shards trains a BLOOM-style tokenizer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import UserError
from manifests.loading import field_errors, read_yaml

#: BLOOM's effective vocabulary (bigscience tr11 README: "Vocabulary size is 250,680 tokens").
BLOOM_VOCAB_SIZE = 250_680
#: BLOOM's special tokens; their position in the list is their id (``<unk>``=0, ``<s>``=1, ``</s>``=2, ``<pad>``=3).
BLOOM_SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>"]
#: Languages whose name starts with this are source code: exempt from line dedup, as BLOOM exempted ``lm_code``.
#: Byte-level BPE always starts from the 256 byte symbols.
BYTE_ALPHABET_SIZE = 256


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenizerConfig(_Strict):
    """What to train on and how; the ``tokenizer:`` section of a tokenizer manifest."""

    shards: str | list[str] = Field(
        description="an index.json written by the pipeline, or shard globs (.arrow); relative to the manifest file"
    )
    vocab_size: int = Field(default=BLOOM_VOCAB_SIZE, ge=1)
    special_tokens: list[str] = Field(default_factory=lambda: list(BLOOM_SPECIAL_TOKENS))
    pre_tokenizer: Literal["bloom", "gpt2"] = "bloom"
    alpha: float = Field(default=0.3, ge=0.0, le=1.0, description="XLM exponent: p_lang ∝ (bytes_lang/total)^alpha")
    mix_alpha: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="alpha of the training mix `roots tokenize` writes (weights ∝ tokens share^alpha); unset: `alpha`",
    )
    sample_bytes: int = Field(default=500_000_000, ge=1, description="budget (UTF-8 bytes) of the training sample")
    min_frequency: int = Field(default=2, ge=0, description="a merge needs a pair seen at least this often")
    seed: int = Field(default=42, ge=0, description="orders documents within a language for sampling")
    language_caps: dict[str, int] = Field(default_factory=dict, description="max sampled bytes per language")
    languages: list[str] | None = Field(default=None, description="train only on these languages (all if unset)")
    dedup_lines: bool = Field(default=True, description="drop repeated lines from the sample; code is exempt")
    dedup_articles: bool = Field(default=True, description="drop documents whose text (spaces removed) repeats")
    heldout_fraction: float = Field(
        default=0.02, ge=0.0, lt=1.0, description="share of documents held out (by a hash of the id) for evaluation"
    )
    eval_bytes_per_language: int = Field(
        default=2_000_000, ge=0, description="at most this many held-out bytes per language are evaluated"
    )

    @field_validator("shards")
    @classmethod
    def _shards_not_empty(cls, v: str | list[str]) -> str | list[str]:
        items = [v] if isinstance(v, str) else v
        if not items or any(not s.strip() for s in items):
            raise ValueError("name an index.json or at least one shard glob")
        return v

    @field_validator("special_tokens")
    @classmethod
    def _special_tokens_ok(cls, v: list[str]) -> list[str]:
        if any(not t for t in v):
            raise ValueError("special tokens must be non-empty strings")
        if len(set(v)) != len(v):
            raise ValueError("special tokens must be unique (each gets its own id, in list order)")
        return v

    @field_validator("language_caps")
    @classmethod
    def _caps_positive(cls, v: dict[str, int]) -> dict[str, int]:
        for lang, cap in v.items():
            if cap < 0:
                raise ValueError(f"cap of {lang!r} must be >= 0 bytes, got {cap}")
        return v

    @field_validator("languages")
    @classmethod
    def _languages_not_empty(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and not v:
            raise ValueError("an empty allow-list trains on nothing; leave `languages` out to use all languages")
        return v

    @model_validator(mode="after")
    def _vocab_fits(self) -> TokenizerConfig:
        floor = BYTE_ALPHABET_SIZE + len(self.special_tokens)
        if self.vocab_size <= floor:
            raise ValueError(
                f"vocab_size {self.vocab_size} leaves no room for merges: it must exceed 256 byte symbols + "
                f"{len(self.special_tokens)} special tokens = {floor}"
            )
        if self.languages is not None:
            unknown = sorted(set(self.language_caps) - set(self.languages))
            if unknown:
                raise ValueError(f"language_caps names languages not in `languages`: {', '.join(unknown)}")
        return self

    @property
    def shard_specs(self) -> list[str]:
        """``shards`` as a list."""
        return [self.shards] if isinstance(self.shards, str) else list(self.shards)

    def resolved(self) -> dict[str, Any]:
        """Every setting with defaults filled in (what the lock records and compares)."""
        data = self.model_dump(mode="json")
        data["shards"] = self.shard_specs
        return data


class TokenizerManifest(_Strict):
    """A tokenizer manifest file: a ``tokenizer:`` section, and where the file lives."""

    tokenizer: TokenizerConfig
    # directory of the manifest file: relative shard paths are relative to it (set by load_manifest)
    base_dir: str = Field(default=".", exclude=True)
    # the file the manifest came from, for messages
    origin: str = Field(default="<manifest>", exclude=True)

    def resolve(self, path: str) -> str:
        """A manifest-relative path made absolute."""
        return path if os.path.isabs(path) else os.path.normpath(os.path.join(self.base_dir, path))

    def relative(self, path: str) -> str:
        """``path`` relative to the manifest's directory, ``/``-separated, so locks don't depend on the checkout."""
        return os.path.relpath(path, self.base_dir).replace(os.sep, "/")


def parse_manifest(data: object, origin: str, base_dir: str) -> TokenizerManifest:
    """Validate manifest data; every error names ``origin`` and the bad field, on one line."""
    if not isinstance(data, dict):
        raise UserError(f"{origin}: a tokenizer manifest must be a YAML mapping with a `tokenizer:` section")
    try:
        return TokenizerManifest.model_validate({**data, "base_dir": base_dir, "origin": origin})
    except ValidationError as e:
        raise UserError(f"{origin}: " + "; ".join(field_errors(e, "manifests/tokenizer.yaml"))) from None


def load_manifest(path: str | os.PathLike) -> TokenizerManifest:
    """Read and validate a tokenizer manifest file."""
    data = read_yaml(path, "tokenizer manifest", "manifests/tokenizer.yaml")
    return parse_manifest(data, str(path), str(Path(path).resolve().parent))

