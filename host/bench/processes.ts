//! `bench --processes K`: the sweep measured in K fresh Node processes, one after another, each
//! taking some of every point's samples; the samples are pooled per point and phase and their
//! intervals bootstrapped process by process. A process has its own fixed offset (up to ~20% on
//! small phases here: code placement, memory layout), which samples within one process cannot see.
// Ports: none (benchmark driver)

import { spawn } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../wasm/node.js";
import { pointKey, scaling, STATS, type BenchJson, type ResultJson } from "./report.js";
import { summarize } from "./stats.js";

const round = (v: number) => Math.round(v * 10) / 10;

/** Pools K single-process documents of the same points (same order) into one; throws on a mismatch. */
export function combineRuns(docs: readonly BenchJson[]): BenchJson {
  if (docs.length === 0) throw new Error("combineRuns: no documents");
  const first = docs[0]!;
  const k = docs.length;
  for (const d of docs) {
    if (d.results.length !== first.results.length || d.results.some((r, i) => pointKey(r) !== pointKey(first.results[i]!))) {
      throw new Error("combineRuns: the processes measured different points");
    }
  }
  const results: ResultJson[] = first.results.map((r0, i) => {
    const rows = docs.map((d) => d.results[i]!);
    const bad = rows.find((r) => r.skipped || r.error);
    if (bad) return { ...bad, phases: {} };
    const phases: ResultJson["phases"] = {};
    for (const phase of Object.keys(r0.phases)) {
      const parts = rows.map((r) => r.phases[phase]?.samplesNs ?? []);
      const m = Math.min(...parts.map((p) => p.length));
      if (m === 0) continue;
      // equal blocks per process, in process order (stats.ts clustersOf)
      const samples = parts.flatMap((p) => p.slice(0, m));
      const t = summarize(samples, `${pointKey(r0)}/${phase}`, k);
      phases[phase] = {
        medianNs: round(t.medianNs), minNs: round(t.minNs), maxNs: round(t.maxNs),
        ciLowNs: round(t.ciLowNs), ciHighNs: round(t.ciHighNs), madPct: round(t.madPct),
        iterations: r0.phases[phase]!.iterations ?? 1, samplesNs: samples,
      };
    }
    const out: ResultJson = { ...r0, phases };
    if (phases.dtParse) out.dtParseMBps = Math.round(r0.dtBytes / 1e6 / (phases.dtParse.medianNs / 1e9));
    return out;
  });
  const memory = docs.map((d) => d.wasmMemoryBytes ?? 0);
  return {
    results,
    scaling: scaling(results),
    ...(first.coldStart ? { coldStart: first.coldStart } : {}),
    wasmMemoryBytes: Math.max(...memory),
    seconds: round(docs.reduce((s, d) => s + (d.seconds ?? 0), 0)),
    stats: STATS,
    processes: k,
  };
}

/**
 * Runs `hclboot bench ARGS --json --processes 1` in `k` fresh processes, one after another (the
 * environment, so the HCLBOOT_BENCH_SLOW hook, is passed on), and returns their documents. When
 * `signal` aborts (SIGINT), the running process is interrupted too: its partial document (the
 * points it finished) is kept and no further process starts.
 */
export async function runProcesses(args: string[], k: number, progress?: (done: number) => void, signal?: AbortSignal): Promise<BenchJson[]> {
  const cli = join(packageRoot(), "bin", "hclboot.js");
  const docs: BenchJson[] = [];
  for (let i = 0; i < k && !signal?.aborted; i++) {
    progress?.(i);
    const child = spawn(process.execPath, [cli, "bench", ...args, "--json", "--processes", "1"], {
      env: { ...process.env, HCLBOOT_BENCH_CHILD: "1" }, stdio: ["ignore", "pipe", "pipe"],
      // its own process group: a terminal's Ctrl-C reaches only this process, which forwards one SIGINT
      detached: true,
    });
    const onAbort = () => child.kill("SIGINT");
    signal?.addEventListener("abort", onAbort);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const status = await new Promise<number | string>((res) => child.on("close", (code, sig) => res(code ?? sig ?? "?")));
    signal?.removeEventListener("abort", onAbort);
    // 130: the child was interrupted and printed the points it finished
    if (status !== 0 && !(status === 130 && signal?.aborted)) {
      throw new Error(`bench process ${i + 1}/${k} failed (exit ${status}): ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
    }
    const doc = JSON.parse(stdout) as BenchJson & { interrupted?: boolean };
    delete doc.interrupted;
    docs.push(doc);
  }
  return docs;
}
