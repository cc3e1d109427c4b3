#!/usr/bin/env node
// Bounded loopback load and soak for `hclboot serve` (a benchmark, not a test):
//   node test/security/load.mjs [--clients 200] [--seconds 10] [--rounds 1] [--boots 0] [--url PATH]...
// Starts `hclboot serve --port 0` on 127.0.0.1, keeps CLIENTS keep-alive connections busy for
// SECONDS per round over the playground's URLs (page, bundle, image list, an image), and prints
// req/s, latency percentiles, errors, and the server's RSS at the start and after each round.
// --boots N also boots images/small.json N times in this process and reports its heap/RSS.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values: v } = parseArgs({
  options: {
    clients: { type: "string", default: "200" }, seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "1" }, boots: { type: "string", default: "0" }, url: { type: "string", multiple: true },
    json: { type: "boolean" },
  },
});
const clients = Number(v.clients), seconds = Number(v.seconds), rounds = Number(v.rounds), boots = Number(v.boots);
const urls = v.url ?? ["/", "/app.js", "/api/images", "/images/small.json", "/style.css"];

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

function startServer() {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(root, "bin", "hclboot.js"), "serve", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) ok({ child, port: Number(m[1]) });
    });
    child.once("exit", (c) => fail(new Error(`server exited ${c}`)));
  });
}

async function round(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat = [];
  let errors = 0, bad = 0;
  const end = Date.now() + seconds * 1000;
  const one = (path) =>
    new Promise((done) => {
      const t = performance.now();
      const req = http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
        res.on("data", () => {});
        res.on("end", () => {
          if (res.statusCode !== 200) bad++;
          lat.push(performance.now() - t);
          done();
        });
      });
      req.on("error", () => {
        errors++;
        done();
      });
    });
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = c; Date.now() < end; i++) await one(urls[i % urls.length]);
    }),
  );
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0);
  return { requests: lat.length, rps: Math.round(lat.length / seconds), p50Ms: q(0.5), p99Ms: q(0.99), maxMs: Math.round(lat.at(-1) ?? 0), errors, non200: bad };
}

const { child, port } = await startServer();
const report = { clients, seconds, urls, serverRssKiB: { start: rssKiB(child.pid) }, rounds: [] };
for (let r = 0; r < rounds; r++) {
  const res = await round(port);
  res.serverRssKiB = rssKiB(child.pid);
  report.rounds.push(res);
  if (!v.json) console.log(`round ${r + 1}: ${res.rps} req/s, p50 ${res.p50Ms} ms, p99 ${res.p99Ms} ms, max ${res.maxMs} ms, errors ${res.errors}, non-200 ${res.non200}, server RSS ${res.serverRssKiB} KiB`);
}
report.serverRssKiB.end = rssKiB(child.pid);
const stopAt = Date.now();
child.kill("SIGTERM");
await new Promise((d) => child.once("exit", d));
report.shutdownMs = Date.now() - stopAt;
if (boots > 0) {
  // In-process boots: the CLI's own `bench --soak N` run inside this process, so its RSS and heap
  // are this process's (its JSON, with the boot core's WASM memory, goes to a buffer).
  const { main } = await import(pathToFileURL(join(root, "dist", "cli.js")).href);
  const mem = () => ({ rss: Math.round(process.memoryUsage().rss / 1024), heap: Math.round(process.memoryUsage().heapUsed / 1024) });
  const before = mem();
  const t = performance.now();
  const log = console.log;
  let out = "";
  console.log = (s) => (out += s);
  const status = await main(["bench", "--soak", String(boots), "--json"]);
  console.log = log;
  const after = mem();
  const soak = JSON.parse(out).soak;
  report.boots = {
    boots, status, seconds: Math.round(performance.now() - t) / 1000, bootsPerSecond: soak.bootsPerSecond,
    rssKiB: { start: before.rss, end: after.rss }, heapKiB: { start: before.heap, end: after.heap }, wasmMemoryBytes: soak.wasmMemoryBytes,
  };
}
if (v.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`server RSS: ${report.serverRssKiB.start} KiB at start, ${report.serverRssKiB.end} KiB at the end; SIGTERM to exit: ${report.shutdownMs} ms`);
  if (report.boots) console.log(`in-process boots: ${report.boots.boots} in ${report.boots.seconds} s; RSS ${report.boots.rssKiB.start} -> ${report.boots.rssKiB.end} KiB, heap ${report.boots.heapKiB.start} -> ${report.boots.heapKiB.end} KiB`);
}
