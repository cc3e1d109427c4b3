//! The worker pool of a campaign: one worker thread per core running host/fuzz/worker.ts, or the
//! loop in this thread when one worker is asked for (or the worker bundle is absent).
// Ports: nothing upstream (node:worker_threads; the pool is a fixed set, no task queue needed).
import { Worker } from "node:worker_threads";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../wasm/node.js";
import { fuzzLoop, type WorkerParams, type WorkerReport } from "./engine.js";

/** Default worker count: every core. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Path of the bundled worker entry. */
export function workerScript(): string {
  return join(packageRoot(), "dist", "fuzz-worker.js");
}

/** Handle of a running pool. */
export interface Pool {
  /** Resolves when every worker has sent its final report. */
  done: Promise<void>;
  /** Asks every worker to stop after its current run. */
  stop(): void;
  /** Whether workers are threads (false: the loop runs in this thread). */
  threaded: boolean;
}

/**
 * Starts `count` workers with the same parameters except the worker index; `onReport` gets every
 * report with the worker's index. A worker that stops reporting for `hangMs` is terminated and
 * reported through `onHang` (a run that never returns).
 */
export function startPool(
  count: number,
  params: Omit<WorkerParams, "worker" | "workers">,
  onReport: (worker: number, r: WorkerReport) => void,
  onHang: (worker: number) => void,
  hangMs = 30_000,
): Pool {
  const script = workerScript();
  if (count <= 1 || !existsSync(script)) {
    let stopped = false;
    const done = fuzzLoop({ ...params, worker: 0, workers: 1 }, (r) => onReport(0, r), 250, () => stopped);
    return { done, stop: () => { stopped = true; }, threaded: false };
  }
  const workers: Worker[] = [];
  const finished: Promise<void>[] = [];
  for (let w = 0; w < count; w++) {
    const worker = new Worker(script, { workerData: { ...params, worker: w, workers: count } });
    workers.push(worker);
    finished.push(
      new Promise<void>((resolve) => {
        let last = Date.now();
        let over = false;
        const watchdog = setInterval(() => {
          if (!over && Date.now() - last > hangMs) {
            over = true;
            onHang(w);
            void worker.terminate();
          }
        }, Math.min(1000, hangMs));
        worker.on("message", (r: WorkerReport) => {
          last = Date.now();
          onReport(w, r);
          if (r.done) {
            over = true;
            void worker.terminate();
          }
        });
        worker.on("error", (e) => {
          onReport(w, { runs: 0, seen: new Uint8Array(0), edges: 0, corpus: [], findings: [], hits: [], done: true, error: `worker ${w}: ${e.message}` });
        });
        worker.on("exit", () => {
          clearInterval(watchdog);
          resolve();
        });
      }),
    );
  }
  return {
    done: Promise.all(finished).then(() => undefined),
    stop: () => workers.forEach((w) => w.postMessage("stop")),
    threaded: true,
  };
}
