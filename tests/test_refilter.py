"""``roots refilter``: new cut-offs from a run's attributes give, byte for byte, what a full run with the new
manifest writes; a change refilter cannot apply is refused with the field that differs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.errors import UserError
from manifests.schema import load_manifest
from pipeline.refilter import check_refilterable, refilter
from pipeline.run import run
from tests.conftest import SAMPLE, output_bytes, roots_cli, tree_bytes

#: looser where the sample has removals (so documents come back), tighter elsewhere (so kept ones go), and a
#: new dedup threshold (so clusters change)
NEW = """
filters:
  defaults: {number_words_min_cutoff: 3, character_repetition_max_cutoff: 0.5}
  languages:
    de: {special_characters_max_cutoff: 0.05}
    fr: {stopwords_min_cutoff: 0.33}
dedup: {threshold: 0.6}
"""


def sample_copy(directory: Path, name: str, extra: str = "") -> Path:
    """The bundled sample manifest written into ``directory`` with its data paths absolute, plus ``extra``."""
    text = SAMPLE.read_text(encoding="utf-8").replace("sample_data/", f"{SAMPLE.parent}/sample_data/")
    path = directory / name
    path.write_text(text + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("refilter")
    old, new = sample_copy(d, "old.yaml"), sample_copy(d, "new.yaml", NEW)
    run(str(old), str(d / "old"), progress=False)
    run(str(new), str(d / "full"), progress=False)
    refilter(str(d / "old"), str(new), str(d / "refiltered"), progress=False)
    return d


def test_refilter_is_byte_identical_to_a_full_run(runs):
    full, refiltered = output_bytes(runs / "full"), output_bytes(runs / "refiltered")
    assert [k for k in sorted(set(full) | set(refiltered)) if full.get(k) != refiltered.get(k)] == []
    assert tree_bytes(runs / "full" / "attributes") == tree_bytes(runs / "refiltered" / "attributes")
    old = output_bytes(runs / "old")
    assert old["report.json"] != full["report.json"]  # the new cut-offs did change what was kept


def test_documents_move_both_ways(runs):
    import json

    old, new = (json.loads((runs / name / "report.json").read_text()) for name in ("old", "refiltered"))
    assert old["removed_docs"].get("number_words", 0) > new["removed_docs"].get("number_words", 0)
    assert new["removed_docs"].get("special_characters", 0) > old["removed_docs"].get("special_characters", 0)
    assert new["counts_add_up"] and new["input_docs"] == old["input_docs"]


def test_without_attributes_the_outputs_are_the_same(runs):
    off = sample_copy(runs, "off.yaml", NEW + "attributes: {enabled: false}\n")
    refilter(str(runs / "old"), str(off), str(runs / "off"), progress=False)
    assert output_bytes(runs / "off") == output_bytes(runs / "full")
    assert not (runs / "off" / "attributes").exists()


@pytest.mark.parametrize("extra, field", [
    ("normalize: {enabled: false}\n", "normalize.enabled"),
    ("normalize: {code: true}\n", "normalize.code"),
    ("lid: {second_model: null}\n", "lid.second_model"),
    ("pii: {enabled: false}\n", "pii.enabled"),
    ("filters: {languages: {en: {incorrect_word_substrings: [foo]}}}\n", "incorrect_word_substrings"),
    ("filters: {defaults: {word_lists: stopwords-iso}}\n", "word_lists"),
    ("filters: {template_lines: {enabled: true}}\n", "filters.template_lines.enabled"),
    ("output: {max_doc_bytes: 1000}\n", "output.max_doc_bytes"),
    ("languages: [en, fr]\n", None),  # narrower than none at all: fine
])
def test_changes_refilter_cannot_apply_are_refused(tmp_path, extra, field):
    old = load_manifest(sample_copy(tmp_path, "old.yaml", "languages: [en, fr, de]\n" if field is None else ""))
    new_path = sample_copy(tmp_path, "new.yaml", extra)
    if field is None:
        check_refilterable(old, load_manifest(new_path), str(new_path))
        return
    with pytest.raises(UserError, match=field):
        check_refilterable(old, load_manifest(new_path), str(new_path))


def test_refused_on_the_command_line(runs, tmp_path):
    new = sample_copy(runs, "sources.yaml", "")
    new.write_text(new.read_text().replace("name: fr-news", "name: fr-news2"))
    res = roots_cli("refilter", str(runs / "old"), "--manifest", str(new), "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "sources" in res.stderr and "Traceback" not in res.stderr, res.stderr
    widen = sample_copy(tmp_path, "wide.yaml", "")  # another folder: ids are relative to the manifest's folder
    res = roots_cli("refilter", str(runs / "old"), "--manifest", str(widen), "--out", str(tmp_path / "y"))
    assert res.returncode == 2 and "same folder" in res.stderr, res.stderr
    bare = tmp_path / "bare"
    shutil.copytree(runs / "old", bare, ignore=shutil.ignore_patterns("attributes"))
    res = roots_cli("refilter", str(bare), "--manifest", str(new), "--out", str(tmp_path / "z"))
    assert res.returncode == 2 and "no attributes" in res.stderr, res.stderr
