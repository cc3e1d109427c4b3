//! WASM exports of the shim-parameters module: read `ShimParams` from guest memory and report
//! every field, the measured command line, the imported regions and their hash.
// Ports: openhcl/openhcl_boot/src/host_params/shim_params.rs (exported for the host and tests)

import { ShimParams } from "../../openhcl_boot/host_params/shim_params/shim_params";
import { outBegin, outU8, outU32, outU64, outStr, outBytes, outRecordBegin, outRecordEnd } from "../../rt/out";
import { REC_SHIM_PARAMS_RESULT, REC_SHIM_PARAMS_RESULT_VERSION } from "../records/envelope";
import { MemoryRange } from "../../support/memory_range/lib";

function outRange(r: MemoryRange): void {
  outU64(r.start);
  outU64(r.end);
}

/**
 * Reads ShimParams at `shimBase + rawOffset` and writes: the scalar fields, the ranges, the command
 * line (policy, declared length, valid flag, text), the imported regions and the 48-byte hash.
 */
export function shim_params_read(shimBase: u64, rawOffset: i64, arch: u32, hvIsolation: u32): void {
  outBegin();
  const p = ShimParams.read(shimBase, rawOffset, arch, hvIsolation != 0);
  const rec = outRecordBegin(REC_SHIM_PARAMS_RESULT, REC_SHIM_PARAMS_RESULT_VERSION);
  outU64(p.kernelEntryAddress);
  outU64(p.cmdlineBase);
  outU64(p.initrdBase);
  outU64(p.initrdSize);
  outU32(p.initrdCrc);
  outU64(p.memoryStartAddress);
  outU64(p.memorySize);
  outU64(p.parameterRegionStart);
  outU64(p.parameterRegionSize);
  outU64(p.vtl2ReservedRegionStart);
  outU64(p.vtl2ReservedRegionSize);
  outU32(p.isolationType);
  outU64(p.sidecarEntryAddress);
  outU64(p.sidecarBase);
  outU64(p.sidecarSize);
  outRange(p.used);
  const bb = p.bounceBuffer;
  outU8(bb !== null ? 1 : 0);
  if (bb !== null) outRange(bb);
  outRange(p.logBuffer);
  outRange(p.heap);
  outRange(p.persistedState);
  outU64(p.secretsStart());
  outU64(p.cpuidStart());
  outU64(p.dtStart());
  outU64(p.dtSize());

  const cl = p.commandLine();
  outU32(<u32>cl.policy);
  outU32(<u32>cl.staticCommandLineLen);
  const text = cl.commandLine();
  outU8(text !== null ? 1 : 0);
  outStr(text !== null ? text : "");

  const it = p.importedRegions();
  let n: u32 = 0;
  while (it.next()) n++;
  outU32(n);
  const it2 = p.importedRegions();
  while (it2.next()) {
    outRange(it2.range);
    outU8(it2.accepted ? 1 : 0);
  }
  outBytes(p.importedRegionsHash(), 48);
  outRecordEnd(rec);
}

/** Reads ShimParams and writes the device tree area as one length-prefixed byte field. */
export function shim_params_device_tree(shimBase: u64, rawOffset: i64, arch: u32, hvIsolation: u32): void {
  outBegin();
  const p = ShimParams.read(shimBase, rawOffset, arch, hvIsolation != 0);
  outBytes(p.deviceTree(), <u32>p.dtSize());
}
