//! What the boot shim knows about the partition after reading the host device tree: VTL2 and
//! partition ram, CPUs, VMBus mmio, command line, allocation mode; and the device tree errors.
// Ports: openhcl/openhcl_boot/src/host_params/mod.rs (PartitionInfo),
//        openhcl/openhcl_boot/src/host_params/dt/mod.rs (DtError, PartitionTopology)

import { RangeList } from "../../../support/memory_range/lib";
import { VmbusInfo, GicInfo, MemoryAllocationMode, HostDtParseError } from "../../../support/host_fdt_parser/lib";
import { BootCommandLineOptions } from "../../cmdline/cmdline";
import { PerCpuState } from "../../../support/sidecar_defs/sidecar_defs";
import { MAX_VTL2_RAM_RANGES, MAX_PARTITION_RAM_RANGES, MAX_CPU_COUNT, MAX_ENTROPY_SIZE } from "./partition_limits";
import { ISOLATION_NONE } from "../shim_params/shim_params";
import { uninitStaticArray } from "../../../rt/storage";

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

/** The mmio ranges of a VMBus node as a RangeList (tags 0). */
export function vmbusMmioList(v: VmbusInfo): RangeList {
  const out = new RangeList(2);
  for (let i = 0; i < v.mmioCount; i++) out.push(v.mmioStart(i), v.mmioEnd(i), 0);
  return out;
}

/** Replaces the mmio ranges of `v` with the (at most two) ranges of `list`. */
export function setVmbusMmio(v: VmbusInfo, list: RangeList): void {
  v.mmioCount = list.length;
  v.mmioStart0 = list.length > 0 ? list.start(0) : 0;
  v.mmioEnd0 = list.length > 0 ? list.end(0) : 0;
  v.mmioStart1 = list.length > 1 ? list.start(1) : 0;
  v.mmioEnd1 = list.length > 1 ? list.end(1) : 0;
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
  /** For DeviceTree: the host_fdt_parser error. */
  source: HostDtParseError | null = null;
  constructor(public kind: u32) {}

  /** A `DeviceTree` error wrapping the parser's error. */
  static deviceTree(source: HostDtParseError): DtError {
    const e = new DtError(DT_DEVICE_TREE);
    e.source = source;
    return e;
  }

  /** The `#[error]` (Display) text. */
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

  /** Display text of the `#[source]` error, or "" when the variant has none. */
  sourceMessage(): string {
    const s = this.source;
    return s !== null ? s.message() : "";
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

  /** Rust's derived `{:?}`: the variant, with the wrapped parser error for `DeviceTree`. */
  debug(): string {
    const s = this.source;
    if (s !== null) return this.variant() + "(" + s.debug() + ")";
    return this.variant();
  }
}

/** VTL2 ram, VTL0/VTL2 mmio and allocation mode decided from the host or persisted state. */
export class PartitionTopology {
  vtl2Ram: RangeList = new RangeList(MAX_VTL2_RAM_RANGES);
  vtl0Mmio: RangeList = new RangeList(2);
  vtl2Mmio: RangeList = new RangeList(2);
  memoryAllocationMode: MemoryAllocationMode = new MemoryAllocationMode();
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
  /** Per CPU below `cpuCount` (the rest is not zeroed). */
  cpuRegs: StaticArray<u64> = uninitStaticArray<u64>(MAX_CPU_COUNT);
  cpuVnodes: StaticArray<u32> = uninitStaticArray<u32>(MAX_CPU_COUNT);
  sidecarCpuOverrides: PerCpuState = new PerCpuState();
  vmbusVtl2: VmbusInfo = new VmbusInfo();
  vmbusVtl0: VmbusInfo = new VmbusInfo();
  /** Command line for the kernel (at most COMMAND_LINE_SIZE bytes). */
  cmdline: string = "";
  com3SerialAvailable: bool = false;
  memoryAllocationMode: MemoryAllocationMode = new MemoryAllocationMode();
  hasEntropy: bool = false;
  entropy: StaticArray<u8> = uninitStaticArray<u8>(MAX_ENTROPY_SIZE);
  entropyLen: i32 = 0;
  hasVtl0AliasMap: bool = false;
  vtl0AliasMap: u64 = 0;
  nvmeKeepalive: bool = false;
  bootOptions: BootCommandLineOptions = new BootCommandLineOptions();
  gic: GicInfo | null = null;
  hasPmuGsiv: bool = false;
  pmuGsiv: u32 = 0;
}
