//! One fuzzing loop on one boot core instance: generate or mutate, run, judge, keep new coverage,
//! shrink findings. Runs in a worker thread or in the main thread (one worker).
// Ports: nothing upstream (coverage-guided loop in the style of libFuzzer/AFL).
import { hvImports } from "../hv/imports.js";
import { Shim } from "../wasm/loader.js";
import { Coverage, coverageModule } from "./coverage.js";
import type { FindingKind, Verdict } from "./oracle.js";
import { Rng, runSeed } from "./rng.js";
import { minimize } from "./shrink.js";
import { getTarget } from "./targets/index.js";
import type { Target } from "./target.js";
import { bucketId, sha1Hex, type Validity } from "./triage.js";
import { loadProperties } from "./properties.js";

/** What a worker is told. */
export interface WorkerParams {
  target: string;
  seed: number;
  /** This worker's index and the number of workers: it runs indexes w, w+W, w+2W, ... */
  worker: number;
  workers: number;
  /** Stop after this many runs in total (across workers), or 0 for no bound. */
  runs: number;
  /** Stop at this time (ms since epoch), or 0 for no bound. */
  deadline: number;
  /** A single run slower than this is a `timeout` finding. */
  runLimitMs: number;
  /** Encoded corpus inputs to start from, and seed files for byte targets. */
  corpus: Uint8Array[];
  seeds: Uint8Array[];
  /** Shrink budget (candidate runs) per finding. */
  shrinkBudget: number;
  /** Campaign start (ms since epoch), for first-seen times. */
  started?: number;
  /** `--property` modules (absolute paths), loaded by every worker. */
  properties?: string[];
}

/** A finding as a worker reports it (before files are written). */
export interface RawFinding {
  kind: FindingKind;
  message: string;
  /** The shrunk input, encoded. */
  input: Uint8Array;
  /** Reproducer files and replay command from the target. */
  files: Record<string, Uint8Array>;
  replay: string;
  /** Index of the run that found it. */
  run: number;
  /** Bucket id, failure site id, and whether the VMM could have sent the input. */
  bucket: string;
  site?: string;
  validity: Validity;
  /** When it was found (ms since epoch). */
  at: number;
}

/** Periodic report of a worker. */
export interface WorkerReport {
  runs: number;
  /** Seen-bucket map of this worker (for the union coverage count). */
  seen: Uint8Array;
  edges: number;
  /** New corpus entries since the last report (encoded inputs). */
  corpus: Uint8Array[];
  findings: RawFinding[];
  /** Hits per bucket since the last report (first hits included). */
  hits: [string, number][];
  done: boolean;
  /** When the worker cannot run the target (e.g. not in this build). */
  error?: string;
}

/** Signature that groups findings: kind plus the message with numbers masked. */
export function findingSignature(kind: string, message: string): string {
  return kind + ":" + message.split("\n")[0]!.replace(/0x[0-9a-f]+|\d+/gi, "#");
}

/** Runs the loop, calling `report` about every `everyMs` and once at the end. */
export async function fuzzLoop(p: WorkerParams, report: (r: WorkerReport) => void, everyMs = 250, shouldStop: () => boolean = () => false): Promise<void> {
  const shim = await Shim.create(coverageModule(), [hvImports]);
  const coverage = new Coverage(shim);
  let target: Target<any>;
  try {
    target = getTarget(p.target, p.seeds);
    target.prepare(shim);
  } catch (e) {
    report({ runs: 0, seen: coverage.seen, edges: coverage.edges, corpus: [], findings: [], hits: [], done: true, error: e instanceof Error ? e.message : String(e) });
    return;
  }
  try {
    await loadProperties(p.properties ?? []);
  } catch (e) {
    report({ runs: 0, seen: coverage.seen, edges: coverage.edges, corpus: [], findings: [], hits: [], done: true, error: e instanceof Error ? e.message : String(e) });
    return;
  }
  const pool: unknown[] = [];
  for (const b of p.corpus) {
    try {
      pool.push(target.decode(b));
    } catch {
      // Not an input of this target (e.g. a corpus of another target): skipped.
    }
  }
  let fresh: Uint8Array[] = [];
  let findings: RawFinding[] = [];
  const seen = new Map<string, string>();
  let hits = new Map<string, number>();
  let runs = 0;
  let lastReport = Date.now();
  const flush = (done: boolean): void => {
    report({ runs, seen: coverage.seen, edges: coverage.edges, corpus: fresh, findings, hits: [...hits], done });
    fresh = [];
    findings = [];
    hits = new Map();
    lastReport = Date.now();
  };
  // Warm the coverage with the corpus so only genuinely new inputs are kept.
  for (const x of pool) {
    coverage.clear();
    guarded(target, shim, x);
    coverage.merge();
  }
  for (let i = p.worker; ; i += p.workers) {
    if (p.runs > 0 && i >= p.runs) break;
    if ((runs & 63) === 0) {
      if ((p.deadline > 0 && Date.now() >= p.deadline) || shouldStop()) break;
      if (Date.now() - lastReport >= everyMs) {
        flush(false);
        await new Promise((r) => setImmediate(r)); // let the worker see messages
      }
    }
    const rng = new Rng(runSeed(p.seed, i));
    const input = pool.length > 0 && rng.chance(0.5) ? target.mutate(pool[rng.below(pool.length)], rng) : target.generate(rng);
    coverage.clear();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let verdict = guarded(target, shim, input);
    const ms = performance.now() - t0;
    runs++;
    if (verdict.ok && ms > p.runLimitMs) {
      // Over the limit on the wall clock; on a loaded machine only CPU time says the run is slow.
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      if (cpuMs > p.runLimitMs) verdict = { ok: false, kind: "timeout", message: `run took ${cpuMs.toFixed(0)} ms of CPU, ${ms.toFixed(0)} ms in all (limit ${p.runLimitMs} ms)` };
    }
    if (coverage.merge() > 0) {
      pool.push(input);
      fresh.push(target.encode(input));
    }
    if (!verdict.ok) {
      // Buckets are named after the shrunk finding (two raw buckets may shrink to one input).
      const raw = bucketId(verdict.kind, verdict.message, verdict.site);
      let b = seen.get(raw);
      if (b === undefined) {
        const f = shrinkFinding(target, shim, input, verdict, i, p);
        findings.push(f);
        seen.set(raw, (b = f.bucket));
      }
      hits.set(b, (hits.get(b) ?? 0) + 1);
    }
  }
  flush(true);
}

/** Runs one input; a host exception escaping the target is itself a finding. */
function guarded(target: Target<any>, shim: Shim, input: unknown): Verdict {
  try {
    return target.run(shim, input);
  } catch (e) {
    return { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) };
  }
}

function shrinkFinding(target: Target<any>, shim: Shim, input: unknown, verdict: Verdict & { ok: false }, run: number, p: WorkerParams): RawFinding {
  let last = verdict;
  const fails = (c: unknown): boolean => {
    if (verdict.kind === "timeout") return false; // slow runs are reported as found
    const v = guarded(target, shim, c);
    if (!v.ok && v.kind === verdict.kind && v.site === verdict.site) {
      last = v;
      return true;
    }
    return false;
  };
  const shrunk = minimize(input, (x) => target.shrink(x), fails, p.shrinkBudget);
  const encoded = target.encode(shrunk.input);
  const id = `crash-${sha1Hex(encoded)}`;
  const rep = target.reproducer(shrunk.input, id);
  return {
    kind: last.kind, message: last.message, input: encoded, files: rep.files, replay: rep.replay, run,
    bucket: bucketId(last.kind, last.message, last.site), ...(last.site ? { site: last.site } : {}),
    validity: target.validity ? target.validity(shrunk.input) : "hand-made", at: Date.now(),
  };
}
