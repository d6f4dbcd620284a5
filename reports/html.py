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

import html
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from string import Template
from typing import Any

from core.errors import UserError
from reports.build import _human, funnel_from_reasons

# --------------------------------------------------------------------------------------------------- look
INK = "#1b1b1b"        # text: 16.8:1 on white
MUTED = "#4d5560"      # secondary text and axes: 7.4:1 on white
GRID = "#d8dde3"
BLUE = "#2b5d9b"       # main series: 6.5:1 on white (WCAG 1.4.11 asks 3:1 for graphics)
ORANGE = "#a4500c"     # second series: 5.6:1 on white
RED = "#a8322d"        # removed documents: 6.5:1
PURPLE = "#6b3fa0"     # failed documents: 7.6:1
HEAT_LO, HEAT_HI = (0xEE, 0xF3, 0xFA), (0x17, 0x37, 0x5E)

CSS = Template("""
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: $ink;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
header, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 16px; border-bottom: 1px solid $grid; }
h1 { font-size: 1.7rem; margin: .4rem 0; } h2 { font-size: 1.35rem; margin: 2.2rem 0 .5rem; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
p, li { max-width: 80ch; } .note { color: $muted; }
nav ul { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; padding: 0; list-style: none; }
a { color: #1f4f8a; }
a:focus-visible, input:focus-visible + label, .table-wrap:focus-visible {
  outline: 3px solid #1f4f8a; outline-offset: 2px; }
figure { margin: .8rem 0 1rem; } figcaption { color: $muted; font-size: .95rem; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; white-space: nowrap; }
th, td { padding: .2rem .7rem; border-bottom: 1px solid $grid; text-align: right; vertical-align: top; }
thead th { border-bottom: 2px solid $muted; } th[scope=row], .text { text-align: left; }
th[scope=row] { white-space: nowrap; }
tbody tr:nth-child(even) { background: #f6f8fa; }
.bad { color: $red; font-weight: 600; } .ok { color: #1d6b32; font-weight: 600; }
.toggle { margin: .4rem 0; } .toggle input { width: 1.1rem; height: 1.1rem; vertical-align: -.15rem; }
.log-toggle:checked ~ .scale-linear, .log-toggle:not(:checked) ~ .scale-log { display: none; }
dl.totals { display: grid; grid-template-columns: max-content max-content; gap: .1rem 1.2rem; }
dl.totals dt { color: $muted; } dl.totals dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
""").substitute(ink=INK, muted=MUTED, grid=GRID, red=RED)


def esc(value: Any) -> str:
    """Text or attribute value from data, escaped (quotes too)."""
    return html.escape(str(value), quote=True)


def _attrs(attrs: dict[str, Any]) -> str:
    return "".join(f' {k}="{esc(v)}"' for k, v in attrs.items() if v is not None)


def _num(value: float) -> str:
    """A number for a ``data-value``: integers exactly, floats to 6 significant decimals."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}" if abs(value) < 1e-4 else str(round(value, 6))


def pct(value: float) -> str:
    """A percentage: two decimals, or two significant digits below 0.1% (ROOTS' smallest languages are ~1e-5 %)."""
    if value == 0 or abs(value) >= 0.1:
        return f"{value:.2f}%"
    return f"{value:.{min(10, 1 - math.floor(math.log10(abs(value))))}f}%"


def short(n: float) -> str:
    """Compact count for a heat-map cell (the exact count is in its tooltip and the table)."""
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            v = n / size
            return f"{v:.1f}{unit}" if abs(v) < 10 else f"{v:.0f}{unit}"
    return f"{n:g}"


def share(part: int, whole: int) -> float:
    """Percent of ``whole``, as the terminal table computes it."""
    return 100 * part / whole if whole else 0.0


# --------------------------------------------------------------------------------------------------- scales
def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if raw <= m * mag * (1 + 1e-9))


class LinearScale:
    """Value → x on [x0, x1], domain extended to 0 and to round ticks."""

    def __init__(self, values: Sequence[float], x0: float, x1: float):
        lo, hi = min([0.0, *values]), max([0.0, *values])
        if hi == lo:
            hi = lo + 1
        step = _nice_step(hi - lo)
        self.lo, self.hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
        self.x0, self.x1 = x0, x1
        self.ticks = [self.lo + i * step for i in range(round((self.hi - self.lo) / step) + 1)]

    def __call__(self, v: float) -> float:
        return self.x0 + (v - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)

    def span(self, v: float) -> tuple[float, float]:
        """(x, width) of a bar from 0 to v."""
        a, b = self(0), self(v)
        return min(a, b), abs(b - a)


class LogScale:
    """Value → x on [x0, x1] over whole decades; bars start at the lowest decade, values ≤ 0 get no bar."""

    def __init__(self, values: Sequence[float], x0: float, x1: float):
        positive = [v for v in values if v > 0] or [1.0]
        self.lo = 10 ** math.floor(math.log10(min(positive)))
        self.hi = 10 ** math.ceil(math.log10(max(positive)))
        if self.hi <= self.lo:
            self.hi = self.lo * 10
        self.x0, self.x1 = x0, x1
        decades = round(math.log10(self.hi / self.lo))
        self.ticks = [self.lo * 10 ** i for i in range(decades + 1)]

    def __call__(self, v: float) -> float:
        return self.x0 + math.log10(v / self.lo) / math.log10(self.hi / self.lo) * (self.x1 - self.x0)

    def span(self, v: float) -> tuple[float, float]:
        return self.x0, (self(v) - self.x0) if v > 0 else 0.0


# --------------------------------------------------------------------------------------------------- SVG charts
@dataclass(frozen=True)
class Series:
    """One kind of bar: a name for the legend, a colour, and a pattern so it differs without colour too."""

    name: str
    color: str
    pattern: str | None = None  # None (solid) | "hatch" | "dots"


@dataclass(frozen=True)
class Mark:
    """One bar: its value, the text printed beside it, a tooltip and extra ``data-*`` attributes."""

    value: float | None
    text: str
    tip: str
    series: int = 0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    key: str
    marks: list[Mark]


class _Ids:
    """Unique element ids within one page (chart titles, patterns)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n}"


def _defs(pid: str, series: Sequence[Series]) -> str:
    parts = []
    for i, s in enumerate(series):
        if s.pattern == "hatch":
            parts.append(f'<pattern id="{pid}-{i}" width="6" height="6" patternUnits="userSpaceOnUse" '
                         f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
                         f'<rect width="3" height="6" fill="{s.color}"/></pattern>')
        elif s.pattern == "dots":
            parts.append(f'<pattern id="{pid}-{i}" width="5" height="5" patternUnits="userSpaceOnUse">'
                         f'<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.6" '
                         f'fill="{s.color}"/></pattern>')
    return f"<defs>{''.join(parts)}</defs>" if parts else ""


def _fill(pid: str, i: int, s: Series) -> str:
    return f"url(#{pid}-{i})" if s.pattern else s.color


def _open_svg(ids: _Ids, width: float, height: float, title: str, desc: str) -> tuple[str, str]:
    tid = ids("t")
    head = (f'<svg class="chart" role="img" viewBox="0 0 {width:g} {height:g}" aria-labelledby="{tid} {tid}d" '
            f'font-family="inherit" font-size="12" fill="{INK}"><title id="{tid}">{esc(title)}</title>'
            f'<desc id="{tid}d">{esc(desc)}</desc>')
    return head, tid


def _legend(pid: str, series: Sequence[Series], y: float, x: float) -> str:
    out = []
    for i, s in enumerate(series):
        out.append(f'<rect x="{x:g}" y="{y - 9:g}" width="18" height="11" fill="{_fill(pid, i, s)}" '
                   f'stroke="{s.color}"/><text x="{x + 24:g}" y="{y:g}">{esc(s.name)}</text>')
        x += 40 + 7 * len(s.name)
    return "".join(out)


def bar_chart(ids: _Ids, chart: str, title: str, desc: str, rows: Sequence[Row], series: Sequence[Series],
              scale: str = "linear", tick_unit: str = "", tick_signed: bool = False) -> str:
    """Horizontal bars, one group of ``len(series)`` bars per row; negative values grow left of zero (linear only).

    Every bar is a ``<rect class="mark">`` with ``data-chart``, ``data-key``, ``data-series``, ``data-scale`` and
    ``data-value``; the value's text is printed in a column on the right.
    """
    width, label_w, value_w, bar_h = 860.0, 150.0, 170.0, 15.0
    legend = len(series) > 1
    top = 44.0 + (22 if legend else 0)
    row_h = len(series) * (bar_h + 3) + 9
    height = top + max(1, len(rows)) * row_h + 8
    values = [m.value for r in rows for m in r.marks if m.value is not None]
    x0, x1 = label_w, width - value_w
    sx = LogScale(values, x0, x1) if scale == "log" else LinearScale(values, x0, x1)
    head, tid = _open_svg(ids, width, height, title, desc)
    pid = tid + "p"
    out = [head, _defs(pid, series)]
    if legend:
        out.append(_legend(pid, series, 16, label_w))
    out.append(_axis(sx, tick_labels(sx.ticks, scale == "log", tick_unit, tick_signed), top, height,
                     zero_line=scale != "log"))
    for r_i, row in enumerate(rows):
        y = top + r_i * row_h
        out.append(f'<text x="{label_w - 8:g}" y="{y + row_h / 2 + 1:g}" text-anchor="end" '
                   f'dominant-baseline="middle">{esc(_clip(row.key))}<title>{esc(row.key)}</title></text>')
        for m_i, m in enumerate(row.marks):
            s = series[m.series]
            by = y + 4 + m_i * (bar_h + 3)
            out.append(f'<text x="{x1 + 8:g}" y="{by + bar_h / 2 + 1:g}" dominant-baseline="middle">'
                       f'{esc(m.text)}</text>')
            if m.value is None:
                continue
            bx, bw = sx.span(m.value)
            data = {"data-chart": chart, "data-key": row.key, "data-series": s.name, "data-scale": scale,
                    "data-value": _num(m.value), **m.data}
            out.append(f'<rect class="mark" x="{bx:.3f}" y="{by:g}" width="{bw:.3f}" height="{bar_h:g}" '
                       f'fill="{_fill(pid, m.series, s)}" stroke="{s.color if s.pattern else "none"}"'
                       f'{_attrs(data)}><title>{esc(m.tip)}</title></rect>')
    out.append("</svg>")
    return "".join(out)


def _axis(sx: LinearScale | LogScale, labels: Sequence[str], top: float, height: float, zero_line: bool) -> str:
    """Grid lines at every tick; labels on every k-th tick (counted from the largest), the smallest k that keeps
    them from overlapping (a log axis over many decades has long labels close together)."""
    xs = [sx(t) for t in sx.ticks]
    half = [3.6 * len(label) for label in labels]  # ~7.2 units per character at font-size 12
    n = len(xs)
    for stride in range(1, n + 1):
        shown = list(range(n - 1, -1, -stride))
        if all(xs[b] - half[b] - (xs[a] + half[a]) >= 8 for a, b in zip(shown[1:], shown, strict=False)):
            break
    out = []
    for i, (t, x) in enumerate(zip(sx.ticks, xs, strict=True)):
        stroke = MUTED if zero_line and t == 0 else GRID
        out.append(f'<line x1="{x:.2f}" x2="{x:.2f}" y1="{top - 6:g}" y2="{height - 8:g}" stroke="{stroke}"/>')
        if i in shown:
            out.append(f'<text x="{x:.2f}" y="{top - 12:g}" text-anchor="middle" fill="{MUTED}">'
                       f"{esc(labels[i])}</text>")
    return "".join(out)


def _digits(x: float) -> int:
    """Decimals needed to write ``x`` exactly (0.25 → 2, 5 → 0), at most 8."""
    return next((d for d in range(8) if abs(round(x, d) - x) <= 1e-9 * max(1.0, abs(x))), 8)


def tick_labels(ticks: Sequence[float], log: bool, unit: str = "", signed: bool = False) -> list[str]:
    """Axis labels with as many decimals as the spacing needs (0, 0.25, 0.5 / 0.001%, 0.01%, 0.1%, 1%)."""
    step = min((b - a for a, b in zip(ticks, ticks[1:], strict=False)), default=1.0)
    out = []
    for t in ticks:
        text = "0" if abs(t) < 1e-12 else f"{abs(t):,.{_digits(t if log else step)}f}"
        sign = "-" if t < 0 and text != "0" else ("+" if signed and t > 0 else "")
        out.append(f"{sign}{text}{unit}")
    return out


def _clip(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _heat_rgb(t: float) -> tuple[int, ...]:
    return tuple(round(a + (b - a) * t) for a, b in zip(HEAT_LO, HEAT_HI, strict=True))


def _luminance(rgb: Sequence[int]) -> float:
    """WCAG relative luminance."""
    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(rgb: Sequence[int]) -> str:
    """White or ink, whichever contrasts more with the background ``rgb``."""
    lum = _luminance(rgb)
    return "#fff" if 1.05 / (lum + 0.05) > (lum + 0.05) / (_luminance((0x1B,) * 3) + 0.05) else INK


def heatmap(ids: _Ids, chart: str, title: str, desc: str, matrix: dict[str, dict[str, int]],
            columns: Sequence[str]) -> str:
    """Rows × columns of counts; each cell prints its count and shades by log(count) (``rect.mark`` with data)."""
    label_w, cell_h = 150.0, 24.0
    top = 24 + 4.8 * max((len(_clip(c, 22)) for c in columns), default=1)  # rotated (40°) headers' height
    cell_w = 60.0 if len(columns) <= 10 else 46.0
    width = max(860.0, label_w + cell_w * len(columns) + 110)
    height = top + cell_h * max(1, len(matrix)) + 8
    biggest = max((n for row in matrix.values() for n in row.values()), default=0)
    head, _ = _open_svg(ids, width, height, title, desc)
    out = [head]
    for c_i, col in enumerate(columns):
        cx = label_w + c_i * cell_w + cell_w / 2
        out.append(f'<text x="{cx:g}" y="{top - 8:g}" transform="rotate(-40 {cx:g} {top - 8:g})">'
                   f'{esc(_clip(col, 22))}<title>{esc(col)}</title></text>')
    for r_i, (key, row) in enumerate(matrix.items()):
        y = top + r_i * cell_h
        out.append(f'<text x="{label_w - 8:g}" y="{y + cell_h / 2 + 1:g}" text-anchor="end" '
                   f'dominant-baseline="middle">{esc(_clip(key))}<title>{esc(key)}</title></text>')
        for c_i, col in enumerate(columns):
            n = row.get(col, 0)
            rgb = _heat_rgb(math.log1p(n) / math.log1p(biggest)) if n else (255, 255, 255)
            x = label_w + c_i * cell_w
            data = {"data-chart": chart, "data-key": key, "data-series": col, "data-value": n}
            out.append(f'<rect class="mark" x="{x:g}" y="{y:g}" width="{cell_w:g}" height="{cell_h:g}" '
                       f'fill="#{bytes(rgb).hex()}" stroke="{GRID}"{_attrs(data)}>'
                       f'<title>{esc(key)}: {n:,} removed as {esc(col)}</title></rect>'
                       f'<text x="{x + cell_w / 2:g}" y="{y + cell_h / 2 + 1:g}" text-anchor="middle" '
                       f'dominant-baseline="middle" fill="{text_on(rgb) if n else MUTED}">'
                       f'{short(n) if n else "·"}</text>')
    out.append("</svg>")
    return "".join(out)


def funnel_chart(ids: _Ids, steps: Sequence[dict[str, Any]], kept: int) -> str:
    """Documents remaining after each stage; what the stage removed (hatched) and failed (dotted) continues the bar."""
    series = [Series("remaining", BLUE), Series("removed", RED, "hatch"), Series("failed", PURPLE, "dots")]
    rows = [*steps, {"stage": "kept", "removed": 0, "failed": 0, "remaining": kept}]
    labels = [_funnel_label(r) for r in rows]
    width, label_w, bar_h, row_h, top = 860.0, 150.0, 18.0, 30.0, 66.0
    value_w = min(430.0, 16 + 7.0 * max(len(t) for t in labels))
    height = top + row_h * len(rows) + 8
    sx = LinearScale([steps[0]["remaining"] if steps else kept, kept], label_w, width - value_w)
    head, tid = _open_svg(ids, width, height, "Documents through the pipeline",
                          "Documents remaining after each stage, from input to kept; each stage's removed and failed "
                          "documents are drawn after its remaining bar.")
    pid = tid + "p"
    out = [head, _defs(pid, series), _legend(pid, series, 16, label_w)]
    out.append(_axis(sx, tick_labels(sx.ticks, False), top, height, zero_line=False))
    for i, step in enumerate(rows):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 8:g}" y="{y + row_h / 2:g}" text-anchor="end" '
                   f'dominant-baseline="middle">{esc(step["stage"])}</text>')
        x = sx(0)
        parts = [("remaining", step["remaining"]), ("removed", step["removed"]), ("failed", step["failed"])]
        for s_i, (name, n) in enumerate(parts):
            w = sx(n) - sx(0)
            data = {"data-chart": "funnel", "data-key": step["stage"], "data-series": name, "data-value": n}
            out.append(f'<rect class="mark" x="{x:.3f}" y="{y + 6:g}" width="{w:.3f}" height="{bar_h:g}" '
                       f'fill="{_fill(pid, s_i, series[s_i])}" stroke="{series[s_i].color if s_i else "none"}"'
                       f'{_attrs(data)}><title>{esc(step["stage"])}: {n:,} {name}</title></rect>')
            x += w
        out.append(f'<text x="{width - value_w + 8:g}" y="{y + row_h / 2:g}" dominant-baseline="middle">'
                   f'{esc(labels[i])}</text>')
    out.append("</svg>")
    return "".join(out)


def _funnel_label(step: dict[str, Any]) -> str:
    label = f'{step["remaining"]:,} remaining'
    if step["removed"] or step["failed"]:
        label += f' · {step["removed"]:,} removed · {step["failed"]:,} failed'
    return label


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
                cells.append(f'<td data-col="{esc(c.key)}" data-value="{_num(v)}">{esc(c.fmt(v))}</td>')
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
             ("kept text", _human(report["kept_bytes"])), ("shards", f'{report.get("shards", 0):,}')]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    check = ('<p class="ok">✓ input = kept + removed + failed: the counts add up.</p>' if ok else
             '<p class="bad">✗ The counts do not add up: input ≠ kept + removed + failed. Some documents were lost; '
             'this run is not trustworthy.</p>')
    sources = table("sources", "Documents read per source", "source", [Col("docs", "documents")],
                    {k: {"docs": v} for k, v in report.get("sources", {}).items()})
    return f'<section id="summary"><h2>Summary</h2><dl class="totals">{dl}</dl>{check}{sources}</section>'


def _distribution(ids: _Ids, report: dict[str, Any], key: str, heading: str, anchor: str, noun: str) -> str:
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
                         f'{k}: {pct(v["bytes_share"])} of kept bytes ({_human(v["bytes"])}, {v["docs"]:,} documents)',
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


def _funnel(ids: _Ids, report: dict[str, Any]) -> str:
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


def _removals(ids: _Ids, report: dict[str, Any]) -> str:
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
    out.append("</section>")
    return "".join(out)


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
            counts = {k: {"n": v} for k, v in pii.items() if k != "enabled"}
            out.append(table("pii", "PII replaced, per category (PI:EMAIL, PI:USER, ...)", "category",
                             [Col("n", "replacements")], counts))
    checks = report.get("filters")
    if checks:
        names = sorted({c for row in checks.values() for c in row})
        out.append(table("filters", "Quality checks per language (off: switched off; no list / no model: not "
                                    "available)", "language", [Col(c, c, str, numeric=False) for c in names],
                         checks))
    out.append("</section>")
    return "".join(out)


def _tokenizer(ids: _Ids, tok: dict[str, Any]) -> str:
    base = (tok.get("baseline_gpt2") or {}).get("languages", {})
    series = [Series("roots", BLUE)] + ([Series("GPT-2 baseline", ORANGE, "hatch")] if base else [])
    metrics = (("fertility_tokens_per_word", "Fertility (tokens per word)", "fertility"),
               ("tokens_per_byte", "Tokens per byte", "tokens/byte"))
    out = ['<section id="tokenizer"><h2>Tokenizer</h2>',
           f'<p>Measured on held-out documents never used for training; vocabulary {tok.get("vocab_size", 0):,} '
           f'tokens ({esc(tok.get("pre_tokenizer", "?"))} pre-tokenizer). Lower is better for both measures.'
           + ("" if base else " No GPT-2 baseline in this tokenizer report.") + "</p>"]
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


def _comparison(ids: _Ids, comp: dict[str, Any]) -> str:
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
                comparison: dict[str, Any] | None = None) -> str:
    """The whole page for a pipeline report, with optional tokenizer report and comparison (see compare.py)."""
    ids = _Ids()
    name = report.get("name") or "run"
    sections = [("summary", "Summary"), ("languages", "Languages"),
                ("programming-languages", "Programming languages"), ("funnel", "Documents through the pipeline"),
                ("removed", "Removal reasons")]
    body = [_summary(report),
            _distribution(ids, report, "languages", "Languages", "languages", "language"),
            _distribution(ids, report, "programming_languages", "Programming languages", "programming-languages",
                          "programming language"),
            _funnel(ids, report), _removals(ids, report)]
    if any(report.get(k) for k in ("dedup", "pii", "filters")):
        sections.append(("cleaning", "Deduplication, PII and filters"))
        body.append(_dedup_and_pii(report))
    if tokenizer:
        sections.append(("tokenizer", "Tokenizer"))
        body.append(_tokenizer(ids, tokenizer))
    if comparison:
        sections.append(("compare", f"Compared with {comparison['other']}"))
        body.append(_comparison(ids, comparison))
    nav = "".join(f'<li><a href="#{a}">{esc(t)}</a></li>' for a, t in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>roots report: {esc(name)}</title><style>{CSS}</style></head>\n<body>"
            f'<header><h1>roots report: {esc(name)}</h1>'
            f'<p class="note">{report["kept_docs"]:,} documents and {_human(report["kept_bytes"])} of text kept in '
            f'{len(report["languages"])} languages and {len(report["programming_languages"])} programming languages.'
            f'</p><nav aria-label="Sections"><ul>{nav}</ul></nav></header>\n'
            f'<main>{"".join(body)}</main>\n'
            f'<footer><p class="note">Generated by <code>roots report</code> from report.json (version '
            f'{esc(report.get("version", "?"))}); the counts come from the written shards, removed and dead-letter '
            f"files.</p></footer></body></html>\n")


def write_html_report(report: dict[str, Any], path: str, tokenizer: dict[str, Any] | None = None,
                      comparison: dict[str, Any] | None = None) -> str:
    """Render and write the page atomically (a reader never sees half a file); returns ``path``."""
    text = render_html(report, tokenizer, comparison)
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise UserError(f"{path}: cannot write the HTML report ({e.strerror})") from e
    return path


def load_tokenizer_report(path: str) -> dict[str, Any]:
    """The ``report.json`` of a ``roots tokenizer --out DIR`` folder (or that file itself), checked for its keys."""
    file = os.path.join(path, "report.json") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise UserError(f"{file}: not found; pass the --out folder of `roots tokenizer`")
    try:
        with open(file, encoding="utf-8") as f:
            tok = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{file}: cannot read it as a tokenizer report ({e})") from e
    langs = tok.get("languages") if isinstance(tok, dict) else None
    if not isinstance(langs, dict) or any("fertility_tokens_per_word" not in v for v in langs.values()):
        raise UserError(f"{file}: not a tokenizer report (no `languages` with `fertility_tokens_per_word`); "
                        "pass the --out folder of `roots tokenizer`")
    return tok
