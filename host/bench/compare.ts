//! `bench --compare old.json`: matches points of two `bench --json` documents, prints the change
//! per phase (geometric mean of new/old median over the matched points) and flags regressions.
// Ports: none (benchmark support)

import type { BenchJson, ResultJson } from "./report.js";

/** The change of one phase across the matched points. */
export interface PhaseChange {
  phase: string;
  /** Matched points measured in both documents. */
  points: number;
  /** Geometric mean of new/old median, minus one, in percent (positive = slower). */
  changePct: number;
  /** Worst single point change in percent, and that point. */
  worstPct: number;
  worstPoint: string;
  regression: boolean;
}

function key(r: ResultJson): string {
  return `${r.cpus}c-${r.nodes}n-${r.ranges}r-${r.mode ?? "host"}${r.sidecar === false ? "" : "+sidecar"}${r.pool === false ? "" : "+pool"}${r.poolSplit ? "+split" : ""}-${r.axis ?? ""}`;
}

/** Per-phase changes from `old` to `now`; a phase regresses when its mean change exceeds `thresholdPct`. */
export function compareRuns(old: BenchJson, now: BenchJson, thresholdPct: number): PhaseChange[] {
  if (!Array.isArray(old.results) || !Array.isArray(now.results)) throw new Error("not a bench --json document: no results array");
  const before = new Map<string, ResultJson>();
  for (const r of old.results) before.set(key(r), r);
  const phases: string[] = [];
  for (const r of [...old.results, ...now.results]) for (const p of Object.keys(r.phases ?? {})) if (!phases.includes(p)) phases.push(p);
  const out: PhaseChange[] = [];
  for (const phase of phases) {
    let logSum = 0;
    let n = 0;
    let worstPct = -Infinity;
    let worstPoint = "";
    for (const r of now.results) {
      const o = before.get(key(r));
      const a = o?.phases?.[phase]?.medianNs;
      const b = r.phases?.[phase]?.medianNs;
      if (a === undefined || b === undefined || a <= 0 || b <= 0) continue;
      logSum += Math.log(b / a);
      n++;
      const pct = (b / a - 1) * 100;
      if (pct > worstPct) {
        worstPct = pct;
        worstPoint = key(r);
      }
    }
    if (n === 0) continue;
    const changePct = (Math.exp(logSum / n) - 1) * 100;
    out.push({ phase, points: n, changePct, worstPct, worstPoint, regression: changePct > thresholdPct });
  }
  return out;
}

/** The comparison as text lines. */
export function compareText(changes: PhaseChange[], thresholdPct: number): string {
  const lines = [`change per phase (geometric mean over matched points; regression above +${thresholdPct}%)`];
  lines.push(`${"phase".padEnd(14)} ${"points".padStart(6)} ${"change".padStart(9)} ${"worst".padStart(9)}  worst point`);
  for (const c of changes) {
    const sign = (v: number) => (v >= 0 ? "+" : "") + v.toFixed(1) + "%";
    lines.push(
      `${c.phase.padEnd(14)} ${String(c.points).padStart(6)} ${sign(c.changePct).padStart(9)} ${sign(c.worstPct).padStart(9)}  ${c.worstPoint}${c.regression ? "  REGRESSION" : ""}`,
    );
  }
  if (changes.length === 0) lines.push("(no points in common)");
  return lines.join("\n");
}
