"""The Beam stages that wire filters/: Normalize, QualityFilter, TemplateLines, PiiRedact, and roots explain."""

from __future__ import annotations

from filters import FilterConfig, TemplateLinesParams
from manifests.schema import load_manifest
from pipeline.normalize import Normalize
from pipeline.pii import PiiRedact
from pipeline.quality import QualityFilter
from pipeline.stage import doc_id
from pipeline.templates import TemplateLines
from tests.beam_helpers import run_stage
from tests.conftest import roots_cli, write_manifest

EN = ("The city council met on Tuesday evening to discuss the new library and the repairs to the old bridge, which "
      "has been closed since the spring floods damaged its foundations and the railings along the river.")
FR = ("Le conseil municipal s'est réuni mardi soir pour discuter de la nouvelle bibliothèque et des réparations du "
      "vieux pont, qui est fermé depuis que les crues du printemps ont endommagé ses fondations.")


def rec(text: str, language: str | None = "en", lid_score: float | None = 0.95, path: str | None = None,
        n: int = 0) -> dict:
    return {"id": doc_id("s", f"f#{n}"), "text": text, "source": "s", "locator": f"f#{n}", "language": language,
            "lid_score": lid_score, "meta": "{}", "path": path}


def test_normalize_keeps_normalised_text_and_removes_empty():
    kept, removed, failed = run_stage(Normalize(), [rec("e\u0301t\u00e9\u00a0ok  \r\n\r\n\r\n\r\nnext", n=1),
                                                     rec("\u200b \x00 \n", n=2)])
    assert [k["text"] for k in kept] == ["\u00e9t\u00e9 ok\n\nnext"]
    assert [(r["reason"], r["value"]) for r in removed] == [("empty", 0)]
    assert failed == []


CODE = "import sys\n\n\ndef main():  \r\n    return sys.argv\t\n\n\n\n# end\n\n"


def test_normalize_leaves_code_byte_for_byte_unless_asked():
    docs = [rec(CODE, "code-python", None, "a.py", n=1), rec("  \n\n", "code-python", None, "b.py", n=2),
            rec("x  \n\n\n\ny\n", n=3)]
    kept, removed, _ = run_stage(Normalize(), docs)
    texts = {k["locator"]: k["text"] for k in kept}
    assert texts == {"f#1": CODE, "f#3": "x\n\ny"}  # the text document is still normalised
    assert [(r["locator"], r["reason"]) for r in removed] == [("f#2", "empty")]  # a blank file is still empty
    kept, _, _ = run_stage(Normalize(code=True), docs)
    texts = {k["locator"]: k["text"] for k in kept}
    assert texts["f#1"] == "import sys\n\ndef main():\n    return sys.argv\n\n# end"


def test_normalize_code_field_is_validated(tmp_path):
    base = "name: t\nsources:\n  - {name: s, type: hf, path: json, data_files: x}\n"
    assert load_manifest(write_manifest(tmp_path, base)).normalize.code is False
    assert load_manifest(write_manifest(tmp_path, base + "normalize: {code: true}\n")).normalize.code is True
    res = roots_cli("validate", str(write_manifest(tmp_path, base + "normalize: {code: maybe}\n")))
    assert res.returncode != 0 and "normalize.code" in res.stderr and "Traceback" not in res.stderr, res.stderr


def test_quality_filter_counts_removed_words_of_kept_documents():
    url_doc = EN + " See https://example.org/library for details and www.example.org/bridge for photos."
    long_doc = EN + " Pneumonoultramicroscopicsilicovolcanoconiosis is a long word."
    docs = [rec(url_doc, n=1), rec(long_doc, n=2), rec(FR + " https://exemple.fr/pont", "fr", n=3),
            rec("https://spam.example.com " * 3, n=4)]  # removed: its words are not counted
    kept, removed, _, stats = run_stage(QualityFilter(FilterConfig()), docs, extra="stats")
    assert sorted(k["locator"] for k in kept) == ["f#1", "f#2", "f#3"]
    assert [r["locator"] for r in removed] == ["f#4"] and removed[0]["text"] == docs[3]["text"]
    texts = {k["locator"]: k["text"] for k in kept}
    assert "https" not in texts["f#1"] and "Pneumono" not in texts["f#2"]
    assert stats == [{"en": {"incorrect_substring": 2, "too_long": 1}, "fr": {"incorrect_substring": 1}}]
    _, _, _, stats = run_stage(QualityFilter(FilterConfig()), [rec(EN, n=5)], extra="stats")
    assert stats == [{}]


def test_quality_filter_routes_with_reason_and_value():
    docs = [rec(EN, n=1), rec("word " * 3, n=2), rec(EN, lid_score=0.5, n=3), rec(FR, "fr", n=4),
            rec("def f(x):\n    return x\n" * 5, "code-python", None, "src/a.py", n=5),
            rec("x = 1\n", "code-javascript", None, "node_modules/pad/index.js", n=6)]
    kept, removed, failed = run_stage(QualityFilter(FilterConfig()), docs)
    assert sorted(k["locator"] for k in kept) == ["f#1", "f#4", "f#5"]
    got = {r["locator"]: (r["reason"], r["value"]) for r in removed}
    assert got["f#2"] == ("number_words", 3)
    assert got["f#3"] == ("lang_id", 0.5)
    assert got["f#6"][0] == "vendored"
    assert failed == []


def test_manifest_override_changes_the_verdict(tmp_path):
    body = ("name: t\nsources:\n  - {name: s, type: hf, path: json, data_files: 'x.jsonl'}\n"
            "filters:\n  languages:\n    en: {number_words_min_cutoff: 2, lang_id_min_cutoff: null}\n")
    config = load_manifest(write_manifest(tmp_path, body)).filters
    docs = [rec("The bridge is closed.", n=2), rec(EN, lid_score=0.1, n=3)]
    kept, removed, _ = run_stage(QualityFilter(FilterConfig()), docs)
    assert sorted(r["reason"] for r in removed) == ["lang_id", "number_words"]
    kept, removed, _ = run_stage(QualityFilter(config), docs)
    assert len(kept) == 2 and removed == []


def test_template_lines_removed_across_documents():
    banner = "Subscribe to our newsletter for weekly updates"
    docs = [rec(f"{banner}\nStory number {i} about the harbour.", n=i) for i in range(10)]
    docs.append(rec(banner, n=99))
    kept, removed, _ = run_stage(TemplateLines(TemplateLinesParams(enabled=True)), docs)
    assert len(kept) == 10 and all(banner not in k["text"] for k in kept)
    assert [r["reason"] for r in removed] == ["template_lines"]
    kept, removed, _ = run_stage(TemplateLines(TemplateLinesParams()), docs)  # off by default
    assert len(kept) == 11


def test_template_lines_leave_code_alone():
    header = "# Copyright 2024 The Harbour Project Authors. All rights reserved."
    code = [rec(f"{header}\nimport os\n\n\ndef f{i}():\n    return {i}\n", "code-python", None, f"m{i}.py", n=i)
            for i in range(12)]
    kept, removed, _ = run_stage(TemplateLines(TemplateLinesParams(enabled=True)), code)
    assert removed == [] and sorted(k["text"] for k in kept) == sorted(r["text"] for r in code)


def test_pii_redact_counts_categories_and_leaves_code_alone():
    docs = [rec(EN + " Write to jane.doe@example.org or ping @janedoe from 192.168.10.4.", n=1),
            rec("email = 'jane.doe@example.org'\n", "code-python", None, "a.py", n=2)]
    kept, removed, failed, counts = run_stage(PiiRedact(), docs, extra="counts")
    texts = {k["locator"]: k["text"] for k in kept}
    assert "PI:EMAIL" in texts["f#1"] and "PI:USER" in texts["f#1"] and "PI:IP_ADDRESS" in texts["f#1"]
    assert "jane.doe@example.org" in texts["f#2"]
    assert counts == [{"enabled": True, "EMAIL": 1, "USER": 1, "IP_ADDRESS": 1, "KEY": 0, "CREDIT_CARD": 0, "IBAN": 0}]


def test_explain_replays_pii_redaction_before_word_removal(tmp_path):
    from pipeline.explain import explain_document

    manifest = write_manifest(tmp_path, "name: t\nsources:\n  - {name: s, type: hf, path: json, data_files: x}\n")
    res = explain_document(str(manifest), EN + " Contact me at jane.doe@example.com or https://example.org/x today.",
                           language="en")
    assert res["verdict"]["kept"] and res["text"] == EN + " Contact me at PI:EMAIL or today."


def test_explain_command(tmp_path):
    manifest = write_manifest(tmp_path, "name: t\nsources:\n  - {name: s, type: hf, path: json, data_files: x}\n")
    res = roots_cli("explain", str(manifest), "--text", EN)
    assert res.returncode == 0, res.stderr
    assert "language: en" in res.stdout and "stopwords" in res.stdout and "kept" in res.stdout
    assert "off (no model)" in res.stdout  # perplexity without a model
    assert not [line for line in res.stdout.splitlines() if "perplexity" in line and "1500" in line]  # no cut-off
    res = roots_cli("explain", str(manifest), "--text", "spam spam spam")
    assert "removed" in res.stdout and "number_words" in res.stdout
    code = tmp_path / "gen.py"
    code.write_text("# This file is auto-generated. DO NOT EDIT.\nx = 1\n")
    res = roots_cli("explain", str(manifest), "--file", str(code))
    assert "code-python" in res.stdout and "autogenerated" in res.stdout and "removed" in res.stdout
    header = tmp_path / "buffer.h"  # an ambiguous extension: decided by content, as Ingest does
    header.write_text("#pragma once\nnamespace fmt { template <typename T> class buffer { T* ptr_; }; }\n")
    res = roots_cli("explain", str(manifest), "--file", str(header))
    assert "language: code-cpp" in res.stdout, res.stdout
    lock = tmp_path / "package-lock.json"
    lock.write_text('{"name": "x", "lockfileVersion": 3}\n')
    res = roots_cli("explain", str(manifest), "--path", "package-lock.json", "--file", str(lock))
    assert res.returncode == 0 and "removed by Ingest (reason: not_code" in res.stdout, res.stdout
    assert "stopwords" not in res.stdout  # no text filter is shown for a file the pipeline does not read as code
    res = roots_cli("explain", str(manifest))
    assert res.returncode == 2 and "--text" in res.stderr and "Traceback" not in res.stderr
