// Shared inputs of the read_from_dt tests (test/partition.test.ts, test/topology_audit.test.ts): a
// 16 MiB VTL2 image at 512 MiB and host device trees in host and VTL2 allocation mode.
import type { Range } from "../../host/shim/memory.js";
import type { ShimValues, HostDtValues } from "../../host/shim/partition.js";

/** A range `{start, end}` from numbers or bigints. */
export const r = (start: number | bigint, end: number | bigint): Range => ({ start: BigInt(start), end: BigInt(end) });

/** IGVM memory-map entry types the device trees use. */
export const MEMORY = 0;
export const VTL2_PROTECTABLE = 3;
export const MB = 0x10_0000n;
export const GB = 0x4000_0000n;

/**
 * A 16 MiB VTL2 image at 512 MiB: parameter region first (device tree pages 40..104 are
 * reclaimed), 8 MiB used by the shim, log buffer, heap and persisted state at the end of that.
 */
export const shimBase = (over: Partial<ShimValues> = {}): ShimValues => ({
  memoryStart: 0x2000_0000n, memorySize: 16n * MB,
  parameterRegionStart: 0x2000_0000n, parameterRegionSize: 0x6a000n,
  used: r(0x2000_0000n, 0x2080_0000n),
  logBuffer: r(0x206f_0000n, 0x2070_0000n),
  heap: r(0x206e_0000n, 0x206f_0000n),
  persistedState: r(0x2070_0000n, 0x2080_0000n),
  commandLine: { policy: "static", text: "OPENHCL_ENABLE_VTL2_GPA_POOL=512" },
  ...over,
});

/** The host's two VTL0 mmio ranges. */
export const vtl0Mmio = [r(0xf000_0000n, 0xf800_0000n), r(0x10_0000_0000n, 0x10_4000_0000n)];
/** Two CPUs on node 0. */
export const cpus = [{ reg: 0n, vnode: 0 }, { reg: 1n, vnode: 0 }];

/** Host mode: the host reports the VTL2 image range as VTL2_PROTECTABLE. */
export const hostDt = (over: Partial<HostDtValues> = {}): HostDtValues => ({
  cpus,
  memory: [
    { ...r(0n, 0x2000_0000n), vnode: 0, igvmType: MEMORY },
    { ...r(0x2000_0000n, 0x2100_0000n), vnode: 0, igvmType: VTL2_PROTECTABLE },
    { ...r(0x2100_0000n, 0x8000_0000n), vnode: 0, igvmType: MEMORY },
  ],
  vmbusVtl0: { connectionId: 1, mmio: vtl0Mmio },
  vmbusVtl2: { connectionId: 4, mmio: [] },
  commandLine: "",
  ...over,
});

/** VTL2 allocation mode over a two-node guest: node 0 below 2 GiB, node 1 at 4..6 GiB. */
export const vtl2Dt = (mode: { memorySize?: bigint; mmioSize?: bigint } = {}, over: Partial<HostDtValues> = {}): HostDtValues => ({
  cpus,
  memory: [
    { ...r(0n, 0x8000_0000n), vnode: 0, igvmType: MEMORY },
    { ...r(0x1_0000_0000n, 0x1_8000_0000n), vnode: 1, igvmType: MEMORY },
  ],
  vmbusVtl0: { connectionId: 1, mmio: vtl0Mmio },
  vmbusVtl2: { connectionId: 4, mmio: [] },
  memoryAllocationMode: { mode: "vtl2", ...mode },
  ...over,
});
