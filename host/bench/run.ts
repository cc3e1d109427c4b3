//! Runs a benchmark sweep: cold start (compile + instantiate the boot core), every point's phases
//! with logging off, the scaling fits, and the WASM memory in use afterwards.
// Ports: none (benchmark driver)

import { readFileSync } from "node:fs";
import { Shim } from "../wasm/loader.js";
import { wasmPath } from "../wasm/node.js";
import { hvImports } from "../hv/imports.js";
import { measurePoint } from "./phases.js";
import { resultJson, scaling, phaseNames, STATS, type BenchJson } from "./report.js";
import { median, type TimingOptions } from "./timing.js";
import { BASE_VARIANT, type BenchConfig } from "./sweep.js";
import type { Series } from "./svg.js";

/** Compile and instantiate times of the boot core (median of `runs`). */
export async function coldStart(runs = 5): Promise<{ compileMs: number; instantiateMs: number; module: WebAssembly.Module }> {
  const bytes = readFileSync(wasmPath());
  const compile: number[] = [];
  const inst: number[] = [];
  let module: WebAssembly.Module | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    module = new WebAssembly.Module(bytes);
    const t1 = performance.now();
    await Shim.create(module, [hvImports]);
    const t2 = performance.now();
    compile.push(t1 - t0);
    inst.push(t2 - t1);
  }
  return { compileMs: median(compile), instantiateMs: median(inst), module: module! };
}

/** Runs `configs` and returns the `bench --json` document; `progress` is told about each point
 * (answering false stops the sweep there). */
export async function runBench(
  configs: BenchConfig[],
  timing: TimingOptions,
  progress?: (done: number, total: number, label: string) => void | boolean | Promise<boolean>,
): Promise<BenchJson> {
  const t0 = performance.now();
  const cold = await coldStart();
  const shim = await Shim.create(cold.module, [hvImports]);
  shim.setLogging(false);
  const results = [];
  for (let i = 0; i < configs.length; i++) {
    const c = configs[i]!;
    // A progress callback that answers false (SIGINT) ends the sweep with the points so far.
    if ((await progress?.(i, configs.length, `${c.cpus} CPUs, ${c.nodes} nodes, ${c.ranges} ranges, ${c.mode}`)) === false) break;
    results.push(resultJson(measurePoint(shim, c, timing)));
  }
  return {
    results,
    scaling: scaling(results),
    coldStart: { compileMs: Math.round(cold.compileMs * 100) / 100, instantiateMs: Math.round(cold.instantiateMs * 100) / 100 },
    wasmMemoryBytes: shim.memoryBytes(),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    stats: STATS,
  };
}

/** The chart's series: each phase's median (band: min … max) against CPUs on the "cpus" axis, base variant. */
export function cpuSeries(doc: BenchJson): Series[] {
  const base = doc.results.filter(
    (r) => r.axis === "cpus" && r.mode === BASE_VARIANT.mode && r.sidecar === BASE_VARIANT.sidecar && r.pool === BASE_VARIANT.pool,
  );
  return phaseNames(base).map((phase) => ({
    name: phase,
    points: base.filter((r) => r.phases[phase]).map((r) => {
      const t = r.phases[phase]!;
      return { x: r.cpus, y: t.medianNs, lo: t.minNs, hi: t.maxNs ?? t.medianNs };
    }),
  })).filter((s) => s.points.length > 0);
}
