//! Boot-like topologies (partition RAM on NUMA nodes, VTL2 ranges with the persisted header and
//! protobuf region, VTL0/VTL2 MMIO, CPU lists) and the SavedState payload the save side writes
//! for them: the inputs of the `persisted` fuzz target.
// Ports: what openhcl/underhill_core's `write_persisted_info` saves after a boot (host/persist/save.ts).
import { persistInputFromBoot, writePersistedInfo, type BootRamRange, type BootTopology, type BootVtl2Range } from "../../persist/save.js";
import type { MemoryVtlTypeName } from "../../persist/saved_state_proto.js";
import type { Rng } from "../rng.js";

const PAGE = 0x1000n;
const MB = 1n << 20n;
const GB = 1n << 30n;

/** A topology with its CPU lists. */
export interface SeedTopology {
  boot: BootTopology;
  noIo: number[];
  io: number[];
}

/** A typical single-node boot: 4 GiB RAM around the low MMIO gap, 64 MiB VTL2 at 128 MiB. */
export function boringTopology(): SeedTopology {
  const vtl2 = 128n * MB;
  const space: BootVtl2Range[] = [
    { start: vtl2, end: vtl2 + 0x20_0000n, vnode: 0, type: "VTL2_CONFIG" },
    { start: vtl2 + 0x20_0000n, end: vtl2 + 0x3e0_0000n, vnode: 0, type: "VTL2_RAM" },
    { start: vtl2 + 0x3e0_0000n, end: vtl2 + 0x3e0_1000n, vnode: 0, type: "VTL2_PERSISTED_STATE_HEADER" },
    { start: vtl2 + 0x3e0_1000n, end: vtl2 + 0x400_0000n, vnode: 0, type: "VTL2_PERSISTED_STATE_PROTOBUF" },
  ];
  return {
    boot: {
      partitionRam: [
        { start: 0n, end: 0xf000_0000n, vnode: 0, igvmType: 0 },
        { start: 0x1_0000_0000n, end: 0x1_1000_0000n, vnode: 0, igvmType: 0 },
      ],
      addressSpace: space,
      vtl0Mmio: [{ start: 0xf000_0000n, end: 0xf800_0000n }, { start: 0xfc_0000_0000n, end: 0xfc_2000_0000n }],
      vtl2Mmio: [{ start: 0xf800_0000n, end: 0x1_0000_0000n }],
    },
    noIo: [],
    io: [],
  };
}

const VTL2_TYPES: readonly MemoryVtlTypeName[] = ["VTL2_RAM", "VTL2_CONFIG", "VTL2_GPA_POOL", "VTL2_SIDECAR_IMAGE", "VTL2_SIDECAR_NODE", "VTL2_BOOTSHIM_LOG_BUFFER", "VTL2_TDX_PAGE_TABLES"];

/** CPU id lists: empty, a few, dense up to the heap limit's neighbourhood, or big ids. */
function cpuList(rng: Rng): number[] {
  switch (rng.below(5)) {
    case 0:
    case 1: return [];
    case 2: return Array.from({ length: 1 + rng.below(8) }, () => rng.below(64));
    case 3: return Array.from({ length: rng.int(1000, 9000) }, (_, i) => i);
    default: return Array.from({ length: 1 + rng.below(16) }, () => rng.u32());
  }
}

/**
 * A random boot-like topology: 1–40 RAM ranges on up to 8 nodes with gaps (VTL0 MMIO in some),
 * VTL2 ranges of assorted types carved from RAM, the persisted header page and protobuf region.
 */
export function randomTopology(rng: Rng): SeedTopology {
  const ramCount = rng.chance(0.2) ? rng.int(8, 40) : rng.int(1, 4);
  const nodes = rng.int(1, 8);
  const ram: BootRamRange[] = [];
  const vtl0Mmio: { start: bigint; end: bigint }[] = [];
  let at = rng.chance(0.5) ? 0n : BigInt(rng.below(64)) * MB;
  for (let i = 0; i < ramCount; i++) {
    const len = rng.chance(0.5) ? BigInt(rng.int(64, 4096)) * MB : BigInt(rng.int(1, 8)) * GB;
    ram.push({ start: at, end: at + len, vnode: rng.below(nodes), igvmType: rng.chance(0.9) ? 0 : rng.below(4) });
    at += len;
    if (rng.chance(0.5)) {
      const gap = BigInt(rng.int(1, 512)) * MB;
      if (rng.chance(0.5)) vtl0Mmio.push({ start: at, end: at + gap });
      at += gap;
    }
  }
  // VTL2: a run of ranges inside one RAM range big enough for them.
  const host = ram.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
  const space: BootVtl2Range[] = [];
  let v = host.start + ((host.end - host.start) / 2n & ~(PAGE - 1n));
  const put = (len: bigint, type: MemoryVtlTypeName): void => {
    if (v + len > host.end) return;
    space.push({ start: v, end: v + len, vnode: host.vnode, type });
    v += len;
  };
  const extra = rng.below(12);
  for (let i = 0; i < extra; i++) put(BigInt(rng.int(1, 256)) * PAGE, rng.pick(VTL2_TYPES));
  if (rng.chance(0.3)) put(BigInt(rng.int(1, 64)) * PAGE, "VTL2_RESERVED"); // usermode accepts at most one
  put(PAGE, "VTL2_PERSISTED_STATE_HEADER");
  put(BigInt(rng.int(64, 1024)) * PAGE, "VTL2_PERSISTED_STATE_PROTOBUF");
  if (rng.chance(0.5)) put(BigInt(rng.int(1, 4096)) * PAGE, "VTL2_RAM");
  const vtl2Mmio = rng.chance(0.7) ? [{ start: at + 64n * MB, end: at + 64n * MB + BigInt(rng.int(1, 256)) * MB }] : [];
  if (rng.chance(0.3)) vtl0Mmio.push({ start: at + 2n * GB, end: at + 2n * GB + 512n * MB });
  return { boot: { partitionRam: ram, addressSpace: space, vtl0Mmio, vtl2Mmio }, noIo: cpuList(rng), io: cpuList(rng) };
}

/** The SavedState payload the save side writes for `t` (the bytes at the protobuf region's start). */
export function payloadFor(t: SeedTopology): Uint8Array {
  return writePersistedInfo(persistInputFromBoot(t.boot, t.noIo, t.io)).payload;
}
