"""Hot keys in dedup: huge exact groups, LSH buckets and star centres are handled in bounded parts, with the same
verdicts as when nothing is split."""

from __future__ import annotations

import random
from pathlib import Path

import apache_beam as beam

from filters.dedup import DedupParams, jaccard_estimate, signatures_batch
from pipeline.dedup import EXACT_REASON, NEAR_REASON, Dedup, _LookupJoin, union_find_labels
from tests.test_dedup_pipeline import rec, run_dedups, unique_words

FANOUT = 8  # small, so hot keys really are split on a corpus of a few thousand documents
PARAMS = DedupParams(max_rounds=4)


def hot_corpus(copies: int, bucket: int, seed: int = 3) -> list[dict]:
    """``copies`` copies of one template page, ``bucket`` variants of another (one word each differs) that share
    their LSH buckets, and a few unrelated documents."""
    rng = random.Random(seed)
    template = " ".join(unique_words(150, "tpl"))
    base = unique_words(150, "near")
    records = [rec(f"{rng.getrandbits(64):016x}", template) for _ in range(copies)]
    for k in range(bucket):
        words = list(base)
        words[k % 150] = f"w{k:05d}z"
        records.append(rec(f"{rng.getrandbits(64):016x}", " ".join(words)))
    records += [rec(f"{rng.getrandbits(64):016x}", " ".join(unique_words(60, f"solo{i}_"))) for i in range(5)]
    return records


def test_lookup_join_splits_a_hot_key_into_bounded_parts(tmp_path: Path) -> None:
    items = [("hot", f"id{i:05d}") for i in range(1000)] + [("cold", "a"), ("cold", "b"), ("none", "c")]
    table = [("hot", "X"), ("cold", "Y")]
    out = tmp_path / "parts.txt"
    with beam.Pipeline() as p:
        t = p | "Table" >> beam.Create(table)
        (
            p
            | beam.Create(items)
            | _LookupJoin(t, 50)
            | beam.Map(repr)
            | beam.io.WriteToText(str(out), shard_name_template="")
        )
    parts = [eval(line) for line in out.read_text().splitlines()]  # noqa: S307 - our own repr output
    hot = [p for p in parts if p[0] == "hot"]
    assert sorted(p[1] for p in hot) == list(range(50))  # 50 parts, ranked from 0, each with the table's value
    assert all(p[2] == "X" for p in hot) and max(len(p[3]) for p in hot) <= 60  # about 1000 / 50 each
    assert sorted(v for p in hot for v in p[3]) == sorted(v for k, v in items if k == "hot")
    cold = [p for p in parts if p[0] == "cold"]
    assert sorted(p[1] for p in cold) == list(range(len(cold))) and all(p[2] == "Y" for p in cold)
    assert sorted(v for p in cold for v in p[3]) == ["a", "b"]
    assert not [p for p in parts if p[0] == "none"]  # no table entry: dropped


def _reference(records: list[dict]) -> dict[str, tuple[str, str]]:
    """Verdicts computed plainly: exact groups by text, then union-find over every near pair above the threshold
    among exact survivors (all pairs, no LSH: this corpus' near pairs all share buckets)."""
    by_text: dict[str, list[str]] = {}
    for r in records:
        by_text.setdefault(r["text"], []).append(r["id"])
    verdicts = {}
    survivors = []
    for ids in by_text.values():
        ids.sort()
        survivors.append(next(r for r in records if r["id"] == ids[0]))
        verdicts.update({i: (EXACT_REASON, ids[0]) for i in ids[1:]})
    sigs = signatures_batch([r["text"] for r in survivors], ["en"] * len(survivors), PARAMS)
    ids = [r["id"] for r in survivors]
    # the variants only share the near base, so compare each with the first variant and the unrelated ones pairwise
    edges = [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, min(len(ids), i + 3))
             if jaccard_estimate(sigs[i], sigs[j]) >= PARAMS.threshold]
    for node, root in union_find_labels(edges):
        if node != root:
            verdicts[node] = (NEAR_REASON, root)
    return verdicts


def test_hot_groups_give_the_same_verdicts_split_and_unsplit(tmp_path: Path) -> None:
    records = hot_corpus(1000, 1000)
    split, whole = run_dedups(tmp_path, [(records, Dedup(PARAMS, fanout=FANOUT)),
                                         (records, Dedup(PARAMS, fanout=10**9))])
    for key in ("kept", "removed", "failed", "stats"):
        assert split[key] == whole[key], key
    got = {i: (r["reason"], r["duplicate_of"]) for i, r in split["removed_by_id"].items()}
    assert got == _reference(records)
    assert len(split["kept"]) == 2 + 5  # the template, the near base's smallest id, the unrelated documents
    assert split["stats"][0]["exact_clusters"] == {"1000": 1}
    assert split["stats"][0]["near_clusters"] == {"1000": 1}
