"""``OUT/report.html``: the run's distributions as one self-contained page with inline SVG charts.

Why this shape:

- One file, no script, no external style, font or image: it opens from a laptop, a CI artefact or an e-mail without
  network, and nothing can fail to load. The only interaction (linear/log scale of the language bars, needed because
  ROOTS' languages span four orders of magnitude) is a CSS checkbox.
- Charts are SVG drawn here in Python, so the same report gives the same bytes and a test can read every mark: each
  bar or cell carries ``data-chart``, ``data-key`` and ``data-value`` (the number it draws). Every chart's numbers are
  also in an HTML table (``data-table``, cells with ``data-col`` and ``data-value``) for screen readers and copying.
- Every string that comes from data (language codes, reasons, source names, paths) goes through ``html.escape``.
- Colour is never the only carrier: values are printed next to the bars, series differ by pattern as well as colour,
  and heat-map cells print their count.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import UserError
from core.fs import write_atomically
from filters.quality import WORD_REMOVAL_REASONS
from reports.build import funnel_from_reasons
from reports.svg import BLUE, CSS, ORANGE, Ids, Mark, Row, Series, bar_chart, esc, funnel_chart, heatmap, num, pct
from reports.terminal import human, share


# --------------------------------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class Col:
    key: str
    header: str
    fmt: Callable[[Any], str] = lambda v: f"{v:,}"
    numeric: bool = True


def table(name: str, caption: str, key_header: str, cols: Sequence[Col], rows: dict[str, dict[str, Any]]) -> str:
    """An accessible table (caption, ``th scope``) whose cells carry ``data-col`` and, for numbers, ``data-value``."""
    head = "".join(f'<th scope="col"{"" if c.numeric else " class=text"}>{_breakable(c.header)}</th>' for c in cols)
    body = []
    for key, row in rows.items():
        cells = []
        for c in cols:
            v = row.get(c.key)
            if v is None:
                cells.append(f'<td data-col="{esc(c.key)}">–</td>')
            elif c.numeric:
                cells.append(f'<td data-col="{esc(c.key)}" data-value="{num(v)}">{esc(c.fmt(v))}</td>')
            else:
                cells.append(f'<td class="text" data-col="{esc(c.key)}">{esc(c.fmt(v))}</td>')
        body.append(f'<tr data-key="{esc(key)}"><th scope="row">{esc(key)}</th>{"".join(cells)}</tr>')
    if not rows:
        body.append(f'<tr><td class="text" colspan="{len(cols) + 1}">(none)</td></tr>')
    # a table wider than the page scrolls inside its own region (focusable, so keyboards can scroll it too)
    return (f'<div class="table-wrap" role="region" tabindex="0" aria-label="{esc(caption)}">'
            f'<table data-table="{esc(name)}"><caption>{esc(caption)}</caption>'
            f'<thead><tr><th scope="col" class="text">{esc(key_header)}</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _breakable(text: str) -> str:
    """Escaped, with line-break opportunities after underscores (long reason names as column headers)."""
    return esc(text).replace("_", "_<wbr>")


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


# --------------------------------------------------------------------------------------------------- sections
def _summary(report: dict[str, Any]) -> str:
    removed = sum(report["removed_docs"].values())
    ok = report.get("counts_add_up")
    items = [("input documents", f'{report["input_docs"]:,}'), ("kept documents", f'{report["kept_docs"]:,}'),
             ("removed documents", f"{removed:,}"), ("failed documents", f'{report["failed_docs"]:,}'),
             ("kept text", human(report["kept_bytes"])), ("shards", f'{report.get("shards", 0):,}')]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    check = ('<p class="ok">✓ input = kept + removed + failed: the counts add up.</p>' if ok else
             '<p class="bad">✗ The counts do not add up: input ≠ kept + removed + failed. Some documents were lost; '
             'this run is not trustworthy.</p>')
    return (f'<section id="summary"><h2>Summary</h2><dl class="totals">{dl}</dl>{check}{_sources_table(report)}'
            "</section>")


def _sources_table(report: dict[str, Any]) -> str:
    """Documents read per source and where they went (kept, removed, failed; ``per_source``, when the report has
    it), and the filter profile each source ran under."""
    profiles = report.get("profiles") or {}
    outcomes = report.get("per_source") or {}
    cols = [Col("docs", "documents read")]
    if outcomes:
        cols += [Col("kept", "kept"), Col("removed", "removed"), Col("failed", "failed")]
    cols.append(Col("profile", "filter profile", str, numeric=False))
    rows = {k: {"docs": v, "profile": (profiles.get(k) or {}).get("profile"),
                **{c: (outcomes.get(k) or {}).get(c) for c in ("kept", "removed", "failed")}}
            for k, v in report.get("sources", {}).items()}
    caption = ("Documents read per source, kept, removed and failed, and the filter profile each ran under"
               if outcomes else "Documents read per source, and the filter profile each ran under")
    return table("sources", caption, "source", cols, rows)


def _dead_letters(report: dict[str, Any]) -> str:
    """Per source with dead letters, its most frequent errors (by shape) with one example each."""
    failing = {k: v for k, v in (report.get("per_source") or {}).items() if v.get("top_errors")}
    out = ['<section id="failed"><h2>Failed documents</h2>'
           "<p>Documents that could not be read or processed are in <code>dead_letter/</code>, one JSON line each "
           "with its error. Errors of the same shape (the same message for another file, line or number) are "
           "counted together; the example is the failed document of smallest id.</p>"]
    for source, entry in failing.items():
        rows = {e["error"]: {"docs": e["docs"], "locator": e["example"].get("locator"),
                             "example": e["example"].get("error")} for e in entry["top_errors"]}
        out.append(table(f"errors:{source}", f"Most frequent errors of {source} ({entry['failed']:,} failed)",
                         "error", [Col("docs", "documents"), Col("locator", "example input", str, numeric=False),
                                   Col("example", "example error", str, numeric=False)], rows))
    out.append("</section>")
    return "".join(out)


def _fmt_value(v: Any) -> str:
    """A removal's measured value for people: floats to 4 significant digits, other values as JSON."""
    if isinstance(v, float):
        return f"{v:.4g}"
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _excerpt(text: str) -> str:
    return text if text.strip() else "(empty or blank text)"


def _removal_examples(report: dict[str, Any]) -> str:
    """For each removal reason, the documents of smallest id it removed: what a filter took, as text."""
    examples = report.get("removed_examples") or {}
    if not examples:
        return ""
    out = ["<h3>Examples per reason</h3>"
           "<p>The removed documents of smallest id for each reason (every removed document is in "
           "<code>removed/&lt;reason&gt;/</code>), with the value the check measured and the start of the text; "
           "PII in these excerpts is replaced as in kept documents.</p>"]
    cols = [Col("source", "source", str, numeric=False), Col("language", "language", str, numeric=False),
            Col("value", "value", _fmt_value, numeric=False), Col("locator", "input", str, numeric=False),
            Col("excerpt", "text", _excerpt, numeric=False)]
    for reason, rows in examples.items():
        n = report["removed_docs"].get(reason, len(rows))
        dup = [Col("duplicate_of", "duplicate of (kept)", str, numeric=False)] if any(
            r.get("duplicate_of") for r in rows) else []
        out.append(table(f"examples:{reason}", f"{reason}: {len(rows)} of {n:,} removed documents", "id",
                         cols[:3] + dup + cols[3:], {r["id"]: {**r, "language": r.get("language") or "–"}
                                                     for r in rows}))
    return "".join(out)


def _distribution(ids: Ids, report: dict[str, Any], key: str, heading: str, anchor: str, noun: str) -> str:
    total = report["kept_bytes"]
    data = report[key]
    rows_tab = {k: {"docs": v["docs"], "docs_share": share(v["docs"], report["kept_docs"]), "bytes": v["bytes"],
                    "bytes_share": share(v["bytes"], total)} for k, v in data.items()}
    cols = [Col("docs", "documents"), Col("docs_share", "share of documents", pct), Col("bytes", "bytes"),
            Col("bytes_share", "share of bytes", pct)]
    tab = table(key, f"{heading}: documents and bytes kept", noun, cols, rows_tab)
    if not data:
        return (f'<section id="{anchor}"><h2>{esc(heading)}</h2><p>No {esc(noun)} documents were kept.</p>{tab}'
                "</section>")
    rows = [Row(k, [Mark(v["bytes_share"], pct(v["bytes_share"]),
                         f'{k}: {pct(v["bytes_share"])} of kept bytes ({human(v["bytes"])}, {v["docs"]:,} documents)',
                         data={"data-docs": v["docs"], "data-bytes": v["bytes"]})]) for k, v in rows_tab.items()]
    series = [Series("share of bytes", BLUE)]
    desc = f"Share of all kept bytes per {noun}, largest first."
    linear = bar_chart(ids, key, f"{heading}: share of kept bytes", desc, rows, series, "linear", "%")
    log = bar_chart(ids, key, f"{heading}: share of kept bytes (log scale)", desc, rows, series, "log", "%")
    toggle = ids("log")
    caption = (f"Share of all kept bytes (natural and programming languages together) per {noun}; the percentage is "
               "printed at the right of each bar.")
    return (f'<section id="{anchor}"><h2>{esc(heading)}</h2>'
            f'<div class="toggle"><input type="checkbox" class="log-toggle" id="{toggle}"> '
            f'<label for="{toggle}">Logarithmic scale (shows small {esc(noun)}s)</label>'
            f'<div class="scale-linear">{_figure(linear, caption)}</div>'
            f'<div class="scale-log">{_figure(log, caption + " Logarithmic scale.")}</div></div>{tab}</section>')


def _funnel(ids: Ids, report: dict[str, Any]) -> str:
    steps = report.get("funnel") or funnel_from_reasons(report["input_docs"], report["failed_docs"],
                                                        report["removed_docs"])
    rows = {s["stage"]: {**s, "reasons_text": ", ".join(f"{r} {n:,}" for r, n in s.get("reasons", {}).items())}
            for s in steps}
    rows["kept"] = {"remaining": report["kept_docs"], "removed": 0, "failed": 0}
    tab = table("funnel", "Documents removed, failed and remaining after each stage", "stage",
                [Col("removed", "removed"), Col("failed", "failed"), Col("remaining", "remaining"),
                 Col("reasons_text", "removed because", str, numeric=False)], rows)
    svg = funnel_chart(ids, steps, report["kept_docs"])
    caption = ("Remaining documents after each stage (solid), what the stage removed (hatched) and what failed to "
               "read (dotted).")
    return f'<section id="funnel"><h2>Documents through the pipeline</h2>{_figure(svg, caption)}{tab}</section>'


def _removals(ids: Ids, report: dict[str, Any]) -> str:
    removed = dict(sorted(report["removed_docs"].items(), key=lambda kv: (-kv[1], kv[0])))
    reasons_tab = table("removed", "Documents removed per reason", "reason",
                        [Col("docs", "documents"), Col("of_input", "share of input", pct)],
                        {r: {"docs": n, "of_input": share(n, report["input_docs"])} for r, n in removed.items()})
    out = [f'<section id="removed"><h2>Removal reasons</h2>{reasons_tab}']
    by_lang = report.get("removed_by_language")
    if by_lang:
        columns = list(removed) or sorted({r for row in by_lang.values() for r in row})
        matrix = dict(sorted(by_lang.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])))
        svg = heatmap(ids, "removed_by_language", "Removed documents per language and reason",
                      "One row per language (the language the document was identified as, or unknown when it was "
                      "removed before language identification), one column per reason; each cell prints its count.",
                      matrix, columns)
        tab = table("removed_by_language", "Removed documents per language and reason", "language",
                    [Col(r, r) for r in columns], {k: {r: v.get(r, 0) for r in columns} for k, v in matrix.items()})
        caption = "Darker cells removed more documents; every cell prints its count."
        out.append(f"<h3>Per language</h3>{_figure(svg, caption)}{tab}")
    out.append(_removal_examples(report))
    out.append("</section>")
    return "".join(out)


def _word_removal(counts: dict[str, dict[str, int]] | None) -> str:
    """Words ROOTS' word removal took from the kept documents, per language and reason (nothing before the report
    had the key)."""
    if counts is None:
        return ""
    rows = {lang: {r: per.get(r, 0) for r in WORD_REMOVAL_REASONS} for lang, per in counts.items()}
    cols = [Col(r, {"incorrect_substring": "with a URL fragment (incorrect substring)",
                    "too_long": "too long"}.get(r, r)) for r in WORD_REMOVAL_REASONS]
    return table("word_removal", "Words removed by ROOTS' word removal from the documents the quality filter kept, per "
                 "language and reason",
                 "language", cols, rows)


def _dedup_and_pii(report: dict[str, Any]) -> str:
    """Dedup figures (removed, candidate and verified pairs, cluster sizes), PII replacements, and which quality
    checks ran per language, as tables."""
    out = ['<section id="cleaning"><h2>Deduplication, PII and filters</h2>']
    dedup = report.get("dedup")
    if dedup:
        lsh = dedup.get("lsh", {})
        figures = {"exact duplicates removed": dedup.get("exact_removed"),
                   "near duplicates removed": dedup.get("near_removed"),
                   "candidate pairs (LSH)": dedup.get("candidate_pairs"),
                   "verified pairs": dedup.get("verified_pairs"),
                   "LSH bands": lsh.get("bands"), "LSH rows per band": lsh.get("rows"),
                   "MinHash permutations": lsh.get("num_perm")}
        out.append(table("dedup", f"Deduplication (Jaccard threshold {lsh.get('threshold', '?')})", "figure",
                         [Col("n", "value")], {k: {"n": v} for k, v in figures.items() if v is not None}))
        sizes: dict[str, dict[str, Any]] = {}
        for kind in ("exact", "near"):
            for size, n in (dedup.get(f"{kind}_clusters") or {}).items():
                sizes.setdefault(str(size), {})[kind] = n
        rows = {k: sizes[k] for k in sorted(sizes, key=int)}
        out.append(table("cluster_sizes", "Duplicate clusters by size (documents per cluster)", "cluster size",
                         [Col("exact", "exact clusters"), Col("near", "near clusters")], rows))
    pii = report.get("pii")
    if pii:
        if pii.get("enabled") is False:
            out.append("<p>PII redaction was switched off in the manifest.</p>")
        else:
            kept = report.get("pii_kept") or {}
            counts = {k: {"n": v, "kept": kept.get(k)} for k, v in pii.items() if k != "enabled"}
            cols = [Col("n", "replaced (all documents redacted)")]
            if kept:  # reports from before pii_kept have only the replacements
                cols.append(Col("kept", "placeholders in kept documents"))
            out.append(table("pii", "PII replaced, per category (PI:EMAIL, PI:USER, ...): replacements made in every "
                                    "natural-language document redacted, kept or removed later, and the "
                                    "placeholders left in the kept documents", "category", cols, counts))
    out.append(_word_removal(report.get("word_removal")))
    checks = report.get("filters")
    if checks:
        names = sorted({c for row in checks.values() for c in row})
        out.append(table("filters", "Quality checks per language (off: switched off; no list / no model: not "
                                    "available)", "language", [Col(c, c, str, numeric=False) for c in names],
                         checks))
    out.append("</section>")
    return "".join(out)


def _tokenizer(ids: Ids, tok: dict[str, Any]) -> str:
    base = (tok.get("baseline_gpt2") or {}).get("languages", {})
    series = [Series("roots", BLUE)] + ([Series("GPT-2 baseline", ORANGE, "hatch")] if base else [])
    metrics = (("fertility_tokens_per_word", "Fertility (tokens per word)", "fertility"),
               ("tokens_per_byte", "Tokens per byte", "tokens/byte"))
    out = ['<section id="tokenizer"><h2>Tokenizer</h2>',
           f'<p>Measured on held-out documents never used for training; vocabulary {tok.get("vocab_size", 0):,} '
           f'tokens ({esc(tok.get("pre_tokenizer", "?"))} pre-tokenizer). Lower is better for both measures.'
           + ("" if base else " No GPT-2 baseline in this tokenizer report.") + "</p>"]
    short = tok.get("vocab_shortfall")
    if short:
        need = short.get("needed_sample_bytes_estimate")
        out.append(f'<p class="bad">The vocabulary has {short["vocab_size"]:,} tokens, '
                   f'{short["vocab_size_requested"]:,} were asked for: the {human(short["sample_bytes"])} training '
                   "sample has too few repeated pairs to merge"
                   + (f"; about {esc(human(need))} of training text would be needed (a rough estimate)" if need else "")
                   + ".</p>")
    for metric, heading, short_name in metrics:
        rows = []
        for lang, m in tok["languages"].items():
            v = m.get(metric)
            marks = [Mark(v, _fmt_opt(v, "roots"), f"{lang}: {short_name} {_fmt_opt(v)} (roots)")]
            if base:
                b = base.get(lang, {}).get(metric)
                marks.append(Mark(b, _fmt_opt(b, "gpt2"), f"{lang}: {short_name} {_fmt_opt(b)} (GPT-2 baseline)", 1))
            rows.append(Row(lang, marks))
        svg = bar_chart(ids, metric, f"{heading} per language: roots vs GPT-2 baseline",
                        f"{heading} of the roots tokenizer" + (" and of a GPT-2-pre-tokenizer baseline trained on "
                                                              "the same sample" if base else "") + ", per language.",
                        rows, series, "linear")
        caption = f"{heading} per language, roots (solid)" + (" and GPT-2 baseline (hatched)" if base else "")
        out.append(f"<h3>{esc(heading)}</h3>" + _figure(svg, caption + "; values printed at the right."))
    rows_tab = {}
    for lang, m in tok["languages"].items():
        b = base.get(lang, {})
        rows_tab[lang] = {"heldout_docs": m.get("heldout_docs"), "fertility": m.get("fertility_tokens_per_word"),
                          "fertility_gpt2": b.get("fertility_tokens_per_word"), "tpb": m.get("tokens_per_byte"),
                          "tpb_gpt2": b.get("tokens_per_byte"), "vocab_share": m.get("vocab_share"),
                          "vocab_share_gpt2": b.get("vocab_share")}
    f3 = _fmt_opt
    cols = [Col("heldout_docs", "held-out documents"), Col("fertility", "fertility", f3),
            Col("fertility_gpt2", "fertility (GPT-2)", f3), Col("tpb", "tokens/byte", f3),
            Col("tpb_gpt2", "tokens/byte (GPT-2)", f3), Col("vocab_share", "vocab share", _pct_frac),
            Col("vocab_share_gpt2", "vocab share (GPT-2)", _pct_frac)]
    if not base:
        cols = [c for c in cols if not c.key.endswith("_gpt2")]
    out.append(table("tokenizer", "Tokenizer per language", "language", cols, rows_tab))
    unused = tok.get("vocab_share_unused")
    if unused is not None:
        out.append(f'<p class="note">{pct(100 * unused)} of the vocabulary is never used on the held-out '
                   "documents.</p>")
    out.append("</section>")
    return "".join(out)


def _fmt_opt(v: float | None, prefix: str = "") -> str:
    text = "n/a" if v is None else f"{v:.3f}"
    return f"{prefix} {text}" if prefix else text


def _pct_frac(v: float) -> str:
    return pct(100 * v)


def _comparison(ids: Ids, comp: dict[str, Any]) -> str:
    from reports.compare import signed

    other = comp["other"]
    sgn = {"fmt": lambda v: signed(v)}
    out = [f'<section id="compare"><h2>Compared with {esc(other)}</h2>'
           f'<p>Differences are <strong>{esc(comp["current"])}</strong> minus <strong>{esc(other)}</strong>; '
           "share deltas are in percentage points of each run's kept bytes. “new”: only in this run, "
           "“gone”: only in the other.</p>"]
    out.append(table("compare_totals", "Totals", "", [Col("current", "this run"), Col("other", "other"),
                                                      Col("delta", "delta", **sgn)], comp["totals"]))
    for key, heading, noun in (("languages", "Languages", "language"),
                               ("programming_languages", "Programming languages", "programming language")):
        data = comp[key]
        out.append(f"<h3>{esc(heading)}</h3>")
        if any(abs(v["share_delta_points"]) >= 0.005 for v in data.values()):
            rows = [Row(k, [Mark(v["share_delta_points"], signed(v["share_delta_points"], 2) + " points",
                                 f'{k}: {pct(v["share_other"])} → {pct(v["share_current"])} of kept bytes')])
                    for k, v in data.items()]
            svg = bar_chart(ids, f"compare_{key}", f"{heading}: change in share of kept bytes",
                            f"Percentage points gained (right of zero) or lost (left) per {noun}.", rows,
                            [Series("share delta", BLUE)], "linear", tick_signed=True)
            out.append(_figure(svg, "Change in share of kept bytes, percentage points; gains right of zero, "
                                    "losses left."))
        elif data:
            out.append(f"<p>No {esc(noun)}'s share of kept bytes changed by 0.01 points or more.</p>")
        cols = [Col("status", "", str, numeric=False), Col("docs_current", "documents"),
                Col("docs_delta", "documents delta", **sgn), Col("bytes_current", "bytes"),
                Col("bytes_delta", "bytes delta", **sgn), Col("share_current", "share", pct),
                Col("share_delta_points", "share delta (points)", lambda v: signed(v, 2))]
        rows_tab = {k: {**v, "status": "" if v["status"] == "both" else v["status"]} for k, v in data.items()}
        out.append(table(f"compare_{key}", f"{heading}: deltas", noun, cols, rows_tab))
    out.append(table("compare_removed", "Removed documents per reason: deltas", "reason",
                     [Col("current", "this run"), Col("other", "other"), Col("delta", "delta", **sgn)],
                     comp["removed"]))
    out.append("</section>")
    return "".join(out)


# --------------------------------------------------------------------------------------------------- page
def render_html(report: dict[str, Any], tokenizer: dict[str, Any] | None = None,
                comparison: dict[str, Any] | None = None, tokens: dict[str, Any] | None = None) -> str:
    """The whole page for a pipeline report, with optional tokenizer report and comparison (see compare.py)."""
    ids = Ids()
    name = report.get("name") or "run"
    sections = [("summary", "Summary"), ("languages", "Languages"),
                ("programming-languages", "Programming languages"), ("funnel", "Documents through the pipeline"),
                ("removed", "Removal reasons")]
    body = [_summary(report),
            _distribution(ids, report, "languages", "Languages", "languages", "language"),
            _distribution(ids, report, "programming_languages", "Programming languages", "programming-languages",
                          "programming language"),
            _funnel(ids, report), _removals(ids, report)]
    if "roots_coverage" in report:
        from reports.coverage import coverage_html

        sections.insert(2, ("roots-coverage", "ROOTS-46 coverage"))
        body.insert(2, coverage_html(report))
    if any(v.get("top_errors") for v in (report.get("per_source") or {}).values()):
        sections.append(("failed", "Failed documents"))
        body.append(_dead_letters(report))
    if any(report.get(k) for k in ("dedup", "pii", "filters")):
        sections.append(("cleaning", "Deduplication, PII and filters"))
        body.append(_dedup_and_pii(report))
    if tokenizer:
        sections.append(("tokenizer", "Tokenizer"))
        body.append(_tokenizer(ids, tokenizer))
    if tokens:  # tokens/index.json of `roots tokenize` (reports/tokens.py)
        from reports.tokens import tokens_section

        sections.append(("tokens", "Tokens"))
        body.append(tokens_section(ids, tokens, report))
    if comparison:
        sections.append(("compare", f"Compared with {comparison['other']}"))
        body.append(_comparison(ids, comparison))
    nav = "".join(f'<li><a href="#{a}">{esc(t)}</a></li>' for a, t in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>roots report: {esc(name)}</title><style>{CSS}</style></head>\n<body>"
            f'<header><h1>roots report: {esc(name)}</h1>'
            f'<p class="note">{report["kept_docs"]:,} documents and {human(report["kept_bytes"])} of text kept in '
            f'{len(report["languages"])} languages and {len(report["programming_languages"])} programming languages.'
            f'</p><nav aria-label="Sections"><ul>{nav}</ul></nav></header>\n'
            f'<main>{"".join(body)}</main>\n'
            f'<footer><p class="note">Generated by <code>roots report</code> from report.json (version '
            f'{esc(report.get("version", "?"))}); the counts come from the written shards, removed and dead-letter '
            f"files.</p></footer></body></html>\n")


def write_html_report(report: dict[str, Any], path: str, tokenizer: dict[str, Any] | None = None,
                      comparison: dict[str, Any] | None = None, tokens: dict[str, Any] | None = None) -> str:
    """Render and write the page atomically (a reader never sees half a file); returns ``path``."""
    text = render_html(report, tokenizer, comparison, tokens)
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as e:
        raise UserError(f"{path}: cannot write the HTML report ({e.strerror})") from e
    return path
