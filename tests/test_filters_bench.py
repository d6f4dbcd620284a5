"""The filters benchmark runs end to end on a small corpus (figures are printed by ``python -m bench.filters``)."""

from __future__ import annotations

from bench.filters import bench_filters, generate_corpus


def test_bench_small_corpus() -> None:
    result = bench_filters(total_mb=0.3, seed=7)
    assert result["text_mb"] >= 0.3 and result["docs"] > 50
    for key in ("read_docs_per_s", "read_mb_per_s", "full_docs_per_s", "full_mb_per_s", "peak_rss_mb"):
        assert result[key] > 0
    assert sum(result["verdicts"].values()) == result["docs"]
    assert result["verdicts"]["kept"] < result["docs"]  # the junk documents are removed
    assert result["pii"]["EMAIL"] > 0 and result["pii"]["IP_ADDRESS"] > 0


def test_corpus_is_deterministic(tmp_path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert generate_corpus(str(a), 0.05, seed=3) == generate_corpus(str(b), 0.05, seed=3)
    assert a.read_bytes() == b.read_bytes()
