//! A fuzz campaign: workers, bounds (runs, time), corpus reuse, findings written as reproducers,
//! a progress line, and the CONTRACT summary object.
// Ports: nothing upstream.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Corpus } from "./corpus.js";
import { sitesFor } from "./upstream_messages.js";
import { bucketId } from "./triage.js";
import type { RawFinding, WorkerReport } from "./engine.js";
import type { FindingKind } from "./oracle.js";
import { getTarget } from "./targets/index.js";
import { targetSeeds } from "./seeds.js";
import { startPool } from "./workers.js";
import { writeReport, type FindingRecord, type TriageReport, type Validity } from "./triage.js";

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
  /** Bucket ids the user already knows (`--known`): reported, but not findings of this campaign. */
  known?: ReadonlySet<string>;
  /** `--property` modules. */
  properties?: string[];
  /** Aborting it (SIGINT) stops the workers; the summary then covers the runs so far. */
  signal?: AbortSignal;
}

/** One finding in the summary (docs/CONTRACT.md), plus how to replay it. */
export interface FindingSummary {
  kind: FindingKind;
  message: string;
  /** Path of the reproducer's main file. */
  reproducer: string;
  replay: string;
  /** Bucket id (triage), failure site id, whether the VMM could send the input, bucket hits. */
  bucket: string;
  site?: string;
  validity: Validity;
  count: number;
  /** The raw input file (`crash-<sha1>`). */
  crash: string;
}

/** The summary object `fuzz --json` prints (docs/CONTRACT.md keys first). */
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
  /** Buckets seen that the `--known` file lists (not in `findings`). */
  knownFindings: number;
  /** Paths of the triage report (`report.json`, `report.md`) when there were findings. */
  report?: string;
}

const EXT: Record<string, string> = { dt: "dtb", persisted: "bin" };

/** Upstream file:line list of a failure site id (current pin), if it is one. */
function siteAt(site: string | undefined): string[] | undefined {
  if (!site) return undefined;
  return sitesFor().find((s) => s.id === site)?.at;
}

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
  const byBucket = new Map<string, { summary: FindingSummary; record: FindingRecord }>();
  const known = o.known ?? new Set<string>();
  let knownFindings = 0;
  let added = 0;
  let error: string | undefined;

  const runsSoFar = (): number => [...perWorker.values()].reduce((n, r) => n + r.runs, 0);
  const line = (): string => {
    const s = (Date.now() - started) / 1000;
    const runs = runsSoFar();
    return `fuzz ${o.target}: ${runs} runs, ${s.toFixed(1)} s, ${Math.round(runs / Math.max(s, 1e-3))} runs/s, ` +
      `coverage ${union.covered}/${union.edges} edges, corpus ${corpus.size}, findings ${findings.length}` + (knownFindings ? ` (+${knownFindings} known)` : "");
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
  const writeRecord = (rec: FindingRecord): void => {
    writeFileSync(join(o.outDir, `${rec.crash}.finding.json`), JSON.stringify(rec, null, 2) + "\n");
  };
  const record = (f: RawFinding): void => {
    const prev = byBucket.get(f.bucket);
    if (prev && prev.record.inputBytes <= f.input.length) return; // keep the smallest reproducer
    mkdirSync(o.outDir, { recursive: true });
    const names = Object.keys(f.files);
    for (const n of names) writeFileSync(join(o.outDir, n), f.files[n]!);
    const crash = names.length > 0 ? names[0]!.replace(/\.[^.]*$/, "") : `crash-${f.bucket}`;
    writeFileSync(join(o.outDir, crash), f.input);
    const reproducer = names.length > 0 ? resolve(o.outDir, names[0]!) : "";
    const replay = f.replay.replaceAll("{dir}", resolve(o.outDir));
    const summary: FindingSummary = {
      kind: f.kind, message: f.message, reproducer, replay, bucket: f.bucket, ...(f.site ? { site: f.site } : {}),
      validity: f.validity, count: prev ? prev.summary.count : 0, crash: resolve(o.outDir, crash),
    };
    const rec: FindingRecord = {
      bucket: f.bucket, kind: f.kind, ...(f.site ? { site: f.site } : {}), ...(siteAt(f.site) ? { at: siteAt(f.site)! } : {}),
      validity: f.validity, message: f.message, target: o.target, seed: o.seed, run: prev ? Math.min(prev.record.run, f.run) : f.run,
      time: prev ? prev.record.time : new Date(f.at).toISOString(), seconds: prev ? prev.record.seconds : Math.round((f.at - started) / 100) / 10,
      count: summary.count, reproducer: names[0] ?? "", crash, replay, inputBytes: f.input.length,
    };
    if (prev) {
      const i = findings.indexOf(prev.summary);
      if (i >= 0) findings[i] = summary;
    } else if (known.has(f.bucket)) knownFindings++;
    else findings.push(summary);
    byBucket.set(f.bucket, { summary, record: rec });
    writeRecord(rec);
  };
  const hit = (bucket: string, n: number): void => {
    const b = byBucket.get(bucket);
    if (b) {
      b.summary.count += n;
      b.record.count = b.summary.count;
    } else pendingHits.set(bucket, (pendingHits.get(bucket) ?? 0) + n);
  };
  const pendingHits = new Map<string, number>();

  const pool = startPool(
    o.workers,
    {
      target: o.target, seed: o.seed, runs: o.runs, deadline: o.seconds > 0 ? started + o.seconds * 1000 : 0,
      runLimitMs: o.runLimitMs ?? 5000, corpus: initial, seeds, shrinkBudget: o.shrinkBudget ?? 2000,
      started, properties: o.properties ?? [],
    },
    (w, r) => {
      if (r.error) error ??= r.error;
      perWorker.set(w, r);
      absorb(r.seen, r.edges);
      for (const c of r.corpus) if (corpus.save(c, ext)) added++;
      for (const f of r.findings) {
        record(f);
        const pending = pendingHits.get(f.bucket);
        if (pending) {
          pendingHits.delete(f.bucket);
          hit(f.bucket, pending);
        }
      }
      for (const [b, n] of r.hits) hit(b, n);
    },
    (w) => {
      const message = `worker ${w} did not finish a run within the hang limit`;
      record({ kind: "timeout", message, input: new Uint8Array(0), files: {}, replay: "", run: -1, bucket: bucketId("timeout", message), validity: "hand-made", at: Date.now() });
      hit(bucketId("timeout", message), 1);
    },
  );
  if (o.signal?.aborted) pool.stop();
  else o.signal?.addEventListener("abort", () => pool.stop(), { once: true });
  const ticker = o.progress ? setInterval(() => o.progress!(line(), false), 250) : undefined;
  await pool.done;
  if (ticker) clearInterval(ticker);
  o.progress?.(line(), true);
  const seconds = (Date.now() - started) / 1000;
  const runs = runsSoFar();
  for (const b of byBucket.values()) writeRecord(b.record);
  let report: TriageReport | undefined;
  if (byBucket.size > 0) report = writeReport(o.outDir, known);
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
    knownFindings,
    ...(report ? { report: resolve(o.outDir, "report.json") } : {}),
  };
}
