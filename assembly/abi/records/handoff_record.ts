//! Test input for the kernel hand-off: decodes a little-endian record (host/shim/handoff.ts
//! `encodeHandoffInput`) into the real PartitionInfo, ShimParams and AddressSpaceManager, so the
//! hand-off can be exercised on explicit partitions without a guest image.
// Ports: nothing upstream (upstream tests build PartitionInfo in Rust); the objects are the ports
// of host_params/mod.rs, host_params/shim_params.rs and memory.rs.

import { panic } from "../../rt/panic";
import { RangeList, MemoryRange } from "../../support/memory_range/lib";
import { COM_NS16550 } from "../../support/host_fdt_parser/com_info";
import { RecordReader } from "./record_reader";
import { REC_HANDOFF_INPUT, REC_HANDOFF_INPUT_VERSION } from "./envelope";
import { GicInfo } from "../../support/host_fdt_parser/lib";
import { SidecarOptions } from "../../openhcl_boot/cmdline/cmdline";
import { ShimParams, ARCH_AARCH64, ARCH_X86_64, IMPORTED_REGIONS_MAX } from "../../openhcl_boot/host_params/shim_params/shim_params";
import { PartitionInfo, entryTag, setVmbusMmio } from "../../openhcl_boot/host_params/mod/partition_info";
import { AddressSpaceManager, MAX_ADDRESS_RANGES, USAGE_FREE, USAGE_USED, RESERVED_VTL2_CONFIG, RESERVED_VTL2_RESERVED,
  RESERVED_SIDECAR_IMAGE, RESERVED_SIDECAR_NODE, RESERVED_VTL2_GPA_POOL, RESERVED_TDX_PAGE_TABLES,
  RESERVED_BOOTSHIM_LOG_BUFFER, RESERVED_PERSISTED_STATE_HEADER, RESERVED_PERSISTED_STATE_PAYLOAD } from "../../openhcl_boot/memory/memory";
import * as VtlType from "../../support/loader_defs/memory_vtl_type";
import { NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE, MAX_CPU_COUNT, MAX_ENTROPY_SIZE } from "../../openhcl_boot/host_params/mod/partition_limits";
import { crc32 } from "../../support/crc32fast/crc32";

/** Record sidecar codes: enabled, disabled on the command line, disabled for servicing. */
const REC_SIDECAR_DISABLED_COMMAND_LINE: u8 = 1;
const REC_SIDECAR_DISABLED_SERVICING: u8 = 2;
/** Record address usage for free RAM (used RAM is VTL2_RAM; others are MemoryVtlType values). */
const REC_USAGE_FREE: u32 = 0xffff_ffff;

/** The hand-off's inputs as real objects. */
@final
export class HandoffRecord {
  params: ShimParams = new ShimParams();
  info: PartitionInfo = new PartitionInfo();
  space: AddressSpaceManager = new AddressSpaceManager();
  staticConfidentialDebug: bool = false;
  /** CRC-32 of the initrd bytes (computed here from the record's bytes, or given). */
  computedInitrdCrc: u32 = 0;
}

/** The address-manager usage for a record usage code (a MemoryVtlType for reserved ranges). */
function usageOf(code: u32): u32 {
  if (code == REC_USAGE_FREE) return USAGE_FREE;
  switch (code) {
    case VtlType.VTL2_RAM: return USAGE_USED;
    case VtlType.VTL2_CONFIG: return RESERVED_VTL2_CONFIG;
    case VtlType.VTL2_SIDECAR_IMAGE: return RESERVED_SIDECAR_IMAGE;
    case VtlType.VTL2_SIDECAR_NODE: return RESERVED_SIDECAR_NODE;
    case VtlType.VTL2_RESERVED: return RESERVED_VTL2_RESERVED;
    case VtlType.VTL2_GPA_POOL: return RESERVED_VTL2_GPA_POOL;
    case VtlType.VTL2_TDX_PAGE_TABLES: return RESERVED_TDX_PAGE_TABLES;
    case VtlType.VTL2_BOOTSHIM_LOG_BUFFER: return RESERVED_BOOTSHIM_LOG_BUFFER;
    case VtlType.VTL2_PERSISTED_STATE_HEADER: return RESERVED_PERSISTED_STATE_HEADER;
    case VtlType.VTL2_PERSISTED_STATE_PROTOBUF: return RESERVED_PERSISTED_STATE_PAYLOAD;
  }
  panic("hand-off input: address usage " + code.toString() + " is not a VTL2 type");
  return USAGE_FREE;
}

function count(r: RecordReader, cap: i32, what: string): i32 {
  const n = r.u32();
  if (n > <u32>cap) panic("hand-off input: " + what + " count " + n.toString() + " exceeds capacity " + cap.toString());
  return <i32>n;
}

/** Reads (start, end, vnode, memType) entries into `list` as entryTag(memType, vnode). */
function entries(r: RecordReader, list: RangeList, what: string): void {
  const n = count(r, list.capacity, what);
  list.clear();
  for (let i = 0; i < n; i++) {
    const s = r.u64();
    const e = r.u64();
    const vnode = r.u32();
    const memType = r.u32();
    list.push(s, e, entryTag(memType, vnode));
  }
}

/** Decodes the input record at `ptr` (`len` bytes); panics with a clear message when malformed. */
export function decodeHandoffRecord(ptr: usize, len: u32): HandoffRecord {
  const r = RecordReader.open(ptr, <usize>len, REC_HANDOFF_INPUT, REC_HANDOFF_INPUT_VERSION, "handoff input");
  const out = new HandoffRecord();
  const p = out.params;
  const h = out.info;
  if (r.u32() != 0x46464f48) panic("hand-off input: bad magic"); // "HOFF"
  p.arch = r.bool() ? ARCH_AARCH64 : ARCH_X86_64;
  p.isolationType = r.u8();
  h.isolation = p.isolationType;
  out.staticConfidentialDebug = r.bool();
  const o = h.bootOptions;
  o.confidentialDebug = r.bool();
  const sidecarMode = r.u8();
  const sidecarLogging = r.bool();
  o.sidecar = sidecarMode == REC_SIDECAR_DISABLED_COMMAND_LINE ? SidecarOptions.disabledCommandLine()
    : sidecarMode == REC_SIDECAR_DISABLED_SERVICING ? SidecarOptions.disabledServicing()
    : SidecarOptions.enabled(sidecarLogging);
  o.disableNvmeKeepAlive = r.bool();
  h.nvmeKeepalive = r.bool();
  h.com3SerialAvailable = r.bool();
  // Records carry only "COM3 present": at 1488a37 that is the ns16550 at COM3's port, 115200 baud.
  if (h.com3SerialAvailable) {
    h.com3.kind = COM_NS16550;
    h.com3.base = 0x3e8;
    h.com3.currentSpeed = 115200;
  } else h.com3.clear();
  h.hasVtl0AliasMap = r.bool();
  const mode = h.memoryAllocationMode;
  mode.vtl2 = r.bool();
  mode.hasMemorySize = r.bool();
  mode.hasMmioSize = r.bool();
  const hasGic = r.bool();
  h.hasPmuGsiv = r.bool();
  h.hasEntropy = r.bool();
  h.sidecarCpuOverrides.perCpuStateSpecified = r.bool();
  const hasInitrdBytes = r.bool();
  const vtl2Pool = r.bool();
  r.u8();
  h.vtl0AliasMap = r.u64();
  mode.memorySize = r.u64();
  mode.mmioSize = r.u64();
  p.sidecarSize = r.u64();
  p.sidecarEntryAddress = r.u64();
  p.initrdBase = r.u64();
  p.initrdSize = r.u64();
  p.initrdCrc = r.u32();
  const givenCrc = r.u32();
  h.bspReg = r.u32();
  h.pmuGsiv = r.u32();
  h.vmbusVtl2.connectionId = r.u32();
  h.vmbusVtl0.connectionId = r.u32();
  const g0 = r.u64();
  const g1 = r.u64();
  const g2 = r.u64();
  const g3 = r.u64();
  const g4 = r.u64();
  if (hasGic) h.gic = new GicInfo(g0, g1, g2, g3, g4);
  const cpus = count(r, MAX_CPU_COUNT, "cpu");
  for (let i = 0; i < cpus; i++) {
    unchecked((h.cpuRegs[i] = r.u64()));
    unchecked((h.cpuVnodes[i] = r.u32()));
    r.u32();
  }
  h.cpuCount = cpus;
  entries(r, h.vtl2Ram, "vtl2 ram");
  entries(r, h.partitionRam, "partition ram");
  const mmio = new RangeList(2);
  entries(r, mmio, "vtl2 vmbus mmio");
  setVmbusMmio(h.vmbusVtl2, mmio);
  entries(r, mmio, "vtl0 vmbus mmio");
  setVmbusMmio(h.vmbusVtl0, mmio);
  // Imported regions: the accepted flag travels in the vnode field.
  const raw = new RangeList(<i32>IMPORTED_REGIONS_MAX);
  entries(r, raw, "imported region");
  const imported = new RangeList(<i32>IMPORTED_REGIONS_MAX);
  for (let i = 0; i < raw.length; i++) imported.push(raw.start(i), raw.end(i), raw.tag(i) & 0xffff_ffff);
  p.importedRegionList = imported;
  const asCount = count(r, MAX_ADDRESS_RANGES, "address space range");
  const space = out.space;
  for (let i = 0; i < asCount; i++) {
    const s = r.u64();
    const e = r.u64();
    const vnode = r.u32();
    const usage = usageOf(r.u32());
    space.push(s, e, vnode, usage);
    if (usage == RESERVED_VTL2_GPA_POOL) space.vtl2Pool = true;
  }
  if (vtl2Pool) space.vtl2Pool = true;
  for (let i = 0; i < NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) unchecked((h.sidecarCpuOverrides.sidecarStartsCpu[i] = r.bool()));
  const ent = count(r, MAX_ENTROPY_SIZE, "entropy byte");
  for (let i = 0; i < ent; i++) unchecked((h.entropy[i] = r.u8()));
  h.entropyLen = ent;
  const cl = count(r, 0x2000, "command line byte");
  h.cmdline = String.UTF8.decodeUnsafe(r.bytes(<usize>cl), <usize>cl);
  const il = r.u32();
  const initrd = r.bytes(<usize>il);
  out.computedInitrdCrc = hasInitrdBytes ? crc32(initrd, <usize>il) : givenCrc;
  // The bounce buffer (start, size; size 0: none).
  const bbStart = r.u64();
  const bbSize = r.u64();
  if (bbSize != 0) p.bounceBuffer = MemoryRange.new(bbStart, bbStart + bbSize);
  r.finish("handoff input");
  return out;
}

