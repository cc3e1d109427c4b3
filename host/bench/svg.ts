//! `bench --svg FILE`: time against CPU count per phase on log-log axes (one polyline with markers
//! per phase, decade grid, axis labels, legend), as a standalone SVG document.
// Ports: none (benchmark output)

/** One plotted series: a phase and its (CPUs, median ns) points. */
export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
const W = 900;
const H = 560;
const M = { left: 80, right: 230, top: 50, bottom: 60 };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A time in ns as a short label (ns, µs, ms, s). */
function timeLabel(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(3)} µs`;
  return `${+ns.toPrecision(3)} ns`;
}

/** The chart as SVG text; `title` goes above the plot. */
export function renderSvg(series: Series[], title: string): string {
  const pts = series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0);
  if (pts.length === 0) pts.push({ x: 1, y: 1000 });
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const x0 = Math.floor(Math.log2(Math.min(...xs, 1)));
  const x1 = Math.ceil(Math.log2(Math.max(...xs, 2)));
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.max(y0 + 1, Math.ceil(Math.log10(Math.max(...ys))));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => M.left + ((Math.log2(x) - x0) / Math.max(1, x1 - x0)) * pw;
  const sy = (y: number) => M.top + ph - ((Math.log10(y) - y0) / Math.max(1, y1 - y0)) * ph;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  // grid and ticks
  out.push(`<g class="grid" stroke="#dddddd" stroke-width="1">`);
  for (let e = x0; e <= x1; e++) out.push(`<line x1="${f(sx(2 ** e))}" y1="${M.top}" x2="${f(sx(2 ** e))}" y2="${M.top + ph}"/>`);
  for (let e = y0; e <= y1; e++) out.push(`<line x1="${M.left}" y1="${f(sy(10 ** e))}" x2="${M.left + pw}" y2="${f(sy(10 ** e))}"/>`);
  out.push(`</g>`);
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
  out.push(`<g class="xticks" text-anchor="middle">`);
  for (let e = x0; e <= x1; e++) out.push(`<text x="${f(sx(2 ** e))}" y="${M.top + ph + 18}">${2 ** e}</text>`);
  out.push(`</g>`);
  out.push(`<g class="yticks" text-anchor="end">`);
  for (let e = y0; e <= y1; e++) out.push(`<text x="${M.left - 6}" y="${f(sy(10 ** e) + 4)}">${esc(timeLabel(10 ** e))}</text>`);
  out.push(`</g>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 15}" text-anchor="middle">CPUs (log scale)</text>`);
  out.push(`<text transform="translate(20 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">median time per run (log scale)</text>`);
  // series
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const p = s.points.filter((q) => q.x > 0 && q.y > 0).sort((a, b) => a.x - b.x);
    const line = p.map((q) => `${f(sx(q.x))},${f(sy(q.y))}`).join(" ");
    out.push(`<g class="series" data-phase="${esc(s.name)}" stroke="${color}" fill="${color}">`);
    out.push(`<polyline points="${line}" fill="none" stroke-width="2"/>`);
    for (const q of p) out.push(`<circle cx="${f(sx(q.x))}" cy="${f(sy(q.y))}" r="3"/>`);
    out.push(`</g>`);
  });
  // legend
  const lx = M.left + pw + 20;
  out.push(`<g class="legend">`);
  out.push(`<text x="${lx}" y="${M.top + 4}" font-weight="bold">phase</text>`);
  series.forEach((s, i) => {
    const y = M.top + 24 + i * 22;
    const color = COLORS[i % COLORS.length]!;
    out.push(`<line x1="${lx}" y1="${y - 4}" x2="${lx + 24}" y2="${y - 4}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 32}" y="${y}">${esc(s.name)}</text>`);
  });
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
