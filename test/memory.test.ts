import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { runAddressSpace, type BuilderSpec, type MemoryOp, type OpResult, type Range } from "../host/shim/memory.js";
import { panicOf } from "./helpers/panic.js";

const r = (start: number | bigint, end: number | bigint): Range => ({ start: BigInt(start), end: BigInt(end) });
const ram = (start: number, end: number, vnode = 0) => ({ ...r(start, end), vnode });

// The builder inputs most upstream tests share.
const standard = (vtl2Ram = [ram(0, 0x20000)], used = r(0, 0xf000)): BuilderSpec => ({
  vtl2Ram,
  bootshimUsed: used,
  persistedStateRegion: r(0, 0x2000),
  vtl2Config: [r(0x3000, 0x4000), r(0x5000, 0x6000)],
  reservedRange: r(0x8000, 0xa000),
  sidecarImage: r(0xa000, 0xc000),
});

const alloc = (len: number, policy: "LowMemory" | "HighMemory", vnode?: number, type: "GpaPool" | "SidecarNode" = "GpaPool"): MemoryOp =>
  ({ op: "allocate", vnode, len: BigInt(len), type, policy });

function allocated(res: OpResult): { start: bigint; end: bigint; vnode: number } | null {
  if (res.op !== "allocate" && res.op !== "allocateAligned") throw new Error("not an allocation");
  return res.range;
}

describe("AddressSpaceManager (upstream memory.rs tests)", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("allocates high then low, and leaves the middle free (test_allocate)", () => {
    const { init, results } = runAddressSpace(shim, standard(), [
      alloc(0x1000, "HighMemory"), { op: "hasVtl2Pool" }, alloc(0x2000, "HighMemory"),
      alloc(0x3000, "LowMemory"), alloc(0x1000, "LowMemory"), { op: "freeRanges", vnode: 0 },
    ]);
    expect(init).toEqual({ ok: true });
    expect(allocated(results[0])).toEqual({ ...r(0x1f000, 0x20000), vnode: 0 });
    expect(results[1]).toEqual({ op: "hasVtl2Pool", value: true });
    expect(allocated(results[2])).toEqual({ ...r(0x1d000, 0x1f000), vnode: 0 });
    expect(allocated(results[3])).toEqual({ ...r(0xf000, 0x12000), vnode: 0 });
    expect(allocated(results[4])).toEqual({ ...r(0x12000, 0x13000), vnode: 0 });
    expect(results[5]).toEqual({ op: "freeRanges", ranges: [r(0x13000, 0x1d000)] });
  });

  it("aligns the bottom of low and the top of high allocations (test_allocate_aligned)", () => {
    const { results } = runAddressSpace(shim, standard(), [
      { op: "allocateAligned", len: 0x1000n, type: "GpaPool", policy: "LowMemory", alignment: 0x10000n },
      { op: "allocateAligned", len: 0x1000n, type: "GpaPool", policy: "HighMemory", alignment: 0x4000n },
    ]);
    const low = allocated(results[0])!;
    const high = allocated(results[1])!;
    expect(low.start % 0x10000n).toBe(0n);
    expect(high.end % 0x4000n).toBe(0n);
    expect(low).toEqual({ ...r(0x10000, 0x11000), vnode: 0 });
    expect(high).toEqual({ ...r(0x1f000, 0x20000), vnode: 0 });
  });

  it("fails an allocation no free range can align (test_failed_alignment)", () => {
    const { results } = runAddressSpace(shim, standard(), [
      { op: "allocateAligned", len: 0x1000n, type: "GpaPool", policy: "LowMemory", alignment: 0x200000n },
    ]);
    expect(allocated(results[0])).toBeNull();
  });

  it("allocates from the required NUMA node until it is exhausted (test_allocate_numa)", () => {
    const spec = standard([ram(0, 0x20000, 0), ram(0x20000, 0x40000, 1), ram(0x40000, 0x60000, 2), ram(0x60000, 0x80000, 3)], r(0, 0x10000));
    const { results } = runAddressSpace(shim, spec, [
      alloc(0x1000, "HighMemory", 0), alloc(0x2000, "HighMemory", 0, "SidecarNode"), alloc(0x3000, "HighMemory", 2),
      alloc(0x20000, "HighMemory", 3, "SidecarNode"), alloc(0x1000, "HighMemory", 3, "SidecarNode"),
    ]);
    expect(results.map(allocated)).toEqual([
      { ...r(0x1f000, 0x20000), vnode: 0 },
      { ...r(0x1d000, 0x1f000), vnode: 0 },
      { ...r(0x5d000, 0x60000), vnode: 2 },
      { ...r(0x60000, 0x80000), vnode: 3 },
      null,
    ]);
  });

  it("rounds lengths up to 4K and refuses zero (test_unaligned_allocations)", () => {
    const { results } = runAddressSpace(shim, standard(), [
      alloc(0x1001, "HighMemory"), alloc(0xfff, "HighMemory"), alloc(0, "HighMemory"),
    ]);
    expect(results.map(allocated)).toEqual([{ ...r(0x1e000, 0x20000), vnode: 0 }, { ...r(0x1d000, 0x1e000), vnode: 0 }, null]);
  });

  it("rejects reserved ranges outside the bootshim used range (test_invalid_init_ranges)", () => {
    const base = { vtl2Ram: [ram(0, 0x20000)], bootshimUsed: r(0, 0xf000) };
    const used = "MemoryRange {\n    start: 0x0,\n    end: 0xf000,\n}";
    const outside = runAddressSpace(shim, { ...base, persistedStateRegion: r(0, 0x2000), vtl2Config: [r(0x10000, 0x11000)] }, []);
    expect(outside.init).toEqual({
      ok: false,
      message: `reserved range MemoryRange {\n    start: 0x10000,\n    end: 0x11000,\n}, type Vtl2Config outside of bootshim used ${used}`,
      debug: "ReservedRangeOutsideBootshimUsed { reserved: MemoryRange { start: 65536, end: 69632 }, typ: Vtl2Config, bootshim_used: MemoryRange { start: 0, end: 61440 } }",
    });
    const partial = runAddressSpace(shim, { ...base, persistedStateRegion: r(0, 0x2000), vtl2Config: [r(0xe000, 0x10000)] }, []);
    expect(partial.init.ok).toBe(false);
    expect(!partial.init.ok && partial.init.message).toBe(
      `reserved range MemoryRange {\n    start: 0xf000,\n    end: 0x10000,\n}, type Vtl2Config outside of bootshim used ${used}`);
    const persisted = runAddressSpace(shim, { ...base, persistedStateRegion: r(0x10000, 0x14000), vtl2Config: [r(0xe000, 0xf000)] }, []);
    expect(!persisted.init.ok && persisted.init.message).toBe(
      `reserved range MemoryRange {\n    start: 0x10000,\n    end: 0x11000,\n}, type PersistedStateHeader outside of bootshim used ${used}`);
  });

  it("reports the persisted header page and payload as their own types (test_persisted_range)", () => {
    const base = { vtl2Ram: [ram(0, 0x20000)], bootshimUsed: r(0, 0xf000), vtl2Config: [r(0xe000, 0xf000)] };
    const full = runAddressSpace(shim, { ...base, persistedStateRegion: r(0, 0xe000) }, [{ op: "vtl2Ranges" }]);
    expect(full.results[0]).toEqual({ op: "vtl2Ranges", ranges: [
      { ...r(0, 0x1000), type: "VTL2_PERSISTED_STATE_HEADER" },
      { ...r(0x1000, 0xe000), type: "VTL2_PERSISTED_STATE_PROTOBUF" },
      { ...r(0xe000, 0xf000), type: "VTL2_CONFIG" },
      { ...r(0xf000, 0x20000), type: "VTL2_RAM" },
    ] });
    const gap = runAddressSpace(shim, { ...base, persistedStateRegion: r(0, 0xa000) }, [{ op: "vtl2Ranges" }]);
    expect(gap.results[0]).toEqual({ op: "vtl2Ranges", ranges: [
      { ...r(0, 0x1000), type: "VTL2_PERSISTED_STATE_HEADER" },
      { ...r(0x1000, 0xa000), type: "VTL2_PERSISTED_STATE_PROTOBUF" },
      { ...r(0xa000, 0xe000), type: "VTL2_RAM" },
      { ...r(0xe000, 0xf000), type: "VTL2_CONFIG" },
      { ...r(0xf000, 0x20000), type: "VTL2_RAM" },
    ] });
  });

  it("reserves an existing pool range (test_single_pool_range)", () => {
    const spec: BuilderSpec = { vtl2Ram: [ram(0, 0x20000)], bootshimUsed: r(0, 0x4000), persistedStateRegion: r(0, 0x2000), vtl2Config: [], poolRanges: [[r(0x10000, 0x18000)]] };
    const { results } = runAddressSpace(shim, spec, [{ op: "hasVtl2Pool" }, { op: "reservedVtl2Ranges" }]);
    expect(results[0]).toEqual({ op: "hasVtl2Pool", value: true });
    expect(results[1]).toEqual({ op: "reservedVtl2Ranges", ranges: [
      { ...r(0, 0x1000), type: "PersistedStateHeader" },
      { ...r(0x1000, 0x2000), type: "PersistedStatePayload" },
      { ...r(0x10000, 0x18000), type: "Vtl2GpaPool" },
    ] });
  });

  it("reserves one pool range per node (test_multiple_pool_ranges)", () => {
    const spec: BuilderSpec = {
      vtl2Ram: [ram(0, 0x20000, 0), ram(0x100000, 0x120000, 1)], bootshimUsed: r(0, 0x4000), persistedStateRegion: r(0, 0x2000),
      vtl2Config: [], poolRanges: [[r(0x10000, 0x18000), r(0x110000, 0x118000)]],
    };
    const { results } = runAddressSpace(shim, spec, [{ op: "hasVtl2Pool" }, { op: "reservedVtl2Ranges" }]);
    expect(results[0]).toEqual({ op: "hasVtl2Pool", value: true });
    const pool = (results[1] as { ranges: (Range & { type: string })[] }).ranges.filter((x) => x.type === "Vtl2GpaPool");
    expect(pool).toEqual([{ ...r(0x10000, 0x18000), type: "Vtl2GpaPool" }, { ...r(0x110000, 0x118000), type: "Vtl2GpaPool" }]);
  });

  const poolSpec = (vtl2Ram: ReturnType<typeof ram>[]): BuilderSpec =>
    ({ vtl2Ram, bootshimUsed: r(0, 0x4000), persistedStateRegion: r(0, 0x2000), vtl2Config: [] });

  it("allocates the pool on the only node (test_allocate_pool_single_numa_node)", () => {
    const { results } = runAddressSpace(shim, poolSpec([ram(0, 0x100000)]), [alloc(0x10000, "HighMemory", 0), { op: "hasVtl2Pool" }]);
    expect(allocated(results[0])).toEqual({ ...r(0xf0000, 0x100000), vnode: 0 });
    expect(results[1]).toEqual({ op: "hasVtl2Pool", value: true });
  });

  it("allocates the pool on node 0 when it fits (test_allocate_pool_two_numa_nodes_node0_fits)", () => {
    const { results } = runAddressSpace(shim, poolSpec([ram(0, 0x100000, 0), ram(0x200000, 0x300000, 1)]), [alloc(0x10000, "HighMemory", 0)]);
    expect(allocated(results[0])).toEqual({ ...r(0xf0000, 0x100000), vnode: 0 });
  });

  it("falls to node 1 when node 0 is all bootshim (test_allocate_pool_two_numa_nodes_node0_exhausted)", () => {
    const { results } = runAddressSpace(shim, poolSpec([ram(0, 0x4000, 0), ram(0x200000, 0x300000, 1)]), [
      alloc(0x10000, "HighMemory", 0), { op: "hasVtl2Pool" }, alloc(0x10000, "HighMemory", 1),
    ]);
    expect(allocated(results[0])).toBeNull();
    expect(results[1]).toEqual({ op: "hasVtl2Pool", value: false });
    expect(allocated(results[2])).toEqual({ ...r(0x2f0000, 0x300000), vnode: 1 });
  });
});

describe("AddressSpaceManagerBuilder errors and panics", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("returns AlreadyInitialized on a second init", () => {
    const { results } = runAddressSpace(shim, standard(), [{ op: "initAgain" }]);
    expect(results[0]).toEqual({ op: "initAgain", init: { ok: false, message: "already initialized", debug: "AlreadyInitialized" } });
  });

  it("returns RamLen for more than 64 ram ranges", () => {
    const many = Array.from({ length: 65 }, (_, i) => ram(i * 0x10000, i * 0x10000 + 0x8000));
    const { init } = runAddressSpace(shim, { ...standard(many), bootshimUsed: r(0, 0x8000), vtl2Config: [], reservedRange: undefined, sidecarImage: undefined }, []);
    expect(init).toEqual({ ok: false, message: "ram len 65 greater than maximum 64", debug: "RamLen { len: 65, max: 64 }" });
  });

  it("panics when pool ranges are set twice", () => {
    const spec: BuilderSpec = { ...poolless(), poolRanges: [[r(0x10000, 0x11000)], [r(0x12000, 0x13000)]] };
    expect(panicOf(() => runAddressSpace(shim, spec, []))).toBe("pool ranges already set on builder");
  });

  it("panics when a used range is not VTL2 ram", () => {
    const spec: BuilderSpec = { ...poolless(), poolRanges: [[r(0x30000, 0x31000)]] };
    expect(panicOf(() => runAddressSpace(shim, spec, []))).toBe(
      "vtl2 range MemoryRange {\n    start: 0x30000,\n    end: 0x31000,\n} used by Reserved(Vtl2GpaPool) not contained in vtl2 ram");
  });

  it("returns the reserved-outside error before a later unsorted reserved range is looked at", () => {
    // Upstream returns Err at the first Right piece of its lazy walk; the overlapping Vtl2Config
    // range further up would only panic ("right not sorted") if the walk went on.
    const spec: BuilderSpec = {
      vtl2Ram: [ram(0, 0x20000)], bootshimUsed: r(0, 0xf000),
      persistedStateRegion: r(0x10000, 0x14000), vtl2Config: [r(0x12000, 0x13000)],
    };
    const { init } = runAddressSpace(shim, spec, []);
    expect(init.ok).toBe(false);
    expect(!init.ok && init.debug).toBe(
      "ReservedRangeOutsideBootshimUsed { reserved: MemoryRange { start: 65536, end: 69632 }, typ: PersistedStateHeader, bootshim_used: MemoryRange { start: 0, end: 61440 } }");
  });

  it("panics on the first used range outside VTL2 ram before later unsorted ram is looked at", () => {
    // The RAM list is unsorted past 0x40000, but the pool range at 0x20000 is reached first.
    const spec: BuilderSpec = {
      ...poolless([ram(0, 0x20000), ram(0x40000, 0x50000), ram(0x30000, 0x31000)]),
      poolRanges: [[r(0x20000, 0x21000)]],
    };
    expect(panicOf(() => runAddressSpace(shim, spec, []))).toBe(
      "vtl2 range MemoryRange {\n    start: 0x20000,\n    end: 0x21000,\n} used by Reserved(Vtl2GpaPool) not contained in vtl2 ram");
  });

  it("panics on a non power of two alignment", () => {
    expect(panicOf(() => runAddressSpace(shim, standard(), [
      { op: "allocateAligned", len: 0x1000n, type: "GpaPool", policy: "LowMemory", alignment: 0x3000n },
    ]))).toBe("assertion failed: alignment.is_power_of_two()");
  });
});

function poolless(vtl2Ram = [ram(0, 0x20000)]): BuilderSpec {
  return { vtl2Ram, bootshimUsed: r(0, 0x4000), persistedStateRegion: r(0, 0x2000), vtl2Config: [] };
}

describe("AddressSpaceManager invariants (properties)", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  // Random layouts: per node one or two ram ranges (in pages), allocations of random sizes/policies.
  const layout = fc.record({
    nodes: fc.array(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 4 }),
    gaps: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 8, maxLength: 8 }),
    allocs: fc.array(fc.record({
      pages: fc.integer({ min: 0, max: 40 }), extra: fc.integer({ min: 0, max: 0xfff }),
      high: fc.boolean(), node: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      type: fc.constantFrom("GpaPool", "SidecarNode", "TdxPageTables" as const),
    }), { maxLength: 12 }),
  });

  it("keeps ranges sorted, disjoint, inside VTL2 ram, with exact sizes and Low/High picking the extreme fit", () => {
    fc.assert(fc.property(layout, ({ nodes, gaps, allocs }) => {
      const P = 0x1000;
      const vtl2Ram: ReturnType<typeof ram>[] = [];
      let at = 0x100000;
      let g = 0;
      nodes.forEach((sizes, vnode) => sizes.forEach((pages) => {
        at += gaps[g++ % gaps.length] * P;
        vtl2Ram.push(ram(at, at + pages * P, vnode));
        at += pages * P;
      }));
      const first = vtl2Ram[0];
      const usedEnd = first.start + BigInt(Math.min(2, Number((first.end - first.start) / BigInt(P))) * P);
      const spec: BuilderSpec = { vtl2Ram, bootshimUsed: r(first.start, usedEnd), persistedStateRegion: r(first.start, first.start + BigInt(P)), vtl2Config: [] };
      const ops: MemoryOp[] = [];
      for (const a of allocs) {
        for (let n = 0; n < nodes.length; n++) ops.push({ op: "freeRanges", vnode: n });
        ops.push({ op: "allocate", vnode: a.node, len: BigInt(a.pages * P + (a.pages > 0 ? a.extra : 0)), type: a.type, policy: a.high ? "HighMemory" : "LowMemory" });
      }
      ops.push({ op: "vtl2Ranges" });
      const { init, results } = runAddressSpace(shim, spec, ops);
      expect(init).toEqual({ ok: true });
      let k = 0;
      const taken: Range[] = [];
      for (const a of allocs) {
        const free: (Range & { vnode: number })[] = [];
        for (let n = 0; n < nodes.length; n++) {
          for (const fr of (results[k++] as { ranges: Range[] }).ranges) free.push({ ...fr, vnode: n });
        }
        free.sort((x, y) => (x.start < y.start ? -1 : 1));
        const got = allocated(results[k++]);
        const need = BigInt(Math.ceil((a.pages * P + (a.pages > 0 ? a.extra : 0)) / P) * P);
        const fits = free.filter((f) => f.end - f.start >= need && (a.node === undefined || f.vnode === a.node));
        if (need === 0n || fits.length === 0) {
          expect(got).toBeNull();
          continue;
        }
        expect(got).not.toBeNull();
        expect(got!.end - got!.start).toBe(need);
        const pick = a.high ? fits[fits.length - 1] : fits[0];
        if (a.high) expect(got!.end).toBe(pick.end);
        else expect(got!.start).toBe(pick.start);
        expect(got!.vnode).toBe(pick.vnode);
        expect(vtl2Ram.some((e) => e.start <= got!.start && got!.end <= e.end && e.vnode === got!.vnode)).toBe(true);
        for (const t of taken) expect(got!.end <= t.start || got!.start >= t.end).toBe(true);
        taken.push(got!);
      }
      const ranges = (results[k] as { ranges: (Range & { type: string })[] }).ranges;
      // Sorted, disjoint, and covering exactly the VTL2 ram.
      for (let i = 1; i < ranges.length; i++) expect(ranges[i - 1].end <= ranges[i].start).toBe(true);
      const covered = ranges.reduce((s, x) => s + (x.end - x.start), 0n);
      expect(covered).toBe(vtl2Ram.reduce((s, x) => s + (x.end - x.start), 0n));
      // vtl2_ranges merges adjacent ranges of one type, so compare against the flattened ram.
      const flat: Range[] = [];
      for (const e of vtl2Ram) {
        const last = flat[flat.length - 1];
        if (last && last.end === e.start) last.end = e.end;
        else flat.push({ start: e.start, end: e.end });
      }
      for (const x of ranges) expect(flat.some((e) => e.start <= x.start && x.end <= e.end)).toBe(true);
    }), { numRuns: 150 });
  });
});
