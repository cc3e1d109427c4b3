//! `hclboot fuzz`: coverage-guided fuzzing of the boot core (host/fuzz/), or replay of a finding.
// Ports: none (hclboot's command line)
import { parseArgs } from "node:util";
import { readInputFile } from "../image/read_file.js";
import { join } from "node:path";
import { bootInputFromImageFile } from "../fuzz/seeds.js";
import { InputError, EXIT } from "../errors.js";
import { onInterrupt } from "./io.js";
import { loadShim } from "../wasm/node.js";
import { runCampaign } from "../fuzz/campaign.js";
import { defaultWorkers } from "../fuzz/workers.js";
import { getTarget, targetSummaries } from "../fuzz/targets/index.js";
import { decodeJson, encodeJson } from "../fuzz/target.js";
import type { Command } from "./commands.js";

const HELP = `usage: hclboot fuzz [--target NAME] [--seed N] [--runs N] [--time SEC] [--workers N]
                    [--corpus DIR] [--out DIR] [--json]
       hclboot fuzz [--target NAME] --replay FILE [--json]   (FILE: a reproducer, a .dtb/.bin with --target, or a boot image)

Fuzzes the boot core with coverage feedback (instrumented build/hclboot.cov.wasm). Without --runs
and --time a campaign runs 10000 runs. Findings are shrunk and written to --out as reproducers.

  --target NAME   what to fuzz (default ranges):
${targetSummaries().map(([n, s]) => `                    ${n.padEnd(10)} ${s}`).join("\n")}
  --seed N        campaign seed (default 1); the same seed replays the same inputs
  --runs N        stop after N runs        --time SEC   stop after SEC seconds
  --workers N     worker threads (default: one per core, ${defaultWorkers()} here)
  --corpus DIR    corpus directory, read at start and grown (default fuzz/corpus/TARGET)
  --out DIR       findings directory (default fuzz/findings/TARGET)
  --replay FILE   run one reproducer and report its verdict (exit 1 when it still fails)
  --json          print the summary object (CONTRACT.md) instead of the progress line`;

function int(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new InputError(`--${name} expects a non-negative integer, got '${v}'`);
  return Number(v);
}

/** Runs one reproducer file through its target on the release boot core. */
async function replay(file: string, targetName: string | undefined, json: boolean): Promise<number> {
  const bytes = readInputFile(file, "reproducer");
  let name = targetName;
  let encoded: Uint8Array = bytes;
  if (file.endsWith(".json")) {
    let doc: { target?: string; input?: unknown };
    try {
      doc = decodeJson(bytes);
    } catch (e) {
      throw new InputError(`${file}: not a JSON reproducer (${(e as Error).message})`);
    }
    const img = doc as { vm?: unknown; hostDeviceTree?: unknown };
    if (img.vm !== undefined || typeof img.hostDeviceTree === "string") {
      // A boot image (a `boot` or `dt` reproducer): replayed through the boot target's oracle.
      name = "boot";
      try {
        encoded = encodeJson(bootInputFromImageFile(file));
      } catch (e) {
        if (e instanceof InputError) throw e; // names the file already
        throw new InputError(`${file}: ${(e as Error).message}`);
      }
    } else {
      if (typeof doc.target !== "string" || doc.input === undefined) throw new InputError(`${file}: expected {"target", "input"} or a boot image`);
      name = doc.target;
      encoded = encodeJson(doc.input);
    }
  }
  if (!name) throw new InputError(`${file}: give --target for a raw reproducer`);
  const target = getTarget(name);
  let input: unknown;
  try {
    input = target.decode(encoded);
  } catch (e) {
    throw new InputError(`${file}: not a ${name} input (${(e as Error).message})`);
  }
  const shim = await loadShim({ surface: "test" }); // the fuzz targets drive test-module exports
  target.prepare(shim);
  const v = target.run(shim, input);
  const out = v.ok ? { target: name, ok: true, failedAt: v.failedAt ?? null } : { target: name, ok: false, kind: v.kind, message: v.message };
  if (json) console.log(JSON.stringify(out, null, 2));
  else console.log(v.ok ? `${name}: passes${v.failedAt ? ` (fails at upstream site ${v.failedAt})` : ""}` : `${name}: ${v.kind}: ${v.message}`);
  return v.ok ? 0 : 1;
}

export const fuzzCommand: Command = {
  summary: "coverage-guided fuzzing of the boot core (findings become reproducers)",
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: {
          target: { type: "string" }, seed: { type: "string" }, runs: { type: "string" }, time: { type: "string" },
          workers: { type: "string" }, corpus: { type: "string" }, out: { type: "string" }, replay: { type: "string" },
          json: { type: "boolean" }, help: { type: "boolean", short: "h" },
        },
        strict: true,
      });
    } catch (e) {
      throw new InputError(`${(e as Error).message}\n\n${HELP}`);
    }
    const v = parsed.values;
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    if (v.replay) return replay(v.replay, v.target, !!v.json);
    const target = v.target ?? "ranges";
    try {
      getTarget(target);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    let runs = int(v.runs, "runs", 0);
    const seconds = int(v.time, "time", 0);
    if (runs === 0 && seconds === 0) runs = 10_000;
    const workers = int(v.workers, "workers", defaultWorkers());
    if (workers < 1) throw new InputError("--workers must be at least 1");
    const tty = process.stderr.isTTY;
    const intr = onInterrupt();
    const summary = await runCampaign({
      signal: intr.signal,
      target, seed: int(v.seed, "seed", 1), runs, seconds, workers,
      corpusDir: v.corpus ?? join("fuzz", "corpus", target), outDir: v.out ?? join("fuzz", "findings", target),
      progress: v.json ? undefined : (line, final) => {
        if (tty) process.stderr.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
        else if (final) process.stderr.write(line + "\n");
      },
    }).finally(() => intr.dispose());
    if (summary.error) throw new InputError(summary.error);
    // Findings and corpus entries are written as they arrive, so an interrupted campaign lost none.
    if (v.json) console.log(JSON.stringify(intr.interrupted ? { ...summary, interrupted: true } : summary, null, 2));
    else for (const f of summary.findings) console.log(`finding ${f.kind}: ${f.message.split("\n")[0]}\n  reproducer: ${f.reproducer}\n  replay: ${f.replay}`);
    if (intr.interrupted) {
      if (!v.json) console.error(`interrupted: ${summary.runs} runs, ${summary.findings.length} findings, corpus ${summary.corpus} (${summary.corpusAdded} added)`);
      return EXIT.interrupted;
    }
    return summary.findings.length > 0 ? 1 : 0;
  },
};
