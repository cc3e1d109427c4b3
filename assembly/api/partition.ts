//! WASM exports of the partition topology: read_from_dt driven by an explicit input record (shim
//! parameter values + the parsed host device tree), for tests and tools that have no guest image.
// Ports: openhcl/openhcl_boot/src/main.rs (the can_trust_host / static options prologue of
//        read_from_dt's caller)

import { outBegin } from "../runtime/out";
import { BootCommandLineOptions } from "../partition_deps";
import { decodePartitionRecord } from "../partition_record";
import { AddressSpaceManager } from "../memory";
import { ISOLATION_NONE } from "../partition_inputs";
import { PartitionInfo } from "../partition_info";
import { readFromParsedDt, hostProvidedNoDeviceTree } from "../read_from_dt";
import { outDtError, outPartitionInfo } from "../partition_result";

/**
 * Runs read_from_dt on an input record: shim parameters, the first byte of the host device tree
 * area, the persisted header bytes (flag + 32 bytes) and the parsed device tree. Writes the
 * partition result record (see assembly/partition_result.ts); panics as upstream does.
 */
export function partition_read_from_record(ptr: usize, len: u32): void {
  outBegin();
  const rec = decodePartitionRecord(ptr, len);
  const params = rec.params;
  const parsed = rec.parsed;

  // As the shim's entry does: static options from the measured command line decide trust.
  const options = new BootCommandLineOptions();
  if (params.commandLineValid) options.parse(params.commandLine);
  const canTrustHost = params.isolation == ISOLATION_NONE || options.confidentialDebug;

  const noDt = hostProvidedNoDeviceTree(rec.dtFirstByte);
  if (noDt !== null) {
    outDtError(noDt);
    return;
  }
  const info = new PartitionInfo();
  const asm = new AddressSpaceManager();
  const err = readFromParsedDt(params, parsed, info, asm, options, canTrustHost, rec.hasHeader ? rec.header : 0);
  if (err !== null) {
    outDtError(err);
    return;
  }
  outPartitionInfo(info, asm);
}
