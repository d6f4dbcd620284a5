"""The HTML, CSS and JavaScript of the ``roots tune`` page (``reports.tune``), inline so the page needs nothing else.

The script builds everything with ``createElement`` and ``textContent`` (never ``innerHTML``), so document text can
only ever show as text. Elements the browser test drives carry ``data-check`` / ``data-field`` attributes; each
slider keeps the cut-off it stands for in ``data-cutoff`` and each check its removed share in ``data-share``.
"""

PAGE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:10px 16px;background:#263238;color:#fff;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{font-size:16px;margin:0}
main{display:grid;grid-template-columns:minmax(0,1fr) 360px;gap:16px;padding:16px}
.check{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 12px;margin-bottom:14px}
.check h2{font-size:15px;margin:0 0 4px}
.meta{color:#666;font-size:12px}
.share{font-weight:600}
svg{display:block;width:100%;height:110px}
.bar{fill:#90a4ae}.bar.gone{fill:#e57373}.cut{stroke:#c62828;stroke-width:2}
.cutoff{margin-top:6px;border-top:1px dashed #eee;padding-top:6px}
.cutoff input[type=range]{width:100%}
.ex{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin-top:4px}
.ex h3{font-size:12px;margin:2px 0;color:#555}
.doc{font-size:12px;border-left:3px solid #90a4ae;padding:2px 6px;margin:4px 0;background:#f5f5f5;word-break:break-word}
.doc.gone{border-color:#e57373}
.doc .id{font-family:monospace;color:#777}
pre{background:#263238;color:#e0f2f1;padding:10px;border-radius:6px;white-space:pre-wrap;position:sticky;top:10px}
aside p{color:#555;font-size:12px}
</style></head>
<body>
<header><h1 id="title"></h1>
<label>language <select id="language"></select></label>
<span class="meta" id="summary"></span></header>
<main><section id="checks"></section>
<aside><p>Move a slider to try a cut-off: the share it removes and the documents on each side follow. Paste the
snippet into the manifest, then run <code>roots refilter OUT --manifest NEW.yaml --out OUT2</code>.</p>
<pre id="yaml"></pre></aside></main>
<script type="application/json" id="data">__DATA__</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const STEPS = 1000;
const chosen = {};  // language -> field -> cut-off (null: off)
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const SVG = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs) => {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
};
function bound(a, x, strict) {  // first index whose value is >= x (strict) or > x
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (strict ? a[m] < x : a[m] <= x) lo = m + 1; else hi = m;
  }
  return lo;
}
const lowerBound = (a, x) => bound(a, x, true);
const upperBound = (a, x) => bound(a, x, false);
function fmt(c, v) {
  if (v === null || v === undefined) return "null";
  if (c.integer) return String(Math.max(0, Math.round(v)));
  let s = Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
  s = s.replace(/0+$/, "");
  return s.endsWith(".") ? s + "0" : s;
}
function removedShare(c, cuts) {
  const m = c.q.length;
  let gone = 0;
  for (const co of c.cutoffs) {
    const v = cuts[co.field];
    if (v === null || v === undefined) continue;
    gone += co.op === ">=" ? lowerBound(c.q, v) / m : (m - upperBound(c.q, v)) / m;
  }
  return Math.min(1, gone);
}
function range(c, co) {
  let lo = c.q[0], hi = c.q[c.q.length - 1];
  if (co.value !== null) { lo = Math.min(lo, co.value); hi = Math.max(hi, co.value); }
  if (hi <= lo) hi = lo + 1;
  const log = c.log && lo > 0;
  return {lo, hi, log};
}
function toValue(r, pos) {
  const t = pos / STEPS;
  return r.log ? Math.exp(Math.log(r.lo) + t * (Math.log(r.hi) - Math.log(r.lo))) : r.lo + t * (r.hi - r.lo);
}
function toPos(r, v) {
  const t = r.log ? (Math.log(v) - Math.log(r.lo)) / (Math.log(r.hi) - Math.log(r.lo)) : (v - r.lo) / (r.hi - r.lo);
  return Math.round(Math.max(0, Math.min(1, t)) * STEPS);
}
function docList(block, items, gone) {
  const box = el("div");
  for (const [value, id] of items) {
    const d = el("div", gone ? "doc gone" : "doc");
    d.appendChild(el("span", "id", id + "  " + (Math.round(value * 10000) / 10000) + "  "));
    d.appendChild(el("span", "text", block.excerpts[id] || ""));
    box.appendChild(d);
  }
  return box;
}
function drawHistogram(svg, c, cuts) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const {edges, counts} = c.hist;
  const w = 600, h = 100, max = Math.max(1, ...counts);
  const lo = edges[0], hi = edges[edges.length - 1];
  const x = (v) => {
    if (c.log && lo > 0) return (Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) * w;
    return (v - lo) / ((hi - lo) || 1) * w;
  };
  svg.setAttribute("viewBox", "0 0 " + w + " " + (h + 4));
  svg.setAttribute("preserveAspectRatio", "none");
  counts.forEach((n, i) => {
    const x0 = x(edges[i]), x1 = x(edges[i + 1]), mid = (edges[i] + edges[i + 1]) / 2;
    let gone = false;
    for (const co of c.cutoffs) {
      const v = cuts[co.field];
      if (v !== null && v !== undefined && (co.op === ">=" ? mid < v : mid > v)) gone = true;
    }
    const bh = n / max * h;
    svg.appendChild(svgEl("rect", {class: gone ? "bar gone" : "bar", x: x0, y: h - bh,
                                   width: Math.max(0.5, x1 - x0 - 0.5), height: bh}));
  });
  for (const co of c.cutoffs) {
    const v = cuts[co.field];
    if (v === null || v === undefined) continue;
    const cx = Math.max(0, Math.min(w, x(v)));
    svg.appendChild(svgEl("line", {class: "cut", x1: cx, x2: cx, y1: 0, y2: h + 4, "data-field": co.field}));
  }
}
function renderYaml(block) {
  const lines = ["filters:", "  languages:", "    " + block.language + ":"];
  for (const c of block.checks) for (const co of c.cutoffs) {
    const v = chosen[block.language][co.field];
    const was = co.value === null ? "null" : fmt(c, co.value);
    const now = fmt(c, v);
    lines.push("      " + co.field + ": " + now + (now !== was ? "   # run: " + was : ""));
  }
  document.getElementById("yaml").textContent = lines.join("\n") + "\n";
}
function renderCheck(block, c, box) {
  const cuts = chosen[block.language];
  const card = el("div", "check");
  card.dataset.check = c.check;
  card.appendChild(el("h2", null, c.check));
  const share = el("div", "meta");
  const shareValue = el("span", "share");
  share.appendChild(document.createTextNode("removed at these cut-offs: "));
  share.appendChild(shareValue);
  share.appendChild(document.createTextNode(" of " + c.n + " documents"));
  card.appendChild(share);
  const svg = svgEl("svg", {});
  card.appendChild(svg);
  const update = () => {
    const s = removedShare(c, cuts);
    shareValue.textContent = (100 * s).toFixed(2) + "%";
    card.dataset.share = String(s);
    drawHistogram(svg, c, cuts);
  };
  for (const co of c.cutoffs) {
    const r = range(c, co);
    const row = el("div", "cutoff");
    const label = el("div", "meta");
    const slider = el("input");
    slider.type = "range"; slider.min = "0"; slider.max = String(STEPS); slider.step = "1";
    slider.dataset.check = c.check; slider.dataset.field = co.field;
    const start = cuts[co.field] !== null ? cuts[co.field] : (co.op === ">=" ? r.lo : r.hi);
    slider.value = String(toPos(r, start));
    const lists = el("div", "ex");
    const below = el("div"), above = el("div");
    lists.appendChild(below); lists.appendChild(above);
    const show = () => {
      const v = cuts[co.field];
      slider.dataset.cutoff = v === null ? "" : String(v);
      const rule = co.op === ">=" ? "keep if value >= cut-off" : "keep if value <= cut-off";
      label.textContent = co.field + " (" + rule + "): " + fmt(c, v);
      while (below.firstChild) below.removeChild(below.firstChild);
      while (above.firstChild) above.removeChild(above.firstChild);
      const at = v === null ? (co.op === ">=" ? 0 : c.examples.length)
        : c.examples.findIndex((e) => co.op === ">=" ? e[0] >= v : e[0] > v);
      const split = at < 0 ? c.examples.length : at;
      below.appendChild(el("h3", null, "just below"));
      const nearBelow = c.examples.slice(Math.max(0, split - 3), split).reverse();
      below.appendChild(docList(block, nearBelow, co.op === ">=" && v !== null));
      above.appendChild(el("h3", null, "just above"));
      above.appendChild(docList(block, c.examples.slice(split, split + 3), co.op === "<=" && v !== null));
    };
    slider.addEventListener("input", () => {
      const v = toValue(r, Number(slider.value));
      cuts[co.field] = Number(fmt(c, v));
      show(); update(); renderYaml(block);
    });
    row.appendChild(label); row.appendChild(slider); row.appendChild(lists);
    card.appendChild(row);
    show();
  }
  update();
  box.appendChild(card);
}
function renderLanguage(i) {
  const block = DATA.languages[i];
  const box = document.getElementById("checks");
  while (box.firstChild) box.removeChild(box.firstChild);
  if (!block) { box.appendChild(el("p", null, "No measured language in this run.")); return; }
  if (!chosen[block.language]) {
    chosen[block.language] = {};
    for (const c of block.checks) for (const co of c.cutoffs) chosen[block.language][co.field] = co.value;
  }
  document.getElementById("summary").textContent = block.docs + " documents measured";
  for (const c of block.checks) renderCheck(block, c, box);
  renderYaml(block);
}
document.getElementById("title").textContent = document.title;
const picker = document.getElementById("language");
DATA.languages.forEach((b, i) => {
  const o = el("option", null, b.language + " (" + b.docs + ")");
  o.value = String(i);
  picker.appendChild(o);
});
picker.addEventListener("change", () => renderLanguage(Number(picker.value)));
renderLanguage(0);
document.body.dataset.ready = "1";
</script></body></html>
"""
