//! `bench --svg FILE` (and `--png`): a line chart of median time per series (one per phase) with
//! a min-max band, log axes where the data spans a decade or more, a distinct colour and marker
//! per series (host/bench/palette.ts), direct labels at the line ends for up to 16 series and a
//! legend below the plot that grows in rows (64 series fit), as a standalone SVG document.
// Ports: none (benchmark output)

import { seriesColor, PALETTE_SIZE } from "./palette.js";

/** One plotted series: a name and its points (median y, optional min/max for the band). */
export interface Series {
  name: string;
  points: { x: number; y: number; lo?: number; hi?: number }[];
}

/** Chart options beyond the title. */
export interface PlotOptions {
  xLabel?: string;
  yLabel?: string;
  width?: number;
}

/** Series labelled at their line ends; above this, the legend alone names them. */
export const DIRECT_LABEL_MAX = 16;
/** Data spanning at least this ratio gets a log axis. */
export const LOG_SPAN = 10;

const MARKERS = ["circle", "square", "triangle", "diamond", "triangle-down", "cross"] as const;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A time in ns as a short label (ns, µs, ms, s). */
export function timeLabel(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(3)} µs`;
  return `${+ns.toPrecision(3)} ns`;
}

/** An axis: value → 0 … 1, its ticks, and whether it is logarithmic. */
interface Axis {
  log: boolean;
  at: (v: number) => number;
  ticks: number[];
}

/** "Nice" linear ticks (1, 2, 5 × 10^k steps) covering [lo, hi]. */
function niceTicks(lo: number, hi: number): number[] {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / 6;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  if (out[out.length - 1]! < hi) out.push(+(out[out.length - 1]! + step).toPrecision(12));
  return out;
}

/** Log axis (base 2 for counts, 10 for times) when the data spans LOG_SPAN, else linear from 0. */
function makeAxis(values: number[], base: 2 | 10): Axis {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (lo > 0 && hi / lo >= LOG_SPAN) {
    const lg = (v: number) => Math.log(v) / Math.log(base);
    const e0 = Math.floor(lg(lo) + 1e-9);
    const e1 = Math.max(e0 + 1, Math.ceil(lg(hi) - 1e-9));
    const thin = Math.max(1, Math.ceil((e1 - e0 + 1) / 12));
    const ticks: number[] = [];
    for (let e = e0; e <= e1; e += thin) ticks.push(base ** e);
    return { log: true, at: (v) => (lg(v) - e0) / (e1 - e0), ticks };
  }
  const ticks = niceTicks(Math.min(0, lo), hi);
  const t0 = ticks[0]!;
  const t1 = ticks[ticks.length - 1]!;
  return { log: false, at: (v) => (v - t0) / (t1 - t0 || 1), ticks };
}

/** An SVG marker shape of `kind` centred on (x, y). */
function marker(kind: (typeof MARKERS)[number], x: number, y: number): string {
  const f = (v: number) => v.toFixed(1);
  const r = 3.5;
  switch (kind) {
    case "circle": return `<circle cx="${f(x)}" cy="${f(y)}" r="3"/>`;
    case "square": return `<rect x="${f(x - 3)}" y="${f(y - 3)}" width="6" height="6"/>`;
    case "triangle": return `<path d="M${f(x)} ${f(y - r)}L${f(x + r)} ${f(y + r)}L${f(x - r)} ${f(y + r)}Z"/>`;
    case "triangle-down": return `<path d="M${f(x)} ${f(y + r)}L${f(x + r)} ${f(y - r)}L${f(x - r)} ${f(y - r)}Z"/>`;
    case "diamond": return `<path d="M${f(x)} ${f(y - r)}L${f(x + r)} ${f(y)}L${f(x)} ${f(y + r)}L${f(x - r)} ${f(y)}Z"/>`;
    case "cross": return `<path d="M${f(x - r)} ${f(y - r)}L${f(x + r)} ${f(y + r)}M${f(x - r)} ${f(y + r)}L${f(x + r)} ${f(y - r)}" fill="none" stroke-width="1.8"/>`;
  }
}

/** Spreads label y positions (sorted) so neighbours are at least `gap` apart, within [top, bottom]. */
export function spreadLabels(ys: number[], gap: number, top: number, bottom: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y);
  const out = order.map((o) => Math.min(Math.max(o.y, top), bottom));
  for (let k = 1; k < out.length; k++) out[k] = Math.max(out[k]!, out[k - 1]! + gap);
  const over = out.length ? out[out.length - 1]! - bottom : 0;
  if (over > 0) for (let k = out.length - 1; k >= 0; k--) out[k] = Math.min(out[k]!, k === out.length - 1 ? bottom : out[k + 1]! - gap);
  const res = new Array<number>(ys.length);
  order.forEach((o, k) => (res[o.i] = out[k]!));
  return res;
}

/** The chart as SVG text; `title` goes above the plot. */
export function renderSvg(series: Series[], title: string, opts: PlotOptions = {}): string {
  const W = opts.width ?? 900;
  const clean = series.map((s) => ({
    name: s.name,
    points: s.points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x) && Number.isFinite(q.y)).sort((a, b) => a.x - b.x),
  }));
  const pts = clean.flatMap((s) => s.points);
  const ys = pts.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]).filter((v) => v > 0);
  const xAxis = makeAxis(pts.length ? pts.map((p) => p.x) : [1, 2], 2);
  const yAxis = makeAxis(ys.length ? ys : [100, 1000], 10);
  const direct = clean.length > 0 && clean.length <= DIRECT_LABEL_MAX;
  const cols = Math.max(1, Math.floor((W - 80) / 170));
  const legendRows = Math.ceil(clean.length / cols);
  const M = { left: 80, right: direct ? 130 : 30, top: 50, bottom: 70 + (legendRows > 0 ? 24 + legendRows * 18 : 0) };
  const ph = 440;
  const H = M.top + ph + M.bottom;
  const pw = W - M.left - M.right;
  const sx = (x: number) => M.left + xAxis.at(x) * pw;
  const sy = (y: number) => M.top + ph - yAxis.at(y) * ph;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  out.push(`<g class="grid" stroke="#dddddd" stroke-width="1">`);
  for (const t of xAxis.ticks) out.push(`<line x1="${f(sx(t))}" y1="${M.top}" x2="${f(sx(t))}" y2="${M.top + ph}"/>`);
  for (const t of yAxis.ticks) out.push(`<line x1="${M.left}" y1="${f(sy(t))}" x2="${M.left + pw}" y2="${f(sy(t))}"/>`);
  out.push(`</g>`);
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
  out.push(`<g class="xticks" text-anchor="middle">`);
  for (const t of xAxis.ticks) out.push(`<text x="${f(sx(t))}" y="${M.top + ph + 18}">${+t.toPrecision(6)}</text>`);
  out.push(`</g>`);
  out.push(`<g class="yticks" text-anchor="end">`);
  for (const t of yAxis.ticks) out.push(`<text x="${M.left - 6}" y="${f(sy(t) + 4)}">${esc(timeLabel(t))}</text>`);
  out.push(`</g>`);
  const xl = `${opts.xLabel ?? "CPUs"}${xAxis.log ? " (log scale)" : ""}`;
  const yl = `${opts.yLabel ?? "median time per run"}${yAxis.log ? " (log scale)" : ""}`;
  out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 42}" text-anchor="middle">${esc(xl)}</text>`);
  out.push(`<text transform="translate(20 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yl)}</text>`);
  // bands first (under every line), then lines and markers
  clean.forEach((s, i) => {
    const band = s.points.filter((q) => q.lo !== undefined && q.hi !== undefined && q.lo > 0);
    if (band.length < 2) return;
    const upper = band.map((q) => `${f(sx(q.x))},${f(sy(q.hi!))}`);
    const lower = band.map((q) => `${f(sx(q.x))},${f(sy(q.lo!))}`).reverse();
    out.push(`<polygon class="band" data-phase="${esc(s.name)}" points="${[...upper, ...lower].join(" ")}" fill="${seriesColor(i)}" fill-opacity="0.18" stroke="none"/>`);
  });
  clean.forEach((s, i) => {
    const color = seriesColor(i);
    const kind = MARKERS[i % MARKERS.length]!;
    const dash = i >= PALETTE_SIZE / 2 ? ` stroke-dasharray="6 3"` : "";
    out.push(`<g class="series" data-phase="${esc(s.name)}" stroke="${color}" fill="${color}">`);
    out.push(`<polyline points="${s.points.map((q) => `${f(sx(q.x))},${f(sy(q.y))}`).join(" ")}" fill="none" stroke-width="2"${dash}/>`);
    for (const q of s.points) out.push(marker(kind, sx(q.x), sy(q.y)));
    out.push(`</g>`);
  });
  if (direct) {
    const ends = clean.map((s) => s.points[s.points.length - 1]);
    const want = ends.map((e) => (e ? sy(e.y) + 4 : M.top));
    const at = spreadLabels(want, 14, M.top + 8, M.top + ph);
    out.push(`<g class="direct-labels">`);
    clean.forEach((s, i) => {
      const e = ends[i];
      if (!e) return;
      const x = M.left + pw + 8;
      out.push(`<line x1="${f(sx(e.x))}" y1="${f(sy(e.y))}" x2="${x - 2}" y2="${f(at[i]! - 4)}" stroke="${seriesColor(i)}" stroke-width="0.8"/>`);
      out.push(`<text x="${x}" y="${f(at[i]!)}" fill="${seriesColor(i)}">${esc(s.name)}</text>`);
    });
    out.push(`</g>`);
  }
  // legend: columns of 170 px under the plot, as many rows as needed
  const ly = M.top + ph + 64;
  out.push(`<g class="legend">`);
  clean.forEach((s, i) => {
    const x = M.left + (i % cols) * 170;
    const y = ly + Math.floor(i / cols) * 18;
    const color = seriesColor(i);
    out.push(`<g class="legend-entry" stroke="${color}" fill="${color}"><line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke-width="2.5"/>${marker(MARKERS[i % MARKERS.length]!, x + 11, y - 4)}</g>`);
    out.push(`<text x="${x + 28}" y="${y}">${esc(s.name)}</text>`);
  });
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
