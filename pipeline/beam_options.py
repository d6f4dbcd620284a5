"""Beam options checked before a run, so a mistake in one is a one-line error instead of a silent exit (Beam's
argparse prints a bad value into ``beam.log`` and exits 2) or a silently ignored typo (Beam drops options it does
not know with a log warning that roots hides).
"""

from __future__ import annotations

import contextlib
import difflib
import io
from collections.abc import Sequence

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from core.errors import UserError


def check_beam_options(beam_args: Sequence[str]) -> PipelineOptions:
    """``PipelineOptions`` for ``beam_args``, after refusing bad values, unknown options and unknown runners."""
    options = PipelineOptions(list(beam_args))
    known = _parse(options, retain_unknown=False)
    unknown = sorted(set(_parse(options, retain_unknown=True)) - set(known))
    if unknown:
        raise UserError("; ".join(_unknown_message(name, known) for name in unknown)
                        + " (roots passes options it does not know itself to Apache Beam; see `roots run --help`)")
    check_runner(options)
    return options


def _parse(options: PipelineOptions, retain_unknown: bool) -> dict:
    """Beam's own parse of the flags; its argparse error (a bad value) becomes a ``UserError`` with its text."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            return options.get_all_options(retain_unknown_options=retain_unknown)
    except SystemExit:
        lines = [line for line in captured.getvalue().splitlines() if line.strip()]
        detail = lines[-1].split(": error: ", 1)[-1] if lines else "Beam could not parse its options"
        raise UserError(f"Beam option: {detail}") from None


def _unknown_message(name: str, known: dict) -> str:
    nearest = difflib.get_close_matches(name, list(known), n=1)
    hint = f": did you mean --{nearest[0]}?" if nearest else ""
    return f"unknown Beam option --{name}{hint}"


def check_runner(options: PipelineOptions) -> None:
    """``--runner`` must name a runner Beam knows (any spelling ``create_runner`` accepts) or a dotted class path."""
    runner = options.view_as(StandardOptions).runner
    if not runner or not isinstance(runner, str) or "." in runner:
        return
    names = {n.lower().removesuffix("runner") for n in StandardOptions.KNOWN_RUNNER_NAMES}
    if runner.lower().removesuffix("runner") in names:
        return
    nearest = difflib.get_close_matches(runner, StandardOptions.KNOWN_RUNNER_NAMES, n=1)
    raise UserError(f"--runner {runner}: not a runner Apache Beam knows"
                    + (f" (did you mean {nearest[0]}?)" if nearest else "")
                    + f"; known runners: {', '.join(StandardOptions.KNOWN_RUNNER_NAMES)}")
