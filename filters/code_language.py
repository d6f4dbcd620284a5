"""The programming language of a file whose extension is ambiguous, from its content (GitHub linguist's way).

The Stack's extension map calls every ``.h`` file C, but in C++ projects most ``.h`` files are C++ headers, so the
C/C++ shares of a corpus come out wrong. Like linguist's ``heuristics.yml``, we look for constructs that only one
of the candidate languages has, after removing comments, string literals and ``#ifdef __cplusplus`` blocks (C
headers carry ``extern "C"`` wrappers and sometimes C++ conveniences for C++ callers: still C headers):

* C++ markers: ``class``/``namespace``/``using``/``template <``, access specifiers, ``std::`` and other qualified
  names (``::``), ``constexpr``, ``try``/``catch``, ``operator``, references to C++ standard headers (``<iostream>``,
  ``<vector>``...), ``nullptr``, ``virtual``.
* ``.inc``: PHP when it opens a PHP tag, C++ on C++ markers, C on preprocessor or C declarations, otherwise not
  code (Pascal, assembly, POV-Ray and BitBake also use ``.inc``).
* ``.tpl``: PHP when it holds PHP tags; Smarty / Go templates are not code of the 13 languages.

The extension map stays the fallback: a ``.h`` file with no C++ marker is C.
"""

from __future__ import annotations

import regex

#: extensions decided by content, and the language the extension map gives (``None``: not code by extension)
AMBIGUOUS: dict[str, str | None] = {".h": "c", ".inc": None, ".tpl": None}

#: bytes of a file that the heuristics read: the markers of a header appear early, and this bounds the cost
SCAN_CHARS = 64 * 1024

_COMMENTS_AND_STRINGS = regex.compile(
    r"""//[^\n]*|/\*.*?(?:\*/|\Z)|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'""", regex.S)
_CPLUSPLUS_BLOCK = regex.compile(
    r"^[ \t]*#[ \t]*(?:ifdef|if|elif)\b(?![^\n]*!\s*defined\s*\(?\s*__cplusplus)[^\n]*__cplusplus[^\n]*"
    r"(?:[^#]|#(?![ \t]*(?:else|elif|endif)))*", regex.M)

_CPP_MARKERS = regex.compile(
    r"^[ \t]*#[ \t]*include[ \t]*<[a-z_]+>"  # C++ standard headers have no extension (<vector>), C's end in .h
    r"|^[ \t]*template[ \t]*<"
    r"|\[\[(?:nodiscard|maybe_unused|deprecated|noreturn|fallthrough|likely|unlikely)\b"
    r"|^[ \t]*class[ \t]+(?:[A-Z_][A-Z0-9_]*[ \t]+)?\w+[ \t]*(?:final\b[ \t]*)?(?::|\{|;|$)"
    r"|^[ \t]*struct[ \t]+(?:[A-Z_][A-Z0-9_]*[ \t]+)?\w+[ \t]*(?:final\b[ \t]*)?:[ \t]*\w"  # base class
    r"|^[ \t]*(?:using[ \t]+)?namespace(?:[ \t]+[\w:]+)?[ \t]*(?:\{|=|;|$)"
    r"|^[ \t]*using[ \t]+\w+[ \t]*="
    r"|^[ \t]*(?:private|public|protected)[ \t]*:"
    r"|\bstd::\w"
    r"|\b\w+::~?\w+"
    r"|\b(?:constexpr|nullptr|noexcept|static_assert|decltype|static_cast|reinterpret_cast|dynamic_cast|const_cast)\b"
    r"|^[ \t]*(?:try|catch[ \t]*\()"
    r"|\boperator[ \t]*(?:[-+*/%^&|~!=<>]=?|\(\)|\[\]|<<|>>|new\b|delete\b|\w+[ \t]*\()"
    r"|^[ \t]*virtual\b"
    r"|^[ \t]*#[ \t]*include[ \t]*[<\"][^>\"]+\.(?:hpp|hh|hxx|h\+\+|tcc)[>\"]",
    regex.M)
_PHP_OPEN = regex.compile(r"<\?(?:php\b|=)", regex.I)
_C_MARKERS = regex.compile(
    r"^[ \t]*#[ \t]*(?:include|define|ifndef|ifdef|if|pragma)\b"
    r"|^[ \t]*(?:typedef|struct|enum|union|extern|static)\b[^;{]*[;{]",
    regex.M)


def _code_only(text: str) -> str:
    """``text`` without comments, string/char literals and ``#ifdef __cplusplus`` blocks."""
    text = _COMMENTS_AND_STRINGS.sub(" ", text[:SCAN_CHARS])
    return _CPLUSPLUS_BLOCK.sub("", text)


def is_cpp(text: str) -> bool:
    """True when a C-family source shows a construct only C++ has (comments and strings do not count)."""
    return _CPP_MARKERS.search(_code_only(text)) is not None


def ambiguous_extension(path: str) -> str | None:
    """The ambiguous extension of ``path`` (``.h``, ``.inc``, ``.tpl``; case-sensitive, as the map is), else None."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    dot = name.rfind(".")
    if dot <= 0:
        return None
    ext = name[dot:]
    return ext if ext in AMBIGUOUS else None


def language_from_content(path: str, text: str) -> str | None:
    """The language of a file with an ambiguous extension, from its text; ``None`` when it is none of ours.

    For any other extension, returns ``None`` (the caller keeps what the extension map said)."""
    ext = ambiguous_extension(path)
    if ext is None:
        return None
    if ext == ".h":
        return "cpp" if is_cpp(text) else "c"
    if _PHP_OPEN.search(text[:SCAN_CHARS]):
        return "php"
    if ext == ".inc":
        code = _code_only(text)
        if _CPP_MARKERS.search(code):
            return "cpp"
        if _C_MARKERS.search(code):
            return "c"
    return None
