"""Dedup stage: exact duplicates, then MinHash-LSH near duplicates, over the whole corpus.

Only ids, hashes and signatures travel through grouping steps; document texts go through exactly one
``CoGroupByKey``, the final join of verdicts back to the records by ``id``. The flow:

1. ``Fingerprint`` (batched): per record its exact key (:func:`filters.dedup.exact_key`) and MinHash signature
   (:func:`filters.dedup.signatures_batch`); records are keyed by id for the final join.
2. Exact: ``((language, sha1), id)`` → per key its size and smallest id (a combiner) → every other id of a group of
   two or more gets verdict ``exact_duplicate`` with ``duplicate_of`` = kept id and ``value`` = ``None``.
3. Near, over the signatures of documents not removed in 2 (so near dedup runs on exact survivors, as if chained):
   band keys ``(language, band, band hash)``, packed per batch into one array per language and part of the keys
   (:data:`BAND_PARTS`) and grouped by (language, part); one sort of a part finds its buckets of two or more ids
   (:func:`shared_buckets`) → per bucket an edge from its smallest id to every other id in it (a star, so a bucket
   of k ids gives k-1 edges, not k(k-1)/2) → ``Distinct`` → with ``verify``,
   keep an edge only if the two signatures' Jaccard estimate is ≥ threshold (signatures joined by id) →
   :class:`ConnectedComponents` → in each component the smallest id is kept; every other member gets verdict
   ``near_duplicate`` with ``duplicate_of`` = kept id and ``value`` = Jaccard estimate between it and the kept doc
   (a chain A~B~C puts A, B, C in one component even when A and C alone are below the threshold, so the value
   can be below the threshold).
4. One ``CoGroupByKey`` on id joins records with both verdict sets → kept / removed.

No grouping step needs all members of a huge group at once (a real engine holds one key's values in one task, Flink
in memory): a part of the band keys is packed arrays of a known share of them, and every other grouping costs one
shuffle (:class:`_HotJoin`): a key's members are combined into its count, smallest
and, up to ``hot_limit`` of them, the members themselves; only the keys known to be bigger are split, each member
meeting its key's summary through a side input that holds just those keys. A template page copied 200,000 times
thus never reaches a worker as one group, and an LSH bucket of 200,000 documents is 200,000 rows of a part's
arrays.

Every choice is "smallest id", ids are stable hashes, and no step depends on element order, so the removed set and
every field of it are the same for any runner and worker count. ``duplicate_of`` of an exact duplicate names the
kept member of its exact group, which may itself be removed as a near duplicate of another document.

Records that can't be fingerprinted (no ``id``, ``text`` not a string) go to ``failed``.

The rules without Beam (a document's keys, the shared LSH buckets, union-find, the stats' shape) are
``pipeline.dedup_rules``', which the in-process ``roots refilter`` applies too.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam import pvalue

from filters.dedup import DedupParams, band_keys, jaccard_estimate
from pipeline.dedup_rules import (  # noqa: F401 - re-exported: the stage's names, as before
    BAND_PARTS,
    BAND_ROW,
    EXACT_REASON,
    GIVEN_FP,
    NAME,
    NEAR_REASON,
    band_bytes,
    compute_fingerprints,
    dedup_stats,
    find_root,
    lsh_summary,
    shared_buckets,
    stored_keys,
    unconverged_edge_list,
    union_find_labels,
    union_ids,
)
from pipeline.stage import (
    DEDUP_KEYS,
    FAILED,
    REMOVED,
    Record,
    StageOutput,
    batches_of,
    failed,
    removed,
    stamped,
)

log = logging.getLogger(__name__)

STAGE = "dedup"

_FP = "fp"
_SIZE = "size"
_KEEP = "keep"
_UNCONVERGED = "unconverged"

# verdict carried by id: (reason, value, duplicate_of)
DuplicateVerdict = tuple[str, Any, str]
# fingerprint carried by id: (language key, exact key or None, signature bytes or None)
Fingerprint = tuple[str, str | None, bytes | None]


class ComponentsOutput(NamedTuple):
    """Outputs of :class:`ConnectedComponents`.

    ``labels``: ``(id, component_min_id)`` for every id in an edge (the minimum labels itself).
    ``unconverged``: the ``(a, b)`` edges still not in star form after ``max_rounds`` rounds, which were resolved by
    the exact finishing step (empty when the rounds converged).
    """

    labels: beam.PCollection
    unconverged: beam.PCollection


def _first(values: Iterable[Any]) -> Any:
    """First value of a (CoGroupByKey) iterable, or ``None``: those iterables are not lists, so never test truth."""
    return next(iter(values), None)


#: a grouping key with more members than this is never grouped: each of its members meets the key's summary
#: through a side input that holds only such keys (see :class:`_HotJoin`)
HOT_KEY_LIMIT = 4096


class _KeySummary(beam.CombineFn):
    """Per key: its table value (``(True, x)`` inputs, at most one per key), and over its members (``(False, v)``
    inputs) their count, smallest and, while there are at most ``limit`` of them, the members themselves.

    The accumulator is ``(has_x, x, count, smallest, members or None)``; ``members`` is dropped for good once the
    count passes ``limit``, so no accumulator holds more than ``limit`` members however big the key."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def create_accumulator(self) -> tuple[bool, Any, int, Any, list | None]:
        return False, None, 0, None, []

    def add_input(self, acc: tuple, tagged: tuple[bool, Any]) -> tuple:
        has_x, x, n, m, vs = acc
        is_x, value = tagged
        if is_x:
            return True, value, n, m, vs
        n += 1
        if m is None or value < m:
            m = value
        if vs is not None:
            if n > self.limit:
                vs = None
            else:
                vs.append(value)
        return has_x, x, n, m, vs

    def merge_accumulators(self, accs: Iterable[tuple]) -> tuple:
        has_x, x, n, m, vs = False, None, 0, None, []
        for a_has_x, a_x, a_n, a_m, a_vs in accs:
            if a_has_x:
                has_x, x = True, a_x
            n += a_n
            if a_m is not None and (m is None or a_m < m):
                m = a_m
            if vs is not None:
                if a_vs is None or n > self.limit:
                    vs = None
                else:
                    vs.extend(a_vs)
        return has_x, x, n, m, vs

    def extract_output(self, acc: tuple) -> tuple:
        return acc


def _key_x(summary: tuple, min_join: bool, keep_missing: bool) -> tuple[bool, Any]:
    """``(joinable, x)`` of a key's summary: for a min-join ``x`` is ``(count, smallest)``; for a lookup join the
    table's value (a key without one joins only with ``keep_missing``, as ``None``)."""
    has_x, x, n, m, _ = summary
    if min_join:
        return True, (n, m)
    return has_x or keep_missing, x


_HOT = "hot"
#: what a :class:`_HotJoin` does with each joined element (``None``: passes it on)
Then = Callable[[tuple[Any, int, Any, list]], Iterable[Any]] | None


def _as_member(kv: tuple[Any, Any]) -> tuple[Any, tuple[bool, Any]]:
    return kv[0], (False, kv[1])


class _SplitKeys(beam.DoFn):
    """A key's summary → its one ``part`` 0 element (with all its members for a key of at most ``limit`` members,
    with none for a bigger one), through ``then``; tagged ``hot``: ``(key, x)`` of the bigger keys, whose members
    come one by one as part 1 (:func:`_hot_members`)."""

    def __init__(self, min_join: bool, keep_missing: bool, then: Then) -> None:
        self.min_join, self.keep_missing, self.then = min_join, keep_missing, then

    def process(self, item: tuple[Any, tuple]) -> Iterator[Any]:
        key, summary = item
        joinable, x = _key_x(summary, self.min_join, self.keep_missing)
        if not (summary[2] and joinable):
            return
        members = summary[4]
        if members is None:
            yield pvalue.TaggedOutput(_HOT, (key, x))
        element = (key, 0, x, members if members is not None else [])
        yield from self.then(element) if self.then else (element,)


def _hot_members(item: tuple[Any, Any], hot: dict[Any, Any], tagged: bool, then: Then) -> Iterator[Any]:
    key, value = item
    if key in hot:
        element = (key, 1, hot[key], [value[1] if tagged else value])
        yield from then(element) if then else (element,)


#: no key is too big to be grouped whole (``_HotJoin`` with ``in_memory``)
_NO_LIMIT = sys.maxsize


class _HotJoin(beam.PTransform):
    """``(key, value)`` items (+ a ``table`` of one ``(key, x)`` per key) → ``(key, part, x, values)``.

    This is a ``GroupByKey`` that never holds a huge group (a template page copied 200,000 times, an LSH bucket or
    a star centre shared by 200,000 documents: a real engine holds one key's values in one task, Flink in memory),
    in one shuffle. The members are combined per key (:class:`_KeySummary`, lifted before the shuffle) into their
    count, smallest and, for a key of at most ``limit`` members, the members themselves: such a key gives one
    element ``(key, 0, x, members)``. Only keys known to be bigger are split: the key gives ``(key, 0, x, [])``, and
    each of its members ``(key, 1, x, [member])``, joined through a side input holding just those keys. So exactly
    one element of each key is part 0 (for what is done once per key), and no group or side input holds more than
    about ``limit`` members of a key.

    Without a ``table`` (a min-join) ``x`` is ``(count, smallest member)``. With one, ``x`` is the table's value,
    and items whose key has none are dropped, unless ``keep_missing`` (``x`` is then ``None``). Keys without items
    give nothing. ``values`` is a list in no particular order: consumers must not depend on it.

    ``then`` (a function of one element yielding outputs) is applied inside the join instead of as a step after
    it, and ``tagged``: the items come as ``(key, (False, value))``, as a ``then`` feeding another join yields
    them (see :func:`_member`); both keep the job graph small (connected components unrolls two joins per round).
    """

    def __init__(self, table: beam.PCollection | None = None, limit: int = HOT_KEY_LIMIT,
                 keep_missing: bool = False, then: Then = None, tagged: bool = False, label: str | None = None,
                 in_memory: bool = False) -> None:
        super().__init__(label)
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        self.table, self.limit, self.keep_missing = table, limit, keep_missing
        self.then, self.tagged, self.in_memory = then, tagged, in_memory

    def expand(self, items: beam.PCollection) -> beam.PCollection:
        members = items if self.tagged else items | "AsMember" >> beam.Map(_as_member)
        if self.table is not None:
            rows = self.table | "AsTable" >> beam.MapTuple(lambda k, x: (k, (True, x)))
            members = (members, rows) | "WithTable" >> beam.Flatten()
        # in memory (``Dedup``'s ``in_memory_joins``: the runner holds every group anyway) no key is split, which
        # gives the same outputs as splitting and spares the side-input step that reads the items a second time
        limit = _NO_LIMIT if self.in_memory else self.limit
        summaries = members | "Summarise" >> beam.CombinePerKey(_KeySummary(limit))
        split = summaries | "SplitKeys" >> beam.ParDo(
            _SplitKeys(self.table is None, self.keep_missing, self.then)).with_outputs(_HOT, main="whole")
        if self.in_memory:
            return split.whole
        hot = items | "HotMembers" >> beam.FlatMap(_hot_members, beam.pvalue.AsDict(split[_HOT]), self.tagged,
                                                   self.then)
        return (split.whole, hot) | "Joined" >> beam.Flatten()


def _member(key: Any, value: Any) -> tuple[Any, tuple[bool, Any]]:
    """An item as a ``tagged`` :class:`_HotJoin` takes it."""
    return key, (False, value)


# ------------------------------------------------------------------------------------------- fingerprints


def _given_or(batch: list[Record], compute: Callable[[list[Record]], list[tuple]]) -> list[tuple]:
    """Each record's :data:`GIVEN_FP`, or what ``compute`` gives for the ones without it (in one call)."""
    computed = iter(compute([r for r in batch if GIVEN_FP not in r]))
    return [r[GIVEN_FP] if GIVEN_FP in r else next(computed) for r in batch]


class _Fingerprint(beam.DoFn):
    """Batch of records → ``(id, record)``; tagged ``fp``: ``(id, Fingerprint)``; tagged ``failed``. With ``keys``
    each record leaves with its exact and band keys (``pipeline.stage.DEDUP_KEYS``: :func:`stored_keys`), for the
    attributes."""

    def __init__(self, params: DedupParams, exact: bool, near: bool, keys: bool = False) -> None:
        self.params = params
        self.exact = exact
        self.near = near
        self.keys = keys

    def setup(self) -> None:
        self.docs = beam.metrics.Metrics.counter(STAGE, "fingerprinted")
        self.no_sig = beam.metrics.Metrics.counter(STAGE, "no_shingles")

    def _compute(self, batch: list[Record]) -> list[tuple[str | None, bytes | None, bytes | None]]:
        return compute_fingerprints(batch, self.params, self.exact, self.near, self.keys)

    def _fingerprints(self, batch: list[Record]) -> list[tuple[str | None, bytes | None, bytes | None]]:
        return _given_or(batch, self._compute)

    def process(self, batch: list[Record]) -> Iterator[Any]:
        good = []
        for r in batch:
            if not isinstance(r.get("id"), str) or not isinstance(r.get("text"), str):
                error = f"{NAME}: record needs a string `id` and `text`"
                yield pvalue.TaggedOutput(FAILED, stamped(failed(r, error), NAME))
            else:
                good.append(r)
        try:
            results = self._fingerprints(good)
        except Exception:  # isolate the bad record(s) instead of failing the whole batch
            results, ok = [], []
            for r in good:
                try:
                    results.extend(self._fingerprints([r]))
                    ok.append(r)
                except Exception as e:  # any error of one document becomes its dead letter
                    yield pvalue.TaggedOutput(FAILED, stamped(failed(r, f"{NAME}: {type(e).__name__}: {e}"), NAME))
            good = ok
        for r, (key, sig, bands) in zip(good, results, strict=True):
            self.docs.inc()
            if self.near and sig is None:
                self.no_sig.inc()
            r = {k: v for k, v in r.items() if k != GIVEN_FP}
            if self.keys:
                r[DEDUP_KEYS] = stored_keys(key, bands)
            yield r["id"], r
            yield pvalue.TaggedOutput(_FP, (r["id"], (r.get("language") or "", key, sig)))


# ------------------------------------------------------------------------------------------- exact


def _exact_verdicts(item: tuple[Any, int, tuple[int, str], list[str]]) -> Iterator[Any]:
    """One part of an exact-key group → verdicts for all but the group's smallest id; tagged ``size`` of groups of
    2+ (once, from part 0)."""
    _, part, (n, keep), ids = item
    if n < 2:
        return
    if part == 0:
        yield pvalue.TaggedOutput(_SIZE, n)
        yield pvalue.TaggedOutput(_KEEP, (keep, keep))
    for other in ids:
        if other != keep:
            yield other, (EXACT_REASON, None, keep)


def _survivors(item: tuple[str, dict[str, list]]) -> Iterator[tuple[str, tuple[str, bytes]]]:
    """``(id, (language, signature))`` of a document with a signature and no exact verdict."""
    doc_id, joined = item
    if _first(joined["verdict"]) is not None:
        return
    for lang, _key, sig in joined["fp"]:
        if sig is not None:
            yield doc_id, (lang, sig)


# ------------------------------------------------------------------------------------------- near


class _BandParts(beam.DoFn):
    """A batch of ``(id, (language, signature))`` → ``((language, part), (packed keys, ids))``: the LSH band keys of
    the batch (:data:`BAND_ROW`), one element per language and part (the key modulo ``parts``) instead of one per
    key, so a document's 20-odd keys cost Beam one element, not 20-odd elements through a grouping."""

    def __init__(self, bands: int, rows: int, parts: int) -> None:
        self.bands, self.rows, self.parts = bands, rows, parts

    def process(self, batch):  # no annotations: Beam would check them as type hints
        by_lang: dict[str, list[tuple[str, bytes]]] = {}
        for doc_id, (lang, sig) in batch:
            by_lang.setdefault(lang, []).append((doc_id, sig))
        for lang, items in sorted(by_lang.items()):
            sigs = np.stack([np.frombuffer(sig, dtype="<u4") for _, sig in items])
            keys = band_keys(sigs, self.bands, self.rows).ravel()
            packed = np.empty(len(keys), dtype=BAND_ROW)
            packed["key"], packed["band"] = keys, np.tile(np.arange(self.bands, dtype=np.uint16), len(items))
            doc = np.repeat(np.arange(len(items)), self.bands)
            part = (keys % np.uint64(self.parts)).astype(np.int64)
            order = np.argsort(part, kind="stable")
            bounds = np.flatnonzero(np.diff(part[order])) + 1
            for chunk in np.split(order, bounds):
                ids = [items[i][0] for i in doc[chunk]]
                yield (lang, int(part[chunk[0]])), (packed[chunk].tobytes(), ids)


def _bucket_star_edges(item: tuple[tuple[str, int], Iterable[tuple[bytes, list[str]]]]) -> Iterator[tuple[str, str]]:
    """One part of a language's band keys → an edge from the smallest id of each shared bucket to each other id in it
    (a star, so a bucket of k ids gives k-1 edges)."""
    _, chunks = item
    chunks = list(chunks)
    rows = np.frombuffer(b"".join(c[0] for c in chunks), dtype=BAND_ROW)
    ids = [i for c in chunks for i in c[1]]
    for members in shared_buckets(rows["key"], rows["band"], ids):
        unique = set(members)
        center = min(unique)
        for other in unique - {center}:
            yield center, other


def _table_entry(item: tuple[Any, int, Any, list]) -> Iterator[tuple[Any, Any]]:
    """A lookup join's ``(key, table value)``, once per key (its part 0)."""
    key, part, x, _ = item
    if part == 0:
        yield key, x


class PairJaccard(beam.PTransform):
    """``(a, b)`` id pairs → ``((a, b), jaccard_estimate)``, joining the two signatures by id (never texts).

    ``signatures`` is a PCollection of ``(id, (language, signature bytes))``. Pairs with an id that has no signature
    are dropped. Both joins are :class:`_HotJoin`, so the centre of a star of 200,000 pairs is never grouped: each
    of its pairs meets the centre's signature on its own.
    """

    def __init__(self, signatures: beam.PCollection, label: str | None = None, hot_limit: int = HOT_KEY_LIMIT,
                 in_memory: bool = False) -> None:
        super().__init__(label)
        self.signatures = signatures
        self.hot_limit = hot_limit
        self.in_memory = in_memory  # the signatures as a side input, one step (``Dedup``'s ``in_memory_joins``)

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        sigs = self.signatures | "SigOnly" >> beam.MapTuple(lambda i, v: (i, v[1]))
        if self.in_memory:
            return pairs | "WithSigs" >> beam.FlatMap(_pair_jaccard, beam.pvalue.AsDict(sigs))

        def first_half(item: tuple[str, int, bytes, list[str]]) -> Iterator[tuple[str, tuple[str, bytes]]]:
            a, _, sig, bs = item
            for b in bs:
                yield b, (a, sig)

        def second_half(item: tuple[str, int, bytes, list[tuple[str, bytes]]]) -> Iterator[tuple[Any, float]]:
            b, _, sig_b, halves = item
            for a, sig_a in halves:
                yield (a, b), jaccard_estimate(sig_a, sig_b)

        half = (
            pairs
            | "JoinFirst" >> _HotJoin(sigs, self.hot_limit)
            | "FirstSig" >> beam.FlatMap(first_half)
        )
        return (
            half
            | "JoinSecond" >> _HotJoin(sigs, self.hot_limit)
            | "SecondSig" >> beam.FlatMap(second_half)
        )


def _pair_jaccard(pair: tuple[str, str], sigs: dict[str, bytes]) -> Iterator[tuple[tuple[str, str], float]]:
    """``PairJaccard``'s output for one pair, its signatures looked up in memory (none if one has no signature)."""
    a, b = pair
    sig_a, sig_b = sigs.get(a), sigs.get(b)
    if sig_a is not None and sig_b is not None:
        yield (a, b), jaccard_estimate(sig_a, sig_b)


class _LookupJoin(beam.PTransform):
    """``(key, _)`` items → ``(key, x)`` of each ``table`` entry whose key has an item, once per key (a
    :class:`_HotJoin` with :func:`_table_entry`); ``in_memory``: the table filtered by the items' keys, read as a
    side input (``Dedup``'s ``in_memory_joins``)."""

    def __init__(self, table: beam.PCollection, limit: int, in_memory: bool) -> None:
        super().__init__()
        self.table, self.limit, self.in_memory = table, limit, in_memory

    def expand(self, items: beam.PCollection) -> beam.PCollection:
        if not self.in_memory:
            return items | "Join" >> _HotJoin(self.table, self.limit, then=_table_entry)
        return self.table | "Wanted" >> beam.Filter(lambda kv, wanted: kv[0] in wanted, beam.pvalue.AsDict(items))


# ------------------------------------------------------------------------------------------- connected components


def _normalize_edge(edge: tuple[str, str]) -> Iterator[tuple[str, str]]:
    a, b = edge
    if a != b:
        yield (a, b) if a < b else (b, a)


def _large_star(item: tuple[str, int, tuple[int, str], list[str]]) -> Iterator[tuple[str, str]]:
    """Kiveris et al. large-star at node u: link every larger neighbour to the minimum of u's closed neighbourhood.

    Input: u, the smallest of all its neighbours, and one part of its neighbours. Output edges are keyed by their
    larger end, ready for the small-star grouping.
    """
    u, _, (_, smallest), nbrs = item
    m = min(smallest, u)
    for v in set(nbrs):
        if v > u:
            yield v, m


def _small_star(item: tuple[str, int, tuple[int, str], list[str]]) -> Iterator[tuple[str, str]]:
    """Small-star at node u (grouped over its smaller neighbours): link u and them to their minimum.

    Input: u, the smallest of those neighbours, and one part of them; u's own edge comes from part 0 only. Output
    edges in both directions, ready for the next large-star grouping by node.
    """
    u, part, (_, smallest), smaller = item
    m = min(smallest, u)
    nbrs = set(smaller)
    if part == 0:
        nbrs.add(u)
    for v in nbrs:
        if v != m:
            yield m, v
            yield v, m


def _large_star_members(item: tuple[str, int, tuple[int, str], list[str]]) -> Iterator[tuple[str, tuple[bool, str]]]:
    return (_member(v, m) for v, m in _large_star(item))


def _small_star_members(item: tuple[str, int, tuple[int, str], list[str]]) -> Iterator[tuple[str, tuple[bool, str]]]:
    return (_member(v, m) for v, m in _small_star(item))


def _one_way(item: tuple[str, tuple[bool, str]]) -> Iterator[tuple[str, str]]:
    a, (_, b) = item
    if a < b:
        yield a, b


def _roles(edge: tuple[str, str]) -> Iterator[tuple[str, tuple[int, int]]]:
    yield edge[0], (1, 0)
    yield edge[1], (0, 1)


def _sum_pairs(values: Iterable[tuple[int, int]]) -> tuple[int, int]:
    small = large = 0
    for s, g in values:
        small += s
        large += g
    return small, large


def _bad_node(item: tuple[str, tuple[int, int]]) -> Iterator[tuple[str, bool]]:
    """A node breaks star form if it is the larger end of 2+ edges, or of one edge while also a smaller end."""
    node, (small, large) = item
    if large >= 2 or (large >= 1 and small >= 1):
        yield node, True


def _leaf_status(item: tuple[str, int, bool | None, list[str]]) -> Iterator[tuple[str, tuple[bool, int]]]:
    """A leaf's centres, each told whether the leaf breaks star form (``(centre, (bad, 1))``)."""
    _, _, bad, centers = item
    for center in centers:
        yield center, (bool(bad), 1)


def _any_and_count(values: Iterable[tuple[bool, int]]) -> tuple[bool, int]:
    bad = False
    n = 0
    for b, k in values:
        bad = bad or b
        n += k
    return bad, n


def _finished_star(item: tuple[str, int, tuple[bool, int], list[str]]) -> Iterator[Any]:
    """Labels of (one part of) a star already centred on its minimum; otherwise its edges go to ``unconverged``.

    ``(bad, leaves)`` says whether the centre or any of its leaves breaks star form, and how many leaves it has.
    """
    center, part, (bad, n_leaves), leaves = item
    if not n_leaves:
        return
    if not bad:
        if part == 0:
            yield center, center
        for leaf in leaves:
            yield leaf, center
    else:
        for leaf in leaves:
            yield pvalue.TaggedOutput(_UNCONVERGED, (center, leaf))


class _UnionFind(beam.CombineFn):
    """``(a, b)`` edges → ``(id, component minimum)`` for every id in them: the exact finishing step.

    The accumulator is the union-find forest ``{id: parent}`` (every root its tree's smallest id, whatever the
    order of the edges) and the number of edges seen. It is lifted before the shuffle, so each worker sends its
    part as a forest of its nodes rather than as a list of edges, and the one task that merges them holds one entry
    per node of the graph it is given: that is the bound on it (see :class:`ConnectedComponents`)."""

    def create_accumulator(self) -> tuple[dict[str, str], int]:
        return {}, 0

    def add_input(self, acc: tuple[dict[str, str], int], edge: tuple[str, str]) -> tuple[dict[str, str], int]:
        parent, n = acc
        union_ids(parent, *edge)
        return parent, n + 1

    def merge_accumulators(self, accs: Iterable[tuple[dict[str, str], int]]) -> tuple[dict[str, str], int]:
        parent: dict[str, str] | None = None
        n = 0
        for other, k in accs:
            n += k
            if parent is None:
                parent = other
                continue
            for x, p in other.items():  # the parent links of a forest connect exactly what its edges connected
                if x != p:
                    union_ids(parent, x, p)
                else:
                    parent.setdefault(x, x)
        return (parent if parent is not None else {}), n

    def extract_output(self, acc: tuple[dict[str, str], int]) -> list[tuple[str, str]]:
        parent, n = acc
        if n:
            beam.metrics.Metrics.counter(STAGE, "cc_unconverged_edges").inc(n)
            log.warning("connected components: %d edges of %d nodes not finished by the rounds, finished on one "
                        "worker", n, len(parent))
        return [(x, find_root(parent, x)) for x in sorted(parent)]


def _components_in_memory(edges: list[tuple[str, str]], max_rounds: int) -> Iterator[Any]:
    """:class:`ConnectedComponents` on one worker, for a runner that holds the edges in its memory anyway: the
    labels by union-find (the exact finishing step's, which the rounds' labels equal), and as ``unconverged`` the
    edges the rounds would have left to it (:func:`unconverged_edge_list`), counted and logged the same way."""
    edges = [e for edge in edges for e in _normalize_edge(edge)]
    rest = unconverged_edge_list(edges, max_rounds)
    if rest:
        beam.metrics.Metrics.counter(STAGE, "cc_unconverged_edges").inc(len(rest))
        log.warning("connected components: %d edges not finished by the rounds, finished on one worker", len(rest))
    yield from union_find_labels(edges)
    for edge in rest:
        yield pvalue.TaggedOutput(_UNCONVERGED, edge)


class ConnectedComponents(beam.PTransform):
    """Connected components of an undirected graph given as ``(a, b)`` id pairs, computed in Beam.

    Alternating large-star / small-star rounds (Kiveris et al., "Connected Components in MapReduce and Beyond",
    SoCC 2014), unrolled ``max_rounds`` times at construction: each step is one ``GroupByKey`` over the edges and
    preserves connectivity, and together they turn every component into a star centred on its smallest id in
    O(log² n) rounds (a handful for duplicate clusters). Extra rounds on a converged graph change nothing.

    Convergence is then checked in Beam: a component is finished when it is a star whose centre is never the larger
    end of an edge and whose leaves are the larger end of exactly one edge (such a star is a whole component: no
    edge leaves it). The edges of the components not finished after ``max_rounds`` rounds are the ``unconverged``
    output, and one exact finishing step (:class:`_UnionFind`, a combiner lifted before its one shuffle) gives
    their labels by union-find; they are counted in the ``dedup/cc_unconverged_edges`` counter and logged as a
    warning. So the labels are always exact, identical for any ``max_rounds``; ``max_rounds`` only decides how
    much of the graph is finished by that one task, and how many steps the job has (each round is two
    :class:`_HotJoin` steps, 10 leaf transforms, run even on an empty or converged graph).

    The bound on the finishing task: it holds one ``{id: parent}`` entry per node of the unfinished components
    (about 130 bytes in CPython: a 16-character id and its dict slot; a million nodes is about 130 MB), and never a
    group of edges. A component is unfinished only when it needs more rounds than ``max_rounds``. Duplicate
    clusters are stars and cliques of copies, finished in 1-3 rounds (the real-text profile corpus: none left
    after 6); what needs more is a long chain of documents each near the next: simulated with random ids,
    a path of 100 nodes needs 6 rounds, of 1,000 8, of 100,000 14, and a random tree of 100,000 nodes 7. So with
    the default of 6 the task holds only chains of roughly 100+ documents (raise ``dedup.max_rounds`` for a corpus
    full of them: 20 leaves only chains far longer than 100,000). Duplicate edges and self-loops are ignored.

    ``in_memory`` (a runner that holds every grouping in its memory, the FnApiRunner): no rounds are built; the
    edges are gathered and solved on one worker (:func:`_components_in_memory`), with the same labels and the same
    ``unconverged`` edges.
    """

    def __init__(self, max_rounds: int = 6, label: str | None = None, hot_limit: int = HOT_KEY_LIMIT,
                 in_memory: bool = False) -> None:
        super().__init__(label)
        if max_rounds < 0:
            raise ValueError(f"max_rounds must be >= 0, got {max_rounds}")
        self.max_rounds = max_rounds
        self.hot_limit = hot_limit
        self.in_memory = in_memory  # solved on one worker (``_components_in_memory``), for the FnApiRunner

    def expand(self, edges: beam.PCollection) -> ComponentsOutput:
        if self.in_memory:
            solved = (
                edges
                | "AllEdges" >> beam.combiners.ToList()
                | "InMemory" >> beam.FlatMap(_components_in_memory, self.max_rounds).with_outputs(
                    _UNCONVERGED, main="labels")
            )
            return ComponentsOutput(labels=solved.labels, unconverged=solved[_UNCONVERGED])
        e = edges | "Normalize" >> beam.FlatMap(_normalize_edge) | "DistinctIn" >> beam.Distinct()
        e = e | "BothWays" >> beam.FlatMap(lambda ab: [_member(*ab), _member(ab[1], ab[0])])
        limit, mem = self.hot_limit, self.in_memory
        for i in range(self.max_rounds):  # two groupings per round, edges flow in both directions between rounds
            e = (
                e
                | f"LargeStar{i}" >> _HotJoin(limit=limit, then=_large_star_members, tagged=True, in_memory=mem)
                | f"SmallStar{i}" >> _HotJoin(limit=limit, then=_small_star_members, tagged=True, in_memory=mem)
            )
        e = e | "OneWay" >> beam.FlatMap(_one_way) | "DistinctOut" >> beam.Distinct()
        bad = e | "Roles" >> beam.FlatMap(_roles) | "SumRoles" >> beam.CombinePerKey(_sum_pairs)
        bad = bad | "BadNodes" >> beam.FlatMap(_bad_node)
        by_leaf = e | "ByLeaf" >> beam.MapTuple(lambda a, b: (b, a))
        leaves = (
            by_leaf
            | "JoinLeafStatus" >> _HotJoin(bad, limit, keep_missing=True, in_memory=mem)
            | "LeafStatus" >> beam.FlatMap(_leaf_status)
        )
        status = (
            (leaves, bad | "BadCenter" >> beam.MapTuple(lambda n, _: (n, (True, 0))))
            | "StatusParts" >> beam.Flatten()
            | "StarStatus" >> beam.CombinePerKey(_any_and_count)
        )
        stars = (
            e
            | "JoinCenterStatus" >> _HotJoin(status, limit, in_memory=mem)
            | "Stars" >> beam.FlatMap(_finished_star).with_outputs(_UNCONVERGED, main="labels")
        )
        rest = (
            stars[_UNCONVERGED]
            | "FinishUnconverged" >> beam.CombineGlobally(_UnionFind())
            | "UnionFindLabels" >> beam.FlatMap(lambda labels: labels)
        )
        labels = (stars.labels, rest) | "Labels" >> beam.Flatten()
        return ComponentsOutput(labels=labels, unconverged=stars[_UNCONVERGED])


# ------------------------------------------------------------------------------------------- verdicts and stats


class _CoGroupSmall(beam.PTransform):
    """``{name: (key, value) PCollection}`` → ``(key, {name: [values]})``, what ``CoGroupByKey`` gives, for the
    keys of the one input ``big``: the other inputs (ids and verdicts, small) are grouped among themselves and each
    ``big`` value meets its key's group through a side input, so the big input (whole records) is neither
    flattened nor grouped. For the FnApiRunner (see ``Dedup``'s ``in_memory_joins``): it holds every grouping in
    its own memory anyway, and a ``CoGroupByKey`` moved the records through its buffers twice (a Flatten, then the
    grouping), which is the 80 MB, 1-2 s step of the real-text bench. A key with no ``big`` value gives nothing;
    a key with several gives one element per value (the steps after it handle each value alone)."""

    def __init__(self, big: str, in_memory: bool):
        super().__init__()
        self.big, self.in_memory = big, in_memory

    def expand(self, inputs: dict[str, beam.PCollection]) -> beam.PCollection:
        if not self.in_memory:
            return inputs | "CoGroupByKey" >> beam.CoGroupByKey()
        small = {name: pcoll for name, pcoll in inputs.items() if name != self.big}
        grouped = (
            small
            | "GroupSmall" >> beam.CoGroupByKey()
            | "AsLists" >> beam.MapTuple(lambda key, values: (key, {n: list(v) for n, v in values.items()}))
        )
        return inputs[self.big] | "WithSmall" >> beam.ParDo(_WithSmall(self.big, tuple(small)),
                                                            beam.pvalue.AsDict(grouped))


class _WithSmall(beam.DoFn):
    """``(key, value)`` of the big input → ``(key, {big: [value], **its key's small groups})`` (see
    :class:`_CoGroupSmall`)."""

    def __init__(self, big: str, names: tuple[str, ...]):
        self.big, self.names = big, names

    def process(self, kv: tuple[Any, Any], small: dict[Any, dict[str, list]]) -> Iterator[Any]:
        key, value = kv
        found = small.get(key)
        yield key, {self.big: [value], **(found if found is not None else {n: [] for n in self.names})}


class _ApplyVerdicts(beam.DoFn):
    """``(id, {"rec", "exact", "near"})`` → kept record, or removed with reason, value and ``duplicate_of``. With
    the ``exact_cluster`` / ``near_cluster`` inputs (attributes on) each record is given the kept id of its clusters.
    """

    def setup(self) -> None:
        self.counters = {
            EXACT_REASON: beam.metrics.Metrics.counter(STAGE, EXACT_REASON),
            NEAR_REASON: beam.metrics.Metrics.counter(STAGE, NEAR_REASON),
        }

    def process(self, item: tuple[str, dict[str, list]]) -> Iterator[Any]:
        _, joined = item
        verdicts: list[DuplicateVerdict] = sorted(joined["exact"]) + sorted(joined["near"])  # one at most, in practice
        clusters = {name: _first(joined[name]) for name in ("exact_cluster", "near_cluster") if name in joined}
        for rec in joined["rec"]:
            if clusters:
                rec = {**rec, **clusters}
            if not verdicts:
                yield rec
                continue
            reason, value, keep = verdicts[0]
            self.counters[reason].inc()
            yield pvalue.TaggedOutput(REMOVED, removed(rec, reason, value, duplicate_of=keep))


def _sizes(metric: str) -> beam.PTransform:
    return beam.Map(lambda size: (metric, str(size), 1))


class _StatsFn(beam.CombineFn):
    """``(metric, key, n)`` tuples → the stats dict.

    Keys: ``exact_removed``, ``near_removed`` (records removed), ``exact_clusters`` / ``near_clusters``
    (``{size: number of clusters}`` over groups of 2+ documents, size = documents in the group including the kept
    one, sizes as decimal strings so the dict survives a JSON round trip, sorted by size), ``candidate_pairs``
    (distinct LSH star edges), ``verified_pairs`` (edges given to connected components), ``cc_unconverged_edges``,
    and ``lsh`` (``threshold``, ``num_perm``, ``bands``, ``rows``).
    """

    def __init__(self, lsh: dict[str, Any]) -> None:
        self.lsh = lsh

    def create_accumulator(self) -> Counter:
        return Counter()

    def add_input(self, acc: Counter, item: tuple[str, str, int]) -> Counter:
        metric, key, n = item
        acc[(metric, key)] += n
        return acc

    def merge_accumulators(self, accs: Iterable[Counter]) -> Counter:
        total: Counter = Counter()
        for acc in accs:
            total.update(acc)
        return total

    def extract_output(self, acc: Counter) -> dict[str, Any]:
        return dedup_stats(acc, self.lsh)


def _count(metric: str) -> beam.PTransform:
    return beam.Map(lambda _: (metric, "", 1))


# ------------------------------------------------------------------------------------------- the stage


class Dedup(beam.PTransform):
    """Exact then near dedup of records (see the module docstring); returns a ``StageOutput`` whose ``stats`` is one
    dict (see :class:`_StatsFn` for its keys).

    ``params.exact`` / ``params.near`` switch the two parts; near dedup only sees documents that exact dedup kept.
    ``batch_size`` caps the records fingerprinted together (signatures are computed per batch with numpy).
    ``hot_limit``: the most members of one exact group, star centre or graph node that are grouped together; a bigger
    one is handled member by member (see :class:`_HotJoin`). ``band_parts``: how many parts a language's LSH band
    keys are grouped in (:data:`BAND_PARTS`). Neither changes a verdict, only how work is spread.
    ``clusters`` (attributes on) gives every record ``exact_cluster`` and ``near_cluster``: the kept id of its exact
    group / near component, or ``None``.
    ``in_memory_joins``: the small side of each join is read as a side input instead of grouped with the big side:
    the records meet their verdicts and the signatures the exact verdicts (:class:`_CoGroupSmall`), the candidate
    ids pick their signatures (:class:`_LookupJoin`) and each pair reads its two signatures (:class:`PairJaccard`).
    For a runner that holds every grouping in one process's memory (the FnApiRunner), where it moves less and holds
    less; on an engine the verdicts of a terabyte corpus would not fit a side input. The same outputs either way.
    """

    def __init__(self, params: DedupParams | None = None, batch_size: int = 256, label: str | None = None,
                 skip_sources: Sequence[str] = (), hot_limit: int = HOT_KEY_LIMIT, clusters: bool = False,
                 band_parts: int = BAND_PARTS, in_memory_joins: bool = False) -> None:
        super().__init__(label)
        self.params = params or DedupParams()
        self.batch_size = batch_size
        self.skip_sources = tuple(skip_sources)
        self.hot_limit = hot_limit
        self.clusters = clusters
        self.band_parts = band_parts
        self.in_memory_joins = in_memory_joins

    def expand(self, records: beam.PCollection) -> StageOutput:
        """Sources in ``skip_sources`` (their filter profile has no ``dedup``) go around the stage, kept as they are:
        they are never compared with the others."""
        if not self.skip_sources:
            return self._dedup(records)
        skip = frozenset(self.skip_sources)
        parts = records | "DedupOrNot" >> beam.Partition(lambda r, _n: int(r["source"] in skip), 2)
        out = self._dedup(parts[0])
        return out._replace(kept=(out.kept, parts[1]) | "WithUndeduped" >> beam.Flatten())

    def _dedup(self, records: beam.PCollection) -> StageOutput:
        p, limit = self.params, self.hot_limit
        bands, rows = p.bands_rows
        lsh = lsh_summary(p)
        fps = (
            records
            | "Batch" >> batches_of(self.batch_size)
            | "Fingerprint" >> beam.ParDo(_Fingerprint(p, p.exact, p.near, self.clusters)).with_outputs(
                _FP, FAILED, main="rec")
        )
        stat_parts = []
        if not (p.exact and p.near):
            exact_verdicts = near_verdicts = records.pipeline | "NoVerdicts" >> beam.Create([])
            exact_members = near_labels = exact_verdicts

        if p.exact:
            grouped = (
                fps[_FP]
                | "ExactKey" >> beam.FlatMap(lambda kv: [((kv[1][0], kv[1][1]), kv[0])] if kv[1][1] else [])
                | "DistinctExact" >> beam.Distinct()
                | "ExactGroup" >> _HotJoin(limit=limit, in_memory=self.in_memory_joins)
                | "ExactVerdicts" >> beam.FlatMap(_exact_verdicts).with_outputs(_SIZE, _KEEP, main="verdicts")
            )
            exact_verdicts = grouped.verdicts
            exact_members = (
                (grouped[_KEEP], exact_verdicts | "ExactKeptId" >> beam.MapTuple(lambda i, v: (i, v[2])))
                | "ExactMembers" >> beam.Flatten()
            )
            stat_parts.append(grouped[_SIZE] | "ExactSizes" >> _sizes("exact_cluster"))

        if p.near:
            if p.exact:
                sigs = (
                    {"fp": fps[_FP], "verdict": exact_verdicts}
                    | "JoinExact" >> _CoGroupSmall("fp", self.in_memory_joins)
                    | "Survivors" >> beam.FlatMap(_survivors)
                )
            else:
                sigs = fps[_FP] | "WithSig" >> beam.FlatMap(
                    lambda kv: [(kv[0], (kv[1][0], kv[1][2]))] if kv[1][2] is not None else []
                )
            candidates = (
                sigs
                | "BatchBands" >> batches_of(self.batch_size)
                | "BandParts" >> beam.ParDo(_BandParts(bands, rows, self.band_parts))
                | "GroupBandParts" >> beam.GroupByKey()
                | "StarEdges" >> beam.FlatMap(_bucket_star_edges)
                | "DistinctPairs" >> beam.Distinct()
            )
            stat_parts.append(candidates | "CountCandidates" >> _count("candidate_pairs"))
            # the signatures of the documents in a candidate pair, the only ones the pair joins below read: every
            # signature is shuffled once here rather than in each of their four joins
            sigs = (
                candidates
                | "CandidateIds" >> beam.FlatMap(lambda edge: ((edge[0], None), (edge[1], None)))
                | "CandidateSignatures" >> _LookupJoin(sigs, limit, self.in_memory_joins)
            )
            if p.verify:
                threshold = p.threshold
                edges = (
                    candidates
                    | "Verify" >> PairJaccard(sigs, hot_limit=limit, in_memory=self.in_memory_joins)
                    | "AboveThreshold" >> beam.Filter(lambda pj: pj[1] >= threshold)
                    | "Edge" >> beam.Map(lambda pj: pj[0])
                )
            else:
                edges = candidates
            stat_parts.append(edges | "CountVerified" >> _count("verified_pairs"))
            comps = edges | "Components" >> ConnectedComponents(p.max_rounds, hot_limit=limit,
                                                                in_memory=self.in_memory_joins)
            near_labels = comps.labels
            stat_parts.append(comps.unconverged | "CountUnconverged" >> _count("cc_unconverged_edges"))
            stat_parts.append(
                comps.labels
                | "ByComponent" >> beam.MapTuple(lambda i, m: (m, 1))
                | "ComponentSize" >> beam.CombinePerKey(sum)
                | "SizeOnly" >> beam.MapTuple(lambda m, n: n)
                | "NearSizes" >> _sizes("near_cluster")
            )
            near_verdicts = (
                comps.labels
                | "NotKept" >> beam.Filter(lambda im: im[0] != im[1])
                | "ValueWithKept" >> PairJaccard(sigs, hot_limit=limit, in_memory=self.in_memory_joins)
                | "NearVerdicts" >> beam.MapTuple(lambda pair, j: (pair[0], (NEAR_REASON, j, pair[1])))
            )

        inputs = {"rec": fps.rec, "exact": exact_verdicts, "near": near_verdicts}
        if self.clusters:
            inputs.update(exact_cluster=exact_members, near_cluster=near_labels)
        joined = (
            inputs
            | "JoinVerdicts" >> _CoGroupSmall("rec", self.in_memory_joins)
            | "Apply" >> beam.ParDo(_ApplyVerdicts()).with_outputs(REMOVED, main="kept")
        )
        stat_parts.append(joined[REMOVED] | "CountRemoved" >> beam.Map(lambda r: ("removed", r["reason"], 1)))
        stats = (
            stat_parts
            | "StatParts" >> beam.Flatten(pipeline=records.pipeline)
            | "Stats" >> beam.CombineGlobally(_StatsFn(lsh))
        )
        removed_docs = joined[REMOVED] | "StampStage" >> beam.Map(stamped, NAME)
        return StageOutput(kept=joined.kept, removed=removed_docs, failed=fps[FAILED], stats=stats)

