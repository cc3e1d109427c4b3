// Regression tests from the exactness audit of the partition topology (memory.rs, host_params/dt):
// each case drives a branch where the order of upstream's lazy iterators, or the exact panic text,
// decides the outcome. Expected values are worked out from the Rust at the pinned commit.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import { Shim, ShimPanic } from "../host/wasm/loader.js";
import { runAddressSpace, type Range } from "../host/shim/memory.js";
import { readFromDtValues, type ShimValues, type HostDtValues, type ReadOptions } from "../host/shim/partition.js";
import { join } from "node:path";
import { loadImage } from "../host/image/load.js";
import { guestMemoryLayout, vtl2ImageInput } from "../host/image/inputs.js";
import { GuestMemory } from "../host/guest/guest_memory.js";
import { loadVtl2Image } from "../host/vtl2/load.js";
import type { BootResult } from "../host/shim/boot.js";
import { persistInputFromBoot, writePersistedInfo, type BootTopology } from "../host/persist/save.js";
import { r, MEMORY, VTL2_PROTECTABLE, MB, GB, shimBase, vtl0Mmio, hostDt, vtl2Dt } from "./helpers/partition.js";
import { load, boot } from "./helpers/boot.js";
import { panicOf, failureOf } from "./helpers/panic.js";

const ram = (start: number, end: number, vnode = 0) => ({ ...r(start, end), vnode });

const pretty = (start: bigint, end: bigint) =>
  `MemoryRange {\n    start: 0x${start.toString(16)},\n    end: 0x${end.toString(16)},\n}`;

const PAGE = 0x1000n;

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

describe("AddressSpaceManagerBuilder::init walks lazily", () => {
  it("returns ReservedRangeOutsideBootshimUsed before reaching overlapping reserved ranges further up", () => {
    // Reserved, sorted: config 0x1000 (outside used), header 0x4000, payload 0x5000, reserved
    // 0x8000..0xa000, sidecar 0x9000..0xb000 (overlaps). The walk stops at the config piece and
    // returns the error; it never pulls the sidecar range, whose start is behind the walk.
    const { init } = runAddressSpace(shim, {
      vtl2Ram: [ram(0, 0x20000)], bootshimUsed: r(0x4000, 0x10000), persistedStateRegion: r(0x4000, 0x6000),
      vtl2Config: [r(0x1000, 0x2000)], reservedRange: r(0x8000, 0xa000), sidecarImage: r(0x9000, 0xb000),
    }, []);
    expect(init).toEqual({
      ok: false,
      message: "reserved range MemoryRange {\n    start: 0x1000,\n    end: 0x2000,\n}, type Vtl2Config outside of bootshim used " +
        "MemoryRange {\n    start: 0x4000,\n    end: 0x10000,\n}",
      debug: "ReservedRangeOutsideBootshimUsed { reserved: MemoryRange { start: 4096, end: 8192 }, typ: Vtl2Config, " +
        "bootshim_used: MemoryRange { start: 16384, end: 65536 } }",
    });
  });

  it("still asserts the order of reserved ranges it does reach", () => {
    // All inside the used range: the walk passes the reserved range [0x8000, 0xa000), then pulls
    // the sidecar image, which starts at 0x9000, behind the walk's position 0xa000.
    expect(panicOf(() => runAddressSpace(shim, {
      vtl2Ram: [ram(0, 0x20000)], bootshimUsed: r(0, 0x10000), persistedStateRegion: r(0x4000, 0x6000),
      vtl2Config: [], reservedRange: r(0x8000, 0xa000), sidecarImage: r(0x9000, 0xb000),
    }, []))).toBe("right not sorted");
  });

  it("panics on a used piece outside VTL2 ram before it would see that ram is unsorted", () => {
    // VTL2 ram out of order: [0x20000, 0x30000) then [0, 0x10000). At position 0 the walk looks at
    // the first ram range (starts after 0, fine) and the persisted header at 0: a used piece that
    // no ram holds. Upstream panics there; the unsorted second ram range is never pulled.
    expect(panicOf(() => runAddressSpace(shim, {
      vtl2Ram: [ram(0x20000, 0x30000), ram(0, 0x10000)], bootshimUsed: r(0, 0xf000),
      persistedStateRegion: r(0, 0x2000), vtl2Config: [],
    }, []))).toBe("vtl2 range MemoryRange {\n    start: 0x0,\n    end: 0x1000,\n} used by Reserved(PersistedStateHeader) not contained in vtl2 ram");
  });
});

describe("allocate_vtl2_ram reads the imported regions lazily", () => {
  const run = (s: ShimValues, d: HostDtValues, o: ReadOptions = {}) => readFromDtValues(shim, s, d, o);
  const imports = (...ranges: Range[]) => shimBase({ importedRegions: ranges.map((x) => ({ ...x, accepted: true })) });
  const notRam = r(0x1_9000_0000n, 0x1_9000_1000n); // above node 1's ram
  const straddling = r(0x20ff_0000n, 0x2110_0000n); // crosses the image's end

  it("panics on a launch-context range that is not ram before it reads a later import straddling the image", () => {
    // The walk reaches the first import's piece (not in any free range) and panics there; the
    // second import is only read once the walk is past the first.
    expect(panicOf(() => run(imports(notRam, straddling), vtl2Dt({ memorySize: GB }))))
      .toBe(`launch context range ${pretty(notRam.start, notRam.end)} is not reported as ram by host memmap`);
  });

  it("panics on a launch-context range that is not ram before it sees a later import out of order", () => {
    const lower = r(0x1_7ff0_0000n, 0x1_8000_0000n);
    expect(panicOf(() => run(imports(notRam, lower), vtl2Dt({ memorySize: GB }))))
      .toBe(`launch context range ${pretty(notRam.start, notRam.end)} is not reported as ram by host memmap`);
  });

  it("asserts the order of imports the walk does reach", () => {
    // Both in free ram: the walk passes the first, then pulls the second, which starts behind it.
    expect(panicOf(() => run(imports(r(0x1_7ff0_0000n, 0x1_8000_0000n), r(0x1_0000_0000n, 0x1_0000_1000n)), vtl2Dt({ memorySize: GB }))))
      .toBe("left not sorted");
  });

  it("skips imports inside the image and still finds a straddling one behind them", () => {
    const inside = r(0x2000_0000n, 0x2001_0000n);
    expect(panicOf(() => run(imports(inside, straddling), vtl2Dt({ memorySize: GB }))))
      .toBe(`imported range ${pretty(straddling.start, straddling.end)} overlaps vtl2 range and is not fully contained within vtl2 range`);
  });
});

describe("topology_from_persisted_state", () => {
  // The pool of a first boot of images/small.json, saved as `pieces` adjacent ranges (they merge
  // back into one VTL2 RAM range; each is one with_pool_ranges item).
  function restoreWithPoolPieces(pieces: number): { boot: () => BootResult; first: BootResult } {
    const first = boot(shim, load("small.json"));
    const input = persistInputFromBoot(first.partition as unknown as BootTopology);
    const map = input.partitionMemoryMap;
    const at = map.findIndex((e) => e.kind === "memory" && e.vtlType === 8);
    const pool = map[at];
    if (pool.kind !== "memory") throw new Error("no pool");
    const split: typeof map = [];
    for (let i = 0; i < pieces; i++) {
      const start = pool.start + BigInt(i) * PAGE;
      split.push({ ...pool, start, end: i === pieces - 1 ? pool.end : start + PAGE });
    }
    map.splice(at, 1, ...split);
    const saved = writePersistedInfo(input);
    const l = load("small.json");
    l.gm.write(saved.headerGpa, saved.image);
    return { boot: () => boot(shim, l), first };
  }

  it("takes up to 64 saved pool ranges", () => {
    const { boot: second, first } = restoreWithPoolPieces(64);
    const res = second();
    expect(res.partition.addressSpace).toEqual(first.partition.addressSpace);
    expect(res.partition.hasVtl2Pool).toBe(true);
  });

  it("panics like ArrayVec::extend on a 65th saved pool range, after the reclaim log line", () => {
    const { boot: second } = restoreWithPoolPieces(65);
    const e = failureOf(second);
    expect(e).toBeInstanceOf(ShimPanic);
    expect(e.message).toBe("ArrayVec: capacity exceeded in extend/from_iter");
    expect((e as ShimPanic).log.at(-2)).toMatch(/^\[INFO\] reclaim device tree memory [0-9a-f]+-[0-9a-f]+$/);
  });
});

describe("allocate_private_pool", () => {
  const run = (s: ShimValues, d: HostDtValues) => readFromDtValues(shim, s, d);
  const pool = (text: string) => shimBase({ commandLine: { policy: "static", text } });
  const image = { ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE };

  it("gives page-rounded equal shares and the remainder to the last node", () => {
    // 3 pages over 2 nodes: (0x3000 / 2) & !0xfff = 0x1000 for node 0, 0x3000 - 0x1000 for node 1.
    const dt = hostDt({ memory: [image, { ...r(0x1_0000_0000n, 0x1_0100_0000n), vnode: 1, igvmType: VTL2_PROTECTABLE }] });
    const p = run(pool("OPENHCL_ENABLE_VTL2_GPA_POOL=3 OPENHCL_VTL2_GPA_POOL_NUMA=split"), dt);
    expect(p.addressSpace.filter((e) => e.type === "VTL2_GPA_POOL")).toEqual([
      { ...r(0x20ff_f000n, 0x2100_0000n), vnode: 0, type: "VTL2_GPA_POOL" },
      { ...r(0x1_00ff_e000n, 0x1_0100_0000n), vnode: 1, type: "VTL2_GPA_POOL" },
    ]);
    expect(shim.log().slice(-9)).toEqual([
      "[INFO] forcing VTL2 pool NUMA split across nodes",
      "[INFO] allocated VTL2 pool on node 0 at MemoryRange {", "    start: 0x20fff000,", "    end: 0x21000000,", "}",
      "[INFO] allocated VTL2 pool on node 1 at MemoryRange {", "    start: 0x100ffe000,", "    end: 0x101000000,", "}",
    ]);
  });

  it("cuts the free-range list like a full ArrayString<2048>: a piece that does not fit ends that node's list with ...", () => {
    // 64 VTL2 ranges: the image and 31 x 1 MiB on node 0, 32 x 1 MiB on node 1. A 64 MiB pool fits
    // neither whole on node 0 nor as node 0's 32 MiB share.
    const mib = (base: bigint, i: number, vnode: number) =>
      ({ ...r(base + BigInt(i) * 0x1000_0000n, base + BigInt(i) * 0x1000_0000n + MB), vnode, igvmType: VTL2_PROTECTABLE });
    const memory = [image];
    for (let i = 0; i < 31; i++) memory.push(mib(0x100_0000_0000n, i, 0));
    for (let i = 0; i < 32; i++) memory.push(mib(0x200_0000_0000n, i, 1));
    // Oracle: ArrayString::write_str appends a piece whole or fails; write! stops at the first
    // failing piece; then "..." is tried once and that node's loop ends.
    let s = "";
    const push = (piece: string) => (s.length + piece.length <= 2048 ? ((s += piece), true) : false);
    const free = [[{ start: 0x2080_0000n, end: 0x2100_0000n }, ...memory.slice(1, 32)], memory.slice(32)];
    free.forEach((ranges, node) => {
      for (const x of ranges) {
        const pieces = ["n", String(node), ":[", "0x", x.start.toString(16), ", ", "0x", x.end.toString(16), ") "];
        if (!pieces.every(push)) {
          push("...");
          break;
        }
      }
    });
    expect(s.endsWith("...")).toBe(true); // the cut happens in node 1's list
    expect(s.length).toBeGreaterThan(2040);
    const msg = panicOf(() => run(pool("OPENHCL_ENABLE_VTL2_GPA_POOL=16384"), hostDt({ memory })));
    expect(msg).toBe(
      "failed to allocate VTL2 pool on node 0: need 0x2000000 bytes, pool total 0x4000000 bytes " +
        "(enable_vtl2_gpa_pool=Pages(16384), device_dma_page_count=None, vp_count=2, mem_size=0x4f00000), " +
        `highest_numa_node=1, free_ranges=[ ${s}]`,
    );
    expect(shim.log().at(-2)).toBe("[INFO] node 0 cannot fit full pool, splitting across NUMA nodes");
  });
});

describe("allocate_vtl2_ram per-node arithmetic", () => {
  const run = (s: ShimValues, d: HostDtValues) => readFromDtValues(shim, s, d);

  it("indexes the per-node table by vnode, so a gap in node numbers is an index panic", () => {
    const dt = vtl2Dt({ memorySize: GB }, {
      memory: [
        { ...r(0n, 0x8000_0000n), vnode: 0, igvmType: MEMORY },
        { ...r(0x1_0000_0000n, 0x1_8000_0000n), vnode: 5, igvmType: MEMORY },
      ],
    });
    expect(panicOf(() => run(shimBase(), dt))).toBe("index out of bounds: the len is 2 but the index is 5");
  });

  it("splits a size that is not a page multiple per node, then fails splitting a free range there", () => {
    // 0x1000_1000 bytes over 2 nodes: 0x800_0800 each. Node 0 already has the 16 MiB image; the
    // remainder 0x700_0800 is taken from the top of [0x2100_0000, 0x8000_0000): offset
    // 0x5f00_0000 - 0x700_0800 is not page aligned.
    expect(panicOf(() => run(shimBase(), vtl2Dt({ memorySize: 0x1000_1000n })))).toBe("assertion failed: offset.is_multiple_of(PAGE_SIZE)");
  });

  it("takes a node's share from several free ranges, highest first", () => {
    // Node 1 has [4 GiB, 4 GiB + 16 MiB) and [5 GiB, 5 GiB + 16 MiB); its 24 MiB share takes all of
    // the upper one and the top 8 MiB of the lower one.
    const dt = vtl2Dt({ memorySize: 48n * MB }, {
      memory: [
        { ...r(0n, 0x8000_0000n), vnode: 0, igvmType: MEMORY },
        { ...r(0x1_0000_0000n, 0x1_0100_0000n), vnode: 1, igvmType: MEMORY },
        { ...r(0x1_4000_0000n, 0x1_4100_0000n), vnode: 1, igvmType: 2 },
      ],
    });
    const p = run(shimBase(), dt);
    expect(p.vtl2Ram).toEqual([
      { ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: MEMORY },
      { ...r(0x7f80_0000n, 0x8000_0000n), vnode: 0, igvmType: MEMORY },
      { ...r(0x1_0080_0000n, 0x1_0100_0000n), vnode: 1, igvmType: MEMORY },
      { ...r(0x1_4000_0000n, 0x1_4100_0000n), vnode: 1, igvmType: 2 },
    ]);
  });
});

describe("topology_from_host_dt isolation branches", () => {
  const run = (s: ShimValues, d: HostDtValues) => readFromDtValues(shim, s, d);

  it("VBS: host VTL2 ram as given (not hardware isolated), VTL2 mmio carved from VTL0, no pool", () => {
    const p = run(shimBase({ isolation: "vbs", commandLine: { policy: "append-chosen", text: "OPENHCL_ENABLE_VTL2_GPA_POOL=512" } }),
      hostDt({ commandLine: "b=2" }));
    expect(p.vtl2Ram).toEqual([{ ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE }]);
    // Default size: half of the 1 GiB high gap, within [128 MiB, 1 GiB].
    expect(p.vtl2Mmio).toEqual([r(0x10_2000_0000n, 0x10_4000_0000n)]);
    expect(p.vtl0Mmio).toEqual([vtl0Mmio[0], r(0x10_0000_0000n, 0x10_2000_0000n)]);
    expect(p.hasVtl2Pool).toBe(false);
    expect(p.cmdline).toBe("OPENHCL_ENABLE_VTL2_GPA_POOL=512"); // an isolated host is not trusted
    expect(shim.log()).toEqual([
      "[INFO] Overriding VTL2 GPA pool config to Pages(512) from command line",
      "[INFO] read_from_dt: persisted_state_header present=false, sidecar=Enabled { enable_logging: false, cpu_threshold: Some(100) }",
      "[INFO] reading topology from host device tree",
      "[INFO] allocating vtl2 mmio size 0x20000000 bytes",
      "[INFO] host provided vtl2 mmio ranges are 0x0 bytes",
      "[INFO] no vtl2 mmio provided by host, allocating from vtl0 mmio",
      "[INFO] vtl0 mmio: [MemoryRange { start: f0000000, end: f8000000 }, MemoryRange { start: 1000000000, end: 1020000000 }], " +
        "vtl2 mmio: [MemoryRange { start: 1020000000, end: 1040000000 }]",
      "[INFO] reclaim device tree memory 20028000-20068000",
      "[INFO] persisted state region sized to MemoryRange {", "    start: 0x20700000,", "    end: 0x20714000,",
      "}, remainder MemoryRange {", "    start: 0x20714000,", "    end: 0x20800000,", "}",
    ]);
  });

  it("isolated host mode with host VTL2 mmio: the size asked for is 0, the host's ranges are used", () => {
    const v2 = { connectionId: 4, mmio: [r(0x20_0000_0000n, 0x20_0100_0000n)] };
    const p = run(shimBase({ isolation: "snp" }), hostDt({ vmbusVtl2: v2 }));
    expect(p.vtl2Mmio).toEqual(v2.mmio);
    expect(p.vtl0Mmio).toEqual(vtl0Mmio);
    expect(shim.log()).toContain("[INFO] allocating vtl2 mmio size 0x0 bytes");
    expect(shim.log()).toContain("[INFO] host provided vtl2 mmio ranges are 0x1000000 bytes");
  });

  it("clamps the default VTL2 mmio size to 128 MiB and 1 GiB", () => {
    const small = { connectionId: 1, mmio: [vtl0Mmio[0], r(0x10_0000_0000n, 0x10_1000_0000n)] }; // 256 MiB gap
    expect(run(shimBase({ isolation: "snp" }), hostDt({ vmbusVtl0: small })).vtl2Mmio).toEqual([r(0x10_0800_0000n, 0x10_1000_0000n)]);
    const big = { connectionId: 1, mmio: [vtl0Mmio[0], r(0x10_0000_0000n, 0x18_0000_0000n)] }; // 32 GiB gap
    expect(run(shimBase({ isolation: "snp" }), hostDt({ vmbusVtl0: big })).vtl2Mmio).toEqual([r(0x17_c000_0000n, 0x18_0000_0000n)]);
  });
});

describe("pool size arithmetic wraps like the release build", () => {
  const run = (s: ShimValues, d: HostDtValues) => readFromDtValues(shim, s, d);
  const pool = (pages: bigint) => shimBase({ commandLine: { policy: "static", text: `OPENHCL_ENABLE_VTL2_GPA_POOL=${pages}` } });

  it("2^52 pages is 0 bytes: no allocation fits, and a zero per-node share panics", () => {
    expect(panicOf(() => run(pool(1n << 52n), hostDt()))).toBe(
      "cannot split VTL2 pool of size 0x0 bytes across 1 nodes, per node size 0x0 bytes; " +
        "enable_vtl2_gpa_pool=Pages(4503599627370496), device_dma_page_count=None, vp_count=2, mem_size=0x1000000");
    expect(shim.log().at(-2)).toBe("[INFO] node 0 cannot fit full pool, splitting across NUMA nodes");
  });

  it("2^52 + 1 pages is one page", () => {
    const p = run(pool((1n << 52n) + 1n), hostDt());
    expect(p.addressSpace.filter((e) => e.type === "VTL2_GPA_POOL")).toEqual([{ ...r(0x20ff_f000n, 0x2100_0000n), vnode: 0, type: "VTL2_GPA_POOL" }]);
  });
});

describe("shim_main boots in VTL2 allocation mode (images/vtl2-allocate.json)", () => {
  it("keeps the 512 MiB image on node 0 and takes the other 512 MiB from the top of node 0's ram", () => {
    // Host: one node, ram [0, 0xf800_0000) and [4 GiB, 0x4_0800_0000); memory-size 1 GiB, mmio-size
    // 128 MiB, VTL2 mmio [0x4_8000_0000, 0x4_c000_0000). The image is [0x800_0000, 0x2800_0000).
    const l = load("vtl2-allocate.json");
    expect(l.img.params.memoryStartAddress).toBe(0x800_0000n);
    expect(l.img.params.memorySize).toBe(0x2000_0000n);
    const res = boot(shim, l);
    const p = res.partition;
    expect(p.memoryAllocationMode).toEqual({ mode: "vtl2", memorySize: GB, mmioSize: 0x800_0000n });
    expect(p.vtl2Ram).toEqual([
      { ...r(0x800_0000n, 0x2800_0000n), vnode: 0, igvmType: MEMORY },
      { ...r(0x3_e800_0000n, 0x4_0800_0000n), vnode: 0, igvmType: MEMORY },
    ]);
    expect(p.vtl2Mmio).toEqual([r(0x4_8000_0000n, 0x4_c000_0000n)]);
    // Release heuristics for 8 VPs and 1 GiB: 12288 pages, from the top of the highest free range.
    expect(p.addressSpace.at(-1)).toEqual({ ...r(0x4_0500_0000n, 0x4_0800_0000n), vnode: 0, type: "VTL2_GPA_POOL" });
    expect(res.log.slice(1, 5)).toEqual([
      "[INFO] reading topology from host device tree",
      "[INFO] allocating vtl2 mmio size 0x8000000 bytes",
      "[INFO] host provided vtl2 mmio ranges are 0x40000000 bytes",
      "[INFO] using host provided vtl2 mmio: [MemoryRange { start: 480000000, end: 4c0000000 }]",
    ]);
  });

  it("reads imported regions from guest memory one at a time: an out-of-order import panics before a later straddling one is checked", () => {
    const r0 = loadImage(join(__dirname, "..", "images", "vtl2-allocate.json"));
    const gm = GuestMemory.build(guestMemoryLayout(r0)!);
    const importedRegions = [
      { ...r(0x3_0000_0000n, 0x3_0000_1000n), accepted: true },
      { ...r(0x1_0000_0000n, 0x1_0000_1000n), accepted: true },
      { ...r(0x27ff_f000n, 0x2800_1000n), accepted: true },
    ];
    const img = loadVtl2Image(gm, { ...vtl2ImageInput(r0), importedRegions });
    const e = failureOf(() => boot(shim, { r: r0, gm, img }));
    expect(e).toBeInstanceOf(ShimPanic);
    expect(e.message).toBe("left not sorted");
  });
});

describe("allocate_vtl2_ram invariants (property)", () => {
  it("gives every node its equal share: node 0 the image plus the top of its ram, other nodes the top of theirs", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 4, maxLength: 4 }),
      (nodes, shareUnits, slack) => {
        const U = 16n * MB; // the image is one unit
        const share = BigInt(shareUnits) * U;
        const node0End = 0x2100_0000n + share - U + BigInt(slack[0]) * U;
        const memory = [{ ...r(0n, node0End), vnode: 0, igvmType: MEMORY }];
        for (let i = 1; i < nodes; i++) {
          const base = BigInt(i) * 0x4_0000_0000n;
          memory.push({ ...r(base, base + share + BigInt(slack[i]) * U), vnode: i, igvmType: MEMORY });
        }
        const p = readFromDtValues(shim, shimBase({ commandLine: { policy: "static", text: "OPENHCL_ENABLE_VTL2_GPA_POOL=off" } }),
          vtl2Dt({ memorySize: share * BigInt(nodes) }, { memory }));
        const expected = [{ ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: MEMORY }];
        if (share > U) expected.push({ ...r(node0End - (share - U), node0End), vnode: 0, igvmType: MEMORY });
        for (let i = 1; i < nodes; i++) expected.push({ ...r(memory[i].end - share, memory[i].end), vnode: i, igvmType: MEMORY });
        expect(p.vtl2Ram).toEqual(expected);
        // Every VTL2 ram byte is in the address space, nothing else is.
        const total = p.addressSpace.reduce((a, e) => a + (e.end - e.start), 0n);
        expect(total).toBe(share * BigInt(nodes));
      },
    ), { numRuns: 60 });
  });
});
