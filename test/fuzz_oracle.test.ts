// The fuzzer's oracle: failure classification against upstream sites and boot-output invariants.
import { describe, it, expect } from "vitest";
import { classifyFailure } from "../host/fuzz/upstream_messages.js";
import { checkBootOutput, judgeFailure, insideUnion, sortedDisjoint, checkSame } from "../host/fuzz/oracle.js";
import type { BootOutput } from "../host/contract.js";
import { byteTarget } from "../host/fuzz/targets/bytes.js";
import { loadShim } from "../host/wasm/node.js";

describe("classifyFailure", () => {
  it("knows upstream panic and error texts", () => {
    expect(classifyFailure("left not sorted")?.site).toContain("memory_range");
    expect(classifyFailure("host provided MMIO range is insufficient to cover VTL2")?.site).toContain("NotEnoughVtl2Mmio");
    expect(classifyFailure("failed to allocate 0x200000 for vnode 0x1, no memory remaining for vnode")?.site).toContain("vnode-exhausted");
    expect(classifyFailure("ram at 4096..8192 of type Ram overlaps ram at 4096..12288 of type Ram")?.site).toContain("MemoryRegOverlap");
    expect(classifyFailure("Parsing failed due to: FDT header magic field invalid")?.site).toContain("host_fdt_parser");
    expect(classifyFailure("Parsing failed due to: no cpus")).toBeNull(); // only host_fdt_parser / fdt texts follow the prefix
    expect(classifyFailure("memory allocation of 65536 bytes failed")?.site).toContain("bump_alloc");
    expect(classifyFailure("RangeList full: output needs more than its capacity of 3 ranges")?.site).toContain("range_list");
  });
  it("rejects messages no upstream site prints", () => {
    expect(classifyFailure("index out of bounds")).toBeNull();
    expect(classifyFailure("left not sorted!")).toBeNull();
  });
});

describe("judgeFailure", () => {
  it("passes known sites, flags unknown failures and traps", () => {
    expect(judgeFailure("no cpus")).toEqual({ ok: true, failedAt: "openhcl/openhcl_boot/src/main.rs:651 main.no-cpus", site: "main.no-cpus" });
    expect(judgeFailure("something else")).toMatchObject({ ok: false, kind: "unknown-failure" });
    expect(judgeFailure("wasm trap: unreachable")).toMatchObject({ ok: false, kind: "trap" });
  });
});

const r = (start: number, end: number) => ({ start: "0x" + start.toString(16), end: "0x" + end.toString(16) });
function boot(over: Partial<BootOutput> = {}): BootOutput {
  return {
    ok: true, arch: "x86_64", isolation: "none", memoryAllocationMode: { mode: "host" }, cpuCount: 2,
    vtl2Ram: [{ ...r(0x100000, 0x300000), vnode: 0, igvmType: 1 }, { ...r(0x400000, 0x500000), vnode: 1, igvmType: 1 }],
    partitionRam: [],
    vtl0Mmio: [r(0xf0000000, 0xf8000000)], vtl2Mmio: [r(0xf8000000, 0x100000000)],
    addressSpace: [{ ...r(0x100000, 0x200000), vnode: 0, type: "VTL2_RAM" }, { ...r(0x400000, 0x410000), vnode: 1, type: "VTL2_GPA_POOL" }],
    sidecar: null, kernelCommandLine: "", bootLog: [], ...over,
  };
}

describe("checkBootOutput", () => {
  it("accepts a consistent boot", () => {
    expect(checkBootOutput(boot(), { poolBytes: 0x10000n, mmioGaps: [{ start: 0xf0000000n, end: 0x100000000n }] })).toEqual({ ok: true });
  });
  it("catches overlapping address-space ranges", () => {
    const v = checkBootOutput(boot({ addressSpace: [{ ...r(0x100000, 0x200000), vnode: 0, type: "VTL2_RAM" }, { ...r(0x1ff000, 0x210000), vnode: 0, type: "VTL2_CONFIG" }] }));
    expect(v).toMatchObject({ ok: false, kind: "invariant" });
    expect(!v.ok && v.message).toContain("invariant sorted");
  });
  it("catches a range outside VTL2 RAM and one on the wrong node", () => {
    expect(checkBootOutput(boot({ addressSpace: [{ ...r(0x300000, 0x301000), vnode: 0, type: "VTL2_RAM" }] }))).toMatchObject({ ok: false, message: expect.stringContaining("inside-vtl2-ram") });
    expect(checkBootOutput(boot({ addressSpace: [{ ...r(0x400000, 0x401000), vnode: 0, type: "VTL2_RAM" }] }))).toMatchObject({ ok: false, message: expect.stringContaining("inside-node") });
  });
  it("catches a wrong pool size, overlapping MMIO and MMIO outside the gaps", () => {
    expect(checkBootOutput(boot(), { poolBytes: 0x20000n })).toMatchObject({ ok: false, message: expect.stringContaining("pool-size") });
    expect(checkBootOutput(boot({ vtl2Mmio: [r(0xf7000000, 0xf9000000)] }))).toMatchObject({ ok: false, message: expect.stringContaining("mmio-disjoint") });
    expect(checkBootOutput(boot(), { mmioGaps: [{ start: 0xf0000000n, end: 0xf8000000n }] })).toMatchObject({ ok: false, message: expect.stringContaining("mmio-in-gaps") });
  });
  it("helpers: sortedDisjoint, insideUnion, checkSame", () => {
    expect(sortedDisjoint([{ start: 0n, end: 1n }, { start: 1n, end: 2n }])).toBeNull();
    expect(sortedDisjoint([{ start: 0n, end: 2n }, { start: 1n, end: 3n }])).toContain("not after");
    expect(insideUnion({ start: 1n, end: 5n }, [{ start: 0n, end: 3n }, { start: 3n, end: 6n }])).toBe(true);
    expect(insideUnion({ start: 1n, end: 5n }, [{ start: 0n, end: 3n }, { start: 4n, end: 6n }])).toBe(false);
    expect(checkSame("a", "b")).toMatchObject({ ok: false, kind: "nondeterminism" });
  });
});

describe("targets not wired", () => {
  it("a byte target without a runner reports it is not available in this build", async () => {
    const shim = await loadShim();
    const t = byteTarget({ name: "x", summary: "", ext: "bin", runner: () => undefined, missing: "no runner", synthesize: () => new Uint8Array(0), reproducer: () => ({ files: {}, replay: "" }) });
    expect(() => t.prepare(shim)).toThrow("target x not available in this build: no runner");
  });
});
