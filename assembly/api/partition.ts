//! WASM exports of the partition topology: read_from_dt driven by an explicit input record (shim
//! parameter values + the parsed host device tree), for tests and tools that have no guest image.
// Ports: openhcl/openhcl_boot/src/main.rs (the can_trust_host / static options prologue of
//        read_from_dt's caller)

import { outBegin } from "../runtime/out";
import { MemoryRange } from "../memory_range";
import { RecordReader } from "../record_reader";
import {
  ParsedDeviceTree, MemoryEntry, VmbusInfo, BootCommandLineOptions,
} from "../partition_deps";
import { AddressSpaceManager } from "../memory";
import { PartitionInputs, ISOLATION_NONE } from "../partition_inputs";
import { PartitionInfo } from "../partition_info";
import { readFromParsedDt, hostProvidedNoDeviceTree } from "../read_from_dt";
import { outDtError, outPartitionInfo } from "../partition_result";

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
function readInputs(r: RecordReader): PartitionInputs {
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
function readParsed(r: RecordReader): ParsedDeviceTree {
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

/**
 * Runs read_from_dt on an input record: shim parameters, the first byte of the host device tree
 * area, the persisted header bytes (flag + 32 bytes) and the parsed device tree. Writes the
 * partition result record (see assembly/partition_result.ts); panics as upstream does.
 */
export function partition_read_from_record(ptr: usize, len: u32): void {
  outBegin();
  const r = new RecordReader(ptr, <usize>len);
  const params = readInputs(r);
  const dtFirstByte = r.u8();
  const hasHeader = r.bool();
  const header = r.bytes(32);
  const parsed = readParsed(r);

  // As the shim's entry does: static options from the measured command line decide trust.
  const options = new BootCommandLineOptions();
  if (params.commandLineValid) options.parse(params.commandLine);
  const canTrustHost = params.isolation == ISOLATION_NONE || options.confidentialDebug;

  const noDt = hostProvidedNoDeviceTree(dtFirstByte);
  if (noDt !== null) {
    outDtError(noDt);
    return;
  }
  const info = new PartitionInfo();
  const asm = new AddressSpaceManager();
  const err = readFromParsedDt(params, parsed, info, asm, options, canTrustHost, hasHeader ? header : 0);
  if (err !== null) {
    outDtError(err);
    return;
  }
  outPartitionInfo(info, asm);
}
