"""The stage contract: a poison document never stops a run, and ``roots explain`` agrees with what a run did.

The chaos run makes three real stages raise on one chosen document each (by monkeypatching the functions they
call; the in-process FnApiRunner runs the patched code): each document must land in ``dead_letter/`` naming its
stage, and every other output must be what a normal run wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from manifests.schema import load_manifest
from pipeline.explain import Explainer
from pipeline.ingest.plan import plan_units, read_unit
from pipeline.ingest.records import KEPT
from pipeline.stage import FAILED, REMOVED, BatchFn, Removal, _RunBatch
from pipeline.stages import STAGES
from tests.conftest import SAMPLE, read_shards, tree_bytes


def _removed_rows(out: Path) -> dict[str, dict]:
    table = read_shards(out, "removed")
    return {r["id"]: r for r in table.to_pylist()}


def _dead_rows(out: Path) -> dict[str, dict]:
    return {d["id"]: d for p in sorted((out / "dead_letter").rglob("*.jsonl")) for d in map(json.loads, p.open())}


def _unique_marker(text: str, others: list[str]) -> str | None:
    """A 40-character window of ``text`` found in no other document (so a patched function can spot it)."""
    for start in range(0, max(len(text) - 40, 1), 20):
        window = text[start:start + 40]
        if len(window) == 40 and "PI:" not in window and not any(window in o for o in others):
            return window
    return None


def _pick_victims(out: Path) -> dict[str, tuple[str, str]]:
    """stage → (id, marker) of three documents whose removal changes no other document's fate: two that the normal
    run removes with a quality check (they never reach dedup), and a natural-language near duplicate alone with its
    kept twin (code skips PII)."""
    removed = _removed_rows(out)
    kept = read_shards(out).to_pylist()
    texts = {r["id"]: r["text"] for r in [*removed.values(), *kept]}
    targets = [r["duplicate_of"] for r in removed.values() if r["duplicate_of"]]
    quality = [r for r in removed.values() if r["stage"] == "QualityFilter" and not r["language"].startswith("code-")]
    near = [r for r in removed.values() if r["reason"] == "near_duplicate" and targets.count(r["duplicate_of"]) == 1
            and r["id"] not in targets and "PI:" not in r["text"] and not r["language"].startswith("code-")]
    victims: dict[str, tuple[str, str]] = {}
    for stage, candidates in (("LanguageId", quality), ("QualityFilter", quality[::-1]), ("PiiRedact", near)):
        for r in sorted(candidates, key=lambda r: r["id"]):
            marker = _unique_marker(r["text"], [t for i, t in texts.items() if i != r["id"]])
            if marker and r["id"] not in {v[0] for v in victims.values()}:
                victims[stage] = (r["id"], marker)
                break
    assert set(victims) == {"LanguageId", "QualityFilter", "PiiRedact"}, victims
    return victims


def _raising(original, marker: str):
    def patched(*args, **kwargs):
        texts = args[1] if original.__name__ == "identify_results" else args[0]
        if any(marker in t for t in texts):
            raise ValueError(f"chaos on {marker[:10]!r}")
        return original(*args, **kwargs)

    patched.__name__ = original.__name__
    return patched


def test_a_poison_document_is_dead_lettered_and_nothing_else_changes(sample_run, tmp_path, monkeypatch):
    import pipeline.langid
    import pipeline.quality
    import pipeline.redact
    from pipeline.run import run

    victims = _pick_victims(sample_run)
    monkeypatch.setattr(pipeline.langid, "identify_results",
                        _raising(pipeline.langid.identify_results, victims["LanguageId"][1]))
    monkeypatch.setattr(pipeline.quality, "filter_batch",
                        _raising(pipeline.quality.filter_batch, victims["QualityFilter"][1]))
    monkeypatch.setattr(pipeline.quality, "measure_batch",  # what the filter calls with attributes on (the default)
                        _raising(pipeline.quality.measure_batch, victims["QualityFilter"][1]))
    monkeypatch.setattr(pipeline.redact, "redact_batch",
                        _raising(pipeline.redact.redact_batch, victims["PiiRedact"][1]))
    chaos = tmp_path / "chaos"
    report = run(str(SAMPLE), str(chaos), progress=False)

    victim_ids = {doc_id: stage for stage, (doc_id, _) in victims.items()}
    dead, normal_dead = _dead_rows(chaos), _dead_rows(sample_run)
    assert {i: d for i, d in dead.items() if i not in victim_ids} == normal_dead
    for doc_id, stage in victim_ids.items():
        assert dead[doc_id]["stage"] == stage
        assert dead[doc_id]["error"].startswith(f"{stage}: ValueError: chaos")
        assert dead[doc_id]["source"] and dead[doc_id]["locator"]
    # the kept documents are byte-identical, and so is every removed document but the three
    assert tree_bytes(chaos / "shards") == tree_bytes(sample_run / "shards")
    normal_removed = _removed_rows(sample_run)
    assert _removed_rows(chaos) == {i: r for i, r in normal_removed.items() if i not in victim_ids}
    gone = {normal_removed[i]["reason"] for i in victim_ids}
    removed_chaos, removed_normal = tree_bytes(chaos / "removed"), tree_bytes(sample_run / "removed")
    untouched = [k for k in removed_normal if k.split("/")[0] not in gone and k != "index.json"]
    assert untouched and all(removed_chaos[k] == removed_normal[k] for k in untouched)
    normal = json.loads((sample_run / "report.json").read_text())
    assert report["counts_add_up"] and report["failed_docs"] == normal["failed_docs"] + 3
    assert report["input_docs"] == normal["input_docs"] and report["kept_docs"] == normal["kept_docs"]
    steps = {s["stage"]: s["failed"] for s in report["funnel"]}
    normal_steps = {s["stage"]: s["failed"] for s in normal["funnel"]}
    assert steps["language"] == normal_steps["language"] + 1 and steps["quality"] == normal_steps["quality"] + 2


class _FailsOn(BatchFn):
    def __init__(self, bad: str):
        self.bad = bad

    def __call__(self, batch, **side):
        for rec in batch:
            if rec["id"] == self.bad:
                raise RuntimeError("boom")
        for rec in batch:
            yield Removal(rec, "odd", 1) if int(rec["id"]) % 2 else rec


def test_one_bad_document_in_a_batch_of_512_fails_alone():
    batch = [{"id": str(i), "text": "t", "source": "s", "locator": f"f#{i}"} for i in range(512)]
    outs = list(_RunBatch("Probe", _FailsOn("300")).process(batch))
    failed = [o.value for o in outs if getattr(o, "tag", None) == FAILED]
    removed = [o.value for o in outs if getattr(o, "tag", None) == REMOVED]
    kept = [o for o in outs if isinstance(o, dict)]
    assert [(f["id"], f["stage"], f["error"]) for f in failed] == [("300", "Probe", "Probe: RuntimeError: boom")]
    assert failed[0]["source"] == "s" and failed[0]["locator"] == "f#300"
    assert len(kept) == 255 and len(removed) == 256 and {r["stage"] for r in removed} == {"Probe"}
    assert len(kept) + len(removed) + len(failed) == 512


@pytest.fixture(scope="module")
def sample_inputs() -> list[dict]:
    """Every document of the bundled sample as Ingest hands it to Normalize (what it did not remove or fail)."""
    manifest = load_manifest(str(SAMPLE))
    return [rec for unit in plan_units(manifest) for route, rec in read_unit(manifest, unit) if route == KEPT]


def test_explain_agrees_with_the_run_on_every_sample_document(sample_run, sample_inputs):
    explainer = Explainer(load_manifest(str(SAMPLE)))
    removed, dead = _removed_rows(sample_run), _dead_rows(sample_run)
    kept = {r["id"]: r for r in read_shards(sample_run).to_pylist()}
    corpus_level = {"TemplateLines", "Dedup"}
    assert len(sample_inputs) > 50
    checked_removed = 0
    for rec in sample_inputs:
        got = explainer.explain(rec)
        verdict = got["verdict"]
        if rec["id"] in removed and removed[rec["id"]]["stage"] not in corpus_level:
            want = removed[rec["id"]]
            assert (verdict["stage"], verdict["reason"]) == (want["stage"], want["reason"]), rec["locator"]
            assert json.dumps(verdict["value"], ensure_ascii=False, default=str) == want["value"], rec["locator"]
            checked_removed += 1
        else:
            assert rec["id"] not in dead, rec["locator"]
            assert verdict["kept"], (rec["locator"], verdict)
            final = kept.get(rec["id"]) or removed[rec["id"]]  # kept, or removed later across the corpus
            assert got["language"] == (final["language"] or None), rec["locator"]
            assert got["text"] == final["text"], rec["locator"]
    assert checked_removed >= 5
    assert [s.name for s in STAGES][0] == "Ingest"
