"""``roots tune``: the page's data (from the run's attributes), its escaping of document text, and the page itself
in a real headless Chromium: moving a slider changes the removed share and the YAML snippet as it should."""

from __future__ import annotations

import json

import pytest
import yaml

from manifests.schema import parse_manifest
from pipeline.refilter import run_manifest
from reports.tune import collect, render, write_page
from tests.browser import chromium
from tests.conftest import read_shards, roots_cli

EVIL = '<script>window.__owned = 1</script><img src=x onerror="window.__owned = 2">'


@pytest.fixture(scope="module")
def page(sample_run, tmp_path_factory):
    path = tmp_path_factory.mktemp("tune") / "tune.html"
    res = roots_cli("tune", str(sample_run), "--html", str(path))
    assert res.returncode == 0, res.stderr
    return path


def _evil_data() -> dict:
    check = {"check": "stopwords", "n": 3, "q": [0.1, 0.2, 0.3], "hist": {"edges": [0.1, 0.2, 0.3], "counts": [1, 2]},
             "log": False, "integer": False, "examples": [[0.1, "a"], [0.2, "b"], [0.3, "c"]],
             "cutoffs": [{"field": "stopwords_min_cutoff", "op": ">=", "value": 0.15}]}
    return {"name": EVIL, "languages": [{"language": "xx", "docs": 3, "checks": [check],
                                         "excerpts": {"a": EVIL, "b": "</script>" + EVIL, "c": "&amp; ok"}}]}


def test_the_data_follows_the_attributes(sample_run):
    data = collect(str(sample_run))
    langs = {b["language"]: b for b in data["languages"]}
    assert "en" in langs and "fr" in langs and not any(k.startswith("code-") for k in langs)
    attrs = read_shards(sample_run, "attributes").to_pylist()
    en = [a for a in attrs if a["language"] == "en" and a["stopwords"] is not None]
    check = next(c for c in langs["en"]["checks"] if c["check"] == "stopwords")
    assert check["n"] == len(en) and check["q"] == sorted(a["stopwords"] for a in en)
    assert sum(check["hist"]["counts"]) == len(en)
    assert check["cutoffs"] == [{"field": "stopwords_min_cutoff", "op": ">=",
                                 "value": run_manifest(str(sample_run)).filters.params_for("en").stopwords_min_cutoff}]
    assert set(langs["en"]["excerpts"]) == {e[1] for c in langs["en"]["checks"] for e in c["examples"]}
    assert all(langs["en"]["excerpts"].values())


def test_document_text_is_escaped_in_the_page():
    html = render(_evil_data())
    assert "<script>window" not in html and "<img" not in html and "</script><img" not in html
    assert html.count("<script") == 2  # the data element and the page's own script, nothing else


def test_a_slider_moves_the_cut_off_share_and_yaml_in_chromium(page, sample_run, tmp_path):
    attrs = [a for a in read_shards(sample_run, "attributes").to_pylist()
             if a["language"] == "en" and a["stopwords"] is not None]
    with chromium() as driver:
        driver.get(page.as_uri())
        assert driver.execute_script("return document.body.dataset.ready") == "1"
        driver.execute_script("""const p = document.getElementById('language');
            p.value = [...p.options].find(o => o.textContent.startsWith('en ')).value;
            p.dispatchEvent(new Event('change'));""")
        before = driver.execute_script(
            "return document.querySelector('.check[data-check=stopwords]').dataset.share")
        yaml_before = driver.find_element("id", "yaml").text
        cut, share, snippet = driver.execute_script("""
            const s = document.querySelector('input[data-field=stopwords_min_cutoff]');
            s.value = String(Number(s.max) - 100); s.dispatchEvent(new Event('input'));
            return [s.dataset.cutoff, document.querySelector('.check[data-check=stopwords]').dataset.share,
                    document.getElementById('yaml').textContent];""")
        shown = driver.execute_script(
            "return document.querySelector('.check[data-check=stopwords] .share').textContent")
    cut = float(cut)
    expected = sum(a["stopwords"] < cut for a in attrs) / len(attrs)
    assert float(share) == pytest.approx(expected) and shown == f"{100 * expected:.2f}%"
    assert float(share) > float(before) and snippet != yaml_before
    chosen = yaml.safe_load(snippet)
    assert chosen["filters"]["languages"]["en"]["stopwords_min_cutoff"] == cut
    manifest = parse_manifest({"name": "t", "sources": [{"name": "s", "type": "hf", "path": "json",
                                                         "data_files": "x.jsonl"}], **chosen}, "snippet", str(tmp_path))
    assert manifest.filters.params_for("en").stopwords_min_cutoff == cut


def test_hostile_text_shows_as_text_in_chromium(tmp_path):
    path = tmp_path / "evil.html"
    path.write_text(render(_evil_data()), encoding="utf-8")
    with chromium() as driver:
        driver.get(path.as_uri())
        assert driver.execute_script("return document.body.dataset.ready") == "1"
        assert driver.execute_script("return window.__owned === undefined")
        assert driver.execute_script("return document.querySelectorAll('img').length") == 0
        texts = driver.execute_script("return [...document.querySelectorAll('.doc .text')].map(e => e.textContent)")
        assert EVIL in texts and driver.title == f"roots tune: {EVIL}"


def test_unknown_language_is_one_clear_error(sample_run, tmp_path):
    res = roots_cli("tune", str(sample_run), "--language", "xx", "--html", str(tmp_path / "t.html"))
    assert res.returncode == 2 and "--language xx" in res.stderr and "Traceback" not in res.stderr
    assert json.loads((sample_run / "attributes" / "manifest.json").read_text())
    assert write_page(str(sample_run), str(tmp_path / "fr.html"), ["fr"]).endswith("fr.html")
