//! Decoder of the read_from_dt input record the host writes (host/shim/partition.ts): shim
//! parameter values into a real ShimParams and the parsed host device tree into a real
//! ParsedDeviceTree. Shared by the partition export and the benchmark exports (not an api/ file,
//! so these functions are not WASM exports).
// Ports: none (input plumbing for openhcl/openhcl_boot/src/host_params/dt/mod.rs)

import { RangeList } from "../../support/memory_range/lib";
import { RecordReader } from "./record_reader";
import { ParsedDeviceTree, VmbusInfo } from "../../support/host_fdt_parser/lib";
import { ShimParams, IMPORTED_REGIONS_MAX } from "../../openhcl_boot/host_params/shim_params/shim_params";

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
export function readShimParamsRecord(r: RecordReader): ShimParams {
  const p = new ShimParams();
  p.memoryStartAddress = r.u64();
  p.memorySize = r.u64();
  p.parameterRegionStart = r.u64();
  p.parameterRegionSize = r.u64();
  p.vtl2ReservedRegionStart = r.u64();
  p.vtl2ReservedRegionSize = r.u64();
  p.sidecarBase = r.u64();
  p.sidecarSize = r.u64();
  p.used = r.range();
  p.logBuffer = r.range();
  p.heap = r.range();
  p.persistedState = r.range();
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
