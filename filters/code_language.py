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

A ``.h`` file is *decided* by its content when it shows a C++ marker (C++) or decisive C evidence (C), and
*undecided* when it holds only what both languages share: macros, includes, typedefs, struct declarations and
prototypes (config, export and version headers are all of that). Decisive C evidence is what a C++ compiler would
not take or what only a header written for C compilers has:

* an ``extern "C"`` wrapper under ``#ifdef __cplusplus`` or a ``BEGIN_DECLS``-style macro (``G_BEGIN_DECLS``,
  ``__BEGIN_DECLS``): the header is written for C compilers, with C linkage for C++ callers;
* C-only keywords: ``restrict``, ``_Bool``, ``_Generic``, ``_Static_assert``, ``_Noreturn``, ``_Atomic``,
  ``_Thread_local``, ``_Alignas``, ``_Complex``...;
* C++ keywords as names (``struct list *new``, ``char *class``); C99 compound literals ``(struct x){...}``;
  designated initialisers ``{ .x = 1 }``.

An undecided header takes the language of its *project* (``project_language``): the nearest enclosing folder, up to
the dump's root, whose other files lean one way. Strong votes are source file names (``.c`` against
``.cpp``/``.cc``/``.cxx``...) and the content decisions of other headers; weak votes, heard where the strong ones tie,
are C++-only header names (``.hpp``...) and undecided headers that declare C-style things. The extension map is the
last fallback: undecided and no project evidence is C.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

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
    r"|^[ \t]*extern[ \t]*\{"  # extern "C" { outside #ifdef __cplusplus: only a C++ compiler takes it
    r"|^[ \t]*#[ \t]*include[ \t]*[<\"][^>\"]+\.(?:hpp|hh|hxx|h\+\+|tcc)[>\"]",
    regex.M)
_PHP_OPEN = regex.compile(r"<\?(?:php\b|=)", regex.I)
_C_MARKERS = regex.compile(
    r"^[ \t]*#[ \t]*(?:include|define|ifndef|ifdef|if|pragma)\b"
    r"|^[ \t]*(?:typedef|struct|enum|union|extern|static)\b[^;{]*[;{]",
    regex.M)


#: ``#ifdef __cplusplus`` / ``extern "C" {`` (read after strings are blanked: ``"C"`` is gone) or a macro for it
_C_LINKAGE = regex.compile(
    r"^[ \t]*#[ \t]*(?:ifdef|if)\b[^\n]*__cplusplus[^\n]*\n(?:[ \t]*\n)*[ \t]*extern[ \t]*\{"
    r"|^[ \t]*\w*BEGIN_DECLS[ \t]*$", regex.M)
_C_ONLY = regex.compile(
    r"\b(?:restrict|_Bool|_Generic|_Static_assert|_Noreturn|_Atomic|_Thread_local|_Alignas|_Alignof|_Complex"
    r"|_Imaginary)\b"
    r"|\b(?:char|short|int|long|unsigned|signed|void|float|double|size_t|(?:struct|union|enum)[ \t]+\w+)"
    r"[ \t]*\**[ \t]*\b(?:new|delete|class|this|template|typename|namespace|private|public|protected|virtual"
    r"|friend|operator|explicit|mutable)[ \t]*[,;)\[=]"
    r"|\([ \t]*(?:struct|union)[ \t]+\w+[ \t]*\)[ \t]*\{"
    r"|[{,][ \t\n]*\.[A-Za-z_]\w*[ \t]*=[^=]")
#: C++-only header names: a weak vote for C++ (C libraries ship C++ wrappers, such as Lua's ``lua.hpp``)
CPP_HEADER_NAMES = frozenset((".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tcc"))
#: extensions that name the project's language from the file name alone (sources and C++-only headers)
SOURCE_VOTES: dict[str, str] = {
    ".c": "c",
    **dict.fromkeys((".cc", ".cpp", ".cxx", ".c++", ".cp", ".cppm", ".ixx", *CPP_HEADER_NAMES), "cpp"),
}


def _code_only(text: str) -> str:
    """``text`` without comments, string/char literals and ``#ifdef __cplusplus`` blocks."""
    return _CPLUSPLUS_BLOCK.sub("", _without_comments_and_strings(text))


def is_cpp(text: str) -> bool:
    """True when a C-family source shows a construct only C++ has (comments and strings do not count)."""
    return _CPP_MARKERS.search(_code_only(text)) is not None


def _without_comments_and_strings(text: str) -> str:
    return _COMMENTS_AND_STRINGS.sub(" ", text[:SCAN_CHARS])


def header_evidence(text: str) -> str | None:
    """What a ``.h`` file's content alone says: ``"cpp"`` (a C++ marker), ``"c"`` (decisive C evidence, see the
    module docstring) or ``None`` (undecided: only what C and C++ share). C++ markers win: a C++ header may use C
    constructs, a C header has no C++ outside its ``#ifdef __cplusplus`` blocks."""
    bare = _without_comments_and_strings(text)
    code = _CPLUSPLUS_BLOCK.sub("", bare)
    if _CPP_MARKERS.search(code):
        return "cpp"
    if _C_LINKAGE.search(bare) or _C_ONLY.search(code):
        return "c"
    return None


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
        return header_evidence(text) or AMBIGUOUS[".h"]
    if _PHP_OPEN.search(text[:SCAN_CHARS]):
        return "php"
    if ext == ".inc":
        code = _code_only(text)
        if _CPP_MARKERS.search(code):
            return "cpp"
        if _C_MARKERS.search(code):
            return "c"
    return None


# ----------------------------------------------------------------------------------------------- the project rule
#: how many files of a folder tree speak for ``(C, C++, weakly C, weakly C++)``
Counts = tuple[int, int, int, int]
NO_COUNTS: Counts = (0, 0, 0, 0)
_PREPROCESSOR_LINE = regex.compile(r"^[ \t]*#(?:\\\n|[^\n])*", regex.M)


def declares(text: str) -> bool:
    """True when a header holds more than preprocessor lines (and comments): declarations, typedefs, prototypes.
    An undecided header that declares C-style things without any C++ leans to C, weakly (``file_counts``)."""
    return bool(_PREPROCESSOR_LINE.sub("", _code_only(text)).strip())


def _parts(path: str) -> list[str]:
    """The names of ``path`` inside its dump: ``\\`` is a separator, and empty or ``.`` names are dropped (an
    archive's ``./src/a.h`` and ``src/a.h`` are one file)."""
    return [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]


def folders_of(path: str) -> list[str]:
    """The folders that enclose ``path`` inside its dump, nearest first, ending with the dump's root ``""``."""
    parts = _parts(path)[:-1]
    return ["/".join(parts[:n]) for n in range(len(parts), -1, -1)]


def file_counts(path: str, decision: str | None = None, declares_something: bool = False) -> Counts | None:
    """What one file says about its project's language, ``None`` for nothing.

    Strong votes: a C or C++ source by name (``.c`` against ``.cpp``/``.cc``/``.cxx``...) and a ``.h`` file decided
    by its content (``decision``, from ``header_evidence``). Weak votes, heard only where no strong vote decides: a
    C++-only header name (``.hpp``/``.hh``...; C libraries ship C++ wrappers such as Lua's ``lua.hpp``) and an
    undecided ``.h`` that declares something (C-style declarations with no C++ at all)."""
    parts = _parts(path)
    name = parts[-1] if parts else ""
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 else ""
    if ext == ".h":
        if decision in ("c", "cpp"):
            return (1, 0, 0, 0) if decision == "c" else (0, 1, 0, 0)
        return (0, 0, 1, 0) if declares_something else None
    vote = SOURCE_VOTES.get(ext)
    if vote is None:
        return None
    if ext in CPP_HEADER_NAMES:
        return 0, 0, 0, 1
    return (1, 0, 0, 0) if vote == "c" else (0, 1, 0, 0)


def add_counts(values: Iterable[Counts]) -> Counts:
    """The sum of several files' or folders' counts (a Beam ``CombinePerKey`` function: associative, commutative)."""
    c = cpp = weak_c = weak_cpp = 0
    for a, b, wa, wb in values:
        c, cpp, weak_c, weak_cpp = c + a, cpp + b, weak_c + wa, weak_cpp + wb
    return c, cpp, weak_c, weak_cpp


def project_language(path: str, counts: Callable[[str], Counts | None], own: Counts | None = None) -> str | None:
    """The language of the project of an undecided header at ``path``; ``None`` when nothing leans either way (then
    the extension map decides: C).

    ``counts(folder)`` sums the votes of every file in that folder's tree (``own``, the header's own vote, is taken
    out: the other files decide). The enclosing folders are walked nearest first, up to the dump's root; the first
    that leans decides: by its strong votes unless they tie, else by its weak votes. Nearest first keeps a dump of
    many projects apart: a project's own files decide before the dump's root, where all projects meet."""
    own = own or NO_COUNTS
    folders = [tuple(n - o for n, o in zip(counts(f) or NO_COUNTS, own, strict=True)) for f in folders_of(path)]
    for votes in folders:
        for first in (0, 2):
            c, cpp = votes[first], votes[first + 1]
            if c != cpp:
                return "c" if c > cpp else "cpp"
    return None


def folder_counts(votes: Iterable[tuple[str, Counts | None]]) -> dict[str, Counts]:
    """``{folder: counts}`` of a whole dump in memory from ``(path, file_counts)`` pairs, every file counting in
    each folder that encloses it (what the pipeline computes with a ``CombinePerKey``; for tests and benchmarks)."""
    table: dict[str, Counts] = {}
    for path, vote in votes:
        if vote is None:
            continue
        for folder in folders_of(path):
            table[folder] = add_counts((table.get(folder, NO_COUNTS), vote))
    return table


def project_languages(files: Mapping[str, str]) -> dict[str, str]:
    """The language of every ``.h`` file of a dump held in memory (``{path: text}``; other files count by name):
    its content when that decides, else its project's, else C. The pipeline does the same over Beam."""
    headers = {p: header_evidence(t) for p, t in files.items() if ambiguous_extension(p) == ".h"}
    votes = {p: file_counts(p, headers.get(p), p in headers and headers[p] is None and declares(files[p]))
             for p in files}
    table = folder_counts(votes.items())
    return {p: d or project_language(p, table.get, votes[p]) or AMBIGUOUS[".h"] for p, d in headers.items()}
