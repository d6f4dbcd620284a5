"""``make bench``: every benchmark in one run, each in its own process so its peak memory is its own.

    python -m bench                 # all: filters (50 MB), dedup quality + speed (50/100 MB), language ID
                                    # accuracy + speed, C/C++ headers, tokenizer (100 MB), roots tokenize vs
                                    # raw encode_batch (20 MB), dedup hot keys (50k vs 200k), per-stage scale
                                    # figures (200 MB), attributes' cost and refilter vs full run (20 MB), the
                                    # tuning page (100,000 docs x 46 languages), where the time goes on real text
                                    # (CPU s/MB per stage beside the floors read / LID / MinHash / Arrow write,
                                    # ~83 MB), roots vs datatrove on that real text, then roots vs datatrove
                                    # (100 MB generated)
    python -m bench filters dedup   # a subset

Figures are printed, never asserted: a benchmark that fails only prints. Ratios are taken against baselines
measured in the same run (reading alone for the filters, raw ``tokenizers`` training for the tokenizer, datatrove
on the same corpus for the whole pipeline). The datatrove suite runs last, and the summary repeats its ratio line as
the very last line, so ``make bench`` ends with ``roots/datatrove throughput ratio: X.XX``.
"""

from __future__ import annotations

import subprocess
import sys
import time

SUITES: dict[str, list[str]] = {
    "filters": [sys.executable, "-m", "bench.filters", "50"],
    "dedup": [sys.executable, "-m", "bench.dedup_eval"],
    "lid": [sys.executable, "-m", "bench.lid_eval"],
    "codelang": [sys.executable, "-m", "bench.code_lang_eval"],
    "tokenizer": [sys.executable, "-m", "bench.tokenizer", "--total-mb", "100"],
    "tokenize": [sys.executable, "-m", "bench.tokenize_bench", "--mb", "20"],
    "hotkeys": [sys.executable, "-m", "bench.engines", "hotkeys"],  # ROOTS_BENCH_HOT=50000,200000
    "scale": [sys.executable, "-m", "bench.engines", "scale"],  # ROOTS_BENCH_MB=200
    "attributes": [sys.executable, "-m", "bench.attributes", "cost"],  # ROOTS_BENCH_ATTR_MB=20: with vs without
    "tune": [sys.executable, "-m", "bench.attributes", "tune"],  # 100,000 docs x 46 languages in headless Chromium
    "profile": [sys.executable, "-m", "bench.profile"],  # real text from Debian packages (bench/data/README.md)
    "datatrove-real": [sys.executable, "-m", "bench.datatrove_compare", "--corpus", "real"],
    "datatrove": [sys.executable, "-m", "bench.datatrove_compare", "--mb", "100"],
}
#: the line of the datatrove suite that the summary repeats last
RATIO_PREFIX = "roots/datatrove throughput ratio:"


def run_suite(cmd: list[str]) -> tuple[int, str | None]:
    """Run one suite, passing its output through; returns its exit code and its ratio line, if it printed one."""
    ratio = None
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.startswith(RATIO_PREFIX):
                ratio = line.rstrip("\n")
    return proc.returncode, ratio


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        print(f"bench: unknown suite(s) {unknown}; choose from {list(SUITES)}", file=sys.stderr)
        return 2
    status = {}
    ratio = None
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        rc, line = run_suite(SUITES[name])
        ratio = line or ratio
        status[name] = (rc, time.perf_counter() - t0)
    print("\n=== summary ===")
    for name, (rc, seconds) in status.items():
        print(f"{name:<14} {'ok' if rc == 0 else f'FAILED (exit {rc})':<18} {seconds:8.1f} s")
    if "datatrove" in status:
        print(ratio or f"{RATIO_PREFIX} n/a (the datatrove suite printed no ratio)", flush=True)
    return 0 if all(rc == 0 for rc, _ in status.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
