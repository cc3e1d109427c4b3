//! `hclboot fuzz`: coverage-guided fuzzing of the boot core (host/fuzz/), or replay of a finding.
// Ports: none (hclboot's command line)
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
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
import { UPSTREAM_OPTION, UPSTREAM_HELP, applyUpstream } from "./upstream_opt.js";
import { loadProperties } from "../fuzz/properties.js";
import { readKnown, writeReport } from "../fuzz/triage.js";
import { mergeCorpora } from "../fuzz/merge.js";
import { benchAlloc } from "../fuzz/targets/alloc_bench.js";

const HELP = `usage: hclboot fuzz [--target NAME] [--seed N] [--runs N] [--time SEC] [--workers N]
                    [--corpus DIR] [--out DIR] [--known FILE] [--property FILE]... [--json]
       hclboot fuzz [--target NAME] --replay FILE [--property FILE]... [--json]
                    (FILE: a reproducer, crash-<sha1>, a .dtb/.bin with --target, or a boot image)
       hclboot fuzz --triage DIR [--known FILE] [--json]      rebuild DIR/report.json and report.md
       hclboot fuzz --target NAME --merge DIR [MORE_DIR...]   keep only inputs that add coverage
       hclboot fuzz --target alloc --bench [--time SEC]       runs/s of the alloc target
  libFuzzer spellings are accepted: -runs=N -max_total_time=SEC -seed=N -jobs=N -workers=N

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
  --known FILE    bucket ids (one a line, or a JSON array / report.json) not counted as findings
  --property FILE ES module; its default export (input, result) => void | string judges every
                  completed boot of the boot/alloc targets (repeatable)
  --triage DIR    group the findings of DIR into buckets: report.json, report.md
  --json          print the summary object (CONTRACT.md, plus "upstream") instead of the progress line
  --quiet         no progress line on stderr
${UPSTREAM_HELP}
A status line goes to stderr every 10 s when stderr is not a terminal (CI logs).`;

/** Rewrites libFuzzer-style flags (`-runs=N`) into ours (`--runs N`); other arguments unchanged. */
export function libFuzzerArgs(args: readonly string[]): string[] {
  const map: Record<string, string> = { runs: "runs", max_total_time: "time", seed: "seed", jobs: "workers", workers: "workers" };
  const out: string[] = [];
  for (const a of args) {
    const m = /^-([a-z_]+)=(.*)$/.exec(a);
    if (m && map[m[1]!]) out.push(`--${map[m[1]!]}`, m[2]!);
    else if (m && m[1] === "merge" && m[2] === "1") out.push("--merge-flag");
    else out.push(a);
  }
  return out;
}

function int(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new InputError(`--${name} expects a non-negative integer, got '${v}'`);
  return Number(v);
}

/** Runs one reproducer file through its target on the release boot core. */
async function replay(file: string, targetName: string | undefined, json: boolean, properties: string[]): Promise<number> {
  const bytes = readInputFile(file, "reproducer");
  let name = targetName;
  let encoded: Uint8Array = bytes;
  const record = `${file}.finding.json`;
  if (/(^|\/)crash-[0-9a-f]{40}$/.test(file) && existsSync(record)) {
    // A libFuzzer-style crash file: the raw encoded input; its finding record names the target.
    try {
      name ??= (JSON.parse(new TextDecoder().decode(readInputFile(record, "reproducer"))) as { target?: string }).target;
    } catch {
      // no usable record: --target decides
    }
  } else if (file.endsWith(".json")) {
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
  await loadProperties(properties);
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
        args: libFuzzerArgs(args),
        options: {
          target: { type: "string" }, seed: { type: "string" }, runs: { type: "string" }, time: { type: "string" },
          workers: { type: "string" }, corpus: { type: "string" }, out: { type: "string" }, replay: { type: "string" },
          known: { type: "string" }, property: { type: "string", multiple: true }, triage: { type: "string" },
          merge: { type: "string" }, "merge-flag": { type: "boolean" }, bench: { type: "boolean" },
          json: { type: "boolean" }, quiet: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...UPSTREAM_OPTION,
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new InputError(`${(e as Error).message}\n\n${HELP}`);
    }
    const v = parsed.values;
    const positionals = parsed.positionals;
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    const upstream = applyUpstream(v.upstream);
    const properties = v.property ?? [];
    const known = v.known ? readKnown(v.known) : new Set<string>();
    if (v.triage) {
      if (positionals.length > 0) throw new InputError(`unexpected argument '${positionals[0]}'`);
      const r = writeReport(v.triage, known);
      if (v.json) console.log(JSON.stringify(r, null, 2));
      else console.log(`${r.buckets.length} bucket(s), ${r.newBuckets} not known: ${join(v.triage, "report.md")}`);
      return r.newBuckets > 0 ? 1 : 0;
    }
    if (v.replay) return replay(v.replay, v.target, !!v.json, properties);
    const target = v.target ?? "ranges";
    try {
      getTarget(target);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    if (v.merge !== undefined || v["merge-flag"]) {
      const dirs = v.merge !== undefined ? [v.merge, ...positionals] : positionals;
      if (dirs.length === 0) throw new InputError("--merge expects a corpus directory (then the directories to merge into it)");
      const r = await mergeCorpora(target, dirs[0]!, dirs.slice(1));
      if (v.json) console.log(JSON.stringify(r, null, 2));
      else console.log(`merge ${target}: ${r.inputs} inputs read, ${r.kept} kept in ${dirs[0]} (${r.edges} edges), ${r.removed} removed`);
      return 0;
    }
    if (positionals.length > 0) throw new InputError(`unexpected argument '${positionals[0]}'`);
    if (v.bench) {
      if (target !== "alloc") throw new InputError("--bench measures the alloc target (give --target alloc)");
      const r = await benchAlloc({ seconds: int(v.time, "time", 5), seed: int(v.seed, "seed", 1) });
      if (v.json) console.log(JSON.stringify(r, null, 2));
      else for (const row of r.rows) console.log(`${row.name.padEnd(16)} coverage ${row.coverage ? "on " : "off"} ${String(row.runsPerSecond).padStart(7)} runs/s  (${row.runs} runs in ${row.seconds} s, ${row.completed} completed boots)`);
      return 0;
    }
    let runs = int(v.runs, "runs", 0);
    const seconds = int(v.time, "time", 0);
    if (runs === 0 && seconds === 0) runs = 10_000;
    const workers = int(v.workers, "workers", defaultWorkers());
    if (workers < 1) throw new InputError("--workers must be at least 1");
    const tty = process.stderr.isTTY;
    let lastStatus = Date.now();
    const intr = onInterrupt();
    const summary = await runCampaign({
      signal: intr.signal,
      target, seed: int(v.seed, "seed", 1), runs, seconds, workers, known, properties,
      corpusDir: v.corpus ?? join("fuzz", "corpus", target), outDir: v.out ?? join("fuzz", "findings", target),
      progress: v.json || v.quiet ? undefined : (line, final) => {
        if (tty) process.stderr.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
        else if (final || Date.now() - lastStatus >= 10_000) {
          lastStatus = Date.now();
          process.stderr.write(line + "\n");
        }
      },
    }).finally(() => intr.dispose());
    if (summary.error) throw new InputError(summary.error);
    // Findings and corpus entries are written as they arrive, so an interrupted campaign lost none.
    if (v.json) console.log(JSON.stringify(intr.interrupted ? { ...summary, upstream, interrupted: true } : { ...summary, upstream }, null, 2));
    else {
      for (const f of summary.findings) console.log(`finding ${f.kind} [${f.bucket}, ${f.validity}, ${f.count}x]: ${f.message.split("\n")[0]}\n  reproducer: ${f.reproducer}\n  replay: ${f.replay}`);
      if (summary.report) console.log(`triage report: ${summary.report.replace(/\.json$/, ".md")}`);
    }
    if (intr.interrupted) {
      if (!v.json) console.error(`interrupted: ${summary.runs} runs, ${summary.findings.length} findings, corpus ${summary.corpus} (${summary.corpusAdded} added)`);
      return EXIT.interrupted;
    }
    return summary.findings.length > 0 ? 1 : 0;
  },
};
