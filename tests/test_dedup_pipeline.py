"""The Beam dedup stage on DirectRunner: exact and near verdicts, chains, code, edge cases, components, determinism."""

from __future__ import annotations

import json
import random
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from filters.dedup import DedupParams, exact_jaccard, shingles
from pipeline.dedup import (
    EXACT_REASON,
    NEAR_REASON,
    ConnectedComponents,
    Dedup,
    _UnionFind,
    union_find_labels,
)

P = DedupParams()
FAST = DedupParams(max_rounds=4)  # duplicate clusters here converge in 1-3 rounds; fewer stages keep tests quick
NEAR_ONLY = FAST.model_copy(update={"exact": False})
EXACT_ONLY = FAST.model_copy(update={"near": False})


def _dump(pcoll: beam.PCollection, path: Path, label: str) -> None:
    (
        pcoll
        | f"Json{label}" >> beam.Map(json.dumps, sort_keys=True, default=bytes.hex)  # dedup_keys (clusters on)
        | f"Write{label}" >> beam.io.WriteToText(str(path), shard_name_template="")
    )


def _load(path: Path) -> list:
    return sorted((json.loads(line) for line in path.read_text().splitlines()), key=json.dumps)


def run_dedups(tmp_path: Path, runs: list[tuple[list[dict], beam.PTransform]], **options: object) -> list[dict]:
    """Apply each ``(records, transform)`` in one pipeline and read back kept/removed/failed/stats of each.

    Results go through files, so this works with any runner mode (one pipeline per call keeps tests quick).
    """
    out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    names = ("kept", "removed", "failed", "stats")
    with beam.Pipeline(options=PipelineOptions(flags=[], runner="DirectRunner", **options)) as p:
        for k, (records, transform) in enumerate(runs):
            res = p | f"Create{k}" >> beam.Create(records) | f"Dedup{k}" >> transform
            for name in names:
                _dump(getattr(res, name), out / f"{k}" / name, f"{name}{k}")
    results = []
    for k in range(len(runs)):
        got = {name: _load(out / f"{k}" / name) for name in names}
        got["removed_by_id"] = {r["id"]: r for r in got["removed"]}
        got["kept_ids"] = sorted(r["id"] for r in got["kept"])
        results.append(got)
    return results


def run_dedup(tmp_path: Path, records: list[dict], transform: beam.PTransform | None = None, **options: object) -> dict:
    """Run one dedup transform (default: ``Dedup(FAST)``) on ``records``."""
    return run_dedups(tmp_path, [(records, transform or Dedup(FAST))], **options)[0]


def rec(doc_id: str, text: str, language: str = "en", source: str = "s1") -> dict:
    return {"id": doc_id, "text": text, "source": source, "locator": f"{source}#{doc_id}", "language": language,
            "lid_score": None, "meta": "{}", "path": None}  # fmt: skip


def unique_words(n: int, tag: str) -> list[str]:
    """``n`` distinct words: every word 5-gram of a text made of them is distinct too."""
    return [f"{tag}{i:04d}x" for i in range(n)]


def replace_at(words: list[str], positions: list[int], tag: str) -> list[str]:
    out = list(words)
    for k, pos in enumerate(positions):
        out[pos] = f"{tag}{k:04d}y"
    return out


def true_j(a: str, b: str) -> float:
    return exact_jaccard(shingles(a, "en", P), shingles(b, "en", P))


# 384 words → 380 shingles; k isolated replacements each swap 5 shingles: J = (380 - 5k) / (380 + 5k)
BASE = unique_words(384, "base")
J09 = replace_at(BASE, list(range(20, 380, 90)), "r")  # k=4: J = 360/400 = 0.9
J06 = replace_at(BASE, list(range(10, 380, 19))[:19], "s")  # k=19: J = 285/475 = 0.6


def test_pairs_just_above_and_below_threshold(tmp_path: Path) -> None:
    a, b, c = " ".join(BASE), " ".join(J09), " ".join(J06)
    assert true_j(a, b) == pytest.approx(0.9) and true_j(a, c) == pytest.approx(0.6)
    got = run_dedup(tmp_path, [rec("aa00", a), rec("bb00", b, source="s2"), rec("cc00", c)], Dedup(P))  # defaults
    assert got["kept_ids"] == ["aa00", "cc00"]
    rb = got["removed_by_id"]["bb00"]
    assert rb["reason"] == NEAR_REASON and rb["duplicate_of"] == "aa00" and 0.8 <= rb["value"] <= 1.0
    assert rb["source"] == "s2" and rb["text"] == b  # the record is intact, only reason/value/duplicate_of added
    (stats,) = got["stats"]
    assert stats["near_removed"] == 1 and stats["exact_removed"] == 0
    assert stats["near_clusters"] == {"2": 1} and stats["exact_clusters"] == {}
    assert stats["lsh"] == {"threshold": 0.8, "num_perm": 256, "bands": P.bands_rows[0], "rows": P.bands_rows[1]}


def chain(n: int, per_step: int) -> list[str]:
    """Texts t0..t(n-1), each ``per_step`` fresh isolated replacements away from the previous one."""
    texts, cur = [], list(BASE)
    slots = list(range(6, 380, 9))
    for step in range(n):
        texts.append(" ".join(cur))
        cur = replace_at(cur, slots[step * per_step : (step + 1) * per_step], f"c{step}_")
    return texts


def test_chain_across_sources_is_one_component(tmp_path: Path) -> None:
    t = chain(5, 4)  # neighbours J = 0.9; ends J(t0, t4) ~ 0.65
    assert all(true_j(t[i], t[i + 1]) == pytest.approx(0.9) for i in range(4))
    assert true_j(t[0], t[2]) < 0.85 and true_j(t[0], t[4]) < 0.7
    ids = ["a1", "b2", "c3", "d4", "e5"]
    records = [rec(i, x, source=f"src{k % 3}") for k, (i, x) in enumerate(zip(ids, t, strict=True))]
    # the two ends alone (in another language, so they don't meet the chain) are below the threshold: both kept
    records += [rec("f6", t[0], language="de"), rec("f7", t[4], language="de")]
    got = run_dedup(tmp_path, records)
    assert got["kept_ids"] == ["a1", "f6", "f7"]
    assert {i: (r["reason"], r["duplicate_of"]) for i, r in got["removed_by_id"].items()} == {
        i: (NEAR_REASON, "a1") for i in ids[1:]
    }
    assert got["removed_by_id"]["e5"]["value"] < 0.8  # Jaccard with the kept doc, not with its neighbour
    (stats,) = got["stats"]
    assert stats["near_clusters"] == {"5": 1} and stats["near_removed"] == 4 and stats["cc_unconverged_edges"] == 0


def test_exact_normalisation_variants_and_languages(tmp_path: Path) -> None:
    texts = ["Hello, World!", "hello world", "HELLO\tWORLD...", "ＨＥＬＬＯ　ｗｏｒｌｄ", "hello-world"]
    records = [rec(f"id{k}", x, source=f"s{k}") for k, x in enumerate(texts)]
    records += [rec("id9", "hello+world"), rec("fr0", "Hello world", language="fr"), rec("fr1", "hello WORLD", "fr")]
    got = run_dedup(tmp_path, records)
    assert got["kept_ids"] == ["fr0", "id0", "id9"]
    removed = got["removed_by_id"]
    assert {i: (r["reason"], r["value"], r["duplicate_of"]) for i, r in removed.items()} == {
        **{f"id{k}": (EXACT_REASON, None, "id0") for k in range(1, 5)},
        "fr1": (EXACT_REASON, None, "fr0"),
    }
    (stats,) = got["stats"]
    assert stats["exact_removed"] == 5 and stats["exact_clusters"] == {"2": 1, "5": 1} and stats["near_removed"] == 0


def test_empty_and_one_word_documents(tmp_path: Path) -> None:
    records = [
        rec("e1", ""),
        rec("e2", ""),
        rec("e3", "  \n "),
        rec("e4", "...!"),
        rec("w1", "word"),
        rec("w2", "Word."),
        rec("w3", "other"),
        {**rec("x1", "unused"), "text": None},
    ]
    got, near = run_dedups(tmp_path, [(records, Dedup(FAST)), (records[:7], Dedup(NEAR_ONLY))])
    assert got["kept_ids"] == ["e1", "e2", "e3", "e4", "w1", "w3"]  # empty texts are left to other filters
    assert got["removed_by_id"]["w2"]["reason"] == EXACT_REASON
    assert [r["id"] for r in got["failed"]] == ["x1"] and "text" in got["failed"][0]["error"]
    # near only: the one-word docs are one shingle each -> Jaccard 1; empty ones still untouched
    assert near["kept_ids"] == ["e1", "e2", "e3", "e4", "w1", "w3"]
    assert near["removed_by_id"]["w2"]["reason"] == NEAR_REASON and near["removed_by_id"]["w2"]["value"] == 1.0


CODE = "\n".join(
    f"def handler_{i}(request, retries={i}):\n    value = compute(request.body, {i} * factor)\n"
    f"    if value > limit_{i}:\n        return respond(value, status={200 + i})\n    return None\n"
    for i in range(12)
)


def test_code_near_dedup_on_tokens(tmp_path: Path) -> None:
    reformatted = CODE.replace("(request, ", "( request ,").replace(" * ", "*").replace("    ", "\t")
    renamed = reformatted.replace("handler_3(", "handle_three(")  # one identifier: a few token 5-grams change
    other = CODE.replace("value", "result").replace("request", "req").replace("factor", "k")
    records = [
        rec("c1", CODE, "code-python"),
        rec("c2", renamed, "code-python", "s2"),
        rec("c3", other, "code-python"),
        rec("c4", CODE, "code-java"),  # another language: never compared with code-python
        rec("c5", CODE.replace("\n", "\n\n"), "code-python"),  # whitespace only: exact duplicate
    ]
    got = run_dedup(tmp_path, records)
    assert got["kept_ids"] == ["c1", "c3", "c4"]
    removed = got["removed_by_id"]
    assert (removed["c2"]["reason"], removed["c2"]["duplicate_of"]) == (NEAR_REASON, "c1")
    assert removed["c2"]["value"] >= 0.8
    assert (removed["c5"]["reason"], removed["c5"]["duplicate_of"]) == (EXACT_REASON, "c1")


def test_exact_only_and_unverified_near(tmp_path: Path) -> None:
    a, b = " ".join(BASE), " ".join(J09)
    records = [rec("a", a), rec("b", b), rec("c", a.upper())]
    exact, got = run_dedups(
        tmp_path, [(records, Dedup(EXACT_ONLY)), (records, Dedup(DedupParams(verify=False, max_rounds=4)))]
    )
    assert exact["kept_ids"] == ["a", "b"] and exact["removed_by_id"]["c"]["reason"] == EXACT_REASON
    assert got["kept_ids"] == ["a"]
    (stats,) = got["stats"]
    assert stats["lsh"]["bands"] == DedupParams(verify=False).bands_rows[0]
    assert stats["candidate_pairs"] == stats["verified_pairs"] == 1


def _components(tmp_path: Path, edges: list[tuple[str, str]], rounds: tuple[int, ...],
                in_memory: bool = False) -> list[tuple[list, list]]:
    """Labels and unconverged edges of ``ConnectedComponents(r)`` for each ``r`` in ``rounds`` (one pipeline)."""
    out = tmp_path / f"cc{int(in_memory)}"
    with beam.Pipeline(options=PipelineOptions(flags=[], runner="DirectRunner")) as p:
        pc = p | beam.Create(edges)
        for r in rounds:
            res = pc | f"CC{r}" >> ConnectedComponents(r, in_memory=in_memory)
            _dump(res.labels, out / f"labels{r}", f"L{r}")
            _dump(res.unconverged, out / f"unconverged{r}", f"U{r}")
    return [([tuple(x) for x in _load(out / f"labels{r}")], _load(out / f"unconverged{r}")) for r in rounds]


def test_connected_components_match_union_find_and_fall_back(tmp_path: Path) -> None:
    rng = random.Random(4)
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(300)]
    edges = [(rng.choice(ids), rng.choice(ids)) for _ in range(220)]  # many small trees, some cycles
    srt = sorted(ids[:80])
    edges += list(zip(srt[1:], srt[:-1], strict=True))  # a long sorted path: needs ~7 rounds
    edges += [(ids[0], ids[0]), (ids[1], ids[2]), (ids[2], ids[1])]  # self loop, duplicate edge
    truth = sorted(union_find_labels(edges))
    (labels, unconverged), (labels1, unconverged1) = _components(tmp_path, edges, (20, 1))
    assert sorted(labels) == truth and unconverged == []
    assert len({m for _, m in truth}) > 10 and len(labels) == len({x for e in edges for x in e if e[0] != e[1]})
    # one round is too few for the long path: the unfinished components are solved exactly on one worker
    assert sorted(labels1) == truth and len(unconverged1) > 0


def test_unfinished_edges_counted_outside_beam_as_the_stage_counts_them(tmp_path: Path) -> None:
    """``roots refilter`` in one process reports the stage's ``cc_unconverged_edges``: the same count for any number
    of rounds, on a graph with a long path (unfinished after a few rounds), trees and cycles."""
    from pipeline.refilter_local import unconverged_edges

    rng = random.Random(11)
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(200)]
    edges = [(rng.choice(ids), rng.choice(ids)) for _ in range(150)]
    srt = sorted(ids[:120])
    edges += list(zip(srt[1:], srt[:-1], strict=True)) + [(ids[3], ids[3]), (ids[4], ids[5]), (ids[5], ids[4])]
    rounds = (1, 2, 3, 6)
    counts = [len(unconverged) for _, unconverged in _components(tmp_path, edges, rounds)]
    assert counts == [unconverged_edges(edges, r) for r in rounds]
    assert counts[0] > counts[2] > 0 and unconverged_edges(edges, 20) == 0


def test_in_memory_components_equal_the_rounds(tmp_path: Path) -> None:
    """On the FnApiRunner the components are solved on one worker: the same labels and the same unconverged edges
    (what ``cc_unconverged_edges`` counts) as the rounds give, for any number of rounds."""
    rng = random.Random(5)
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(200)]
    edges = [(rng.choice(ids), rng.choice(ids)) for _ in range(150)]
    srt = sorted(ids[:120])
    edges += list(zip(srt[1:], srt[:-1], strict=True)) + [(ids[3], ids[3]), (ids[4], ids[5]), (ids[5], ids[4])]
    rounds = (0, 1, 3, 6, 20)
    rounds_out = _components(tmp_path, edges, rounds)
    memory_out = _components(tmp_path, edges, rounds, in_memory=True)
    for r, (labels, unconverged), (labels_m, unconverged_m) in zip(rounds, rounds_out, memory_out, strict=True):
        assert sorted(labels_m) == sorted(labels), r
        assert sorted(map(tuple, unconverged_m)) == sorted(map(tuple, unconverged)), r
    assert len(rounds_out[0][1]) > len(rounds_out[2][1]) > 0 and rounds_out[-1][1] == []
    assert _components(tmp_path / "none", [], (6,), in_memory=True) == [([], [])]


def test_finishing_union_find_is_exact_however_the_edges_are_split() -> None:
    """The finishing step is a combiner: its labels must not depend on how the edges were split and merged."""
    rng = random.Random(7)
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(200)]
    edges = [(rng.choice(ids), rng.choice(ids)) for _ in range(150)]
    edges = [e for e in edges if e[0] != e[1]]
    truth = union_find_labels(edges)
    fn = _UnionFind()
    for parts in (1, 3, 7):
        rng.shuffle(edges)
        accs = []
        for i in range(parts):
            acc = fn.create_accumulator()
            for edge in edges[i::parts]:
                acc = fn.add_input(acc, edge)
            accs.append(acc)
        merged = fn.merge_accumulators([fn.merge_accumulators(accs[:2]), *accs[2:]])
        assert fn.extract_output(merged) == truth
    assert fn.extract_output(fn.create_accumulator()) == []


def _corpus(seed: int) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for c in range(12):
        words = unique_words(120, f"k{c}_")
        for v in range(rng.randint(1, 4)):
            w = replace_at(words, rng.sample(range(5, 115), rng.randint(0, 6)), f"v{c}_{v}_")
            text = " ".join(w)
            records.append(rec(f"{rng.getrandbits(64):016x}", text.upper() if v == 3 else text, source=f"s{v}"))
    return records


def test_output_is_the_same_with_one_and_two_workers(tmp_path: Path) -> None:
    records = _corpus(8)
    one = run_dedup(tmp_path, records, Dedup(DedupParams(max_rounds=3)))
    two = run_dedup(
        tmp_path,
        records,
        Dedup(DedupParams(max_rounds=3)),
        direct_num_workers=2,
        direct_running_mode="multi_processing",
    )
    assert one["removed"] and one["kept"]
    for key in ("kept", "removed", "failed", "stats"):
        assert one[key] == two[key]


def test_shared_buckets_are_the_buckets_of_two_or_more() -> None:
    """One sort finds exactly the (band, key) buckets with two or more entries, whatever the order of the entries."""
    import numpy as np

    from pipeline.dedup import shared_buckets

    rng = random.Random(5)
    entries = [(rng.randrange(4), rng.randrange(30), f"d{i % 70:02d}") for i in range(200)]  # (band, key, id)
    entries += [(9, 2**64 - 1, "x"), (9, 2**64 - 1, "y")]  # the largest key, in a band of its own
    truth: dict[tuple[int, int], list[str]] = {}
    for band, key, doc in entries:
        truth.setdefault((band, key), []).append(doc)
    want = sorted(sorted(ids) for ids in truth.values() if len(ids) >= 2)
    rng.shuffle(entries)
    keys = np.array([k for _, k, _ in entries], dtype=np.uint64)
    bands = np.array([b for b, _, _ in entries], dtype=np.uint16)
    got = sorted(sorted(m) for m in shared_buckets(keys, bands, [d for _, _, d in entries]))
    assert got == want and ["x", "y"] in got
    assert list(shared_buckets(keys[:1], bands[:1], ["a"])) == []


def test_band_key_parts_change_no_verdict(tmp_path: Path) -> None:
    """However many parts the band keys are grouped in (one part: every key of a language together), the verdicts,
    values and stats are the same."""
    records = _corpus(12)
    runs = run_dedups(tmp_path, [(records, Dedup(FAST, band_parts=n)) for n in (1, 3, 256)])
    assert runs[0]["removed_by_id"] and any(r["reason"] == NEAR_REASON for r in runs[0]["removed"])
    for other in runs[1:]:
        for key in ("kept", "removed", "failed", "stats"):
            assert other[key] == runs[0][key]


def test_verdicts_joined_in_memory_give_the_cogroupbykey_outputs(tmp_path: Path) -> None:
    """The FnApiRunner's join of the records with their verdicts through a side input gives the same kept, removed
    (reasons, values, ``duplicate_of``), failed and stats as the ``CoGroupByKey`` every engine runs, with the
    cluster fields of the attributes too; a record without an id is dead-lettered either way."""
    records = _corpus(12)
    records += [dict(records[0], id=f"{i:016x}e") for i in range(2)]  # exact copies of a record (other ids)
    records.append(rec("nid", "no id here", source="s1") | {"id": None})
    runs = run_dedups(tmp_path, [(records, Dedup(FAST, clusters=clusters, in_memory_joins=in_memory))
                                 for clusters in (False, True) for in_memory in (False, True)])
    reasons = {r["reason"] for r in runs[0]["removed"]}
    assert reasons == {EXACT_REASON, NEAR_REASON} and runs[0]["failed"]
    assert any(r.get("near_cluster") for r in runs[2]["kept"]) and any(r.get("exact_cluster") for r in runs[2]["kept"])
    for cogroup, in_memory in ((runs[0], runs[1]), (runs[2], runs[3])):
        for key in ("kept", "removed", "failed", "stats"):
            assert in_memory[key] == cogroup[key]
