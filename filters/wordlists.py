"""Stop-word ("closed class") and flagged-word lists, looked up once per language and cached.

ROOTS' own closed-class lists are not published as a package, so stop words come from ``stopwordsiso`` (the
stopwords-iso collection, 58 languages, shipped as JSON inside the wheel: works offline), except where we ship our
own closed-class list in ``filters/data/stopwords/<lang>.txt`` because the stopwords-iso one contains content words
(English, Russian). Flagged words are our own list in ``filters/data/flagged_words.json`` (an English list used for
every language, as ROOTS did, plus a few words per language). Unlike an earlier version of that list it has no
anatomical or medical words (``penis``, ``anus``, ``ejaculation``...): ROOTS' English list held pornography terms
only, and a medical text must not look like pornography.

A manifest can replace either list per language with a file of its own (``stopwords_file`` /
``flagged_words_file`` in ``filters.defaults`` or ``filters.languages.<lang>``), e.g. ROOTS' own lists exported
from BigScience's ``stopwords.py`` / ``flagged_words.py``: no package ships those, so roots cannot.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

import stopwordsiso

from filters.params import lookup_keys


class WordListError(ValueError):
    """A word-list file named in a manifest cannot be read."""


def _own_stopwords(key: str) -> frozenset[str] | None:
    path = resources.files("filters").joinpath(f"data/stopwords/{key}.txt")
    if not path.is_file():
        return None
    lines = (line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    return frozenset(w.lower() for line in lines for w in line.split())


@functools.cache
def stopwords(language: str) -> frozenset[str] | None:
    """The stop-word list of ``language`` (lower case), or ``None`` when there is none (the check is skipped)."""
    for key in lookup_keys(language):
        own = _own_stopwords(key)
        if own is not None:
            return own
        if stopwordsiso.has_lang(key):
            return frozenset(w.lower() for w in stopwordsiso.stopwords(key))
    return None


@functools.cache
def _flagged_table() -> dict[str, list[str]]:
    text = resources.files("filters").joinpath("data/flagged_words.json").read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


@functools.cache
def flagged_words(language: str) -> frozenset[str] | None:
    """The flagged-word list of ``language``: the shared list plus the language's own words (lower case)."""
    table = _flagged_table()
    words = set(table.get("all", []))
    for key in lookup_keys(language):
        if key in table:
            words.update(table[key])
            break
    return frozenset(w.lower() for w in words) or None


@functools.cache
def list_file(path: str) -> frozenset[str]:
    """The words of a user's list file: one word or phrase a line, ``#`` starts a comment line, lower-cased.

    A missing or unreadable file is a ``WordListError`` naming the file (the manifest check reports it before a
    run; this is for direct use of the filters).
    """
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise WordListError(f"{path}: cannot read the word list ({e}); give a UTF-8 file, one word a line") from None
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))
