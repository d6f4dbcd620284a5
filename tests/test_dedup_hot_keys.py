"""Hot keys in dedup: huge exact groups, LSH buckets and star centres are never grouped whole (their members are
joined one by one), with the same verdicts as when nothing is split."""

from __future__ import annotations

import random
from pathlib import Path

import apache_beam as beam

from filters.dedup import DedupParams, jaccard_estimate, signatures_batch
from pipeline.dedup import EXACT_REASON, NEAR_REASON, Dedup, _HotJoin, union_find_labels
from tests.test_dedup_pipeline import rec, run_dedups, unique_words

HOT_LIMIT = 8  # small, so hot keys really are split on a corpus of a few thousand documents
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


def test_hot_join_splits_only_keys_known_to_be_big(tmp_path: Path) -> None:
    items = [("hot", f"id{i:05d}") for i in range(1000)] + [("cold", "a"), ("cold", "b"), ("none", "c")]
    table = [("hot", "X"), ("cold", "Y"), ("lonely", "Z")]
    out = tmp_path / "parts.txt"
    with beam.Pipeline() as p:
        t = p | "Table" >> beam.Create(table)
        items_pc = p | "Items" >> beam.Create(items)
        joined = items_pc | "Lookup" >> _HotJoin(t, 50)
        mins = items_pc | "Min" >> _HotJoin(limit=50)
        (
            (joined | "L" >> beam.Map(lambda e: ("lookup", *e)), mins | "M" >> beam.Map(lambda e: ("min", *e)))
            | beam.Flatten()
            | beam.Map(repr)
            | beam.io.WriteToText(str(out), shard_name_template="")
        )
    rows = [eval(line) for line in out.read_text().splitlines()]  # noqa: S307 - our own repr output
    for kind, x_hot, x_cold in (("lookup", "X", "Y"), ("min", (1000, "id00000"), (2, "a"))):
        got = [r[1:] for r in rows if r[0] == kind]
        hot = [r for r in got if r[0] == "hot"]
        # the big key: one part-0 element without members, then each member on its own with the key's x
        assert [r for r in hot if r[1] == 0] == [("hot", 0, x_hot, [])]
        members = [r for r in hot if r[1] == 1]
        assert all(r[2] == x_hot and len(r[3]) == 1 for r in members)
        assert sorted(r[3][0] for r in members) == sorted(v for k, v in items if k == "hot")
        cold = [r for r in got if r[0] == "cold"]  # a small key: grouped whole, in one part-0 element
        assert len(cold) == 1 and cold[0][1:3] == (0, x_cold) and sorted(cold[0][3]) == ["a", "b"]
        if kind == "lookup":
            assert not [r for r in got if r[0] in ("none", "lonely")]  # no table entry / no items: nothing
        else:
            assert [r for r in got if r[0] == "none"] == [("none", 0, (1, "c"), ["c"])]


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
    runs = [Dedup(PARAMS, hot_limit=HOT_LIMIT), Dedup(PARAMS, hot_limit=10**9),
            Dedup(PARAMS, hot_limit=HOT_LIMIT, in_memory_joins=True)]
    split, whole, in_memory = run_dedups(tmp_path, [(records, dedup) for dedup in runs])
    for key in ("kept", "removed", "failed", "stats"):
        assert split[key] == whole[key] == in_memory[key], key  # in memory (the FnApiRunner's) no key is split
    got = {i: (r["reason"], r["duplicate_of"]) for i, r in split["removed_by_id"].items()}
    assert got == _reference(records)
    assert len(split["kept"]) == 2 + 5  # the template, the near base's smallest id, the unrelated documents
    assert split["stats"][0]["exact_clusters"] == {"1000": 1}
    assert split["stats"][0]["near_clusters"] == {"1000": 1}
