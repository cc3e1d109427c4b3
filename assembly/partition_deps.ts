//! The other modules' APIs that the partition topology code uses, gathered in one place. The
//! host device tree types are a TEMPORARY stand-in with the planned names (PREAMBLE.md) until
//! assembly/host_fdt_parser.ts lands; everything else is re-exported from its module.
// Ports: openhcl/host_fdt_parser/src/lib.rs (types only, stand-in)

import { MemoryRange } from "./memory_range";
import { RangeList } from "./range_list";
import { memTypeDebug } from "./host_fdt/error";

// --- ranges (landed) -----------------------------------------------------------------------
export { RangeList, RangeWalk, WALK_NEITHER, WALK_LEFT, WALK_RIGHT, WALK_BOTH } from "./range_list";
export { walkRanges, subtractRanges } from "./range_walk";

// --- host_fdt_parser types (assembly/host_fdt_parser.ts once it lands) ------------------------

/** One memory entry of the host memory map. */
export class MemoryEntry {
  constructor(public range: MemoryRange, public memType: u32, public vnode: u32) {}
}

/** A VMBus node: connection id and up to two mmio ranges. */
export class VmbusInfo {
  mmio: RangeList = new RangeList(2);
  constructor(public connectionId: u32) {}
}

/** GIC information (aarch64). */
export class GicInfo {
  distributorBase: u64 = 0;
  distributorSize: u64 = 0;
  redistributorsBase: u64 = 0;
  redistributorsSize: u64 = 0;
  redistributorStride: u64 = 0;
}

/** Host or VTL2 memory allocation mode, with the optional VTL2 sizes. */
export class MemoryAllocationMode {
  vtl2: bool = false;
  memorySize: u64 = 0;
  hasMemorySize: bool = false;
  mmioSize: u64 = 0;
  hasMmioSize: bool = false;
}

/** igvm_defs MemoryMapEntryType values. */
export const MEMORY_TYPE_MEMORY: u32 = 0;
export const MEMORY_TYPE_PLATFORM_RESERVED: u32 = 1;
export const MEMORY_TYPE_PERSISTENT: u32 = 2;
export const MEMORY_TYPE_VTL2_PROTECTABLE: u32 = 3;

/**
 * `{:?}` of a MemoryMapEntryType. openhcl_boot builds igvm_defs without its `unstable` feature, so
 * SPECIFIC_PURPOSE (4) and HIDDEN (5) are unnamed there and print as `MemoryMapEntryType(n)`.
 */
export function memoryMapEntryTypeName(t: u32): string {
  return memTypeDebug(t);
}

/** STAND-IN for the parsed host device tree (planned API of assembly/host_fdt_parser.ts). */
export class ParsedDeviceTree {
  cpuCount: i32 = 0;
  cpuRegs: StaticArray<u64> = new StaticArray<u64>(2048);
  cpuVnodes: StaticArray<u32> = new StaticArray<u32>(2048);
  memoryCount: i32 = 0;
  memoryEntries: StaticArray<MemoryEntry | null> = new StaticArray<MemoryEntry | null>(1024);
  vmbusVtl0: VmbusInfo | null = null;
  vmbusVtl2: VmbusInfo | null = null;
  commandLine: string = "";
  com3SerialAvailable: bool = false;
  gic: GicInfo | null = null;
  pmuGsiv: u32 = 0;
  hasPmuGsiv: bool = false;
  memoryAllocationMode: MemoryAllocationMode = new MemoryAllocationMode();
  entropy: StaticArray<u8> = new StaticArray<u8>(256);
  entropyLen: i32 = 0;
  hasEntropy: bool = false;
  deviceDmaPageCount: u64 = 0;
  hasDeviceDmaPageCount: bool = false;
  nvmeKeepalive: bool = false;
  vtl0AliasMap: u64 = 0;
  hasVtl0AliasMap: bool = false;
  bootCpuidPhys: u32 = 0;

  /** APIC id / MPIDR of CPU i. */
  cpuReg(i: i32): u64 { return this.cpuRegs[i]; }
  /** NUMA node of CPU i. */
  cpuVnode(i: i32): u32 { return this.cpuVnodes[i]; }
  /** Memory entry i (sorted by start). */
  memory(i: i32): MemoryEntry { return this.memoryEntries[i]!; }
}

// --- cmdline.rs, dma_hint.rs, mmio.rs (landed) ----------------------------------------------
export {
  BootCommandLineOptions, Vtl2GpaPoolConfig, SidecarOptions, SIDECAR_ENABLED, SIDECAR_DISABLED_SERVICING,
} from "./cmdline";
export { selectVtl2MmioRange } from "./mmio";
import { pickPrivatePoolSize as pickPoolSize } from "./dma_hint";
import { Vtl2GpaPoolConfig } from "./cmdline";

/** pick_private_pool_size: the pool size in pages, or -1 for `None`. */
export function pickPrivatePoolSize(cfg: Vtl2GpaPoolConfig, hasDt: bool, dt: u64, vpCount: i32, memSize: u64): i64 {
  const size = pickPoolSize(cfg, dt, hasDt, <u64>vpCount, memSize);
  return size.isSome ? <i64>size.pages : -1;
}
