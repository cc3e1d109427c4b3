//! Benchmark timing: calibrates a repetition count so one measured call lasts long enough, then
//! takes the median and minimum per-repetition time over several calls after a warm-up.
// Ports: none (benchmark support)

import { benchClockMs } from "../shim/bench.js";

/** A phase's time per repetition, in nanoseconds. */
export interface Timing {
  medianNs: number;
  minNs: number;
  /** Repetitions per measured call. */
  iterations: number;
  /** Measured calls. */
  samples: number;
}

/** How long one measured call should take and how many are taken. */
export interface TimingOptions {
  sampleMs: number;
  samples: number;
}

/** Quick sweep: short samples. */
export const QUICK_TIMING: TimingOptions = { sampleMs: 3, samples: 7 };
/** Full sweep. */
export const FULL_TIMING: TimingOptions = { sampleMs: 5, samples: 9 };

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times `run(iterations)` (which returns the elapsed milliseconds of that many repetitions): the
 * calibration calls double as warm-up, then `samples` calls give the median and minimum.
 */
export function measure(run: (iterations: number) => number, o: TimingOptions): Timing {
  let iterations = 1;
  let ms = run(iterations);
  while (ms < o.sampleMs && iterations < 1 << 22) {
    const factor = ms <= 0 ? 16 : Math.min(16, Math.max(2, Math.ceil(o.sampleMs / ms)));
    iterations *= factor;
    ms = run(iterations);
  }
  const per: number[] = [];
  for (let k = 0; k < o.samples; k++) per.push((run(iterations) * 1e6) / iterations);
  return { medianNs: median(per), minNs: Math.min(...per), iterations, samples: o.samples };
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
