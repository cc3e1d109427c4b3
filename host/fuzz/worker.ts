//! Worker-thread entry of `hclboot fuzz` (bundled as dist/fuzz-worker.js): runs one fuzz loop.
// Ports: nothing upstream.
import { parentPort, workerData } from "node:worker_threads";
import { fuzzLoop, type WorkerParams } from "./engine.js";

let stop = false;
parentPort?.on("message", (m: unknown) => {
  if (m === "stop") stop = true;
});

if (parentPort) {
  const port = parentPort;
  await fuzzLoop(workerData as WorkerParams, (r) => port.postMessage(r), 250, () => stop);
}
