"""Stop-word ("closed class") and flagged-word lists, looked up once per language and cached.

ROOTS' own closed-class lists are not published as a package, so stop words come from ``stopwordsiso`` (the
stopwords-iso collection, 58 languages, shipped as JSON inside the wheel: works offline), except where we ship our
own closed-class list in ``filters/data/stopwords/<lang>.txt`` because the stopwords-iso one contains content words
(English, Russian). Flagged words are our own list in ``filters/data/flagged_words.json`` (an English list used for
every language, as ROOTS did, plus a few words per language).
"""

from __future__ import annotations

import functools
import json
from importlib import resources

import stopwordsiso

from filters.params import lookup_keys


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
