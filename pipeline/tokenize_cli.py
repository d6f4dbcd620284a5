"""The ``roots tokenize`` subcommand (registered by the roots CLI beside ``tokenizer`` and ``explain``).

Its options are checked as ``roots run`` checks its own before anything is read: Beam's (unknown or bad ones, the
runner), the numbers (``--alpha``, ``--train-tokens``), then the run folder, the tokenizer folder and the
destination; each mistake is one ``roots: error:`` line (``pipeline.tokenize.plan_tokenize``).
"""

from __future__ import annotations

import argparse

from core.errors import UserError

EPILOG = """\
Beam options pass through as for `roots run`, e.g. --direct_num_workers=2 --direct_running_mode=multi_processing.

Output in OUT/tokens/ (or --out): <lang>.bin + <lang>.idx (Megatron-LM MMapIndexedDataset, one sequence per
document, the end-of-document token appended) and index.json (documents, tokens, weights and the ready
--data-path). Train with Megatron-DeepSpeed:
  pretrain_gpt.py ... --data-impl mmap --data-path $(jq -r .data_path OUT/tokens/index.json)"""


def register(sub) -> None:
    p = sub.add_parser("tokenize", help="encode a finished run into Megatron indexed datasets with a sampling mix",
                       description="Encode every kept document of the run in OUT with a trained tokenizer.json, "
                                   "append the end-of-document token, and write per-language Megatron-LM indexed "
                                   "datasets and tokens/index.json with the alpha-sampling weights.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="the --out folder of a finished `roots run`")
    p.add_argument("--tokenizer", required=True, metavar="DIR", help="the --out folder of `roots tokenizer`")
    p.add_argument("--out", dest="dest", metavar="DIR", help="write here instead of OUT/tokens")
    p.add_argument("--alpha", metavar="A", help="sampling exponent of the mix (default: the tokenizer manifest's "
                                               "mix_alpha, else its alpha, as recorded in DIR's lock; else 0.3)")
    p.add_argument("--eod", default="</s>", metavar="TOKEN", help="end-of-document token (default: </s>, BLOOM's)")
    p.add_argument("--train-tokens", metavar="N",
                   help="tokens of the planned training run, for the sampled tokens per language (default: the "
                        "corpus' token count)")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the table")
    p.set_defaults(func=handle, beam=True)


def handle(args: argparse.Namespace, beam_args: list[str]) -> int:
    from rich.console import Console

    from core.fs import is_remote
    from pipeline.tokenize import plan_tokenize, tokenize_run
    from reports.tokens import refresh_html, render_tokens_table

    alpha = _number(args.alpha, "--alpha", float, "a number between 0 and 1 (ROOTS/BLOOM used 0.3)")
    train_tokens = _number(args.train_tokens, "--train-tokens", int, "a whole number of tokens")
    plan = plan_tokenize(args.out, args.tokenizer, args.dest, alpha, args.eod, train_tokens, beam_args)
    index = tokenize_run(plan)
    console = Console()
    if not args.quiet:
        from reports.load import load_report

        render_tokens_table(index, load_report(plan.out) if not is_remote(plan.out) else None, console)
    html = refresh_html(plan.out, index, args.tokenizer) if not is_remote(plan.out) else None
    console.print(f"tokens: {plan.dest}  ({index['documents']:,} documents, {index['tokens']:,} tokens, "
                  f"{index['dtype']})" + (f"  html: {html}" if html else ""), highlight=False, markup=False)
    console.print(f"--data-path {index['data_path']}", highlight=False, markup=False, soft_wrap=True)
    return 0


def _number(text: str | None, option: str, kind: type, what: str):
    """``text`` as a ``kind`` (None stays None); a bad one is a ``UserError`` naming the option (argparse's own
    message would come with the usage block, not as one ``roots: error:`` line)."""
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        raise UserError(f"{option} {text}: not {what}") from None
