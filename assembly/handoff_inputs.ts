//! Everything the kernel hand-off reads: the slice of PartitionInfo, ShimParams and the boot
//! command line options that sidecar planning, the kernel command line, boot params and the
//! kernel device tree use, decoded once from a little-endian input record the host writes
//! (host/shim/handoff.ts `encodeHandoffInput`).
// Ports: openhcl/openhcl_boot/src/host_params/mod.rs (PartitionInfo fields),
// host_params/shim_params.rs (sidecar/initrd/imported-region fields), cmdline.rs (options used).
// Integration: an adapter fills HandoffInputs from PartitionInfo + ShimParams once those land.

import { panic } from "./runtime/panic";
import { AddressSpaceView, MAX_ADDRESS_RANGES } from "./address_space_view";
import { PerCpuState, NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE } from "./sidecar_defs";

/** Maximum CPUs in a partition. */
export const MAX_CPU_COUNT: i32 = 2048;
/** Maximum NUMA nodes. */
export const MAX_NUMA_NODES: u32 = 64;
/** Maximum VTL2 RAM ranges. */
export const MAX_VTL2_RAM_RANGES: i32 = 64;
/** Maximum partition RAM ranges. */
export const MAX_PARTITION_RAM_RANGES: i32 = 1024;
/** Maximum imported regions in the shim parameters. */
export const MAX_IMPORTED_REGIONS: i32 = 1024;
/** Maximum host entropy bytes. */
export const MAX_ENTROPY_SIZE: i32 = 256;

/** IsolationType. */
export const ISOLATION_NONE: u32 = 0;
export const ISOLATION_VBS: u32 = 1;
export const ISOLATION_SNP: u32 = 2;
export const ISOLATION_TDX: u32 = 3;
export const ISOLATION_CCA: u32 = 4;

/** SidecarOptions. */
export const SIDECAR_ENABLED: u32 = 0;
export const SIDECAR_DISABLED_COMMAND_LINE: u32 = 1;
export const SIDECAR_DISABLED_SERVICING: u32 = 2;

/** True for SNP, TDX and CCA (upstream `is_hardware_isolated`). */
export function isHardwareIsolated(isolation: u32): bool {
  return isolation == ISOLATION_SNP || isolation == ISOLATION_TDX || isolation == ISOLATION_CCA;
}

/** Ranges with a NUMA node and an IGVM memory type (host_fdt_parser MemoryEntry). */
@final
export class MemoryEntries {
  starts: StaticArray<u64>;
  ends: StaticArray<u64>;
  vnodes: StaticArray<u32>;
  memTypes: StaticArray<u32>;
  length: i32 = 0;

  constructor(public readonly cap: i32) {
    this.starts = new StaticArray<u64>(cap);
    this.ends = new StaticArray<u64>(cap);
    this.vnodes = new StaticArray<u32>(cap);
    this.memTypes = new StaticArray<u32>(cap);
  }
}

/** The GIC description from the host (aarch64). */
@final
export class GicInfo {
  distributorBase: u64 = 0;
  distributorSize: u64 = 0;
  redistributorsBase: u64 = 0;
  redistributorsSize: u64 = 0;
  redistributorStride: u64 = 0;
}

/** Inputs of the hand-off, mirroring the upstream fields by name. */
@final
export class HandoffInputs {
  aarch64: bool = false;
  /** ShimParams isolation type (also PartitionInfo.isolation). */
  isolation: u32 = ISOLATION_NONE;
  staticConfidentialDebug: bool = false;
  bootConfidentialDebug: bool = false;
  sidecarMode: u32 = SIDECAR_ENABLED;
  sidecarEnableLogging: bool = false;
  disableNvmeKeepAlive: bool = false;
  nvmeKeepalive: bool = false;
  com3SerialAvailable: bool = false;
  hasVtl0AliasMap: bool = false;
  vtl0AliasMap: u64 = 0;
  memoryAllocationVtl2: bool = false;
  hasMemorySize: bool = false;
  memorySize: u64 = 0;
  hasMmioSize: bool = false;
  mmioSize: u64 = 0;
  gic: GicInfo | null = null;
  hasPmuGsiv: bool = false;
  pmuGsiv: u32 = 0;
  hasEntropy: bool = false;
  entropy: StaticArray<u8> = new StaticArray<u8>(MAX_ENTROPY_SIZE);
  entropyLen: i32 = 0;
  sidecarSize: u64 = 0;
  sidecarEntryAddress: u64 = 0;
  initrdBase: u64 = 0;
  initrdSize: u64 = 0;
  initrdCrc: u32 = 0;
  /** Initrd bytes in the arena (when the image supplies them), else 0 and `initrdComputedCrc`. */
  initrdPtr: usize = 0;
  initrdLen: u32 = 0;
  hasInitrdBytes: bool = false;
  initrdComputedCrc: u32 = 0;
  bspReg: u32 = 0;
  cpuCount: i32 = 0;
  cpuReg: StaticArray<u64> = new StaticArray<u64>(MAX_CPU_COUNT);
  cpuVnode: StaticArray<u32> = new StaticArray<u32>(MAX_CPU_COUNT);
  vtl2Ram: MemoryEntries = new MemoryEntries(MAX_VTL2_RAM_RANGES);
  partitionRam: MemoryEntries = new MemoryEntries(MAX_PARTITION_RAM_RANGES);
  vmbusVtl2ConnectionId: u32 = 0;
  vmbusVtl2Mmio: MemoryEntries = new MemoryEntries(2);
  vmbusVtl0ConnectionId: u32 = 0;
  vmbusVtl0Mmio: MemoryEntries = new MemoryEntries(2);
  /** Imported regions: start/end in the entries, `accepted` flag in vnodes (0/1). */
  importedRegions: MemoryEntries = new MemoryEntries(MAX_IMPORTED_REGIONS);
  sidecarCpuOverrides: PerCpuState = new PerCpuState();
  /** PartitionInfo.cmdline (the host/dynamic part appended after the computed parameters). */
  cmdline: string = "";
  addressSpace: AddressSpaceView = new AddressSpaceView();
}

/** Sequential little-endian reader over the input record, bounds-checked. */
class Cursor {
  constructor(public ptr: usize, public end: usize) {}
  need(n: usize): usize {
    if (this.ptr + n > this.end) panic("hand-off input truncated");
    const at = this.ptr;
    this.ptr += n;
    return at;
  }
  u8(): u8 { return load<u8>(this.need(1)); }
  bool(): bool { return this.u8() != 0; }
  u32(): u32 { return load<u32>(this.need(4)); }
  u64(): u64 { return load<u64>(this.need(8)); }
  count(cap: i32, what: string): i32 {
    const n = this.u32();
    if (n > <u32>cap) panic("hand-off input: " + what + " count " + n.toString() + " exceeds capacity " + cap.toString());
    return <i32>n;
  }
  entries(into: MemoryEntries, what: string): void {
    const n = this.count(into.cap, what);
    for (let i = 0; i < n; i++) {
      unchecked((into.starts[i] = this.u64()));
      unchecked((into.ends[i] = this.u64()));
      unchecked((into.vnodes[i] = this.u32()));
      unchecked((into.memTypes[i] = this.u32()));
    }
    into.length = n;
  }
}

/** Decodes the input record at `ptr` (`len` bytes); panics with a clear message when malformed. */
export function decodeHandoffInputs(ptr: usize, len: u32): HandoffInputs {
  const c = new Cursor(ptr, ptr + <usize>len);
  const h = new HandoffInputs();
  if (c.u32() != 0x46464f48) panic("hand-off input: bad magic"); // "HOFF"
  h.aarch64 = c.bool();
  h.isolation = c.u8();
  h.staticConfidentialDebug = c.bool();
  h.bootConfidentialDebug = c.bool();
  h.sidecarMode = c.u8();
  h.sidecarEnableLogging = c.bool();
  h.disableNvmeKeepAlive = c.bool();
  h.nvmeKeepalive = c.bool();
  h.com3SerialAvailable = c.bool();
  h.hasVtl0AliasMap = c.bool();
  h.memoryAllocationVtl2 = c.bool();
  h.hasMemorySize = c.bool();
  h.hasMmioSize = c.bool();
  const hasGic = c.bool();
  h.hasPmuGsiv = c.bool();
  h.hasEntropy = c.bool();
  h.sidecarCpuOverrides.perCpuStateSpecified = c.bool();
  h.hasInitrdBytes = c.bool();
  const vtl2Pool = c.bool();
  c.u8();
  h.vtl0AliasMap = c.u64();
  h.memorySize = c.u64();
  h.mmioSize = c.u64();
  h.sidecarSize = c.u64();
  h.sidecarEntryAddress = c.u64();
  h.initrdBase = c.u64();
  h.initrdSize = c.u64();
  h.initrdCrc = c.u32();
  h.initrdComputedCrc = c.u32();
  h.bspReg = c.u32();
  h.pmuGsiv = c.u32();
  h.vmbusVtl2ConnectionId = c.u32();
  h.vmbusVtl0ConnectionId = c.u32();
  const gic = new GicInfo();
  gic.distributorBase = c.u64();
  gic.distributorSize = c.u64();
  gic.redistributorsBase = c.u64();
  gic.redistributorsSize = c.u64();
  gic.redistributorStride = c.u64();
  if (hasGic) h.gic = gic;
  const cpus = c.count(MAX_CPU_COUNT, "cpu");
  for (let i = 0; i < cpus; i++) {
    unchecked((h.cpuReg[i] = c.u64()));
    unchecked((h.cpuVnode[i] = c.u32()));
    c.u32();
  }
  h.cpuCount = cpus;
  c.entries(h.vtl2Ram, "vtl2 ram");
  c.entries(h.partitionRam, "partition ram");
  c.entries(h.vmbusVtl2Mmio, "vtl2 vmbus mmio");
  c.entries(h.vmbusVtl0Mmio, "vtl0 vmbus mmio");
  c.entries(h.importedRegions, "imported region");
  const asCount = c.count(MAX_ADDRESS_RANGES, "address space range");
  for (let i = 0; i < asCount; i++) {
    const s = c.u64();
    const e = c.u64();
    const vnode = c.u32();
    const usage = c.u32();
    h.addressSpace.push(s, e, vnode, usage);
  }
  if (vtl2Pool) h.addressSpace.vtl2Pool = true;
  for (let i = 0; i < NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) unchecked((h.sidecarCpuOverrides.sidecarStartsCpu[i] = c.bool()));
  const ent = c.count(MAX_ENTROPY_SIZE, "entropy byte");
  for (let i = 0; i < ent; i++) unchecked((h.entropy[i] = c.u8()));
  h.entropyLen = ent;
  const cl = c.count(0x2000, "command line byte");
  h.cmdline = String.UTF8.decodeUnsafe(c.need(<usize>cl), <usize>cl);
  const il = c.u32();
  h.initrdPtr = c.need(<usize>il);
  h.initrdLen = il;
  return h;
}
