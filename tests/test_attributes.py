"""Attributes (``OUT/attributes/``): every kept and removed document's measurements, keyed by id, written like the
shards; and the pure pieces they rest on (measuring every check, verdicts from stored values, restore patches)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters import NL_CHECKS, FilterConfig, filter_batch, measure_batch, modify_batch, redact_batch, verdict_of
from filters.profiles import shipped_profiles, small_document_batch
from filters.restore import apply_patch, restore, text_patch
from manifests.schema import load_manifest
from tests.conftest import SAMPLE, read_arrow, read_shards


def _rows(out: Path, sub: str) -> dict[str, dict]:
    return {r["id"]: r for r in read_shards(out, sub).to_pylist()}


@pytest.fixture(scope="module")
def run_rows(sample_run):
    return _rows(sample_run, "attributes"), _rows(sample_run, "shards"), _rows(sample_run, "removed")


def test_every_kept_and_removed_document_has_one_row_and_dead_letters_none(sample_run, run_rows):
    attrs, kept, removed = run_rows
    dead = {json.loads(line)["id"] for p in (sample_run / "dead_letter").rglob("*.jsonl") for line in p.open()}
    assert set(attrs) == set(kept) | set(removed) and not set(attrs) & dead and dead
    assert all(attrs[i]["kept"] and attrs[i]["reason"] is None for i in kept)
    assert all(not attrs[i]["kept"] and (attrs[i]["reason"], attrs[i]["stage"]) ==
               (removed[i]["reason"], removed[i]["stage"]) for i in removed)
    index = json.loads((sample_run / "attributes" / "index.json").read_text())
    for shard in index["shards"]:
        ids = read_arrow(sample_run / "attributes" / shard["path"]).column("id").to_pylist()
        assert ids == sorted(ids) and len(ids) == shard["rows"]
        assert {attrs[i]["language"] for i in ids} == {shard["language"]}
    assert json.loads((sample_run / "attributes" / "manifest.json").read_text())["manifest"]["name"] == "sample"


def test_the_values_are_the_ones_the_filters_decided_on(run_rows):
    attrs, kept, removed = run_rows
    config = load_manifest(str(SAMPLE)).filters
    quality = [i for i, r in removed.items() if r["stage"] == "QualityFilter" and not r["language"].startswith("code")]
    assert quality
    for i in quality:
        assert attrs[i][removed[i]["reason"]] == json.loads(removed[i]["value"])
    natural = [i for i in kept if not kept[i]["language"].startswith("code-")]
    assert len(natural) > 50
    for i in natural:
        a = attrs[i]
        assert a["lid_score"] == kept[i]["lid_score"] and a["lid_model"] == kept[i]["lid_model"]
        assert a["number_words"] is not None and a["lang_id"] == a["lid_score"]
        assert verdict_of({c: a[c] for c in NL_CHECKS}, config.params_for(a["language"])).keep
        assert a["pii_email"] is not None
    assert all(attrs[i]["number_words"] is None for i in kept if kept[i]["language"].startswith("code-"))


def test_duplicate_clusters_name_the_kept_document(run_rows):
    attrs, kept, removed = run_rows
    dups = [r for r in removed.values() if r["reason"] in ("exact_duplicate", "near_duplicate")]
    assert dups
    for r in dups:
        column = "exact_cluster" if r["reason"] == "exact_duplicate" else "near_cluster"
        assert attrs[r["id"]][column] == r["duplicate_of"]
        assert attrs[r["duplicate_of"]][column] == r["duplicate_of"]
    assert all(attrs[i]["exact_cluster"] is None and attrs[i]["near_cluster"] is None
               for i in kept if i not in {r["duplicate_of"] for r in dups})


def test_restore_patches_give_back_the_text_before_redaction(run_rows):
    attrs, kept, _ = run_rows
    redacted = [i for i in kept if "PI:" in kept[i]["text"]]
    assert redacted
    config = load_manifest(str(SAMPLE)).filters
    for i in redacted:
        before = restore(kept[i]["text"], json.loads(attrs[i]["restore"]))
        assert "PI:" not in before
        # the stages' order: PII redaction, then word removal (template lines are off in the sample)
        redacted = redact_batch([before])[0][0]
        assert modify_batch([redacted], config.params_for(kept[i]["language"]))[0] == kept[i]["text"]
        assert sum(attrs[i][c] for c in attrs[i] if c.startswith("pii_")) >= kept[i]["text"].count("PI:")


def _json_or_none(line: str) -> dict | None:
    try:
        return json.loads(line)
    except ValueError:  # the sample's broken line, on purpose
        return None


def _sample_texts() -> list[tuple[str, str, float]]:
    rows = [_json_or_none(line) for p in sorted((SAMPLE.parent / "sample_data" / "web").glob("*.jsonl"))
            for line in p.open(encoding="utf-8", errors="replace")]
    rows = [r for r in rows if isinstance(r, dict)]
    return [(r["text"], lang, 0.6 + 0.4 * (k % 5) / 4) for k, r in enumerate(rows) if isinstance(r.get("text"), str)
            for lang in ("en", "fr")]


@pytest.mark.parametrize("profile", ["web", "curated", None])
def test_verdicts_from_measured_values_equal_the_filter(profile):
    """What refilter and an attributes run decide from all measured values is what the short-circuit filter
    decides, under every profile and with cut-offs moved around."""
    checks = None if profile is None else shipped_profiles()[profile]
    configs = [FilterConfig(), FilterConfig.model_validate({"defaults": {
        "stopwords_min_cutoff": 0.3, "word_repetition_max_cutoff": 0.05, "number_words_max_cutoff": 120,
        "lang_id_min_cutoff": 0.8, "special_characters_max_cutoff": None}})]
    for config in configs:
        for (text, lang, score) in _sample_texts():
            params = config.params_for(lang)
            [t] = modify_batch([text], params)
            [want] = filter_batch([t], lang, params, [score], checks)
            [values] = measure_batch([t], lang, params, [score])
            assert verdict_of(values, params, checks) == want, (lang, text[:60])
            [small] = small_document_batch([t], 15)
            assert small.keep or small.value == values["number_words"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab c\n\t@.:/xyzé "), max_size=200), st.randoms(use_true_random=False))
def test_a_patch_turns_the_new_text_back_into_the_old(old, rnd):
    pieces = old.split(" ")
    new = " ".join(p for p in pieces if rnd.random() < 0.7)  # words removed, as ROOTS' modifying step does
    new = new.replace("@x", "PI:EMAIL")
    patch = text_patch(new, old)
    assert (patch is None) == (new == old)
    assert (old if patch is None else apply_patch(new, patch)) == old
    assert restore(new, [patch, None]) == old


def test_patches_give_back_the_old_text_whatever_changed() -> None:
    """In-place changes (as many lines: PII placeholders, words taken inside lines) take the line-for-line path,
    other changes (blank lines dropped, lines removed) difflib's; both patches give the old text back."""
    import random

    rng = random.Random(3)
    lines = ["same line", "", "a x.com b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "mail jane@example.org now", "same line"]
    for _ in range(300):
        old_lines = [rng.choice(lines) + rng.choice(["", " tail", " x"]) for _ in range(rng.randint(1, 12))]
        new_lines = [line.replace("x.com", "").replace("jane@example.org", "PI:EMAIL") if rng.random() < 0.5
                     else line for line in old_lines]
        if rng.random() < 0.3:  # lines dropped too
            new_lines = [line for line in new_lines if line and rng.random() < 0.8]
        old, new = "\n".join(old_lines), "\n".join(new_lines)
        patch = text_patch(new, old)
        assert (patch is None) == (new == old)
        assert apply_patch(new, patch or []) == old
    patch = text_patch("a\nPI:EMAIL b\nc\nd PI:KEY", "a\njane@example.org b\nc\nd sk_live_1")
    assert [op[:2] for op in patch] == [[1, 2], [3, 4]]  # one entry per run of changed lines


def _shared_ends_by_character(new: str, old: str) -> tuple[int, int]:
    """The definition, one character at a time (what the stored patches were made with before it was halved)."""
    n, p, s = min(len(new), len(old)), 0, 0
    while p < n and new[p] == old[p]:
        p += 1
    while s < n - p and new[-1 - s] == old[-1 - s]:
        s += 1
    return p, s


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab\u00e9\U0001f600 "), max_size=40),
       st.text(alphabet=st.sampled_from("ab\u00e9\U0001f600 "), max_size=40), st.integers(0, 40), st.integers(0, 40))
def test_shared_ends_are_the_characters_definition(a, middle, cut, keep):
    """A patch's prefix and suffix lengths (so its bytes in attributes/) are those of the plain definition, also
    when the two strings overlap (``aaa`` / ``aa``) or one is empty."""
    from filters.restore import _shared_ends

    b = a[:cut] + middle + a[len(a) - min(keep, len(a)):]
    assert _shared_ends(a, b) == _shared_ends_by_character(a, b)
    assert _shared_ends(b, a) == _shared_ends_by_character(b, a)
