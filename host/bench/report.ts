//! The benchmark report: CONTRACT.md's `bench --json` shape (results with per-phase median and
//! minimum nanoseconds, scaling exponents per phase) plus extra fields, and the text table.
// Ports: none (benchmark output)

import { fitTail } from "./fit.js";
import { PHASES, PHASE_DESCRIPTIONS, type PointResult } from "./phases.js";
import { exponentInterval, CONFIDENCE, RESAMPLES, STATS_SEED, type Interval } from "./stats.js";
import { BASE_VARIANT, type BenchConfig } from "./sweep.js";
import type { NativeRatio } from "./native.js";

/** One `results` entry. */
export interface ResultJson {
  cpus: number;
  nodes: number;
  ranges: number;
  phases: Record<string, PhaseJson>;
  mode: BenchConfig["mode"];
  sidecar: boolean;
  pool: boolean;
  poolSplit?: boolean;
  axis: BenchConfig["axis"];
  dtBytes: number;
  /** Host device tree parse throughput (bytes / median parse time). */
  dtParseMBps?: number;
  sidecarNodes?: number;
  skipped?: string;
  error?: string;
}

/**
 * One phase at one point: the contract's `medianNs`/`minNs`, plus (since the statistics were
 * added) the maximum, the bootstrap interval of the median, the spread and the samples.
 */
export interface PhaseJson {
  medianNs: number;
  minNs: number;
  maxNs?: number;
  /** CONFIDENCE bootstrap interval of the median (seeded: the same samples give the same bounds). */
  ciLowNs?: number;
  ciHighNs?: number;
  /** Median absolute deviation in percent of the median. */
  madPct?: number;
  /** Repetitions per measured call, and every call's time per repetition. */
  iterations?: number;
  samplesNs?: number[];
}

/** One `scaling` entry: `exponent` against CPU count; the others against ranges and nodes. */
export interface ScalingJson {
  phase: string;
  exponent: number | null;
  /** CONFIDENCE interval of `exponent` (stats.ts exponentInterval); null without a fit. */
  exponentLow: number | null;
  exponentHigh: number | null;
  rangeExponent: number | null;
  rangeExponentLow: number | null;
  rangeExponentHigh: number | null;
  nodeExponent: number | null;
  nodeExponentLow: number | null;
  nodeExponentHigh: number | null;
  /** True only when the lower bound of the CPU or range exponent's interval is above 1. */
  superlinear: boolean;
}

/** How the intervals were computed (so a reader can reproduce them). */
export interface StatsJson {
  confidence: number;
  resamples: number;
  seed: number;
  method: string;
}

/** The whole `bench --json` document. */
export interface BenchJson {
  results: ResultJson[];
  scaling: ScalingJson[];
  coldStart?: { compileMs: number; instantiateMs: number };
  wasmMemoryBytes?: number;
  quick?: boolean;
  seconds?: number;
  stats?: StatsJson;
  /** Processes the samples were taken in (each phase's samplesNs: that many equal blocks, in order). */
  processes?: number;
  /** Set on one shard's output (`--shard I/N`): which part of which sweep it measured. */
  shard?: { index: number; count: number; sweepPoints: number };
  /** Set on `--merge` output: the shards merged. */
  merged?: { shards: number; files: string[] };
  /** Set with `--native FILE`: WASM/native ratios per point and phase, and per phase overall. */
  native?: NativeRatio;
}

/** The `stats` entry of every document. */
export const STATS: StatsJson = {
  confidence: CONFIDENCE,
  resamples: RESAMPLES,
  seed: STATS_SEED,
  method: "median of the samples; percentile bootstrap of the median, seeded per point and phase; exponents: wider of a sample bootstrap refit and the least-squares t interval",
};

const round = (v: number) => Math.round(v * 10) / 10;

/** The phases of `results` in boot order: PHASES first, then any other phase met (in order met). */
export function phaseNames(results: readonly { phases?: Record<string, unknown> }[]): string[] {
  const seen = new Set<string>();
  for (const r of results) for (const p of Object.keys(r.phases ?? {})) seen.add(p);
  const known: string[] = PHASES.filter((p) => seen.has(p));
  return [...known, ...[...seen].filter((p) => !known.includes(p))];
}

/** The contract's result entry for one measured point. */
export function resultJson(r: PointResult): ResultJson {
  const phases: ResultJson["phases"] = {};
  const measured = r.phases as Record<string, import("./timing.js").Timing | undefined>;
  for (const name of phaseNames([{ phases: measured }])) {
    const t = measured[name];
    if (t) {
      phases[name] = {
        medianNs: round(t.medianNs), minNs: round(t.minNs), maxNs: round(t.maxNs),
        ciLowNs: round(t.ciLowNs), ciHighNs: round(t.ciHighNs), madPct: round(t.madPct),
        iterations: t.iterations, samplesNs: t.samplesNs.map(round),
      };
    }
  }
  const c = r.config;
  const out: ResultJson = {
    cpus: c.cpus, nodes: c.nodes, ranges: c.ranges, phases,
    mode: c.mode, sidecar: c.sidecar, pool: c.pool, axis: c.axis, dtBytes: r.dtBytes,
  };
  if (c.poolSplit) out.poolSplit = true;
  const parse = r.phases.dtParse;
  if (parse) out.dtParseMBps = Math.round(r.dtBytes / 1e6 / (parse.medianNs / 1e9));
  if (r.sidecarNodes !== undefined) out.sidecarNodes = r.sidecarNodes;
  if (r.skipped) out.skipped = r.skipped;
  if (r.error) out.error = r.error;
  return out;
}

/** The identity of a point across documents (compare, merge, native), e.g. `64c-4n-8r-host+sidecar+pool-cpus`. */
export function pointKey(r: Pick<ResultJson, "cpus" | "nodes" | "ranges"> & Partial<ResultJson>): string {
  return `${r.cpus}c-${r.nodes}n-${r.ranges}r-${r.mode ?? "host"}${r.sidecar === false ? "" : "+sidecar"}${r.pool === false ? "" : "+pool"}${r.poolSplit ? "+split" : ""}-${r.axis ?? ""}`;
}

const isBase = (r: ResultJson) => r.mode === BASE_VARIANT.mode && r.sidecar === BASE_VARIANT.sidecar && r.pool === BASE_VARIANT.pool;

/** An exponent or bound rounded to 3 decimals (null stays null). */
const r3 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000);

/**
 * Scaling per phase in the base variant: cost against CPUs (the "cpus" axis, fitted from 128
 * CPUs up), against RAM ranges (the "ranges" axis, from 64 ranges) and against NUMA nodes, each
 * with its interval; `superlinear` only when a CPU or range interval lies wholly above 1.
 */
export function scaling(results: ResultJson[]): ScalingJson[] {
  const base = results.filter((r) => isBase(r) && !r.skipped && !r.error);
  const fit = (phase: string, axis: ResultJson["axis"], x: (r: ResultJson) => number, minX: number) => {
    const rows = base.filter((r) => r.axis === axis && r.phases[phase]);
    const pts = rows.map((r) => ({ x: x(r), y: r.phases[phase]!.medianNs }));
    const f = fitTail(pts, minX);
    if (f === null) return { e: null, ci: null };
    const tail = rows.filter((r) => x(r) >= minX);
    const used = tail.length >= 3 ? tail : rows;
    const ci: Interval | null = exponentInterval(
      used.map((r) => ({ x: x(r), samples: r.phases[phase]!.samplesNs ?? [r.phases[phase]!.medianNs] })),
      `${axis}/${phase}`,
    );
    return { e: f.exponent, ci };
  };
  return phaseNames(results).map((phase) => {
    const cpu = fit(phase, "cpus", (r) => r.cpus, 128);
    const range = fit(phase, "ranges", (r) => r.ranges, 64);
    const node = fit(phase, "nodes", (r) => r.nodes, 2);
    const superlinear = [cpu, range].some((f) => f.ci !== null && f.ci.lo > 1);
    return {
      phase,
      exponent: r3(cpu.e), exponentLow: r3(cpu.ci?.lo), exponentHigh: r3(cpu.ci?.hi),
      rangeExponent: r3(range.e), rangeExponentLow: r3(range.ci?.lo), rangeExponentHigh: r3(range.ci?.hi),
      nodeExponent: r3(node.e), nodeExponentLow: r3(node.ci?.lo), nodeExponentHigh: r3(node.ci?.hi),
      superlinear,
    };
  });
}

function us(ns: number | undefined): string {
  if (ns === undefined) return "-";
  const v = ns / 1000;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Short column names of the known phases (others print under their own name). */
const SHORT: Record<string, string> = {
  hostDtBuild: "dtBuild", dtParse: "dtParse", readFromDt: "readDt", topology: "topology", addressSpace: "addrSpace",
  pool: "pool", sidecar: "sidecar",
  kernelCmdline: "cmdline", e820: "e820", kernelDt: "kernelDt",
};
const short = (p: string) => SHORT[p] ?? p;

/** An exponent with its interval, e.g. `1.02 [0.98, 1.07]`. */
function withInterval(e: number | null, lo: number | null | undefined, hi: number | null | undefined): string {
  if (e === null) return "-";
  const b = (v: number | null | undefined) => (v === null || v === undefined ? "?" : v.toFixed(2));
  return `${e.toFixed(2)} [${b(lo)}, ${b(hi)}]`;
}

/** The text table: one row per point, median µs per phase; then the scaling fits with intervals. */
export function table(doc: BenchJson): string {
  const lines: string[] = [];
  const names = phaseNames(doc.results);
  const head = ["cpus", "nodes", "ranges", "variant", "dtKB", ...names.map(short), "MB/s"];
  const widths = [5, 5, 6, 20, 6, ...names.map((p) => Math.max(9, short(p).length)), 6];
  const row = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" ");
  lines.push("median µs per phase (time of one run after warm-up; intervals, spread and samples in --json)");
  lines.push(row(head));
  for (const r of doc.results) {
    const variant = `${r.mode}${r.sidecar ? "+sc" : ""}${r.pool ? "+pool" : ""}${r.poolSplit ? "+split" : ""}`;
    const cells = [String(r.cpus), String(r.nodes), String(r.ranges), variant, (r.dtBytes / 1024).toFixed(1)];
    if (r.skipped || r.error) {
      lines.push(row(cells) + `  ${r.skipped ? "skipped" : "error"}: ${r.skipped ?? r.error}`);
      continue;
    }
    for (const p of names) cells.push(us(r.phases[p]?.medianNs));
    cells.push(r.dtParseMBps !== undefined ? String(r.dtParseMBps) : "-");
    lines.push(row(cells));
  }
  lines.push("");
  lines.push(`scaling (least squares on log-log, base variant host+sidecar+pool): exponent of cost [${CONFIDENCE * 100}% interval]`);
  lines.push(`${"phase".padEnd(14)} ${"per CPU".padEnd(20)} ${"per range".padEnd(20)} ${"per node".padEnd(20)}`);
  for (const s of doc.scaling) {
    lines.push(`${s.phase.padEnd(14)} ${withInterval(s.exponent, s.exponentLow, s.exponentHigh).padEnd(20)} ` +
      `${withInterval(s.rangeExponent, s.rangeExponentLow, s.rangeExponentHigh).padEnd(20)} ` +
      `${withInterval(s.nodeExponent, s.nodeExponentLow, s.nodeExponentHigh).padEnd(20)}${s.superlinear ? "  SUPERLINEAR (interval above 1)" : ""}`.trimEnd());
  }
  if (doc.coldStart) lines.push(`\ncold start: compile ${doc.coldStart.compileMs.toFixed(1)} ms, instantiate ${doc.coldStart.instantiateMs.toFixed(2)} ms`);
  if (doc.wasmMemoryBytes !== undefined) lines.push(`WASM linear memory in use: ${(doc.wasmMemoryBytes / 1024 / 1024).toFixed(2)} MiB`);
  const described = PHASE_DESCRIPTIONS as Record<string, string>;
  lines.push("\nphases: " + names.map((p) => `${short(p)} = ${described[p] ?? p}`).join("; "));
  return lines.join("\n");
}
