"""The one ordered list of stages. The job graph (``pipeline.run.build_pipeline`` is a loop over it), the report's
funnel (each stage counts under one funnel step) and ``roots explain`` (which replays the per-document stages on
one document) all read it, so they cannot disagree about the order.

```
Ingest ─▶ Normalize ─▶ LanguageId ─▶ LanguageFilter ─▶ PiiRedact ─▶ QualityFilter ─▶ TemplateLines ─▶ Dedup
```

PII is redacted before the quality filter: ROOTS' word removal (part of the quality filter) deletes words with URL
fragments (``.com``, ``//``) or over 25 characters, which would otherwise delete e-mail addresses and keys instead
of redacting them (and leave the report's PII counts at 0); the short ``PI:<CATEGORY>`` placeholders survive it.

Nothing here imports Beam at module level: the report reads the list without building a pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from manifests.schema import Manifest


@dataclass(frozen=True)
class RunContext:
    """What a stage is built from: the manifest, and for Ingest the planned read units and the progress folder."""

    manifest: Manifest
    units: list[Any] = field(default_factory=list)
    progress_dir: str | None = None
    #: the runner holds every grouping in one process's memory (the FnApiRunner): dedup then joins its small
    #: verdicts to the records in memory (``Dedup``'s ``in_memory_joins``)
    in_memory_joins: bool = False


@dataclass(frozen=True)
class Stage:
    """One stage of the straight line.

    ``name`` is its label in the job graph and the ``stage`` field of every document it removes or fails;
    ``funnel`` the step of the report's funnel it counts under; ``stats`` the file under ``stats/`` its ``stats``
    output is written to (``None``: it tallies nothing); ``make`` builds its ``PTransform`` for a run.
    ``reasons`` are the removal reasons it gives, when they are a fixed set (the quality filter's are its checks'
    names); they only serve to draw the funnel of a report written before removed records named their stage."""

    name: str
    funnel: str
    make: Callable[[RunContext], Any]
    stats: str | None = None
    reasons: tuple[str, ...] | None = ()


def _ingest(ctx: RunContext):
    from pipeline.ingest.transform import Ingest

    return Ingest(ctx.manifest, ctx.units, ctx.progress_dir)


def _normalize(ctx: RunContext):
    from pipeline.normalize import Normalize

    return Normalize(ctx.manifest.normalize.enabled, ctx.manifest.normalize.code)


def _language_id(ctx: RunContext):
    from pipeline.langid import LanguageId

    return LanguageId(ctx.manifest.lid)


def _language_filter(ctx: RunContext):
    from pipeline.langid import LanguageFilter

    return LanguageFilter(ctx.manifest.languages)


def _quality(ctx: RunContext):
    from pipeline.quality import QualityFilter

    return QualityFilter(ctx.manifest.filters, ctx.manifest.source_profiles(), ctx.manifest.attributes.enabled)


def _template_lines(ctx: RunContext):
    from pipeline.templates import TemplateLines

    return TemplateLines(ctx.manifest.filters.template_lines, ctx.manifest.source_profiles(),
                         ctx.manifest.attributes.enabled)


def _pii(ctx: RunContext):
    from pipeline.pii import PiiRedact

    return PiiRedact(ctx.manifest.pii.enabled, ctx.manifest.source_profiles(), ctx.manifest.attributes.enabled)


def _dedup(ctx: RunContext):
    from pipeline.dedup import Dedup

    profiles = ctx.manifest.source_profiles()
    return Dedup(ctx.manifest.dedup, skip_sources=sorted(s for s, checks in profiles.items() if "dedup" not in checks),
                 clusters=ctx.manifest.attributes.enabled, in_memory_joins=ctx.in_memory_joins)


#: the stages in pipeline order. Normalising belongs to preparing the input, so its ``empty`` documents count
#: under the funnel's ``ingest`` step; PII redaction removes nothing, and a document it fails counts under
#: ``quality``, the step it runs in (before the quality filter: see the module docstring).
STAGES: tuple[Stage, ...] = (
    Stage("Ingest", "ingest", _ingest, stats="ingest.json",
          reasons=("empty", "too_large", "not_code", "binary", "symlink", "not_regular_file")),
    Stage("Normalize", "ingest", _normalize, reasons=("empty",)),
    Stage("LanguageId", "language", _language_id),
    Stage("LanguageFilter", "language", _language_filter, reasons=("language",)),
    Stage("PiiRedact", "quality", _pii, stats="pii.json"),
    Stage("QualityFilter", "quality", _quality, stats="word_removal.json", reasons=None),
    Stage("TemplateLines", "quality", _template_lines, reasons=("template_lines",)),
    Stage("Dedup", "dedup", _dedup, stats="dedup.json", reasons=("exact_duplicate", "near_duplicate")),
)

#: the writers after the stages, as named in the job graph
WRITERS: tuple[str, ...] = ("WriteShards", "WriteRemoved", "WriteDeadLetter", "WriteAttributes")

#: the report's funnel steps, in pipeline order
FUNNEL_STEPS: tuple[str, ...] = tuple(dict.fromkeys(s.funnel for s in STAGES))

#: stage name → funnel step
FUNNEL_OF: dict[str, str] = {s.name: s.funnel for s in STAGES}


def stage_of_reason(reason: str) -> str:
    """The stage that gives ``reason``: the first stage declaring it, else the quality filter (whose reasons are
    its checks' names). Only for reports from before removed records carried their ``stage``."""
    return next((s.name for s in STAGES if s.reasons and reason in s.reasons),
                next(s.name for s in STAGES if s.reasons is None))
