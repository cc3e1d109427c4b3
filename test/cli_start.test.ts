// The command line's start: the lazily loaded command table, --version, what `--help` loads
// (dist/cli.js's static import closure), and the progress lines of long commands.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { commands } from "../host/cli/commands.js";
import { Progress, formatDuration } from "../host/cli/progress.js";
import { UPSTREAM_COMMIT } from "../host/version.js";

const root = join(__dirname, "..");

/** Files dist/cli.js loads before running anything (its static imports, transitively). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gm)) {
    staticClosure(join(dirname(file), m[1] ?? m[2]!), seen);
  }
  return seen;
}

describe("command table", () => {
  it.each(Object.keys(commands))("%s: the table's summary is the module's", async (name) => {
    const cmd = await commands[name]!.load();
    expect(commands[name]!.summary).toBe(cmd.summary);
  });
});

describe("hclboot --version", () => {
  it("prints the package version and the upstream pin, exit 0", () => {
    const r = spawnSync(process.execPath, [join(root, "bin", "hclboot.js"), "--version"], { encoding: "utf8" });
    const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
    expect(r.status).toBe(0);
    // every pin, newest first; the default (HCLBOOT_UPSTREAM, which the suite sets) is marked
    const def = process.env.HCLBOOT_UPSTREAM ?? "1488a37";
    const pins = [UPSTREAM_COMMIT, "37a2806042dd2a3ea183f1dcdb3684e0b83d816f"];
    expect(r.stdout).toBe(`hclboot ${version}\n${pins.map((c) => `openvmm ${c} (openhcl_boot port${c.startsWith(def) ? ", default" : ""})`).join("\n")}\n`);
  });
});

describe("start-up", () => {
  it("dist/cli.js loads no command and no bundled package before dispatching (--help stays light)", () => {
    const files = [...staticClosure(join(root, "dist", "cli.js"))];
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      expect(text).not.toMatch(/^\/\/ node_modules\/(zod|fast-check|protobufjs|binaryen)\//m);
      expect(text).not.toMatch(/^\/\/ host\/cli\/(boot|service|dt|dtb|fuzz|bench|serve|selftest)\.ts$/m);
    }
    // and the lazily loaded ones are there: the boot command's chunk holds the image schema (zod)
    expect(readFileSync(join(root, "dist", "cli.js"), "utf8")).toMatch(/import\("\.\/chunks\/boot-[A-Z0-9]+\.js"\)/);
  });
});

describe("Progress", () => {
  const sink = () => {
    const out: string[] = [];
    return { out, stream: { write: (s: string) => out.push(s) } };
  };

  it("on a TTY redraws one line with percent, ETA and rate, and clears it at the end", () => {
    let t = 0;
    const s = sink();
    const p = new Progress({ unit: "boots", total: 100, tty: true, stream: s.stream, now: () => t });
    t = 10_000;
    p.update(25, "x");
    expect(s.out.at(-1)).toBe("\r\x1b[K25/100 boots, 25.0%, 0:10 elapsed, ETA 0:30, 2.5 boots/s | x");
    t = 10_050;
    p.update(26); // throttled: under 100 ms since the last draw
    expect(s.out).toHaveLength(1);
    p.finish();
    expect(s.out.at(-1)).toBe("\r\x1b[K");
  });

  it("off a TTY prints a status line every statusEverySeconds; quiet prints nothing", () => {
    let t = 0;
    const s = sink();
    const p = new Progress({ unit: "points", total: 10, tty: false, stream: s.stream, now: () => t, statusEverySeconds: 5 });
    p.update(1);
    t = 4000;
    p.update(2);
    expect(s.out).toEqual([]);
    t = 5000;
    p.update(5);
    expect(s.out).toEqual(["5/10 points, 50.0%, 0:05 elapsed, ETA 0:05, 1.0 points/s\n"]);
    const q = sink();
    const quiet = new Progress({ unit: "points", total: 10, quiet: true, tty: true, stream: q.stream, now: () => t });
    quiet.update(3);
    quiet.finish();
    expect(q.out).toEqual([]);
  });

  it("formats durations as m:ss and h:mm:ss", () => {
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});
