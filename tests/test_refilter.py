"""``roots refilter``: new cut-offs from a run's attributes give, byte for byte, what a full run with the new
manifest writes; a change refilter cannot apply is refused with the field that differs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import UserError
from manifests.schema import load_manifest
from pipeline.refilter import check_refilterable, refilter
from pipeline.run import run
from tests.conftest import REPO, SAMPLE, output_bytes, roots_cli, tree_bytes

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

#: cut-offs only (dedup as in the run, so dedup works from the stored keys): looser number_words and en stopwords
#: (documents come back), tighter special characters for de (kept ones go); :func:`swapping_cutoffs` adds, for a
#: few duplicate pairs, a cut-off between the two members that removes the kept one, so the other is kept instead
CUTOFFS_ONLY = """
filters:
  defaults: {number_words_min_cutoff: 3, character_repetition_max_cutoff: 0.5}
  languages:
    de: {special_characters_max_cutoff: 0.05}
    en: {stopwords_min_cutoff: 0.05}
"""


def duplicate_pairs(out: Path) -> list[tuple[dict, dict]]:
    """(kept, removed) attributes rows of each two-member exact or near cluster of natural-language documents."""
    rows = attributes_by_id(out)
    clusters: dict[str, list[dict]] = {}
    for r in rows.values():
        cluster = r["near_cluster"] or r["exact_cluster"]
        if cluster and r["number_words"] is not None:
            clusters.setdefault(cluster, []).append(r)
    return [(rows[c], next(r for r in m if r["id"] != c)) for c, m in sorted(clusters.items()) if len(m) == 2]


def swapping_cutoffs(out: Path) -> tuple[str, list[tuple[str, str]]]:
    """Cut-off lines (ids depend on the run's folder, so the kept member of a pair does too) that each remove the
    kept member of a duplicate pair and not the other, and those (kept, other) id pairs."""
    lines, pairs = [], []
    for kept, other in duplicate_pairs(out):
        lang = kept["language"]
        mid = {name: (kept[name] + other[name]) / 2 for name in ("special_characters", "stopwords")}
        if lang in ("de", "en") or lang in {line.split(":")[0].strip() for line in lines}:
            continue
        if kept["special_characters"] > other["special_characters"]:
            lines.append(f"    {lang}: {{special_characters_max_cutoff: {mid['special_characters']!r}}}\n")
        elif kept["stopwords"] < other["stopwords"]:
            lines.append(f"    {lang}: {{stopwords_min_cutoff: {mid['stopwords']!r}}}\n")
        else:
            continue
        pairs.append((kept["id"], other["id"]))
    return "".join(lines[:3]), pairs[:3]


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
    cutoffs = sample_copy(d, "cutoffs.yaml", CUTOFFS_ONLY + swapping_cutoffs(d / "old")[0])
    run(str(cutoffs), str(d / "full-cutoffs"), progress=False)
    refilter(str(d / "old"), str(cutoffs), str(d / "refiltered-cutoffs"), progress=False)
    return d


def attributes_by_id(out: Path) -> dict[str, dict]:
    import pyarrow as pa

    rows = {}
    for path in sorted((out / "attributes").rglob("*.arrow")):
        with pa.memory_map(str(path)) as src:
            rows.update((r["id"], r) for r in pa.ipc.open_file(src).read_all().to_pylist())
    return rows


def test_refilter_is_byte_identical_to_a_full_run(runs):
    full, refiltered = output_bytes(runs / "full"), output_bytes(runs / "refiltered")
    assert [k for k in sorted(set(full) | set(refiltered)) if full.get(k) != refiltered.get(k)] == []
    assert tree_bytes(runs / "full" / "attributes") == tree_bytes(runs / "refiltered" / "attributes")
    old = output_bytes(runs / "old")
    assert old["report.json"] != full["report.json"]  # the new cut-offs did change what was kept


def test_with_stored_dedup_keys_byte_identical_to_a_full_run(runs):
    """Only cut-offs change: kept documents keep their written texts and dedup works from their stored keys."""
    from pipeline.refilter_beam import _same_fingerprints

    old, cutoffs, threshold = (load_manifest(runs / f"{n}.yaml") for n in ("old", "cutoffs", "new"))
    assert _same_fingerprints(old.dedup, cutoffs.dedup) and not _same_fingerprints(old.dedup, threshold.dedup)
    full, refiltered = output_bytes(runs / "full-cutoffs"), output_bytes(runs / "refiltered-cutoffs")
    assert [k for k in sorted(set(full) | set(refiltered)) if full.get(k) != refiltered.get(k)] == []
    assert tree_bytes(runs / "full-cutoffs" / "attributes") == tree_bytes(runs / "refiltered-cutoffs" / "attributes")
    # every stats file too: PII counts, word removal (stored word counts), placeholders kept, dedup's figures
    assert tree_bytes(runs / "full-cutoffs" / "stats") == tree_bytes(runs / "refiltered-cutoffs" / "stats")


def test_cutoffs_only_run_here_and_the_beam_job_agrees(runs, capsys):
    """A change of cut-offs only is worked out in this process (``pipeline.refilter_local``); the Beam job that a
    distributed runner would run (``--beam``) writes the same bytes."""
    refilter(str(runs / "old"), str(runs / "cutoffs.yaml"), str(runs / "here"), progress=True)
    assert "in this process" in capsys.readouterr().err
    refilter(str(runs / "old"), str(runs / "cutoffs.yaml"), str(runs / "beam"), progress=True, beam_job=True)
    assert "as a Beam job (--beam)" in capsys.readouterr().err
    for name in ("here", "beam"):
        assert output_bytes(runs / name) == output_bytes(runs / "full-cutoffs")
        for part in ("attributes", "stats"):
            assert tree_bytes(runs / name / part) == tree_bytes(runs / "full-cutoffs" / part), (name, part)


def test_cutoffs_only_refilter_imports_no_beam(runs, tmp_path):
    """The in-process refilter, as the command runs it, never imports Apache Beam (about 2 CPU seconds of start-up,
    which would be a tenth of a full run of 20 MB): and it writes what the full run writes."""
    code = ("import sys; from pipeline.cli import main; code = main(sys.argv[1:]); "
            "assert 'apache_beam' not in sys.modules, sorted(m for m in sys.modules if 'beam' in m)[:5]; "
            "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code, "refilter", str(runs / "old"), "--manifest",
                           str(runs / "cutoffs.yaml"), "--out", str(tmp_path / "here"), "-q"],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "in this process" in done.stderr
    assert output_bytes(tmp_path / "here") == output_bytes(runs / "full-cutoffs")


def test_other_changes_and_older_attributes_run_the_beam_job(runs, tmp_path, capsys):
    """A new dedup threshold, or attributes from before the dedup keys and word counts were stored, need the Beam
    job; it still writes what a full run writes."""
    import pyarrow as pa

    from pipeline.attributes import WORD_COLUMNS

    refilter(str(runs / "old"), str(runs / "new.yaml"), str(tmp_path / "threshold"), progress=True)
    assert "as a Beam job (dedup changed)" in capsys.readouterr().err
    older = tmp_path / "older"
    shutil.copytree(runs / "old", older)
    dropped = {"dedup_exact", "dedup_bands", *WORD_COLUMNS.values()}
    for path in (older / "attributes").rglob("*.arrow"):
        with pa.memory_map(str(path)) as src:
            table = pa.ipc.open_file(src).read_all()
        table = table.select([c for c in table.column_names if c not in dropped])
        with pa.ipc.new_file(str(path), table.schema) as writer:
            writer.write_table(table)
    refilter(str(older), str(runs / "cutoffs.yaml"), str(tmp_path / "from-older"), progress=True)
    assert "an older run" in capsys.readouterr().err
    assert output_bytes(tmp_path / "from-older") == output_bytes(runs / "full-cutoffs")
    assert tree_bytes(tmp_path / "from-older" / "attributes") == tree_bytes(runs / "full-cutoffs" / "attributes")


def test_cutoffs_move_documents_and_change_a_clusters_kept_member(runs):
    before, after = attributes_by_id(runs / "old"), attributes_by_id(runs / "refiltered-cutoffs")
    assert before.keys() == after.keys()
    back = [i for i in before if before[i]["stage"] == "QualityFilter" and after[i]["kept"]]
    gone = [i for i in before if before[i]["kept"] and after[i]["stage"] == "QualityFilter"]
    assert back and gone
    pairs = swapping_cutoffs(runs / "old")[1]
    assert len(pairs) >= 2
    for kept, other in pairs:  # a duplicate pair's kept member is removed, the other one kept instead
        assert after[kept]["stage"] == "QualityFilter" and after[other]["kept"], (before[other], after[other])
        assert after[other]["near_cluster"] is None and after[other]["exact_cluster"] is None
    assert any(r["exact_cluster"] for r in after.values()) and any(r["near_cluster"] for r in after.values())


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
