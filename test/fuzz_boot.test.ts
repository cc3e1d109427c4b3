// The `boot` fuzz target (host/fuzz/targets/boot.ts, boot_expect.ts): expectations taken from the
// image, whole boots judged by the oracle, DTB images, and the deliberately broken build: an
// inverted invariant (HCLBOOT_FUZZ_BREAK) is caught, shrunk, and its reproducer replays with
// `hclboot boot` and `hclboot fuzz --replay`.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { bootInputFromImageFile, bootSeeds } from "../host/fuzz/seeds.js";
import { bootImage } from "../host/harness/boot.js";
import { GuestMemory } from "../host/guest/guest_memory.js";
import { bootTarget, bootTargetWith, dtbInputFrom, judgeBoot, mergedTopology, resolveBootInput, type BootInput } from "../host/fuzz/targets/boot.js";
import { expectedPoolBytes, poolConfig, poolConfigAfter } from "../host/fuzz/targets/boot_expect.js";
import { runCampaign } from "../host/fuzz/campaign.js";
import { main } from "../host/cli/main.js";
import { Rng } from "../host/fuzz/rng.js";
import type { BootOutput } from "../host/contract.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
  bootTarget.prepare(shim);
});
afterEach(() => {
  delete process.env.HCLBOOT_FUZZ_BREAK;
});

const small = (): Record<string, unknown> => JSON.parse(readFileSync("images/small.json", "utf8"));
const withWords = (text: string, bootargs = "console=ttyS0", policy = "append-chosen"): BootInput => {
  const image = small();
  (image.vm as Record<string, unknown>).bootargs = bootargs;
  return { image: { ...image, commandLine: { policy, text } } };
};

describe("poolConfig / poolConfigAfter", () => {
  it("reads values as Vtl2GpaPoolConfig::from does", () => {
    expect(poolConfig("debug")).toBe("heuristics");
    expect(poolConfig("off")).toBe("off");
    expect(poolConfig("0")).toBe("off");
    expect(poolConfig("")).toBe("off");
    expect(poolConfig("12x")).toBe("off");
    expect(poolConfig("+16")).toEqual({ pages: 16n });
    expect(poolConfig("18446744073709551616")).toBe("off"); // past u64::MAX: the parse fails
  });
  it("applies IGVM config where it stands and the ENABLE override at the end of each line", () => {
    expect(poolConfigAfter(["OPENHCL_ENABLE_VTL2_GPA_POOL=8 OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off"])).toEqual({ pages: 8n });
    expect(poolConfigAfter(["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=4", "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off"])).toBe("off");
    expect(poolConfigAfter(["OPENHCL_ENABLE_VTL2_GPA_POOL=4", "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=release"])).toBe("heuristics");
    expect(poolConfigAfter(["", ""])).toBe("heuristics");
  });
  it("expects the pool of the effective line, nothing from bootargs under the static policy", () => {
    expect(expectedPoolBytes(resolveBootInput(withWords("OPENHCL_ENABLE_VTL2_GPA_POOL=16")))).toBe(0x10000n);
    expect(expectedPoolBytes(resolveBootInput(withWords("", "OPENHCL_ENABLE_VTL2_GPA_POOL=off")))).toBe(0n);
    expect(expectedPoolBytes(resolveBootInput(withWords("", "OPENHCL_ENABLE_VTL2_GPA_POOL=32", "static")))).toBeUndefined();
  });
});

describe("judgeBoot", () => {
  it("passes small.json: invariants, the same output twice, servicing restore", () => {
    expect(judgeBoot(shim, { image: small() })).toEqual({ ok: true });
  });
  it("checks the pool size the command line fixes", () => {
    expect(judgeBoot(shim, withWords("OPENHCL_ENABLE_VTL2_GPA_POOL=64"))).toEqual({ ok: true });
    process.env.HCLBOOT_FUZZ_BREAK = "pool-size";
    expect(judgeBoot(shim, withWords("OPENHCL_ENABLE_VTL2_GPA_POOL=64"))).toMatchObject({ ok: false, kind: "invariant", message: expect.stringContaining("pool is 0x40000 bytes, expected 0x40000") });
  });
  it("passes an image the loader refuses, naming the loader", () => {
    const image = small();
    (image.vm as Record<string, unknown>).memory = { size: "0x1001" };
    expect(judgeBoot(shim, { image })).toMatchObject({ ok: true, failedAt: expect.stringContaining("image loader") });
  });
  it("boots the generated host device tree of a VM as a hostDeviceTree image", () => {
    const d = dtbInputFrom({ image: small() })!;
    expect(d.image.hostDeviceTree).toBe("fuzz.dtb");
    expect(d.image.vm).toBeUndefined();
    expect(judgeBoot(shim, d)).toEqual({ ok: true });
  });
  it("judges 40 generated inputs without host exceptions or traps", () => {
    const rng = new Rng(77);
    for (let i = 0; i < 40; i++) {
      const v = judgeBoot(shim, bootTarget.generate(rng));
      if (!v.ok) expect(v.kind).not.toMatch(/exception|trap|nondeterminism/);
    }
  });
});

describe("boot seeds", () => {
  it("every images/*.json (blobs and saved states inlined) passes the oracle, or ends at an upstream defect", () => {
    const seeds = bootSeeds();
    expect(seeds.length).toBeGreaterThanOrEqual(20);
    const t = bootTargetWith(seeds);
    const verdicts = seeds.map((b) => t.run(shim, t.decode(b)));
    // images/max.json (2048 CPUs, 64 nodes) overflows the kernel device tree buffer: main.rs's
    // write_dt().unwrap() panics there upstream too, so it is an upstream-defect finding.
    const defects = verdicts.filter((v) => !v.ok);
    for (const v of defects) expect(v).toMatchObject({ kind: "upstream-defect", site: "main.write-dt" });
    expect(defects.length).toBe(1);
    expect(verdicts.filter((v) => v.ok && v.failedAt).length).toBeGreaterThanOrEqual(4); // the fail-* images end at upstream sites
  }, 120_000);
  it("mutates seeds: a swapped part, or the saved state / blob bytes", () => {
    const servicing = bootSeeds().map((b) => bootTarget.decode(b)).find((x) => x.persisted !== undefined)!;
    const t = bootTargetWith([new TextEncoder().encode(JSON.stringify(servicing))]);
    const rng = new Rng(5);
    const mutants = Array.from({ length: 20 }, () => t.mutate(servicing, rng));
    expect(mutants.some((m) => m.persisted !== undefined && m.persisted !== servicing.persisted)).toBe(true);
    for (const m of mutants.slice(0, 8)) {
      const v = t.run(shim, m);
      if (!v.ok) expect(v.kind).not.toMatch(/exception|trap|nondeterminism/);
    }
  });
  it("replays an image with a saved state through fuzz --replay", async () => {
    const log = console.log;
    console.log = () => {};
    try {
      expect(await main(["fuzz", "--replay", "images/servicing-small.json"])).toBe(0);
    } finally {
      console.log = log;
    }
  });
});

describe("campaign findings, resolved", () => {
  it("a servicing boot takes MMIO from the saved state unchecked: no MMIO invariants on it", () => {
    const x = bootInputFromImageFile("test/fixtures/fuzz/restored-mmio.json");
    const r = resolveBootInput(x);
    expect(bootImage(r, { shim }).output.vtl0Mmio).toEqual([{ start: "0x0", end: "0x100000000" }]);
    expect(judgeBoot(shim, x)).toEqual({ ok: true });
  });
  it("guest memory for 1024 RAM ranges builds fast (it took seconds: one visibility recompute per region)", () => {
    const ram = Array.from({ length: 1024 }, (_, i) => ({ start: BigInt(i) * 0x4000_0000n, end: BigInt(i) * 0x4000_0000n + 0x2000_0000n, vnode: 0 }));
    const t = performance.now();
    const g = GuestMemory.build({ ram, mmio: [] });
    expect(performance.now() - t).toBeLessThan(2000);
    expect(g.ramRegions().length).toBe(1024);
  });
});

describe("mergedTopology", () => {
  it("merges touching VTL2 RAM of one node and type, keeps the rest", () => {
    const r = (start: number, end: number) => ({ start: "0x" + start.toString(16), end: "0x" + end.toString(16) });
    const o = { vtl2Ram: [{ ...r(0, 1), vnode: 0, igvmType: 0 }, { ...r(1, 2), vnode: 0, igvmType: 0 }, { ...r(2, 3), vnode: 1, igvmType: 0 }], addressSpace: [], vtl0Mmio: [r(5, 6), r(7, 8)], vtl2Mmio: [] } as unknown as BootOutput;
    const m = mergedTopology(o);
    expect(m.vtl2Ram).toEqual([{ ...r(0, 2), vnode: 0, igvmType: 0 }, { ...r(2, 3), vnode: 1, igvmType: 0 }]);
    expect(m.vtl0Mmio).toEqual([r(5, 6), r(7, 8)]);
  });
});

describe("a deliberately broken build", () => {
  it("HCLBOOT_FUZZ_BREAK=sorted: caught at once, shrunk, written as an image that hclboot boot replays", async () => {
    process.env.HCLBOOT_FUZZ_BREAK = "sorted";
    const d = mkdtempSync(join(tmpdir(), "hclboot-fuzz-boot-"));
    const s = await runCampaign({ target: "boot", seed: 1, runs: 30, seconds: 0, workers: 1, corpusDir: join(d, "corpus"), outDir: join(d, "out"), shrinkBudget: 40 });
    const f = s.findings.find((x) => x.message.includes("invariant sorted deliberately broken"));
    expect(f).toBeDefined();
    expect(f!.kind).toBe("invariant");
    expect(f!.reproducer.endsWith(".json")).toBe(true);
    expect(f!.replay).toBe(`hclboot boot ${f!.reproducer}`);
    const image = JSON.parse(readFileSync(f!.reproducer, "utf8"));
    if (image.hostDeviceTree) expect(existsSync(join(d, "out", image.hostDeviceTree))).toBe(true);
    const log = console.log;
    const out: string[] = [];
    console.log = (x: unknown) => void out.push(String(x));
    try {
      // `hclboot boot` replays the boot the finding is about (the output the inverted check rejected).
      expect(await main(["boot", f!.reproducer, "--json"])).toBe(0);
      expect(JSON.parse(out.join("\n")).ok).toBe(true);
      // The oracle on the replay: fails while the invariant is broken, passes once it is not.
      expect(await main(["fuzz", "--replay", f!.reproducer])).toBe(1);
      delete process.env.HCLBOOT_FUZZ_BREAK;
      expect(await main(["fuzz", "--replay", f!.reproducer])).toBe(0);
    } finally {
      console.log = log;
    }
  }, 120_000);
});
