"""PII redaction: span-level precision and recall on the hand-labelled set, placeholders and counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from filters import PII_CATEGORIES, find_pii, redact_batch

LABELLED = Path(__file__).parent / "data" / "pii_labelled.jsonl"


def load_cases() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_spans(case: dict) -> set[tuple[str, int, int]]:
    """Labels are (category, substring[, occurrence]): every occurrence unless one is named."""
    text, spans = case["text"], set()
    for label in case["pii"]:
        category, sub = label[0], label[1]
        starts, i = [], text.find(sub)
        while i >= 0:
            starts.append(i)
            i = text.find(sub, i + 1)
        assert starts, f"label {sub!r} not in {text!r}"
        if len(label) > 2:
            starts = [starts[label[2]]]
        spans |= {(category, s, s + len(sub)) for s in starts}
    return spans


def test_labelled_set_is_large_and_varied() -> None:
    cases = load_cases()
    assert len(cases) >= 150
    labels = [lab[0] for c in cases for lab in c["pii"]]
    for category in PII_CATEGORIES:
        assert labels.count(category) >= 15, category
    assert sum(1 for c in cases if not c["pii"]) >= 60  # look-alikes that must stay


def test_span_precision_and_recall() -> None:
    tp = fp = fn = 0
    per_category = {c: [0, 0, 0] for c in PII_CATEGORIES}
    mistakes = []
    for case in load_cases():
        expected = expected_spans(case)
        found = {(s.category, s.start, s.end) for s in find_pii(case["text"])}
        for cat, *_ in expected & found:
            per_category[cat][0] += 1
        for cat, *_ in found - expected:
            per_category[cat][1] += 1
        for cat, *_ in expected - found:
            per_category[cat][2] += 1
        tp, fp, fn = tp + len(expected & found), fp + len(found - expected), fn + len(expected - found)
        if expected != found:
            mistakes.append((case["note"], sorted(expected - found), sorted(found - expected)))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nPII spans: precision {precision:.3f} recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})")
    for cat, (t, f, n) in per_category.items():
        print(f"  {cat:<11} tp {t:3d} fp {f:3d} fn {n:3d}")
    for m in mistakes:
        print("  mistake:", m)
    assert precision >= 0.95 and recall >= 0.95


SCRIPTS = ("Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Bengali", "Thai", "Han", "Hangul",
           "Katakana")


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_script_has_labelled_addresses_and_handles_found(script: str) -> None:
    """Every script we claim to support has labelled e-mail addresses or handles written in it, and all are found."""
    import regex

    in_script = regex.compile(rf"\p{{{script}}}")
    cases = [c for c in load_cases()
             if any(lab[0] in ("EMAIL", "USER") and in_script.search(lab[1]) for lab in c["pii"])]
    assert cases, script
    for case in cases:
        assert expected_spans(case) <= {(s.category, s.start, s.end) for s in find_pii(case["text"])}, case["note"]


def test_cards_and_ibans_need_their_checksums() -> None:
    from filters.pii import is_card_number

    assert is_card_number("4111111111111111") and not is_card_number("4111111111111112")
    assert not is_card_number("9111111111111111")  # Luhn-valid shape without a card scheme's prefix
    text = "IBAN DE89 3704 0044 0532 0130 00 / DE88 3704 0044 0532 0130 00"
    assert [text[s.start : s.end] for s in find_pii(text)] == ["DE89 3704 0044 0532 0130 00"]


def test_redact_batch_placeholders_and_counts() -> None:
    texts = [
        "Mail john@example.com or @john_doe from 10.0.0.5 with key a1B2c3D4e5F6g7H8i9J0k1L2.",
        "nothing to see here, version 1.2.3.4",
        "二个邮箱：a@example.com，b@example.org",
    ]
    out = redact_batch(texts)
    assert out[0] == (
        "Mail PI:EMAIL or PI:USER from PI:IP_ADDRESS with key PI:KEY.",
        {"EMAIL": 1, "USER": 1, "IP_ADDRESS": 1, "KEY": 1, "CREDIT_CARD": 0, "IBAN": 0},
    )
    assert out[1] == (texts[1], dict.fromkeys(PII_CATEGORIES, 0))
    assert out[2] == ("二个邮箱：PI:EMAIL，PI:EMAIL", {**dict.fromkeys(PII_CATEGORIES, 0), "EMAIL": 2})


def test_phone_numbers_and_ids_are_not_redacted() -> None:
    text = "Call +44 20 7946 0958 or 555-123-4567; passport 123456789; order 2023051200042"
    assert redact_batch([text])[0][0] == text


@pytest.mark.parametrize(
    ("text", "category"),
    [("ip 192.168.1.1", "IP_ADDRESS"), ("ip 2001:db8::1", "IP_ADDRESS"), ("x user@mail.example.com", "EMAIL")],
)
def test_single_items(text: str, category: str) -> None:
    [span] = find_pii(text)
    assert span.category == category and text[span.end :] == ""


@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=300))
@settings(max_examples=200, deadline=None)
def test_redaction_never_crashes_and_spans_do_not_overlap(text: str) -> None:
    spans = find_pii(text)
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start
    redacted, counts = redact_batch([text])[0]
    assert sum(counts.values()) == len(spans)


@given(st.lists(st.sampled_from(["a@b.co", "@jo_hn", "8.8.8.8", " ", "x", "版本", "1.2", "::1", "q9Z8x7C6v5B4n3M2"])))
@settings(max_examples=200, deadline=None)
def test_redaction_is_idempotent(parts: list[str]) -> None:
    once = redact_batch(["".join(parts)])[0][0]
    assert redact_batch([once])[0] == (once, dict.fromkeys(PII_CATEGORIES, 0))


def _key_like_by_counts(token: str) -> bool:
    """The KEY rule written out: a 12+ character segment with >= 2 letters, >= 2 digits, >= 3 alternations."""
    if regex.fullmatch(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}", token):
        return False
    for seg in regex.findall(r"[A-Za-z0-9+/=]{12,}", token):
        digits = sum(c.isdigit() for c in seg)
        letters = sum(c.isalpha() for c in seg)
        pairs = zip(seg, seg[1:], strict=False)
        switches = sum(a.isalpha() != b.isalpha() for a, b in pairs if a.isalnum() and b.isalnum())
        if digits >= 2 and letters >= 2 and switches >= 3:
            return True
    return False


@given(st.text(alphabet=st.sampled_from(list("aZ09+/=_-.x7")), max_size=40))
@settings(max_examples=500, deadline=None)
def test_key_rule_needs_no_letter_and_digit_counts(token: str) -> None:
    from filters.pii import is_key_like

    assert is_key_like(token) == _key_like_by_counts(token)


_PII_PARTS = ["4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005", "DE89 3704 0044 0532 0130 00",
              "GB82WEST12345698765432", "192.168.1.1", "10.0.0.255", "q9Z8x7C6v5B4n3M2", "a1b2c3d4e5f6", "PI:", "=",
              "/", ".", "-", "@x", " ", "\n", "7", "٣", "１", "A", "Z", "x", "版本", "version "]


@given(st.lists(st.lists(st.sampled_from(_PII_PARTS), max_size=12).map("".join), max_size=6))
@settings(max_examples=300, deadline=None)
def test_batch_prefilter_finds_what_every_pattern_finds(texts: list[str]) -> None:
    """``redact_batch`` skips the patterns its numpy conditions rule out: the same spans as running them all."""
    from filters.pii import _MAY_ALL, _may_hold, redact

    assert redact_batch(texts) == [redact(t, _MAY_ALL) for t in texts]
    for t, may in zip(texts, _may_hold(texts), strict=True):
        assert find_pii(t, may) == find_pii(t)


def test_batch_prefilter_on_the_labelled_set() -> None:
    from filters.pii import _MAY_ALL, redact

    texts = [case["text"] for case in load_cases()]
    assert redact_batch(texts) == [redact(t, _MAY_ALL) for t in texts]
