//! WASM exports of the host device tree parser: parse a blob and write the result as one record
//! (decoded by host/shim/host_fdt.ts), and a timing loop (abi/test/host_fdt.ts dumps any blob).
// Ports: openhcl/host_fdt_parser/src/lib.rs, support/fdt/src/parser.rs (entry points only)

import { outBegin, outU8, outU32, outU64, outStr, outBytes, outRecordBegin, outRecordEnd } from "../rt/out";
import { REC_HOST_FDT_RESULT, REC_HOST_FDT_RESULT_VERSION } from "./records/envelope";
import { ParsedDeviceTree, VmbusInfo, outMemoryAllocationMode } from "../support/host_fdt_parser/lib";
import { parseHostDeviceTree } from "../support/host_fdt_parser/lib";

function writeVmbus(v: VmbusInfo | null): void {
  if (v === null) {
    outU8(0);
    return;
  }
  outU8(1);
  outU32(v.connectionId);
  outU32(<u32>v.mmioCount);
  for (let i = 0; i < v.mmioCount; i++) {
    outU64(v.mmioStart(i));
    outU64(v.mmioEnd(i));
  }
}

function writeTree(t: ParsedDeviceTree): void {
  outU8(1);
  outU32(t.deviceTreeSize);
  outU32(t.bootCpuidPhys);
  outU32(<u32>t.cpuCount);
  for (let i = 0; i < t.cpuCount; i++) {
    outU64(unchecked(t.cpuRegs[i]));
    outU32(unchecked(t.cpuVnodes[i]));
  }
  outU32(<u32>t.memoryCount);
  for (let i = 0; i < t.memoryCount; i++) {
    outU64(unchecked(t.memStarts[i]));
    outU64(unchecked(t.memEnds[i]));
    outU32(unchecked(t.memTypes[i]));
    outU32(unchecked(t.memVnodes[i]));
  }
  writeVmbus(t.vmbusVtl0);
  writeVmbus(t.vmbusVtl2);
  outBytes(changetype<usize>(t.commandLineBytes), <u32>t.commandLineLen);
  outU8(t.com3SerialAvailable ? 1 : 0);
  const gic = t.gic;
  if (gic === null) {
    outU8(0);
  } else {
    outU8(1);
    outU64(gic.gicDistributorBase);
    outU64(gic.gicDistributorSize);
    outU64(gic.gicRedistributorsBase);
    outU64(gic.gicRedistributorsSize);
    outU64(gic.gicRedistributorStride);
  }
  outU8(t.hasPmuGsiv ? 1 : 0);
  outU32(t.pmuGsiv);
  outMemoryAllocationMode(t.memoryAllocationMode);
  outU8(t.hasEntropy ? 1 : 0);
  outBytes(changetype<usize>(t.entropyBytes), <u32>t.entropyLen);
  outU8(t.hasDeviceDmaPageCount ? 1 : 0);
  outU64(t.deviceDmaPageCount);
  outU8(t.nvmeKeepalive ? 1 : 0);
  outU8(t.hasVtl0AliasMap ? 1 : 0);
  outU64(t.vtl0AliasMap);
}

/**
 * Parses the host device tree at `ptr`/`len` as openhcl_boot does. Record: u8 1 and the tree, or
 * u8 0, u32 error kind, the error's Display text and its Debug text. `upstreamOrder` != 0 forces upstream's lazy
 * walk (for comparison). Returns 1 when parsed, 0 on a parse error.
 */
export function host_fdt_parse(ptr: usize, len: u32, upstreamOrder: u32): u32 {
  outBegin();
  const tree = new ParsedDeviceTree();
  const e = parseHostDeviceTree(ptr, len, tree, upstreamOrder != 0);
  const rec = outRecordBegin(REC_HOST_FDT_RESULT, REC_HOST_FDT_RESULT_VERSION);
  if (e !== null) {
    outU8(0);
    outU32(<u32>e.kind);
    outStr(e.message());
    outStr(e.debug());
    outRecordEnd(rec);
    return 0;
  }
  writeTree(tree);
  outRecordEnd(rec);
  return 1;
}

/** Parses the blob `iterations` times into one storage (timing loop); returns the CPU count. */
export function host_fdt_bench(ptr: usize, len: u32, iterations: u32, upstreamOrder: u32): i32 {
  const tree = new ParsedDeviceTree();
  let cpus: i32 = 0;
  for (let i: u32 = 0; i < iterations; i++) {
    const e = parseHostDeviceTree(ptr, len, tree, upstreamOrder != 0);
    cpus = e === null ? tree.cpuCount : -1;
  }
  return cpus;
}
