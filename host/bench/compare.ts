//! `bench --compare old.json`: matches points of two `bench --json` documents and reports the
//! change per phase. A phase regresses only when its intervals separate by more than the
//! threshold: the new interval's low end is above the old interval's high end by more than the
//! threshold (so the change exceeds the threshold even read at the ends of both intervals), and
//! noise on a shared machine is not called a regression.
// Ports: none (benchmark support)

import { pointKey, phaseNames, type BenchJson, type PhaseJson, type ResultJson } from "./report.js";
import { CONFIDENCE, bootstrapGeomeanOfMedians, median, seedFor } from "./stats.js";

/** Default `--threshold`, in percent. */
export const DEFAULT_THRESHOLD_PCT = 5;

/** Median and interval of one phase (at a point, or their geometric mean over points). */
export interface Estimate {
  lowNs: number;
  medianNs: number;
  highNs: number;
}

/** The change of one phase at one point. */
export interface PointChange {
  point: string;
  old: Estimate;
  now: Estimate;
  changePct: number;
  /** The intervals do not overlap. */
  separated: boolean;
  regression: boolean;
}

/** The change of one phase across the matched points. */
export interface PhaseChange {
  phase: string;
  /** Matched points measured in both documents. */
  points: number;
  /**
   * Geometric mean over the points of the median, with its bootstrap interval (every point's
   * samples redrawn; stats.ts bootstrapGeomeanOfMedians).
   */
  old: Estimate;
  now: Estimate;
  /** Geometric mean of new/old median, minus one, in percent (positive = slower). */
  changePct: number;
  /** The change from interval end to interval end: now.low/old.high - 1 … now.high/old.low - 1 (percent). */
  changeLowPct: number;
  changeHighPct: number;
  /** The phase's intervals do not overlap (changeLowPct > 0 or changeHighPct < 0). */
  separated: boolean;
  /** Worst single point change in percent, and that point. */
  worstPct: number;
  worstPoint: string;
  /** Points whose own intervals separate with a change above the threshold. */
  pointRegressions: number;
  /** changeLowPct above the threshold (so separated, and slower by more than it): the command exits 1. */
  regression: boolean;
  /** changeHighPct below minus the threshold. */
  improvement: boolean;
}

/** A phase's estimate at a point; documents without intervals (older ones) give a zero-width interval. */
export function estimate(t: PhaseJson): Estimate {
  return { lowNs: t.ciLowNs ?? t.medianNs, medianNs: t.medianNs, highNs: t.ciHighNs ?? t.medianNs };
}

const pct = (ratio: number) => (ratio - 1) * 100;

/**
 * Whether a change with these estimates is a regression at `thresholdPct`: the intervals separate
 * and the change exceeds the threshold even from the old interval's top to the new one's bottom.
 */
export function isRegression(old: Estimate, now: Estimate, thresholdPct: number): boolean {
  return now.lowNs > old.highNs && pct(now.lowNs / old.highNs) > thresholdPct && pct(now.medianNs / old.medianNs) > thresholdPct;
}

/** Per-phase changes from `old` to `now` (see PhaseChange for when a phase regresses). */
export function compareRuns(old: BenchJson, now: BenchJson, thresholdPct: number = DEFAULT_THRESHOLD_PCT): PhaseChange[] {
  if (!Array.isArray(old.results) || !Array.isArray(now.results)) throw new Error("not a bench --json document: no results array");
  const before = new Map<string, ResultJson>();
  for (const r of old.results) before.set(pointKey(r), r);
  const out: PhaseChange[] = [];
  for (const phase of phaseNames([...old.results, ...now.results])) {
    const changes: PointChange[] = [];
    const oldSets: number[][] = [];
    const nowSets: number[][] = [];
    for (const r of now.results) {
      const a = before.get(pointKey(r))?.phases?.[phase];
      const b = r.phases?.[phase];
      if (!a || !b || !(a.medianNs > 0) || !(b.medianNs > 0)) continue;
      const o = estimate(a);
      const n = estimate(b);
      // documents without samples (older ones) bootstrap their medians alone: zero width
      oldSets.push(a.samplesNs?.length ? a.samplesNs : [a.medianNs]);
      nowSets.push(b.samplesNs?.length ? b.samplesNs : [b.medianNs]);
      changes.push({
        point: pointKey(r), old: o, now: n, changePct: pct(n.medianNs / o.medianNs),
        separated: n.lowNs > o.highNs || n.highNs < o.lowNs, regression: isRegression(o, n, thresholdPct),
      });
    }
    if (changes.length === 0) continue;
    const geomean = (sets: number[][]) => Math.exp(sets.reduce((t, x) => t + Math.log(Math.max(1e-9, median(x))), 0) / sets.length);
    const agg = (sets: number[][], side: string): Estimate => {
      const ci = bootstrapGeomeanOfMedians(sets, seedFor(`${side}/${phase}`), CONFIDENCE, 1000, (side === "old" ? old : now).processes ?? 1);
      return { lowNs: ci.lo, medianNs: geomean(sets), highNs: ci.hi };
    };
    const o = agg(oldSets, "old");
    const n = agg(nowSets, "now");
    const worst = changes.reduce((w, c) => (c.changePct > w.changePct ? c : w));
    const changePct = pct(n.medianNs / o.medianNs);
    const changeLowPct = pct(n.lowNs / o.highNs);
    const changeHighPct = pct(n.highNs / o.lowNs);
    const separated = changeLowPct > 0 || changeHighPct < 0;
    out.push({
      phase, points: changes.length, old: o, now: n, changePct, changeLowPct, changeHighPct, separated,
      worstPct: worst.changePct, worstPoint: worst.point,
      pointRegressions: changes.filter((c) => c.regression).length,
      regression: changeLowPct > thresholdPct && changePct > thresholdPct,
      improvement: changeHighPct < -thresholdPct && changePct < -thresholdPct,
    });
  }
  return out;
}

/** The comparison as text lines. */
export function compareText(changes: PhaseChange[], thresholdPct: number): string {
  const lines = [
    `change per phase (geometric mean over matched points, ${CONFIDENCE * 100}% intervals of the medians; ` +
      `regression: the intervals separate by more than +${thresholdPct}%, i.e. the interval of change lies above it)`,
  ];
  const sign = (v: number) => (v >= 0 ? "+" : "") + v.toFixed(1) + "%";
  lines.push(`${"phase".padEnd(14)} ${"points".padStart(6)} ${"change".padStart(9)}  ${"interval of change".padEnd(20)} ${"pts>thr".padStart(7)} ${"worst".padStart(9)}  verdict`);
  for (const c of changes) {
    const verdict = c.regression ? "REGRESSION" : c.improvement ? "faster" : c.separated
      ? `${c.changePct >= 0 ? "slower" : "faster"}, not beyond the threshold`
      : "no change (intervals overlap)";
    lines.push(
      `${c.phase.padEnd(14)} ${String(c.points).padStart(6)} ${sign(c.changePct).padStart(9)}  ${`[${sign(c.changeLowPct)}, ${sign(c.changeHighPct)}]`.padEnd(20)} ` +
        `${String(c.pointRegressions).padStart(7)} ${sign(c.worstPct).padStart(9)}  ${verdict}`,
    );
  }
  if (changes.length === 0) lines.push("(no points in common)");
  else {
    const bad = changes.filter((c) => c.regression).map((c) => c.phase);
    lines.push(bad.length === 0 ? "no regression" : `regression in ${bad.join(", ")}`);
  }
  return lines.join("\n");
}
