// Red-team tests of the CLI's inputs and exits: every file entry point (images, device trees,
// saved states, fuzz --replay and corpus, bench --compare, bench --soak --image, the files an image
// names) against missing, directory, FIFO, device, oversize and malformed files; the exit codes
// 0/1/2/3/130 with one error line; SIGINT summaries of fuzz, bench and service.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, truncateSync, readdirSync, copyFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../host/cli/main.js";
import { commands } from "../../host/cli/commands.js";
import { INPUT_LIMITS } from "../../host/image/read_file.js";
import { InternalError } from "../../host/errors.js";
import { root, runInterrupted } from "./helpers.js";

/** Runs the CLI in-process; resolves to its exit status and what it printed. */
async function cli(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  console.error = (...a: unknown[]) => void err.push(a.map((x) => (x instanceof Error ? x.stack : String(x))).join(" "));
  try {
    return { status: await main(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const tmp = mkdtempSync(join(tmpdir(), "hclboot-redteam-cli-"));
const f = (name: string) => join(tmp, name);

beforeAll(() => {
  execFileSync("mkfifo", [f("fifo")]);
  mkdirSync(f("dir"));
  writeFileSync(f("huge"), "");
  truncateSync(f("huge"), INPUT_LIMITS.bench + 1); // sparse: larger than every kind's limit
  writeFileSync(f("bad.json"), '{"vm": {');
  writeFileSync(f("junk.dtb"), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37 + 11) & 0xff)));
  const aarch64 = JSON.parse(readFileSync(join(root, "images", "aarch64.json"), "utf8"));
  for (const [name, dtb] of [["names-fifo.json", "fifo"], ["names-dir.json", "dir"], ["names-huge.json", "huge"], ["names-missing.json", "missing.dtb"], ["names-junk.json", "junk.dtb"]]) {
    writeFileSync(f(name!), JSON.stringify({ ...aarch64, hostDeviceTree: dtb }));
  }
});
afterAll(() => {
  for (const k of Object.keys(commands)) if (k.startsWith("redteam-")) delete commands[k];
});

// Each entry point and how it names its file argument.
const ENTRY_POINTS: [string, (file: string) => string[]][] = [
  ["boot", (p) => ["boot", p]],
  ["boot --json", (p) => ["boot", p, "--json"]],
  ["service", (p) => ["service", p]],
  ["dtb", (p) => ["dtb", p, "-o", f("out.dtb")]],
  ["dt", (p) => ["dt", p]],
  ["fuzz --replay", (p) => ["fuzz", "--target", "dt", "--replay", p]],
  ["bench --compare", (p) => ["bench", "--compare", p]],
  ["bench --soak --image", (p) => ["bench", "--soak", "1", "--image", p]],
];

describe("every file entry point refuses unreadable files with exit 2 and one line naming the file", () => {
  const cases: [string, string, RegExp][] = [
    ["missing", f("missing"), /no such file/],
    ["a directory", f("dir"), /is a directory/],
    ["a FIFO (no writer: must not block)", f("fifo"), /not a regular file \(a FIFO\)/],
    ["a device", "/dev/zero", /not a regular file \(a character device\)/],
    ["oversize", f("huge"), /larger than the limit of \d+ bytes/],
  ];
  for (const [entry, argv] of ENTRY_POINTS) {
    it.each(cases)(`${entry}: %s`, async (_what, path, reason) => {
      const r = await cli(...argv(path));
      expect(r.status).toBe(2);
      const text = entry.endsWith("--json") ? (JSON.parse(r.out) as { error: { kind: string; message: string } }).error.message : r.err;
      expect(text.split("\n")).toHaveLength(1);
      expect(text).toContain(`cannot read ${path}: `);
      expect(text).toMatch(reason);
      if (entry.endsWith("--json")) expect(JSON.parse(r.out).error.kind).toBe("input");
    });
  }
});

describe("malformed files through every entry point: a clear error, never an internal one", () => {
  it.each(ENTRY_POINTS.filter(([e]) => e !== "dt"))("%s of malformed JSON: exit 2", async (_e, argv) => {
    const r = await cli(...argv(f("bad.json")));
    expect(r.status).toBe(2);
    expect(r.err + r.out).toMatch(/JSON/);
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
  });

  it("dt of a malformed blob: exit 1, upstream's parse error (kind dt)", async () => {
    const r = await cli("dt", f("junk.dtb"), "--json");
    expect(r.status).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ ok: false, error: { kind: "dt", message: "Parsing failed due to: invalid device tree: FDT header magic field invalid" } });
  });

  it("boot of an image naming a malformed blob: exit 1 with the shim's device-tree error", async () => {
    const r = await cli("boot", f("names-junk.json"), "--json");
    expect(r.status).toBe(1);
    expect(JSON.parse(r.out).error).toEqual({ kind: "dt", message: "host provided device tree is invalid: Parsing failed due to: invalid device tree: FDT header magic field invalid" });
  });

  it.each([
    ["names-fifo.json", "fifo", "not a regular file (a FIFO)"],
    ["names-dir.json", "dir", "is a directory"],
    ["names-huge.json", "huge", `larger than the limit of ${INPUT_LIMITS.dtb} bytes`],
  ])("boot of an image naming %s: exit 2 naming the image and the file", async (image, dtb, reason) => {
    const r = await cli("boot", f(image));
    expect(r).toMatchObject({ status: 2, err: `hclboot boot: ${f(image)}: cannot read ${dtb}: ${reason}` });
  });

  it("boot of an image naming a missing blob: exit 2 naming the field and the file", async () => {
    const r = await cli("boot", f("names-missing.json"));
    expect(r.status).toBe(2);
    expect(r.err).toBe(`hclboot boot: ${f("names-missing.json")}: hostDeviceTree: cannot read missing.dtb`);
  });

  it("a servicing boot from a saved state whose protobuf is garbled: exit 1 with the shim's panic", async () => {
    const state = readFileSync(join(root, "images", "servicing-small.bin"));
    for (let i = 4096 + 8; i < state.length; i += 7) state[i] = state[i]! ^ 0x5a;
    writeFileSync(f("garbled.bin"), state);
    const img = JSON.parse(readFileSync(join(root, "images", "servicing-small.json"), "utf8"));
    writeFileSync(f("garbled.json"), JSON.stringify({ ...img, persistedState: "garbled.bin" }));
    const r = await cli("boot", f("garbled.json"), "--json");
    expect(r.status).toBe(1);
    expect(JSON.parse(r.out).error.kind).toBe("panic");
    const t = await cli("service", join(root, "images", "small.json"), "--tamper", "garble", "--json");
    expect(t.status).toBe(1);
    expect(JSON.parse(t.out).error.kind).toBe("panic");
  });

  it("fuzz refuses an oversize corpus entry (exit 2, naming it)", async () => {
    const corpus = f("corpus");
    mkdirSync(corpus);
    writeFileSync(join(corpus, "big.dtb"), "");
    truncateSync(join(corpus, "big.dtb"), INPUT_LIMITS.corpus + 1);
    const r = await cli("fuzz", "--target", "dt", "--runs", "1", "--workers", "1", "--corpus", corpus, "--out", f("findings"));
    expect(r.status).toBe(2);
    expect(r.err).toBe(`hclboot fuzz: cannot read ${join(corpus, "big.dtb")}: larger than the limit of ${INPUT_LIMITS.corpus} bytes`);
  });
});

describe("exit codes: 0 ok, 1 boot failure, 2 bad input, 3 internal error", () => {
  it("0 for a boot, 1 for a failing boot, 2 for a bad option", async () => {
    expect((await cli("boot", join(root, "images", "small.json"), "--json")).status).toBe(0);
    expect((await cli("boot", join(root, "images", "fail-pool-too-large.json"), "--json")).status).toBe(1);
    expect((await cli("boot", "--bogus")).status).toBe(2);
  });

  it("3 for an internal error: a request to report it, no stack without --debug, kind internal in JSON", async () => {
    commands["redteam-bug"] = { summary: "", run: async () => ([] as { toString(): string }[])[0]!.toString() as never };
    const r = await cli("redteam-bug");
    expect(r.status).toBe(3);
    expect(r.err).toBe(
      "hclboot redteam-bug: internal error: Cannot read properties of undefined (reading 'toString')\n" +
        "This is a bug in hclboot: please report it with the command line (--debug prints the stack).",
    );
    const d = await cli("redteam-bug", "--debug");
    expect(d.status).toBe(3);
    expect(d.err).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'toString'\)\n\s+at /m);
    commands["redteam-internal"] = { summary: "", run: async () => { throw new InternalError("state machine out of step"); } };
    const j = await cli("redteam-internal", "--json");
    expect(j.status).toBe(3);
    expect(JSON.parse(j.out)).toEqual({ ok: false, error: { kind: "internal", message: "state machine out of step" } });
  });

  it("one error prefix: never `hclboot bench: bench: ...`", async () => {
    expect(await cli("bench", "--soak", "x")).toMatchObject({ status: 2, err: "hclboot bench: --soak needs a positive whole number of boots, got 'x'" });
    expect(await cli("bench", "--soak", "5", "--quick")).toMatchObject({ status: 2, err: "hclboot bench: --soak does not combine with --quick" });
  });

  it("--help documents the exit codes", async () => {
    expect((await cli("--help")).out).toContain("Exit status: 0 ok, 1 boot failure or finding, 2 bad input or options, 3 internal error");
  });
});

describe("SIGINT prints the summary so far and exits 130", () => {
  it("fuzz: the summary with interrupted:true; the corpus it reports is on disk", async () => {
    const corpus = f("sigint-corpus");
    const r = await runInterrupted(["fuzz", "--time", "60", "--workers", "1", "--corpus", corpus, "--out", f("sigint-out"), "--json"], 4000);
    expect(r.status).toBe(130);
    const s = JSON.parse(r.stdout) as { runs: number; interrupted: boolean; corpus: number; corpusAdded: number };
    expect(s.interrupted).toBe(true);
    expect(s.runs).toBeGreaterThan(0);
    expect(readdirSync(corpus).length).toBe(s.corpusAdded);
    expect(r.ms).toBeLessThan(30_000);
  }, 60_000);

  it("bench --soak: the boots so far", async () => {
    const r = await runInterrupted(["bench", "--soak", "100000000", "--json"], 2000);
    expect(r.status).toBe(130);
    const s = JSON.parse(r.stdout) as { interrupted: boolean; soak: { boots: number } };
    expect(s.interrupted).toBe(true);
    expect(s.soak.boots).toBeGreaterThan(1);
    expect(s.soak.boots).toBeLessThan(100000000);
  }, 60_000);

  it("bench sweep: the points so far", async () => {
    const r = await runInterrupted(["bench", "--quick"], 3000);
    expect(r.status).toBe(130);
    expect(r.stdout).toMatch(/\d+ points in [\d.]+ s \(interrupted: \d+ points not run\)/);
  }, 60_000);

  it("service: what finished, then 130", async () => {
    copyFileSync(join(root, "images", "small.json"), f("svc.json"));
    const r = await runInterrupted(["service", f("svc.json")], 0);
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/hclboot service: interrupted (before the first boot|after the round trip completed)/);
  }, 60_000);
});
