"""report.html: its numbers agree with report.json and the shards, it is escaped and self-contained, and it renders
in a real headless Chromium with the right values, no console errors and no horizontal scroll at 1280 px."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from core.errors import UserError
from reports.build import build_report, funnel_from_reasons
from reports.compare import compare_reports
from reports.html import render_html
from reports.load import load_report, load_tokenizer_report
from reports.svg import LinearScale, LogScale, pct, tick_labels
from tests.conftest import read_arrow, read_shards, roots_cli, write_jsonl, write_manifest

# ----------------------------------------------------------------------------------------------- a small real run
TEXTS = {
    "en": ["The committee met on Tuesday evening to discuss the new budget for the public library and the two primary "
           "schools. After a long debate, the members agreed to buy more books for children, to repair the roof of the "
           "reading room and to keep the library open on Sunday afternoons during the winter months.",
           "She walked along the river every morning before work, watching the boats drift past and listening to the "
           "birds in the tall trees. Over the years she came to know the fishermen by name, and they would wave to her "
           "and tell her about the weather, the water and the fish they had caught that week.",
           "Researchers found that the new vaccine was effective in most of the patients who took part in the trial. "
           "The study followed several thousand volunteers for two years, and the authors say that larger trials are "
           "still needed before doctors can recommend it for older people and for young children.",
           "The old stone bridge was closed for repairs in the spring, so drivers had to take a long detour through "
           "the village and across the hills. Shop owners complained that fewer visitors stopped in the main street, "
           "and the council promised that the work would be finished before the summer holidays began."],
    "fr": ["Le conseil municipal a voté hier soir le nouveau budget de la bibliothèque et des écoles de la ville. "
           "Après un long débat, les élus ont décidé d'acheter davantage de livres pour les enfants, de réparer le "
           "toit de la salle de lecture et d'ouvrir le dimanche après-midi pendant les mois d'hiver.",
           "Elle se promenait chaque matin le long de la rivière avant le travail, en regardant passer les bateaux et "
           "en écoutant les oiseaux dans les grands arbres. Au fil des années, elle a appris le nom des pêcheurs, qui "
           "lui parlaient du temps qu'il faisait, de la rivière et des poissons pris dans la semaine.",
           "Les chercheurs ont constaté que le nouveau vaccin était efficace chez la plupart des patients qui ont "
           "participé à l'essai. L'étude a suivi plusieurs milliers de volontaires pendant deux ans, et les auteurs "
           "estiment que des essais plus larges sont nécessaires avant de le recommander aux personnes âgées."],
    "de": ["Der Gemeinderat hat gestern Abend den neuen Haushalt für die Stadtbibliothek und die beiden Grundschulen "
           "beschlossen. Nach einer langen Debatte einigten sich die Mitglieder darauf, mehr Bücher für Kinder zu "
           "kaufen, das Dach des Lesesaals zu reparieren und die Bibliothek im Winter auch sonntags zu öffnen.",
           "Sie ging jeden Morgen vor der Arbeit am Fluss entlang, beobachtete die vorbeiziehenden Boote und hörte den "
           "Vögeln in den hohen Bäumen zu. Mit den Jahren lernte sie die Fischer beim Namen kennen, und sie erzählten "
           "ihr vom Wetter, vom Wasser und von den Fischen, die sie in dieser Woche gefangen hatten."],
    "es": ["El ayuntamiento aprobó ayer por la noche el nuevo presupuesto para la biblioteca pública y las dos "
           "escuelas del barrio. Después de un largo debate, los concejales acordaron comprar más libros infantiles, "
           "reparar el techo de la sala de lectura y abrir los domingos por la tarde durante los meses de invierno."],
    "zh": ["委员会星期二晚上开会，讨论了公共图书馆和两所小学的新预算。"
           "经过长时间的讨论，委员们同意为孩子们购买更多的书籍，"
           "修理阅览室的屋顶，并在冬季的星期天下午继续开放图书馆。很多家长表示支持这个计划，认为它对社区非常重要。"],
}
SHORT = ["Buy now.", "Click here!"]  # kept or removed as the quality filters decide: the report must agree either way
#: a document with markup in it, twice: its copy is removed as a duplicate, and the report must show it as text
MARKUP = ("The library posted a short note about its new opening hours on the notice board near the entrance, and "
          "somebody pasted the web page source into the message by mistake: <script> alert('doc') </script> "
          "followed by <img src=x onerror=alert(2)> and the rest of the announcement, which says that the reading "
          "room will stay open until nine in the evening from Monday to Friday during the whole winter.")
CODE = {
    "tool.py": "import sys\n\n\ndef count_arguments(argv: list[str]) -> int:\n    \"\"\"How many arguments were "
               "given after the program name.\"\"\"\n    return len(argv) - 1\n\n\nif __name__ == '__main__':\n"
               "    print(count_arguments(sys.argv))\n",
    "util.py": "def weighted_mean(values: list[float], weights: list[float]) -> float:\n    \"\"\"Mean of values "
               "weighted by weights.\"\"\"\n    total = sum(weights)\n    return sum(v * w for v, w in zip(values, "
               "weights)) / total\n",
    "main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tfor i, arg := range "
               "os.Args[1:] {\n\t\tfmt.Printf(\"argument %d: %s\\n\", i, arg)\n\t}\n}\n",
    "app.js": "function greet(name, greeting = 'hello') {\n  const trimmed = String(name).trim();\n"
              "  return `${greeting}, ${trimmed || 'stranger'}!`;\n}\n\nmodule.exports = { greet };\n",
    "README.md": "# a readme, not code\n",
    "img.c": b"\x89PNG\r\n\x1a\n\x00\x00\x00binary\x00\x00",
    "<img src=x onerror=alert(3)>.c": b"int main(void) { return 0; } /* \xff\xfe not UTF-8 */\n",
}


def write_corpus(root: Path, drop: dict[str, int] | None = None, extra_empty: int = 0) -> Path:
    """A corpus with five languages, four programming languages, removals (empty, binary, not code) and a broken
    JSON line; ``drop`` leaves out the first n documents of a language (for comparisons)."""
    drop = drop or {}
    rows = [{"text": t} for lang, texts in TEXTS.items() for t in texts[drop.get(lang, 0):]]
    rows += [{"text": t} for t in SHORT] + [{"text": ""}] * (1 + extra_empty) + [{"text": MARKUP}] * 2
    write_jsonl(root / "web" / "a.jsonl", rows)
    with (root / "web" / "a.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"text": "a broken line\n')
    for name, body in CODE.items():
        path = root / "code" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return write_manifest(root, f"name: {root.name}\nsources:\n"
                                "  - {name: web, type: hf, path: json, data_files: 'web/*.jsonl'}\n"
                                "  - {name: code, type: code, path: code}\n")


def run_corpus(root: Path, **kw) -> Path:
    from pipeline.run import run

    manifest = write_corpus(root, **kw)
    out = root / "out"
    run(str(manifest), str(out), progress=False)
    return out


def shared_run(tmp_path_factory, name: str, **kw) -> Path:
    """One run per corpus variant and test session, shared by the report and compare tests (a run takes seconds).
    The session's temp folder is the cache, so both test modules see it however pytest imported them."""
    root = tmp_path_factory.getbasetemp() / "report-runs" / name
    if not (root / "out" / "report.json").exists():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        run_corpus(root, **kw)
    return root / "out"


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory) -> Path:
    return shared_run(tmp_path_factory, "base")


@pytest.fixture(scope="module")
def tokenizer_dir(corpus_run, tmp_path_factory) -> Path:
    """A real tokenizer report (with GPT-2 baseline) trained on the run's shards."""
    run_mod = pytest.importorskip("tokenizer.run")
    root = tmp_path_factory.mktemp("tok")
    manifest = root / "tok.yaml"
    manifest.write_text(f"tokenizer:\n  shards: {corpus_run / 'shards' / 'index.json'}\n  vocab_size: 400\n"
                        "  min_frequency: 1\n  heldout_fraction: 0.5\n", encoding="utf-8")
    run_mod.train_from_manifest(manifest, root / "out")
    return root / "out"


@pytest.fixture(scope="module")
def other_report(corpus_run, tmp_path_factory) -> dict:
    """A second, different real report: the same run with its largest language's shards dropped from the index."""
    copy = tmp_path_factory.mktemp("other") / "out"
    shutil.copytree(corpus_run, copy)
    index = json.loads((copy / "shards" / "index.json").read_text())
    index["shards"] = [s for s in index["shards"] if s["language"] != "en"]
    (copy / "shards" / "index.json").write_text(json.dumps(index))
    return build_report(str(copy), "other")


# ----------------------------------------------------------------------------------------------- reading the page
class Page(HTMLParser):
    """What the tests read from a page: chart marks, table cells, element names, attributes, ids and text."""

    def __init__(self, text: str):
        super().__init__()
        self.marks: list[dict[str, str]] = []
        self.tables: dict[str, dict[str, dict[str, str]]] = {}
        self.tags: Counter = Counter()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self._table = self._row = None
        self._pre = False
        self.probe = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags[tag] += 1
        self.elements.append((tag, a))
        if "mark" in a.get("class", "").split():
            self.marks.append(a)
        if tag == "table":
            self._table = self.tables.setdefault(a.get("data-table", ""), {})
        elif tag == "tr" and self._table is not None and "data-key" in a:
            self._row = self._table.setdefault(a["data-key"], {})
        elif tag == "td" and self._row is not None and "data-value" in a:
            self._row[a["data-col"]] = a["data-value"]
        elif tag == "pre" and a.get("id") == "probe":
            self._pre = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = self._row = None
        elif tag == "tr":
            self._row = None
        elif tag == "pre":
            self._pre = False

    def handle_data(self, data):
        self.texts.append(data)
        if self._pre:
            self.probe = json.loads(data)

    def chart(self, name: str, scale: str | None = None, series: str | None = None) -> dict[str, dict[str, str]]:
        return {m["data-key"]: m for m in self.marks if m["data-chart"] == name
                and (scale is None or m.get("data-scale") == scale)
                and (series is None or m.get("data-series") == series)}


def shard_counts(out: Path) -> dict[str, dict[str, int]]:
    """Documents and UTF-8 text bytes per language, read from the Arrow shards themselves."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"docs": 0, "bytes": 0})
    for path in sorted((out / "shards").rglob("*.arrow")):
        table = read_arrow(path)
        for lang, text in zip(table.column("language").to_pylist(), table.column("text").to_pylist(), strict=True):
            counts[lang]["docs"] += 1
            counts[lang]["bytes"] += len(text.encode("utf-8"))
    return dict(counts)


# ----------------------------------------------------------------------------------------------- numbers agree
def test_html_json_and_shards_agree(corpus_run, tokenizer_dir):
    res = roots_cli("report", str(corpus_run), "--tokenizer", str(tokenizer_dir))
    assert res.returncode == 0, res.stderr
    assert "Languages" in res.stdout and "Tokenizer" in res.stdout and "report.html" in res.stdout
    report = load_report(str(corpus_run))
    page = Page((corpus_run / "report.html").read_text(encoding="utf-8"))

    from_shards = shard_counts(corpus_run)
    natural = {k: v for k, v in from_shards.items() if not k.startswith("code-")}
    code = {k.removeprefix("code-"): v for k, v in from_shards.items() if k.startswith("code-")}
    assert {"en", "fr", "de"} <= set(natural) and {"python", "go", "javascript"} <= set(code)
    assert report["languages"] == natural and report["programming_languages"] == code
    kept_bytes = sum(v["bytes"] for v in from_shards.values())
    assert report["kept_bytes"] == kept_bytes and report["kept_docs"] == sum(v["docs"] for v in from_shards.values())

    for key, expected in (("languages", natural), ("programming_languages", code)):
        for scale in ("linear", "log"):
            marks = page.chart(key, scale)
            assert set(marks) == set(expected), (key, scale)
            for lang, v in expected.items():
                assert int(marks[lang]["data-docs"]) == v["docs"] and int(marks[lang]["data-bytes"]) == v["bytes"]
                assert float(marks[lang]["data-value"]) == pytest.approx(100 * v["bytes"] / kept_bytes, abs=1e-5)
        rows = page.tables[key]
        assert {k: (int(r["docs"]), int(r["bytes"])) for k, r in rows.items()} == {
            k: (v["docs"], v["bytes"]) for k, v in expected.items()}

    removed = read_shards(corpus_run, "removed")
    reasons = Counter(removed.column("reason").to_pylist())
    assert dict(reasons) == report["removed_docs"] and {"empty", "binary", "not_code"} <= set(reasons)
    assert {k: int(r["docs"]) for k, r in page.tables["removed"].items()} == report["removed_docs"]
    by_lang = Counter(zip([lang or "unknown" for lang in removed.column("language").to_pylist()],
                          removed.column("reason").to_pylist(), strict=True))
    cells = {(m["data-key"], m["data-series"]): int(m["data-value"]) for m in page.marks
             if m["data-chart"] == "removed_by_language"}
    assert {k: n for k, n in cells.items() if n} == dict(by_lang)
    in_json = {(lang, r): n for lang, row in report["removed_by_language"].items() for r, n in row.items()}
    assert in_json == dict(by_lang)

    steps = report["funnel"]
    assert steps[0]["remaining"] == report["input_docs"] and steps[-1]["remaining"] == report["kept_docs"]
    for s in steps:
        assert int(page.chart("funnel", series="remaining")[s["stage"]]["data-value"]) == s["remaining"]
        assert int(page.chart("funnel", series="removed")[s["stage"]]["data-value"]) == s["removed"]
        assert int(page.tables["funnel"][s["stage"]]["failed"]) == s["failed"]
    assert int(page.chart("funnel", series="remaining")["kept"]["data-value"]) == report["kept_docs"]

    dedup = page.tables["dedup"]
    assert int(dedup["exact duplicates removed"]["n"]) == report["dedup"]["exact_removed"] == reasons.get(
        "exact_duplicate", 0)
    assert int(dedup["near duplicates removed"]["n"]) == report["dedup"]["near_removed"]
    for size, n in report["dedup"]["exact_clusters"].items():
        assert int(page.tables["cluster_sizes"][size]["exact"]) == n
    assert {k: int(r["n"]) for k, r in page.tables["pii"].items()} == {
        k: v for k, v in report["pii"].items() if k != "enabled"}
    assert {k: int(r["kept"]) for k, r in page.tables["pii"].items()} == {
        k: v for k, v in report["pii_kept"].items() if k != "enabled"}
    reasons = ("incorrect_substring", "too_long")
    assert {lang: {c: int(v) for c, v in r.items()} for lang, r in page.tables["word_removal"].items()} == {
        lang: {c: per.get(c, 0) for c in reasons} for lang, per in report["word_removal"].items()}


def test_tokenizer_section_shows_roots_and_gpt2(corpus_run, tokenizer_dir):
    report = load_report(str(corpus_run))
    tok = load_tokenizer_report(str(tokenizer_dir))
    assert tok["baseline_gpt2"] and tok["languages"]
    page = Page(render_html(report, tokenizer=tok))
    for metric in ("fertility_tokens_per_word", "tokens_per_byte"):
        for series, source in (("roots", tok), ("GPT-2 baseline", tok["baseline_gpt2"])):
            marks = page.chart(metric, series=series)
            expected = {k: v[metric] for k, v in source["languages"].items() if v[metric] is not None}
            assert set(marks) == set(expected)
            for lang, v in expected.items():
                assert float(marks[lang]["data-value"]) == pytest.approx(v, rel=1e-5)
    rows = page.tables["tokenizer"]
    for lang, v in tok["languages"].items():
        if v["fertility_tokens_per_word"] is not None:
            assert float(rows[lang]["fertility"]) == pytest.approx(v["fertility_tokens_per_word"], rel=1e-5)
            assert float(rows[lang]["fertility_gpt2"]) == pytest.approx(
                tok["baseline_gpt2"]["languages"][lang]["fertility_tokens_per_word"], rel=1e-5)

    short = {"vocab_size": 778, "vocab_size_requested": 250_680, "sample_bytes": 1_000_000,
             "needed_sample_bytes_estimate": 310_000_000}
    assert "The vocabulary has 778 tokens, 250,680 were asked for" in render_html(
        report, tokenizer={**tok, "vocab_shortfall": short})
    assert "were asked for" not in render_html(report, tokenizer={**tok, "vocab_shortfall": None})

    no_base = Page(render_html(report, tokenizer={**tok, "baseline_gpt2": None}))
    assert no_base.chart("fertility_tokens_per_word", series="roots")
    assert not no_base.chart("fertility_tokens_per_word", series="GPT-2 baseline")
    assert "No GPT-2 baseline" in "".join(no_base.texts)


def test_tokenizer_report_errors(corpus_run, tmp_path, capsys):
    from pipeline.cli import main

    with pytest.raises(UserError, match="not a tokenizer report"):
        load_tokenizer_report(str(corpus_run))  # a pipeline run's report.json, not a tokenizer's
    with pytest.raises(UserError, match="not found"):
        load_tokenizer_report(str(tmp_path / "nowhere"))
    assert main(["report", str(corpus_run), "--tokenizer", str(tmp_path)]) == 2
    assert "roots tokenizer" in capsys.readouterr().err


def test_sources_examples_and_errors_agree_with_the_files(corpus_run):
    """report.json's ``per_source``, ``removed_examples`` and top errors, recomputed from the written files."""
    report = load_report(str(corpus_run))
    kept, removed = read_shards(corpus_run), read_shards(corpus_run, "removed")
    dead = [json.loads(line) for path in sorted((corpus_run / "dead_letter").rglob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]
    kept_by = Counter(kept.column("source").to_pylist())
    removed_by = Counter(zip(removed.column("source").to_pylist(), removed.column("reason").to_pylist(), strict=True))
    failed_by = Counter(d["source"] for d in dead)
    assert set(report["per_source"]) == {"web", "code"}
    for source, entry in report["per_source"].items():
        reasons = {r: n for (s, r), n in removed_by.items() if s == source}
        assert (entry["input"], entry["kept"], entry["failed"]) == (
            report["sources"][source], kept_by[source], failed_by[source])
        assert entry["removed_by_reason"] == reasons and entry["removed"] == sum(reasons.values())
        assert entry["counts_add_up"] and entry["input"] == entry["kept"] + entry["removed"] + entry["failed"]
    web_errors, code_errors = report["per_source"]["web"]["top_errors"], report["per_source"]["code"]["top_errors"]
    assert [e["docs"] for e in web_errors] == [1] and web_errors[0]["error"].startswith("<input>:N: malformed JSON")
    assert web_errors[0]["example"] == {k: dead[[d["source"] for d in dead].index("web")][k]
                                        for k in ("id", "locator", "error")}
    assert code_errors[0]["error"] == "<input>: not valid UTF-8 at byte N; re-encode the file as UTF-8"
    assert code_errors[0]["example"]["locator"].endswith("<img src=x onerror=alert(3)>.c")

    rows = removed.to_pylist()
    assert set(report["removed_examples"]) == set(report["removed_docs"])
    for reason, examples in report["removed_examples"].items():
        mine = sorted((r for r in rows if r["reason"] == reason), key=lambda r: r["id"])[:3]
        assert [e["id"] for e in examples] == [r["id"] for r in mine], reason
        for e, r in zip(examples, mine, strict=True):
            assert (e["source"], e["stage"], e["locator"]) == (r["source"], r["stage"], r["locator"])
            assert e["value"] == json.loads(r["value"]) and e["text_chars"] == len(r["text"])
            assert r["text"].startswith(e["excerpt"].removesuffix("…"))  # no PII in these texts: verbatim
    markup = [e for examples in report["removed_examples"].values() for e in examples
              if "onerror=alert(2)" in e["excerpt"]]
    assert len(markup) == 1 and "<script> alert('doc') </script>" in markup[0]["excerpt"]


def test_page_shows_sources_examples_and_errors_as_text(corpus_run):
    report = load_report(str(corpus_run))
    text = (corpus_run / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    for source, entry in report["per_source"].items():
        row = page.tables["sources"][source]
        assert {c: int(row[c]) for c in ("docs", "kept", "removed", "failed")} == {
            "docs": entry["input"], "kept": entry["kept"], "removed": entry["removed"], "failed": entry["failed"]}
        shown = page.tables[f"errors:{source}"]
        assert {k: int(v["docs"]) for k, v in shown.items()} == {e["error"]: e["docs"] for e in entry["top_errors"]}
    for reason, examples in report["removed_examples"].items():
        assert list(page.tables[f"examples:{reason}"]) == [e["id"] for e in examples]
    # a removed document's HTML and a file name with HTML in it are shown as text, never parsed as markup
    assert page.tags["script"] == 0 and page.tags["img"] == 0 and "onerror" not in "".join(
        f"{k}={v}" for _, a in page.elements for k, v in a.items() if k != "data-key")
    texts = "".join(page.texts)
    assert "<script> alert('doc') </script> followed by <img src=x onerror=alert(2)>" in texts
    assert "<img src=x onerror=alert(3)>.c" in texts


# ----------------------------------------------------------------------------------------------- structure
HOSTILE = '<script>alert("x")</script>'


def hostile_report() -> dict:
    """A report whose strings try to break out of text, attributes and SVG."""
    removed = {'"><img src=x onerror=alert(1)>': 2, "empty": 1}
    report = {"version": 1, "name": f"{HOSTILE}&co", "input_docs": 10, "kept_docs": 7, "removed_docs": removed,
              "failed_docs": 0, "counts_add_up": True, "sources": {"a&b <src>": 10},
              "languages": {HOSTILE: {"docs": 4, "bytes": 400}, "fr": {"docs": 2, "bytes": 50}},
              "programming_languages": {"c'est\"": {"docs": 1, "bytes": 3}},
              "removed_by_language": {HOSTILE: removed}, "kept_bytes": 453, "shards": 3}
    report["funnel"] = funnel_from_reasons(10, 0, removed)
    error = {"error": HOSTILE, "docs": 1, "example": {"id": "<b>1</b>", "locator": '"><img src=x onerror=alert(1)>',
                                                      "error": HOSTILE}}
    report["per_source"] = {"a&b <src>": {"input": 10, "kept": 7, "removed": 3, "failed": 0, "counts_add_up": True,
                                          "removed_by_reason": removed, "top_errors": [error]}}
    report["removed_examples"] = {"empty": [{"id": "<i>id</i>", "source": "a&b <src>", "language": HOSTILE,
                                             "stage": "Ingest", "locator": "<a href=x>", "value": HOSTILE,
                                             "excerpt": HOSTILE + "<img src=x onerror=alert(1)>", "text_chars": 60,
                                             "duplicate_of": "<u>x</u>"}]}
    return report


def test_strings_from_data_are_escaped():
    text = render_html(hostile_report())
    page = Page(text)
    assert page.tags["script"] == 0 and page.tags["img"] == 0
    assert HOSTILE in page.texts  # shown as text, intact
    assert HOSTILE in page.chart("languages", "linear") and "c'est\"" in page.chart("programming_languages", "linear")
    assert '"><img src=x onerror=alert(1)>' in page.tables["removed"]
    assert "a&b <src>" in page.tables["sources"]
    assert "<script>" not in text and "<img" not in text and "<a href=x" not in text
    assert list(page.tables["examples:empty"]) == ["<i>id</i>"] and HOSTILE in page.tables["errors:a&b <src>"]
    assert HOSTILE + "<img src=x onerror=alert(1)>" in page.texts and "<u>x</u>" in page.texts


def test_page_is_self_contained_accessible_and_deterministic(corpus_run, tokenizer_dir, other_report):
    report = load_report(str(corpus_run))
    tok = load_tokenizer_report(str(tokenizer_dir))
    comparison = compare_reports(report, other_report, "base", "other")
    text = render_html(report, tok, comparison)
    assert text == render_html(report, tok, comparison)
    page = Page(text)
    assert page.tags["script"] == 0 and page.tags["link"] == 0 and page.tags["img"] == 0 and page.tags["iframe"] == 0
    for _tag, a in page.elements:  # nothing is fetched: no external reference of any kind
        for attr in ("src", "href", "xlink:href"):
            assert not a.get(attr) or a[attr].startswith("#"), a
    assert "url(" not in text.replace("url(#", "") and "@import" not in text and "http" not in text
    ids = [a["id"] for _, a in page.elements if "id" in a]
    assert len(ids) == len(set(ids))
    svgs = [a for tag, a in page.elements if tag == "svg"]
    assert len(svgs) >= 8
    for a in svgs:
        assert a["role"] == "img" and all(i in ids for i in a["aria-labelledby"].split())
    assert page.tags["title"] >= 1 + len(svgs) and page.tags["h1"] == 1 and page.tags["h2"] >= 6
    ths = [a for tag, a in page.elements if tag == "th"]
    assert ths and all(a.get("scope") in ("col", "row") for a in ths)
    assert page.tags["caption"] == page.tags["table"]
    assert page.elements[0][0] == "html" and page.elements[0][1]["lang"] == "en"


def test_report_without_optional_keys_still_renders(corpus_run):
    """A report.json from before ``funnel``/``removed_by_language`` existed: the funnel is recomputed."""
    report = load_report(str(corpus_run))
    old = {k: v for k, v in report.items() if k not in ("funnel", "removed_by_language")}
    page = Page(render_html(old))
    assert {k: int(m["data-value"]) for k, m in page.chart("funnel", series="remaining").items()} == {
        **{s["stage"]: s["remaining"] for s in report["funnel"]}, "kept": report["kept_docs"]}
    assert "removed_by_language" not in page.tables


def test_scales_and_labels():
    lin = LinearScale([0.3, 38.2], 0, 100)
    assert lin.ticks == [0, 10, 20, 30, 40] and lin(0) == 0 and lin(40) == 100
    assert LinearScale([-0.3, 0.45], 0, 1).ticks == pytest.approx([-0.4, -0.2, 0, 0.2, 0.4, 0.6])
    log = LogScale([0.00002, 30.0, 0.0], 0, 700)
    assert log.ticks == pytest.approx([1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100])
    assert log(1e-5) == pytest.approx(0) and log(100) == pytest.approx(700) and log.span(0) == (0, 0.0)
    assert tick_labels(log.ticks[:3], True, "%") == ["0.00001%", "0.0001%", "0.001%"]
    assert tick_labels([0, 0.25, 0.5], False) == ["0", "0.25", "0.50"]
    assert tick_labels([-2, 0, 2, 4], False, signed=True) == ["-2", "0", "+2", "+4"]
    assert [pct(v) for v in (0, 38.25, 0.123, 0.0123, 0.00042)] == ["0.00%", "38.25%", "0.12%", "0.012%", "0.00042%"]


# ----------------------------------------------------------------------------------------------- headless Chromium
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                  "--disable-extensions", "--disable-default-apps", "--enable-logging=stderr", "--v=0"]


def _find_chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _install_chromium() -> str:
    """Install Debian's chromium once per machine (a lock serialises parallel test sessions); '' or why not."""
    if os.geteuid() != 0:
        return "not root: install it with `sudo apt-get install -y chromium`"
    if not shutil.which("apt-get"):
        return "no apt-get on this machine: install Chromium and put `chromium` on PATH"
    with open(os.path.join(tempfile.gettempdir(), "roots-tests-chromium.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _find_chromium():
            return ""
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
            if res.returncode:
                return f"`{' '.join(cmd)}` failed: {(res.stderr or res.stdout).strip()[-400:]}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    path = _find_chromium()
    if path is None:
        why = _install_chromium()
        path = _find_chromium()
        if path is None:
            message = f"headless Chromium is needed to check report.html and could not be installed: {why}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    return path


def run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """One headless Chromium run; the whole process group is killed if it hangs."""
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def console_lines(stderr: str) -> list[str]:
    """The page's console messages (and uncaught errors), as Chromium logs them with --enable-logging=stderr."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


#: measures what the browser rendered: page size, and every mark's width before and after ticking the log toggles
PROBE = """<script>(() => {
  const marks = () => Array.from(document.querySelectorAll('.mark')).map(m => {
    const r = m.getBoundingClientRect();
    return {chart: m.dataset.chart, key: m.dataset.key, series: m.dataset.series, scale: m.dataset.scale || '',
            value: Number(m.dataset.value), width: r.width, height: r.height};
  });
  const root = document.documentElement;
  const out = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, height: root.scrollHeight,
               innerWidth: window.innerWidth, before: marks()};
  document.querySelectorAll('input.log-toggle').forEach(t => t.click());
  out.after = marks();
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();</script>"""


def _proportional(marks: list[dict], tol: float = 0.75) -> None:
    """Linear bars: rendered width = value × one factor per chart (to within rounding)."""
    biggest = max(marks, key=lambda m: abs(m["value"]))
    factor = biggest["width"] / abs(biggest["value"])
    assert factor > 0.5, biggest  # the largest bar is drawn, and not as a sliver
    for m in marks:
        assert m["width"] == pytest.approx(abs(m["value"]) * factor, abs=tol), m


def test_report_renders_in_chromium(corpus_run, tokenizer_dir, other_report, chromium, tmp_path):
    report = load_report(str(corpus_run))
    tok = load_tokenizer_report(str(tokenizer_dir))
    comparison = compare_reports(report, other_report, str(corpus_run), "other run")
    html_path = tmp_path / "report.html"
    text = render_html(report, tok, comparison)
    html_path.write_text(text, encoding="utf-8")
    source = Page(text)
    profile = tmp_path / "profile"

    # 1. the page as shipped: parsed by the browser into the same marks and tables, with nothing on the console
    res = run_chromium(chromium, profile, "--window-size=1280,800", "--dump-dom", html_path.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    assert console_lines(res.stderr) == []
    dom = Page(res.stdout)
    assert dom.marks == source.marks and dom.tables == source.tables
    assert dom.tables["compare_languages"]["en"]["bytes_delta"] == str(report["languages"]["en"]["bytes"])
    assert "Compared with other run" in "".join(dom.texts)

    # 2. rendered geometry: bars proportional to their values, log charts only after the toggle, no h-scroll
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    res = run_chromium(chromium, profile, "--window-size=1280,800", "--dump-dom", probed.as_uri())
    assert console_lines(res.stderr) == []
    probe = Page(res.stdout).probe
    assert probe is not None, res.stderr[-2000:]
    assert probe["innerWidth"] == 1280 and probe["scrollWidth"] <= probe["clientWidth"], probe
    before, after = probe["before"], probe["after"]
    assert len(before) == len(source.marks)
    for chart in ("languages", "programming_languages"):
        lin = [m for m in before if m["chart"] == chart and m["scale"] == "linear"]
        assert len(lin) == len(report[chart]) and all(m["height"] > 5 for m in lin)
        _proportional(lin)
        assert all(m["width"] == 0 for m in before if m["chart"] == chart and m["scale"] == "log")  # hidden
        log = sorted((m for m in after if m["chart"] == chart and m["scale"] == "log"), key=lambda m: m["value"])
        assert all(m["width"] > 0 for m in log) and all(m["height"] > 5 for m in log)
        assert [m["width"] for m in log] == sorted(m["width"] for m in log)  # monotonic in the value
        assert all(m["width"] == 0 for m in after if m["chart"] == chart and m["scale"] == "linear")
    _proportional([m for m in before if m["chart"] == "funnel"])
    _proportional([m for m in before if m["chart"] == "fertility_tokens_per_word"])
    _proportional([m for m in before if m["chart"] == "compare_languages"])
    heat = [m for m in before if m["chart"] == "removed_by_language"]
    assert heat and all(m["width"] > 10 and m["height"] > 10 for m in heat)

    # 3. a full-page screenshot at laptop width, for people to look at
    shot = tmp_path / "report.png"
    res = run_chromium(chromium, profile, f"--window-size=1280,{probe['height']}", f"--screenshot={shot}",
                       html_path.as_uri())
    assert shot.exists(), res.stderr[-2000:]
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(head[16:20], "big") == 1280 and int.from_bytes(head[20:24], "big") == probe["height"]
    print(f"screenshot: {shot}")


def test_hostile_strings_stay_text_in_chromium(chromium, tmp_path):
    path = tmp_path / "hostile.html"
    path.write_text(render_html(hostile_report()), encoding="utf-8")
    res = run_chromium(chromium, tmp_path / "profile", "--window-size=1280,800", "--dump-dom", path.as_uri())
    assert res.returncode == 0 and console_lines(res.stderr) == []
    dom = Page(res.stdout)
    assert dom.tags["script"] == 0 and dom.tags["img"] == 0 and HOSTILE in dom.texts
