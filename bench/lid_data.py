"""Build ``bench/data/lid_eval.jsonl.gz``: the language-ID evaluation set, from software translation catalogues.

Run once where the catalogues are installed (a Debian system; see ``bench/data/README.md`` for the packages)::

    python -m bench.lid_data ROOT [ROOT ...]     # roots holding <lang>/LC_MESSAGES/*.mo
    python -m bench.lid_data --append ig,yo ROOT  # add languages missing from the set, keep the rest as it is

Why translation catalogues: they are real human translations in many languages, licensed for redistribution,
and present offline, while the usual multilingual fixture (the UDHR) is kept for acceptance tests. A document is a
run of consecutive translated messages of one catalogue joined until it reaches ``MIN_CHARS`` characters, so every
language is measured on texts of one length. Messages left in English (``msgstr == msgid``), with fewer than four
words, or that are mostly placeholders are skipped; English documents are built from the catalogues' ``msgid``\\s.
"""

from __future__ import annotations

import gettext
import glob
import gzip
import json
import os
import re
import sys

#: catalogue folder name → ROOTS / lid.176 code
FOLDERS = {"zh_CN": "zh-hans", "zh_TW": "zh-hant", "pt_BR": "pt"}
#: the 40 major languages: ROOTS' 24 non-African languages and 16 large languages outside ROOTS
MAJOR = ("en", "zh-hans", "zh-hant", "fr", "es", "pt", "ar", "vi", "ca", "id", "eu", "as", "bn", "gu", "hi", "kn",
         "ml", "mr", "ne", "or", "pa", "ta", "te", "ur",
         "de", "ru", "ja", "it", "nl", "pl", "tr", "ko", "uk", "cs", "sv", "fa", "el", "he", "hu", "ro")
#: ROOTS' African languages found in the catalogues: the first eight with 60 documents each; wo, ln, ig, ak, yo
#: with the few documents that Debian 12's desktop catalogues hold (``--append``; see ``bench/data/README.md``);
#: sn, ny, rn, tw, bm, fon, ki, tum: no document of ``MIN_CHARS`` (a few menu labels, or only country names)
AFRICAN = ("lg", "nso", "rw", "st", "tn", "ts", "xh", "zu", "wo", "ln", "ig", "ak", "yo")
MIN_CHARS = 300
DOCS_PER_LANGUAGE = 60
_MARKUP = re.compile(r"<[^>]{0,80}>|%[0-9]*\$?[a-zA-Z]|\$\(?[A-Za-z0-9_]+\)?|\{[^}]{0,40}\}|[~&_](?=\w)|\\n")


def _clean(msg: str) -> str:
    return " ".join(_MARKUP.sub(" ", msg).split())


def _catalogues(roots: list[str]) -> dict[str, list[str]]:
    """Catalogue paths per language code, sorted (for a deterministic build)."""
    out: dict[str, list[str]] = {}
    for root in roots:
        for path in sorted(glob.glob(os.path.join(root, "*", "LC_MESSAGES", "*.mo"))):
            folder = path.split(os.sep)[-3]
            lang = FOLDERS.get(folder, folder)
            if lang in MAJOR + AFRICAN and "iso_" not in os.path.basename(path):
                out.setdefault(lang, []).append(path)
    return out


def _messages(path: str, english: bool) -> list[str]:
    try:
        with open(path, "rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog  # the parsed catalogue is what we need
    except (OSError, UnicodeDecodeError):
        return []
    msgs = []
    for key, value in sorted(catalog.items(), key=lambda kv: str(kv[0])):
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or not isinstance(value, str) or value == msgid:
            continue
        text = _clean(msgid if english else value)
        if len(text.split()) >= 4 and sum(ch.isalpha() for ch in text) > 0.6 * len(text):
            msgs.append(text)
    return msgs


def build(roots: list[str], languages: tuple[str, ...] = MAJOR + AFRICAN) -> list[dict[str, str]]:
    rows = []
    cats = _catalogues(roots)
    cats["en"] = cats.get("fr", [])  # English: the msgids of the French catalogues
    for lang in languages:
        docs, current = [], []
        seen: set[str] = set()
        paths = cats.get(lang, [])
        # round-robin over catalogues so a language's documents come from many programs, not one
        streams = [iter(_messages(p, english=lang == "en")) for p in paths]
        while streams and len(docs) < DOCS_PER_LANGUAGE:
            for stream in list(streams):
                msg = next(stream, None)
                if msg is None:
                    streams.remove(stream)
                    continue
                if msg in seen:
                    continue
                seen.add(msg)
                current.append(msg)
                if sum(map(len, current)) >= MIN_CHARS:
                    docs.append(" ".join(current))
                    current = []
                    if len(docs) >= DOCS_PER_LANGUAGE:
                        break
        rows.extend({"language": lang, "text": d} for d in docs)
    return rows


def _read(target: str) -> list[dict[str, str]]:
    with gzip.open(target, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main(argv: list[str]) -> int:
    target = os.path.join(os.path.dirname(__file__), "data", "lid_eval.jsonl.gz")
    if argv[:1] == ["--append"] and len(argv) >= 2:
        old = _read(target)
        present = {row["language"] for row in old}
        wanted = tuple(lang for lang in argv[1].split(",") if lang not in present)
        rows = old + build(argv[2:] or ["/usr/share/locale"], wanted)
    else:
        rows = build(argv or ["/usr/share/locale"])
    with gzip.GzipFile(target, "wb", mtime=0) as f:
        for row in rows:
            f.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["language"]] = counts.get(row["language"], 0) + 1
    print(f"{target}: {len(rows)} documents", counts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
