import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { vtl2CalculateDmaHint, pickPrivatePoolSize, lookupTable } from "../host/shim/dma_hint.js";
import type { Vtl2GpaPoolConfig } from "../host/shim/cmdline.js";

const MB = 0x10_0000n;
const PAGES_PER_MB = MB / 0x1000n;

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

// The upstream tables, typed in again here so a wrong cell in the boot core fails a test.
const RELEASE: [number, number, number][] = [
  [2, 96, 2], [2, 98, 4], [2, 100, 4], [2, 104, 4], [4, 108, 2], [4, 110, 6], [4, 112, 6], [4, 118, 8], [4, 130, 12],
  [8, 140, 4], [8, 148, 10], [8, 170, 20], [8, 176, 20], [16, 70, 2], [16, 234, 12], [16, 256, 20], [16, 268, 38],
  [16, 282, 54], [24, 420, 66], [32, 404, 22], [32, 516, 36], [32, 538, 74], [48, 558, 32], [48, 718, 52], [48, 730, 52],
  [48, 746, 78], [64, 712, 42], [64, 924, 68], [64, 938, 68], [96, 1030, 64], [96, 1042, 114], [96, 1058, 114],
  [96, 1340, 102], [96, 1358, 104], [96, 1382, 120], [112, 1566, 288], [128, 1342, 84], [128, 1360, 84], [896, 12912, 516],
];
const DEBUG: [number, number, number][] = [[4, 496, 4], [16, 512, 16], [32, 1024, 32], [32, 1536, 128], [64, 1024, 64], [128, 1024, 128]];

describe("lookup tables", () => {
  it("hold upstream's rows", () => {
    expect(lookupTable(shim, "release")).toEqual(RELEASE);
    expect(lookupTable(shim, "debug")).toEqual(DEBUG);
  });
});

describe("vtl2_calculate_dma_hint", () => {
  it("release table: exact rows, VP counts above the table, and unusual VP counts (upstream test)", () => {
    expect(vtl2CalculateDmaHint(shim, "release", 2, 0x620_0000n)).toBe(4n * PAGES_PER_MB);
    expect(vtl2CalculateDmaHint(shim, "release", 4, 0x6e0_0000n)).toBe(6n * PAGES_PER_MB);
    expect(vtl2CalculateDmaHint(shim, "release", 112, 0x700_0000n)).toBe(22n * PAGES_PER_MB);
    expect(vtl2CalculateDmaHint(shim, "release", 52, 0x600_0000n)).toBe(8n * PAGES_PER_MB);
    expect(vtl2CalculateDmaHint(shim, "release", 52, 0x800_0000n)).toBe(10n * PAGES_PER_MB);
  });
  it("debug table: exact rows and memory beyond the table (upstream test)", () => {
    expect(vtl2CalculateDmaHint(shim, "debug", 4, 496n * MB)).toBe(4n * PAGES_PER_MB);
    expect(vtl2CalculateDmaHint(shim, "debug", 64, 1024n * MB)).toBe(64n * PAGES_PER_MB);
    expect(vtl2CalculateDmaHint(shim, "debug", 128, 1024n * MB)).toBe(128n * PAGES_PER_MB);
    expect(vtl2CalculateDmaHint(shim, "debug", 128, 2048n * MB)).toBe(256n * PAGES_PER_MB);
  });
  it("every table row is an exact match (upstream test_vtl2_calculate_dma_hint_exact_matches)", () => {
    for (const [name, rows] of [["release", RELEASE], ["debug", DEBUG]] as const) {
      for (const [vp, mem, hint] of rows) {
        expect(vtl2CalculateDmaHint(shim, name, vp, BigInt(mem) * MB), `${name} ${vp} VPs ${mem} MiB`).toBe(BigInt(hint) * PAGES_PER_MB);
      }
    }
  });
  it("logs exact and extrapolated hints as upstream does", () => {
    vtl2CalculateDmaHint(shim, "release", 2, 0x620_0000n);
    expect(shim.log()).toEqual(["[INFO] Found exact VTL2 DMA hint: 1024 pages (4 MiB) for 2 VPs and 98 MiB VTL2 memory"]);
    vtl2CalculateDmaHint(shim, "release", 52, 0x800_0000n);
    expect(shim.log()).toEqual(["[INFO] Extrapolated VTL2 DMA hint: 2560 pages (10 MiB) for 52 VPs and 128 MiB VTL2 memory"]);
  });
  it("gives 0 without logging for no memory or memory at the sanity limit", () => {
    expect(vtl2CalculateDmaHint(shim, "release", 16, 0n)).toBe(0n);
    expect(vtl2CalculateDmaHint(shim, "release", 16, 0xffff_ffff_00000n)).toBe(0n);
    expect(shim.log()).toEqual([]);
  });
  it("matches a table row by memory size truncated to 16 bits, as upstream's `as u16` does", () => {
    // 65536 + 98 MiB truncates to 98 MiB: exact match of the (2, 98, 4) row
    expect(vtl2CalculateDmaHint(shim, "release", 2, (65536n + 98n) * MB)).toBe(4n * PAGES_PER_MB);
  });
  it("property: the hint is a 2 MiB multiple whenever it is extrapolated", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2048 }), fc.bigInt(1n, 1n << 40n), (vp, mem) => {
      const hint = vtl2CalculateDmaHint(shim, "release", vp, mem);
      const exact = shim.log()[0]!.startsWith("[INFO] Found exact");
      if (!exact) expect(hint % 512n).toBe(0n);
    }), { numRuns: 200 });
  });
});

describe("pick_private_pool_size", () => {
  it("prefers command line, then a nonzero device tree count, then heuristics (upstream test_right_pages_source)", () => {
    expect(vtl2CalculateDmaHint(shim, "release", 16, 256n * MB)).not.toBe(1500n);
    expect(vtl2CalculateDmaHint(shim, "debug", 16, 256n * MB)).not.toBe(1500n);
    const rel = vtl2CalculateDmaHint(shim, "release", 16, 256n * MB);
    const dbg = vtl2CalculateDmaHint(shim, "debug", 16, 256n * MB);
    const cases: [Vtl2GpaPoolConfig, bigint | null, bigint | null][] = [
      [{ kind: "off" }, 1000n, null],
      [{ kind: "pages", pages: 2000n }, 1000n, 2000n],
      [{ kind: "pages", pages: 2000n }, null, 2000n],
      [{ kind: "heuristics", table: "release" }, 1500n, 1500n],
      [{ kind: "heuristics", table: "debug" }, 0n, dbg],
      [{ kind: "heuristics", table: "debug" }, null, dbg],
      [{ kind: "heuristics", table: "release" }, 0n, rel],
      [{ kind: "heuristics", table: "release" }, null, rel],
    ];
    for (const [cfg, dt, want] of cases) {
      expect(pickPrivatePoolSize(shim, cfg, dt, 16, 256n * MB), `${JSON.stringify(cfg, (_k, v) => (typeof v === "bigint" ? v.toString() : v))} dt=${dt}`).toBe(want);
    }
  });
  it("logs where the size came from", () => {
    pickPrivatePoolSize(shim, { kind: "off" }, null, 1, MB);
    expect(shim.log()).toEqual(["[INFO] vtl2 gpa pool disabled via command line"]);
    pickPrivatePoolSize(shim, { kind: "pages", pages: 2000n }, null, 1, MB);
    expect(shim.log()).toEqual(["[INFO] vtl2 gpa pool enabled via command line with pages: 2000"]);
    pickPrivatePoolSize(shim, { kind: "heuristics", table: "release" }, 1500n, 1, MB);
    expect(shim.log()).toEqual(["[INFO] vtl2 gpa pool enabled via device tree with pages: 1500"]);
    pickPrivatePoolSize(shim, { kind: "heuristics", table: "debug" }, null, 16, 256n * MB);
    expect(shim.log()).toEqual([
      "[INFO] vtl2 gpa pool coming from heuristics table: Debug",
      // only the (16, 512, 16) row has 16 VPs: ratio 32000, 256 * 1000 * 256 / 32000 = 2048 pages
      "[INFO] Extrapolated VTL2 DMA hint: 2048 pages (8 MiB) for 16 VPs and 256 MiB VTL2 memory",
    ]);
  });
});
