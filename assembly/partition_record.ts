//! Decoder of the read_from_dt input record the host writes (host/shim/partition.ts `encode`):
//! shim parameter values, the device tree area's first byte, the persisted header bytes and the
//! parsed host device tree. Shared by the partition export and the benchmark exports.
// Ports: none (input plumbing for openhcl/openhcl_boot/src/host_params/dt/mod.rs)

import { MemoryRange } from "./memory_range";
import { RecordReader } from "./record_reader";
import { ParsedDeviceTree, MemoryEntry, VmbusInfo } from "./partition_deps";
import { PartitionInputs } from "./partition_inputs";

/** One decoded input record. */
@final
export class PartitionRecord {
  params: PartitionInputs;
  dtFirstByte: u8;
  hasHeader: bool;
  /** Pointer to the 32 persisted header bytes inside the record. */
  header: usize;
  parsed: ParsedDeviceTree;

  constructor(params: PartitionInputs, dtFirstByte: u8, hasHeader: bool, header: usize, parsed: ParsedDeviceTree) {
    this.params = params;
    this.dtFirstByte = dtFirstByte;
    this.hasHeader = hasHeader;
    this.header = header;
    this.parsed = parsed;
  }
}

function readRange(r: RecordReader): MemoryRange {
  const s = r.u64();
  const e = r.u64();
  return MemoryRange.new(s, e);
}

function readVmbus(r: RecordReader): VmbusInfo | null {
  const present = r.bool();
  const conn = r.u32();
  const n = r.u32();
  const v = new VmbusInfo(conn);
  for (let i: u32 = 0; i < n; i++) {
    const s = r.u64();
    const e = r.u64();
    v.mmio.push(s, e, 0);
  }
  return present ? v : null;
}

/** Decodes the shim parameter part of the input record. */
export function readInputs(r: RecordReader): PartitionInputs {
  const p = new PartitionInputs();
  p.memoryStart = r.u64();
  p.memorySize = r.u64();
  p.parameterRegionStart = r.u64();
  p.parameterRegionSize = r.u64();
  p.vtl2ReservedStart = r.u64();
  p.vtl2ReservedSize = r.u64();
  p.sidecarBase = r.u64();
  p.sidecarSize = r.u64();
  p.used = readRange(r);
  p.logBuffer = readRange(r);
  p.heap = readRange(r);
  p.persistedState = readRange(r);
  p.isolation = r.u32();
  p.commandLinePolicy = <u16>r.u32();
  p.commandLineValid = r.bool();
  p.commandLine = r.str();
  const n = r.u32();
  for (let i: u32 = 0; i < n; i++) {
    const s = r.u64();
    const e = r.u64();
    const accepted = r.u8();
    p.importedRegions.push(s, e, accepted);
  }
  return p;
}

/** Decodes the parsed-device-tree part of the input record. */
export function readParsed(r: RecordReader): ParsedDeviceTree {
  const d = new ParsedDeviceTree();
  d.bootCpuidPhys = r.u32();
  d.cpuCount = <i32>r.u32();
  for (let i = 0; i < d.cpuCount; i++) {
    d.cpuRegs[i] = r.u64();
    d.cpuVnodes[i] = r.u32();
  }
  d.memoryCount = <i32>r.u32();
  for (let i = 0; i < d.memoryCount; i++) {
    const range = readRange(r);
    const t = r.u32();
    const v = r.u32();
    d.memoryEntries[i] = new MemoryEntry(range, t, v);
  }
  d.vmbusVtl0 = readVmbus(r);
  d.vmbusVtl2 = readVmbus(r);
  d.commandLine = r.str();
  d.com3SerialAvailable = r.bool();
  const m = d.memoryAllocationMode;
  m.vtl2 = r.bool();
  m.hasMemorySize = r.bool();
  m.memorySize = r.u64();
  m.hasMmioSize = r.bool();
  m.mmioSize = r.u64();
  d.hasDeviceDmaPageCount = r.bool();
  d.deviceDmaPageCount = r.u64();
  d.nvmeKeepalive = r.bool();
  d.hasVtl0AliasMap = r.bool();
  d.vtl0AliasMap = r.u64();
  return d;
}

/** Decodes a whole input record at `ptr` (`len` bytes); panics when it is truncated. */
export function decodePartitionRecord(ptr: usize, len: u32): PartitionRecord {
  const r = new RecordReader(ptr, <usize>len);
  const params = readInputs(r);
  const dtFirstByte = r.u8();
  const hasHeader = r.bool();
  const header = r.bytes(32);
  const parsed = readParsed(r);
  return new PartitionRecord(params, dtFirstByte, hasHeader, header, parsed);
}
