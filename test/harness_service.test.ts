// Host-side pieces of `hclboot boot` / `hclboot service` that do not need a boot: the text report,
// CPU lists, the topology comparison behind `agree`, and the tamper kinds on a saved state.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import fc from "fast-check";
import { bootText, formatSize, table } from "../host/harness/boot_text.js";
import { applyTamper, compareTopologies, parseCpuList, topologyOf } from "../host/harness/service.js";
import { decodeHeader, persistInputFromBoot, writePersistedInfo, PERSISTED_STATE_MAGIC } from "../host/persist/save.js";
import { decodeSavedStateJs } from "../host/persist/saved_state_proto.js";
import type { BootOutput, ServiceOutput } from "../host/contract.js";
import { InputError } from "../host/errors.js";
import { bootFixture } from "./helpers/fixtures.js";

// Hand-written contract objects (test/fixtures/boot/README.md): inputs of pure functions only.
const boot = bootFixture<BootOutput>("x64-two-nodes-sidecar.json");
const differ = bootFixture<ServiceOutput>("service-differ.json");

describe("formatSize / table", () => {
  it("prints the largest exact unit", () => {
    expect(formatSize(0x5000n)).toBe("20 KiB");
    expect(formatSize(0x20000000n)).toBe("512 MiB");
    expect(formatSize(0x1800n)).toBe("6 KiB");
    expect(formatSize(0x1801n)).toBe("6.00 KiB");
    expect(formatSize(0xffb000n)).toBe("15.98 MiB");
    expect(formatSize(0x120000000n)).toBe("4.50 GiB");
    expect(formatSize(1000n)).toBe("1000 bytes");
    expect(formatSize(1n << 40n)).toBe("1 TiB");
  });

  it("pads columns to the widest cell", () => {
    expect(table(["a", "bb"], [["xxx", "y"], ["z", "w"]])).toEqual(["a    bb", "---  --", "xxx  y", "z    w"]);
  });
});

describe("bootText", () => {
  it("shows the log, every VTL2 range with size/node/type, MMIO, RAM per node, sidecar, command line and E820", () => {
    const t = bootText(boot, [{ addr: 0n, size: 0x9fc00n, type: 1 }, { addr: 0x221108000n, size: 0x1000n, type: 2 }]).split("\n");
    expect(t.slice(0, 3)).toEqual(["boot log:", "  fixture boot log line 1", "  fixture boot log line 2"]);
    expect(t).toContain("x86_64, isolation none, 16 CPUs, memory allocation mode host");
    expect(t).toContain(`VTL2 address space (${boot.addressSpace.length} ranges):`);
    expect(t).toContain("  0x221108000  0x221109000  0x1000 (4 KiB)        0     VTL2_PERSISTED_STATE_HEADER");
    expect(t).toContain("  0x221118000  0x221a00000  0x8e8000 (8.91 MiB)   0     VTL2_RAM");
    expect(t).toContain("  0x220005000  0x221000000  0xffb000 (15.98 MiB)  0     VTL2_RAM");
    expect(t).toContain("  0x222000000  0x223e00000  0x1e00000 (30 MiB)    1     VTL2_RAM");
    expect(t).toContain("VTL2 RAM: 2 range(s), 64 MiB");
    expect(t.slice(t.indexOf("VTL2 MMIO:"), t.indexOf("VTL2 MMIO:") + 5)).toEqual([
      "VTL2 MMIO:",
      "  start         end           size",
      "  ------------  ------------  ------------------",
      "  0xf8000000    0xfc000000    0x4000000 (64 MiB)",
      "  0x3fc0000000  0x4000000000  0x40000000 (1 GiB)",
    ]);
    expect(t).toContain("partition RAM: 3 range(s), 8 GiB on 2 node(s)");
    expect(t).toContain("  0     2       0x100000000 (4 GiB)");
    expect(t).toContain("sidecar: 2 node(s)");
    expect(t).toContain("  1     0x223e00000  0x200000 (2 MiB)  8        8");
    expect(t.slice(t.indexOf("kernel command line:"), t.indexOf("kernel command line:") + 2)).toEqual(["kernel command line:", "  console=ttyS0 panic=-1"]);
    expect(t.slice(t.indexOf("E820 (2 entries):"))).toEqual([
      "E820 (2 entries):",
      "  start        end          size               type",
      "  -----------  -----------  -----------------  ----------",
      "  0x0          0x9fc00      0x9fc00 (639 KiB)  1 RAM",
      "  0x221108000  0x221109000  0x1000 (4 KiB)     2 RESERVED",
    ]);
  });

  it("says so when there is no sidecar, no MMIO and no E820 map", () => {
    const t = bootText({ ...boot, sidecar: null, vtl0Mmio: [] }, []).split("\n");
    expect(t).toContain("sidecar: none");
    expect(t).toContain("VTL0 MMIO: none");
    expect(t).toContain("E820: none (no x86 boot parameters)");
  });
});

describe("parseCpuList", () => {
  it("reads numbers and ranges, sorted without duplicates", () => {
    expect(parseCpuList("")).toEqual([]);
    expect(parseCpuList("3,0-2,2")).toEqual([0, 1, 2, 3]);
    expect(parseCpuList(" 7 , 5-6 ")).toEqual([5, 6, 7]);
  });

  it("rejects malformed lists with an input error naming the option", () => {
    expect(() => parseCpuList("1,a", "--io-cpus")).toThrow(new InputError('--io-cpus: expected numbers and ranges like 0,2,5-7, got "1,a"'));
    expect(() => parseCpuList("5-3", "--io-cpus")).toThrow(new InputError('--io-cpus: bad range "5-3"'));
  });

  it("round-trips any set of CPU ids", () => {
    fc.assert(fc.property(fc.uniqueArray(fc.nat(4096), { maxLength: 40 }), (ids) => {
      expect(parseCpuList(ids.join(","))).toEqual([...ids].sort((a, b) => a - b));
    }));
  });
});

describe("compareTopologies", () => {
  it("finds nothing when both boots are the same", () => {
    expect(compareTopologies(boot, structuredClone(boot))).toEqual([]);
  });

  it("names each moved range, in the address space and in the pool", () => {
    expect(compareTopologies(differ.first, differ.second)).toEqual([
      "address space: 0x221118000-0x221a00000 VTL2_RAM (node 0) only in the first boot",
      "address space: 0x221a00000-0x221c00000 VTL2_SIDECAR_NODE (node 0) only in the first boot",
      "address space: 0x221c00000-0x222000000 VTL2_GPA_POOL (node 0) only in the first boot",
      "address space: 0x221118000-0x221800000 VTL2_RAM (node 0) only after servicing",
      "address space: 0x221800000-0x221a00000 VTL2_SIDECAR_NODE (node 0) only after servicing",
      "address space: 0x221a00000-0x222000000 VTL2_GPA_POOL (node 0) only after servicing",
      "pool: 0x221c00000-0x222000000 (node 0) only in the first boot",
      "pool: 0x221a00000-0x222000000 (node 0) only after servicing",
    ]);
  });

  it("reports a changed type, node, MMIO range or VTL2 RAM range", () => {
    const b = structuredClone(boot);
    b.addressSpace[0]!.type = "VTL2_RAM";
    b.vtl2Mmio = b.vtl2Mmio.slice(1);
    b.vtl2Ram[1]!.vnode = 0;
    expect(compareTopologies(boot, b)).toEqual([
      // compared merged: after the node change the two touching node-0 ranges are one
      "VTL2 RAM: 0x220000000-0x222000000 (node 0, igvm type 3) only in the first boot",
      "VTL2 RAM: 0x222000000-0x224000000 (node 1, igvm type 3) only in the first boot",
      "VTL2 RAM: 0x220000000-0x224000000 (node 0, igvm type 3) only after servicing",
      "address space: 0x220000000-0x220005000 VTL2_CONFIG (node 0) only in the first boot",
      "address space: 0x220000000-0x220005000 VTL2_RAM (node 0) only after servicing",
      "VTL2 MMIO: 0xf8000000-0xfc000000 only in the first boot",
    ]);
  });
});

describe("applyTamper", () => {
  // The fixture leaves VTL2 RAM out of partition RAM; a real memory map lists it (igvm type 3).
  const topology = topologyOf({ ...boot, partitionRam: [...boot.partitionRam, ...boot.vtl2Ram] });
  const saved = writePersistedInfo(persistInputFromBoot(topology, [1], [2, 3]));
  const region = { start: 0x221108000n, end: 0x221118000n };

  it("saves the fixture's map at the persisted header, protobuf right after it", () => {
    expect(saved.headerGpa).toBe(0x221108000n);
    expect(saved.protobufGpa).toBe(0x221109000n);
    expect(decodeHeader(saved.image).magic).toBe(PERSISTED_STATE_MAGIC);
    expect(decodeSavedStateJs(saved.payload).cpusWithOutstandingIo).toEqual([2, 3]);
  });

  it("magic: only the magic changes", () => {
    const t = applyTamper(saved, "magic", region);
    expect(decodeHeader(t)).toEqual({ ...decodeHeader(saved.image), magic: PERSISTED_STATE_MAGIC ^ 0xffn });
    expect(t.subarray(32)).toEqual(saved.image.subarray(32));
  });

  it("move-protobuf: the header points past the persisted-state region", () => {
    expect(decodeHeader(applyTamper(saved, "move-protobuf", region)).protobufBase).toBe(region.end);
  });

  it("truncate: the payload length is halved", () => {
    expect(decodeHeader(applyTamper(saved, "truncate", region)).protobufPayloadLen).toBe(BigInt(Math.floor(saved.payload.length / 2)));
  });

  it("garble: the first payload bytes become 0xff, the header stays", () => {
    const t = applyTamper(saved, "garble", region);
    expect(t.subarray(0, 32)).toEqual(saved.image.subarray(0, 32));
    expect([...t.subarray(0x1000, 0x1008)]).toEqual(Array(8).fill(0xff));
    expect(t.length).toBe(saved.image.length);
  });
});

describe("compareTopologies (VTL2 RAM representation)", () => {
  it("agrees when the restore merges touching VTL2 RAM ranges of one node", async () => {
    const { compareTopologies } = await import("../host/harness/service.js");
    const base = { ok: true, arch: "x86_64", isolation: "none", memoryAllocationMode: { mode: "vtl2", memorySize: null, mmioSize: null }, cpuCount: 1, partitionRam: [], vtl0Mmio: [], vtl2Mmio: [], addressSpace: [], sidecar: null, kernelCommandLine: "", bootLog: [] } as const;
    const split = { ...base, vtl2Ram: [{ start: "0x1000", end: "0x2000", vnode: 0, igvmType: 0 }, { start: "0x2000", end: "0x4000", vnode: 0, igvmType: 0 }] };
    const merged = { ...base, vtl2Ram: [{ start: "0x1000", end: "0x4000", vnode: 0, igvmType: 0 }] };
    expect(compareTopologies(split as never, merged as never)).toEqual([]);
    // different nodes never merge: that is a real difference
    const twoNodes = { ...base, vtl2Ram: [{ start: "0x1000", end: "0x2000", vnode: 0, igvmType: 0 }, { start: "0x2000", end: "0x4000", vnode: 1, igvmType: 0 }] };
    expect(compareTopologies(twoNodes as never, merged as never).length).toBeGreaterThan(0);
  });
});
