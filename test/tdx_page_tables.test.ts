// setup_vtl2_memory's TDX AP page tables (openhcl_boot arch/x86_64/memory.rs) and the identity-map
// builder checks behind them (vm/loader/page_table/src/x64.rs), through the real boot core.
//
// Upstream, right after validate_vp_hw_ids and before start_sidecar, a TDX shim allocates
// PAGE_TABLE_MAX_BYTES = 20 pages = 0x14000 bytes with allocate_aligned(None, .., TdxPageTables,
// LowMemory, X64_LARGE_PAGE_SIZE): the first Free address-space range (lowest address, any node)
// whose 2 MiB aligned subrange holds 0x14000 bytes gives its aligned start. Free means VTL2 RAM
// outside the bootshim's used range [memory start, used_end) and outside every reserved range.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { parseImage } from "../host/image/resolve.js";
import { resolveImage, loadImage } from "../host/image/load.js";
import { loadTestShim } from "../host/wasm/node.js";
import { ShimPanic, type Shim } from "../host/wasm/loader.js";
import { bootImage, type BootImageResult } from "../host/harness/boot.js";
import { serviceImage, topologyOf } from "../host/harness/service.js";
import { persistInputFromBoot, writePersistedInfo, type BootTopology } from "../host/persist/save.js";
import { pageTableBuild, PAGE_TABLE_MAX_COUNT } from "../host/shim/tdx_page_tables.js";
import { runHandoff } from "../host/shim/handoff.js";
import { partition, BOUNCE_BUFFER } from "./helpers/handoff.js";
import { join } from "node:path";
import { dtcDecode } from "./helpers/dtc.js";

const IMAGES = join(__dirname, "..", "images");
const KB4 = 0x1000n;
const MB2 = 0x20_0000n;
const GB1 = 0x4000_0000n;

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

const boot = (image: unknown): BootImageResult => bootImage(resolveImage(parseImage(image), IMAGES), { shim });
const bootFile = (name: string): BootImageResult => bootImage(loadImage(join(IMAGES, name)), { shim });
const hx = (v: bigint) => "0x" + v.toString(16);
const R = (start: bigint, end: bigint, type: string, vnode = 0) => ({ start: hx(start), end: hx(end), vnode, type });

/** The panic a boot ends with (fails the test when it completes). */
function panicOf(image: unknown): ShimPanic {
  try {
    boot(image);
  } catch (e) {
    if (e instanceof ShimPanic) return e;
    throw e;
  }
  throw new Error("boot completed; a panic was expected");
}

/** A TDX VM whose VTL2 image sits at the IGVM file's 128 MiB base (below 4 GiB). */
const tdxLow = (extra: Record<string, unknown> = {}) => ({
  isolation: "tdx",
  vm: { cpus: { count: 2 }, memory: { size: "0x100000000" }, vtl2: { mode: "file" } },
  ...extra,
});

/**
 * A TDX VM in vtl2-allocate mode: RAM 0..0xa000000 (VTL2's 32 MiB file range at 128 MiB inside it),
 * then `n` one-MiB-and-a-page RAM ranges at 0x10001000 + k·4 MiB, which the shim takes top-down
 * for the rest of its `memory-size`, so VTL2 RAM gets `n` extra ranges, each inside one 2 MiB piece.
 */
function tdxFragments(n: number) {
  const ranges = [{ start: "0x0", end: "0xa000000" }];
  for (let k = 0; k < n; k++) {
    const s = 0x1000_1000n + BigInt(k) * 0x40_0000n;
    ranges.push({ start: hx(s), end: hx(s + 0x10_1000n) });
  }
  return {
    isolation: "tdx",
    vm: {
      cpus: { count: 2 },
      memory: { ranges },
      vtl2: { mode: "vtl2-allocate", igvmSize: "0x2000000", size: hx(0x200_0000n + BigInt(n) * 0x10_1000n) },
    },
  };
}

describe("setup_vtl2_memory on TDX: the AP page-table allocation", () => {
  it("images/tdx.json: 20 pages at 0x1c1000000, the first 2 MiB boundary of free VTL2 RAM, typed VTL2_TDX_PAGE_TABLES", () => {
    const r = bootFile("tdx.json");
    // VTL2 RAM 0x1c0000000..0x1e0000000; used (persisted state .. page tables) ends below 0x1c1000000,
    // so the first free range is [used_end, 0x1e0000000) and its 2 MiB aligned start is 0x1c1000000.
    expect(r.output.addressSpace).toEqual([
      R(0x1c000_0000n, 0x1c000_1000n, "VTL2_PERSISTED_STATE_HEADER"),
      R(0x1c000_1000n, 0x1c001_4000n, "VTL2_PERSISTED_STATE_PROTOBUF"),
      R(0x1c001_4000n, 0x1c0e4_3000n, "VTL2_RAM"),
      R(0x1c0e4_3000n, 0x1c0e4_7000n, "VTL2_RESERVED"),
      R(0x1c0e4_7000n, 0x1c0e6_f000n, "VTL2_CONFIG"),
      R(0x1c0e6_f000n, 0x1c0ea_f000n, "VTL2_RAM"),
      R(0x1c0ea_f000n, 0x1c0eb_1000n, "VTL2_CONFIG"),
      R(0x1c0eb_1000n, 0x1c0eb_3000n, "VTL2_BOOTSHIM_LOG_BUFFER"),
      R(0x1c0eb_3000n, 0x1c10_00000n, "VTL2_RAM"),
      R(0x1c10_00000n, 0x1c10_14000n, "VTL2_TDX_PAGE_TABLES"),
      R(0x1c10_14000n, 0x1e00_00000n, "VTL2_RAM"),
    ]);
    // setup_vtl2_memory logs nothing: the log is the one of the boot without the allocation.
    expect(r.output.bootLog.slice(-3)).toEqual([
      "[INFO] openhcl_boot: logging enabled",
      "[INFO] uninitializing hypercalls",
      "[INFO] about to jump to kernel",
    ]);
  });

  it("images/tdx.json: the E820 map reports the page tables as reserved between two RAM entries", () => {
    const e820 = bootFile("tdx.json").e820;
    expect(e820.length).toBe(11);
    expect(e820.slice(8)).toEqual([
      { addr: 0x1c0eb_3000n, size: 0x14_d000n, type: 1 },
      { addr: 0x1c10_00000n, size: 0x14000n, type: 2 },
      { addr: 0x1c10_14000n, size: 0x1efe_c000n, type: 1 },
    ]);
  });

  it("images/tdx.json: the kernel device tree has a /memreserve/ entry and an openhcl memory node of type 9 for it", () => {
    const dts = dtcDecode(bootFile("tdx.json").kernelDtb);
    expect(dts).toContain("/memreserve/\t0x00000001c1000000 0x0000000000014000;");
    expect(dts).toContain(
      'memory@1c1000000 {\n\t\t\tdevice_type = "memory-openhcl";\n\t\t\treg = <0x01 0xc1000000 0x00 0x14000>;\n\t\t\tnuma-node-id = <0x00>;\n\t\t\tmicrosoft,igvm-type = <0x03>;\n\t\t\topenhcl,memory-type = <0x09>;',
    );
    expect(dts).toContain('memory@1c1014000 {\n\t\t\tdevice_type = "memory-openhcl";\n\t\t\treg = <0x01 0xc1014000 0x00 0x1efec000>;');
    expect(dts.match(/\/memreserve\//g)?.length).toBe(7);
  });

  it("VTL2 below 4 GiB (file mode at 128 MiB): the page tables go to 0x9000000 and the boot completes", () => {
    const r = boot(tdxLow());
    const pt = r.output.addressSpace.filter((a) => a.type === "VTL2_TDX_PAGE_TABLES");
    expect(pt).toEqual([R(0x900_0000n, 0x901_4000n, "VTL2_TDX_PAGE_TABLES")]);
    expect(r.output.addressSpace.at(-1)).toEqual(R(0x901_4000n, 0x2800_0000n, "VTL2_RAM"));
  });

  it("the allocation panics when no free VTL2 RAM has a 2 MiB aligned 80 KiB piece (used_end = end of VTL2 memory)", () => {
    const e = panicOf(tdxLow({ shim: { usedEnd: "0x28000000" } }));
    expect(e.message).toBe("allocation of space for TDX page tables must succeed");
    expect(e.log.at(-1)).toBe("[ERROR] panicked: allocation of space for TDX page tables must succeed");
  });
});

describe("setup_vtl2_memory on TDX: the hand-off on an explicit partition", () => {
  it("allocates at the lowest 2 MiB boundary of free VTL2 RAM (1 GiB here) before the sidecar, reserved in E820", () => {
    // partition(2, 1): 16 MiB of free VTL2 RAM at 1 GiB on node 0.
    const r = runHandoff(shim, { ...partition(2, 1), isolation: "tdx", bounceBuffer: BOUNCE_BUFFER });
    expect(r.e820).toEqual([
      { addr: GB1, size: 0x14000n, type: 2 },
      { addr: GB1 + 0x14000n, size: 16n * 0x10_0000n - 0x14000n, type: 1 },
    ]);
    expect(dtcDecode(r.dtb)).toContain("/memreserve/\t0x0000000040000000 0x0000000000014000;");
  });

  it("the same partition as SNP gets no page tables", () => {
    const r = runHandoff(shim, { ...partition(2, 1), isolation: "snp", bounceBuffer: BOUNCE_BUFFER });
    expect(r.e820).toEqual([{ addr: GB1, size: 16n * 0x10_0000n, type: 1 }]);
  });

  it("without a bounce buffer the TDX hand-off stops at the hypercall page's alignment assert", () => {
    let e: unknown;
    try {
      runHandoff(shim, { ...partition(2, 1), isolation: "tdx" });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ShimPanic);
    expect((e as ShimPanic).message).toBe("assertion failed: free_buffer.is_multiple_of(X64_LARGE_PAGE_SIZE)");
  });
});

describe("setup_vtl2_memory on TDX: what the AP page tables map", () => {
  // Mapped: the VTL2_RAM ranges below 4 GiB, then the reset vector page 0xfffff000. Tables for
  // tdxFragments(n): PML4, PDPT, PD(GiB 0), PTs for the file range's unaligned pieces (2 MiB pieces
  // 64, 71, 72: 0x8014000, 0x8e43000..0x9000000, 0x9014000), one PT per fragment, PD(GiB 3) and
  // the reset vector's PT = 8 + n. PAGE_TABLE_MAX_COUNT is 20.
  it("12 fragments need exactly 20 page tables: the boot completes", () => {
    const r = boot(tdxFragments(12));
    expect(r.output.vtl2Ram.length).toBe(13);
    expect(r.output.addressSpace.find((a) => a.type === "VTL2_TDX_PAGE_TABLES")).toEqual(R(0x900_0000n, 0x901_4000n, "VTL2_TDX_PAGE_TABLES"));
    expect(r.output.addressSpace.filter((a) => a.type === "VTL2_RAM").length).toBe(4 + 12);
  });

  it("13 fragments need 21: build() fails with NotEnoughMemory", () => {
    const e = panicOf(tdxFragments(13));
    expect(e.message).toBe("page table construction must succeed: NotEnoughMemory");
    expect(e.log.slice(-2)).toEqual(["[INFO] openhcl_boot: logging enabled", "[ERROR] panicked: page table construction must succeed: NotEnoughMemory"]);
  });

  it("64 VTL2_RAM ranges fill the 64-entry list, so pushing the reset vector page fails (60 fragments + 4 file pieces)", () => {
    expect(panicOf(tdxFragments(60)).message).toBe("called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity");
  });

  it("65 VTL2_RAM ranges overflow the list while extending it (61 fragments)", () => {
    expect(panicOf(tdxFragments(61)).message).toBe("ArrayVec: capacity exceeded in extend/from_iter");
  });

  it("VTL2 RAM covering the reset vector page overlaps its mapping: PageTableBuilder::new fails", () => {
    const e = panicOf({
      isolation: "tdx",
      vm: {
        cpus: { count: 2 },
        memory: { ranges: [{ start: "0x0", end: "0x100000000" }], mmioGaps: [{ start: "0x100000000", end: "0x110000000" }, { start: "0x140000000", end: "0x160000000" }] },
        vtl2: { mode: "absolute", range: { start: "0xe0000000", end: "0x100000000" } },
      },
    });
    expect(e.message).toBe("page table builder must return no error: OverlappingMappings");
  });
});

describe("setup_vtl2_memory: the bounce buffer", () => {
  // A pending (not accepted) imported region straddling a 2 MiB boundary: its first 2 MiB piece is
  // [0x85ff000, 0x8600000), one page, copied through the bounce buffer on SNP and TDX.
  const pending = [{ start: "0x85ff000", end: "0x8603000", accepted: false }];
  const accepted = [{ start: "0x8400000", end: "0x8401000", accepted: true }];

  it("TDX without a bounce buffer: slicing the first 2 MiB piece of a pending region out of the empty buffer panics", () => {
    const e = panicOf(tdxLow({ shim: { bounceBufferSize: "0x0" }, importedRegions: pending }));
    expect(e.message).toBe("range end index 4096 out of range for slice of length 0");
  });

  it("SNP without a bounce buffer: the same slice panic", () => {
    const e = panicOf({ ...tdxLow({ shim: { bounceBufferSize: "0x0" }, importedRegions: pending }), isolation: "snp" });
    expect(e.message).toBe("range end index 4096 out of range for slice of length 0");
  });

  it("with the bounce buffer the same pending region is accepted and the boot completes", () => {
    expect(boot(tdxLow({ importedRegions: pending })).output.ok).toBe(true);
  });

  it("VBS accepts pending regions by hypercall: no bounce buffer needed", () => {
    const r = boot({ ...tdxLow({ shim: { bounceBufferSize: "0x0" }, importedRegions: pending }), isolation: "vbs" });
    expect(r.output.ok).toBe(true);
  });

  it("TDX without a bounce buffer and nothing pending: the TDVMCALL page (the empty buffer's dangling address) is not 2 MiB aligned", () => {
    const e = panicOf(tdxLow({ shim: { bounceBufferSize: "0x0" }, importedRegions: accepted }));
    expect(e.message).toBe("assertion failed: free_buffer.is_multiple_of(X64_LARGE_PAGE_SIZE)");
  });

  it("SNP without a bounce buffer and nothing pending boots (the hypercall page is TDX only)", () => {
    const r = boot({ ...tdxLow({ shim: { bounceBufferSize: "0x0" }, importedRegions: accepted }), isolation: "snp" });
    expect(r.output.addressSpace.some((a) => a.type === "VTL2_TDX_PAGE_TABLES")).toBe(false);
  });
});

describe("other isolation types are unaffected", () => {
  it.each(["snp.json", "small.json", "typical.json", "vtl2-allocate.json"])("%s has no VTL2_TDX_PAGE_TABLES range", (name) => {
    const r = bootFile(name);
    expect(r.output.addressSpace.some((a) => a.type === "VTL2_TDX_PAGE_TABLES")).toBe(false);
    expect(r.e820.some((e) => e.addr === 0x1c10_00000n && e.size === 0x14000n)).toBe(false);
  });

  it("snp.json keeps one VTL2_RAM range from the log buffer's end to the end of VTL2 memory", () => {
    expect(bootFile("snp.json").output.addressSpace.at(-1)).toEqual(R(0x1c0eb_3000n, 0x1e00_00000n, "VTL2_RAM"));
  });

  it("a VBS VM below 4 GiB (file mode) has none either", () => {
    const r = boot({ ...tdxLow(), isolation: "vbs" });
    expect(r.output.addressSpace.some((a) => a.type === "VTL2_TDX_PAGE_TABLES")).toBe(false);
    expect(r.output.addressSpace.at(-1)!.end).toBe("0x28000000");
  });
});

describe("servicing and VTL2_TDX_PAGE_TABLES", () => {
  it("a TDX boot ignores persisted state (isolated): the second boot is a first boot and allocates the same page tables", () => {
    const s = serviceImage(loadImage(join(IMAGES, "tdx.json")), { shim });
    expect(s.second.output.bootLog).not.toContain("[INFO] found persisted state header");
    const pt = (o: typeof s.first.output) => o.addressSpace.filter((a) => a.type === "VTL2_TDX_PAGE_TABLES");
    expect(pt(s.second.output)).toEqual([R(0x1c10_00000n, 0x1c10_14000n, "VTL2_TDX_PAGE_TABLES")]);
    expect(s.second.output.addressSpace).toEqual(s.first.output.addressSpace);
  });

  it("a non-isolated restore counts a saved VTL2_TDX_PAGE_TABLES range as VTL2 RAM and does not reserve it again", () => {
    const first = bootFile("small.json");
    const partition: BootTopology = topologyOf(first.output);
    // Carve 20 pages at the start of the last VTL2_RAM range's first 2 MiB boundary and save them as TDX page tables.
    const ram = [...partition.addressSpace].reverse().find((a) => a.type === "VTL2_RAM")!;
    const ptStart = (ram.start + MB2 - 1n) & ~(MB2 - 1n);
    const ptEnd = ptStart + 20n * KB4;
    expect(ptEnd <= ram.end).toBe(true);
    const addressSpace = partition.addressSpace.flatMap((a) =>
      a === ram
        ? [
            { ...a, end: ptStart },
            { ...a, start: ptStart, end: ptEnd, type: "VTL2_TDX_PAGE_TABLES" as const },
            { ...a, start: ptEnd },
          ].filter((x) => x.start < x.end)
        : [a],
    );
    const saved = writePersistedInfo(persistInputFromBoot({ ...partition, addressSpace }));
    expect(saved.state.partitionMemory.some((m) => m.vtlType === 9 && m.start === ptStart && m.end === ptEnd)).toBe(true);
    const second = bootImage(loadImage(join(IMAGES, "small.json")), { shim, persistedState: saved.image });
    expect(second.output.bootLog).toContain("[INFO] found persisted state header");
    // Only pool ranges are taken over from the saved state: the range is plain VTL2 RAM again.
    expect(second.output.addressSpace).toEqual(first.output.addressSpace);
    expect(second.output.addressSpace.some((a) => a.type === "VTL2_TDX_PAGE_TABLES")).toBe(false);
  });
});

// ---- the identity-map builder ----

/**
 * The upstream builder, literally: one leaf per loop step, directories created on first use
 * (keyed by table and entry index), tables counted from the PML4 at index 0.
 */
function modelTableCount(ranges: { start: bigint; end: bigint }[]): number {
  const span = [0x1000n, 0x20_0000n, 0x4000_0000n, 0x80_0000_0000n]; // Pt, Pd, Pdpt, Pml4
  const dirs = new Map<string, number>();
  let index = 0;
  for (const r of ranges) {
    let va = r.start;
    while (va < r.end) {
      let table = 0;
      for (let level = 3; level >= 0; level--) {
        const size = span[level]!;
        if (va % size === 0n && va + size <= r.end) {
          if (level === 3) throw new Error("PML4 leaf");
          va += size;
          break;
        }
        const entry = (va >> (12n + 9n * BigInt(level))) & 511n;
        const key = `${table}:${entry}`;
        let child = dirs.get(key);
        if (child === undefined) {
          child = ++index;
          dirs.set(key, child);
        }
        table = child;
      }
    }
  }
  return index + 1;
}

describe("PageTableBuilder (page_table x64 tests, in our words)", () => {
  const GB = GB1;
  it.each([
    [[0n, GB], 2],
    [[0n, MB2], 3],
    [[0n, KB4], 4],
    [[KB4, GB], 4],
    [[MB2, GB], 3],
    [[MB2, GB + KB4], 5],
    [[MB2, GB + MB2], 4],
  ] as const)("maps %s with %i page tables", ([start, end], tables) => {
    expect(pageTableBuild(shim, [{ start, end }])).toEqual({ tables });
    expect(modelTableCount([{ start, end }])).toBe(tables);
  });

  it("rejects overlapping mappings", () => {
    expect(pageTableBuild(shim, [{ start: KB4, end: GB }, { start: MB2, end: GB }])).toEqual({ error: "OverlappingMappings" });
  });

  it("rejects a range that ends before it starts", () => {
    expect(pageTableBuild(shim, [{ start: GB, end: KB4 }])).toEqual({ error: "InvalidRange" });
  });

  it("rejects unsorted mappings (checked before overlap)", () => {
    expect(pageTableBuild(shim, [{ start: MB2, end: 2n * MB2 }, { start: 0n, end: KB4 }])).toEqual({ error: "UnsortedMappings" });
  });

  it("touching ranges share the page table of their common 2 MiB piece", () => {
    expect(pageTableBuild(shim, [{ start: KB4, end: 2n * KB4 }, { start: 2n * KB4, end: 3n * KB4 }])).toEqual({ tables: 4 });
  });

  it("the shim's mapping of images/tdx.json (reset vector page only) takes 4 tables; 20 is the limit", () => {
    expect(pageTableBuild(shim, [{ start: 0xffff_f000n, end: 0x1_0000_0000n }])).toEqual({ tables: 4 });
    expect(PAGE_TABLE_MAX_COUNT).toBe(20);
  });

  it("property: the table count equals the literal builder's on sorted, non-overlapping page-aligned ranges", () => {
    // Boundaries biased to 4 KiB / 2 MiB / 1 GiB multiples, below 1 TiB (two PDPTs possible).
    const point = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 28n) - 1n }).map((p) => p * KB4),
      fc.bigInt({ min: 0n, max: (1n << 19n) - 1n }).map((p) => p * MB2),
      fc.bigInt({ min: 0n, max: 1023n }).map((p) => p * GB),
      fc.tuple(fc.bigInt({ min: 0n, max: 1023n }), fc.bigInt({ min: -3n, max: 3n })).map(([g, d]) => {
        const v = g * GB + d * KB4;
        return v < 0n ? 0n : v;
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(point, { minLength: 2, maxLength: 16, comparator: (a, b) => a === b }), fc.boolean(), (pts, touch) => {
        const sorted = [...pts].sort((a, b) => (a < b ? -1 : 1));
        const ranges: { start: bigint; end: bigint }[] = [];
        for (let i = 0; i + 1 < sorted.length; i += touch ? 1 : 2) ranges.push({ start: sorted[i]!, end: sorted[i + 1]! });
        fc.pre(ranges.every((r) => !(r.start % 0x80_0000_0000n === 0n && r.end - r.start >= 0x80_0000_0000n)));
        expect(pageTableBuild(shim, ranges)).toEqual({ tables: modelTableCount(ranges) });
      }),
      { numRuns: 300 },
    );
  });
});
