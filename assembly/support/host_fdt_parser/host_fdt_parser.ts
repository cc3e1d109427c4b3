//! The host device tree as openhcl_boot reads it: CPUs, memory, VMBus, command line, OpenHCL
//! options and arm64 interrupt controllers, in fixed-capacity storage (`ParsedDeviceTree`).
// Ports: openhcl/host_fdt_parser/src/lib.rs
//
// Capacities are those openhcl_boot instantiates the parser with (host_params/mod.rs):
// MAX_PARTITION_RAM_RANGES memory entries, MAX_CPU_COUNT CPUs, COMMAND_LINE_SIZE bytes of command
// line and MAX_ENTROPY_SIZE bytes of entropy. Exceeding the first three is upstream's error;
// longer entropy is truncated, as upstream does.

import { MemoryRange } from "../memory_range/memory_range";
import { outU8, outU64 } from "../../rt/out";
import { HostDtParseError } from "./error";

export { HostDtParseError, HostDtErrorKind } from "./error";

import { MAX_MEMORY_ENTRIES, MAX_CPU_ENTRIES, MAX_COMMAND_LINE_SIZE, MAX_ENTROPY_SIZE } from "./limits";
import { uninitStaticArray } from "../../rt/storage";

export {
  MAX_MEMORY_ENTRIES, MAX_CPU_ENTRIES, MAX_COMMAND_LINE_SIZE, MAX_ENTROPY_SIZE, COM3_REG_BASE,
} from "./limits";

/** igvm `MemoryMapEntryType` values. */
export const MEMORY_TYPE_MEMORY: u32 = 0;
export const MEMORY_TYPE_PLATFORM_RESERVED: u32 = 1;
export const MEMORY_TYPE_PERSISTENT: u32 = 2;
export const MEMORY_TYPE_VTL2_PROTECTABLE: u32 = 3;

/** One memory entry: its range, igvm memory type and NUMA node. */
export class MemoryEntry {
  constructor(public readonly range: MemoryRange, public readonly memType: u32, public readonly vnode: u32) {}
}

/** A VMBus root node: connection id and up to two MMIO ranges, sorted by start. */
export class VmbusInfo {
  /** Connection id of the VMBus message port. */
  connectionId: u32 = 0;
  /** Number of MMIO ranges (0..2). */
  mmioCount: i32 = 0;
  mmioStart0: u64 = 0;
  mmioEnd0: u64 = 0;
  mmioStart1: u64 = 0;
  mmioEnd1: u64 = 0;

  /** MMIO range `i` (i < mmioCount). */
  mmio(i: i32): MemoryRange {
    return i == 0 ? new MemoryRange(this.mmioStart0, this.mmioEnd0) : new MemoryRange(this.mmioStart1, this.mmioEnd1);
  }

  /** Start of MMIO range `i`. */
  @inline mmioStart(i: i32): u64 {
    return i == 0 ? this.mmioStart0 : this.mmioStart1;
  }

  /** End of MMIO range `i`. */
  @inline mmioEnd(i: i32): u64 {
    return i == 0 ? this.mmioEnd0 : this.mmioEnd1;
  }
}

/** The arm64 GICv3 layout from the `intc@` node. */
export class GicInfo {
  constructor(
    public readonly gicDistributorBase: u64,
    public readonly gicDistributorSize: u64,
    public readonly gicRedistributorsBase: u64,
    public readonly gicRedistributorsSize: u64,
    public readonly gicRedistributorStride: u64,
  ) {}
}

/** How OpenHCL finds its own memory: the host's VTL2 ranges, or VTL2 picks with given sizes. */
export class MemoryAllocationMode {
  /** False: `Host` mode; true: `Vtl2` mode. */
  vtl2: bool = false;
  memorySize: u64 = 0;
  hasMemorySize: bool = false;
  mmioSize: u64 = 0;
  hasMmioSize: bool = false;
}

/** Writes `m` to the result stream: u8 vtl2, u8 has memory size, u64 size, u8 has mmio size, u64 size. */
export function outMemoryAllocationMode(m: MemoryAllocationMode): void {
  outU8(m.vtl2 ? 1 : 0);
  outU8(m.hasMemorySize ? 1 : 0);
  outU64(m.memorySize);
  outU8(m.hasMmioSize ? 1 : 0);
  outU64(m.mmioSize);
}

/** Everything openhcl_boot reads from the host device tree (upstream `ParsedDeviceTree`). */
export class ParsedDeviceTree {
  /** `totalsize` of the blob. */
  deviceTreeSize: u32 = 0;
  /** Boot CPU's physical id (x86: APIC id of the BSP). */
  bootCpuidPhys: u32 = 0;
  /** Number of enabled CPUs. */
  cpuCount: i32 = 0;
  /** Number of memory entries (sorted by range). */
  memoryCount: i32 = 0;
  /** VMBus for VTL0, if present. */
  vmbusVtl0: VmbusInfo | null = null;
  /** VMBus for VTL2, if present. */
  vmbusVtl2: VmbusInfo | null = null;
  /** Byte length of the command line. */
  commandLineLen: i32 = 0;
  /** True when an ns16550 at COM3's port is on the x86 I/O bus. */
  com3SerialAvailable: bool = false;
  /** GIC layout, on arm64. */
  gic: GicInfo | null = null;
  /** PMU interrupt (a PPI), on arm64. */
  pmuGsiv: u32 = 0;
  hasPmuGsiv: bool = false;
  /** Memory allocation mode from `/openhcl`. */
  memoryAllocationMode: MemoryAllocationMode = new MemoryAllocationMode();
  /** Host entropy (first `entropyLen` bytes of `entropyBytes`). */
  hasEntropy: bool = false;
  entropyLen: i32 = 0;
  /** Device DMA page hint from `/openhcl/device-dma`. */
  deviceDmaPageCount: u64 = 0;
  hasDeviceDmaPageCount: bool = false;
  /** True when `/openhcl/keep-alive` lists nvme. */
  nvmeKeepalive: bool = false;
  /** VTL0 alias map address from `/openhcl`. */
  vtl0AliasMap: u64 = 0;
  hasVtl0AliasMap: bool = false;

  /** CPU storage (read below `cpuCount` only; not zeroed, like the memory, text and entropy storage). */
  readonly cpuRegs: StaticArray<u64> = uninitStaticArray<u64>(MAX_CPU_ENTRIES);
  readonly cpuVnodes: StaticArray<u32> = uninitStaticArray<u32>(MAX_CPU_ENTRIES);
  /** Memory storage. */
  readonly memStarts: StaticArray<u64> = uninitStaticArray<u64>(MAX_MEMORY_ENTRIES);
  readonly memEnds: StaticArray<u64> = uninitStaticArray<u64>(MAX_MEMORY_ENTRIES);
  readonly memTypes: StaticArray<u32> = uninitStaticArray<u32>(MAX_MEMORY_ENTRIES);
  readonly memVnodes: StaticArray<u32> = uninitStaticArray<u32>(MAX_MEMORY_ENTRIES);
  /** Command line and entropy storage. */
  readonly commandLineBytes: StaticArray<u8> = uninitStaticArray<u8>(MAX_COMMAND_LINE_SIZE);
  readonly entropyBytes: StaticArray<u8> = uninitStaticArray<u8>(MAX_ENTROPY_SIZE);

  /** Empties every field (upstream `ParsedDeviceTree::new`). */
  clear(): void {
    this.deviceTreeSize = 0;
    this.bootCpuidPhys = 0;
    this.cpuCount = 0;
    this.memoryCount = 0;
    this.vmbusVtl0 = null;
    this.vmbusVtl2 = null;
    this.commandLineLen = 0;
    this.com3SerialAvailable = false;
    this.gic = null;
    this.pmuGsiv = 0;
    this.hasPmuGsiv = false;
    const mode = this.memoryAllocationMode;
    mode.vtl2 = false;
    mode.memorySize = 0;
    mode.hasMemorySize = false;
    mode.mmioSize = 0;
    mode.hasMmioSize = false;
    this.hasEntropy = false;
    this.entropyLen = 0;
    this.deviceDmaPageCount = 0;
    this.hasDeviceDmaPageCount = false;
    this.nvmeKeepalive = false;
    this.vtl0AliasMap = 0;
    this.hasVtl0AliasMap = false;
  }

  /** APIC id (x86) or MPIDR affinity (arm64) of enabled CPU `i`. */
  cpuReg(i: i32): u64 {
    return this.cpuRegs[i];
  }

  /** NUMA node of enabled CPU `i`. */
  cpuVnode(i: i32): u32 {
    return this.cpuVnodes[i];
  }

  /** Memory entry `i` in range order. */
  memory(i: i32): MemoryEntry {
    return new MemoryEntry(new MemoryRange(this.memStarts[i], this.memEnds[i]), this.memTypes[i], this.memVnodes[i]);
  }

  /** Start of memory entry `i`. */
  memoryStart(i: i32): u64 {
    return this.memStarts[i];
  }

  /** End (exclusive) of memory entry `i`. */
  memoryEnd(i: i32): u64 {
    return this.memEnds[i];
  }

  /** igvm memory type of entry `i`. */
  memoryType(i: i32): u32 {
    return this.memTypes[i];
  }

  /** NUMA node of memory entry `i`. */
  memoryVnode(i: i32): u32 {
    return this.memVnodes[i];
  }

  /** The `/chosen/bootargs` command line. */
  get commandLine(): string {
    return String.UTF8.decodeUnsafe(changetype<usize>(this.commandLineBytes), <usize>this.commandLineLen, false);
  }

  /** Entropy byte `i` (i < entropyLen). */
  entropyByte(i: i32): u8 {
    return this.entropyBytes[i];
  }
}
