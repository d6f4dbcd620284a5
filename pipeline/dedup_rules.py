"""The rules the ``Dedup`` stage (``pipeline.dedup``) decides by, without Beam: a document's keys, the LSH buckets
that hold two or more survivors, connected components by union-find, and the shape of the stage's stats. The
stage's transforms call them on their workers; the in-process ``roots refilter`` calls them on the survivors of new
cut-offs, so both decide alike."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from filters.dedup import DedupParams, band_keys, exact_keys, signatures_batch
from pipeline.record import Record

EXACT_REASON = "exact_duplicate"


NEAR_REASON = "near_duplicate"


#: the stage's name in the job graph and in the ``stage`` field of what it removes
NAME = "Dedup"


#: a record field holding its fingerprint ``(exact key, signature, band keys)`` worked out before the stage
#: (``roots refilter``: from the keys a run stored); the stage takes it as is and drops the field
GIVEN_FP = "_fingerprint"


def band_bytes(sig: bytes | None, bands: int, rows: int) -> bytes | None:
    """The LSH band keys of a signature, packed as ``bands`` little-endian uint64 (what attributes store)."""
    return band_bytes_batch([sig], bands, rows)[0]


def band_bytes_batch(sigs: Sequence[bytes | None], bands: int, rows: int) -> list[bytes | None]:
    """``[band_bytes(s, bands, rows) for s in sigs]``, hashed as one batch."""
    have = [i for i, s in enumerate(sigs) if s is not None]
    out: list[bytes | None] = [None] * len(sigs)
    if have:
        stacked = np.frombuffer(b"".join(sigs[i] for i in have), dtype="<u4").reshape(len(have), -1)
        for i, keys in zip(have, band_keys(stacked, bands, rows).astype("<u8"), strict=True):
            out[i] = keys.tobytes()
    return out


def stored_keys(key: str | None, bands: bytes | None) -> tuple[bytes | None, bytes | None]:
    """A document's dedup keys as attributes store them: the exact key's 20 sha1 bytes and the packed band keys."""
    return (bytes.fromhex(key) if key else None), bands


def compute_fingerprints(
    batch: list[Record], params: DedupParams, exact: bool, near: bool, bands: bool,
) -> list[tuple[str | None, bytes | None, bytes | None]]:
    """Per record, from its text: ``(exact key, MinHash signature, packed band keys)`` (each ``None`` when switched
    off or not computable; band keys only with ``bands``)."""
    texts = [r["text"] for r in batch]
    keys = exact_keys(texts) if exact else [None] * len(batch)
    sigs = signatures_batch(texts, [r.get("language") for r in batch], params) if near else [None] * len(batch)
    bands_rows = params.bands_rows
    packed = band_bytes_batch(sigs, *bands_rows) if bands else [None] * len(batch)
    return list(zip(keys, sigs, packed, strict=True))


#: LSH band keys of a language are grouped in this many parts (by key), each part one group of packed arrays: a
#: part holds about documents x bands / BAND_PARTS keys of 10 bytes (plus their ids) on one worker, e.g. 180 million
#: documents of one language with 23 bands: 16 million keys, about 160 MB of keys, per part
BAND_PARTS = 256


#: one band key as packed for the grouping: the key and its band
BAND_ROW = np.dtype([("key", "<u8"), ("band", "<u2")])


def shared_buckets(keys: np.ndarray, bands: np.ndarray, ids: Sequence[str]) -> Iterator[list[str]]:
    """The members (ids, in no order) of every LSH bucket, one ``(band, key)`` of one language, that holds two or
    more of the entries ``keys[i]``, ``bands[i]``, ``ids[i]``, found by sorting them once: the buckets of one
    document only, nearly all of them, are never formed."""
    if len(keys) < 2:
        return
    order = np.lexsort((bands, keys))
    k, b = keys[order], bands[order]
    starts = np.flatnonzero(np.concatenate(([True], (k[1:] != k[:-1]) | (b[1:] != b[:-1]))))
    ends = np.append(starts[1:], len(order))
    big = ends - starts >= 2
    for start, end in zip(starts[big], ends[big], strict=True):
        yield [ids[j] for j in order[start:end]]


def find_root(parent: dict[str, str], x: str) -> str:
    """The root of ``x`` in the forest ``{id: parent}``, halving the path on the way."""
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


def union_ids(parent: dict[str, str], a: str, b: str) -> None:
    parent.setdefault(a, a)
    parent.setdefault(b, b)
    ra, rb = find_root(parent, a), find_root(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)  # the root is always the component's smallest id


def union_find_labels(edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(id, component minimum)`` for every id in ``edges``, by union-find on one worker."""
    parent: dict[str, str] = {}
    for a, b in edges:
        union_ids(parent, a, b)
    return [(x, find_root(parent, x)) for x in sorted(parent)]


def unconverged_edge_list(edges: Iterable[tuple[str, str]], rounds: int) -> list[tuple[str, str]]:
    """The edges ``(centre, leaf)`` that ``pipeline.dedup.ConnectedComponents`` leaves to its finishing step, sorted:
    ``rounds`` rounds of large-star then small-star, then the edges of every star not yet centred on its minimum
    with leaves that are nobody else's (the stage's own rules, on one machine)."""
    e = {(a, b) if a < b else (b, a) for a, b in edges if a != b}
    pairs = e | {(b, a) for a, b in e}
    for _ in range(rounds):
        nbrs: dict[str, set[str]] = defaultdict(set)
        for u, v in pairs:
            nbrs[u].add(v)
        smaller: dict[str, set[str]] = defaultdict(set)
        for u, vs in nbrs.items():
            m = min(min(vs), u)
            for v in vs:
                if v > u:
                    smaller[v].add(m)
        pairs = set()
        for u, ms in smaller.items():
            m = min(min(ms), u)
            for x in ms | {u}:
                if x != m:
                    pairs.update(((m, x), (x, m)))
    one = {(a, b) for a, b in pairs if a < b}
    small, large = Counter(a for a, _ in one), Counter(b for _, b in one)
    bad = {n for n in set(small) | set(large) if large[n] >= 2 or (large[n] >= 1 and small[n] >= 1)}
    bad_centre = {a for a, b in one if a in bad or b in bad}
    return sorted((a, b) for a, b in one if a in bad_centre)


def unconverged_edges(edges: Iterable[tuple[str, str]], rounds: int) -> int:
    """How many edges :func:`unconverged_edge_list` gives (the stage's ``cc_unconverged_edges``)."""
    return len(unconverged_edge_list(edges, rounds))


def dedup_stats(acc: Counter, lsh: dict[str, Any]) -> dict[str, Any]:
    """The stage's stats dict from ``(metric, key)`` counts (see :class:`_StatsFn`) and its ``lsh`` entry
    (:func:`lsh_summary`); ``pipeline.refilter_local`` builds it outside Beam too."""

    def dist(metric: str) -> dict[str, int]:
        items = [(int(k), n) for (m, k), n in acc.items() if m == metric]
        return {str(k): n for k, n in sorted(items)}

    return {
        "exact_removed": acc[("removed", EXACT_REASON)],
        "near_removed": acc[("removed", NEAR_REASON)],
        "exact_clusters": dist("exact_cluster"),
        "near_clusters": dist("near_cluster"),
        "candidate_pairs": acc[("candidate_pairs", "")],
        "verified_pairs": acc[("verified_pairs", "")],
        "cc_unconverged_edges": acc[("cc_unconverged_edges", "")],
        "lsh": dict(lsh),
    }


def lsh_summary(p: DedupParams) -> dict[str, Any]:
    """The ``lsh`` entry of the stats: threshold, permutations, bands and rows."""
    bands, rows = p.bands_rows
    return {"threshold": p.threshold, "num_perm": p.num_perm, "bands": bands, "rows": rows}

