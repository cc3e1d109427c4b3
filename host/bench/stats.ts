//! Benchmark statistics: median with a seeded bootstrap confidence interval, spread (MAD, min,
//! max) of a point's samples, and the interval of a power-law exponent. Generic over phases: it
//! only sees arrays of per-repetition times.
// Ports: none (benchmark support)

/** Confidence level of every interval the bench reports. */
export const CONFIDENCE = 0.95;
/** Bootstrap resamples per interval. */
export const RESAMPLES = 2000;
/** Base seed of the bootstraps (mixed with a label per interval, so shards and order do not matter). */
export const STATS_SEED = 0x5eed_1e55;

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a label mixed into `seed` (seeds one interval's bootstrap). */
export function seedFor(label: string, seed = STATS_SEED): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile (0 … 1) of a sorted non-empty list, linear between order statistics. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** A closed interval. */
export interface Interval {
  lo: number;
  hi: number;
}

/**
 * Percentile bootstrap interval of the median of `samples` (seeded by `seed`): resample with
 * replacement `resamples` times, take each resample's median, keep the central `level` share.
 */
export function bootstrapMedian(samples: readonly number[], seed: number, level = CONFIDENCE, resamples = RESAMPLES): Interval {
  if (samples.length === 0) throw new Error("bootstrapMedian: no samples");
  if (samples.length === 1) return { lo: samples[0]!, hi: samples[0]! };
  const next = rng(seed);
  const n = samples.length;
  const buf = new Float64Array(n);
  const meds = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) buf[i] = samples[Math.floor(next() * n)]!;
    buf.sort();
    const m = n >> 1;
    meds[r] = n % 2 === 1 ? buf[m]! : (buf[m - 1]! + buf[m]!) / 2;
  }
  meds.sort();
  const tail = (1 - level) / 2;
  const sorted = Array.from(meds);
  return { lo: quantileSorted(sorted, tail), hi: quantileSorted(sorted, 1 - tail) };
}

/**
 * `samples` as `clusters` equal blocks in order (the samples of each measuring process); one
 * block when there is one cluster or the count does not divide.
 */
export function clustersOf(samples: readonly number[], clusters: number): number[][] {
  if (clusters <= 1 || samples.length % clusters !== 0 || samples.length < clusters) return [[...samples]];
  const m = samples.length / clusters;
  return Array.from({ length: clusters }, (_, k) => samples.slice(k * m, (k + 1) * m));
}

/**
 * Percentile bootstrap interval of the median of samples taken in `clusters` processes: each
 * resample first redraws the processes (with replacement), then samples within each drawn
 * process, so a per-process offset (code placement, machine state) widens the interval as it
 * should. One cluster: the plain bootstrapMedian.
 */
export function bootstrapMedianClustered(samples: readonly number[], clusters: number, seed: number, level = CONFIDENCE, resamples = RESAMPLES): Interval {
  const blocks = clustersOf(samples, clusters);
  if (blocks.length === 1) return bootstrapMedian(samples, seed, level, resamples);
  const next = rng(seed);
  const n = samples.length;
  const buf = new Float64Array(n);
  const meds: number[] = new Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let at = 0;
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[Math.floor(next() * blocks.length)]!;
      for (let i = 0; i < b.length; i++) buf[at++] = b[Math.floor(next() * b.length)]!;
    }
    buf.sort();
    const m = n >> 1;
    meds[r] = n % 2 === 1 ? buf[m]! : (buf[m - 1]! + buf[m]!) / 2;
  }
  meds.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { lo: quantileSorted(meds, tail), hi: quantileSorted(meds, 1 - tail) };
}

/** Median absolute deviation from the median. */
export function mad(samples: readonly number[]): number {
  const m = median(samples);
  return median(samples.map((v) => Math.abs(v - m)));
}

/** Summary of one point's samples of one phase (nanoseconds per repetition). */
export interface SampleSummary {
  medianNs: number;
  minNs: number;
  maxNs: number;
  /** Bootstrap interval (CONFIDENCE) of the median. */
  ciLowNs: number;
  ciHighNs: number;
  /** Median absolute deviation, in percent of the median (the spread). */
  madPct: number;
}

/**
 * Median, interval, min, max and spread of `samples`; `label` seeds the bootstrap; `clusters`:
 * the number of processes the samples were taken in (equal blocks, in order).
 */
export function summarize(samples: readonly number[], label: string, clusters = 1): SampleSummary {
  const med = median(samples);
  const ci = bootstrapMedianClustered(samples, clusters, seedFor(label));
  return {
    medianNs: med,
    minNs: Math.min(...samples),
    maxNs: Math.max(...samples),
    ciLowNs: ci.lo,
    ciHighNs: ci.hi,
    madPct: med > 0 ? (mad(samples) / med) * 100 : 0,
  };
}

/** Two-sided Student t quantile for CONFIDENCE (0.95) by degrees of freedom (1 … 30, then normal). */
export function tQuantile95(df: number): number {
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
    2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
  if (df < 1) return Infinity;
  return df <= 30 ? table[df - 1]! : 1.96;
}

/** Least-squares slope of (ln x, ln y) with its standard error (null below two distinct x). */
export function logLogSlope(points: readonly { x: number; y: number }[]): { slope: number; intercept: number; se: number; r2: number; n: number } | null {
  const p = points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x) && Number.isFinite(q.y));
  const n = p.length;
  if (n < 2) return null;
  const lx = p.map((q) => Math.log(q.x));
  const ly = p.map((q) => Math.log(q.y));
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i]! - mx) ** 2;
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    syy += (ly[i]! - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ly[i]! - intercept - slope * lx[i]!) ** 2;
  const se = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Infinity;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, se, r2, n };
}

/**
 * Interval (CONFIDENCE) of a log-log exponent: the wider of (a) a seeded bootstrap that
 * resamples every point's own samples, takes their median and refits (measurement noise), and
 * (b) the least-squares t interval from the residuals (points off the power law). With two
 * points (b) is unbounded: two points cannot tell noise from growth.
 */
export function exponentInterval(points: readonly { x: number; samples: readonly number[] }[], label: string): Interval | null {
  const usable = points.filter((p) => p.samples.length > 0 && p.x > 0);
  const fit = logLogSlope(usable.map((p) => ({ x: p.x, y: median(p.samples) })));
  if (fit === null) return null;
  const t = tQuantile95(fit.n - 2) * fit.se;
  let lo = fit.slope - t;
  let hi = fit.slope + t;
  const next = rng(seedFor(label));
  const slopes: number[] = [];
  const rounds = 500;
  for (let r = 0; r < rounds; r++) {
    const pts = usable.map((p) => {
      const s = p.samples;
      const pick = Array.from({ length: s.length }, () => s[Math.floor(next() * s.length)]!);
      return { x: p.x, y: median(pick) };
    });
    const f = logLogSlope(pts);
    if (f) slopes.push(f.slope);
  }
  if (slopes.length > 0) {
    slopes.sort((a, b) => a - b);
    const tail = (1 - CONFIDENCE) / 2;
    lo = Math.min(lo, quantileSorted(slopes, tail));
    hi = Math.max(hi, quantileSorted(slopes, 1 - tail));
  }
  return { lo, hi };
}

/**
 * Percentile bootstrap interval of the geometric mean over several points of each point's median
 * (one phase across a sweep): every resample redraws the measuring processes (`clusters`, shared by
 * all points, as a process's offset is) and every point's samples within them. It narrows as
 * points are added, but not below the spread between processes.
 */
export function bootstrapGeomeanOfMedians(sets: readonly (readonly number[])[], seed: number, level = CONFIDENCE, resamples = 1000, clusters = 1): Interval {
  const usable = sets.filter((s) => s.length > 0).map((s) => clustersOf(s, clusters));
  if (usable.length === 0) throw new Error("bootstrapGeomeanOfMedians: no samples");
  const next = rng(seed);
  const means = new Float64Array(resamples);
  const bufs = usable.map((b) => new Float64Array(b.reduce((t, x) => t + x.length, 0)));
  const picks = new Int32Array(Math.max(1, clusters));
  for (let r = 0; r < resamples; r++) {
    // the processes are drawn once per resample, for every point: a process's offset is shared
    for (let k = 0; k < picks.length; k++) picks[k] = Math.floor(next() * picks.length);
    let sum = 0;
    for (let j = 0; j < usable.length; j++) {
      const blocks = usable[j]!;
      const buf = bufs[j]!;
      let at = 0;
      for (let k = 0; k < blocks.length; k++) {
        const b = blocks.length === 1 ? blocks[0]! : blocks[picks[k]!]!;
        for (let i = 0; i < b.length; i++) buf[at++] = b[Math.floor(next() * b.length)]!;
      }
      buf.sort();
      const n = buf.length;
      const m = n >> 1;
      sum += Math.log(Math.max(1e-9, n % 2 === 1 ? buf[m]! : (buf[m - 1]! + buf[m]!) / 2));
    }
    means[r] = sum / usable.length;
  }
  means.sort();
  const sorted = Array.from(means);
  const tail = (1 - level) / 2;
  return { lo: Math.exp(quantileSorted(sorted, tail)), hi: Math.exp(quantileSorted(sorted, 1 - tail)) };
}
