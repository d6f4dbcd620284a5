"""Every filter's measured values on the bundled sample against values recorded once (``data/filter_values.json.gz``).

Speed-ups of the filters must not change a single value: for each document of the sample (normalised as the
pipeline does: natural language only, code stays as read; with the language recorded from language ID), under its
own language and six others that take other code paths (CJK characters and augmentation, Thai graphemes, Vietnamese
syllable pairs, Arabic marks, English word removal), the test compares, in the pipeline's order, PII redaction,
ROOTS' word-removal output and its removed words per reason, the words, every quality check's value and verdict,
the exact-dedup key and the MinHash signature; for code files, every code check. Values are compared exactly
(floats as JSON round-trips them). Recorded before the throughput work of issue 16, and again for issue 19 when PII
redaction moved before word removal (so the checks measure redacted text) and code stopped being normalised:

    .venv/bin/python tests/test_filter_values.py --record     # rewrite the expected values (only on purpose)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EXPECTED = REPO / "tests" / "data" / "filter_values.json.gz"
SAMPLE = REPO / "manifests" / "sample.yaml"
#: languages every document is also measured under, besides its own
OTHER_LANGUAGES = ("ar", "en", "ja", "th", "vi", "zh")


def _digest(value: Any) -> str:
    data = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return hashlib.sha1(data.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _results(results) -> list[list[Any]]:
    return [[r.name, r.value, r.passed, r.note] for r in results]


@cache
def sample_documents() -> list[dict[str, Any]]:
    """The sample's documents as the filters see them: read, normalised, with a language."""
    from filters import normalize_batch
    from manifests.schema import load_manifest
    from pipeline.ingest.plan import plan_units, read_unit

    manifest = load_manifest(str(SAMPLE))
    docs = []
    for unit in plan_units(manifest):
        for route, rec in read_unit(manifest, unit):
            if route == "kept":
                docs.append(rec)
    from core.languages import is_code

    texts = [d["text"] if is_code(d["language"]) else t
             for d, t in zip(docs, normalize_batch([d["text"] for d in docs]), strict=True)]
    return [{**d, "text": t} for d, t in zip(docs, texts, strict=True) if t.strip()]


def measure(doc: dict[str, Any], language: str) -> dict[str, Any]:
    """What every filter measures on ``doc`` (its language ``language``)."""
    from core.languages import is_code
    from filters import FilterConfig, code_explain, explain, redact_batch, remove_words_batch
    from filters.dedup import DedupParams, exact_key, signatures_batch
    from filters.text import words

    config = FilterConfig()
    text = doc["text"]
    if is_code(language):
        return {"code": _results(code_explain(text, doc.get("path"), config.code))}
    params = config.params_for(language)
    (redacted, counts), = redact_batch([text])
    [(modified, removed)] = remove_words_batch([redacted], params)
    (sig,) = signatures_batch([modified], [language], DedupParams())
    return {
        "modified": _digest(modified),
        "removed_words": removed,
        "words": _digest(words(modified)),
        "checks": _results(explain(modified, language, params, doc.get("lid_score"))),
        "pii": [_digest(redacted), counts],
        "exact_key": exact_key(modified),
        "signature": None if sig is None else hashlib.sha1(sig).hexdigest()[:16],
    }


def measure_all(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for doc in docs:
        from core.languages import is_code

        langs = [doc["language"]] if is_code(doc["language"]) else [doc["language"], *OTHER_LANGUAGES]
        out[doc["locator"]] = {lang: measure(doc, lang) for lang in dict.fromkeys(langs)}
    return out


def record() -> None:
    """Identify the sample's languages once and write every value to ``EXPECTED``."""
    from core.languages import is_code
    from pipeline.lid_models import Identifier

    docs = sample_documents()
    text_docs = [d for d in docs if not is_code(d["language"])]
    results = Identifier.load().identify([d["text"] for d in text_docs], [d["language"] for d in text_docs])
    languages = {d["locator"]: {"language": d["language"]} for d in docs}
    for d, r in zip(text_docs, results, strict=True):
        languages[d["locator"]] = {"language": r.language, "lid_score": r.score}
    values = measure_all([{**d, **languages[d["locator"]]} for d in docs])
    data = json.dumps({"languages": languages, "values": values}, ensure_ascii=False, sort_keys=True, indent=0)
    EXPECTED.write_bytes(gzip.compress(data.encode("utf-8"), mtime=0))
    print(f"recorded {sum(len(v) for v in values.values())} measurements of {len(values)} documents in {EXPECTED}")


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(gzip.decompress(EXPECTED.read_bytes()))


def test_sample_documents_are_those_recorded(expected):
    assert sorted(d["locator"] for d in sample_documents()) == sorted(expected["languages"])


def test_every_filter_value_is_unchanged(expected):
    docs = [{**d, **expected["languages"][d["locator"]]} for d in sample_documents()]
    got = measure_all(docs)
    assert len(got) > 100 and sum(len(v) for v in got.values()) > 500
    mismatches = [(loc, lang, key) for loc, per_lang in expected["values"].items()
                  for lang, fields in per_lang.items() for key, value in fields.items()
                  if got[loc][lang][key] != value]
    assert not mismatches, f"{len(mismatches)} changed values, e.g. {mismatches[:5]}"
    assert got == expected["values"]


if __name__ == "__main__":
    if sys.argv[1:] == ["--record"]:
        record()
    else:
        print(__doc__)
