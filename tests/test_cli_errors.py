"""Every failure a user can cause, driven through the real ``roots`` command: one ``roots: error:`` line naming
the thing and what to do, a non-zero exit and no traceback (a traceback only with ``-v``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE, roots_cli


def one_error_line(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("roots: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("beam_args, needles", [
    (["--direct_num_workers=abc"], ["--direct_num_workers", "invalid int value: 'abc'"]),
    (["--direct_num_worker=2"], ["unknown Beam option --direct_num_worker", "did you mean --direct_num_workers"]),
    (["--runner", "Foo"], ["--runner Foo", "DataflowRunner"]),
])
def test_bad_beam_options_are_one_line_before_anything_runs(tmp_path, beam_args, needles):
    out = tmp_path / "out"
    proc = roots_cli("run", str(SAMPLE), "--out", str(out), *beam_args)
    one_error_line(proc, *needles)
    assert proc.returncode == 2 and proc.stdout == ""
    assert not out.exists()  # refused before --out was touched


def test_out_under_a_file_and_unwritable_out(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("mine")
    one_error_line(roots_cli("run", str(SAMPLE), "--out", str(a_file / "out")), "--out", "Not a directory")
    one_error_line(roots_cli("run", str(SAMPLE), "--out", str(a_file)), "is not a folder")
    assert a_file.read_text() == "mine"
    # root may write into any mode-0500 folder, but not into sysfs: a place nobody can create a folder in
    unwritable = "/sys/roots-out" if os.getuid() == 0 else str(_read_only(tmp_path))
    one_error_line(roots_cli("run", str(SAMPLE), "--out", unwritable), "cannot write there")


def _read_only(tmp_path: Path) -> Path:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    return folder / "out"


def test_verbose_after_the_subcommand_shows_the_traceback(tmp_path):
    proc = roots_cli("run", str(SAMPLE), "--out", str(tmp_path / "o"), "--runner", "Foo", "-v")
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr and proc.stderr.rstrip().splitlines()[-1].startswith("roots: error: --runner")


def test_version():
    proc = roots_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("roots ")


def test_ctrl_c_during_the_beam_phase_is_one_line_and_exit_130(tmp_path):
    out = tmp_path / "out"
    exe = shutil.which("roots", path=os.path.dirname(sys.executable)) or "roots"
    proc = subprocess.Popen([exe, "run", str(SAMPLE), "--out", str(out), "--no-progress"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marks = out / ".progress"
    deadline = time.monotonic() + 120
    while not (marks.is_dir() and any(marks.iterdir())):  # Ingest has read an input: the Beam job is running
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "roots: interrupted (the output folder is unfinished: run the same command again to redo it)"]
    assert not (out / "report.json").exists()


def test_replacing_an_earlier_output_needs_overwrite(tmp_path):
    from pipeline.run import RUN_MARKER, prepare_out, write_marker

    finished = tmp_path / "finished"
    (finished / "shards").mkdir(parents=True)
    (finished / "report.json").write_text("{}")
    proc = roots_cli("run", str(SAMPLE), "--out", str(finished), "-q")
    one_error_line(proc, "a finished roots run", "--overwrite")
    assert (finished / "report.json").exists()  # nothing was touched

    unfinished = tmp_path / "unfinished"
    (unfinished / "stats").mkdir(parents=True)
    write_marker(str(unfinished), str(SAMPLE))
    prepare_out(str(unfinished), str(SAMPLE), overwrite=False)  # the same command's own unfinished run
    assert not (unfinished / "stats").exists() and not (unfinished / RUN_MARKER).exists()

    other = tmp_path / "other.yaml"
    other.write_text(SAMPLE.read_text() + "\n# another manifest\n")
    (unfinished / "stats").mkdir()
    write_marker(str(unfinished), str(other))
    with pytest.raises(Exception, match="another run's unfinished output"):
        prepare_out(str(unfinished), str(SAMPLE), overwrite=False)
    prepare_out(str(unfinished), str(SAMPLE), overwrite=True)
    assert not (unfinished / "stats").exists()


# ----------------------------------------------------------------------------------------------- roots tokenize
@pytest.fixture(scope="module")
def finished_run_and_tokenizer(tmp_path_factory) -> tuple[Path, Path]:
    """A finished run with no shards (report.json is what marks it finished) and a tiny BLOOM-style tokenizer."""
    from tokenizers import Tokenizer, models, trainers

    root = tmp_path_factory.mktemp("tokenize-errors")
    (root / "run").mkdir()
    report = {"version": 1, "name": "t", "input_docs": 0, "kept_docs": 0, "failed_docs": 0, "removed_docs": {},
              "kept_bytes": 0, "languages": {}, "programming_languages": {}, "counts_add_up": True, "sources": {}}
    (root / "run" / "report.json").write_text(json.dumps(report))
    tok = Tokenizer(models.BPE())
    tok.train_from_iterator(["a small text", "another small text"], trainers.BpeTrainer(
        vocab_size=40, special_tokens=["<unk>", "<s>", "</s>", "<pad>"], show_progress=False))
    (root / "tok").mkdir()
    tok.save(str(root / "tok" / "tokenizer.json"))
    return root / "run", root / "tok"


@pytest.mark.parametrize("extra, needles", [
    (["--direct_num_worker=2"], ["unknown Beam option --direct_num_worker", "did you mean --direct_num_workers"]),
    (["--alpha", "abc"], ["--alpha abc: not a number between 0 and 1"]),
])
def test_tokenize_bad_options_are_one_line(finished_run_and_tokenizer, extra, needles):
    run_dir, tok = finished_run_and_tokenizer
    proc = roots_cli("tokenize", str(run_dir), "--tokenizer", str(tok), *extra)
    one_error_line(proc, *needles)
    assert proc.returncode == 2 and proc.stdout == ""
    assert not (run_dir / "tokens").exists()  # refused before anything was written


def test_tokenize_mistakes_name_the_thing_and_what_to_do(finished_run_and_tokenizer, tmp_path, capsys):
    """The same checks through the CLI's entry point in this process (a subprocess each would cost seconds)."""
    from pipeline.cli import main

    run_dir, tok = finished_run_and_tokenizer
    unfinished = tmp_path / "unfinished"
    (unfinished / "stats").mkdir(parents=True)
    a_file = tmp_path / "file.txt"
    a_file.write_text("mine")
    cases = [
        ([str(tmp_path / "nowhere"), "--tokenizer", str(tok)], ["nowhere: no such folder", "finished `roots run`"]),
        ([str(unfinished), "--tokenizer", str(tok)], ["the run did not finish", "run the same `roots run`"]),
        ([str(tmp_path), "--tokenizer", str(tok)], ["no report.json", "--out folder of a finished `roots run`"]),
        ([str(run_dir), "--tokenizer", str(tmp_path / "no-tok")], ["--tokenizer", "no such folder", "roots tokenizer"]),
        ([str(run_dir), "--tokenizer", str(tmp_path)], ["no tokenizer.json there", "roots tokenizer"]),
        ([str(run_dir), "--tokenizer", str(tok), "--alpha", "1.5"], ["--alpha 1.5: must be between 0 and 1"]),
        ([str(run_dir), "--tokenizer", str(tok), "--alpha", "nan"], ["--alpha nan: must be between 0 and 1"]),
        ([str(run_dir), "--tokenizer", str(tok), "--train-tokens", "1e9"], ["--train-tokens 1e9: not a whole"]),
        ([str(run_dir), "--tokenizer", str(tok), "--train-tokens", "0"], ["--train-tokens 0: must be a positive"]),
        ([str(run_dir), "--tokenizer", str(tok), "--eod", "<eos>"], ["--eod <eos>: not a token", "--eod"]),
        ([str(run_dir), "--tokenizer", str(tok), "--runner", "Foo"], ["--runner Foo", "DataflowRunner"]),
        ([str(run_dir), "--tokenizer", str(tok), "--direct_num_workers=abc"], ["invalid int value: 'abc'"]),
        ([str(run_dir), "--tokenizer", str(tok), "--out", str(a_file)], ["is not a folder"]),
        ([str(run_dir), "--tokenizer", str(tok), "--out", str(a_file / "t")], ["cannot write there"]),
        ([str(run_dir), "--tokenizer", str(tok), "--runner", "DataflowRunner"], ["must be a gs:// path"]),
    ]
    for args, needles in cases:
        assert main(["tokenize", *args]) == 2, args
        captured = capsys.readouterr()
        lines = [line for line in captured.err.splitlines() if line.strip()]
        assert captured.out == "" and len(lines) == 1 and lines[0].startswith("roots: error: "), (args, captured)
        for needle in needles:
            assert needle in lines[0], (args, lines[0])
    assert a_file.read_text() == "mine" and not (run_dir / "tokens").exists()
    assert main(["tokenize", str(run_dir), "--tokenizer", str(tok), "-q"]) == 0  # and the good command works
    assert json.loads((run_dir / "tokens" / "index.json").read_text())["documents"] == 0


# ----------------------------------------------------------------------------------------------- sources and data
def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


FR_TEXT = "Le conseil municipal a voté hier soir le budget de la ville pour l'année prochaine, après un long débat."
EN_TEXT = "Our team spent the weekend repairing the old footbridge, and it is open again for walkers and cyclists."


def test_validate_reports_a_wrong_text_column_with_the_fields_found(tmp_path):
    _write(tmp_path / "news.jsonl", "".join(json.dumps({"body": t, "id": i}) + "\n"
                                            for i, t in enumerate([FR_TEXT, EN_TEXT] * 4)))
    m = _write(tmp_path / "m.yaml", "name: t\nsources:\n  - {name: news, type: hf, path: json, "
                                    "data_files: news.jsonl, text_column: text}\n")
    line = one_error_line(roots_cli("validate", str(m)), "sources[0] (news)", "news.jsonl",
                          "its first 5 records all fail", "no field 'text'", "fields are ['body', 'id']")
    assert line.count("no field") == 1  # the first error, not five
    fixed = _write(tmp_path / "ok.yaml", m.read_text().replace("text_column: text", "text_column: body"))
    proc = roots_cli("validate", str(fixed))
    assert proc.returncode == 0 and "ok (1 sources" in proc.stdout, proc.stderr


def test_validate_reports_a_code_parquet_without_its_path_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"filename": ["a.py", "b.py"], "content": ["import sys\n", "x = 1\n"]}),
                   tmp_path / "code.parquet")
    m = _write(tmp_path / "m.yaml", "name: t\nsources:\n  - {name: code, type: code, path: code.parquet}\n")
    one_error_line(roots_cli("validate", str(m)), "sources[0] (code)", "no column(s) ['path']",
                   "path_column", "columns are ['filename', 'content']")
    fixed = _write(tmp_path / "ok.yaml", m.read_text().replace("path: code.parquet",
                                                                "path: code.parquet, path_column: filename"))
    assert roots_cli("validate", str(fixed)).returncode == 0


def test_unknown_language_codes_are_errors_with_the_nearest_code(tmp_path):
    _write(tmp_path / "a.jsonl", json.dumps({"text": FR_TEXT}) + "\n")
    m = _write(tmp_path / "m.yaml", "name: t\nlanguages: [en, french, zz]\nsources:\n"
                                    "  - {name: a, type: hf, path: json, data_files: a.jsonl}\n")
    proc = roots_cli("validate", str(m))
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("roots: error: ") and len(lines) == 2, proc.stderr
    assert "languages[1]: unknown language code 'french': did you mean 'fr'?" in lines[0]
    assert "languages[2]: unknown language code 'zz'" in lines[1] and "ISO 639-1" in lines[1]
    bad_source = _write(tmp_path / "s.yaml", "name: t\nsources:\n  - {name: a, type: hf, path: json, "
                                             "data_files: a.jsonl, language: fr_FR}\n")
    one_error_line(roots_cli("validate", str(bad_source)),
                   "sources[0].language: unknown language code 'fr_FR': did you mean 'fr'?")
    out = tmp_path / "out"  # a run refuses it the same way, before anything is written
    one_error_line(roots_cli("run", str(bad_source), "--out", str(out)), "did you mean 'fr'?")
    assert not out.exists()


def test_a_source_of_only_dead_letters_fails_the_run_and_a_users_file_survives_overwrite(tmp_path):
    """One run covers two promises: the exit code and top errors of a source that yields only dead letters, and
    --overwrite deleting only what roots wrote (a user's file in shards/ and a folder of theirs in it stay)."""
    _write(tmp_path / "good.jsonl", "".join(json.dumps({"text": t}) + "\n" for t in (FR_TEXT, EN_TEXT)))
    _write(tmp_path / "bad.jsonl", "".join(json.dumps({"body": t}) + "\n" for t in (FR_TEXT, EN_TEXT, EN_TEXT[:60])))
    m = _write(tmp_path / "m.yaml", "name: t\nsources:\n"
                                    "  - {name: good, type: hf, path: json, data_files: good.jsonl}\n"
                                    "  - {name: bad, type: hf, path: json, data_files: bad.jsonl}\n")
    out = tmp_path / "out"
    proc = roots_cli("run", str(m), "--out", str(out), "-q")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("roots: error: "))
    assert lines[start].startswith("roots: error: source bad: all 3 of its documents failed to read"), proc.stderr
    # the example of the error: the dead letter of smallest id, with its own line
    assert re.fullmatch(r"  3 documents: bad\.jsonl:[123]: no field 'text' \(the source's text_column\); "
                        r"fields are \['body'\]", lines[start + 1]), proc.stderr
    report = json.loads((out / "report.json").read_text())  # the output is written all the same
    good, bad = report["per_source"]["good"], report["per_source"]["bad"]
    assert good["input"] == 2 and good["kept"] >= 1 and (bad["input"], bad["failed"]) == (3, 3)

    mine = _write(out / "shards" / "notes.txt", "mine")
    theirs = _write(out / "shards" / "fr" / "extra" / "keep.md", "theirs")
    stale = _write(out / "shards" / "xx" / "xx-00000.arrow", "an earlier run's shard")
    one_error_line(roots_cli("run", str(m), "--out", str(out), "-q"), "a finished roots run", "--overwrite")
    proc = roots_cli("run", str(m), "--out", str(out), "-q", "--overwrite")
    assert proc.returncode == 1, proc.stderr
    assert mine.read_text() == "mine" and theirs.read_text() == "theirs" and not stale.parent.exists()
    kept = [line for line in proc.stderr.splitlines() if line.startswith("roots: kept")]
    assert kept == [f"roots: kept 2 files in {out} that roots did not write: shards/fr/extra/keep.md, "
                    "shards/notes.txt"], proc.stderr
    assert json.loads((out / "shards" / "index.json").read_text())["shards"]  # and the new shards are there
