"""Filter profiles per source (web / curated / none / your own), and the word lists the checks use."""

from __future__ import annotations

import json

import pytest

from core.errors import UserError
from filters import NL_CHECKS, FilterConfig, filter_batch
from filters.profiles import PROFILE_CHECKS, all_profiles, shipped_profiles, small_document_batch
from filters.wordlists import flagged_words
from manifests.schema import check_inputs, parse_manifest
from pipeline.run import run
from tests.conftest import read_shards, write_jsonl, write_manifest

MEDICAL = (
    "Penile cancer is a rare malignancy that usually begins in the skin cells of the penis. Risk factors include "
    "infection with human papillomavirus, smoking and phimosis. Early signs are a change in skin colour, a lump or "
    "an ulcer on the glans or foreskin; bleeding or discharge may follow. Diagnosis is made by biopsy, and staging "
    "looks at the lymph nodes in the groin. Treatment depends on the stage: small tumours can be removed with "
    "laser surgery or a partial penectomy, while advanced disease needs chemotherapy and radiotherapy. After "
    "treatment, urinary function, erection and ejaculation are discussed with the patient, together with "
    "psychological support. Survival is good when the cancer is found before it has reached the lymph nodes."
)


def test_shipped_profiles() -> None:
    profiles = shipped_profiles()
    assert profiles["web"] == frozenset(PROFILE_CHECKS) - {"small_document"}  # today's behaviour: everything
    assert profiles["curated"] == {"small_document", "code", "template_lines", "pii", "dedup"}
    assert profiles["none"] == frozenset()
    assert set(NL_CHECKS) <= profiles["web"] and not set(NL_CHECKS) & profiles["curated"]


def test_own_profiles_and_errors_name_the_field(tmp_path) -> None:
    assert all_profiles({"light": ["pii", "dedup"]})["light"] == {"pii", "dedup"}
    base = {"name": "t", "sources": [{"name": "a", "type": "hf", "path": "json", "data_files": "x.jsonl"}]}
    with pytest.raises(UserError, match=r"m.yaml: sources\[0\]\.filters: unknown filter profile 'webb'.*curated"):
        parse_manifest({**base, "sources": [{**base["sources"][0], "filters": "webb"}]}, "m.yaml", str(tmp_path))
    with pytest.raises(UserError, match=r"filters\.profiles.*filters\.profiles\.mine: unknown check 'stopword'"):
        parse_manifest({**base, "filters": {"profiles": {"mine": ["stopword"]}}}, "m.yaml", str(tmp_path))
    ok = parse_manifest({**base, "filters": {"profiles": {"mine": ["pii"]}},
                         "sources": [{**base["sources"][0], "filters": "mine"}]}, "m.yaml", str(tmp_path))
    assert ok.source_profiles() == {"a": frozenset({"pii"})}


def test_checks_outside_the_profile_do_not_run() -> None:
    junk = "buy cheap " * 40
    params = FilterConfig().params_for("en")
    assert not filter_batch([junk], "en", params)[0].keep
    assert filter_batch([junk], "en", params, checks=frozenset())[0].keep
    assert filter_batch([junk], "en", params, checks=frozenset({"stopwords"}))[0].reason == "stopwords"
    short, long = small_document_batch(["three words here", "word " * 15], 15)
    assert (short.keep, short.reason, short.value, long.keep) == (False, "small_document", 3.0, True)


def test_medical_text_is_not_flagged() -> None:
    """ROOTS' English flagged words are pornography terms; anatomy and medicine are not in our list either."""
    words = flagged_words("en")
    assert not {"penis", "anus", "clitoris", "ejaculation", "orgasm", "nude", "vagina"} & words
    assert {"porn", "xxx", "blowjob"} <= words
    params = FilterConfig().params_for("en")
    assert filter_batch([MEDICAL], "en", params, [0.95])[0].keep


def test_word_list_files_from_the_manifest(tmp_path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "en_stop.txt").write_text("# a tiny closed-class list\nthe\nof\n", encoding="utf-8")
    body = {"name": "t", "sources": [{"name": "a", "type": "hf", "path": "json", "data_files": "x.jsonl"}],
            "filters": {"languages": {"en": {"stopwords_file": "lists/en_stop.txt",
                                             "flagged_words_file": "lists/missing.txt"}}}}
    manifest = parse_manifest(body, "m.yaml", str(tmp_path))
    params = manifest.filters.params_for("en")
    assert params.stopwords_file == str(tmp_path / "lists" / "en_stop.txt")
    assert any("filters.languages.en.flagged_words_file" in p and "missing.txt" in p for p in check_inputs(manifest))
    own = params.model_copy(update={"flagged_words_file": None})
    # with only "the" and "of" as stop words, ordinary English falls under en's 0.3 cutoff
    assert filter_batch([MEDICAL], "en", own, [0.95])[0].reason == "stopwords"


def test_profiles_per_source_end_to_end(tmp_path) -> None:
    """The same documents under web, curated and none: each source gets its own checks, the report says which."""
    junk = "click here click here " * 20
    short = "Too short to keep."
    for name in ("web", "cur", "raw"):
        pii = f"Write to maria.lopez@example.org about the {name} meeting; " + MEDICAL
        twice = f"The {name} copy: " + MEDICAL.replace("cancer", "carcinoma")
        write_jsonl(tmp_path / f"{name}.jsonl", [{"text": junk + name}, {"text": short}, {"text": pii},
                                                  {"text": twice}, {"text": twice}])
    sources = "".join(f"  - {{name: {n}, type: hf, path: json, data_files: {n}.jsonl, language: en{p}}}\n"
                      for n, p in (("web", ""), ("cur", ", filters: curated"), ("raw", ", filters: none")))
    manifest = write_manifest(tmp_path, f"name: t\ndedup: {{near: false}}\nsources:\n{sources}")
    report = run(str(manifest), str(tmp_path / "out"), progress=False)
    assert report["counts_add_up"]
    assert {k: v["profile"] for k, v in report["profiles"].items()} == {"web": "web", "cur": "curated", "raw": "none"}
    assert report["profiles"]["raw"]["checks"] == []
    kept = read_shards(tmp_path / "out")
    by_source: dict[str, list[str]] = {}
    for src, text in zip(kept.column("source").to_pylist(), kept.column("text").to_pylist(), strict=True):
        by_source.setdefault(src, []).append(text)
    # web: junk and the short one fail the quality filters, one copy is an exact duplicate
    assert len(by_source["web"]) == 2 and any("PI:EMAIL" in t for t in by_source["web"])
    # curated: no quality filters (the junk stays), but small documents, duplicates and PII are handled
    assert len(by_source["cur"]) == 3 and (junk + "cur").strip() in by_source["cur"]
    assert any("PI:EMAIL" in t for t in by_source["cur"])
    # none: everything stays as it came, duplicates and e-mail addresses included
    assert len(by_source["raw"]) == 5 and any("maria.lopez@example.org" in t for t in by_source["raw"])
    removed = read_shards(tmp_path / "out", "removed")
    reasons = sorted(zip(removed.column("source").to_pylist(), removed.column("reason").to_pylist(), strict=True))
    assert [r for r in reasons if r[0] == "cur"] == [("cur", "exact_duplicate"), ("cur", "small_document")]
    assert not [r for r in reasons if r[0] == "raw"]
    from reports.html import write_html_report

    write_html_report(report, str(tmp_path / "report.html"))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<tr data-key="cur"><th scope="row">cur</th>' in html and 'data-col="profile">curated</td>' in html
    assert json.loads((tmp_path / "out" / "stats" / "profiles.json").read_text()) == report["profiles"]


def test_roots_word_lists_are_the_default_and_move_the_ratios_to_roots_range() -> None:
    """ROOTS' closed-class lists (read from the qianfan wheel) against stopwords-iso on the natural paragraphs:
    for hi, bn and ur the stopwords-iso ratios are several times ROOTS', for eu lower (ROOTS' list has 1240 words)."""
    from filters.quality import augment, word_list_ratio
    from filters.text import words
    from filters.wordlists import flagged_words_for, roots_flagged_words, roots_stopwords, stopwords_for
    from tests.test_filters_quality import NATURAL

    assert {lang: len(roots_stopwords(lang)) for lang in ("en", "eu", "bn", "ur", "hi")} == {
        "en": 301, "eu": 1240, "bn": 59, "ur": 59, "hi": 135}
    assert len(roots_flagged_words("en")) == 68 and roots_stopwords("de") is None
    config = FilterConfig()
    assert config.params_for("hi").word_lists == "roots"

    def ratio(lang: str, lists: str) -> float:
        p = config.params_for(lang).model_copy(update={"word_lists": lists})
        w = words(NATURAL[lang])
        return word_list_ratio(w, stopwords_for(p, lang), grams=augment(
            w, p.words_augmentation_group_sizes, p.words_augmentation_join_char))

    for lang in ("hi", "bn", "ur"):
        roots, iso = ratio(lang, "roots"), ratio(lang, "stopwords-iso")
        assert config.params_for(lang).stopwords_min_cutoff <= roots < iso / 3, (lang, roots, iso)
    assert ratio("eu", "roots") > 1.5 * ratio("eu", "stopwords-iso")
    de = config.params_for("de")
    assert stopwords_for(de, "de") == stopwords_for(de.model_copy(update={"word_lists": "stopwords-iso"}), "de")
    assert flagged_words_for(config.params_for("en"), "en") == roots_flagged_words("en")
