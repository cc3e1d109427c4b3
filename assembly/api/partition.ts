//! WASM exports of the partition topology: read_from_dt driven by an explicit input record (shim
//! parameter values + the parsed host device tree), for tests and tools that have no guest image.
//! The record is decoded into the real ShimParams and ParsedDeviceTree.
// Ports: openhcl/openhcl_boot/src/main.rs (the can_trust_host / static options prologue of
//        read_from_dt's caller)

import { outBegin } from "../runtime/out";
import { logError } from "../runtime/log_level";
import { MemoryRange, RangeList } from "../memory_range";
import { RecordReader } from "../record_reader";
import { ParsedDeviceTree, VmbusInfo } from "../host_fdt_parser";
import { BootCommandLineOptions } from "../cmdline";
import { AddressSpaceManager } from "../memory";
import { ShimParams, ISOLATION_NONE, IMPORTED_REGIONS_MAX } from "../shim_params";
import { PartitionInfo, DtError, DT_NO_DEVICE_TREE } from "../partition_info";
import { readFromParsedDtWithHeader } from "../read_from_dt";
import { PersistedStateHeader, PERSISTED_STATE_MAGIC } from "../persisted_state";
import { outDtError, outPartitionInfo } from "../partition_result";

function readRange(r: RecordReader): MemoryRange {
  const s = r.u64();
  const e = r.u64();
  return MemoryRange.new(s, e);
}

function readVmbus(r: RecordReader): VmbusInfo | null {
  const present = r.bool();
  const v = new VmbusInfo();
  v.connectionId = r.u32();
  const n = r.u32();
  for (let i: u32 = 0; i < n; i++) {
    const s = r.u64();
    const e = r.u64();
    if (i == 0) {
      v.mmioStart0 = s;
      v.mmioEnd0 = e;
    } else {
      v.mmioStart1 = s;
      v.mmioEnd1 = e;
    }
  }
  v.mmioCount = <i32>min(n, 2);
  return present ? v : null;
}

/** Decodes the shim parameter part of the input record into a real ShimParams. */
function readShimParamsRecord(r: RecordReader): ShimParams {
  const p = new ShimParams();
  p.memoryStartAddress = r.u64();
  p.memorySize = r.u64();
  p.parameterRegionStart = r.u64();
  p.parameterRegionSize = r.u64();
  p.vtl2ReservedRegionStart = r.u64();
  p.vtl2ReservedRegionSize = r.u64();
  p.sidecarBase = r.u64();
  p.sidecarSize = r.u64();
  p.used = readRange(r);
  p.logBuffer = readRange(r);
  p.heap = readRange(r);
  p.persistedState = readRange(r);
  p.isolationType = r.u32();
  const policy = <u16>r.u32();
  const valid = r.bool();
  const n = r.u32();
  const text = r.bytes(<usize>n);
  // An invalid command line is made of bytes that are not UTF-8.
  const buf = __alloc(<usize>n + 1);
  memory.copy(buf, text, <usize>n);
  store<u8>(buf + <usize>n, 0xff);
  p.setCommandLine(policy, buf, valid ? n : n + 1);
  const count = r.u32();
  const list = new RangeList(<i32>IMPORTED_REGIONS_MAX);
  for (let i: u32 = 0; i < count; i++) {
    const s = r.u64();
    const e = r.u64();
    const accepted = r.u8();
    list.push(s, e, accepted);
  }
  p.importedRegionList = list;
  return p;
}

/** Decodes the parsed-device-tree part of the input record into a real ParsedDeviceTree. */
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
    d.memStarts[i] = r.u64();
    d.memEnds[i] = r.u64();
    d.memTypes[i] = r.u32();
    d.memVnodes[i] = r.u32();
  }
  d.vmbusVtl0 = readVmbus(r);
  d.vmbusVtl2 = readVmbus(r);
  const n = r.u32();
  const cl = r.bytes(<usize>n);
  memory.copy(changetype<usize>(d.commandLineBytes), cl, <usize>n);
  d.commandLineLen = <i32>n;
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
  const params = readShimParamsRecord(r);
  const dtFirstByte = r.u8();
  const hasHeader = r.bool();
  const h = r.bytes(32);
  const parsed = readParsed(r);

  // As the shim's entry does: static options from the measured command line decide trust.
  const options = new BootCommandLineOptions();
  const text = params.commandLine().commandLine();
  if (text !== null) options.parse(text);
  const canTrustHost = params.isolationType == ISOLATION_NONE || options.confidentialDebug;

  if (dtFirstByte == 0) {
    logError("host did not provide a device tree");
    outDtError(new DtError(DT_NO_DEVICE_TREE));
    return;
  }
  let header: PersistedStateHeader | null = null;
  if (hasHeader && load<u64>(h) == PERSISTED_STATE_MAGIC) {
    header = new PersistedStateHeader(load<u64>(h), load<u64>(h, 8), load<u64>(h, 16), load<u64>(h, 24));
  }
  const info = new PartitionInfo();
  const asm = new AddressSpaceManager();
  const err = readFromParsedDtWithHeader(params, parsed, info, asm, options, canTrustHost, false, header);
  if (err !== null) {
    outDtError(err);
    return;
  }
  outPartitionInfo(info, asm);
}
