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
import unicodedata
from collections.abc import Sequence

import ftfy
import ftfy.chardata
import numpy as np
import regex

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


def _clean(text: str) -> str:
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROLS.sub("", text)
    if not text.isascii():
        text = _ODD_SPACES.sub(" ", text)
    text = _TRAILING.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _chars_of(byte_values: range) -> list[int]:
    """Code points that ``byte_values`` decode to in any single-byte encoding ftfy undoes."""
    raw = bytes(byte_values)
    return sorted({ord(c) for enc in ftfy.chardata.CHARMAP_ENCODINGS for c in raw.decode(enc)})


@functools.cache
def _mojibake_tables() -> dict[str, np.ndarray]:
    """Lookup tables for a cheap, conservative pre-check of "could ftfy change this text?".

    UTF-8 mojibake is a UTF-8 lead byte (0xC2-0xF4) decoded by a single-byte codec followed by its 1-3
    continuation bytes (0x80-0xBF) decoded the same way; in the damaged forms ftfy also repairs, a continuation
    became ``?`` or 0x1A (LOSSY_UTF8_RE), or a space (ALTERED_UTF8_RE: right after bytes C2 C3 C5 CE D0 D9; after
    E2 E3 F0 only when a continuation follows the space). ftfy's other repairs need C1 controls, surrogates or
    U+FFFD. A text with none of these is left unchanged by ftfy, so it skips the costly call
    (``tests/test_filters_normalize.py`` checks this against ftfy itself).
    """
    size = 0x110000
    names = ("lead2", "lead3", "lead4", "cont", "tail", "space2", "space3", "always")
    t = {name: np.zeros(size, dtype=bool) for name in names}
    t["lead2"][_chars_of(range(0xC2, 0xE0))] = True
    t["lead3"][_chars_of(range(0xE0, 0xF0))] = True
    t["lead4"][_chars_of(range(0xF0, 0xF5))] = True
    t["cont"][_chars_of(range(0x80, 0xC0))] = True
    t["cont"][[ord("?"), 0x1A]] = True
    t["tail"][:] = t["cont"]  # the last byte of a 3/4-byte sequence may also have become a space
    t["tail"][0x20] = True
    for b in (0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9):
        t["space2"][_chars_of(range(b, b + 1))] = True
    for b in (0xE2, 0xE3, 0xF0):
        t["space3"][_chars_of(range(b, b + 1))] = True
    t["always"][0x80:0xA0] = True
    t["always"][0xD800:0xE000] = True
    t["always"][[0xFFFD, 0x1A]] = True
    return t


def may_have_mojibake(text: str) -> bool:
    """Whether ftfy could change ``text`` (False is certain; True only means "ask ftfy")."""
    t = _mojibake_tables()
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if t["always"][cps].any():
        return True
    first, second = cps[:-1], cps[1:]
    cont = t["cont"][cps]
    if (t["lead2"][first] & cont[1:]).any():
        return True
    if len(cps) > 2 and (t["lead3"][cps[:-2]] & cont[1:-1] & t["tail"][cps[2:]]).any():
        return True
    if len(cps) > 3 and (t["lead4"][cps[:-3]] & cont[1:-2] & cont[2:-1] & t["tail"][cps[3:]]).any():
        return True
    space = second == 0x20
    if (space & t["space2"][first]).any():
        return True
    return bool((space[:-1] & t["space3"][first[:-1]] & t["cont"][cps[2:]]).any())


def _repair(text: str) -> str:
    if text.isascii():
        return text
    if may_have_mojibake(text):
        text = _AFTER_FTFY.sub("", ftfy.fix_text(text, _FTFY))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def normalize_text(text: str) -> str:
    """Normalise one document (see the module docstring). Idempotent: normalising twice changes nothing."""
    text = _clean(text)
    for _ in range(4):  # repairing can expose controls, removing them can join mojibake: repeat until stable
        repaired = _repair(text)
        if repaired == text:
            break
        text = _clean(repaired)
    return text


def normalize_batch(texts: Sequence[str]) -> list[str]:
    """Normalise a batch of documents."""
    return [normalize_text(t) for t in texts]


#: a document with nothing but whitespace, format (zero-width) and control characters is empty
_VISIBLE = regex.compile(r"[^\s\p{Cf}\p{Cc}]")


def is_empty_text(text: str) -> bool:
    """True when ``text`` has no visible character (only whitespace, format and control characters): such a
    document is removed as ``empty`` after normalisation."""
    return _VISIBLE.search(text) is None
