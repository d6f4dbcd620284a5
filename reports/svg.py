"""The SVG chart kit of ``report.html``: colours and number formats, linear and log scales, bar charts, heat maps
and the funnel, all drawn in Python so the same report gives the same bytes and a test can read every mark (each
bar or cell carries ``data-chart``, ``data-key`` and ``data-value``). Every string from data goes through
:func:`esc`."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from string import Template
from typing import Any

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
td[data-col=excerpt] { white-space: pre-wrap; overflow-wrap: anywhere; min-width: 28ch; max-width: 64ch;
  font: .85rem/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
td[data-col=locator], td[data-col=example] { overflow-wrap: anywhere; max-width: 40ch; }
dl.totals dt { color: $muted; } dl.totals dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
""").substitute(ink=INK, muted=MUTED, grid=GRID, red=RED)


def esc(value: Any) -> str:
    """Text or attribute value from data, escaped (quotes too)."""
    return html.escape(str(value), quote=True)


def _attrs(attrs: dict[str, Any]) -> str:
    return "".join(f' {k}="{esc(v)}"' for k, v in attrs.items() if v is not None)


def num(value: float) -> str:
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


class Ids:
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


def _open_svg(ids: Ids, width: float, height: float, title: str, desc: str) -> tuple[str, str]:
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


def bar_chart(ids: Ids, chart: str, title: str, desc: str, rows: Sequence[Row], series: Sequence[Series],
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
                    "data-value": num(m.value), **m.data}
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


def heatmap(ids: Ids, chart: str, title: str, desc: str, matrix: dict[str, dict[str, int]],
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


def funnel_chart(ids: Ids, steps: Sequence[dict[str, Any]], kept: int) -> str:
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
