"""``make bench``: every benchmark in one run, each in its own process so its peak memory is its own.

    python -m bench                 # all: filters (50 MB), dedup quality + speed (50/100 MB), tokenizer (100 MB)
    python -m bench filters dedup   # a subset

Figures are printed, never asserted: a benchmark that fails only prints. Ratios are taken against baselines
measured in the same run (reading alone for the filters, raw ``tokenizers`` training for the tokenizer).
"""

from __future__ import annotations

import subprocess
import sys
import time

SUITES: dict[str, list[str]] = {
    "filters": [sys.executable, "-m", "filters.bench", "50"],
    "dedup": [sys.executable, "-m", "bench.dedup_eval"],
    "tokenizer": [sys.executable, "-m", "tokenizer.bench", "--total-mb", "100"],
}


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        print(f"bench: unknown suite(s) {unknown}; choose from {list(SUITES)}", file=sys.stderr)
        return 2
    status = {}
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(SUITES[name])
        status[name] = (rc, time.perf_counter() - t0)
    print("\n=== summary ===")
    for name, (rc, seconds) in status.items():
        print(f"{name:<10} {'ok' if rc == 0 else f'FAILED (exit {rc})':<18} {seconds:8.1f} s")
    return 0 if all(rc == 0 for rc, _ in status.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
