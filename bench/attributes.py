"""What attributes cost, what refilter saves, and how the tuning page copes with a big corpus.

    python -m bench.attributes cost --mb 20      # run with vs without attributes: wall time and output bytes
                                                 # (goals: <= 10% wall, <= 15% bytes), then refilter vs full run
                                                 # time (goal <= 0.2), in this process and as a Beam job
    python -m bench.attributes tune              # page load and slider response in headless Chromium for
                                                 # 100,000 synthetic documents x 46 languages

The corpus is ``bench.datatrove_compare``'s (``bench.filters``' generated multilingual text with planted exact and
near duplicates); each run is its own process, timed from outside. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PARTS = ("shards", "removed", "dead_letter", "stats", "report.json")


#: CPU seconds (user + system) of the last ``_roots`` child: steadier than wall time on shared cores
CPU: list[float] = []


def _roots(*args: str) -> float:
    import resource

    exe = str(Path(sys.executable).parent / "roots")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([exe, *args, "--overwrite", "-q", "--no-progress"], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return time.perf_counter() - t0


def _bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else (
        path.stat().st_size if path.exists() else 0)


def _manifest(path: Path, corpus: str, attributes: bool, extra: str = "") -> Path:
    path.write_text("name: bench-attributes\nsources:\n"
                    f"  - {{name: corpus, type: hf, path: json, data_files: '{corpus}/corpus-*.jsonl'}}\n"
                    f"attributes: {{enabled: {str(attributes).lower()}}}\n" + extra, encoding="utf-8")
    return path


def cost(total_mb: float, work: Path, rounds: int, refilter: bool = True) -> None:
    from bench.datatrove_compare import make_corpus

    corpus = make_corpus(work / "corpus", total_mb)
    print(f"corpus: {corpus['docs']} docs, {corpus['text_mb']:.1f} MB of text")
    on, off = _manifest(work / "on.yaml", corpus["dir"], True), _manifest(work / "off.yaml", corpus["dir"], False)
    times: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(rounds):  # alternate, so a busy machine slows both alike
        for kind, manifest in (("off", off), ("on", on)):
            times[kind].append(_roots("run", str(manifest), "--out", str(work / kind)))
            cpu[kind].append(CPU[-1])
    wall = {k: min(v) for k, v in times.items()}
    cpu_best = {k: min(v) for k, v in cpu.items()}
    out_bytes = sum(_bytes(work / "off" / p) for p in PARTS)
    attr_bytes = _bytes(work / "on" / "attributes")
    print(f"run without attributes: {wall['off']:.1f} s (best of {rounds}); with: {wall['on']:.1f} s "
          f"-> wall +{100 * (wall['on'] / wall['off'] - 1):.1f}% (goal <= 10%); CPU {cpu_best['off']:.1f} s vs "
          f"{cpu_best['on']:.1f} s -> +{100 * (cpu_best['on'] / cpu_best['off'] - 1):.1f}%")
    print(f"output bytes without attributes: {out_bytes / 1e6:.2f} MB; attributes/: {attr_bytes / 1e6:.2f} MB "
          f"-> bytes +{100 * attr_bytes / out_bytes:.1f}% (goal <= 15%)")
    if not refilter:
        return
    new = _manifest(work / "new.yaml", corpus["dir"], True,
                    "filters:\n  defaults: {stopwords_min_cutoff: 0.2, word_repetition_max_cutoff: 0.2}\n")
    full = _roots("run", str(new), "--out", str(work / "full"))
    full_cpu = CPU[-1]
    for how, extra in (("in this process", ()), ("as a Beam job (--beam)", ("--beam",))):
        refiltered = _roots("refilter", str(work / "on"), "--manifest", str(new), "--out", str(work / "refiltered"),
                            *extra)
        refilter_cpu = CPU[-1]
        same = all(_tree(work / "full" / p) == _tree(work / "refiltered" / p) for p in (*PARTS, "attributes"))
        print(f"full run with the new manifest: {full:.1f} s; refilter {how}: {refiltered:.1f} s -> refilter/full "
              f"{refiltered / full:.2f} (goal <= 0.2); CPU {full_cpu:.1f} s vs {refilter_cpu:.1f} s -> "
              f"{refilter_cpu / full_cpu:.2f}; outputs byte-identical (stats and attributes too): {same}")


def _tree(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------------ the page
def synthetic_data(docs: int, languages: int, seed: int = 7) -> dict:
    """The page's data for ``docs`` documents in each of ``languages`` languages, with the real summaries
    (``reports.tune.language_summary``) over random values."""
    import numpy as np

    from filters import FilterConfig
    from reports.tune import language_summary

    rng = np.random.default_rng(seed)
    words = random.Random(seed)
    lexicon = ["lorem", "ipsum", "dolor", "sit", "amet", "<b>", "&amp;", "consectetur", "adipiscing", "elit"]
    config = FilterConfig()
    blocks = []
    for k in range(languages):
        lang = f"l{k:02d}"
        ids = [f"{k:02d}{i:014x}" for i in range(docs)]
        columns = {
            "number_words": (rng.lognormal(5, 1.2, docs).round(), ids),
            "character_repetition": (rng.beta(2, 20, docs), ids),
            "word_repetition": (rng.beta(1.5, 12, docs), ids),
            "special_characters": (rng.beta(3, 12, docs), ids),
            "stopwords": (rng.beta(6, 12, docs), ids),
            "flagged_words": (rng.beta(0.3, 40, docs), ids),
            "lang_id": (rng.beta(20, 1.5, docs), ids),
        }

        def text_of(wanted: list[str]) -> dict[str, str]:
            return {i: " ".join(words.choice(lexicon) for _ in range(60)) for i in wanted}

        blocks.append(language_summary(lang, columns, config.params_for(lang), text_of))
    return {"name": "synthetic", "languages": blocks}


def tune(docs: int, languages: int, work: Path) -> None:
    from reports.tune import render

    sys.path.insert(0, str(REPO))
    from tests.browser import chromium

    t0 = time.perf_counter()
    page = work / "tune.html"
    page.write_text(render(synthetic_data(docs, languages)), encoding="utf-8")
    print(f"page for {docs} docs x {languages} languages: {page.stat().st_size / 1e6:.2f} MB, built in "
          f"{time.perf_counter() - t0:.1f} s")
    with chromium() as driver:
        t0 = time.perf_counter()
        driver.get(page.as_uri())
        loaded = time.perf_counter() - t0
        nav = driver.execute_script(
            "const t = performance.getEntriesByType('navigation')[0]; return [t.domContentLoadedEventEnd, "
            "t.loadEventEnd];")
        slider = json.loads(driver.execute_script("""
            const times = [];
            const sliders = [...document.querySelectorAll('input[type=range]')];
            for (let k = 0; k < 200; k++) {
              const s = sliders[k % sliders.length];
              const t = performance.now();
              s.value = String((k * 37) % 1000); s.dispatchEvent(new Event('input'));
              times.push(performance.now() - t);
            }
            const p = document.getElementById('language'), t1 = performance.now();
            p.value = String(p.options.length - 1); p.dispatchEvent(new Event('change'));
            times.sort((a, b) => a - b);
            return JSON.stringify({median: times[100], p95: times[190], max: times[199],
                                   switch: performance.now() - t1});"""))
    print(f"page load in headless Chromium: {loaded * 1000:.0f} ms to the end of driver.get (DOMContentLoaded "
          f"{nav[0]:.0f} ms, load {nav[1]:.0f} ms)")
    print(f"slider response (200 moves, input event to updated share, examples, histogram and YAML): median "
          f"{slider['median']:.1f} ms, p95 {slider['p95']:.1f} ms, max {slider['max']:.1f} ms; language switch "
          f"{slider['switch']:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attributes")
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("cost")
    c.add_argument("--mb", type=float, default=float(os.environ.get("ROOTS_BENCH_ATTR_MB", "20")))
    c.add_argument("--rounds", type=int, default=2)
    c.add_argument("--no-refilter", action="store_true", help="only the with/without attributes figures")
    t = sub.add_parser("tune")
    t.add_argument("--docs", type=int, default=100_000)
    t.add_argument("--languages", type=int, default=46)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="roots-bench-attr-") as tmp:
        if args.what == "cost":
            cost(args.mb, Path(tmp), args.rounds, not args.no_refilter)
        else:
            tune(args.docs, args.languages, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
