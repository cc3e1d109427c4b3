// Triage of findings (host/fuzz/triage.ts), libFuzzer conventions and user properties: buckets,
// report.json/report.md, --known, --triage, crash-<sha1> files and their replay, -runs= aliases,
// non-TTY status lines, --merge, --property on an image built to violate it, the alloc target.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../host/cli/main.js";
import { libFuzzerArgs } from "../host/cli/fuzz.js";
import { runCampaign } from "../host/fuzz/campaign.js";
import { bucketId, buildReport, messageShape, readKnown, reportMarkdown, type FindingRecord } from "../host/fuzz/triage.js";
import { setProperties } from "../host/fuzz/properties.js";
import { allocTargetFor, judgeAlloc } from "../host/fuzz/targets/alloc.js";
import { Rng } from "../host/fuzz/rng.js";
import { loadShim } from "../host/wasm/node.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "hclboot-triage-"));
const FIX = resolve("test/fixtures/fuzz");
const BIN = resolve("bin/hclboot.js");

afterEach(() => {
  delete process.env.HCLBOOT_FUZZ_BREAK;
  setProperties([]);
  vi.restoreAllMocks();
});

const rec = (over: Partial<FindingRecord>): FindingRecord => ({
  bucket: "b000000000001", kind: "upstream-defect", site: "rt.index", validity: "hand-made", message: "index out of bounds: the len is 1 but the index is 1",
  target: "boot", seed: 1, run: 10, time: "2026-01-01T00:00:10.000Z", seconds: 10, count: 3, reproducer: "crash-a.json", crash: "crash-a", replay: "r", inputBytes: 500, ...over,
});

describe("buckets and reports", () => {
  it("masks numbers in the message shape, so sizes share a bucket and different texts do not", () => {
    expect(bucketId("upstream-defect", "index out of bounds: the len is 1 but the index is 1", "rt.index"))
      .toBe(bucketId("upstream-defect", "index out of bounds: the len is 4 but the index is 9", "rt.index"));
    expect(bucketId("upstream-defect", "assertion `left == right` failed\n  left: Used\n right: Free", "bare-assert-eq"))
      .not.toBe(bucketId("upstream-defect", "assertion `left == right` failed\n  left: 1\n right: 2", "bare-assert-eq"));
    expect(messageShape("upstream defect (x at a.rs:1, b.rs:2): ranges overlap")).toBe("ranges overlap");
    expect(bucketId("invariant", "x")).toMatch(/^b[0-9a-f]{12}$/);
  });
  it("merges records of one bucket: summed counts, earliest first-seen, smallest reproducer; ranks VMM-valid first", () => {
    const r = buildReport("d", [
      rec({ count: 3, inputBytes: 900, reproducer: "big.json" }),
      rec({ count: 4, inputBytes: 200, reproducer: "small.json", time: "2026-01-01T00:00:20.000Z", run: 50 }),
      rec({ bucket: "b000000000002", validity: "vmm", count: 1, site: "main.write-dt", message: "called `Result::unwrap()` on an `Err` value: Fdt(OutOfSpace)" }),
    ], new Set(["b000000000001"]));
    expect(r.buckets.map((b) => b.id)).toEqual(["b000000000002", "b000000000001"]);
    const b = r.buckets[1]!;
    expect(b).toMatchObject({ count: 7, reproducer: "small.json", inputBytes: 200, known: true, firstSeen: { run: 10 } });
    expect(r.newBuckets).toBe(1);
    const md = reportMarkdown(r);
    expect(md).toContain("| b000000000001 (known) | upstream-defect | rt.index");
    expect(md).toContain("`small.json` (200 B)");
  });
  it("reads --known files: lines with comments, a JSON array, a report.json; rejects junk", () => {
    const d = tmp();
    writeFileSync(join(d, "k.txt"), "# known\nb0123456789ab  # the pool one\n\n");
    expect([...readKnown(join(d, "k.txt"))]).toEqual(["b0123456789ab"]);
    writeFileSync(join(d, "k.json"), JSON.stringify({ buckets: [{ id: "b000000000009" }] }));
    expect([...readKnown(join(d, "k.json"))]).toEqual(["b000000000009"]);
    writeFileSync(join(d, "bad.txt"), "not-an-id\n");
    expect(() => readKnown(join(d, "bad.txt"))).toThrow(/not a bucket id/);
  });
  it("accepts libFuzzer spellings", () => {
    expect(libFuzzerArgs(["-runs=5", "-max_total_time=3", "-seed=2", "-jobs=4", "-workers=2", "--json"]))
      .toEqual(["--runs", "5", "--time", "3", "--seed", "2", "--workers", "4", "--workers", "2", "--json"]);
  });
});

describe("a campaign with findings (HCLBOOT_FUZZ_BREAK=ranges-model)", () => {
  it("writes crash-<sha1> files, finding records and the report; --replay, --triage and --known work", async () => {
    process.env.HCLBOOT_FUZZ_BREAK = "ranges-model";
    const d = tmp();
    const out = join(d, "out");
    const s = await runCampaign({ target: "ranges", seed: 1, runs: 300, seconds: 0, workers: 1, corpusDir: join(d, "c"), outDir: out, shrinkBudget: 200 });
    expect(s.findings.length).toBeGreaterThan(0);
    const f = s.findings[0]!;
    expect(f.bucket).toMatch(/^b[0-9a-f]{12}$/);
    expect(f.count).toBeGreaterThanOrEqual(1);
    expect(f.crash).toMatch(/crash-[0-9a-f]{40}$/);
    expect(existsSync(f.crash)).toBe(true);
    expect(existsSync(`${f.crash}.finding.json`)).toBe(true);
    expect(s.report).toBe(resolve(out, "report.json"));
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.buckets.map((b: { id: string }) => b.id).sort()).toEqual(s.findings.map((x) => x.bucket).sort());
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain(f.bucket);
    // The raw crash file replays through its finding record (no --target needed).
    expect(await main(["fuzz", "--replay", f.crash])).toBe(1);
    delete process.env.HCLBOOT_FUZZ_BREAK;
    expect(await main(["fuzz", "--replay", f.crash])).toBe(0);
    // --triage rebuilds the report; --known with every bucket makes it green.
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await main(["fuzz", "--triage", out])).toBe(1);
    writeFileSync(join(d, "known.txt"), s.findings.map((x) => x.bucket).join("\n") + "\n");
    expect(await main(["fuzz", "--triage", out, "--known", join(d, "known.txt")])).toBe(0);
    log.mockRestore();
    // A new campaign with the same bucket known reports no finding (exit status 0).
    process.env.HCLBOOT_FUZZ_BREAK = "ranges-model";
    const again = await runCampaign({ target: "ranges", seed: 1, runs: 300, seconds: 0, workers: 1, corpusDir: join(d, "c2"), outDir: join(d, "out2"), shrinkBudget: 200, known: new Set(s.findings.map((x) => x.bucket)) });
    expect(again.findings).toEqual([]);
    expect(again.knownFindings).toBe(s.findings.length);
  }, 60_000);
});

describe("CLI conventions", () => {
  it("prints a status line every 10 s on a non-TTY stderr, with -max_total_time= and -workers=", () => {
    const d = tmp();
    const r = spawnSync("node", [BIN, "fuzz", "--target", "ranges", "-max_total_time=11", "-workers=1", "--corpus", join(d, "c"), "--out", join(d, "o")], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("fuzz ranges: "));
    expect(lines.length).toBeGreaterThanOrEqual(2); // at 10 s and the final one
    expect(lines[0]).toMatch(/runs\/s, coverage \d+\/\d+ edges/);
  }, 60_000);
  it("--merge keeps only inputs that add coverage", async () => {
    const d = tmp();
    const s = await runCampaign({ target: "cmdline", seed: 2, runs: 800, seconds: 0, workers: 1, corpusDir: join(d, "c"), outDir: join(d, "o") });
    expect(s.corpusAdded).toBeGreaterThan(5);
    const before = readdirSync(join(d, "c")).length;
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await main(["fuzz", "--target", "cmdline", "--merge", join(d, "m"), join(d, "c"), "--json"])).toBe(0);
    const r = JSON.parse(String(log.mock.calls.at(-1)![0]));
    log.mockRestore();
    expect(r.inputs).toBe(before);
    expect(r.kept).toBe(readdirSync(join(d, "m")).length);
    expect(r.kept).toBeGreaterThan(0);
    expect(r.kept).toBeLessThanOrEqual(before);
  }, 60_000);
});

describe("--property", () => {
  it("flags a sidecar CPU that is also in boot_cpus= on an image built to violate it, and not on a clean image", () => {
    const prop = join(FIX, "sidecar_not_in_boot_cpus.mjs");
    const bad = spawnSync("node", [BIN, "fuzz", "--replay", join(FIX, "sidecar_boot_cpus.json"), "--property", prop, "--json"], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    const v = JSON.parse(bad.stdout);
    expect(v).toMatchObject({ ok: false, kind: "property" });
    expect(v.message).toMatch(/^property sidecar_not_in_boot_cpus\.mjs: CPU \d+ \(node \d\) is started by sidecar and listed in boot_cpus=0,1,/);
    const good = spawnSync("node", [BIN, "fuzz", "--replay", "images/sidecar-remote.json", "--property", prop, "--json"], { encoding: "utf8" });
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true });
  }, 60_000);
  it("reports a property that throws as a property error, not a shim finding", () => {
    const r = spawnSync("node", [BIN, "fuzz", "--replay", "images/small.json", "--property", join(FIX, "throws.mjs"), "--json"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, kind: "property-error" });
  }, 60_000);
  it("rejects a module without a default function", async () => {
    const d = tmp();
    writeFileSync(join(d, "p.mjs"), "export const x = 1;\n");
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await main(["fuzz", "--replay", "images/small.json", "--property", join(d, "p.mjs")])).toBe(2);
    err.mockRestore();
  });
});

describe("alloc target", () => {
  it("boots patched allocation inputs on the prepared image: most complete, none is a host exception", async () => {
    const shim = await loadShim();
    const t = allocTargetFor(4);
    t.prepare(shim);
    const rng = new Rng(3);
    let completed = 0;
    for (let i = 0; i < 200; i++) {
      const v = judgeAlloc(shim, t.generate(rng));
      if (v.ok && !v.failedAt) completed++;
      if (!v.ok) expect(v.kind).not.toMatch(/exception|trap|nondeterminism|invariant/);
    }
    expect(completed).toBeGreaterThan(50);
  });
  it("sees its patched memory map: the kernel's VTL0 RAM follows the input", async () => {
    const shim = await loadShim();
    const t = allocTargetFor(4);
    t.prepare(shim);
    let seen: unknown = null;
    setProperties([{ name: "capture", fn: (_i, r) => { seen = r; } }]);
    const x = { cpus: 4, ram: [[0x1_0000_0000n, 0x1_4000_0000n, 0]] as [bigint, bigint, number][], cpuNodes: 1, mode: "memory-layout" as const, vtl2Size: null, mmio: [[0xf800_0000n, 0xfc00_0000n], [0x40_0000_0000n, 0x41_0000_0000n], [0n, 0n]] as [bigint, bigint][], bootargs: "console=ttyS0", dma: null, saved: null };
    expect(judgeAlloc(shim, x)).toEqual({ ok: true });
    const r = seen as { partitionRam: { start: string; end: string }[]; vtl0Mmio: { start: string }[] };
    expect(r.partitionRam.some((e) => e.start === "0x100000000" && e.end === "0x140000000")).toBe(true);
    expect(r.vtl0Mmio[0]!.start).toBe("0xf8000000");
  });
});
