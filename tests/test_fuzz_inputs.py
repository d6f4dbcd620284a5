"""Fuzzed and hostile inputs. Whatever the bytes, every input document comes out kept, removed (with a reason) or
failed (with an error naming the file and line, record or member); no reader raises; nothing is written outside the
run's folder (archives are read in memory, never extracted); the report's counts add up; the CLI never prints a
traceback; a manifest field of any wrong type is a ``UserError`` naming the file and the field."""

from __future__ import annotations

import bz2
import copy
import gzip
import io
import json
import lzma
import os
import re
import tarfile
import tracemalloc
import zipfile
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import UserError
from manifests.schema import check_inputs, load_manifest
from pipeline.ingest.jsonl import JSON_ESCAPE_FACTOR
from pipeline.ingest.plan import plan_units, read_unit
from tests.conftest import read_arrow, roots_cli, write_manifest

ROUTES = ("kept", "removed", "failed")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
BIG = 50_000_000  # the "50 MB single line"


# ------------------------------------------------------------------------------------------------ helpers
def ingest(manifest_path: Path) -> list[tuple[str, dict]]:
    m = load_manifest(manifest_path)
    return [routed for unit in plan_units(m) for routed in read_unit(m, unit)]


def hf_manifest(directory: Path, pattern: str, builder: str = "json", extra: str = "") -> Path:
    return write_manifest(directory, f"name: t\n{extra}sources:\n  - {{name: s, type: hf, path: {builder}, "
                                     f"data_files: '{pattern}'}}\n")


def code_manifest(directory: Path, target: str, extra: str = "") -> Path:
    return write_manifest(directory, f"name: t\n{extra}sources:\n  - {{name: c, type: code, path: '{target}'}}\n")


def assert_well_formed(results: list[tuple[str, dict]], name: str) -> None:
    """Each record: a known route, a locator and (if failed) an error naming the file, a reason if removed, unique
    ids, and every field encodable as UTF-8 (Beam's coders, Arrow and the JSON dead letter all need that)."""
    for route, rec in results:
        assert route in ROUTES
        assert rec["locator"].startswith(name), rec
        if route == "failed":
            assert rec["error"].startswith(name), rec["error"]
            assert "bug in roots" not in rec["error"]
        if route == "removed":
            assert rec["reason"]
        if route == "kept":
            assert isinstance(rec["text"], str) and rec["text"].strip()
        json.dumps(rec, ensure_ascii=False).encode("utf-8")
    ids = [rec["id"] for _, rec in results]
    assert len(ids) == len(set(ids))


# ------------------------------------------------------------------------------------------------ archives
CODE_FILES = {
    "proj/a.py": b"def f():\n    return 1\n" * 40,
    "proj/b.go": b"package main\n\nfunc main() {}\n" * 30,
    "proj/notes.txt": b"not code\n" * 20,
    "proj/c.js": b"const x = 1;\n" * 50,
}


@cache
def archive_bytes(fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in CODE_FILES.items():
                zf.writestr(name, data)
    else:
        with tarfile.open(fileobj=buf, mode=f"w:{fmt}" if fmt else "w") as tar:
            for name, data in CODE_FILES.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


ARCHIVES = {"": "c.tar", "gz": "c.tar.gz", "bz2": "c.tar.bz2", "xz": "c.tar.xz", "zip": "c.zip"}


@pytest.mark.parametrize("fmt", list(ARCHIVES))
@FUZZ
@given(data=st.data())
def test_damaged_archives_never_raise(tmp_path_factory, fmt, data):
    """Truncated archives and flipped bytes anywhere: at most a dead-letter record naming the archive."""
    blob = bytearray(archive_bytes(fmt))
    cut = data.draw(st.integers(0, len(blob)), label="truncate at")
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(blob) - 1), st.integers(1, 255)), max_size=4))
    for pos, mask in flips:
        blob[pos] ^= mask
    d = tmp_path_factory.mktemp("arch")
    (d / ARCHIVES[fmt]).write_bytes(bytes(blob[:cut]))
    results = ingest(code_manifest(d, ARCHIVES[fmt]))
    assert_well_formed(results, ARCHIVES[fmt])
    assert sorted(os.listdir(d)) == sorted([ARCHIVES[fmt], "manifest.yaml"])  # nothing extracted
    if cut < len(blob) // 2 and fmt != "zip":
        assert any(route == "failed" for route, _ in results)


def test_corrupt_zip_member_is_one_dead_letter_and_the_rest_is_read(tmp_path):
    blob = bytearray(archive_bytes("zip"))
    start = blob.index(b"proj/a.py") + len("proj/a.py") + 10  # inside a.py's deflate stream
    for i in range(start, start + 20):
        blob[i] ^= 0x5A
    (tmp_path / "c.zip").write_bytes(bytes(blob))
    results = {r["path"]: (route, r) for route, r in ingest(code_manifest(tmp_path, "c.zip"))}
    assert results["proj/a.py"][0] == "failed"
    assert results["proj/a.py"][1]["error"].startswith("c.zip!proj/a.py: member is corrupt")
    assert results["proj/b.go"][0] == "kept" and results["proj/notes.txt"][1]["reason"] == "not_code"


def test_links_and_escaping_names_in_archives_are_never_followed_or_extracted(tmp_path):
    outside = tmp_path.parent / "roots-fuzz-escaped.py"
    absolute = Path("/tmp/roots-fuzz-absolute.py")
    data = b"print('hi')\n"
    with tarfile.open(tmp_path / "t.tar.gz", "w:gz") as tar:
        for name, kind, link in (("p/sym.py", tarfile.SYMTYPE, "/etc/passwd"),
                                 ("p/hard.py", tarfile.LNKTYPE, "p/ok.py"),
                                 ("p/dev.py", tarfile.CHRTYPE, ""), ("p/fifo.py", tarfile.FIFOTYPE, "")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link
            tar.addfile(info)
        for name in ("p/ok.py", f"../../{outside.name}", str(absolute)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    res = {r["path"]: (route, r) for route, r in ingest(code_manifest(tmp_path, "t.tar.gz"))}
    assert res["p/sym.py"][1]["reason"] == "symlink" and res["p/sym.py"][1]["value"] == "/etc/passwd"
    assert res["p/hard.py"][1]["reason"] == "symlink"
    assert res["p/dev.py"][1]["reason"] == res["p/fifo.py"][1]["reason"] == "not_regular_file"
    assert res[f"../../{outside.name}"][0] == res[str(absolute)][0] == "kept"  # labels only

    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        link = zipfile.ZipInfo("z/link.py")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
        zf.writestr(f"../{outside.name}", "x = 1\n")
        zf.writestr(str(absolute), "x = 2\n")
    res = {r["path"]: (route, r) for route, r in ingest(code_manifest(tmp_path, "z.zip"))}
    assert res["z/link.py"][1]["reason"] == "symlink"
    assert res[f"../{outside.name}"][0] == res[str(absolute)][0] == "kept"
    assert not outside.exists() and not absolute.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.yaml", "t.tar.gz", "z.zip"]


# ------------------------------------------------------------------------------------------------ JSON Lines
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=6)
records = st.one_of(
    st.fixed_dictionaries({"text": st.text()}, optional={"meta": json_values}),
    st.dictionaries(st.sampled_from(["text", "body", "id"]), json_values, max_size=3),
    json_values,
).map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8"))
lines = st.one_of(
    records,
    st.binary(max_size=40),                                          # garbage, invalid UTF-8, raw NUL bytes
    st.sampled_from([b'{"text": "a\\u0000b"}', b'{"text": "x\\ud800y"}', b'{"text": ', b"[" * 5000 + b"]" * 5000,
                     b'{"text": "ok", "m": "\\udc80"}', b"   ", b"", b'{"text": "\t\r "}']),
)


@FUZZ
@given(body=st.lists(lines, max_size=12), compress=st.sampled_from(["", "gz", "bz2", "xz"]))
def test_every_json_line_is_one_record(tmp_path_factory, body, compress):
    """Any bytes in a JSON Lines file: one record per non-blank line, numbered as ``datasets`` numbers them, and a
    failure names ``file:line``; compressed files read the same."""
    content = b"\n".join([b'{"text": "first record"}', *body]) + b"\n"
    name = "d.jsonl" + (f".{compress}" if compress else "")
    packed = {"": bytes, "gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[compress](content)
    d = tmp_path_factory.mktemp("jl")
    (d / name).write_bytes(packed)
    results = ingest(hf_manifest(d, name))
    assert_well_formed(results, name)
    numbered = [(i, raw) for i, raw in enumerate(content.split(b"\n")[:-1], start=1) if raw.strip()]
    assert [r["locator"] for _, r in results] == [f"{name}#record={n}" for n in range(len(numbered))]
    for (route, rec), (lineno, raw) in zip(results, numbered, strict=True):
        if route == "failed":
            assert rec["error"].startswith(f"{name}:{lineno}: ")
        elif route == "kept":
            assert rec["text"] == json.loads(raw)["text"]


def test_truncated_gzip_keeps_what_was_read_and_dead_letters_the_rest(tmp_path):
    content = "".join(json.dumps({"text": f"document number {i} " * 20}) + "\n" for i in range(3000)).encode()
    packed = gzip.compress(content)
    (tmp_path / "d.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    results = ingest(hf_manifest(tmp_path, "d.jsonl.gz"))
    assert_well_formed(results, "d.jsonl.gz")
    assert [route for route, _ in results[:-1]] == ["kept"] * (len(results) - 1) and len(results) > 100
    assert results[-1][0] == "failed" and "unreadable after line" in results[-1][1]["error"]


@pytest.mark.parametrize(("line", "error"), [
    ('{"text": ["a", "b"]}', "field 'text' is list, expected a string"),
    ('{"text": {"a": 1}}', "field 'text' is dict, expected a string"),
    ('{"text": null}', "field 'text' is NoneType, expected a string"),
    ('{"text": 3.5}', "field 'text' is float, expected a string"),
    ('{"text": true}', "field 'text' is bool, expected a string"),
    ("[1, 2]", "expected a JSON object, got list"),
    ("42", "expected a JSON object, got int"),
    ('"just a string"', "expected a JSON object, got str"),
    ("null", "expected a JSON object, got NoneType"),
    ('{"text": "x\\ud800"}', "lone surrogate"),
    ('{"text": "raw \x00 nul"}', "malformed JSON"),
    ("[" * 100_000, "nested too deeply"),
])
@pytest.mark.parametrize("first", [True, False])
def test_wrong_json_types_are_dead_letters_naming_the_line(tmp_path, line, error, first):
    good = '{"text": "a fine document"}'
    rows = [line, good, good] if first else [good, line, good]
    (tmp_path / "d.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8", errors="surrogatepass")
    results = ingest(hf_manifest(tmp_path, "d.jsonl"))
    assert_well_formed(results, "d.jsonl")
    lineno = 1 if first else 2
    assert [route for route, _ in results] == ["kept" if i != lineno else "failed" for i in (1, 2, 3)]
    message = results[lineno - 1][1]["error"]
    assert message.startswith(f"d.jsonl:{lineno}: ") and error in message


def test_nul_and_surrogates_that_are_valid_text(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"text": "before\\u0000after"}\n{"text": "ok text", "m": "\\udc80"}\n')
    (k1, r1), (k2, r2) = ingest(hf_manifest(tmp_path, "d.jsonl"))
    assert (k1, r1["text"]) == ("kept", "before\x00after")
    assert k2 == "kept" and json.loads(r2["meta"]) == {"m": "\udc80"} and r2["meta"].isascii()


def test_json_array_documents_still_go_through_datasets(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps([{"text": "a"}, {"text": "b"}]))
    (tmp_path / "pretty.json").write_text(json.dumps([{"text": "c"}, {"text": "d", "n": 1}], indent=2))
    (tmp_path / "torn.json").write_text(json.dumps([{"text": "e"}], indent=2)[:-3])
    results = ingest(hf_manifest(tmp_path, "*.json"))
    assert [(route, r["locator"], r["text"]) for route, r in results] == [
        ("kept", "one.json#record=0", "a"), ("kept", "one.json#record=1", "b"),
        ("kept", "pretty.json#record=0", "c"), ("kept", "pretty.json#record=1", "d"),
        ("failed", "torn.json#record=0", "")]
    assert results[-1][1]["error"].startswith("torn.json: unreadable after 0 records")


# ------------------------------------------------------------------------------------------------ huge inputs
def write_big_line(path: Path) -> None:
    with open(path, "wb") as f:
        f.write(b'{"text": "small"}\n{"text": "')
        chunk = b"a" * 1_000_000
        for _ in range(BIG // len(chunk)):
            f.write(chunk)
        f.write(b'"}\n{"text": "after"}\n')


def test_50mb_json_line_is_too_large(tmp_path):
    """Default limit (10 MB): the line is within 6x the limit, so it is parsed and its text measured exactly."""
    write_big_line(tmp_path / "big.jsonl")
    results = ingest(hf_manifest(tmp_path, "big.jsonl"))
    assert [(route, r.get("reason"), r.get("value")) for route, r in results] == [
        ("kept", None, None), ("removed", "too_large", BIG), ("kept", None, None)]
    assert results[1][1]["text"] == "" and results[1][1]["locator"] == "big.jsonl#record=1"


def test_50mb_lines_beyond_the_limit_are_skipped_without_loading(tmp_path):
    """With a 0.5 MB limit the 50 MB line is longer than JSON_ESCAPE_FACTOR x the limit: it is removed while being
    skipped, and the 50 MB code file is removed from its size alone; neither is ever held in memory (the peak is
    the line's first JSON_ESCAPE_FACTOR x limit bytes, and the copy ``readline`` makes of them)."""
    write_big_line(tmp_path / "big.jsonl")
    (tmp_path / "code").mkdir()
    with open(tmp_path / "code" / "huge.py", "wb") as f:
        f.truncate(BIG)  # one 50 MB line (of NULs: it would also be binary, if it were read)
    limit = "output: {max_doc_bytes: 500000}\n"
    tracemalloc.start()
    try:
        jl = ingest(hf_manifest(tmp_path, "big.jsonl", extra=limit))
        code = ingest(code_manifest(tmp_path, "code", extra=limit))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * JSON_ESCAPE_FACTOR * 500_000 < BIG / 5, peak
    assert [(route, r.get("value")) for route, r in jl] == [("kept", None), ("removed", BIG + 12), ("kept", None)]
    assert [(route, r.get("reason"), r.get("value")) for route, r in code] == [("removed", "too_large", BIG)]


# ------------------------------------------------------------------------------------------------ code files
@FUZZ
@given(content=st.binary(max_size=300) | st.text(max_size=100).map(str.encode),
       nul_at=st.none() | st.sampled_from([0, 100, 8191, 8192, 9000]),
       name=st.sampled_from(["x.py", "y.js", "Z.C", "w.rs", "img.png", "notes.txt"]))
def test_any_bytes_with_code_extensions(tmp_path_factory, content, nul_at, name):
    if nul_at is not None:
        content = content.ljust(nul_at, b"a")[:nul_at] + b"\x00" + content
    d = tmp_path_factory.mktemp("code")
    (d / "code").mkdir()
    (d / "code" / name).write_bytes(content)
    [(route, rec)] = ingest(code_manifest(d, "code"))
    assert_well_formed([(route, rec)], f"code/{name}")
    if name.endswith((".png", ".txt")):
        assert rec["reason"] == "not_code"
    elif b"\x00" in content[:8192]:
        assert rec["reason"] == "binary"
    elif route == "failed":
        assert "not valid UTF-8" in rec["error"]
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    elif route == "removed":
        assert rec["reason"] == "empty" and not content.decode().strip()
    else:
        assert rec["text"] == content.decode("utf-8")


def test_special_files_in_code_folders(tmp_path):
    code = tmp_path / "code"
    (code / "pkg").mkdir(parents=True)
    (code / "pkg" / "ok.py").write_text("x = 1\n")
    os.mkfifo(code / "pipe.py")                                         # reading it would block forever
    os.symlink("/etc", code / "etc_link")                               # a directory link: listed, not walked
    os.symlink(code / "missing.py", code / "dangling.py")
    (code / "empty.py").write_bytes(b"")
    (code / "blank.go").write_text(" \n\t\n")
    raw_name = os.fsencode(str(code)) + b"/caf\xe9.py"                  # a Latin-1 file name
    with open(raw_name, "wb") as f:
        f.write(b"print('hi')\n")
    res = {r["path"]: (route, r.get("reason"), r) for route, r in ingest(code_manifest(tmp_path, "code"))}
    assert res["pipe.py"][1] == "not_regular_file"
    assert res["etc_link"][1] == res["dangling.py"][1] == "symlink"
    assert res["empty.py"][1] == res["blank.go"][1] == "empty"
    assert res["caf\\xe9.py"][0] == "kept" and res["caf\\xe9.py"][2]["locator"] == "code/caf\\xe9.py"
    assert res["pkg/ok.py"][0] == "kept"


# ------------------------------------------------------------------------------------------------ other formats
def test_truncated_and_empty_files_of_every_format(tmp_path):
    pq.write_table(pa.table({"text": [f"row {i}" for i in range(500)]}), tmp_path / "p.parquet")
    blob = (tmp_path / "p.parquet").read_bytes()
    (tmp_path / "p.parquet").write_bytes(blob[: len(blob) // 2])
    (tmp_path / "e.parquet").write_bytes(b"")
    res = ingest(hf_manifest(tmp_path, "*.parquet", "parquet"))
    assert [(route, r["locator"]) for route, r in res] == [("failed", "e.parquet#record=0"),
                                                           ("failed", "p.parquet#record=0")]
    assert_well_formed(res, "")
    (tmp_path / "bad.txt").write_bytes(b"good line\nbad \xff line\n")
    [(route, rec)] = ingest(hf_manifest(tmp_path, "bad.txt", "text"))
    assert route == "failed" and rec["error"].startswith("bad.txt: unreadable")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "blank.jsonl").write_bytes(b"\n\n  \n")
    assert ingest(hf_manifest(tmp_path, "*.jsonl")) == []  # no line, no document
    for name in ("e.tar", "e.tar.gz"):
        (tmp_path / name).write_bytes(b"" if name == "e.tar" else gzip.compress(b""))
        [(route, rec)] = ingest(code_manifest(tmp_path, name))
        assert route == "failed" and rec["error"].startswith(f"{name}: archive is truncated or corrupt")


def test_code_parquet_with_wrong_types_per_row(tmp_path):
    pq.write_table(pa.table({"path": [1, 2], "content": ["x = 1\n", "y = 2\n"]}), tmp_path / "ints.parquet")
    pq.write_table(pa.table({"path": ["a.py", "b.py", None], "content": [[1], None, [2]]}), tmp_path / "l.parquet")
    res = ingest(code_manifest(tmp_path, "ints.parquet")) + ingest(code_manifest(tmp_path, "l.parquet"))
    assert [route for route, _ in res] == ["failed", "failed", "failed", "removed", "failed"]
    assert "column 'path' must hold strings" in res[0][1]["error"]
    assert res[0][1]["error"].startswith("ints.parquet#record=0")
    blob = (tmp_path / "ints.parquet").read_bytes()
    (tmp_path / "t.parquet").write_bytes(blob[:-10])
    [(route, rec)] = ingest(code_manifest(tmp_path, "t.parquet"))
    assert route == "failed" and rec["error"].startswith("t.parquet: unreadable parquet")


# ------------------------------------------------------------------------------------------------ manifests
BASE_MANIFEST = {"name": "t", "sources": [{"name": "s", "type": "hf", "path": "json", "data_files": "a.jsonl"}]}
FIELDS = [
    ("name",), ("sources",), ("sources", 0), ("sources", 0, "name"), ("sources", 0, "type"), ("sources", 0, "path"),
    ("sources", 0, "data_files"), ("sources", 0, "split"), ("sources", 0, "revision"), ("sources", 0, "text_column"),
    ("sources", 0, "language"), ("sources", 0, "path_column"), ("sources", 0, "content_column"), ("languages",),
    ("normalize",), ("normalize", "enabled"), ("lid",), ("lid", "model"), ("lid", "batch_size"),
    ("lid", "max_chars"), ("filters",), ("filters", "defaults"), ("filters", "defaults", "number_words_min_cutoff"),
    ("filters", "defaults", "stopwords_min_cutoff"), ("filters", "defaults", "perplexity_model"),
    ("filters", "defaults", "words_augmentation_group_sizes"), ("filters", "defaults", "incorrect_word_substrings"),
    ("filters", "languages"), ("filters", "code"), ("filters", "code", "max_line_length"),
    ("filters", "code", "vendored_dirs"), ("filters", "template_lines"), ("filters", "template_lines", "min_count"),
    ("pii",), ("pii", "enabled"), ("dedup",), ("dedup", "threshold"), ("dedup", "num_perm"), ("dedup", "seed"),
    ("output",), ("output", "shard_bytes"), ("output", "max_doc_bytes"), ("unknown_field",),
]
yaml_scalars = (st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70) | st.floats() | st.text()
                | st.dates() | st.datetimes() | st.binary(max_size=8))
yaml_values = st.recursive(yaml_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(
    st.text(max_size=5) | st.integers() | st.booleans() | st.none(), c, max_size=3), max_leaves=8)


def with_value(data: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(data)
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    node[path[-1]] = value
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(FIELDS), value=yaml_values)
def test_manifest_fields_of_any_type_give_a_user_error_naming_file_and_field(tmp_path_factory, path, value):
    d = tmp_path_factory.mktemp("mf")
    (d / "a.jsonl").write_text('{"text": "x"}\n')
    manifest = d / "manifest.yaml"
    manifest.write_text(yaml.safe_dump(with_value(BASE_MANIFEST, path, value), allow_unicode=True), encoding="utf-8")
    try:
        check_inputs(load_manifest(manifest))  # what `roots validate` and `roots run` do first
    except UserError as e:
        field = [p for p in path if isinstance(p, str)][-1]
        assert str(manifest) in str(e) and field in str(e), (path, value, str(e))


def test_missing_model_files_are_found_before_the_run(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "x"}\n')
    m = write_manifest(tmp_path, "name: t\nlid: {model: models/lid.ftz}\nfilters: {languages: {en: "
                                 "{perplexity_model: en.arpa}}}\nsources:\n  - {name: s, type: hf, path: json, "
                                 "data_files: a.jsonl}\n")
    problems = check_inputs(load_manifest(m))
    assert problems == [f"lid.model: '{tmp_path}/models/lid.ftz' is not a file (a fastText LID model such as "
                        "lid.176.ftz)",
                        f"filters.languages.en.perplexity_model: '{tmp_path}/en.arpa' is not a file (a KenLM .arpa "
                        "or .binary model)"]


# ------------------------------------------------------------------------------------------------ the real pipeline
def make_bad_inputs(root: Path) -> Path:
    """A directory with one of every bad input, and its manifest."""
    data, code = root / "data", root / "code"
    data.mkdir(parents=True)
    (code / "src").mkdir(parents=True)
    rows = ['{"text": "The council met on Tuesday to discuss the school budget and the new library."}',
            '{"text": "cut', '{"text": ["a"]}', '{"text": {"b": 1}}', '{"text": null}', '{"text": 7}', "[1, 2]", "42",
            '{"body": "no text field"}', '{"text": ""}', '{"text": "   "}', '{"text": "nul \\u0000 inside a text"}',
            '{"text": "x\\udc80"}', "[" * 50_000]
    (data / "bad.jsonl").write_bytes("\n".join(rows).encode() + b'\n{"text": "bad \xff utf8"}\n\x00\x01\x02\n')
    write_big_line(data / "big.jsonl")
    packed = gzip.compress(("".join(json.dumps({"text": f"gzipped document {i} " * 10}) + "\n"
                                    for i in range(400))).encode())
    (data / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    (data / "empty.jsonl").write_bytes(b"")
    pq.write_table(pa.table({"text": ["a parquet row"] * 100}), data / "t.parquet")
    (data / "t.parquet").write_bytes((data / "t.parquet").read_bytes()[:-30])

    (code / "src" / "ok.py").write_text("def area(r):\n    return 3.14159 * r * r\n")
    (code / "src" / "bin.js").write_bytes(b"var x = 1;\x00\x01\x02" * 10)
    (code / "src" / "latin1.py").write_bytes(b"s = 'caf\xe9'\n")
    (code / "src" / "late_nul.c").write_bytes(b"int x;\n" * 2000 + b"\x00\n")
    (code / "src" / "empty.rs").write_bytes(b"")
    with open(code / "src" / "huge.py", "wb") as f:
        f.write(b"x = '" + b"a" * BIG + b"'\n")
    os.mkfifo(code / "src" / "pipe.py")
    os.symlink("/etc", code / "etc_link")
    with open(os.fsencode(str(code / "src")) + b"/na\xefve.py", "wb") as f:
        f.write(b"print('naive')\n")
    for name in ("t.tar.gz", "z.zip", "cut.tar.gz"):
        (root / name).write_bytes(b"")
    with tarfile.open(root / "t.tar.gz", "w:gz") as tar:
        for name, kind, link in (("p/sym.py", tarfile.SYMTYPE, "/etc/passwd"), ("p/hard.py", tarfile.LNKTYPE, "x")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link
            tar.addfile(info)
        for name in ("p/ok.py", "../../roots-fuzz-escape.py", "/tmp/roots-fuzz-absolute.py"):
            info = tarfile.TarInfo(name)
            body = f"print({name!r})\n".encode()
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    blob = bytearray(archive_bytes("zip"))
    start = blob.index(b"proj/a.py") + len("proj/a.py") + 10
    blob[start:start + 20] = bytes(b ^ 0x5A for b in blob[start:start + 20])
    (root / "z.zip").write_bytes(bytes(blob))
    tgz = archive_bytes("gz")
    (root / "cut.tar.gz").write_bytes(tgz[: len(tgz) // 2])
    pq.write_table(pa.table({"path": ["a.py", "b.py"], "content": [[1], [2]]}), root / "code.parquet")

    sources = [("jsonl", "hf", "path: json, data_files: 'data/*.jsonl*'"),
               ("parquet", "hf", "path: parquet, data_files: 'data/*.parquet'"), ("folder", "code", "path: code")]
    sources += [(n.replace(".", "-"), "code", f"path: {n}") for n in ("t.tar.gz", "z.zip", "cut.tar.gz",
                                                                        "code.parquet")]
    body = "name: bad\nsources:\n" + "".join(f"  - {{name: {n}, type: {t}, {rest}}}\n" for n, t, rest in sources)
    return write_manifest(root, body)


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory) -> Path:
    return make_bad_inputs(tmp_path_factory.mktemp("bad") / "in")


def test_pipeline_on_every_bad_input_at_once(bad_inputs, tmp_path):
    from pipeline.run import run

    expected = ingest(bad_inputs)  # what the readers say, one record per input document
    out = tmp_path / "out"
    before = set(os.listdir(bad_inputs.parent.parent))
    report = run(str(bad_inputs), str(out), progress=False)
    assert report["counts_add_up"]
    assert report["input_docs"] == len(expected)
    assert report["failed_docs"] == sum(route == "failed" for route, _ in expected)
    assert report["removed_docs"]["too_large"] == 2 and report["removed_docs"]["symlink"] == 3
    for reason in ("binary", "empty", "not_regular_file", "not_code"):
        assert report["removed_docs"][reason] >= 1, reason

    dead = [json.loads(line) for p in sorted((out / "dead_letter").rglob("*.jsonl"))
            for line in p.read_text(encoding="utf-8").splitlines()]
    assert len(dead) == report["failed_docs"]
    for rec in dead:  # each names its file and line, record or member
        assert re.split("[:!#]", rec["error"])[0] in {"data/bad.jsonl", "data/cut.jsonl.gz", "data/t.parquet",
                                                      "code/src/latin1.py", "z.zip", "cut.tar.gz", "code.parquet"}
        assert "bug in roots" not in rec["error"]
    assert any(rec["error"].startswith("data/bad.jsonl:3: field 'text' is list") for rec in dead)
    removed = pa.concat_tables([read_arrow(p) for p in sorted((out / "removed").rglob("*.arrow"))])
    locators = dict(zip(removed.column("locator").to_pylist(), removed.column("reason").to_pylist(), strict=True))
    assert locators["data/big.jsonl#record=1"] == locators["code/src/huge.py"] == "too_large"
    assert locators["code/etc_link"] == locators["t.tar.gz!p/sym.py"] == "symlink"
    assert locators["code/src/pipe.py"] == "not_regular_file"
    assert set(os.listdir(bad_inputs.parent.parent)) == before  # nothing written beside the inputs
    assert not Path("/tmp/roots-fuzz-absolute.py").exists()
    assert not (bad_inputs.parent.parent.parent / "roots-fuzz-escape.py").exists()


def test_cli_never_prints_a_traceback(bad_inputs, tmp_path):
    proc = roots_cli("run", str(bad_inputs), "--out", str(tmp_path / "out"), "--no-progress", "-q")
    assert proc.returncode == 1, proc.stderr  # two sources yield nothing but dead letters: each is named
    assert "roots: error: source code-parquet: all 2 of its documents failed to read" in proc.stderr
    assert "roots: error: source parquet: its one document failed to read" in proc.stderr
    assert "Traceback" not in proc.stderr and "inputs failed to read" in proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["counts_add_up"] and report["failed_docs"] > 0

    bad_manifests = {
        "types.yaml": "name: t\nsources:\n  - {name: s, type: hf, path: json, data_files: 5}\nlid: {batch_size: x}\n",
        "yaml.yaml": "name: [\n",
        "model.yaml": f"name: t\nlid: {{model: nope.ftz}}\nsources:\n  - {{name: c, type: code, path: {tmp_path}}}\n",
        "binary.yaml": b"name: t\xff\n",
    }
    for name, body in bad_manifests.items():
        path = tmp_path / name
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
        for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o2")]):
            proc = roots_cli(*command)
            assert proc.returncode == 2 and "Traceback" not in proc.stderr, (name, proc.stderr)
            assert proc.stderr.startswith(f"roots: error: {path}"), proc.stderr
