//! Benchmark timing: calibrates a repetition count so one measured call lasts long enough, then
//! takes several per-repetition samples after a warm-up (several phases interleaved round by
//! round, so a burst of load on the machine hits one sample of each phase, not every sample of
//! one), and summarizes them (host/bench/stats.ts). Test hook: HCLBOOT_BENCH_SLOW.
// Ports: none (benchmark support)

import { benchClockMs } from "../shim/bench.js";
import { median, summarize, type SampleSummary } from "./stats.js";

export { median };

/** A phase's time per repetition, in nanoseconds: the samples and their summary. */
export interface Timing extends SampleSummary {
  /** Repetitions per measured call. */
  iterations: number;
  /** Measured calls. */
  samples: number;
  /** Every measured call's time per repetition, in the order taken. */
  samplesNs: number[];
}

/** How long one measured call should take and how many are taken. */
export interface TimingOptions {
  sampleMs: number;
  samples: number;
  /** Label seeding the bootstrap intervals (the point's name; the phase is appended). */
  label?: string;
}

/** Quick sweep: short samples. */
export const QUICK_TIMING: TimingOptions = { sampleMs: 3, samples: 9 };
/** Full sweep. */
export const FULL_TIMING: TimingOptions = { sampleMs: 5, samples: 11 };

/** A timed body: runs `iterations` repetitions and returns their elapsed milliseconds. */
export type Run = (iterations: number) => number;

/**
 * The test hook HCLBOOT_BENCH_SLOW=PHASE[:FACTOR][,PHASE[:FACTOR]…] (FACTOR default 2): the named
 * phases busy-loop after each measured call until the call took FACTOR times as long, so a
 * deliberately slowed build can be compared (README "Benchmarks"). Unset: no effect.
 */
export function slowFactor(phase: string, env: string | undefined = process.env.HCLBOOT_BENCH_SLOW): number {
  return parseSlowHook(env).get(phase) ?? 1;
}

/** The phases and factors HCLBOOT_BENCH_SLOW names; throws on a malformed entry. */
export function parseSlowHook(env: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!env) return out;
  for (const part of env.split(",")) {
    if (part.trim() === "") continue;
    const [name, factor, extra] = part.trim().split(":");
    const f = factor === undefined ? 2 : Number(factor);
    if (!name || extra !== undefined || !Number.isFinite(f) || f < 1) {
      throw new Error(`HCLBOOT_BENCH_SLOW: expected PHASE[:FACTOR] with FACTOR >= 1, got '${part.trim()}'`);
    }
    out.set(name, f);
  }
  return out;
}

/** `run` slowed by `factor` with a busy loop on the bench clock (factor 1: `run` itself). */
export function slowed(run: Run, factor: number): Run {
  if (factor === 1) return run;
  return (n) => {
    const t0 = benchClockMs();
    const ms = run(n);
    while (benchClockMs() - t0 < ms * factor) {
      // busy-wait: the test hook's deliberate slowdown
    }
    return benchClockMs() - t0;
  };
}

/** The repetition count that makes one call of `run` last `sampleMs` (the calls double as warm-up). */
export function calibrate(run: Run, sampleMs: number): number {
  let iterations = 1;
  let ms = run(iterations);
  while (ms < sampleMs && iterations < 1 << 22) {
    const factor = ms <= 0 ? 16 : Math.min(16, Math.max(2, Math.ceil(sampleMs / ms)));
    iterations *= factor;
    ms = run(iterations);
  }
  return iterations;
}

function timing(samplesNs: number[], iterations: number, label: string): Timing {
  return { ...summarize(samplesNs, label), iterations, samples: samplesNs.length, samplesNs };
}

/** Times one body: calibration, then `samples` calls; median, interval, min, max and spread. */
export function measure(run: Run, o: TimingOptions, phase = ""): Timing {
  return measureAll([[phase, run]], o)[phase]!;
}

/**
 * Times several phases of one point: each is calibrated (and slowed by the test hook), then
 * `samples` rounds each take one call of every phase in turn.
 */
export function measureAll(runs: readonly (readonly [string, Run])[], o: TimingOptions): Record<string, Timing> {
  const bodies = runs.map(([name, run]) => {
    const r = slowed(run, slowFactor(name));
    return { name, run: r, iterations: calibrate(r, o.sampleMs), per: [] as number[] };
  });
  for (let k = 0; k < o.samples; k++) {
    for (const b of bodies) b.per.push((b.run(b.iterations) * 1e6) / b.iterations);
  }
  const out: Record<string, Timing> = {};
  for (const b of bodies) out[b.name] = timing(b.per, b.iterations, `${o.label ?? ""}/${b.name}`);
  return out;
}

/** Elapsed milliseconds (benchClockMs) of `iterations` calls of `fn` (phases that run in JavaScript). */
export function timeJs(fn: () => unknown, iterations: number): number {
  let sink: unknown;
  const t0 = benchClockMs();
  for (let i = 0; i < iterations; i++) sink = fn();
  const ms = benchClockMs() - t0;
  if (sink === Symbol.for("never")) throw new Error("unreachable");
  return ms;
}
