//! A fuzz campaign: workers, bounds (runs, time), corpus reuse, findings written as reproducers,
//! a progress line, and the CONTRACT summary object.
// Ports: nothing upstream.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Corpus } from "./corpus.js";
import { findingSignature, type WorkerReport } from "./engine.js";
import type { FindingKind } from "./oracle.js";
import { getTarget } from "./targets/index.js";
import { targetSeeds } from "./seeds.js";
import { startPool } from "./workers.js";

/** Campaign options (the CLI flags). */
export interface CampaignOptions {
  target: string;
  seed: number;
  /** Total runs (0: unbounded; then `seconds` must bound it). */
  runs: number;
  /** Wall-clock bound in seconds (0: unbounded). */
  seconds: number;
  workers: number;
  corpusDir: string;
  outDir: string;
  /** Called with the progress line about every 250 ms (and once at the end). */
  progress?: (line: string, final: boolean) => void;
  runLimitMs?: number;
  shrinkBudget?: number;
  /** Aborting it (SIGINT) stops the workers; the summary then covers the runs so far. */
  signal?: AbortSignal;
}

/** One finding in the summary (CONTRACT.md), plus how to replay it. */
export interface FindingSummary {
  kind: FindingKind;
  message: string;
  /** Path of the reproducer's main file. */
  reproducer: string;
  replay: string;
}

/** The summary object `fuzz --json` prints (CONTRACT.md keys first). */
export interface CampaignSummary {
  runs: number;
  seconds: number;
  runsPerSecond: number;
  /** Edges of the instrumented boot core reached by the campaign (including its corpus). */
  coverage: number;
  findings: FindingSummary[];
  target: string;
  seed: number;
  workers: number;
  /** Edges in the instrumented build. */
  edges: number;
  /** Inputs in the corpus at the end, and how many this campaign added. */
  corpus: number;
  corpusAdded: number;
  /** Set when the target could not run (e.g. not available in this build). */
  error?: string;
}

const EXT: Record<string, string> = { dt: "dtb", persisted: "bin" };

/** Runs a campaign to its bounds and returns its summary. */
export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  getTarget(o.target); // unknown names fail here, before any worker starts
  const corpus = new Corpus(o.corpusDir);
  const initial = corpus.load();
  const ext = EXT[o.target] ?? "json";
  const seeds = [...targetSeeds(o.target), ...(ext === "json" ? [] : initial)];
  const started = Date.now();
  const perWorker = new Map<number, WorkerReport>();
  const union = { seen: new Uint8Array(0), covered: 0, edges: 0 };
  const findings: FindingSummary[] = [];
  const signatures = new Set<string>();
  let added = 0;
  let error: string | undefined;

  const runsSoFar = (): number => [...perWorker.values()].reduce((n, r) => n + r.runs, 0);
  const line = (): string => {
    const s = (Date.now() - started) / 1000;
    const runs = runsSoFar();
    return `fuzz ${o.target}: ${runs} runs, ${s.toFixed(1)} s, ${Math.round(runs / Math.max(s, 1e-3))} runs/s, ` +
      `coverage ${union.covered}/${union.edges} edges, corpus ${corpus.size}, findings ${findings.length}`;
  };
  const absorb = (seen: Uint8Array, edges: number): void => {
    if (union.seen.length === 0 && edges > 0) {
      union.seen = new Uint8Array(edges);
      union.edges = edges;
    }
    for (let i = 0; i < seen.length && i < union.seen.length; i++) {
      const v = seen[i]!;
      if (v !== 0 && union.seen[i] === 0) union.covered++;
      union.seen[i] = union.seen[i]! | v;
    }
  };
  const record = (kind: FindingKind, message: string, files: Record<string, Uint8Array>, replay: string): void => {
    const sig = findingSignature(kind, message);
    if (signatures.has(sig)) return;
    signatures.add(sig);
    mkdirSync(o.outDir, { recursive: true });
    const names = Object.keys(files);
    for (const n of names) writeFileSync(join(o.outDir, n), files[n]!);
    const reproducer = names.length > 0 ? resolve(o.outDir, names[0]!) : "";
    findings.push({ kind, message, reproducer, replay: replay.replaceAll("{dir}", resolve(o.outDir)) });
  };

  const pool = startPool(
    o.workers,
    {
      target: o.target, seed: o.seed, runs: o.runs, deadline: o.seconds > 0 ? started + o.seconds * 1000 : 0,
      runLimitMs: o.runLimitMs ?? 5000, corpus: initial, seeds, shrinkBudget: o.shrinkBudget ?? 2000,
    },
    (w, r) => {
      if (r.error) error ??= r.error;
      perWorker.set(w, r);
      absorb(r.seen, r.edges);
      for (const c of r.corpus) if (corpus.save(c, ext)) added++;
      for (const f of r.findings) record(f.kind, f.message, f.files, f.replay);
    },
    (w) => record("timeout", `worker ${w} did not finish a run within the hang limit`, {}, ""),
  );
  if (o.signal?.aborted) pool.stop();
  else o.signal?.addEventListener("abort", () => pool.stop(), { once: true });
  const ticker = o.progress ? setInterval(() => o.progress!(line(), false), 250) : undefined;
  await pool.done;
  if (ticker) clearInterval(ticker);
  o.progress?.(line(), true);
  const seconds = (Date.now() - started) / 1000;
  const runs = runsSoFar();
  return {
    runs,
    seconds: Math.round(seconds * 1000) / 1000,
    runsPerSecond: Math.round(runs / Math.max(seconds, 1e-3)),
    coverage: union.covered,
    findings,
    target: o.target,
    seed: o.seed,
    workers: pool.threaded ? o.workers : 1,
    edges: union.edges,
    corpus: corpus.size,
    corpusAdded: added,
    ...(error ? { error } : {}),
  };
}
