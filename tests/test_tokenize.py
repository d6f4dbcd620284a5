"""``roots tokenize``: Megatron indexed datasets per language, deterministic, crash-safe, with the alpha mix.

The files are read back by ``MegatronReader`` below, written from the format's published layout (Megatron-LM
``megatron/core/datasets/indexed_dataset.py``: ``_IndexWriter`` / ``_IndexReader``), not with roots' own writer.
Megatron's own reader (``megatron-core``) imports torch at module level, and torch's PyPI wheels pull several GB
of CUDA libraries: too heavy for the test extra that every CI run installs.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import yaml
from tokenizers import Tokenizer

from core.errors import UserError
from pipeline.files import SHARD_SCHEMA, encode_arrow
from tests.conftest import read_arrow, tree_bytes

# Megatron's DType enum (code -> numpy dtype)
MEGATRON_DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32,
                   8: np.uint16}


class MegatronReader:
    """Reads ``<prefix>.idx``/``.bin`` exactly as Megatron's ``_IndexReader`` and ``_MMapBinReader`` do."""

    def __init__(self, prefix: Path):
        raw = Path(f"{prefix}.idx").read_bytes()
        assert raw[:9] == b"MMIDIDX\x00\x00", "bad header"
        (version,) = struct.unpack("<Q", raw[9:17])
        assert version == 1
        self.dtype = np.dtype(MEGATRON_DTYPES[raw[17]])
        self.sequence_count, self.document_count = struct.unpack("<QQ", raw[18:34])
        off = 34
        self.lengths = np.frombuffer(raw, dtype=np.int32, count=self.sequence_count, offset=off)
        off += self.lengths.nbytes
        self.pointers = np.frombuffer(raw, dtype=np.int64, count=self.sequence_count, offset=off)
        off += self.pointers.nbytes
        self.document_indices = np.frombuffer(raw, dtype=np.int64, count=self.document_count, offset=off)
        off += self.document_indices.nbytes
        assert off == len(raw), "trailing bytes after the document index"
        self.bin = np.memmap(f"{prefix}.bin", mode="r", dtype=np.uint8)

    def __len__(self) -> int:
        return self.document_count - 1  # Megatron: "total number of documents: document_indices.shape[0] - 1"

    def document(self, k: int) -> np.ndarray:
        """Token ids of document k (all its sequences)."""
        lo, hi = self.document_indices[k], self.document_indices[k + 1]
        parts = [np.frombuffer(self.bin, dtype=self.dtype, count=int(self.lengths[i]), offset=int(self.pointers[i]))
                 for i in range(lo, hi)]
        return np.concatenate(parts) if parts else np.zeros(0, self.dtype)


# ------------------------------------------------------------------------------------------------ unit: format
def test_index_layout_and_dtype_rule():
    from tokenizer.megatron import encode_documents, encode_index, token_dtype

    assert token_dtype(65_499) == np.uint16 and token_dtype(65_500) == np.int32
    assert token_dtype(250_680) == np.int32  # BLOOM's vocabulary needs int32
    for vocab, code, size in ((500, 8, 2), (250_680, 4, 4)):
        dtype = token_dtype(vocab)
        data, lengths = encode_documents([[5, 6, 7], [], [250_000 % vocab]], 2, dtype)
        idx = encode_index(lengths, dtype)
        assert idx[:9] == b"MMIDIDX\x00\x00" and struct.unpack("<QBQQ", idx[9:34]) == (1, code, 3, 4)
        assert lengths.tolist() == [4, 1, 2]
        assert len(data) == 7 * size
        assert np.frombuffer(data, dtype=dtype).tolist() == [5, 6, 7, 2, 2, 250_000 % vocab, 2]


def test_reader_reads_what_the_writer_wrote(tmp_path):
    from tokenizer.megatron import encode_documents, encode_index

    docs = [[1, 2, 3], [4], [9, 9, 9, 9, 9]]
    data, lengths = encode_documents(docs, 0, np.int32)
    (tmp_path / "x.bin").write_bytes(data)
    (tmp_path / "x.idx").write_bytes(encode_index(lengths, np.int32))
    r = MegatronReader(tmp_path / "x")
    assert len(r) == 3 and r.dtype == np.int32
    assert [r.document(k).tolist() for k in range(3)] == [d + [0] for d in docs]
    assert r.pointers.tolist() == [0, 16, 24]


# ------------------------------------------------------------------------------------------------ unit: mix
def test_alpha_weights():
    from tokenizer.mix import alpha_weights, build_mix, data_path

    tokens = {"en": 900, "fr": 90, "eu": 10}
    assert alpha_weights(tokens, 1.0) == pytest.approx({"en": 0.9, "fr": 0.09, "eu": 0.01})
    assert alpha_weights(tokens, 0.0) == pytest.approx({k: 1 / 3 for k in tokens})
    w = alpha_weights(tokens, 0.3)
    expect = {k: (v / 1000) ** 0.3 for k, v in tokens.items()}
    assert w == pytest.approx({k: v / sum(expect.values()) for k, v in expect.items()})
    assert w["eu"] > 0.01 and w["en"] < 0.9  # low-resource languages are upsampled
    mix = build_mix(tokens, 0.3, train_tokens=10_000)
    assert mix["eu"]["sampled_tokens"] == round(w["eu"] * 10_000)
    assert mix["eu"]["epochs"] == pytest.approx(mix["eu"]["sampled_tokens"] / 10, abs=1e-3)
    assert data_path(mix, {k: f"/d/{k}" for k in mix}) == (
        f"{mix['en']['weight']:.6f} /d/en {mix['eu']['weight']:.6f} /d/eu {mix['fr']['weight']:.6f} /d/fr")


def test_mix_alpha_is_a_validated_manifest_field(tmp_path):
    from tokenizer.config import load_manifest

    path = tmp_path / "tok.yaml"
    path.write_text(yaml.safe_dump({"tokenizer": {"shards": "x/index.json", "mix_alpha": 1.5}}))
    with pytest.raises(UserError, match=r"mix_alpha"):
        load_manifest(path)
    path.write_text(yaml.safe_dump({"tokenizer": {"shards": "x/index.json", "mix_alpha": 0.5}}))
    assert load_manifest(path).tokenizer.mix_alpha == 0.5


# ------------------------------------------------------------------------------------------------ a small run
TEXTS = {
    "en": ["The cat sat on the mat.", "", "A dog! Another dog?\nYes, dogs.", "Plain words only here"],
    "fr": ["Le chat est là.", "Où est le café ? Ici, voilà.", "déjà vu, naïve, cœur", "é" * 40, "x"],
    "zh-hans": ["我们今天去公园。", "你好，世界！"],
}


def write_run(out: Path, shards_per_lang: int = 2) -> dict[str, list[str]]:
    """A finished-run folder (shards, index.json, report.json); returns each language's texts in shard/id order."""
    order: dict[str, list[str]] = {}
    entries = []
    for lang, texts in TEXTS.items():
        rows = [{"id": f"{lang}-{i:03d}", "text": t, "language": lang, "source": "s", "lid_score": 1.0, "meta": "{}"}
                for i, t in enumerate(texts)]
        order[lang] = []
        for s in range(shards_per_lang):
            mine = sorted((r for j, r in enumerate(rows) if j % shards_per_lang == s), key=lambda r: r["id"])
            rel = f"{lang}/{lang}-{s:05d}.arrow"
            (out / "shards" / lang).mkdir(parents=True, exist_ok=True)
            (out / "shards" / rel).write_bytes(encode_arrow(mine, SHARD_SCHEMA))
            entries.append({"path": rel, "language": lang, "rows": len(mine)})
            order[lang] += [r["text"] for r in mine]
    (out / "shards" / "index.json").write_text(json.dumps({"version": 1, "shards": entries}))
    langs = {lang: {"docs": len(t), "bytes": sum(len(x.encode()) for x in t)} for lang, t in TEXTS.items()}
    report = {"version": 1, "name": "t", "input_docs": 11, "kept_docs": 11, "failed_docs": 0, "removed_docs": {},
              "kept_bytes": sum(v["bytes"] for v in langs.values()), "languages": langs, "programming_languages": {},
              "counts_add_up": True, "sources": {"s": 11}}
    (out / "report.json").write_text(json.dumps(report))
    return order


@pytest.fixture(scope="module")
def small_tokenizer(tmp_path_factory) -> Path:
    """A tiny BLOOM-style tokenizer trained (by roots) on the small run."""
    from tokenizer.run import train_from_manifest

    root = tmp_path_factory.mktemp("tokrun")
    write_run(root / "run")
    manifest = root / "tok.yaml"
    manifest.write_text(yaml.safe_dump({"tokenizer": {"shards": "run/shards/index.json", "vocab_size": 300,
                                                       "heldout_fraction": 0.0, "min_frequency": 1,
                                                       "mix_alpha": 0.5}}))
    train_from_manifest(manifest, root / "tok", gpt2_baseline=False)
    return root / "tok"


def tokenize(out: Path, tok_dir: Path, *beam_args: str, piece_rows: int = 2, **kw) -> dict:
    from pipeline.tokenize import plan_tokenize, tokenize_run

    return tokenize_run(plan_tokenize(str(out), str(tok_dir), beam_args=beam_args, piece_rows=piece_rows, **kw))


def test_documents_tokens_and_decoding(tmp_path, small_tokenizer):
    order = write_run(tmp_path / "run")
    index = tokenize(tmp_path / "run", small_tokenizer)
    tok = Tokenizer.from_file(str(small_tokenizer / "tokenizer.json"))
    eod = tok.token_to_id("</s>")
    assert index["dtype"] == "uint16" and index["tokenizer"]["eod_id"] == eod
    assert index["alpha"] == 0.5  # the tokenizer manifest's mix_alpha, read from its lock
    dest = tmp_path / "run" / "tokens"
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        ["index.json"] + [f"{lang}.{ext}" for lang in TEXTS for ext in ("bin", "idx")])
    for lang, texts in order.items():
        r = MegatronReader(dest / lang)
        entry = index["languages"][lang]
        assert len(r) == len(texts) == entry["documents"]
        assert int(r.lengths.sum()) == entry["tokens"] == (dest / f"{lang}.bin").stat().st_size // 2
        for k, text in enumerate(texts):
            ids = r.document(k).tolist()
            assert ids[-1] == eod
            assert tok.decode(ids[:-1], skip_special_tokens=False) == text
    assert index["documents"] == sum(len(t) for t in TEXTS.values())
    weights = [v["weight"] for v in index["languages"].values()]
    assert sum(weights) == pytest.approx(1.0, abs=1e-5)
    pairs = index["data_path"].split()
    assert pairs[1::2] == [str(dest / lang) for lang in sorted(TEXTS)]
    assert [float(w) for w in pairs[0::2]] == [index["languages"][lang]["weight"] for lang in sorted(TEXTS)]


def test_byte_identical_across_pieces_and_workers(tmp_path, small_tokenizer):
    runs = []
    for name, args, rows in (("a", (), 1), ("b", (), 1000),
                             ("c", ("--direct_num_workers=2", "--direct_running_mode=multi_processing"), 2)):
        write_run(tmp_path / name)
        tokenize(tmp_path / name, small_tokenizer, *args, piece_rows=rows, dest=str(tmp_path / "t" / name))
        files = tree_bytes(tmp_path / "t" / name)
        index = json.loads(files.pop("index.json"))
        runs.append((files, {k: v for k, v in index.items() if k != "data_path"}))
    assert runs[0] == runs[1] == runs[2]
    assert all(k.endswith((".bin", ".idx")) for k in runs[0][0])


def test_rerun_clears_its_leftovers_and_refuses_foreign_files(tmp_path, small_tokenizer):
    write_run(tmp_path / "run")
    dest = tmp_path / "run" / "tokens"
    (dest / ".parts").mkdir(parents=True)
    (dest / ".parts" / f"00000001.bin.tmp-{'cd' * 16}").write_bytes(b"killed worker")
    (dest / "gone.bin").write_bytes(b"a language of an earlier run")
    (dest / f"en.bin.tmp-{'ab' * 16}").write_bytes(b"half written")  # as tmp_name makes it
    tokenize(tmp_path / "run", small_tokenizer)
    names = {str(p.relative_to(dest)) for p in dest.rglob("*")}
    assert "gone.bin" not in names and not any(".tmp-" in n or n.startswith(".parts") for n in names)
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="notes.txt"):
        tokenize(tmp_path / "run", small_tokenizer)


def test_user_errors(tmp_path, small_tokenizer):
    write_run(tmp_path / "run")
    with pytest.raises(UserError, match="no such folder"):
        tokenize(tmp_path / "nothing", small_tokenizer)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no report.json"):
        tokenize(tmp_path / "empty", small_tokenizer)
    with pytest.raises(UserError, match="tokenizer.json"):
        tokenize(tmp_path / "run", tmp_path)
    with pytest.raises(UserError, match="--eod <eos>"):
        tokenize(tmp_path / "run", small_tokenizer, eod_token="<eos>")
    with pytest.raises(UserError, match="--alpha"):
        tokenize(tmp_path / "run", small_tokenizer, alpha=1.2)
    shard = tmp_path / "run" / "shards" / "en" / "en-00000.arrow"
    table = read_arrow(shard)
    shard.write_bytes(encode_arrow(table.slice(0, 1).to_pylist(), SHARD_SCHEMA))
    with pytest.raises(UserError, match="has 1 rows, shards/index.json says 2"):
        tokenize(tmp_path / "run", small_tokenizer)
    shard.unlink()
    with pytest.raises(UserError, match="not readable as an Arrow shard"):
        tokenize(tmp_path / "run", small_tokenizer)


def test_cli_tokenize_then_report(tmp_path, small_tokenizer, capsys, monkeypatch):
    from pipeline.cli import main

    monkeypatch.setenv("COLUMNS", "200")  # wide enough that rich tables don't wrap cell text
    write_run(tmp_path / "run")
    assert main(["tokenize", str(tmp_path / "run"), "--tokenizer", str(small_tokenizer), "--alpha", "0.3",
                 "--train-tokens", "1000"]) == 0
    printed = capsys.readouterr().out
    assert "--data-path " in printed and "zh-hans" in printed
    index = json.loads((tmp_path / "run" / "tokens" / "index.json").read_text())
    assert index["alpha"] == 0.3 and index["train_tokens"] == 1000
    assert sum(v["sampled_tokens"] for v in index["languages"].values()) == pytest.approx(1000, abs=3)
    html = (tmp_path / "run" / "report.html").read_text()
    assert 'id="tokens"' in html and 'data-table="tokens"' in html and 'data-chart="tokens"' in html
    assert main(["report", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "Tokens (alpha 0.3; uint16)" in out and "tokens/byte" in out and "zh-hans" in out
    assert main(["tokenize", str(tmp_path / "run"), "--tokenizer", str(tmp_path)]) == 2
    assert "no tokenizer.json" in capsys.readouterr().err


def test_sample_run_tokenizes(sample_run, small_tokenizer, tmp_path):
    """The real pipeline's shards (many languages, code): every kept document is in the files, in order."""
    index = tokenize(sample_run, small_tokenizer, dest=str(tmp_path / "tokens"), piece_rows=4096)
    shards = json.loads((sample_run / "shards" / "index.json").read_text())["shards"]
    tok = Tokenizer.from_file(str(small_tokenizer / "tokenizer.json"))
    for lang, entry in index["languages"].items():
        texts = [t for s in sorted(shards, key=lambda s: s["path"]) if s["language"] == lang
                 for t in read_arrow(sample_run / "shards" / s["path"]).column("text").to_pylist()]
        r = MegatronReader(tmp_path / "tokens" / lang)
        assert len(r) == entry["documents"] == len(texts)
        assert tok.decode(r.document(len(texts) - 1).tolist()[:-1], skip_special_tokens=False) == texts[-1]
    report = json.loads((sample_run / "report.json").read_text())
    assert index["documents"] == report["kept_docs"]


def test_remote_run_and_output_through_filesystems(tmp_path, small_tokenizer):
    """Shards and tokens on a Beam filesystem (gs:// on Dataflow): the same bytes as on local disk."""
    from tests.fake_fs import FakeBucketFileSystem  # noqa: F401 - importing registers the fakegs:// scheme

    write_run(tmp_path / "run")
    tokenize(tmp_path / "run", small_tokenizer, dest=str(tmp_path / "local"))
    index = tokenize(f"fakegs://{tmp_path / 'run'}", small_tokenizer, dest=f"fakegs://{tmp_path / 'remote'}")
    local, remote = tree_bytes(tmp_path / "local"), tree_bytes(tmp_path / "remote")
    assert local.pop("index.json") and remote.pop("index.json") and local == remote
    assert index["data_path"].split()[1].startswith(f"fakegs://{tmp_path / 'remote'}/")
