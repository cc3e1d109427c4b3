//! WASM exports of the partition topology: read_from_dt driven by an explicit input record (shim
//! parameter values + the parsed host device tree), for tests and tools that have no guest image.
//! The record is decoded into the real ShimParams and ParsedDeviceTree.
// Ports: openhcl/openhcl_boot/src/main.rs (the can_trust_host / static options prologue of
//        read_from_dt's caller)

import { outBegin } from "../rt/out";
import { logError } from "../rt/log_level";
import { RecordReader } from "./records/record_reader";
import { REC_PARTITION_INPUT, REC_PARTITION_INPUT_VERSION } from "./records/envelope";
import { readShimParamsRecord, readParsed } from "./records/partition_record";
import { BootCommandLineOptions } from "../openhcl_boot/cmdline/cmdline";
import { AddressSpaceManager } from "../openhcl_boot/memory/memory";
import { ISOLATION_NONE } from "../openhcl_boot/host_params/shim_params/shim_params";
import { PartitionInfo, DtError, DT_NO_DEVICE_TREE } from "../openhcl_boot/host_params/mod/partition_info";
import { readFromParsedDtWithHeader } from "../openhcl_boot/host_params/dt/mod/read_from_dt";
import { PersistedStateHeader, PERSISTED_STATE_MAGIC } from "../openhcl_boot/host_params/dt/persisted/persisted_state";
import { outDtError, outPartitionInfo } from "./records/partition_result";

/**
 * Runs read_from_dt on an input record: shim parameters, the first byte of the host device tree
 * area, the persisted header bytes (flag + 32 bytes) and the parsed device tree. Writes the
 * partition result record (see assembly/abi/records/partition_result.ts); panics as upstream does.
 */
export function partition_read_from_record(ptr: usize, len: u32): void {
  outBegin();
  const r = RecordReader.open(ptr, <usize>len, REC_PARTITION_INPUT, REC_PARTITION_INPUT_VERSION, "partition input");
  const params = readShimParamsRecord(r);
  const dtFirstByte = r.u8();
  const hasHeader = r.bool();
  const h = r.bytes(32);
  const parsed = readParsed(r);
  r.finish("partition input");

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
