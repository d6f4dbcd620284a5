"""Manifest validation: every mistake names the file and the field."""

from __future__ import annotations

import pytest

from core.errors import UserError
from manifests.schema import check_inputs, load_manifest, parse_manifest
from tests.conftest import SAMPLE, roots_cli, write_manifest

GOOD = """
name: t
sources:
  - name: web
    type: hf
    path: json
    data_files: data/*.jsonl
"""


def test_sample_manifest_is_valid():
    m = load_manifest(SAMPLE)
    assert m.name == "sample"
    assert {s.type for s in m.sources} == {"hf", "code"}
    assert check_inputs(m) == []


def test_relative_paths_resolve_against_the_manifest(tmp_path):
    m = load_manifest(write_manifest(tmp_path, GOOD))
    assert m.resolve("data/x.jsonl") == str(tmp_path / "data" / "x.jsonl")
    assert m.relative(str(tmp_path / "data" / "x.jsonl")) == "data/x.jsonl"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GOOD.replace("path: json", "path: json\n    text_colum: body"), "sources[0].text_colum: unknown field"),
        (GOOD.replace("type: hf", "type: ftp"), "sources[0].type"),
        (GOOD + "languages: en\n", "languages"),
        (GOOD + "languages: [en, eng]\n", "languages[1]: unknown language code 'eng': did you mean 'en'?"),
        (GOOD + "languages: [zh]\n", "languages[0]: language code 'zh': roots splits Chinese by script"),
        (GOOD + "languages: [en-latn]\n", "languages[0]: unknown language code 'en-latn': did you mean 'en'?"),
        (GOOD + "languages: [zh_TW]\n", "did you mean 'zh-hant'?"),
        (GOOD + "languages: [code-pyton]\n", "languages[0]: unknown programming language 'code-pyton': did you "
                                              "mean 'code-python'?"),
        (GOOD.replace("path: json", "path: json\n    language: French"), "sources[0].language: unknown language "
                                                                        "code 'French': did you mean 'fr'?"),
        (GOOD + "output:\n  shard_bytes: -5\n", "output.shard_bytes"),
        (GOOD + "lid:\n  batch_size: many\n", "lid.batch_size"),
        ("name: t\nsources: []\n", "sources"),
        ("sources: []\n", "name"),
        (GOOD + "  - name: web\n    type: hf\n    path: json\n", "used twice"),
        (GOOD + "  - name: c\n    type: code\n    path: x\n    data_files: y\n",
         "sources[1]: data_files is for type: hf"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("name: [unclosed\n", "not valid YAML"),
        ("name: t\nsources:\n  - {name: s, type: hf, path: json, data_files: *.jsonl}\n", "quote values"),
    ],
)
def test_bad_manifests_name_file_and_field(tmp_path, body, expected):
    path = write_manifest(tmp_path, body)
    with pytest.raises(UserError) as err:
        load_manifest(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_missing_inputs_are_named(tmp_path):
    m = load_manifest(write_manifest(tmp_path, GOOD + "  - name: c\n    type: code\n    path: nowhere/\n"))
    problems = check_inputs(m)
    assert any("sources[0] (web)" in p and "matches no file" in p for p in problems)
    assert any("sources[1] (c)" in p and "does not exist" in p for p in problems)


def test_validate_command(tmp_path):
    ok = roots_cli("validate", str(SAMPLE))
    assert ok.returncode == 0, ok.stderr
    assert "ok" in ok.stdout
    bad = roots_cli("validate", str(write_manifest(tmp_path, GOOD + "    spilt: x\n")))
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "unknown field" in bad.stderr
    missing = roots_cli("validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "manifest not found" in missing.stderr and "Traceback" not in missing.stderr


def test_roots_manifest_validates_offline_and_covers_the_roots_languages(tmp_path, monkeypatch, capsys):
    """manifests/roots.yaml (the public ROOTS subsets on the Hub) validates without the network: offline, with an
    empty Hugging Face cache, every field is checked and the subsets are listed as not checked. Every source is a
    bigscience-data ROOTS subset with a ROOTS language (or auto) and says how it was confirmed; every ROOTS language
    is covered by a source or listed among the unconfirmed ones at the end."""
    import re

    from core.languages import ROOTS_46
    from pipeline.cli import main
    from tests.conftest import REPO

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    path = REPO / "manifests" / "roots.yaml"
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    manifest = load_manifest(path)
    assert f"ok ({len(manifest.sources)} sources" in out
    assert f"{len(manifest.sources)} hub datasets not checked (HF_HUB_OFFLINE=1" in err
    text = path.read_text(encoding="utf-8")
    assert "HF_TOKEN" in text and "gated" in text.lower() and manifest.license == "other"
    lines = {s.path: next(line for line in text.splitlines() if f"path: {s.path}," in line) for s in manifest.sources}
    for s in manifest.sources:
        assert re.fullmatch(r"bigscience-data/roots_[a-z-]+_[a-z0-9_-]+", s.path), s.path
        assert s.language in (*ROOTS_46, "auto") and s.filters == "curated" and s.revision is None, s
        assert re.search(r"#\s*(hub|org|code)(, (hub|org|code))*$", lines[s.path]), lines[s.path]
    covered = {s.language for s in manifest.sources} - {"auto"}
    unconfirmed = text[text.index("# ---- not confirmed"):]
    listed = set(re.findall(r"(?<![\w-])([a-z]{2,3})(?![\w-])", unconfirmed))
    assert len(covered) >= 21 and set(ROOTS_46) - covered <= listed, set(ROOTS_46) - covered - listed


def test_valid_language_codes_load():
    """The codes documents get: ROOTS' 46, lid.176's labels in its own spelling (sh, tl, eml), ISO 639-3 codes
    with no 639-1 code, romanised scripts, and code languages."""
    from core.languages import ROOTS_46
    from filters.lid_labels import language_code_problem

    codes = [*ROOTS_46, "de", "sh", "tl", "eml", "arz", "yue", "ceb", "hi-latn", "code-python", "code-cpp"]
    m = parse_manifest({"name": "t", "sources": [{"name": "s", "type": "hf", "path": "json", "data_files": "x",
                                                   "language": "hi-latn"}], "languages": codes}, "m.yaml", ".")
    assert m.languages == codes and m.sources[0].language == "hi-latn"
    assert [c for c in ROOTS_46 if language_code_problem(c)] == []

