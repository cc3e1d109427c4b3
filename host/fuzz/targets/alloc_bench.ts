//! `hclboot fuzz --bench`: runs/s of the `alloc` target's fuzzing loop (generate, clear the
//! coverage map, patch and boot, fold coverage) on its prepared topologies, coverage on.
// Ports: nothing upstream (measurement).
import { loadCoverageShim } from "../coverage.js";
import { loadShim } from "../../wasm/node.js";
import { Rng, runSeed } from "../rng.js";
import { ALLOC_CPU_COUNTS, allocTargetFor } from "./alloc.js";

/** One measured configuration. */
export interface AllocBenchRow {
  name: string;
  cpus: number;
  coverage: boolean;
  runs: number;
  seconds: number;
  runsPerSecond: number;
  /** Runs whose boot completed (the rest ended at an upstream site or before the boot). */
  completed: number;
}

/** Measures each topology for `seconds` (the 2048-CPU one for half as long); one core. */
export async function benchAlloc(o: { seconds: number; seed: number }): Promise<{ rows: AllocBenchRow[] }> {
  const rows: AllocBenchRow[] = [];
  const configs: { cpus: number; coverage: boolean }[] = [
    ...ALLOC_CPU_COUNTS.map((cpus) => ({ cpus, coverage: true })),
    { cpus: ALLOC_CPU_COUNTS[0], coverage: false },
  ];
  for (const c of configs) {
    const inst = c.coverage ? await loadCoverageShim() : { shim: await loadShim(), coverage: null };
    const t = allocTargetFor(c.cpus);
    t.prepare(inst.shim);
    const limit = (c.cpus >= 2048 ? o.seconds / 2 : o.seconds) * 1000;
    // Warm up (JIT, first forks) before timing.
    for (let i = 0; i < 50; i++) t.run(inst.shim, t.generate(new Rng(runSeed(o.seed + 1, i))));
    let runs = 0;
    let completed = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < limit) {
      for (let k = 0; k < 16; k++, runs++) {
        const input = t.generate(new Rng(runSeed(o.seed, runs)));
        inst.coverage?.clear();
        const v = t.run(inst.shim, input);
        inst.coverage?.merge();
        if (v.ok && !v.failedAt) completed++;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    rows.push({ name: `alloc ${c.cpus} CPUs`, cpus: c.cpus, coverage: c.coverage, runs, seconds: Math.round(seconds * 100) / 100, runsPerSecond: Math.round(runs / seconds), completed });
  }
  return { rows };
}
