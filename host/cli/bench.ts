//! `hclboot bench [--quick] [--json] [--svg FILE] [--compare OLD.json [--threshold PCT]]`: times
//! each boot phase over a sweep of CPU counts, NUMA nodes and RAM ranges (host/bench/).
// Ports: none (hclboot's command line)
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { InputError } from "../errors.js";
import { sweepConfigs } from "../bench/sweep.js";
import { QUICK_TIMING, FULL_TIMING } from "../bench/timing.js";
import { runBench, cpuSeries } from "../bench/run.js";
import { table, type BenchJson } from "../bench/report.js";
import { renderSvg } from "../bench/svg.js";
import { compareRuns, compareText } from "../bench/compare.js";
import { runSoak, soakText } from "../bench/soak.js";
import { loadImage } from "../image/load.js";
import { defaultImagePath } from "./dtb.js";
import type { Command } from "./commands.js";
import { UPSTREAM_OPTION, UPSTREAM_HELP, applyUpstream } from "./upstream_opt.js";

/** Boots `--soak` runs when given without a count. */
const DEFAULT_SOAK_BOOTS = 100000;

const HELP = `usage: hclboot bench [--quick] [--json] [--svg FILE] [--compare OLD.json [--threshold PCT]]
       hclboot bench --soak [N] [--image IMAGE] [--json]

Times each boot phase (host DT build, DT parse, read_from_dt, sidecar, kernel command line,
E820, kernel DT) over CPUs 1..2048, NUMA nodes 1..64 and RAM ranges 4..1024, host and vtl2
allocation modes, with and without sidecar and VTL2 pool; fits the scaling exponent per phase.
  --quick          fewer points, shorter samples (well under a minute)
  --json           print the CONTRACT.md bench document instead of the table
  --svg FILE       write a log-log chart of time vs CPUs per phase
  --compare OLD    compare with an earlier --json output; exit 1 on a regression
  --threshold PCT  regression threshold for --compare (default 25)
  --soak [N]       boot IMAGE (default images/small.json) N times (default ${DEFAULT_SOAK_BOOTS}) in one boot
                   core instance; report boots/s and WASM memory; exit 1 if memory grew after the
                   first boot or the last boot's output differs from the first's
${UPSTREAM_HELP}`;

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

function readOld(path: string): BenchJson {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new InputError(`--compare: cannot read ${path}`);
  }
  try {
    const doc = JSON.parse(text) as BenchJson;
    if (!Array.isArray(doc.results)) throw new Error("no results array");
    return doc;
  } catch (e) {
    throw new InputError(`--compare: ${path} is not a bench --json document: ${(e as Error).message}`);
  }
}

export const benchCommand: Command = {
  summary: "benchmark the boot phases over CPUs, NUMA nodes and RAM ranges",
  async run(args: string[]): Promise<number> {
    let v;
    // `--soak` may come without a count.
    const soakAt = args.indexOf("--soak");
    if (soakAt >= 0 && (soakAt + 1 >= args.length || args[soakAt + 1]!.startsWith("-"))) {
      args = [...args.slice(0, soakAt + 1), String(DEFAULT_SOAK_BOOTS), ...args.slice(soakAt + 1)];
    }
    try {
      v = parseArgs({
        args,
        options: {
          quick: { type: "boolean" }, json: { type: "boolean" }, svg: { type: "string" },
          compare: { type: "string" }, threshold: { type: "string" }, help: { type: "boolean", short: "h" },
          soak: { type: "string" }, image: { type: "string" }, ...UPSTREAM_OPTION,
        },
        strict: true,
      }).values;
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    applyUpstream(v.upstream);
    if (v.soak !== undefined) {
      const boots = Number(v.soak);
      if (!Number.isInteger(boots) || boots < 1) throw new InputError(`bench: --soak needs a positive whole number of boots, got '${v.soak}'`);
      if (v.quick || v.svg !== undefined || v.compare !== undefined) throw new InputError("bench: --soak does not combine with --quick, --svg or --compare");
      const image = loadImage(v.image ?? defaultImagePath());
      const tty = process.stderr.isTTY && !v.json;
      const doc = await runSoak(image, boots, (done) => {
        if (tty) process.stderr.write(`\r\x1b[K${done}/${boots} boots`);
      });
      if (tty) process.stderr.write("\r\x1b[K");
      console.log(v.json ? JSON.stringify(doc, null, 2) : soakText(doc));
      return doc.soak.grew || doc.soak.changed ? 1 : 0;
    }
    if (v.image !== undefined) throw new InputError("bench: --image is only used with --soak");
    const threshold = v.threshold === undefined ? 25 : Number(v.threshold);
    if (!Number.isFinite(threshold) || threshold < 0) throw new InputError(`--threshold must be a non-negative number, got '${v.threshold}'`);
    if (v.threshold !== undefined && v.compare === undefined) throw new InputError("--threshold needs --compare");
    const old = v.compare !== undefined ? readOld(v.compare) : undefined;
    if (v.svg !== undefined) checkWritable(v.svg, "--svg");

    const quick = v.quick === true;
    const configs = sweepConfigs(quick);
    const tty = process.stderr.isTTY && !v.json;
    const doc = await runBench(configs, quick ? QUICK_TIMING : FULL_TIMING, (i, n, label) => {
      if (tty) process.stderr.write(`\r\x1b[K[${i + 1}/${n}] ${label}`);
    });
    if (tty) process.stderr.write("\r\x1b[K");
    doc.quick = quick;
    if (v.svg !== undefined) {
      writeFileSync(v.svg, renderSvg(cpuSeries(doc), "hclboot boot phases: time vs CPUs (4 NUMA nodes, 8 RAM ranges)"));
    }
    if (v.json) console.log(JSON.stringify(doc, null, 2));
    else console.log(table(doc) + `\n\n${doc.results.length} points in ${doc.seconds} s`);
    if (old) {
      const changes = compareRuns(old, doc, threshold);
      const text = compareText(changes, threshold);
      if (v.json) console.error(text);
      else console.log("\n" + text);
      if (changes.some((c) => c.regression)) return 1;
    }
    return 0;
  },
};
