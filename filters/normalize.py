"""Text normalisation before language ID and filtering.

Broken-encoding repair with ``ftfy`` (mojibake only: no quote uncurling, no NFKC, no HTML unescaping, no
width or ligature changes, so the text's own typography survives), Unicode NFC; and cleaning: line breaks
unified to ``\\n``, control characters removed (``\\n`` and ``\\t`` kept), and ROOTS' uniform whitespace: odd
Unicode spaces (NBSP, ideographic space, U+FFFC...) become ``" "``, trailing spaces of every line are stripped,
runs of blank lines collapse to one blank line, and the text is stripped. Leading indentation is kept (code goes
through here too). Zero-width joiners and other format characters are kept: they are part of Indic, Persian and
emoji spelling.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

import ftfy
import ftfy.chardata
import numpy as np
import regex

from filters.text import _every_char

_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)

_LINE_BREAKS = regex.compile(r"\r\n|[\r\x0b\x0c\u2028\u2029]")
# C0 controls except \t \n, DEL and the BOM / zero-width no-break space. C1 controls and surrogates are left to
# ftfy first (C1 are usually Windows-1252 punctuation decoded as Latin-1; surrogate pairs are joined) and whatever
# remains is removed after it.
_CONTROLS = regex.compile(r"[\x00-\x08\x0e-\x1f\x7f\uFEFF]")
_AFTER_FTFY = regex.compile(r"[\x80-\x9f\p{Cs}]")
_ODD_SPACES = regex.compile(r"[[\p{Zs}\uFFFC]--[ ]]", regex.V1)
_TRAILING = regex.compile(r"[ \t]+$", regex.MULTILINE)
_BLANK_RUNS = regex.compile(r"\n{3,}")


# The same classes for the standard library engine, which scans for a character class several times faster than
# ``regex`` (the odd spaces are listed from ``regex``'s own Unicode tables, so both engines agree).
_CONTROLS_RE = re.compile(_CONTROLS.pattern)


@functools.cache
def _odd_spaces_re() -> re.Pattern[str]:
    """The odd spaces as a ``re`` class, found by running ``regex`` over every code point once per process."""
    return re.compile("[" + "".join(map(re.escape, _ODD_SPACES.findall(_every_char()))) + "]")


def _clean(text: str) -> str:
    """Line breaks, controls, odd spaces, trailing spaces and blank-line runs (see the module docstring). Each
    substitution runs only where ``str`` membership tests (which are memchr-fast) say it has something to do."""
    if "\r" in text or "\x0b" in text or "\x0c" in text or "\u2028" in text or "\u2029" in text:
        text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROLS_RE.sub("", text)
    if not text.isascii():
        text = _odd_spaces_re().sub(" ", text)
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):  # a line ends in a space or tab
        text = _TRAILING.sub("", text)
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


def _chars_of(byte_values: range) -> list[int]:
    """Code points that ``byte_values`` decode to in any single-byte encoding ftfy undoes."""
    raw = bytes(byte_values)
    return sorted({ord(c) for enc in ftfy.chardata.CHARMAP_ENCODINGS for c in raw.decode(enc)})


# bits of the pre-check's lookup table (one byte per code point)
_LEAD2, _LEAD3, _LEAD4, _CONT, _TAIL, _SPACE2, _SPACE3, _ALWAYS = (1 << i for i in range(8))
_FIRST = _LEAD2 | _LEAD3 | _LEAD4 | _SPACE2 | _SPACE3  # what a pattern of two or more characters starts with


@functools.cache
def _mojibake_table() -> np.ndarray:
    """One byte of flags per code point, for a cheap, conservative pre-check of "could ftfy change this text?".

    UTF-8 mojibake is a UTF-8 lead byte (0xC2-0xF4) decoded by a single-byte codec followed by its 1-3
    continuation bytes (0x80-0xBF) decoded the same way; in the damaged forms ftfy also repairs, a continuation
    became ``?`` or 0x1A (LOSSY_UTF8_RE), or a space (ALTERED_UTF8_RE: right after bytes C2 C3 C5 CE D0 D9; after
    E2 E3 F0 only when a continuation follows the space). ftfy's other repairs need C1 controls, surrogates or
    U+FFFD. A text with none of these is left unchanged by ftfy, so it skips the costly call
    (``tests/test_filters_normalize.py`` checks this against ftfy itself). The flags share one table so that a
    text is looked up once (one gather), not once per flag.
    """
    t = np.zeros(0x110000, dtype=np.uint8)
    t[_chars_of(range(0xC2, 0xE0))] |= _LEAD2
    t[_chars_of(range(0xE0, 0xF0))] |= _LEAD3
    t[_chars_of(range(0xF0, 0xF5))] |= _LEAD4
    t[_chars_of(range(0x80, 0xC0))] |= _CONT | _TAIL  # the last byte of a 3/4-byte sequence may also be a space
    t[[ord("?"), 0x1A]] |= _CONT | _TAIL
    t[0x20] |= _TAIL
    for b in (0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9):
        t[_chars_of(range(b, b + 1))] |= _SPACE2
    for b in (0xE2, 0xE3, 0xF0):
        t[_chars_of(range(b, b + 1))] |= _SPACE3
    t[0x80:0xA0] |= _ALWAYS
    t[0xD800:0xE000] |= _ALWAYS
    t[[0xFFFD, 0x1A]] |= _ALWAYS
    return t


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _mojibake_starts(cps: np.ndarray) -> np.ndarray:
    """Positions in ``cps`` where a pattern ftfy could repair may start (see :func:`_mojibake_table`).

    Every pattern is at most four code points and none contains ``\n``, so each lies within one line. Only the
    positions holding a possible first character are followed up (gathers of the next three flags), which in
    most text is none at all (CJK, Khmer) or a few (German umlauts): cheaper than testing every position."""
    f = _mojibake_table()[cps]
    always = np.flatnonzero(f & _ALWAYS)
    idx = np.flatnonzero(f & _FIRST)
    if not len(idx):
        return always
    pad = np.zeros(3, dtype=np.uint8)  # past the end: no flag, no space
    g = np.concatenate((f, pad))
    space = np.concatenate((cps == 0x20, pad.astype(bool)))
    lead = f[idx]
    f1, f2, f3 = g[idx + 1], g[idx + 2], g[idx + 3]
    cont1, cont2 = (f1 & _CONT) != 0, (f2 & _CONT) != 0
    s1 = space[idx + 1]
    hit = ((lead & _LEAD2) != 0) & cont1
    hit |= ((lead & _SPACE2) != 0) & s1
    hit |= ((lead & _LEAD3) != 0) & cont1 & ((f2 & _TAIL) != 0)
    hit |= ((lead & _SPACE3) != 0) & s1 & cont2
    hit |= ((lead & _LEAD4) != 0) & cont1 & cont2 & ((f3 & _TAIL) != 0)
    starts = idx[hit]
    return np.union1d(always, starts) if len(always) else starts


def may_have_mojibake(text: str) -> bool:
    """Whether ftfy could change ``text`` (False is certain; True only means "ask ftfy")."""
    return len(_mojibake_starts(_code_points(text))) > 0


def _fix_encoding(text: str) -> str:
    """``ftfy.fix_text(text, _FTFY)``, calling ftfy only on the lines that may hold mojibake.

    ftfy fixes each line (up to and including its ``\n``) on its own, and leaves a line without any pre-check
    pattern unchanged; a pattern never spans lines. So only the flagged lines are given to ftfy, with the same
    result: on real text a document with mojibake (or a false alarm) has it on few of its lines, and ftfy's
    per-line cost was most of normalisation (1.7 -> 0.75 CPU s on a shard of the real-text benchmark corpus).
    """
    cps = _code_points(text)
    starts = _mojibake_starts(cps)
    if not len(starts):
        return text
    line_ends = np.flatnonzero(cps == 0x0A)  # a line is text[prev end + 1 : end + 1]
    flagged = np.unique(np.searchsorted(line_ends, starts))  # line number of each hit (a line ends at its \n)
    out, pos = [], 0
    for line in flagged.tolist():
        begin = int(line_ends[line - 1]) + 1 if line else 0
        end = int(line_ends[line]) + 1 if line < len(line_ends) else len(text)
        out.append(text[pos:begin])
        out.append(ftfy.fix_text(text[begin:end], _FTFY))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _repair(text: str) -> str:
    if text.isascii():
        return text
    fixed = _fix_encoding(text)
    if fixed is not text:
        text = _AFTER_FTFY.sub("", fixed)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def normalize_text(text: str) -> str:
    """Normalise one document (see the module docstring). Idempotent: normalising twice changes nothing."""
    return _normalize_cleaned(_clean(text))


def _normalize_cleaned(text: str) -> str:
    """:func:`normalize_text` of a text already given to :func:`_clean`: repaired and cleaned until stable."""
    for _ in range(4):  # repairing can expose controls, removing them can join mojibake: repeat until stable
        repaired = _repair(text)
        if repaired == text:
            break
        text = _clean(repaired)
    return text


def _may_have_mojibake_batch(texts: Sequence[str]) -> list[bool]:
    """``[may_have_mojibake(t) for t in texts]``, with one pre-check over the texts joined by ``\\n`` (no pattern
    spans a line, so none spans two texts): the per-text numpy calls cost more than the look-ups on short texts."""
    if not texts:
        return []
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1  # each text and its "\n"
    starts = _mojibake_starts(_code_points("\n".join(texts)))
    flagged = np.zeros(len(texts), dtype=bool)
    flagged[np.searchsorted(np.cumsum(sizes), starts, side="right")] = True
    return flagged.tolist()


def normalize_batch(texts: Sequence[str]) -> list[str]:
    """Normalise a batch of documents: ``[normalize_text(t) for t in texts]``. A text that, once cleaned, ftfy
    would leave as it is and that is already NFC is done after its first clean, which is what
    :func:`normalize_text` finds too; the pre-check that tells ftfy's texts apart runs once for the batch (text by
    text, that check was a third of normalisation's time; batched it is 3x cheaper, and normalisation on the
    real-text bench corpus takes about a fifth less)."""
    cleaned = [_clean(t) for t in texts]
    suspects = _may_have_mojibake_batch(cleaned)
    return [_normalize_cleaned(c) if suspect or not unicodedata.is_normalized("NFC", c) else c
            for c, suspect in zip(cleaned, suspects, strict=True)]


#: a document with nothing but whitespace, format (zero-width) and control characters is empty
_VISIBLE = regex.compile(r"[^\s\p{Cf}\p{Cc}]")


def is_empty_text(text: str) -> bool:
    """True when ``text`` has no visible character (only whitespace, format and control characters): such a
    document is removed as ``empty`` after normalisation."""
    return _VISIBLE.search(text) is None
