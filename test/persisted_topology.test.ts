// topology_from_persisted_state pieces (region checks, merged VTL2 RAM, persisted region, pool,
// MMIO) and the servicing sidecar overrides, driven by images the save side writes.
import { describe, it, expect, beforeAll } from "vitest";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { persistInputFromBoot, writePersistedInfo, tamperProtobufRegion, tamperPayloadLen, encodeHeader, type BootTopology, type PersistInput } from "../host/persist/save.js";
import { persistedTopologyParts } from "../host/shim/persisted_state.js";
import { panicOf } from "./helpers/panic.js";

const GB = 0x4000_0000n;
const PERSISTED_END = GB + 0x20_0000n; // the shim's 2 MiB persisted-state region
const boot: BootTopology = {
  partitionRam: [
    { start: 0n, end: GB, vnode: 0, igvmType: 1 },
    { start: GB, end: 2n * GB, vnode: 1, igvmType: 1 },
  ],
  addressSpace: [
    { start: GB, end: GB + 0x1000n, vnode: 1, type: "VTL2_PERSISTED_STATE_HEADER" },
    { start: GB + 0x1000n, end: GB + 0x14000n, vnode: 1, type: "VTL2_PERSISTED_STATE_PROTOBUF" },
    { start: GB + 0x20_0000n, end: GB + 0x100_0000n, vnode: 1, type: "VTL2_RAM" },
    { start: GB + 0x100_0000n, end: GB + 0x120_0000n, vnode: 1, type: "VTL2_GPA_POOL" },
    { start: GB + 0x14000n, end: GB + 0x20_0000n, vnode: 1, type: "VTL2_CONFIG" },
  ],
  vtl0Mmio: [{ start: 0xf000_0000n, end: 0x1_0000_0000n }, { start: 0x10_0000_0000n, end: 0x20_0000_0000n }],
  vtl2Mmio: [{ start: 0xe000_0000n, end: 0xf000_0000n }],
};

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

function place(image: Uint8Array): void {
  const mem = new Uint8Array(Number(PERSISTED_END - GB));
  mem.set(image, 0);
  shim.setGuest({
    read(gpa, dst) {
      if (gpa < GB || gpa + BigInt(dst.length) > PERSISTED_END) return false;
      dst.set(mem.subarray(Number(gpa - GB), Number(gpa - GB) + dst.length));
      return true;
    },
    write: () => false,
  });
}

function withMap(edit: (input: PersistInput) => void): Uint8Array {
  const input = persistInputFromBoot(boot, [], []);
  edit(input);
  return writePersistedInfo(input).image;
}

describe("topology_from_persisted_state", () => {
  it("rebuilds VTL2 RAM as one merged range and carries over region, pool and MMIO", () => {
    place(writePersistedInfo(persistInputFromBoot(boot)).image);
    const t = persistedTopologyParts(shim, GB, PERSISTED_END)!;
    expect(t.vtl2Ram).toEqual([{ start: GB, end: GB + 0x120_0000n, igvmType: 1, vnode: 1 }]);
    expect(t.persistedRegion).toEqual({ start: GB, end: GB + 0x14000n });
    expect(t.poolRanges).toEqual([{ start: GB + 0x100_0000n, end: GB + 0x120_0000n }]);
    expect(t.vtl0Mmio).toEqual(boot.vtl0Mmio);
    expect(t.vtl2Mmio).toEqual(boot.vtl2Mmio);
    expect(shim.log()[0]).toBe("[INFO] reading topology from persisted state");
  });

  it("does not merge adjacent ranges on different vnodes or igvm types", () => {
    place(withMap((input) => {
      for (const e of input.partitionMemoryMap) if (e.kind === "memory" && e.vtlType === 8) e.vnode = 0;
    }));
    const t = persistedTopologyParts(shim, GB, PERSISTED_END)!;
    expect(t.vtl2Ram).toEqual([
      { start: GB, end: GB + 0x100_0000n, igvmType: 1, vnode: 1 },
      { start: GB + 0x100_0000n, end: GB + 0x120_0000n, igvmType: 1, vnode: 0 },
    ]);
  });

  it("panics when the protobuf region leaves the persisted-state region", () => {
    place(tamperProtobufRegion(writePersistedInfo(persistInputFromBoot(boot)).image, GB + 0x20_0000n, 0x1000n));
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe(
      "protobuf region MemoryRange {\n    start: 0x40200000,\n    end: 0x40201000,\n} is not contained within the persisted state region MemoryRange {\n    start: 0x40000000,\n    end: 0x40200000,\n}",
    );
  });

  it("panics like MemoryRange::new on an unaligned or wrapping protobuf region (release arithmetic wraps)", () => {
    const image = writePersistedInfo(persistInputFromBoot(boot)).image;
    place(tamperProtobufRegion(image, GB + 0x1001n));
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
    place(tamperProtobufRegion(image, 0xffff_ffff_ffff_f000n, 0x2000n));
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe("assertion failed: range.start <= range.end");
  });

  it("panics when the payload length exceeds the region length", () => {
    place(tamperPayloadLen(writePersistedInfo(persistInputFromBoot(boot)).image, 0x13001n));
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe("protobuf payload len 77825 is larger than region len 77824");
  });

  it("panics like merge_adjacent_ranges on unsorted or overlapping saved RAM", () => {
    place(withMap((input) => input.partitionMemoryMap.reverse()));
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe("ranges are not sorted");
    place(withMap((input) => {
      const e = input.partitionMemoryMap.find((m) => m.kind === "memory" && m.vtlType === 8)!;
      e.start -= 0x1000n;
    }));
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe("ranges overlap");
  });

  it("panics when the saved state lacks the header range", () => {
    place(withMap((input) => {
      for (const e of input.partitionMemoryMap) if (e.kind === "memory" && e.vtlType === 11) e.vtlType = 1;
    }));
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe("persisted state header missing");
  });

  it("panics when the saved header range does not end at the protobuf region", () => {
    // The payload moved one page up, with the header pointing at it: it decodes, but the saved
    // header range (ending at GB + 0x1000) no longer meets the protobuf region (GB + 0x2000).
    const out = writePersistedInfo(persistInputFromBoot(boot));
    const image = new Uint8Array(0x2000 + out.payload.length);
    image.set(encodeHeader({ protobufBase: GB + 0x2000n, protobufRegionLen: 0x12000n, protobufPayloadLen: BigInt(out.payload.length) }), 0);
    image.set(out.payload, 0x2000);
    place(image);
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe("assertion `left == right` failed\n  left: 1073745920\n right: 1073750016");
  });

  it("panics when more than two VTL0 MMIO ranges were saved", () => {
    place(withMap((input) => {
      input.partitionMemoryMap.push({ kind: "mmio", start: 0x30_0000_0000n, end: 0x30_1000_0000n, vtl: 0 });
    }));
    expect(panicOf(() => persistedTopologyParts(shim, GB, PERSISTED_END))).toBe("ArrayVec: capacity exceeded in extend/from_iter");
  });
});

describe("read_from_dt sidecar overrides for CPUs with outstanding IO", () => {
  const save = (io: number[]) => place(writePersistedInfo(persistInputFromBoot(boot, [], io)).image);

  it("excludes the CPUs with outstanding IO from sidecar start", () => {
    save([7, 3]);
    const t = persistedTopologyParts(shim, GB, PERSISTED_END, { cpuCount: 8, sidecarEnabled: true })!;
    expect(t.sidecar).toBe(1);
    expect(t.kernelStartedCpus).toEqual([3, 7]);
    expect(shim.log()).toContain("[INFO] sidecar: excluding CPUs [7, 3] due to outstanding IO");
  });

  it("disables sidecar when a CPU id does not fit the 400-entry per-CPU array", () => {
    save([1, 400]);
    const t = persistedTopologyParts(shim, GB, PERSISTED_END, { cpuCount: 401, sidecarEnabled: true })!;
    expect(t.sidecar).toBe(2);
    expect(t.kernelStartedCpus).toEqual([]);
    expect(shim.log()).toContain("[INFO] sidecar: disabling, too many CPUs for per-CPU state (max id 400)");
  });

  it("disables sidecar when the VM has more CPUs than the array even if ids fit", () => {
    save([1]);
    expect(persistedTopologyParts(shim, GB, PERSISTED_END, { cpuCount: 401, sidecarEnabled: true })!.sidecar).toBe(2);
    expect(shim.log()).toContain("[INFO] sidecar: disabling, too many CPUs for per-CPU state (max id 1)");
  });

  it("does nothing without outstanding IO or with sidecar off", () => {
    save([]);
    expect(persistedTopologyParts(shim, GB, PERSISTED_END, { cpuCount: 8, sidecarEnabled: true })!.sidecar).toBe(0);
    save([2]);
    expect(persistedTopologyParts(shim, GB, PERSISTED_END, { cpuCount: 8, sidecarEnabled: false })!.sidecar).toBe(0);
  });
});
