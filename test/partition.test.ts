import { describe, it, expect, beforeAll } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { DtError } from "../host/errors.js";
import { readFromDtValues, partitionJson, type ShimValues, type HostDtValues, type ReadOptions } from "../host/shim/partition.js";
import { r, MEMORY, VTL2_PROTECTABLE, MB, GB, shimBase, vtl0Mmio, hostDt, vtl2Dt } from "./helpers/partition.js";
import { panicOf } from "./helpers/panic.js";

// Expected values below are worked out by hand from host_params/dt/mod.rs and memory.rs.

// Two VTL2 ranges in host mode: the image on node 0, 16 MiB on node 1.
const twoNodeHostDt = (over: Partial<HostDtValues> = {}): HostDtValues => hostDt({
  memory: [
    { ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE },
    { ...r(0x1_0000_0000n, 0x1_0100_0000n), vnode: 1, igvmType: VTL2_PROTECTABLE },
  ],
  ...over,
});

const as = (start: bigint, end: bigint, type: string, vnode = 0) => ({ start, end, vnode, type });

// The fixed-at-build ranges of shimBase() (everything below the free ram of node 0).
const imageRanges = [
  as(0x2000_0000n, 0x2002_8000n, "VTL2_CONFIG"),
  as(0x2002_8000n, 0x2006_8000n, "VTL2_RAM"),
  as(0x2006_8000n, 0x2006_a000n, "VTL2_CONFIG"),
  as(0x2006_a000n, 0x206f_0000n, "VTL2_RAM"),
  as(0x206f_0000n, 0x2070_0000n, "VTL2_BOOTSHIM_LOG_BUFFER"),
  as(0x2070_0000n, 0x2070_1000n, "VTL2_PERSISTED_STATE_HEADER"),
  as(0x2070_1000n, 0x2071_4000n, "VTL2_PERSISTED_STATE_PROTOBUF"),
];

describe("read_from_dt", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadShim();
  });
  const run = (s: ShimValues, d: HostDtValues, o: ReadOptions = {}) => readFromDtValues(shim, s, d, o);
  const dtErrorOf = (fn: () => unknown): string => {
    try { fn(); } catch (e) { if (e instanceof DtError) return e.message; throw e; }
    throw new Error("expected a DtError");
  };

  describe("topology_from_host_dt, host allocation mode", () => {
    it("uses the host's VTL2 ram and mmio, and puts the pool at the top of node 0", () => {
      const p = run(shimBase(), hostDt());
      expect(p.memoryAllocationMode).toEqual({ mode: "host" });
      expect(p.vtl2Ram).toEqual([{ ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE }]);
      expect(p.partitionRam).toHaveLength(3);
      expect(p.vtl0Mmio).toEqual(vtl0Mmio);
      expect(p.vtl2Mmio).toEqual([]);
      expect(p.addressSpace).toEqual([...imageRanges, as(0x2071_4000n, 0x20e0_0000n, "VTL2_RAM"), as(0x20e0_0000n, 0x2100_0000n, "VTL2_GPA_POOL")]);
      expect(p.hasVtl2Pool).toBe(true);
      expect(p.cmdline).toBe("OPENHCL_ENABLE_VTL2_GPA_POOL=512");
      expect(p.cpuCount).toBe(2);
      expect(p.vmbusVtl0ConnectionId).toBe(1);
      expect(p.vmbusVtl2ConnectionId).toBe(4);
      expect(shim.log()).toEqual([
        "[INFO] Overriding VTL2 GPA pool config to Pages(512) from command line",
        "[INFO] read_from_dt: persisted_state_header present=false, sidecar=Enabled { enable_logging: false, cpu_threshold: Some(100) }",
        "[INFO] reading topology from host device tree",
        "[INFO] reclaim device tree memory 20028000-20068000",
        "[INFO] persisted state region sized to MemoryRange {", "    start: 0x20700000,", "    end: 0x20714000,",
        "}, remainder MemoryRange {", "    start: 0x20714000,", "    end: 0x20800000,", "}",
        "[INFO] vtl2 gpa pool enabled via command line with pages: 512",
        "[INFO] allocated VTL2 pool at MemoryRange {", "    start: 0x20e00000,", "    end: 0x21000000,", "}",
      ]);
    });

    it("falls back to the measured range when the host reports no VTL2 ram", () => {
      const p = run(shimBase(), hostDt({ memory: [{ ...r(0n, 0x8000_0000n), vnode: 0, igvmType: MEMORY }] }));
      expect(p.vtl2Ram).toEqual([{ ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE }]);
      expect(shim.log()).toContain("[INFO] using measured vtl2 ram");
    });

    it("sizes hardware-isolated VTL2 ram from the host total at the measured base", () => {
      const p = run(shimBase({ isolation: "snp" }), hostDt({
        memory: [
          { ...r(0x4000_0000n, 0x4100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE },
          { ...r(0x5000_0000n, 0x5100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE },
        ],
      }));
      expect(p.isolation).toBe("snp");
      expect(p.vtl2Ram).toEqual([{ ...r(0x2000_0000n, 0x2200_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE }]);
      expect(p.hasVtl2Pool).toBe(false); // isolated: no private pool
      // Isolated: VTL2 mmio is carved from the top of VTL0's high range (default 512 MiB).
      expect(p.vtl2Mmio).toEqual([r(0x10_2000_0000n, 0x10_4000_0000n)]);
      expect(p.vtl0Mmio).toEqual([vtl0Mmio[0], r(0x10_0000_0000n, 0x10_2000_0000n)]);
      expect(shim.log()).toContain("[INFO] host provided vtl2 ram size is 2000000, measured size is 1000000");
    });

    it("keeps the measured size when the isolated host offers less", () => {
      const p = run(shimBase({ isolation: "tdx" }), hostDt({ memory: [{ ...r(0x4000_0000n, 0x4080_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE }] }));
      expect(p.vtl2Ram).toEqual([{ ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE }]);
    });
  });

  describe("topology_from_host_dt, VTL2 allocation mode", () => {
    it("splits the requested size per node and allocates top-down", () => {
      const p = run(shimBase(), vtl2Dt({ memorySize: GB }));
      expect(p.memoryAllocationMode).toEqual({ mode: "vtl2", memorySize: GB, mmioSize: null });
      expect(p.vtl2Ram).toEqual([
        { ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: MEMORY },
        { ...r(0x6100_0000n, 0x8000_0000n), vnode: 0, igvmType: MEMORY },
        { ...r(0x1_6000_0000n, 0x1_8000_0000n), vnode: 1, igvmType: MEMORY },
      ]);
      expect(p.vtl2Mmio).toEqual([r(0x10_2000_0000n, 0x10_4000_0000n)]);
      expect(p.vtl0Mmio).toEqual([vtl0Mmio[0], r(0x10_0000_0000n, 0x10_2000_0000n)]);
      // Pool: highest free range of node 0.
      expect(p.addressSpace.filter((e) => e.type === "VTL2_GPA_POOL")).toEqual([as(0x7fe0_0000n, 0x8000_0000n, "VTL2_GPA_POOL")]);
      expect(p.addressSpace.slice(-3)).toEqual([
        as(0x6100_0000n, 0x7fe0_0000n, "VTL2_RAM"), as(0x7fe0_0000n, 0x8000_0000n, "VTL2_GPA_POOL"),
        as(0x1_6000_0000n, 0x1_8000_0000n, "VTL2_RAM", 1),
      ]);
      expect(shim.log()).toContain("[INFO] allocating vtl2 mmio size 0x20000000 bytes");
      expect(shim.log()).toContain("[INFO] host provided vtl2 mmio ranges are 0x0 bytes");
      expect(shim.log()).toContain(
        "[INFO] vtl0 mmio: [MemoryRange { start: f0000000, end: f8000000 }, MemoryRange { start: 1000000000, end: 1020000000 }], vtl2 mmio: [MemoryRange { start: 1020000000, end: 1040000000 }]");
    });

    it("uses the measured size without memory-size, warning when the image exceeds a node's share", () => {
      const p = run(shimBase(), vtl2Dt());
      expect(p.vtl2Ram).toEqual([
        { ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: MEMORY },
        { ...r(0x1_7f80_0000n, 0x1_8000_0000n), vnode: 1, igvmType: MEMORY },
      ]);
      expect(shim.log()).toContain(
        "[WARN] entry MemoryEntry { range: MemoryRange { start: 536870912, end: 553648128 }, mem_type: MEMORY, vnode: 0 } is larger than required 8388608 for vnode 0");
    });

    it("does not allocate over launch-context (imported) ranges", () => {
      const p = run(shimBase({ importedRegions: [{ ...r(0x1_7ff0_0000n, 0x1_8000_0000n), accepted: true }] }), vtl2Dt({ memorySize: GB }));
      expect(p.vtl2Ram[2]).toEqual({ ...r(0x1_5ff0_0000n, 0x1_7ff0_0000n), vnode: 1, igvmType: MEMORY });
    });

    it("ignores the TDX reset vector page that the host does not report as ram", () => {
      const p = run(shimBase({ isolation: "tdx", importedRegions: [{ ...r(0xffff_f000n, 0x1_0000_0000n), accepted: true }] }), vtl2Dt({ memorySize: GB }));
      expect(p.vtl2Ram).toHaveLength(3);
      expect(p.hasVtl2Pool).toBe(false);
    });

    it("panics on that page when the partition is not TDX", () => {
      expect(panicOf(() => run(shimBase({ importedRegions: [{ ...r(0xffff_f000n, 0x1_0000_0000n), accepted: true }] }), vtl2Dt({ memorySize: GB }))))
        .toBe("launch context range MemoryRange {\n    start: 0xfffff000,\n    end: 0x100000000,\n} is not reported as ram by host memmap");
    });

    it("panics on an imported range straddling the VTL2 image", () => {
      expect(panicOf(() => run(shimBase({ importedRegions: [{ ...r(0x20ff_0000n, 0x2110_0000n), accepted: false }] }), vtl2Dt({ memorySize: GB }))))
        .toBe("imported range MemoryRange {\n    start: 0x20ff0000,\n    end: 0x21100000,\n} overlaps vtl2 range and is not fully contained within vtl2 range");
    });

    it("panics when the host asks for less than the measured size", () => {
      expect(panicOf(() => run(shimBase(), vtl2Dt({ memorySize: 8n * MB })))).toBe("host provided vtl2 ram size 800000 is smaller than measured size 1000000");
    });

    it("panics when the image range is not host ram", () => {
      const dt = vtl2Dt({}, { memory: [{ ...r(0n, 0x2080_0000n), vnode: 0, igvmType: MEMORY }] });
      expect(panicOf(() => run(shimBase(), dt))).toBe("used file range MemoryRange {\n    start: 0x20800000,\n    end: 0x21000000,\n} is not reported as ram by host memmap");
    });

    it("panics when a node has no memory left", () => {
      // 3 GiB per node; node 0 has 0x7f000000 free besides the image, 0x40000000 short.
      const dt = vtl2Dt({ memorySize: 6n * GB });
      expect(panicOf(() => run(shimBase(), dt))).toBe("failed to allocate 0x40000000 for vnode 0x0, no memory remaining for vnode");
    });

    it("uses host-provided VTL2 mmio when it is large enough", () => {
      const vtl2 = { connectionId: 4, mmio: [r(0x20_0000_0000n, 0x20_1000_0000n)] };
      const p = run(shimBase(), vtl2Dt({ mmioSize: 0x1000_0000n }, { vmbusVtl2: vtl2 }));
      expect(p.vtl2Mmio).toEqual(vtl2.mmio);
      expect(p.vtl0Mmio).toEqual(vtl0Mmio);
      expect(shim.log()).toContain("[INFO] using host provided vtl2 mmio: [MemoryRange { start: 2000000000, end: 2010000000 }]");
    });

    it("returns NotEnoughVtl2Mmio when the host's VTL2 mmio is too small", () => {
      const vtl2 = { connectionId: 4, mmio: [r(0x20_0000_0000n, 0x20_1000_0000n)] };
      expect(dtErrorOf(() => run(shimBase(), vtl2Dt({ mmioSize: GB }, { vmbusVtl2: vtl2 }))))
        .toBe("host provided MMIO range is insufficient to cover VTL2");
    });

    it("returns NotEnoughVtl0Mmio when the high VTL0 range cannot hold VTL2 mmio", () => {
      const v0 = { connectionId: 1, mmio: [vtl0Mmio[0], r(0x10_0000_0000n, 0x10_0400_0000n)] };
      expect(dtErrorOf(() => run(shimBase(), vtl2Dt({}, { vmbusVtl0: v0 }))))
        .toBe("host provided high MMIO range is insufficient to cover VTL0 and VTL2");
    });

    it("panics when carving VTL2 mmio leaves one VTL0 range", () => {
      const v0 = { connectionId: 1, mmio: [vtl0Mmio[0], r(0x10_0000_0000n, 0x10_1000_0000n)] };
      expect(panicOf(() => run(shimBase(), vtl2Dt({ mmioSize: 0x1000_0000n }, { vmbusVtl0: v0 })))).toBe(
        "assertion `left == right` failed: vtl0 mmio ranges are not 2 [\n    MemoryRange {\n        start: 0xf0000000,\n        end: 0xf8000000,\n    },\n]\n  left: 1\n right: 2");
    });

    it("panics indexing the second VTL0 range when the host gives only one", () => {
      const v0 = { connectionId: 1, mmio: [r(0x10_0000_0000n, 0x10_4000_0000n)] };
      expect(panicOf(() => run(shimBase(), vtl2Dt({}, { vmbusVtl0: v0 })))).toBe("index out of bounds: the len is 1 but the index is 1");
    });
  });

  describe("allocate_private_pool", () => {
    const pool = (text: string) => shimBase({ commandLine: { policy: "static", text } });
    const poolOf = (p: { addressSpace: { start: bigint; end: bigint; vnode: number; type: string }[] }) =>
      p.addressSpace.filter((e) => e.type === "VTL2_GPA_POOL");

    it("splits the pool across nodes when node 0 cannot fit it", () => {
      const p = run(pool("OPENHCL_ENABLE_VTL2_GPA_POOL=4096"), twoNodeHostDt());
      expect(poolOf(p)).toEqual([as(0x2080_0000n, 0x2100_0000n, "VTL2_GPA_POOL"), as(0x1_0080_0000n, 0x1_0100_0000n, "VTL2_GPA_POOL", 1)]);
      expect(shim.log()).toContain("[INFO] node 0 cannot fit full pool, splitting across NUMA nodes");
      expect(shim.log()).toContain("[INFO] allocated VTL2 pool on node 1 at MemoryRange {");
    });

    it("splits evenly when OPENHCL_VTL2_GPA_POOL_NUMA=split forces it", () => {
      const p = run(pool("OPENHCL_ENABLE_VTL2_GPA_POOL=512 OPENHCL_VTL2_GPA_POOL_NUMA=split"), twoNodeHostDt());
      expect(p.bootOptions.vtl2GpaPoolNumaSplit).toBe(true);
      expect(poolOf(p)).toEqual([as(0x20f0_0000n, 0x2100_0000n, "VTL2_GPA_POOL"), as(0x1_00f0_0000n, 0x1_0100_0000n, "VTL2_GPA_POOL", 1)]);
      expect(shim.log()).toContain("[INFO] forcing VTL2 pool NUMA split across nodes");
    });

    it("panics with the free ranges when a node cannot hold its share", () => {
      expect(panicOf(() => run(pool("OPENHCL_ENABLE_VTL2_GPA_POOL=12288"), twoNodeHostDt()))).toBe(
        "failed to allocate VTL2 pool on node 0: need 0x1800000 bytes, pool total 0x3000000 bytes " +
        "(enable_vtl2_gpa_pool=Pages(12288), device_dma_page_count=None, vp_count=2, mem_size=0x2000000), " +
        "highest_numa_node=1, free_ranges=[ n0:[0x20800000, 0x21000000) n1:[0x100000000, 0x101000000) ]");
    });

    it("takes the size from the device tree hint and prints it in the failure", () => {
      expect(panicOf(() => run(pool(""), twoNodeHostDt({ deviceDmaPageCount: 0x3000n })))).toBe(
        "failed to allocate VTL2 pool on node 0: need 0x1800000 bytes, pool total 0x3000000 bytes " +
        "(enable_vtl2_gpa_pool=Heuristics(Release), device_dma_page_count=Some(\n    0x3000,\n), vp_count=2, mem_size=0x2000000), " +
        "highest_numa_node=1, free_ranges=[ n0:[0x20800000, 0x21000000) n1:[0x100000000, 0x101000000) ]");
    });

    it("panics when a pool smaller than one page per node must be split", () => {
      const dt = twoNodeHostDt({
        memory: [
          { ...r(0x2000_0000n, 0x2080_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE },
          { ...r(0x1_0000_0000n, 0x1_0100_0000n), vnode: 1, igvmType: VTL2_PROTECTABLE },
        ],
      });
      expect(panicOf(() => run(pool("OPENHCL_ENABLE_VTL2_GPA_POOL=1"), dt))).toBe(
        "cannot split VTL2 pool of size 0x1000 bytes across 2 nodes, per node size 0x0 bytes; " +
        "enable_vtl2_gpa_pool=Pages(1), device_dma_page_count=None, vp_count=2, mem_size=0x1800000");
    });

    it("allocates no pool when the command line turns it off", () => {
      const p = run(pool("OPENHCL_ENABLE_VTL2_GPA_POOL=off"), hostDt());
      expect(p.hasVtl2Pool).toBe(false);
      expect(shim.log()).toContain("[INFO] vtl2 gpa pool disabled via command line");
    });
  });

  describe("command line policy and trust", () => {
    it("appends the host command line and honors its options when the host is trusted", () => {
      const p = run(shimBase({ commandLine: { policy: "append-chosen", text: "a=1 OPENHCL_ENABLE_VTL2_GPA_POOL=512" } }),
        hostDt({ commandLine: "b=2 OPENHCL_ENABLE_VTL2_GPA_POOL=off", vtl0AliasMap: 0x8000_0000_0000n }));
      expect(p.cmdline).toBe("a=1 OPENHCL_ENABLE_VTL2_GPA_POOL=512 b=2 OPENHCL_ENABLE_VTL2_GPA_POOL=off");
      expect(p.bootOptions.enableVtl2GpaPool).toBe("Off");
      expect(p.hasVtl2Pool).toBe(false);
      expect(p.vtl0AliasMap).toBe(0x8000_0000_0000n);
    });

    it("ignores the host command line and alias map on an untrusted isolated host", () => {
      const p = run(shimBase({ isolation: "snp", commandLine: { policy: "append-chosen", text: "a=1" } }),
        hostDt({ commandLine: "b=2", vtl0AliasMap: 0x8000_0000_0000n }));
      expect(p.cmdline).toBe("a=1");
      expect(p.vtl0AliasMap).toBeNull();
    });

    it("trusts an isolated host with confidential debug in the measured command line", () => {
      const p = run(shimBase({ isolation: "snp", commandLine: { policy: "append-chosen", text: "OPENHCL_CONFIDENTIAL_DEBUG=1" } }), hostDt({ commandLine: "b=2" }));
      expect(p.cmdline).toBe("OPENHCL_CONFIDENTIAL_DEBUG=1 b=2");
    });

    it("keeps only the measured command line with the static policy", () => {
      expect(run(shimBase({ commandLine: { policy: "static", text: "x OPENHCL_ENABLE_VTL2_GPA_POOL=off" } }), hostDt({ commandLine: "b=2" })).cmdline)
        .toBe("x OPENHCL_ENABLE_VTL2_GPA_POOL=off");
    });

    it("returns CommandLineSize when the combined line exceeds 0x2000 bytes", () => {
      const measured = "OPENHCL_ENABLE_VTL2_GPA_POOL=1";
      const room = 0x2000 - measured.length - 1;
      expect(dtErrorOf(() => run(shimBase({ commandLine: { policy: "append-chosen", text: measured } }), hostDt({ commandLine: "b".repeat(room + 1) }))))
        .toBe("commandline storage is too small to write the parsed command line");
      expect(run(shimBase({ commandLine: { policy: "append-chosen", text: measured } }), hostDt({ commandLine: "b".repeat(room) })).cmdline).toHaveLength(0x2000);
    });

    it("panics on a measured command line that is not UTF-8, and on an unknown policy", () => {
      expect(panicOf(() => run(shimBase({ commandLine: { policy: "static", text: "", valid: false } }), hostDt()))).toBe("measured command line should be valid");
      expect(panicOf(() => run(shimBase({ commandLine: { policy: 2, text: "" } }), hostDt()))).toBe("internal error: entered unreachable code");
    });
  });

  describe("device tree errors and the restore branch", () => {
    it("returns NoDeviceTree when the device tree area is empty", () => {
      expect(dtErrorOf(() => run(shimBase(), hostDt(), { noDeviceTree: true }))).toBe("no device tree provided by host");
      expect(shim.log()).toContain("[ERROR] host did not provide a device tree");
    });

    it("returns Vtl0Vmbus / Vtl2Vmbus when a VMBus node is missing", () => {
      expect(dtErrorOf(() => run(shimBase(), hostDt({ vmbusVtl0: null })))).toBe("device tree did not contain a vmbus node for VTL0");
      expect(dtErrorOf(() => run(shimBase(), hostDt({ vmbusVtl2: null })))).toBe("device tree did not contain a vmbus node for VTL2");
      expect(dtErrorOf(() => run(shimBase(), vtl2Dt({}, { vmbusVtl2: null })))).toBe("device tree did not contain a vmbus node for VTL2");
    });

    it("takes the restore branch when the persisted header magic is present, checking its protobuf region first", () => {
      const header = new Uint8Array(32);
      header.set(new TextEncoder().encode("OHCLPHDR"));
      // The header names an empty protobuf region at 0, which is outside the persisted region.
      expect(panicOf(() => run(shimBase(), hostDt(), { persistedHeader: header }))).toBe(
        "protobuf region MemoryRange {\n    start: 0x0,\n    end: 0x0,\n} is not contained within the persisted state region " +
          "MemoryRange {\n    start: 0x20700000,\n    end: 0x20800000,\n}",
      );
      expect(shim.log()).toContain("[INFO] found persisted state header");
      expect(shim.log()).toContain("[INFO] reading topology from persisted state");
      // Isolated partitions never read the header.
      expect(run(shimBase({ isolation: "snp" }), hostDt(), { persistedHeader: header }).isolation).toBe("snp");
    });

    it("panics when the persisted region is smaller than 20 pages", () => {
      expect(panicOf(() => run(shimBase({ persistedState: r(0x207f_0000n, 0x2080_0000n), logBuffer: r(0x206f_0000n, 0x2070_0000n) }), hostDt())))
        .toBe("assertion failed: offset <= self.len()");
    });
  });

  it("renders the contract's boot --json fields", () => {
    const j = partitionJson(run(shimBase(), hostDt()));
    expect(j.vtl2Ram).toEqual([{ start: "0x20000000", end: "0x21000000", vnode: 0, igvmType: 3 }]);
    expect((j.addressSpace as unknown[]).at(-1)).toEqual({ start: "0x20e00000", end: "0x21000000", vnode: 0, type: "VTL2_GPA_POOL" });
    expect(j.memoryAllocationMode).toEqual({ mode: "host" });
  });
});
