"""Tests of the tokenizer package on small shards written here (a few hundred docs, 7 languages + code, vocab 500)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from core.errors import UserError
from tokenizer.cli import register
from tokenizer.config import BLOOM_VOCAB_SIZE, TokenizerConfig, load_manifest
from tokenizer.evaluate import count_words
from tokenizer.sampling import (
    Deduper,
    alpha_targets,
    heldout_hash,
    heldout_limit,
    iter_heldout_docs,
    iter_sample_docs,
    plan_sample,
    sample_rank,
    scan,
)
from tokenizer.shards import resolve_shards
from tokenizer.train import BLOOM_SPLIT_PATTERN, new_trainer

REPO = Path(__file__).resolve().parents[1]

# Small per-language word lists (written for these tests) from which documents are assembled.
WORDS = {
    "en": "the people of the world have a right to education and work in peace with their family and friends".split(),
    "fr": "les peuples du monde ont droit à l'éducation et au travail dans la paix avec leur famille élève".split(),
    "es": "los pueblos del mundo tienen derecho a la educación y al trabajo en paz con su familia año niño".split(),
    "ar": "لكل شخص الحق في التعليم والعمل والسلام مع أسرته وأصدقائه في العالم كله".split(),
    "hi": "हर व्यक्ति को शिक्षा और काम का अधिकार है और वह अपने परिवार के साथ शांति से रहता है".split(),
    "ru": "каждый человек имеет право на образование и труд в мире со своей семьёй и друзьями".split(),
    "zh-hans": list("人人有受教育和工作的权利与家人朋友和平生活世界"),
    "code-python": "def return if else for in range import self print None True False len list dict".split(),
}
PUNCT = {"zh-hans": "。", "hi": "।", "ar": "،", "code-python": ""}
DOCS_PER_LANG = {"en": 150, "code-python": 50}  # others: 40
BOILERPLATE = "Share this page on social media"  # repeated line: dedup must drop its repeats


def make_doc(lang: str, rng: random.Random, n: int) -> str:
    """One document: a few lines of words from ``lang``'s list, plus a unique marker so docs never repeat."""
    words = WORDS[lang]
    lines = []
    if lang == "code-python":
        for k in range(rng.randint(3, 8)):
            ident = "_".join(rng.choice(words) for _ in range(2))
            lines.append(f"def f_{n}_{k}({ident}):\n    return {ident} + {rng.randint(0, 99)}")
        return "\n".join(lines) + "\n"
    sep = "" if lang == "zh-hans" else " "
    for _ in range(rng.randint(2, 6)):
        lines.append(sep.join(rng.choice(words) for _ in range(rng.randint(5, 15))) + PUNCT.get(lang, "."))
    if rng.random() < 0.3:
        lines.append(BOILERPLATE)
    lines.append(f"#{lang}-{n}")
    return "\n".join(lines)


def write_shard(path: Path, lang: str, docs: list[tuple[str, str]]) -> dict:
    """An Arrow IPC file in the pipeline's shard layout (rows sorted by id, small batches), and its index entry."""
    docs = sorted(docs)
    table = pa.table(
        {
            "id": [d[0] for d in docs],
            "text": [d[1] for d in docs],
            "language": [lang] * len(docs),
            "source": ["test"] * len(docs),
            "lid_score": pa.array([None] * len(docs), type=pa.float64()),
            "meta": ["{}"] * len(docs),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with ipc.new_file(str(path), table.schema) as w:
        w.write_table(table, max_chunksize=16)
    data = path.read_bytes()
    return {"language": lang, "rows": len(docs), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_corpus(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Shards + index.json under ``root/shards`` (en split in two shards); returns the docs per language."""
    rng = random.Random(1234)
    all_docs: dict[str, list[tuple[str, str]]] = {}
    entries = []
    for lang in WORDS:
        docs = []
        for n in range(DOCS_PER_LANG.get(lang, 40)):
            doc_id = hashlib.sha1(f"{lang}:{n}".encode()).hexdigest()[:16]
            docs.append((doc_id, make_doc(lang, rng, n)))
        all_docs[lang] = docs
        parts = [sorted(docs)[:75], sorted(docs)[75:]] if lang == "en" else [docs]
        for k, part in enumerate(parts):
            rel = f"{lang}/{lang}-{k:05d}.arrow"
            entries.append({"path": rel, **write_shard(root / "shards" / rel, lang, part)})
    index = {"version": 1, "shards": sorted(entries, key=lambda e: e["path"])}
    (root / "shards" / "index.json").write_text(json.dumps(index))
    return all_docs


SMALL = {"vocab_size": 500, "heldout_fraction": 0.1, "min_frequency": 2, "eval_bytes_per_language": 100000}


def write_manifest(root: Path, **fields) -> Path:
    path = root / "tok.yaml"
    path.write_text(yaml.safe_dump({"tokenizer": {"shards": "shards/index.json", **SMALL, **fields}}))
    return path


def corpus_bytes(docs: dict[str, list[tuple[str, str]]]) -> int:
    return sum(len(t.encode()) for d in docs.values() for _, t in d)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("corpus")
    docs = write_corpus(root)
    # a budget below the corpus size, so alpha sampling has to choose
    manifest = write_manifest(root, sample_bytes=corpus_bytes(docs) // 2)
    return manifest, docs


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    from tokenizer.run import train_from_manifest

    manifest, _ = corpus
    return train_from_manifest(manifest, tmp_path_factory.mktemp("out") / "tok")


@pytest.fixture(scope="module")
def tok(trained) -> Tokenizer:
    return Tokenizer.from_file(str(trained.tokenizer_path))


# --- config ----------------------------------------------------------------------------------------------------


def test_default_config_is_bloom():
    cfg = TokenizerConfig(shards="x/index.json")
    assert cfg.vocab_size == BLOOM_VOCAB_SIZE == 250_680
    assert new_trainer(cfg).vocab_size == 250_680
    assert cfg.special_tokens == ["<unk>", "<s>", "</s>", "<pad>"]
    assert (cfg.pre_tokenizer, cfg.alpha, cfg.dedup_lines) == ("bloom", 0.3, True)
    shipped = load_manifest(REPO / "manifests" / "tokenizer.yaml").tokenizer
    assert shipped.vocab_size == 250_680 and shipped.shards == "../out/sample/shards/index.json"


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"vocab_sise": 10}, "tokenizer.vocab_sise: unknown field"),
        ({"alpha": 2}, "tokenizer.alpha"),
        ({"vocab_size": 100}, "leaves no room for merges"),
        ({"pre_tokenizer": "spm"}, "tokenizer.pre_tokenizer"),
        ({"special_tokens": ["<s>", "<s>"]}, "tokenizer.special_tokens"),
        ({"languages": ["en"], "language_caps": {"fr": 10}}, "language_caps names languages not in `languages`: fr"),
    ],
)
def test_manifest_errors_name_file_and_field(tmp_path, fields, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"tokenizer": {"shards": "s/index.json", **fields}}))
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert str(path) in str(e.value) and needle in str(e.value) and "\n" not in str(e.value)


def test_missing_inputs_are_user_errors(tmp_path, corpus):
    with pytest.raises(UserError, match="not found"):
        load_manifest(tmp_path / "nope.yaml")
    with pytest.raises(UserError, match="matches no file"):
        resolve_shards(load_manifest(write_manifest(tmp_path, shards=["shards/**/*.arrow"])))
    shutil.copytree(corpus[0].parent / "shards", tmp_path / "shards")
    (tmp_path / "shards" / "fr" / "fr-00000.arrow").unlink()
    with pytest.raises(UserError, match=r"shard shards/fr/fr-00000\.arrow is missing"):
        resolve_shards(load_manifest(write_manifest(tmp_path)))


def test_globs_find_the_same_shards_as_the_index(corpus):
    manifest, _ = corpus
    by_index = resolve_shards(load_manifest(manifest))
    m = load_manifest(manifest)
    m.tokenizer.shards = ["shards/en/*.arrow", "shards/*/*.arrow", "shards/en/en-00000.arrow"]  # overlaps count once
    assert [(s.rel, s.sha256) for s in resolve_shards(m)] == [(s.rel, s.sha256) for s in by_index]


# --- sampling ---------------------------------------------------------------------------------------------------


def test_alpha_targets():
    # p ∝ sqrt(share): sqrt(.9) : sqrt(.1) = 3 : 1
    assert alpha_targets({"en": 900, "fr": 100}, 0.5, 100) == {"en": 75, "fr": 25}
    # fr would get 454 bytes but has 100: it is capped at what it has and en gets the rest of the budget
    assert alpha_targets({"en": 10_000, "fr": 100}, 0.5, 5000) == {"en": 4900, "fr": 100}
    # per-language cap, then redistribution
    assert alpha_targets({"en": 900, "fr": 100}, 0.5, 100, {"en": 50}) == {"en": 50, "fr": 50}
    # a budget above the corpus takes everything
    assert alpha_targets({"en": 900, "fr": 100}, 0.3, 10**9) == {"en": 900, "fr": 100}
    # alpha 0: equal shares; alpha 1: proportional
    assert alpha_targets({"a": 500, "b": 500, "c": 5000}, 0.0, 900) == {"a": 300, "b": 300, "c": 300}
    assert alpha_targets({"a": 100, "b": 300}, 1.0, 40) == {"a": 10, "b": 30}
    t = alpha_targets({"a": 12345, "b": 678, "c": 9, "d": 100_000}, 0.3, 33_333)
    assert sum(t.values()) <= 33_333 and t["c"] == 9


def test_sample_follows_targets_and_upsamples_small_languages(trained, corpus):
    _, docs = corpus
    sample = trained.lock["sample"]
    budget = trained.lock["config"]["sample_bytes"]
    assert set(sample) == set(WORDS)
    assert sum(s["sampled_bytes"] for s in sample.values()) <= budget
    total_avail = sum(s["available_bytes"] for s in sample.values())
    total_sampled = sum(s["sampled_bytes"] for s in sample.values())
    for s in sample.values():
        assert 0 < s["sampled_bytes"] <= s["target_bytes"] <= s["available_bytes"]
        assert s["trained_bytes"] <= s["sampled_bytes"]
    # alpha < 1 gives the smallest language a bigger share of the sample than of the corpus, and the largest less
    small = min(sample, key=lambda lang: sample[lang]["available_bytes"])
    big = max(sample, key=lambda lang: sample[lang]["available_bytes"])
    assert sample[small]["sampled_bytes"] / total_sampled > sample[small]["available_bytes"] / total_avail
    assert sample[big]["sampled_bytes"] / total_sampled < sample[big]["available_bytes"] / total_avail
    # dedup removed the repeated boilerplate line from non-code languages
    assert sample["en"]["trained_bytes"] < sample["en"]["sampled_bytes"]
    assert sum(len(d) for d in docs.values()) == sum(s["available_docs"] + s["heldout_docs"] for s in sample.values())


def test_heldout_docs_are_never_trained_on(corpus):
    manifest, docs = corpus
    m = load_manifest(manifest)
    cfg = m.tokenizer.model_copy(update={"sample_bytes": 10**9})  # take every available doc
    shards = resolve_shards(m)
    plan = plan_sample(shards, cfg, scan(shards, cfg))
    trained_ids = [i for ids, _, _ in iter_sample_docs(plan) for i in ids]
    heldout = {doc_id for doc_id, _, _ in iter_heldout_docs(shards, cfg)}
    all_ids = {doc_id for d in docs.values() for doc_id, _ in d}
    expected = {i for i in all_ids if heldout_hash(i) < heldout_limit(cfg.heldout_fraction)}
    assert heldout == expected and 10 < len(heldout) < len(all_ids) // 4
    assert len(trained_ids) == len(set(trained_ids)) and set(trained_ids) == all_ids - heldout


@pytest.mark.parametrize("first_try", [None, 0.001])
def test_sample_is_the_lowest_ranked_prefix(corpus, monkeypatch, first_try):
    """Per language: available docs sorted by rank, taken while they fit in the target (brute force here).

    ``first_try`` 0.001 makes the planner start with almost no candidates, so it must widen its search and still
    find the same sample.
    """
    from tokenizer import sampling

    if first_try is not None:
        monkeypatch.setattr(sampling, "first_fraction", lambda target, stats: first_try)
    manifest, docs = corpus
    m = load_manifest(manifest)
    cfg, shards = m.tokenizer, resolve_shards(m)
    plan = plan_sample(shards, cfg, scan(shards, cfg))
    chosen = {i for ids, _, _ in iter_sample_docs(plan) for i in ids}
    expected = set()
    for lang, d in docs.items():
        ranked = sorted(
            (sample_rank(i, cfg.seed), i, len(t.encode()))
            for i, t in d
            if heldout_hash(i) >= heldout_limit(cfg.heldout_fraction)
        )
        total = 0
        for _, i, n in ranked:
            if total + n > plan.targets[lang]:
                break
            expected.add(i)
            total += n
        assert plan.sampled[lang]["bytes"] == total
    assert chosen == expected and 0 < len(chosen) < sum(len(d) for d in docs.values())


def test_sampling_is_deterministic_and_seeded(corpus):
    manifest, _ = corpus
    m = load_manifest(manifest)
    shards = resolve_shards(m)

    def chosen(cfg):
        plan = plan_sample(shards, cfg, scan(shards, cfg))
        return [i for ids, _, _ in iter_sample_docs(plan) for i in ids]

    first = chosen(m.tokenizer)
    assert first == chosen(m.tokenizer)
    assert first != chosen(m.tokenizer.model_copy(update={"seed": 7}))


def test_dedup_lines_and_articles():
    d = Deduper(lines=True, articles=True)
    assert d("a line\n  shared  \nother", "en") == "a line\nshared\nother"
    assert d("shared\nnew one\n\n", "fr") == "new one"
    assert d("shared\nshared", "de") == ""
    code = "  shared\n\n  shared\n"
    assert d(code, "code-python") == code  # code keeps its lines, indentation and blank lines
    assert d(code.replace(" ", ""), "code-python") == ""  # the same article (spaces removed) is dropped
    off = Deduper(lines=False, articles=False)
    assert off("x\nx", "en") == "x\nx" and off("x\nx", "en") == "x\nx"


# --- training, lock, reproducibility ----------------------------------------------------------------------------


def test_outputs_and_tokenizer_shape(trained, tok):
    for name in ("tokenizer.json", "tokenizer.lock.json", "report.json", "tokenizer_config.json",
                 "special_tokens_map.json"):
        assert (trained.out_dir / name).is_file()
    assert tok.get_vocab_size() == 500
    assert [tok.id_to_token(i) for i in range(4)] == ["<unk>", "<s>", "</s>", "<pad>"]
    spec = json.loads(trained.tokenizer_path.read_text())
    assert spec["normalizer"] is None and spec["decoder"]["type"] == "ByteLevel"
    split, byte_level = spec["pre_tokenizer"]["pretokenizers"]
    assert split["pattern"] == {"Regex": BLOOM_SPLIT_PATTERN} and split["behavior"] == "Isolated"
    assert byte_level["use_regex"] is False and byte_level["add_prefix_space"] is False
    lock = trained.lock
    assert lock["tokenizer_sha256"] == hashlib.sha256(trained.tokenizer_path.read_bytes()).hexdigest()
    assert {s["path"] for s in lock["shards"]} == {f"shards/{lang}/{lang}-00000.arrow" for lang in WORDS} | {
        "shards/en/en-00001.arrow"
    }
    assert set(lock["libraries"]) == {"tokenizers", "pyarrow", "roots"}


def test_rerun_is_byte_identical(trained, corpus, tmp_path):
    from tokenizer.run import train_from_manifest

    again = train_from_manifest(corpus[0], tmp_path / "again", gpt2_baseline=False)
    assert again.tokenizer_path.read_bytes() == trained.tokenizer_path.read_bytes()
    assert again.lock_path.read_bytes() == trained.lock_path.read_bytes()
    # rerunning into a directory with a matching lock verifies and succeeds
    assert (
        train_from_manifest(corpus[0], tmp_path / "again", gpt2_baseline=False).tokenizer_sha256
        == again.tokenizer_sha256
    )


def test_shards_option_replaces_the_manifest_shards(trained, corpus, tmp_path, monkeypatch):
    """``--shards OUT/shards/index.json``: the same manifest trains on a run written anywhere."""
    from tokenizer.run import train_from_manifest

    manifest = write_manifest(tmp_path, sample_bytes=corpus_bytes(corpus[1]) // 2)  # its shards/ does not exist
    monkeypatch.chdir(corpus[0].parent)
    again = train_from_manifest(manifest, tmp_path / "tok", gpt2_baseline=False, shards=["shards/index.json"])
    assert again.tokenizer_path.read_bytes() == trained.tokenizer_path.read_bytes()
    with pytest.raises(UserError, match="missing|no shard|not found|does not exist"):
        train_from_manifest(manifest, tmp_path / "tok2", gpt2_baseline=False)


def test_same_tokenizer_with_one_thread(trained, corpus, tmp_path):
    """RAYON_NUM_THREADS only changes how pair counts are computed, not the result (rayon's pool is per process)."""
    code = (
        "import sys; from tokenizer.run import train_from_manifest; "
        "print(train_from_manifest(sys.argv[1], sys.argv[2], gpt2_baseline=False).tokenizer_sha256)"
    )
    env = {**os.environ, "RAYON_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(corpus[0]), str(tmp_path / "t1")],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == trained.tokenizer_sha256


def _rewrite_shard(shards_dir: Path, rel: str, change) -> None:
    """Rewrite one shard with ``change`` applied to its texts, and update index.json as the pipeline would."""
    path = shards_dir / rel
    with pa.memory_map(str(path)) as src:
        table = ipc.open_file(src).read_all()
    texts = [change(t) for t in table.column("text").to_pylist()]
    entry = write_shard(
        path, table.column("language")[0].as_py(), list(zip(table.column("id").to_pylist(), texts, strict=True))
    )
    index = json.loads((shards_dir / "index.json").read_text())
    for e in index["shards"]:
        if e["path"] == rel:
            e.update(entry)
    (shards_dir / "index.json").write_text(json.dumps(index))


def test_lock_mismatch_needs_update_lock(corpus, tmp_path):
    from tokenizer.run import train_from_manifest

    shutil.copytree(corpus[0].parent / "shards", tmp_path / "shards")
    manifest = write_manifest(tmp_path)
    out = tmp_path / "out"
    first = train_from_manifest(manifest, out, gpt2_baseline=False)
    _rewrite_shard(tmp_path / "shards", "fr/fr-00000.arrow", lambda t: t + " changé")
    with pytest.raises(UserError) as e:
        train_from_manifest(manifest, out, gpt2_baseline=False)
    msg = str(e.value)
    assert "shard shards/fr/fr-00000.arrow changed" in msg and "--update-lock" in msg
    assert out.joinpath("tokenizer.lock.json").read_bytes() == first.lock_path.read_bytes()  # nothing overwritten
    updated = train_from_manifest(manifest, out, update_lock=True, gpt2_baseline=False)
    new_sha = hashlib.sha256((tmp_path / "shards" / "fr" / "fr-00000.arrow").read_bytes()).hexdigest()
    assert {"path": "shards/fr/fr-00000.arrow", "sha256": new_sha} in updated.lock["shards"]
    assert train_from_manifest(manifest, out, gpt2_baseline=False).tokenizer_sha256 == updated.tokenizer_sha256
    # a changed setting is a mismatch too, named by field
    write_manifest(tmp_path, vocab_size=520)
    with pytest.raises(UserError, match=r"tokenizer\.vocab_size is 520, the lock has 500.*--update-lock"):
        train_from_manifest(manifest, out, gpt2_baseline=False)


def test_shard_changed_behind_the_index_is_caught(corpus, tmp_path):
    shutil.copytree(corpus[0].parent / "shards", tmp_path / "shards")
    with open(tmp_path / "shards" / "ar" / "ar-00000.arrow", "ab") as f:
        f.write(b"\0")
    with pytest.raises(UserError, match=r"shard shards/ar/ar-00000\.arrow does not match the sha256 in its index"):
        resolve_shards(load_manifest(write_manifest(tmp_path)))


# --- losslessness ----------------------------------------------------------------------------------------------

SAMPLES = [
    "Hello world.  How (are) you|x? ",
    "你好，世界。再见!",
    "مرحبا بالعالم، كيف حالك؟ ۔",
    "नमस्ते दुनिया। यह एक परीक्षण है।",
    "Привет, мир… ёж",
    "👩‍👩‍👧‍👦 family 🇫🇷 flag 🏳️‍🌈 e\u0301 \u200d\u200c",
    "\x00\x01\t\r\n\x0b\x0c\x1b[31m\x7f\x85\u2028\u2029\u00a0\u3000\ufeff end",
    "mixed: English, français, 中文, العربية, हिन्दी, Ελληνικά, עברית, 한국어, ไทย",
    "<s>literal special tokens</s><pad><unk>",
    "    indented\n\n\n\t\ttabs   \n",
    "\U0010fffd\U000e0001\uffff\ufffe private \ue000",
]


def roundtrip(tok: Tokenizer, text: str) -> str:
    """decode(encode(text)); special tokens typed in the text are decoded back too."""
    return tok.decode(tok.encode(text, add_special_tokens=False).ids, skip_special_tokens=False)


@pytest.mark.parametrize("text", SAMPLES)
def test_roundtrip_examples(tok, text):
    assert roundtrip(tok, text) == text


def test_roundtrip_every_language(tok, corpus):
    _, docs = corpus
    for lang, d in docs.items():
        for _, text in d[:10]:
            assert roundtrip(tok, text) == text, lang


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200))
@example("a\u0085b\u1680c\u180ed\u200be")
def test_roundtrip_any_text(tok, text):
    assert roundtrip(tok, text) == text


def test_transformers_loads_the_folder_with_its_special_tokens(trained, tok, corpus):
    import transformers  # in the test extra (without torch): the folder must load as transformers users load it

    assert json.loads((trained.out_dir / "special_tokens_map.json").read_text()) == {
        "unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"}
    config = json.loads((trained.out_dir / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast" and config["model_max_length"] == 2048
    texts = SAMPLES + [text for d in corpus[1].values() for _, text in d[:5]]
    for cls in (transformers.AutoTokenizer, transformers.PreTrainedTokenizerFast):
        t = cls.from_pretrained(str(trained.out_dir))
        assert (t.unk_token, t.bos_token, t.eos_token, t.pad_token) == ("<unk>", "<s>", "</s>", "<pad>"), cls
        assert (t.unk_token_id, t.bos_token_id, t.eos_token_id, t.pad_token_id) == (0, 1, 2, 3), cls
        assert t.model_max_length == 2048
        for text in texts:
            ids = t.encode(text, add_special_tokens=False)
            assert ids == tok.encode(text, add_special_tokens=False).ids  # the same ids as the tokenizers library
            assert t.decode(ids, skip_special_tokens=False) == text


def test_too_small_a_sample_is_a_warning_with_the_size_it_needs(corpus, tmp_path, capsys):
    from tokenizer.run import train_from_manifest

    shutil.copytree(corpus[0].parent / "shards", tmp_path / "shards")
    manifest = write_manifest(tmp_path, vocab_size=100_000)
    result = train_from_manifest(manifest, tmp_path / "out", gpt2_baseline=False)
    short = result.report["vocab_shortfall"]
    assert short["vocab_size_requested"] == 100_000 and short["vocab_size"] == result.report["vocab_size"] < 100_000
    assert short["sample_bytes"] == sum(s["trained_bytes"] for s in result.report["sample"].values())
    half = short["half_sample"]
    assert 0.4 * short["sample_bytes"] < half["sample_bytes"] < 0.6 * short["sample_bytes"]
    assert 256 + 4 < half["vocab_size"] < short["vocab_size"]
    assert 0.2 <= short["growth_exponent"] <= 1 and short["needed_sample_bytes_estimate"] > short["sample_bytes"]

    parser = argparse.ArgumentParser(prog="roots")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["tokenizer", str(manifest), "--out", str(tmp_path / "cli"), "--no-gpt2-baseline"])
    assert args.func(args) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("roots: warning: the trained vocabulary has "), err
    assert "100,000 were asked for" in err[0] and "would be needed" in err[0] and "add text" in err[0]


def test_heaps_extrapolation():
    from tokenizer.shortfall import growth_exponent, needed_bytes

    def merges(n: float) -> int:  # a vocabulary that grows exactly as 30 * bytes^0.6
        return round(30 * n**0.6)

    b = growth_exponent(merges(2e6), 2_000_000, merges(1e6), 1_000_000)
    assert b == pytest.approx(0.6, abs=1e-3)
    assert needed_bytes(merges(2e6), 2_000_000, merges(5e8), b) == pytest.approx(5e8, rel=0.02)
    assert growth_exponent(100, 2_000, 100, 1_000) is None  # no growth: nothing to extrapolate
    assert needed_bytes(100, 2_000, 1_000, None) is None


# --- report -----------------------------------------------------------------------------------------------------


def test_report(trained):
    report = json.loads(trained.report_path.read_text())
    assert report["vocab_size"] == 500 and report["pre_tokenizer"] == "bloom"
    assert report["vocab_shortfall"] is None  # the asked vocabulary was reached
    assert report["train_seconds"] > 0 and report["peak_rss_mb"] > 0
    assert set(report["sample"]) == set(WORDS)
    for key in ("languages", "vocab_share_unused"):
        assert key in report and key in report["baseline_gpt2"]
    for section in (report, report["baseline_gpt2"]):
        langs = section["languages"]
        assert set(langs) == set(WORDS)
        for m in langs.values():
            assert m["heldout_docs"] > 0 and m["fertility_tokens_per_word"] > 0 and 0 < m["tokens_per_byte"] <= 1
        total_share = sum(m["vocab_share"] for m in langs.values()) + section["vocab_share_unused"]
        assert total_share == pytest.approx(1.0)
    # each script is home to some vocabulary
    assert all(report["languages"][lang]["vocab_share"] > 0 for lang in ("ar", "hi", "ru", "zh-hans"))


def test_evaluate_definitions(tok):
    from tokenizer.evaluate import evaluate

    text = "the people of the world"
    n_tokens = len(tok.encode(text).ids)
    result = evaluate(tok, {"en": [text, text], "ru": ["каждый человек"], "xx": []}, n_special=4)
    en, xx = result["languages"]["en"], result["languages"]["xx"]
    assert en["fertility_tokens_per_word"] == pytest.approx(n_tokens / 5)
    assert en["tokens_per_byte"] == pytest.approx(n_tokens / len(text))
    assert xx["heldout_docs"] == 0 and xx["fertility_tokens_per_word"] is None and xx["vocab_share"] == 0
    # every token used by exactly one language is that language's; ru and en share no tokens here
    used_en = len(set(tok.encode(text).ids))
    assert en["vocab_share"] == pytest.approx(used_en / (tok.get_vocab_size() - 4))


def test_words_for_fertility():
    assert count_words("the  cat\nsat", "en") == 3
    assert count_words("你好 世界。", "zh-hans") == 5
    assert count_words("これは ペン", "ja") == 5


# --- CLI and bench ----------------------------------------------------------------------------------------------


def test_cli_subcommand(corpus, tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="roots")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["tokenizer", str(corpus[0]), "--out", str(tmp_path / "o"), "--no-gpt2-baseline"])
    assert args.func(args) == 0
    assert "tokenizer.json" in capsys.readouterr().out
    assert json.loads((tmp_path / "o" / "report.json").read_text())["baseline_gpt2"] is None
    bad = parser.parse_args(["tokenizer", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")])
    with pytest.raises(UserError):
        bad.func(bad)


def test_bench_runs_small(tmp_path):
    from bench.tokenizer import bench_tokenizer

    result = bench_tokenizer(total_mb=0.3, out_dir=tmp_path, vocab_size=600, check_threads=False, verbose=False)
    assert result["corpus_bytes"] >= 0.3e6
    assert result["ours"]["train_seconds"] > 0 and result["raw"]["train_seconds"] > 0
    assert result["ours"]["vocab_size"] == result["raw"]["vocab_size"] == 600
    index = json.loads((tmp_path / "shards" / "index.json").read_text())
    assert len({e["language"] for e in index["shards"]}) >= 8
