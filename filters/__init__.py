"""Pure document filters for roots: ROOTS quality filters, PII redaction, code filters, normalisation.

No Beam here: every function takes a batch (lists) and returns one result per document, so the pipeline only
wires them into stages and the functions can be tested and benchmarked alone.
"""

from filters.code import CODE_CHECKS, code_explain, code_filter_batch
from filters.lines import drop_lines, line_hashes
from filters.normalize import is_empty_text, normalize_batch, normalize_text
from filters.params import (
    NL_CHECKS,
    CodeParams,
    FilterConfig,
    LanguageParams,
    TemplateLinesParams,
    shipped_defaults,
    shipped_languages,
)
from filters.pii import CATEGORIES as PII_CATEGORIES
from filters.pii import count_placeholders, find_pii, redact_batch
from filters.quality import (
    CUTOFF_FIELDS,
    WORD_REMOVAL_REASONS,
    RemovedWords,
    cutoffs_of,
    describe_checks,
    explain,
    filter_batch,
    measure_batch,
    modify_batch,
    remove_words_batch,
    verdict_of,
)
from filters.results import FilterResult, Verdict

__all__ = [
    "CODE_CHECKS",
    "CUTOFF_FIELDS",
    "NL_CHECKS",
    "PII_CATEGORIES",
    "CodeParams",
    "FilterConfig",
    "FilterResult",
    "LanguageParams",
    "TemplateLinesParams",
    "Verdict",
    "code_explain",
    "code_filter_batch",
    "count_placeholders",
    "cutoffs_of",
    "describe_checks",
    "drop_lines",
    "explain",
    "filter_batch",
    "find_pii",
    "measure_batch",
    "line_hashes",
    "modify_batch",
    "remove_words_batch",
    "RemovedWords",
    "WORD_REMOVAL_REASONS",
    "is_empty_text",
    "normalize_batch",
    "normalize_text",
    "redact_batch",
    "verdict_of",
    "shipped_defaults",
    "shipped_languages",
]
