//! `hclboot bench [--quick] [--json] [-o OUT] [--svg FILE] [--png FILE] [--shard I/N] [--native FILE]
//! [--compare OLD.json [--threshold PCT]]` and `hclboot bench --merge A.json B.json … [-o OUT]`:
//! times each boot phase over a sweep of CPU counts, NUMA nodes and RAM ranges (host/bench/).
// Ports: none (hclboot's command line)
import { accessSync, constants, existsSync, statSync, writeFileSync } from "node:fs";
import { readInputText } from "../image/read_file.js";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { InputError, EXIT } from "../errors.js";
import { onInterrupt, keepGoing } from "./io.js";
import { sweepConfigs } from "../bench/sweep.js";
import { QUICK_TIMING, FULL_TIMING, parseSlowHook } from "../bench/timing.js";
import { PHASES } from "../bench/phases.js";
import { runBench, cpuSeries } from "../bench/run.js";
import { table, type BenchJson } from "../bench/report.js";
import { renderSvg } from "../bench/svg.js";
import { compareRuns, compareText, DEFAULT_THRESHOLD_PCT } from "../bench/compare.js";
import { parseShard, shardPoints, mergeDocs, type Shard } from "../bench/shard.js";
import { parseNative, nativeRatios, nativeText, type NativeFile } from "../bench/native.js";
import { runSoak, soakText } from "../bench/soak.js";
import { combineRuns, runProcesses } from "../bench/processes.js";
import { loadImage } from "../image/load.js";
import { defaultImagePath } from "./dtb.js";
import type { Command } from "./commands.js";

/** Processes a sweep's samples are taken in (README "Benchmarks": a process has its own offset). */
const DEFAULT_PROCESSES = 3;

/** Boots `--soak` runs when given without a count. */
const DEFAULT_SOAK_BOOTS = 100000;

const HELP = `usage: hclboot bench [--quick] [--processes K] [--samples N] [--json] [-o OUT] [--svg FILE] [--png FILE] [--shard I/N]
                    [--native FILE] [--compare OLD.json [--threshold PCT]]
       hclboot bench --merge A.json B.json ... [-o OUT] [--svg FILE] [--png FILE] [--native FILE] [--compare OLD.json]
       hclboot bench --soak [N] [--image IMAGE] [--json]

Times each boot phase (host DT build, DT parse, read_from_dt, sidecar, kernel command line,
E820, kernel DT) over CPUs 1..2048, NUMA nodes 1..64 and RAM ranges 1..1024, host and vtl2
allocation modes, with and without sidecar and VTL2 pool: median of repeated samples with a
95% bootstrap interval; fits the scaling exponent per phase with its interval.
  --quick          fewer points, shorter samples (well under a minute)
  --processes K    take every point's samples in K fresh processes, one after another (default
                   ${DEFAULT_PROCESSES}; a process has its own offset that its samples cannot show)
  --samples N      samples per point and phase in each process (default: 9 quick / 11 full in
                   one process; with K processes, that divided by K, at least 3)
  --json           print the bench document (CONTRACT.md + README "Benchmarks") instead of the table
  -o, --out OUT    also write the bench document to OUT (with --merge: the merged document)
  --svg FILE       write a chart of time vs CPUs per phase (median line, min-max band)
  --png FILE       the same chart as PNG (rendered with resvg's WebAssembly build)
  --shard I/N      measure only shard I of N (point k goes to shard k mod N + 1)
  --merge A B ...  merge shard documents (all N shards of one split) into one document
  --native FILE    native reference timings (README "Benchmarks"): report WASM/native ratios
  --compare OLD    compare with an earlier document; exit 1 on a regression: the 95% intervals
                   separate and the change exceeds the threshold
  --threshold PCT  regression threshold for --compare (default ${DEFAULT_THRESHOLD_PCT})
  --soak [N]       boot IMAGE (default images/small.json) N times (default ${DEFAULT_SOAK_BOOTS}) in one boot
                   core instance; report boots/s and WASM memory; exit 1 if memory grew after the
                   first boot or the last boot's output differs from the first's
Test hook: HCLBOOT_BENCH_SLOW=PHASE[:FACTOR] busy-loops in PHASE until it takes FACTOR (default 2)
times as long (a deliberately slowed build for --compare).`;

/** Fails before the sweep (not after minutes of it) when `path` cannot be written. */
function checkWritable(path: string, option: string): void {
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    accessSync(dir, constants.W_OK);
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) throw new Error(`${path} is a directory`);
      accessSync(path, constants.W_OK);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${option}: cannot write ${path}: ${code ?? (e as Error).message}`);
  }
}

/** Reads a JSON file for `option`; InputError naming the option and file when it cannot. */
function readJson(path: string, option: string): unknown {
  let text: string;
  try {
    text = readInputText(path, "bench");
  } catch (e) {
    throw new InputError(`${option}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${option}: ${path} is not JSON: ${(e as Error).message}`);
  }
}

/** Reads a `bench --json` document for `option`. */
function readDoc(path: string, option: string): BenchJson {
  const doc = readJson(path, option) as BenchJson;
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.results)) throw new InputError(`${option}: ${path} is not a bench --json document: no results array`);
  return doc;
}

/** Reads a `--native` reference file. */
function readNative(path: string): NativeFile {
  try {
    return parseNative(readJson(path, "--native"));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`--native: ${path}: ${(e as Error).message}`);
  }
}

export const benchCommand: Command = {
  summary: "benchmark the boot phases over CPUs, NUMA nodes and RAM ranges",
  async run(args: string[]): Promise<number> {
    let parsed;
    // `--soak` may come without a count.
    const soakAt = args.indexOf("--soak");
    if (soakAt >= 0 && (soakAt + 1 >= args.length || args[soakAt + 1]!.startsWith("-"))) {
      args = [...args.slice(0, soakAt + 1), String(DEFAULT_SOAK_BOOTS), ...args.slice(soakAt + 1)];
    }
    try {
      parsed = parseArgs({
        args,
        options: {
          quick: { type: "boolean" }, json: { type: "boolean" }, svg: { type: "string" }, png: { type: "string" },
          compare: { type: "string" }, threshold: { type: "string" }, help: { type: "boolean", short: "h" },
          soak: { type: "string" }, image: { type: "string" }, shard: { type: "string" }, merge: { type: "boolean" },
          out: { type: "string", short: "o" }, native: { type: "string" }, processes: { type: "string" }, samples: { type: "string" },
        },
        strict: true,
        allowPositionals: true,
      });
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    const v = parsed.values;
    const files = parsed.positionals;
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    if (files.length > 0 && !v.merge) throw new InputError(`bench: unexpected argument '${files[0]}' (input documents go after --merge)`);
    if (v.soak !== undefined) {
      const boots = Number(v.soak);
      if (!Number.isInteger(boots) || boots < 1) throw new InputError(`bench: --soak needs a positive whole number of boots, got '${v.soak}'`);
      const other = ["quick", "svg", "png", "compare", "shard", "merge", "out", "native", "processes", "samples"].filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      if (other.length) throw new InputError(`bench: --soak does not combine with ${other.map((k) => `--${k}`).join(", ")}`);
      const image = loadImage(v.image ?? defaultImagePath());
      const tty = process.stderr.isTTY && !v.json;
      const intr = onInterrupt();
      const doc = await runSoak(image, boots, async (done) => {
        if (tty) process.stderr.write(`\r\x1b[K${done}/${boots} boots`);
        return keepGoing(intr);
      }).finally(() => intr.dispose());
      if (tty) process.stderr.write("\r\x1b[K");
      const out = intr.interrupted ? { ...doc, interrupted: true } : doc;
      console.log(v.json ? JSON.stringify(out, null, 2) : soakText(doc) + (intr.interrupted ? `\ninterrupted after ${doc.soak.boots} of ${boots} boots` : ""));
      if (intr.interrupted) return EXIT.interrupted;
      return doc.soak.grew || doc.soak.changed ? 1 : 0;
    }
    if (v.image !== undefined) throw new InputError("bench: --image is only used with --soak");
    const threshold = v.threshold === undefined ? DEFAULT_THRESHOLD_PCT : Number(v.threshold);
    if (!Number.isFinite(threshold) || threshold < 0) throw new InputError(`--threshold must be a non-negative number, got '${v.threshold}'`);
    if (v.threshold !== undefined && v.compare === undefined) throw new InputError("--threshold needs --compare");
    let shard: Shard | undefined;
    if (v.shard !== undefined) {
      try {
        shard = parseShard(v.shard);
      } catch (e) {
        throw new InputError((e as Error).message);
      }
    }
    if (v.merge && (v.shard !== undefined || v.quick || v.processes !== undefined || v.samples !== undefined)) {
      throw new InputError("bench: --merge does not combine with --shard, --quick, --processes or --samples (it measures nothing)");
    }
    const count = (text: string | undefined, option: string, dflt: number, max: number) => {
      if (text === undefined) return dflt;
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1 || n > max) throw new InputError(`bench: ${option} needs a whole number from 1 to ${max}, got '${text}'`);
      return n;
    };
    const processes = count(v.processes, "--processes", DEFAULT_PROCESSES, 64);
    const timing = v.quick ? QUICK_TIMING : FULL_TIMING;
    // K processes share the samples: each takes its part (at least 3), so K do not take K times as long
    const samples = count(v.samples, "--samples", processes > 1 ? Math.max(3, Math.ceil(timing.samples / processes)) : timing.samples, 1000);
    if (v.merge && files.length === 0) throw new InputError("bench: --merge needs the shard documents to merge");
    // the test hook is checked before the sweep, not after minutes of it
    let slow: Map<string, number>;
    try {
      slow = parseSlowHook(process.env.HCLBOOT_BENCH_SLOW);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    for (const name of slow.keys()) {
      if (!(PHASES as readonly string[]).includes(name)) throw new InputError(`HCLBOOT_BENCH_SLOW: unknown phase '${name}' (phases: ${PHASES.join(", ")})`);
    }
    if (slow.size > 0 && !process.env.HCLBOOT_BENCH_CHILD) console.error(`bench: HCLBOOT_BENCH_SLOW test hook on: ${[...slow].map(([p, f]) => `${p} x${f}`).join(", ")}`);
    const old = v.compare !== undefined ? readDoc(v.compare, "--compare") : undefined;
    const native = v.native !== undefined ? readNative(v.native) : undefined;
    for (const [opt, path] of [["--svg", v.svg], ["--png", v.png], ["--out", v.out]] as const) if (path !== undefined) checkWritable(path, opt);

    let doc: BenchJson;
    let interrupted: number | undefined; // points not run after SIGINT
    if (v.merge) {
      try {
        doc = mergeDocs(files.map((file) => ({ file, doc: readDoc(file, "--merge") })));
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError((e as Error).message);
      }
    } else {
      const quick = v.quick === true;
      const all = sweepConfigs(quick);
      const configs = shard ? shardPoints(all, shard) : all;
      const tty = process.stderr.isTTY && !v.json;
      if (processes > 1) {
        const childArgs = [...(quick ? ["--quick"] : []), ...(v.shard !== undefined ? ["--shard", v.shard] : []), "--samples", String(samples)];
        const t0 = performance.now();
        const intr = onInterrupt();
        const docs = await runProcesses(childArgs, processes, (i) => {
          if (tty) process.stderr.write(`\r\x1b[Kprocess ${i + 1}/${processes}: ${configs.length} points, ${samples} samples each`);
        }, intr.signal).finally(() => intr.dispose());
        if (intr.interrupted) {
          // pool the points every finished process measured (an interrupted one measured fewer)
          const n = Math.min(...docs.map((d) => d.results.length));
          for (const d of docs) d.results = d.results.slice(0, n);
          interrupted = configs.length - n;
        }
        doc = combineRuns(docs);
        doc.seconds = Math.round((performance.now() - t0) / 100) / 10;
      } else {
        const intr = onInterrupt();
        doc = await runBench(configs, { ...timing, samples }, async (i, n, label) => {
          if (tty) process.stderr.write(`\r\x1b[K[${i + 1}/${n}] ${label}`);
          return keepGoing(intr);
        }).finally(() => intr.dispose());
        doc.processes = 1;
        if (intr.interrupted) interrupted = configs.length - doc.results.length;
      }
      if (tty) process.stderr.write("\r\x1b[K");
      doc.quick = quick;
      if (shard) doc.shard = { index: shard.index, count: shard.count, sweepPoints: all.length };
    }
    if (native) doc.native = nativeRatios(doc.results, native);
    if (v.svg !== undefined || v.png !== undefined) {
      const svg = renderSvg(cpuSeries(doc), "hclboot boot phases: time vs CPUs (4 NUMA nodes, 8 RAM ranges)");
      if (v.svg !== undefined) writeFileSync(v.svg, svg);
      if (v.png !== undefined) {
        const { svgToPng } = await import("../bench/png.js");
        writeFileSync(v.png, await svgToPng(svg, (m) => console.error(m)));
      }
    }
    const json = JSON.stringify(interrupted !== undefined ? { ...doc, interrupted: true } : doc, null, 2);
    if (v.out !== undefined) writeFileSync(v.out, json + "\n");
    // --merge without -o prints the merged document (it is the command's output)
    const printJson = v.json === true || (v.merge === true && v.out === undefined);
    if (printJson) console.log(json);
    else {
      const what = doc.merged ? `${doc.results.length} points merged from ${doc.merged.shards} documents` : `${doc.results.length} points in ${doc.seconds} s${doc.shard ? ` (shard ${doc.shard.index}/${doc.shard.count} of ${doc.shard.sweepPoints} points)` : ""}`;
      console.log(table(doc) + `\n\n${what}${interrupted !== undefined ? ` (interrupted: ${interrupted} points not run)` : ""}`);
      if (doc.native) console.log("\n" + nativeText(doc.native));
    }
    if (printJson && doc.native) console.error(nativeText(doc.native));
    if (interrupted !== undefined) return EXIT.interrupted;
    if (old) {
      const changes = compareRuns(old, doc, threshold);
      const text = compareText(changes, threshold);
      if (printJson) console.error(text);
      else console.log("\n" + text);
      if (changes.some((c) => c.regression)) return 1;
    }
    return 0;
  },
};
