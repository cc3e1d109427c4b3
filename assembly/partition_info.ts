//! What the boot shim knows about the partition after reading the host device tree: VTL2 and
//! partition ram, CPUs, VMBus mmio, command line, allocation mode; and the device tree errors.
// Ports: openhcl/openhcl_boot/src/host_params/mod.rs (PartitionInfo),
//        openhcl/openhcl_boot/src/host_params/dt/mod.rs (DtError, PartitionTopology)

import { RangeList, VmbusInfo, GicInfo, MemoryAllocationMode, BootCommandLineOptions } from "./partition_deps";
import {
  MAX_VTL2_RAM_RANGES, MAX_PARTITION_RAM_RANGES, MAX_CPU_COUNT, MAX_ENTROPY_SIZE,
  NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE,
} from "./partition_limits";
import { ISOLATION_NONE } from "./partition_inputs";

/** Memory entries are kept in RangeLists with tag = (memType << 32) | vnode. */
@inline export function entryTag(memType: u32, vnode: u32): u64 {
  return (<u64>memType << 32) | <u64>vnode;
}
/** The vnode of an entry tag. */
@inline export function tagVnode(tag: u64): u32 {
  return <u32>(tag & 0xffff_ffff);
}
/** The memory map entry type of an entry tag. */
@inline export function tagMemType(tag: u64): u32 {
  return <u32>(tag >> 32);
}

/** DtError variants. */
export const DT_NO_DEVICE_TREE: u32 = 0;
export const DT_DEVICE_TREE: u32 = 1;
export const DT_COMMAND_LINE_SIZE: u32 = 2;
export const DT_VTL2_VMBUS: u32 = 3;
export const DT_VTL0_VMBUS: u32 = 4;
export const DT_NOT_ENOUGH_VTL0_MMIO: u32 = 5;
export const DT_NOT_ENOUGH_VTL2_MMIO: u32 = 6;

/** An error reading the host device tree (returned, not panicked). */
export class DtError {
  /** For DeviceTree: the host_fdt_parser error text. */
  source: string = "";
  constructor(public kind: u32) {}

  /** The `#[error]` text. */
  message(): string {
    switch (this.kind) {
      case DT_NO_DEVICE_TREE: return "no device tree provided by host";
      case DT_DEVICE_TREE: return "host provided device tree is invalid";
      case DT_COMMAND_LINE_SIZE: return "commandline storage is too small to write the parsed command line";
      case DT_VTL2_VMBUS: return "device tree did not contain a vmbus node for VTL2";
      case DT_VTL0_VMBUS: return "device tree did not contain a vmbus node for VTL0";
      case DT_NOT_ENOUGH_VTL0_MMIO: return "host provided high MMIO range is insufficient to cover VTL0 and VTL2";
    }
    return "host provided MMIO range is insufficient to cover VTL2";
  }

  /** The variant name (what `{:?}` starts with). */
  variant(): string {
    switch (this.kind) {
      case DT_NO_DEVICE_TREE: return "NoDeviceTree";
      case DT_DEVICE_TREE: return "DeviceTree";
      case DT_COMMAND_LINE_SIZE: return "CommandLineSize";
      case DT_VTL2_VMBUS: return "Vtl2Vmbus";
      case DT_VTL0_VMBUS: return "Vtl0Vmbus";
      case DT_NOT_ENOUGH_VTL0_MMIO: return "NotEnoughVtl0Mmio";
    }
    return "NotEnoughVtl2Mmio";
  }
}

/** VTL2 ram, VTL0/VTL2 mmio and allocation mode decided from the host or persisted state. */
export class PartitionTopology {
  vtl2Ram: RangeList = new RangeList(MAX_VTL2_RAM_RANGES);
  vtl0Mmio: RangeList = new RangeList(2);
  vtl2Mmio: RangeList = new RangeList(2);
  memoryAllocationMode: MemoryAllocationMode = new MemoryAllocationMode();
}

/** Sidecar per-CPU start overrides (sidecar_defs PerCpuState). */
export class PerCpuState {
  perCpuStateSpecified: bool = false;
  sidecarStartsCpu: StaticArray<bool> = new StaticArray<bool>(NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE);
  constructor() {
    for (let i = 0; i < NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) this.sidecarStartsCpu[i] = true;
  }
}

/** Information about the guest partition (upstream PartitionInfo). */
export class PartitionInfo {
  /** VTL2 ram, sorted, non-overlapping; tag = entryTag(memType, vnode). */
  vtl2Ram: RangeList = new RangeList(MAX_VTL2_RAM_RANGES);
  /** The host's full memory map; tag = entryTag(memType, vnode). */
  partitionRam: RangeList = new RangeList(MAX_PARTITION_RAM_RANGES);
  isolation: u32 = ISOLATION_NONE;
  bspReg: u32 = 0;
  cpuCount: i32 = 0;
  cpuRegs: StaticArray<u64> = new StaticArray<u64>(MAX_CPU_COUNT);
  cpuVnodes: StaticArray<u32> = new StaticArray<u32>(MAX_CPU_COUNT);
  sidecarCpuOverrides: PerCpuState = new PerCpuState();
  vmbusVtl2: VmbusInfo = new VmbusInfo(0);
  vmbusVtl0: VmbusInfo = new VmbusInfo(0);
  /** Command line for the kernel (at most COMMAND_LINE_SIZE bytes). */
  cmdline: string = "";
  com3SerialAvailable: bool = false;
  memoryAllocationMode: MemoryAllocationMode = new MemoryAllocationMode();
  hasEntropy: bool = false;
  entropy: StaticArray<u8> = new StaticArray<u8>(MAX_ENTROPY_SIZE);
  entropyLen: i32 = 0;
  hasVtl0AliasMap: bool = false;
  vtl0AliasMap: u64 = 0;
  nvmeKeepalive: bool = false;
  bootOptions: BootCommandLineOptions = new BootCommandLineOptions();
  gic: GicInfo | null = null;
  hasPmuGsiv: bool = false;
  pmuGsiv: u32 = 0;
}
