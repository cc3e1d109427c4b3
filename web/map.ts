//! Playground map renderer: a CONTRACT.md boot result → an SVG of the guest physical address space.
// Ports: none (presentation; the shapes are those of `hclboot boot --json`)
//
// Pure functions only (no DOM): the page inserts the SVG string, tests assert on it.
import type { BootOutput } from "../host/contract.js";
import { buildScale, toX, type Scale } from "./scale.js";
import { palette, textOn } from "../host/bench/palette.js";

/** The rows of the map, top to bottom (`short`: the title on narrow screens). */
export const LANES = [
  { id: "partition", title: "Partition RAM (VTL0)", short: "VTL0 RAM" },
  { id: "mmio", title: "MMIO (VTL0 / VTL2)", short: "MMIO" },
  { id: "vtl2ram", title: "VTL2 RAM", short: "VTL2 RAM" },
  { id: "vtl2", title: "VTL2 address space", short: "VTL2 space" },
  { id: "sidecar", title: "Sidecar node memory", short: "Sidecar" },
] as const;

export type LaneId = (typeof LANES)[number]["id"];

/** One drawable range. */
export interface MapItem {
  lane: LaneId;
  start: bigint;
  end: bigint;
  /** NUMA node, null when the range has none (MMIO). */
  vnode: number | null;
  /** MemoryVtlType name, "VTL0_MMIO"/"VTL2_MMIO", "RAM" (by node) or "VTL2_SIDECAR_NODE". */
  type: string;
  /** Extra tooltip line (e.g. sidecar VPs, IGVM type). */
  note?: string;
}

/** Map geometry (labelWidth: the lane titles' column at full width; narrow maps use narrowLabelWidth). */
export const GEOMETRY = { labelWidth: 180, narrowLabelWidth: 74, narrowBelow: 700, laneHeight: 30, laneGap: 8, top: 10, axisHeight: 110, legendRow: 20, legendColumn: 90, tickSpacing: 14 };

/** Colors of the NUMA nodes (RAM lanes): one distinct color for each of the 64 nodes (host/bench/palette.ts). */
export const NODE_COLORS: readonly string[] = palette();

/** The color of NUMA node `vnode`. */
export function nodeColor(vnode: number): string {
  return NODE_COLORS[((vnode % NODE_COLORS.length) + NODE_COLORS.length) % NODE_COLORS.length]!;
}

/** Colors of the VTL2 range types (MemoryVtlType names). */
export const TYPE_COLORS: Record<string, string> = {
  VTL2_RAM: "#8cc084",
  VTL2_CONFIG: "#3b6fb6",
  VTL2_SIDECAR_IMAGE: "#1b9e9e",
  VTL2_SIDECAR_NODE: "#66d4cf",
  VTL2_RESERVED: "#7f7f7f",
  VTL2_GPA_POOL: "#8e5ec4",
  VTL2_TDX_PAGE_TABLES: "#d45087",
  VTL2_BOOTSHIM_LOG_BUFFER: "#f2b701",
  VTL2_PERSISTED_STATE_HEADER: "#e8702a",
  VTL2_PERSISTED_STATE_PROTOBUF: "#f4a259",
  VTL0_MMIO: "#c9c9c9",
  VTL2_MMIO: "#a0a0a0",
};

/** Parses a contract hex string ("0x…", at most 16 digits) to a bigint; throws naming the field. */
export function parseHex(s: unknown, field = "value"): bigint {
  if (typeof s !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(s)) {
    throw new Error(`${field}: expected a 0x-prefixed hex string, got ${JSON.stringify(s)}`);
  }
  return BigInt(s);
}

/** Contract hex form of a bigint. */
export function hex(v: bigint): string {
  return "0x" + v.toString(16);
}

/** A byte count in binary units: "4 KiB", "1.5 GiB", "17 B". */
export function formatSize(bytes: bigint): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let u = 0;
  let whole = bytes;
  while (u < units.length - 1 && whole >= 1024n) {
    whole /= 1024n;
    u++;
  }
  if (u === 0) return `${bytes} B`;
  const value = Number((bytes * 100n) / 1024n ** BigInt(u)) / 100;
  return `${Number.isInteger(value) ? value : value.toFixed(2).replace(/0$/, "")} ${units[u]}`;
}

/** Every drawable range of a boot result, lane by lane (input order kept within a lane). */
export function mapItems(boot: BootOutput): MapItem[] {
  const items: MapItem[] = [];
  boot.partitionRam.forEach((r, i) =>
    items.push({ lane: "partition", start: parseHex(r.start, `partitionRam[${i}].start`), end: parseHex(r.end, `partitionRam[${i}].end`), vnode: r.vnode, type: "RAM", note: `IGVM type ${r.igvmType}` }));
  boot.vtl0Mmio.forEach((r, i) =>
    items.push({ lane: "mmio", start: parseHex(r.start, `vtl0Mmio[${i}].start`), end: parseHex(r.end, `vtl0Mmio[${i}].end`), vnode: null, type: "VTL0_MMIO" }));
  boot.vtl2Mmio.forEach((r, i) =>
    items.push({ lane: "mmio", start: parseHex(r.start, `vtl2Mmio[${i}].start`), end: parseHex(r.end, `vtl2Mmio[${i}].end`), vnode: null, type: "VTL2_MMIO" }));
  boot.vtl2Ram.forEach((r, i) =>
    items.push({ lane: "vtl2ram", start: parseHex(r.start, `vtl2Ram[${i}].start`), end: parseHex(r.end, `vtl2Ram[${i}].end`), vnode: r.vnode, type: "RAM", note: `IGVM type ${r.igvmType}` }));
  const space = boot.addressSpace.map((r, i) => ({
    lane: "vtl2" as const, start: parseHex(r.start, `addressSpace[${i}].start`), end: parseHex(r.end, `addressSpace[${i}].end`), vnode: r.vnode, type: r.type,
  }));
  items.push(...space);
  boot.sidecar?.nodes.forEach((n, i) => {
    const start = parseHex(n.memoryBase, `sidecar.nodes[${i}].memoryBase`);
    const end = start + parseHex(n.memorySize, `sidecar.nodes[${i}].memorySize`);
    // the NUMA node is that of the VTL2 range holding the node's memory
    const home = space.find((r) => r.start <= start && start < r.end);
    const last = n.baseVp + n.vpCount - 1;
    items.push({ lane: "sidecar", start, end, vnode: home ? home.vnode : null, type: "VTL2_SIDECAR_NODE", note: `sidecar node ${i}: VPs ${n.baseVp}..=${last} (${n.vpCount})` });
  });
  return items;
}

/** The smallest [start, end) holding every item; null when there is none. */
export function domainOf(items: MapItem[]): { start: bigint; end: bigint } | null {
  let start: bigint | null = null, end: bigint | null = null;
  for (const it of items) {
    if (it.end <= it.start) continue;
    if (start === null || it.start < start) start = it.start;
    if (end === null || it.end > end) end = it.end;
  }
  return start === null || end === null ? null : { start, end };
}

/** Tooltip text of an item: start, end, size, node and type (one per line). */
export function tooltipText(it: MapItem): string {
  const lines = [
    `start ${hex(it.start)}`,
    `end   ${hex(it.end)}`,
    `size  ${hex(it.end - it.start)} (${formatSize(it.end - it.start)})`,
    `node  ${it.vnode === null ? "-" : it.vnode}`,
    `type  ${it.type}`,
  ];
  if (it.note) lines.push(it.note);
  return lines.join("\n");
}

/** Fill color of an item: RAM by NUMA node, everything else by type. */
export function itemColor(it: MapItem): string {
  if (it.type === "RAM") return nodeColor(it.vnode ?? 0);
  return TYPE_COLORS[it.type] ?? "#444444";
}

/** Identity of an item for comparing two boots. */
export function itemKey(it: MapItem): string {
  return `${it.lane}|${hex(it.start)}|${hex(it.end)}|${it.type}|${it.vnode}`;
}

/** Escapes text for SVG/XML content and attributes. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Options of renderMap. */
export interface RenderOptions {
  /** Total SVG width in px (default 1100). */
  width?: number;
  /** Show only [start, end) (ranges are clipped, the scale is rebuilt over the window). */
  zoom?: { start: bigint; end: bigint };
  /** Mark (class "changed") every range not present identically in this other boot. */
  compareWith?: BootOutput;
}

/** A rendered map: the SVG text, the scale used, the items drawn (in rect order) and where the map starts. */
export interface RenderedMap {
  svg: string;
  scale: Scale | null;
  drawn: MapItem[];
  /** x of the address space's start (the lane titles' column width). */
  labelWidth: number;
}

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();

/** Renders the address-space map of a boot result as an SVG string. */
export function renderMap(boot: BootOutput, opts: RenderOptions = {}): RenderedMap {
  const width = opts.width ?? 1100;
  const narrow = width < GEOMETRY.narrowBelow;
  const g = { ...GEOMETRY, labelWidth: narrow ? GEOMETRY.narrowLabelWidth : GEOMETRY.labelWidth };
  const items = mapItems(boot);
  const mapWidth = width - g.labelWidth - 10;
  const lanesHeight = LANES.length * (g.laneHeight + g.laneGap);
  const full = domainOf(items);
  const domain = opts.zoom ?? full;
  const visible = domain ? items.filter((it) => it.start < domain.end && it.end > domain.start && it.end > it.start) : [];
  const legend = legendLayout(legendEntries(visible), width);
  const legendHeight = legend.rows * g.legendRow + 10;
  const height = g.top + lanesHeight + g.axisHeight + legendHeight;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="hcl-map" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<defs><pattern id="gap-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fafafa"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d0d0d0" stroke-width="2"/></pattern></defs>`);
  LANES.forEach((lane, i) => {
    const y = g.top + i * (g.laneHeight + g.laneGap);
    out.push(`<text class="lane-title" x="4" y="${y + g.laneHeight / 2 + 4}">${xmlEscape(narrow ? lane.short : lane.title)}</text>`);
    out.push(`<rect class="lane-bg" x="${g.labelWidth}" y="${y}" width="${mapWidth}" height="${g.laneHeight}" fill="#f4f4f4"/>`);
  });
  if (!domain || domain.end <= domain.start) {
    out.push(`<text class="empty" x="${g.labelWidth + 10}" y="${g.top + 20}">no ranges</text></svg>`);
    return { svg: out.join(""), scale: null, drawn: [], labelWidth: g.labelWidth };
  }
  const scale = buildScale(visible, domain.start, domain.end, mapWidth);
  // compressed gaps: hatched columns across all lanes with a break mark
  for (const p of scale.pieces) {
    if (p.covered) continue;
    const x = g.labelWidth + p.x0;
    out.push(`<rect class="gap" data-start="${hex(p.start)}" data-end="${hex(p.end)}" x="${f1(x)}" y="${g.top}" width="${f1(p.x1 - p.x0)}" height="${lanesHeight - g.laneGap}" fill="url(#gap-hatch)"><title>${xmlEscape(`gap (not to scale)\nstart ${hex(p.start)}\nend   ${hex(p.end)}\nsize  ${hex(p.end - p.start)} (${formatSize(p.end - p.start)})`)}</title></rect>`);
  }
  const before = opts.compareWith ? new Set(mapItems(opts.compareWith).map(itemKey)) : null;
  const drawn: MapItem[] = [];
  for (const it of visible) {
    const lane = LANES.findIndex((l) => l.id === it.lane);
    const y = g.top + lane * (g.laneHeight + g.laneGap);
    const x0 = g.labelWidth + toX(scale, it.start);
    const x1 = g.labelWidth + toX(scale, it.end);
    const w = Math.max(x1 - x0, 1);
    const changed = before !== null && !before.has(itemKey(it));
    const cls = `range lane-${it.lane}${changed ? " changed" : ""}`;
    const stroke = changed ? ` stroke="#d00000" stroke-width="2.5"` : ` stroke="#ffffff" stroke-width="0.5"`;
    const index = drawn.length;
    drawn.push(it);
    out.push(
      `<rect class="${cls}" data-index="${index}" data-lane="${it.lane}" data-start="${hex(it.start)}" data-end="${hex(it.end)}" data-type="${xmlEscape(it.type)}" data-vnode="${it.vnode ?? ""}" x="${f1(x0)}" y="${y}" width="${f1(w)}" height="${g.laneHeight}" fill="${itemColor(it)}"${stroke}><title>${xmlEscape(tooltipText(it))}</title></rect>`,
    );
    const label = it.type === "RAM" ? `node ${it.vnode}` : shortType(it.type);
    if (w > label.length * 6.2 + 6) {
      out.push(`<text class="range-label" x="${f1(x0 + 3)}" y="${y + g.laneHeight / 2 + 4}" fill="${textOn(itemColor(it))}" pointer-events="none">${xmlEscape(label)}</text>`);
    }
  }
  out.push(axis(scale, g.top + lanesHeight, g.labelWidth));
  out.push(legendSvg(legend.placed, g.top + lanesHeight + g.axisHeight));
  out.push(`</svg>`);
  return { svg: out.join(""), scale, drawn, labelWidth: g.labelWidth };
}

/** Short label inside a rect: MMIO ranges keep their VTL, VTL2 types drop the prefix. */
function shortType(t: string): string {
  if (t.endsWith("_MMIO")) return t.replace("_", " ");
  return t.replace(/^VTL2_/, "").replace(/_/g, " ").toLowerCase();
}

/**
 * Axis ticks at piece boundaries; labels are vertical and thinned: a label closer than
 * GEOMETRY.tickSpacing px to the previous one is left out (its tick stays), so 64 nodes' worth of
 * boundaries stay readable.
 */
function axis(scale: Scale, y: number, x0: number): string {
  const out: string[] = [`<g class="axis">`, `<line x1="${x0}" y1="${y}" x2="${x0 + scale.width}" y2="${y}" stroke="#333"/>`];
  const cuts = [scale.pieces[0].start, ...scale.pieces.map((p) => p.end)];
  let last = -Infinity;
  for (const c of cuts) {
    const x = x0 + toX(scale, c);
    out.push(`<line x1="${f1(x)}" y1="${y}" x2="${f1(x)}" y2="${y + 5}" stroke="#333"/>`);
    if (x - last < GEOMETRY.tickSpacing) continue;
    last = x;
    // vertical labels hang down from their tick (read bottom to top), centred on it
    out.push(`<text class="tick" x="${f1(x + 3.5)}" y="${y + 8}" text-anchor="end" transform="rotate(-90 ${f1(x + 3.5)} ${y + 8})" font-family="monospace" font-size="10">${hex(c)}</text>`);
  }
  out.push(`</g>`);
  return out.join("");
}

/** Legend entries (label, color) for the items shown: nodes first, then types. */
export function legendEntries(items: MapItem[]): { label: string; color: string }[] {
  const nodes = [...new Set(items.filter((i) => i.type === "RAM").map((i) => i.vnode ?? 0))].sort((a, b) => a - b);
  const types = [...new Set(items.filter((i) => i.type !== "RAM").map((i) => i.type))].sort();
  return [
    ...nodes.map((n) => ({ label: `RAM node ${n}`, color: nodeColor(n) })),
    ...types.map((t) => ({ label: t, color: TYPE_COLORS[t] ?? "#444444" })),
  ];
}

/**
 * Lays the legend out in two blocks, the NUMA nodes and then the range types, each in columns as
 * wide as its longest label (about 6.8 px per character at 11 px) and as many as fit `width`.
 */
export function legendLayout(entries: { label: string; color: string }[], width: number): { placed: { label: string; color: string; x: number; row: number }[]; rows: number } {
  const placed: { label: string; color: string; x: number; row: number }[] = [];
  let row = 0;
  const blocks = [entries.filter((e) => e.label.startsWith("RAM node")), entries.filter((e) => !e.label.startsWith("RAM node"))];
  for (const block of blocks) {
    if (block.length === 0) continue;
    const column = Math.max(GEOMETRY.legendColumn, Math.ceil(Math.max(...block.map((e) => e.label.length)) * 6.8 + 24));
    const columns = Math.max(1, Math.floor((width - 8) / column));
    block.forEach((e, i) => placed.push({ ...e, x: 4 + (i % columns) * column, row: row + Math.floor(i / columns) }));
    row += Math.ceil(block.length / columns);
  }
  return { placed, rows: row };
}

function legendSvg(placed: { label: string; color: string; x: number; row: number }[], y: number): string {
  const out: string[] = [`<g class="legend">`];
  for (const e of placed) {
    const yy = y + e.row * GEOMETRY.legendRow;
    out.push(`<rect x="${e.x}" y="${yy}" width="12" height="12" fill="${e.color}"/><text x="${e.x + 16}" y="${yy + 10}">${xmlEscape(e.label)}</text>`);
  }
  out.push(`</g>`);
  return out.join("");
}
