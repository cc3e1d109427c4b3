//! The benchmark report: CONTRACT.md's `bench --json` shape (results with per-phase median and
//! minimum nanoseconds, scaling exponents per phase) plus extra fields, and the text table.
// Ports: none (benchmark output)

import { fitTail, SUPERLINEAR_EXPONENT } from "./fit.js";
import { PHASES, PHASE_DESCRIPTIONS, type PhaseName, type PointResult } from "./phases.js";
import { BASE_VARIANT, type BenchConfig } from "./sweep.js";

/** One `results` entry. */
export interface ResultJson {
  cpus: number;
  nodes: number;
  ranges: number;
  phases: Record<string, { medianNs: number; minNs: number }>;
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

/** One `scaling` entry: `exponent` against CPU count; the others against ranges and nodes. */
export interface ScalingJson {
  phase: string;
  exponent: number | null;
  rangeExponent: number | null;
  nodeExponent: number | null;
  superlinear: boolean;
}

/** The whole `bench --json` document. */
export interface BenchJson {
  results: ResultJson[];
  scaling: ScalingJson[];
  coldStart?: { compileMs: number; instantiateMs: number };
  wasmMemoryBytes?: number;
  quick?: boolean;
  seconds?: number;
}

const round = (v: number) => Math.round(v * 10) / 10;

/** The contract's result entry for one measured point. */
export function resultJson(r: PointResult): ResultJson {
  const phases: ResultJson["phases"] = {};
  for (const name of PHASES) {
    const t = r.phases[name];
    if (t) phases[name] = { medianNs: round(t.medianNs), minNs: round(t.minNs) };
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

const isBase = (r: ResultJson) => r.mode === BASE_VARIANT.mode && r.sidecar === BASE_VARIANT.sidecar && r.pool === BASE_VARIANT.pool;

/**
 * Scaling per phase in the base variant: cost against CPUs (the "cpus" axis, fitted from 128
 * CPUs up), against RAM ranges (the "ranges" axis, from 64 ranges) and against NUMA nodes.
 */
export function scaling(results: ResultJson[]): ScalingJson[] {
  const base = results.filter((r) => isBase(r) && !r.skipped && !r.error);
  const fit = (phase: string, axis: ResultJson["axis"], x: (r: ResultJson) => number, minX: number) => {
    const pts = base.filter((r) => r.axis === axis && r.phases[phase]).map((r) => ({ x: x(r), y: r.phases[phase]!.medianNs }));
    const f = fitTail(pts, minX);
    return f === null ? null : Math.round(f.exponent * 1000) / 1000;
  };
  return PHASES.map((phase) => {
    const exponent = fit(phase, "cpus", (r) => r.cpus, 128);
    const rangeExponent = fit(phase, "ranges", (r) => r.ranges, 64);
    const nodeExponent = fit(phase, "nodes", (r) => r.nodes, 2);
    const superlinear = [exponent, rangeExponent].some((e) => e !== null && e > SUPERLINEAR_EXPONENT);
    return { phase, exponent, rangeExponent, nodeExponent, superlinear };
  });
}

function us(ns: number | undefined): string {
  if (ns === undefined) return "-";
  const v = ns / 1000;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

const SHORT: Record<PhaseName, string> = {
  hostDtBuild: "dtBuild", dtParse: "dtParse", readFromDt: "readDt", topology: "topology", addressSpace: "addrSpace",
  pool: "pool", sidecar: "sidecar",
  kernelCmdline: "cmdline", e820: "e820", kernelDt: "kernelDt",
};

/** The text table: one row per point, median µs per phase. */
export function table(doc: BenchJson): string {
  const lines: string[] = [];
  const head = ["cpus", "nodes", "ranges", "variant", "dtKB", ...PHASES.map((p) => SHORT[p]), "MB/s"];
  const widths = [5, 5, 6, 20, 6, ...PHASES.map(() => 9), 6];
  const row = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" ");
  lines.push("median µs per phase (time of one run after warm-up)");
  lines.push(row(head));
  for (const r of doc.results) {
    const variant = `${r.mode}${r.sidecar ? "+sc" : ""}${r.pool ? "+pool" : ""}${r.poolSplit ? "+split" : ""}`;
    const cells = [String(r.cpus), String(r.nodes), String(r.ranges), variant, (r.dtBytes / 1024).toFixed(1)];
    if (r.skipped || r.error) {
      lines.push(row(cells) + `  ${r.skipped ? "skipped" : "error"}: ${r.skipped ?? r.error}`);
      continue;
    }
    for (const p of PHASES) cells.push(us(r.phases[p]?.medianNs));
    cells.push(r.dtParseMBps !== undefined ? String(r.dtParseMBps) : "-");
    lines.push(row(cells));
  }
  lines.push("");
  lines.push("scaling (least squares on log-log, base variant host+sidecar+pool): exponent of cost");
  lines.push(`${"phase".padEnd(14)} ${"per CPU".padStart(8)} ${"per range".padStart(9)} ${"per node".padStart(8)}`);
  const f = (v: number | null) => (v === null ? "-" : v.toFixed(2));
  for (const s of doc.scaling) {
    lines.push(`${s.phase.padEnd(14)} ${f(s.exponent).padStart(8)} ${f(s.rangeExponent).padStart(9)} ${f(s.nodeExponent).padStart(8)}${s.superlinear ? "  SUPERLINEAR" : ""}`);
  }
  if (doc.coldStart) lines.push(`\ncold start: compile ${doc.coldStart.compileMs.toFixed(1)} ms, instantiate ${doc.coldStart.instantiateMs.toFixed(2)} ms`);
  if (doc.wasmMemoryBytes !== undefined) lines.push(`WASM linear memory in use: ${(doc.wasmMemoryBytes / 1024 / 1024).toFixed(2)} MiB`);
  lines.push("\nphases: " + PHASES.map((p) => `${SHORT[p]} = ${PHASE_DESCRIPTIONS[p]}`).join("; "));
  return lines.join("\n");
}
