//! `bench --native FILE`: reads native (Rust) reference timings of the same topologies and
//! reports WASM/native ratios per point and phase (README "Benchmarks" defines the file format).
// Ports: none (benchmark support)

import type { ResultJson } from "./report.js";

/** One native reference entry: a topology (variant fields optional) and ns per phase. */
export interface NativeEntry {
  cpus: number;
  nodes: number;
  ranges: number;
  mode?: "host" | "vtl2";
  sidecar?: boolean;
  pool?: boolean;
  poolSplit?: boolean;
  /** ns per phase name; `a+b` names the sum of several WASM phases. */
  phases: Record<string, number>;
}

/** A parsed native reference file. */
export interface NativeFile {
  source?: string;
  entries: NativeEntry[];
}

/** One compared point and phase. */
export interface NativePoint {
  cpus: number;
  nodes: number;
  ranges: number;
  mode: "host" | "vtl2";
  sidecar: boolean;
  pool: boolean;
  poolSplit?: boolean;
  phase: string;
  wasmNs: number;
  nativeNs: number;
  /** wasmNs / nativeNs: below 1, the WASM port is faster. */
  ratio: number;
}

/** The `native` entry of `bench --json`. */
export interface NativeRatio {
  source?: string;
  points: NativePoint[];
  /** Geometric mean ratio per phase over its points. */
  phases: { phase: string; points: number; ratio: number }[];
  /** Native entries (topology and phase) that matched no measured point. */
  unmatched: string[];
}

function fail(where: string, what: string): never {
  throw new Error(`${where}: ${what}`);
}

/**
 * Validates a native reference document: `{"source"?: string, "results": [{"cpus", "nodes",
 * "ranges", "mode"?, "sidecar"?, "pool"?, "poolSplit"?, "phases": {"<phase>": ns | {"medianNs": ns}}}]}`
 * (so a `bench --json` document is accepted too). Throws naming the bad field.
 */
export function parseNative(doc: unknown): NativeFile {
  if (!doc || typeof doc !== "object" || !Array.isArray((doc as { results?: unknown }).results)) fail("native", "expected an object with a results array");
  const d = doc as { source?: unknown; results: unknown[] };
  if (d.source !== undefined && typeof d.source !== "string") fail("native.source", "expected a string");
  const entries = d.results.map((r, i): NativeEntry => {
    const at = `native.results[${i}]`;
    if (!r || typeof r !== "object") fail(at, "expected an object");
    const e = r as Record<string, unknown>;
    for (const k of ["cpus", "nodes", "ranges"]) {
      if (!Number.isInteger(e[k]) || (e[k] as number) < 1) fail(`${at}.${k}`, `expected a positive integer, got ${JSON.stringify(e[k])}`);
    }
    if (e.mode !== undefined && e.mode !== "host" && e.mode !== "vtl2") fail(`${at}.mode`, `expected "host" or "vtl2", got ${JSON.stringify(e.mode)}`);
    for (const k of ["sidecar", "pool", "poolSplit"]) if (e[k] !== undefined && typeof e[k] !== "boolean") fail(`${at}.${k}`, "expected a boolean");
    if (!e.phases || typeof e.phases !== "object") fail(`${at}.phases`, "expected an object of phase: ns");
    const phases: Record<string, number> = {};
    for (const [name, v] of Object.entries(e.phases as Record<string, unknown>)) {
      const ns = typeof v === "number" ? v : v && typeof v === "object" ? (v as { medianNs?: unknown }).medianNs : undefined;
      if (typeof ns !== "number" || !(ns > 0) || !Number.isFinite(ns)) fail(`${at}.phases.${name}`, `expected a positive number of ns (or {"medianNs": ns}), got ${JSON.stringify(v)}`);
      phases[name] = ns;
    }
    return {
      cpus: e.cpus as number, nodes: e.nodes as number, ranges: e.ranges as number, phases,
      ...(e.mode !== undefined ? { mode: e.mode as "host" | "vtl2" } : {}),
      ...(e.sidecar !== undefined ? { sidecar: e.sidecar as boolean } : {}),
      ...(e.pool !== undefined ? { pool: e.pool as boolean } : {}),
      ...(e.poolSplit !== undefined ? { poolSplit: e.poolSplit as boolean } : {}),
    };
  });
  return { ...(d.source !== undefined ? { source: d.source as string } : {}), entries };
}

/** Whether a measured result is the topology of a native entry (omitted variant fields: the base variant). */
function matches(r: ResultJson, e: NativeEntry): boolean {
  return r.cpus === e.cpus && r.nodes === e.nodes && r.ranges === e.ranges &&
    r.mode === (e.mode ?? "host") && r.sidecar === (e.sidecar ?? true) && r.pool === (e.pool ?? true) &&
    (r.poolSplit ?? false) === (e.poolSplit ?? false) && !r.skipped && !r.error;
}

/** The WASM time of `phase` at `r` (`a+b`: the sum), undefined when a part was not measured. */
function wasmNs(r: ResultJson, phase: string): number | undefined {
  let sum = 0;
  for (const part of phase.split("+")) {
    const t = r.phases[part.trim()];
    if (!t) return undefined;
    sum += t.medianNs;
  }
  return sum;
}

/** WASM/native ratios for every native entry that matches a measured point. */
export function nativeRatios(results: ResultJson[], native: NativeFile): NativeRatio {
  const points: NativePoint[] = [];
  const unmatched: string[] = [];
  for (const e of native.entries) {
    const r = results.find((x) => matches(x, e));
    for (const [phase, nativeNs] of Object.entries(e.phases)) {
      const w = r ? wasmNs(r, phase) : undefined;
      if (!r || w === undefined) {
        unmatched.push(`${e.cpus}c-${e.nodes}n-${e.ranges}r-${e.mode ?? "host"} ${phase}`);
        continue;
      }
      points.push({
        cpus: r.cpus, nodes: r.nodes, ranges: r.ranges, mode: r.mode, sidecar: r.sidecar, pool: r.pool,
        ...(r.poolSplit ? { poolSplit: true } : {}),
        phase, wasmNs: Math.round(w * 10) / 10, nativeNs, ratio: Math.round((w / nativeNs) * 1000) / 1000,
      });
    }
  }
  const phases: NativeRatio["phases"] = [];
  for (const phase of [...new Set(points.map((p) => p.phase))]) {
    const ps = points.filter((p) => p.phase === phase);
    const gm = Math.exp(ps.reduce((s, p) => s + Math.log(p.wasmNs / p.nativeNs), 0) / ps.length);
    phases.push({ phase, points: ps.length, ratio: Math.round(gm * 1000) / 1000 });
  }
  return { ...(native.source !== undefined ? { source: native.source } : {}), points, phases, unmatched };
}

/** The ratios as text: one line per point and phase, then the per-phase geometric means. */
export function nativeText(n: NativeRatio): string {
  const us = (ns: number) => (ns / 1000).toFixed(ns >= 100_000 ? 0 : ns >= 10_000 ? 1 : 2);
  const lines = [`WASM vs native${n.source ? ` (${n.source})` : ""}: µs per run, ratio = WASM / native (below 1: WASM faster)`];
  lines.push(`${"point".padEnd(28)} ${"phase".padEnd(22)} ${"WASM".padStart(9)} ${"native".padStart(9)} ${"ratio".padStart(7)}`);
  for (const p of n.points) {
    const pt = `${p.cpus}c-${p.nodes}n-${p.ranges}r-${p.mode}${p.poolSplit ? "+split" : ""}`;
    lines.push(`${pt.padEnd(28)} ${p.phase.padEnd(22)} ${us(p.wasmNs).padStart(9)} ${us(p.nativeNs).padStart(9)} ${p.ratio.toFixed(2).padStart(7)}`);
  }
  for (const p of n.phases) lines.push(`${p.phase}: geometric mean ratio ${p.ratio.toFixed(2)} over ${p.points} point${p.points === 1 ? "" : "s"}`);
  if (n.unmatched.length) lines.push(`no measured point for: ${n.unmatched.join("; ")}`);
  return lines.join("\n");
}
