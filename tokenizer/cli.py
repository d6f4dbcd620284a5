"""The ``roots tokenizer`` subcommand.

``roots tokenizer MANIFEST --out DIR [--shards PATH ...] [--update-lock] [--no-gpt2-baseline]``. The handler returns
an exit code and lets ``core.errors.UserError`` propagate: the ``roots`` CLI prints it as one line and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tokenizer.names import HF_CONFIG_NAME, HF_SPECIAL_MAP_NAME, LOCK_NAME, REPORT_NAME, TOKENIZER_NAME

if TYPE_CHECKING:
    from tokenizer.run import RunResult


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``tokenizer`` subcommand; its handler is ``args.func(args) -> int``."""
    p = subparsers.add_parser(
        "tokenizer",
        help="train a byte-level BPE tokenizer from the shards",
        description=(
            f"Train a byte-level BPE from the shards a tokenizer manifest names; write {TOKENIZER_NAME} (with "
            f"{HF_CONFIG_NAME} and {HF_SPECIAL_MAP_NAME}: transformers.AutoTokenizer.from_pretrained(OUT) loads it), "
            f"{LOCK_NAME} and {REPORT_NAME} to --out. A vocabulary smaller than asked (too little text) is a "
            "warning with the sample size it would need. Rerunning with the same manifest and shards regenerates "
            f"{TOKENIZER_NAME} byte for byte; if the shards or settings changed since the lock in --out, the run "
            "stops unless --update-lock is given."
        ),
    )
    p.add_argument("manifest", help="tokenizer manifest (YAML with a `tokenizer:` section)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--shards", action="append", metavar="PATH",
                   help="train on this run's shards instead of the manifest's `shards:` (an index.json such as "
                        "OUT/shards/index.json, or an .arrow glob; repeatable; relative to the working directory)")
    p.add_argument("--update-lock", action="store_true", help="accept changed shards/settings and rewrite the lock")
    p.add_argument(
        "--no-gpt2-baseline",
        action="store_true",
        help="skip training the GPT-2-pre-tokenizer baseline the report compares against (halves the run time)",
    )
    p.set_defaults(func=handle)


def summary(result: RunResult) -> str:
    """A few lines for the terminal: where the files are and the headline figures."""
    r = result.report
    lines = [
        f"wrote {result.tokenizer_path} (vocab {r['vocab_size']}, sha256 {result.tokenizer_sha256[:16]}…), "
        f"{result.lock_path.name}, {result.report_path.name}",
        f"trained in {r['train_seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MiB",
    ]
    base = (r.get("baseline_gpt2") or {}).get("languages", {})
    for lang, m in r["languages"].items():
        tpb = m["tokens_per_byte"]
        if tpb is None:
            continue
        b = base.get(lang, {}).get("tokens_per_byte")
        vs = f" (gpt2 baseline {b:.3f})" if b is not None else ""
        lines.append(f"  {lang:<16} tokens/byte {tpb:.3f}{vs}  vocab share {m['vocab_share']:.3f}")
    return "\n".join(lines)


def handle(args: argparse.Namespace, extra: list[str] | None = None) -> int:
    """Run the subcommand; 0 on success. ``extra`` (unparsed arguments the roots CLI may pass along) is unused.
    What trains is imported here, so that ``roots --help`` does not load Arrow and the tokenizer's settings."""
    from tokenizer.run import train_from_manifest
    from tokenizer.shortfall import warning

    result = train_from_manifest(
        args.manifest, args.out, update_lock=args.update_lock, gpt2_baseline=not args.no_gpt2_baseline,
        shards=args.shards,
    )
    print(summary(result))
    short = result.report.get("vocab_shortfall")
    if short:  # tokenizers stops early without a word when the sample runs out of pairs to merge
        print(warning(short), file=sys.stderr)
    return 0

