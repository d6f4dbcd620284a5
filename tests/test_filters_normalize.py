"""Text normalisation: mojibake repair, NFC, controls, ROOTS uniform whitespace."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from filters import normalize_batch


def norm(text: str) -> str:
    return normalize_batch([text])[0]


def test_mojibake_is_repaired() -> None:
    assert norm("The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.") == "The Mona Lisa doesn’t have eyebrows."
    assert norm("cafÃ© crÃ¨me") == "café crème"
    assert norm("ÐŸÑ€Ð¸Ð²ÐµÑ‚") == "Привет"


def test_conservative_typography_is_kept() -> None:
    text = "“Curly” ‘quotes’ – dash, ﬁ ligature, ｆｕｌｌ width, &amp; entity"
    assert norm(text) == text


def test_nfc() -> None:
    assert norm("e\u0301te\u0301") == "été"
    assert norm("क\u093c") == unicodedata.normalize("NFC", "क\u093c")


def test_controls_removed_newline_and_tab_kept() -> None:
    assert norm("a\x00b\x07c\td\x1be\x7ffg\ufeffh") == "abc\tdefgh"
    assert norm("ascii\x00\x1f\x7f only") == "ascii only"


def test_c1_controls_from_windows_1252_are_repaired() -> None:
    # Windows-1252 text decoded as Latin-1 leaves C1 controls where curly quotes were: ftfy restores them.
    assert norm("\x93quoted\x94 text") == "“quoted” text"


def test_uniform_whitespace() -> None:
    text = "  one\u00a0two\u3000three\u2009four  \r\nline two\t \n\n\n\n\nline three\u2028four\n\n"
    assert norm(text) == "one two three four\nline two\n\nline three\nfour"


def test_indentation_and_joiners_kept() -> None:
    assert norm("def f():\n    return 1\n") == "def f():\n    return 1"
    assert norm("می\u200cخواهم 👩\u200d💻") == "می\u200cخواهم 👩\u200d💻"


def test_batch_keeps_order_and_length() -> None:
    assert normalize_batch(["b ", " a", ""]) == ["b", "a", ""]


@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=300))
@settings(max_examples=200, deadline=None)
def test_normalize_never_crashes_and_is_clean(text: str) -> None:
    out = norm(text)
    out.encode("utf-8")  # no lone surrogates left
    assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in out)
    assert "\n\n\n" not in out and out == out.strip()
    assert norm(out) == out  # idempotent


# --- the cheap pre-check that lets most text skip ftfy must never skip something ftfy would repair -------------

_HIGH = bytes(range(0x80, 0x100))
_CODEC_CHARS = sorted(
    {
        c
        for enc in ("latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "macroman", "cp437")
        for c in _HIGH.decode(enc)
    }
)


@given(st.text(alphabet=st.sampled_from(_CODEC_CHARS + list("ab ?\x1a\ufffdéàđôЖжё")), max_size=40))
@settings(max_examples=400, deadline=None)
def test_mojibake_precheck_never_skips_a_repair(text: str) -> None:
    import ftfy

    from filters.normalize import _FTFY, may_have_mojibake

    if not may_have_mojibake(text):
        assert ftfy.fix_text(text, _FTFY) == text


@given(st.text(alphabet=st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF), min_size=1, max_size=20))
@settings(max_examples=300, deadline=None)
def test_mojibake_of_any_text_is_detected(text: str) -> None:
    from filters.normalize import may_have_mojibake

    raw = text.encode("utf-8")
    for enc in ("sloppy-windows-1252", "sloppy-windows-1251", "latin-1", "macroman"):
        try:
            broken = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        assert may_have_mojibake(broken), (text, enc, broken)


# --- ftfy is given only the lines the pre-check flags: the result must be ftfy's own on the whole text ----------

_TRICKY = [
    "plain line\ncafÃ© crÃ¨me on line two\nand a third, clean\n",  # mojibake on one line of three
    "doesnÃ¢â‚¬â„¢t\n\nÐŸÑ€Ð¸Ð²ÐµÑ‚\n",  # doubly encoded, then Cyrillic mojibake, with a blank line between
    "\x93quoted\x94\nnext",  # C1 controls (Windows-1252 read as Latin-1)
    "Ã\nÂ©",  # a lead byte at a line's end and a continuation on the next: never joined across the line break
    "The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.",  # one line, no line break
    "lossy: Ã? and Ã\x1a and â€ here\n",  # continuations lost as ? / SUB, or turned into a space
    "\ufffd replacement\nÃ© at the start\nend Ã©",
    "\ud83d\ude00 surrogates joined\nnext line",
    "é" * 50 + "\n" + "ascii " * 20 + "\n" + "Ã©" * 30,
    "\n\nÃ©\n\n",
    "Ã",  # a lone lead byte
    "«Ру́сский» язы́к — «Ві»\tΆρθρο ήΆ\nÀé Öä ┬─ ⌐¬",  # real text full of characters the pre-check looks at
]


def _whole_text_ftfy(text: str) -> str:
    import ftfy

    from filters.normalize import _FTFY

    return ftfy.fix_text(text, _FTFY)


def test_line_wise_ftfy_equals_ftfy_on_tricky_strings() -> None:
    from filters.normalize import _fix_encoding

    for text in _TRICKY:
        assert _fix_encoding(text) == _whole_text_ftfy(text), text


def test_batch_equals_text_by_text_on_tricky_strings() -> None:
    from filters.normalize import normalize_text

    # mojibake in the middle of a batch, at a text's very end / start (the joining "\n" must not join patterns),
    # texts that are not NFC, empty and blank texts
    batch = ["ascii only", *_TRICKY, "Ã", "©x", "e\u0301 not NFC", "", "  \n ", "Â", " end"]
    assert normalize_batch(batch) == [normalize_text(t) for t in batch]
    for i in range(len(batch)):  # every text alone and next to each other text
        assert normalize_batch(batch[i : i + 2]) == [normalize_text(t) for t in batch[i : i + 2]]


@given(st.lists(st.text(alphabet=st.sampled_from(_CODEC_CHARS + list("ab \n?\x1a\ufffdéЖ\u0301\x93")), max_size=30),
                max_size=6))
@settings(max_examples=300, deadline=None)
def test_batch_equals_text_by_text(texts: list[str]) -> None:
    from filters.normalize import normalize_text

    assert normalize_batch(texts) == [normalize_text(t) for t in texts]


def test_line_wise_ftfy_equals_ftfy_on_the_sample() -> None:
    from filters.normalize import _clean, _fix_encoding
    from manifests.schema import load_manifest
    from pipeline.ingest.plan import plan_units, read_unit
    from tests.test_filter_values import SAMPLE

    manifest = load_manifest(str(SAMPLE))
    texts = [_clean(rec["text"]) for unit in plan_units(manifest) for route, rec in read_unit(manifest, unit)
             if route == "kept"]
    assert len(texts) > 100
    flagged = 0
    for text in texts:
        fixed = _fix_encoding(text)
        assert fixed == _whole_text_ftfy(text)
        flagged += fixed is not text
    assert flagged  # some of the sample does go through ftfy


@given(st.lists(st.text(alphabet=st.sampled_from(_CODEC_CHARS + list("ab ?\x1a\ufffdéàЖ\t")), max_size=12),
                max_size=6))
@settings(max_examples=300, deadline=None)
def test_line_wise_ftfy_equals_ftfy(lines: list[str]) -> None:
    from filters.normalize import _fix_encoding

    text = "\n".join(lines)
    assert _fix_encoding(text) == _whole_text_ftfy(text)


def _clean_every_substitution(text: str) -> str:
    """``_clean`` as every substitution run unconditionally with ``regex`` (the reference for its pre-checks)."""
    import regex

    text = regex.sub(r"\r\n|[\r\x0b\x0c\u2028\u2029]", "\n", text)
    text = regex.sub(r"[\x00-\x08\x0e-\x1f\x7f\uFEFF]", "", text)
    text = regex.sub(r"[[\p{Zs}\uFFFC]--[ ]]", " ", text, flags=regex.V1)
    text = regex.sub(r"[ \t]+$", "", text, flags=regex.MULTILINE)
    return regex.sub(r"\n{3,}", "\n\n", text).strip()


@given(st.text(alphabet=st.sampled_from([*"ab \t\n\r", "\x0b", "\x0c", "\u2028", "\u2029", "\x00", "\x1f", "\x7f",
                                         "\ufeff", "\xa0", "\u3000", "\u2009", "\ufffc", "\u200b", "中", "é"]),
               max_size=60))
@settings(max_examples=400, deadline=None)
def test_clean_pre_checks_change_nothing(text: str) -> None:
    from filters.normalize import _clean

    assert _clean(text) == _clean_every_substitution(text)


def test_odd_spaces_are_regex_unicode_space_separators() -> None:
    """The standard-library class lists exactly the characters of ``regex``'s (Unicode Zs and U+FFFC, not " ")."""
    import regex

    from filters.normalize import _odd_spaces_re

    every = "".join(map(chr, range(0x110000)))
    assert _odd_spaces_re().findall(every) == regex.findall(r"[[\p{Zs}\uFFFC]--[ ]]", every, flags=regex.V1)


def _dense_mojibake_starts(cps):
    """The pre-check tested at every position (the reference for the sparse follow-up of possible first chars)."""
    import numpy as np

    from filters import normalize as nz

    f = nz._mojibake_table()[cps]
    n = len(f)
    hit = (f & nz._ALWAYS) != 0
    cont, tail, space = (f & nz._CONT) != 0, (f & nz._TAIL) != 0, cps == 0x20
    if n > 1:
        hit[:-1] |= (((f[:-1] & nz._LEAD2) != 0) & cont[1:]) | (((f[:-1] & nz._SPACE2) != 0) & space[1:])
    if n > 2:
        hit[:-2] |= ((f[:-2] & nz._LEAD3) != 0) & cont[1:-1] & tail[2:]
        hit[:-2] |= ((f[:-2] & nz._SPACE3) != 0) & space[1:-1] & cont[2:]
    if n > 3:
        hit[:-3] |= ((f[:-3] & nz._LEAD4) != 0) & cont[1:-2] & cont[2:-1] & tail[3:]
    return np.flatnonzero(hit)


@given(st.text(alphabet=st.sampled_from(_CODEC_CHARS + list("ab ?\x1a\ufffdéàЖ\t\n中")), max_size=30))
@settings(max_examples=400, deadline=None)
def test_sparse_mojibake_starts_are_the_dense_ones(text: str) -> None:
    from filters.normalize import _code_points, _mojibake_starts

    cps = _code_points(text)
    assert _mojibake_starts(cps).tolist() == _dense_mojibake_starts(cps).tolist()
