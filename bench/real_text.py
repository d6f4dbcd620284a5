"""A real-text multilingual corpus for the benchmarks, built offline from Debian packages (``bench/data/README.md``).

    python -m bench.real_text                # build (or find) the corpus in the cache folder, print its figures
    python -m bench.real_text --langs de ja  # only some languages

The LibreOffice help of Debian 12 (``libreoffice-help-<lang>``, version 7.4) is running text written and
translated by people: every help page becomes one document, its visible text (the page's ``DisplayArea``; scripts,
styles, navigation and markup dropped, a line per paragraph, list item or table row, cells separated by tabs).
Untranslated strings stay as the translators left them (some English inside other languages), and pages that two
modules share are real near-duplicates, which is what a crawl looks like. 15 languages in 8 scripts (Latin,
Cyrillic, Greek, Han (simplified and traditional), Kana, Hangul, Devanagari, Khmer): about 75 MB of text in
about 38,000 documents.

The packages are fetched with ``apt-get download`` (Debian's own client; ``apt-get update`` is run once when the
lists are missing and we are root) into ``<cache>/debs`` and read with ``dpkg-deb --fsys-tarfile`` without being
installed. The corpus is written as ``SHARDS`` JSON Lines files ``corpus-NNNNN.jsonl`` (``{"text",
"source_language", "page"}``; a page's file is a stable hash of its language and path) beside ``corpus.json``
(counts, the package versions). The cache folder is ``$ROOTS_BENCH_CACHE`` (default ``~/.cache/roots-bench``);
nothing of it is committed.
"""

from __future__ import annotations

import argparse
import hashlib
import html.parser
import json
import os
import subprocess
import sys
import tarfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

#: LibreOffice help languages (Debian package suffixes) and the scripts they bring
LANGUAGES = ("de", "fr", "es", "it", "pt", "ru", "el", "en-us", "vi", "ja", "zh-cn", "zh-tw", "ko", "hi", "km")
SHARDS = 8
#: bump when the extraction changes, so a cached corpus is rebuilt
VERSION = 1
CACHE = Path(os.environ.get("ROOTS_BENCH_CACHE", Path.home() / ".cache" / "roots-bench"))

_BLOCK = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "div", "table", "pre", "dt", "dd"})
_CELL = frozenset({"td", "th"})
_SKIP = frozenset({"script", "style", "noscript"})


class _PageText(html.parser.HTMLParser):
    """The visible text of a LibreOffice help page: what lies inside ``<div id="DisplayArea">``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open <div>s inside the display area (0: outside)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.depth:
            if tag == "div" and dict(attrs).get("id") == "DisplayArea":
                self.depth = 1
            return
        if tag in _SKIP:
            self.skip += 1
        elif tag == "div":
            self.depth += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        elif tag in _CELL:
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "div":
            self.depth -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


def page_text(markup: str) -> str:
    """Visible text of one help page: a line per block, cells joined by tabs, runs of spaces collapsed."""
    parser = _PageText()
    parser.feed(markup)
    parser.close()
    lines = []
    for line in "".join(parser.parts).split("\n"):
        cells = [" ".join(cell.split()) for cell in line.split("\t")]
        cells = [c for c in cells if c]
        if cells:
            lines.append("\t".join(cells))
    return "\n".join(lines)


def download(lang: str, debs: Path) -> Path:
    """``libreoffice-help-<lang>``'s .deb in ``debs`` (fetched with ``apt-get download`` if not there yet)."""
    package = f"libreoffice-help-{lang}"
    found = sorted(debs.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    debs.mkdir(parents=True, exist_ok=True)
    cmd = ["apt-get", "download", package]
    proc = subprocess.run(cmd, cwd=debs, capture_output=True, text=True)
    if proc.returncode != 0 and os.geteuid() == 0:  # a fresh machine has no package lists yet
        subprocess.run(["apt-get", "update"], capture_output=True, text=True)
        proc = subprocess.run(cmd, cwd=debs, capture_output=True, text=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"`apt-get download {package}` failed: {(proc.stderr or proc.stdout).strip()[-300:]} "
                           "(run `apt-get update` first)")
    return found[-1]


def extract(lang: str, deb: str) -> list[dict[str, str]]:
    """Documents of one package: the text of each help page (pages without text are skipped), sorted by path."""
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    docs = []
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        for member in tar:
            if not (member.isfile() and member.name.endswith(".html") and "/text/" in member.name):
                continue
            f = tar.extractfile(member)
            if f is None:
                continue
            text = page_text(f.read().decode("utf-8", "replace"))
            if text:
                page = member.name.split(f"/help/{lang}/", 1)[-1]
                docs.append({"text": text, "source_language": lang, "page": page})
    if proc.wait() != 0:
        raise RuntimeError(f"dpkg-deb --fsys-tarfile {deb} exited {proc.returncode}")
    return sorted(docs, key=lambda d: d["page"])


def _shard_of(doc: dict[str, str]) -> int:
    key = f"{doc['source_language']}/{doc['page']}".encode()
    return int.from_bytes(hashlib.sha1(key).digest()[:4], "big") % SHARDS


def build(langs: tuple[str, ...] = LANGUAGES, cache: Path = CACHE) -> dict[str, Any]:
    """The corpus in ``cache`` (built on first use): its ``corpus.json`` figures, with ``dir`` its folder."""
    name = "libreoffice-help-" + ("all" if langs == LANGUAGES else "-".join(langs))
    folder = cache / f"{name}-v{VERSION}"
    stamp = folder / "corpus.json"
    if stamp.exists():
        return {**json.loads(stamp.read_text()), "dir": str(folder)}
    debs = {lang: download(lang, cache / "debs") for lang in langs}
    folder.mkdir(parents=True, exist_ok=True)
    outs = [open(folder / f"corpus-{i:05d}.jsonl", "w", encoding="utf-8") for i in range(SHARDS)]  # noqa: SIM115
    per_lang: dict[str, dict[str, float]] = {}
    try:
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for lang, docs in zip(langs, pool.map(extract, langs, [str(debs[lang]) for lang in langs]), strict=True):
                size = 0
                for doc in docs:
                    outs[_shard_of(doc)].write(json.dumps(doc, ensure_ascii=False) + "\n")
                    size += len(doc["text"].encode("utf-8"))
                per_lang[lang] = {"docs": len(docs), "text_mb": round(size / 1e6, 3)}
    finally:
        for out in outs:
            out.close()
    info = {
        "source": "Debian 12 libreoffice-help-<lang> packages: " + ", ".join(p.name for p in debs.values()),
        "docs": sum(v["docs"] for v in per_lang.values()),
        "text_mb": round(sum(v["text_mb"] for v in per_lang.values()), 3),
        "file_mb": round(sum(p.stat().st_size for p in folder.glob("corpus-*.jsonl")) / 1e6, 3),
        "languages": per_lang,
    }
    stamp.write_text(json.dumps(info, indent=2) + "\n")
    return {**info, "dir": str(folder)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.real_text", description=__doc__.split("\n\n")[0])
    parser.add_argument("--langs", nargs="+", default=list(LANGUAGES), help="package language suffixes")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"cache folder (default {CACHE})")
    args = parser.parse_args(argv)
    try:
        info = build(tuple(args.langs), args.cache)
    except RuntimeError as e:
        print(f"real_text: {e}", file=sys.stderr)
        return 1
    print(f"{info['docs']} docs, {info['text_mb']:.1f} MB of text in {info['dir']}")
    for lang, v in info["languages"].items():
        print(f"  {lang:<6} {v['docs']:>6} docs {v['text_mb']:7.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
