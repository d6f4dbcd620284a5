"""Pure dedup building blocks: normalisation, shingles, datasketch-identical MinHash, LSH parameters and band keys."""

from __future__ import annotations

import random

import numpy as np
import pytest
import regex
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from filters.dedup import (
    LSH_WEIGHTS,
    DedupParams,
    band_keys,
    code_tokens,
    exact_jaccard,
    exact_key,
    hash_shingles,
    jaccard_estimate,
    lsh_params,
    minhash_signatures,
    normalize_exact,
    regex_class_removed,
    shingle_hash,
    shingle_kind,
    shingle_words,
    shingles,
    signatures_batch,
)

P = DedupParams()


def _random_text(rng: random.Random, n_words: int, vocab: int = 3000) -> str:
    return " ".join(f"w{rng.randrange(vocab)}" for _ in range(n_words))


# ----------------------------------------------------------------------------------------------- exact keys


@pytest.mark.parametrize(
    "variant",
    ["Hello, World!", "hello world", "HELLO\tWORLD...", "ＨＥＬＬＯ　ｗｏｒｌｄ", "hello-world", " «Hello»\n\nworld "],
)
def test_exact_normalisation_variants_share_a_key(variant: str) -> None:
    assert normalize_exact(variant) == "helloworld"
    assert exact_key(variant) == exact_key("helloworld")


def test_exact_normalisation_keeps_symbols_digits_and_letters() -> None:
    assert exact_key("a+b") != exact_key("ab")  # '+' is a symbol (\p{S}), not punctuation
    assert exact_key("route 66") != exact_key("route 67")
    assert normalize_exact("Straße") == normalize_exact("STRASSE")  # casefold, not lower


@pytest.mark.parametrize("text", ["", "   \n\t", "...!?", "«—»"])
def test_empty_normalised_text_has_no_key(text: str) -> None:
    assert exact_key(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalisation_is_a_fixed_point(text: str) -> None:
    norm = normalize_exact(text)
    assert normalize_exact(norm) == norm


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())), st.sampled_from([r"\p{P}", r"[\p{P}\s]"]))
def test_class_removal_is_regex_sub(text: str, pattern: str) -> None:
    """The NumPy mask removes exactly what ``regex.sub`` removes, for any text (lone surrogates, ASCII, astral)."""
    assert regex_class_removed(text, pattern) == regex.sub(pattern, "", text)


@pytest.mark.parametrize("text", ["", "ab1", "a, b; c!", "¡Hola, señor!", "日本語、テスト。\u3000x", "x\U0001f600 —y",
                                  "\ud800-"])
def test_class_removal_examples(text: str) -> None:
    for pattern in (r"\p{P}", r"[\p{P}\s]"):
        assert regex_class_removed(text, pattern) == regex.sub(pattern, "", text)


# ----------------------------------------------------------------------------------------------- shingles


def test_shingle_kind_by_language() -> None:
    assert shingle_kind("en") == "word"
    assert shingle_kind(None) == "word"
    assert shingle_kind("zh-hans") == shingle_kind("ja") == shingle_kind("th") == "char"
    assert shingle_kind("code-python") == "code"


def test_word_shingles_are_lowercased_punctuation_free_5grams() -> None:
    text = "The quick, brown fox -- jumps over the LAZY dog!"
    assert shingle_words(text) == ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
    sh = shingles(text, "en", P)
    assert sh[0] == b"the quick brown fox jumps"
    assert sh[-1] == b"jumps over the lazy dog"
    assert len(sh) == 9 - 5 + 1


def test_short_texts_are_one_shingle_and_empty_texts_none() -> None:
    assert shingles("Hello!", "en", P) == [b"hello"]
    assert shingles("one two three", "en", P) == [b"one two three"]
    assert shingles("", "en", P) == []
    assert shingles(" ... ", "en", P) == []
    assert signatures_batch(["", "word"], ["en", "en"], P)[0] is None


def test_char_shingles_for_languages_without_spaces() -> None:
    sh = shingles("我爱北京，天安门。", "zh-hans", P)
    assert sh == [s.encode() for s in ["我爱北京天", "爱北京天安", "北京天安门"]]
    # the same text as a space-separated language is a single "word"
    assert shingles("我爱北京，天安门。", "en", P) == ["我爱北京天安门".encode()]


def test_code_tokens_and_token_shingles() -> None:
    expected = ["x1", "=", "foo", "(", "a", ",", "b", ")", "+", "0x1F", ";", "#", "ok"]
    assert code_tokens("x1=foo(a, b)+0x1F;  # ok") == expected
    # formatting does not change code shingles; identifiers keep their case
    assert shingles("def f(a,b):\n  return a+b", "code-python", P) == shingles(
        "def f( a , b ) :\n\n\treturn a + b", "code-python", P
    )
    assert shingles("return Foo(x)", "code-python", P) != shingles("return foo(x)", "code-python", P)


# ----------------------------------------------------------------------------------------------- MinHash parity


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 12345)])
def test_batch_signatures_equal_datasketch(num_perm: int, seed: int) -> None:
    rng = random.Random(seed)
    texts = [_random_text(rng, rng.randint(1, 300)) for _ in range(20)] + ["a b c d e f", "x"]
    sh = [shingles(t, "en", P) for t in texts]
    ours = minhash_signatures([hash_shingles(s) for s in sh], num_perm, seed)
    for row, s in zip(ours, sh, strict=True):
        ref = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash, scheme="affine32")
        ref.update_batch(s)
        assert np.array_equal(row, ref.hashvalues)
    bulk = MinHash.bulk(sh, num_perm=num_perm, seed=seed, hashfunc=shingle_hash, scheme="affine32")
    assert all(np.array_equal(r, m.hashvalues) for r, m in zip(ours, bulk, strict=True))


def test_long_document_signature_is_chunked_but_identical() -> None:
    rng = random.Random(3)
    text = _random_text(rng, 12000, vocab=50000)  # > 4096 shingles: several row chunks
    sh = shingles(text, "en", P)
    ours = minhash_signatures([hash_shingles(sh)], 128, 1)[0]
    ref = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash, scheme="affine32")
    ref.update_batch(sh)
    assert np.array_equal(ours, ref.hashvalues)


def test_signature_bytes_and_jaccard_estimate_match_datasketch() -> None:
    rng = random.Random(5)
    a = _random_text(rng, 400)
    b = " ".join(a.split()[:300] + _random_text(rng, 100).split())
    sig_a, sig_b = signatures_batch([a, b], ["en", "en"], P)
    ma, mb = (MinHash(P.num_perm, 1, hashfunc=shingle_hash, scheme="affine32") for _ in range(2))
    ma.update_batch(shingles(a, "en", P))
    mb.update_batch(shingles(b, "en", P))
    assert jaccard_estimate(sig_a, sig_b) == ma.jaccard(mb)
    true_j = exact_jaccard(shingles(a, "en", P), shingles(b, "en", P))
    assert abs(jaccard_estimate(sig_a, sig_b) - true_j) < 0.15  # 256 perms: std ~0.03


def test_empty_batch_and_empty_document() -> None:
    assert minhash_signatures([], 16, 1).shape == (0, 16)
    row = minhash_signatures([np.array([], dtype=np.uint32)], 16, 1)[0]
    assert np.all(row == 0xFFFFFFFF)


# ----------------------------------------------------------------------------------------------- LSH


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.8, 128), (0.5, 64), (0.9, 256), (0.8, 256), (0.85, 256),
                                                    (0.7, 256), (0.6, 128), (0.3, 16), (0.95, 64), (0.05, 32)])
def test_lsh_params_match_datasketch(threshold: float, num_perm: int) -> None:
    """roots integrates the S-curve by Gauss-Legendre (no scipy import); datasketch by scipy's quad: same picks."""
    for weights in LSH_WEIGHTS.values():
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
        assert lsh_params(threshold, num_perm, *weights) == (lsh.b, lsh.r)


def test_params_pick_bands_by_verify() -> None:
    assert DedupParams().bands_rows == lsh_params(0.8, 256, 0.1, 0.9)
    assert DedupParams(verify=False).bands_rows == lsh_params(0.8, 256, 0.5, 0.5)


def test_band_keys_collide_exactly_when_datasketch_lsh_buckets_do() -> None:
    rng = random.Random(11)
    base = [_random_text(rng, 200) for _ in range(6)]
    texts = []
    for t in base:  # each base with variants at various similarities
        w = t.split()
        texts += [t, " ".join(w[:190] + ["new"] * 10), " ".join(w[:120] + _random_text(rng, 80).split())]
    sh = [shingles(t, "en", P) for t in texts]
    sigs = minhash_signatures([hash_shingles(s) for s in sh], P.num_perm, 1)
    bands, rows = P.bands_rows
    keys = band_keys(sigs, bands, rows)
    lsh = MinHashLSH(num_perm=P.num_perm, params=(bands, rows))
    for i, s in enumerate(sigs):
        lsh.insert(i, MinHash(num_perm=P.num_perm, seed=1, hashvalues=s, scheme="affine32"))
    for i, s in enumerate(sigs):
        theirs = set(lsh.query(MinHash(num_perm=P.num_perm, seed=1, hashvalues=s, scheme="affine32")))
        ours = {j for j in range(len(texts)) if any(a == b for a, b in zip(keys[i], keys[j], strict=True))}
        assert ours == theirs
    assert any(len(lsh.query(MinHash(P.num_perm, 1, hashvalues=s, scheme="affine32"))) > 1 for s in sigs)


# ----------------------------------------------------------------------------------------------- params


def test_params_defaults_and_validation() -> None:
    p = DedupParams()
    assert (p.exact, p.near, p.threshold, p.num_perm) == (True, True, 0.8, 256)
    assert (p.ngram, p.char_ngram, p.code_ngram, p.seed, p.max_rounds, p.verify) == (5, 5, 5, 1, 6, True)
    for bad in ({"threshold": 0.0}, {"threshold": 1.0}, {"num_perm": 0}, {"ngram": 0}, {"max_rounds": 0}):
        with pytest.raises(ValidationError):
            DedupParams(**bad)
    with pytest.raises(ValidationError, match="treshold"):
        DedupParams(treshold=0.7)
