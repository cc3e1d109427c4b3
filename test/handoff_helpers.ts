// Shared builders for the hand-off tests: partitions with N CPUs over M NUMA nodes.
import type { HandoffInput, AddressRangeIn, MemoryEntryIn } from "../host/shim/handoff.js";

export const MB = 0x10_0000n;
export const GB = 0x4000_0000n;
/** A bounce buffer for SNP/TDX partitions (2 MiB aligned, 2 MiB; the TDX shim requires one). */
export const BOUNCE_BUFFER = { start: 2n * GB, end: 2n * GB + 2n * MB };

/** A partition with `cpus` CPUs spread evenly over `nodes` vnodes (consecutive) and `perNode`
 * bytes of free VTL2 RAM per node starting at 1 GiB, one node after another. */
export function partition(cpus: number, nodes: number, perNode = 16n * MB): HandoffInput {
  const per = Math.ceil(cpus / nodes);
  const cpuList = Array.from({ length: cpus }, (_, i) => ({ reg: i, vnode: Math.floor(i / per) }));
  const vtl2Ram: MemoryEntryIn[] = [];
  const addressSpace: AddressRangeIn[] = [];
  for (let n = 0; n < nodes; n++) {
    const start = GB + BigInt(n) * perNode;
    vtl2Ram.push({ start, end: start + perNode, vnode: n, memType: 6 });
    addressSpace.push({ start, end: start + perNode, vnode: n, usage: "free" });
  }
  const ramEnd = GB + BigInt(nodes) * perNode;
  return {
    cpus: cpuList,
    vtl2Ram,
    partitionRam: [
      { start: 0n, end: GB, vnode: 0, memType: 0 },
      ...vtl2Ram.map((r) => ({ ...r })),
      { start: ramEnd, end: ramEnd + 4n * GB, vnode: 0, memType: 0 },
    ],
    addressSpace,
    vmbusVtl2: { connectionId: 4, mmio: [{ start: 0xf_f000_0000n, end: 0x10_0000_0000n }] },
    vmbusVtl0: { connectionId: 1, mmio: [{ start: 0xe000_0000n, end: 0xf000_0000n }] },
    sidecarSize: 0x10_0000n,
    sidecarEntryAddress: 0x20_0000n,
    initrd: { base: 0x4000_0000n, size: 0n, crc: 0 },
  };
}
