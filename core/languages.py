"""The language table: file name → programming language for the 13 ROOTS programming languages, and the
``code-<pl>`` naming of code documents' languages.

The map is The Stack's (BigCode, GitHub-linguist derived) restricted to ROOTS' languages. Matching is
case-sensitive on purpose: ``.c``/``.h`` are C while ``.C``/``.H`` are C++, as in both The Stack and ROOTS' own
BigQuery selection. Anything else is not code for this corpus and is removed with reason ``not_code``.
"""

from __future__ import annotations

import posixpath

#: language id (used as ``code-<id>``) → file extensions
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "c": (".c", ".cats", ".h", ".idc", ".w"),
    "csharp": (".cs", ".cake", ".cshtml", ".csx"),
    "cpp": (".cpp", ".c++", ".cc", ".cp", ".cxx", ".h++", ".hh", ".hpp", ".hxx", ".inl", ".ipp", ".tcc", ".tpp",
            ".C", ".H"),
    "go": (".go",),
    "java": (".java",),
    "javascript": (".js", "._js", ".bones", ".es6", ".jake", ".jsb", ".jscad", ".jsfl", ".jsm", ".jss", ".njs",
                   ".pac", ".sjs", ".ssjs", ".xsjs", ".xsjslib"),
    "lua": (".lua", ".nse", ".pd_lua", ".rbxs", ".wlua"),
    "php": (".php", ".aw", ".ctp", ".php3", ".php4", ".php5", ".phps", ".phpt"),
    "python": (".py", ".bzl", ".gyp", ".lmi", ".pyde", ".pyp", ".pyt", ".pyw", ".tac", ".wsgi", ".xpy"),
    "ruby": (".rb", ".builder", ".gemspec", ".god", ".irbrc", ".jbuilder", ".mspec", ".podspec", ".rabl", ".rake",
             ".rbuild", ".rbw", ".rbx", ".ru", ".ruby", ".thor", ".watchr"),
    "rust": (".rs", ".rs.in"),
    "scala": (".scala", ".sbt"),
    "typescript": (".ts", ".tsx"),
}

PROGRAMMING_LANGUAGES: tuple[str, ...] = tuple(sorted(EXTENSIONS))

#: a code document's ``language`` is this prefix + its programming language (``code-python``)
CODE_PREFIX = "code-"


def is_code(language: str | None) -> bool:
    """True for a code document's language (``code-<pl>``); natural languages and ``None`` are not code."""
    return bool(language) and language.startswith(CODE_PREFIX)


def code_language(pl: str) -> str:
    """The ``language`` of a code document in programming language ``pl`` (``python`` → ``code-python``)."""
    return CODE_PREFIX + pl


def programming_language_of(language: str) -> str:
    """The programming language of a code document's language (``code-python`` → ``python``)."""
    return language.removeprefix(CODE_PREFIX)

_BY_EXTENSION: dict[str, str] = {ext: lang for lang, exts in EXTENSIONS.items() for ext in exts}
_LONGEST = max(ext.count(".") for ext in _BY_EXTENSION)


def programming_language(path: str) -> str | None:
    """The ROOTS programming language of a file path, or ``None`` when it is not one of the 13."""
    name = posixpath.basename(path.replace("\\", "/"))
    # try multi-dot extensions first (".rs.in"), longest first
    parts = name.split(".")
    for n in range(min(_LONGEST, len(parts) - 1), 0, -1):
        ext = "." + ".".join(parts[-n:])
        if ext in _BY_EXTENSION and len(name) > len(ext):
            return _BY_EXTENSION[ext]
    return None


def extension(path: str) -> str:
    """The last extension of ``path`` (``""`` when none): the measured value for ``not_code`` removals."""
    name = posixpath.basename(path.replace("\\", "/"))
    return name[name.rindex("."):] if "." in name.lstrip(".") else ""


#: ROOTS' 46 natural languages (BLOOM's training languages), in the codes roots uses, by family
ROOTS_LANGUAGES: dict[str, tuple[str, ...]] = {
    "major": ("en", "zh-hans", "zh-hant", "fr", "es", "pt", "ar", "vi", "ca", "id", "eu"),
    "indic": ("as", "bn", "gu", "hi", "kn", "ml", "mr", "ne", "or", "pa", "ta", "te", "ur"),
    "niger-congo": ("ak", "bm", "fon", "ig", "ki", "lg", "ln", "nso", "ny", "rn", "rw", "sn", "st", "sw", "tn",
                    "ts", "tum", "tw", "wo", "xh", "yo", "zu"),
}
ROOTS_46: tuple[str, ...] = tuple(code for family in ROOTS_LANGUAGES.values() for code in family)
assert len(ROOTS_46) == 46
