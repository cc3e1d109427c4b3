//! `hclboot bench --cli`: the command line's start-up cost. Runs `hclboot --help`, `--version`,
//! `boot` (default image) and `boot --json` in fresh Node processes and reports, per command, the
//! median wall time (spawn to exit), the process's CPU time and its peak RSS (read from inside the
//! child through a preloaded exit hook), next to a bare `node -e 0` for scale.
// Ports: none (benchmark of hclboot's own command line)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { InputError } from "../errors.js";
import { packageRoot } from "../wasm/node.js";
import { median } from "./timing.js";

/** One measured command. */
export interface CliStartJson {
  command: string;
  runs: number;
  wallMs: { median: number; min: number };
  cpuMs: { median: number; min: number };
  maxRssMiB: number;
}

/** The commands timed (arguments to bin/hclboot.js; null: bare `node -e 0`). */
const CASES: { command: string; args: string[] | null }[] = [
  { command: "node -e 0", args: null },
  { command: "hclboot --help", args: ["--help"] },
  { command: "hclboot --version", args: ["--version"] },
  { command: "hclboot boot", args: ["boot"] },
  { command: "hclboot boot --json", args: ["boot", "--json"] },
];

/** Writes the child's resource usage (CPU µs, max RSS KiB) to $HCLBOOT_RUSAGE when it exits. */
const HOOK =
  "data:text/javascript," +
  encodeURIComponent(
    'import { writeFileSync } from "node:fs";' +
      'process.on("exit", () => { const u = process.resourceUsage(); writeFileSync(process.env.HCLBOOT_RUSAGE, JSON.stringify({ cpuUs: u.userCPUTime + u.systemCPUTime, maxRssKiB: u.maxRSS })); });',
  );

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Times `runs` fresh processes of each command (after one warm-up run for the file cache). */
export function measureCliStart(runs: number): CliStartJson[] {
  const bin = join(packageRoot(), "bin", "hclboot.js");
  const dir = mkdtempSync(join(tmpdir(), "hclboot-cli-bench-"));
  const file = join(dir, "rusage.json");
  try {
    return CASES.map(({ command, args }) => {
      const argv = ["--import", HOOK, ...(args === null ? ["-e", "0"] : [bin, ...args])];
      const wall: number[] = [];
      const cpu: number[] = [];
      let rss = 0;
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        const r = spawnSync(process.execPath, argv, { env: { ...process.env, HCLBOOT_RUSAGE: file }, stdio: ["ignore", "ignore", "pipe"] });
        const ms = performance.now() - t0;
        if (r.status !== 0) throw new Error(`${command} exited with ${r.status}: ${r.stderr?.toString().trim()}`);
        if (i === 0) continue;
        const u = JSON.parse(readFileSync(file, "utf8")) as { cpuUs: number; maxRssKiB: number };
        wall.push(ms);
        cpu.push(u.cpuUs / 1000);
        rss = Math.max(rss, u.maxRssKiB / 1024);
      }
      return {
        command,
        runs,
        wallMs: { median: round(median(wall)), min: round(Math.min(...wall)) },
        cpuMs: { median: round(median(cpu)), min: round(Math.min(...cpu)) },
        maxRssMiB: round(rss),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text table of a measurement. */
export function cliStartText(rows: CliStartJson[]): string {
  const head = ["command", "wall ms (median, min)", "CPU ms (median, min)", "max RSS MiB"];
  const body = rows.map((r) => [r.command, `${r.wallMs.median}, ${r.wallMs.min}`, `${r.cpuMs.median}, ${r.cpuMs.min}`, String(r.maxRssMiB)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, w.map((n) => "-".repeat(n)), ...body].map((cols) => cols.map((c, i) => c.padEnd(w[i]!)).join("  ").trimEnd()).join("\n");
}

/** `hclboot bench --cli [--runs N] [--json]`. */
export async function cliBenchCommand(args: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({ args, options: { runs: { type: "string" }, json: { type: "boolean" }, quiet: { type: "boolean" } }, strict: true }).values;
  } catch (e) {
    throw new InputError(`--cli: ${(e as Error).message}`);
  }
  const runs = v.runs === undefined ? 7 : Number(v.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new InputError(`--runs needs a positive whole number, got '${v.runs}'`);
  const rows = measureCliStart(runs);
  console.log(v.json ? JSON.stringify({ cliStart: rows }, null, 2) : cliStartText(rows));
  return 0;
}
