// Fuzz campaigns end to end (host/fuzz/campaign.ts, host/cli/fuzz.ts): clean runs, a deliberately
// broken invariant (HCLBOOT_FUZZ_BREAK) caught, shrunk, written as a reproducer and replayed.
import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCampaign, type CampaignOptions } from "../host/fuzz/campaign.js";
import { main } from "../host/cli/main.js";
import { decodeJson } from "../host/fuzz/target.js";
import { workerScript } from "../host/fuzz/workers.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "hclboot-fuzz-"));
const opts = (target: string, runs: number, over: Partial<CampaignOptions> = {}): CampaignOptions => {
  const d = tmp();
  return { target, seed: 1, runs, seconds: 0, workers: 1, corpusDir: join(d, "corpus"), outDir: join(d, "out"), ...over };
};

afterEach(() => {
  delete process.env.HCLBOOT_FUZZ_BREAK;
});

describe("runCampaign", () => {
  it("runs 2000 ranges inputs clean, with coverage and a corpus", async () => {
    const s = await runCampaign(opts("ranges", 2000));
    expect(s.findings).toEqual([]);
    expect(s.runs).toBe(2000);
    expect(s.coverage).toBeGreaterThan(50);
    expect(s.coverage).toBeLessThanOrEqual(s.edges);
    expect(s.corpusAdded).toBeGreaterThan(0);
    expect(Object.keys(s).slice(0, 5)).toEqual(["runs", "seconds", "runsPerSecond", "coverage", "findings"]);
  });
  it("runs 2000 command lines clean", async () => {
    const s = await runCampaign(opts("cmdline", 2000));
    expect(s.findings).toEqual([]);
    expect(s.coverage).toBeGreaterThan(50);
  });
  it("is reproducible for a seed (the same corpus) and reuses its corpus", async () => {
    const a = opts("ranges", 500, { seed: 5 });
    const b = opts("ranges", 500, { seed: 5 });
    const sa = await runCampaign(a);
    const sb = await runCampaign(b);
    expect(readdirSync(a.corpusDir).sort()).toEqual(readdirSync(b.corpusDir).sort());
    expect(sa.coverage).toBe(sb.coverage);
    const again = await runCampaign({ ...a, runs: 200 });
    expect(again.corpus).toBeGreaterThanOrEqual(sa.corpus);
    expect(again.coverage).toBeGreaterThanOrEqual(sa.coverage); // the corpus is replayed first
  });
  it("catches a deliberately broken invariant, shrinks it and writes a reproducer", async () => {
    process.env.HCLBOOT_FUZZ_BREAK = "ranges-model";
    const o = opts("ranges", 300);
    const s = await runCampaign(o);
    expect(s.findings.length).toBeGreaterThan(0);
    const f = s.findings[0]!;
    expect(f.kind).toBe("invariant");
    expect(f.message).toContain("invariant ranges-model deliberately broken");
    expect(existsSync(f.reproducer)).toBe(true);
    const doc = decodeJson<{ target: string; input: { left: unknown[]; right: unknown[] } }>(readFileSync(f.reproducer));
    expect(doc.target).toBe("ranges");
    expect(doc.input.left.length + doc.input.right.length).toBe(0); // shrunk to the smallest input
    expect(f.replay).toBe(`hclboot fuzz --replay ${f.reproducer}`);
    // The reproducer replays: it fails while the invariant is broken, passes once it is not.
    const log = console.log;
    console.log = () => {};
    try {
      expect(await main(["fuzz", "--replay", f.reproducer])).toBe(1);
      delete process.env.HCLBOOT_FUZZ_BREAK;
      expect(await main(["fuzz", "--replay", f.reproducer])).toBe(0);
    } finally {
      console.log = log;
    }
  });
  it.runIf(existsSync(workerScript()))("runs one worker thread per requested worker", async () => {
    const s = await runCampaign(opts("cmdline", 2000, { workers: 2 }));
    expect(s.workers).toBe(2);
    expect(s.runs).toBe(2000);
    expect(s.findings).toEqual([]);
  });
});

describe("hclboot fuzz", () => {
  it("rejects bad options with exit status 2", async () => {
    const err = console.error;
    console.error = () => {};
    try {
      expect(await main(["fuzz", "--runs", "x"])).toBe(2);
      expect(await main(["fuzz", "--target", "nope"])).toBe(2);
    } finally {
      console.error = err;
    }
  });
});
