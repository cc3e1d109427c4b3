//! Writes a read_from_dt outcome (PartitionInfo + the VTL2 address space, or a DtError) as one
//! compact result record for the host (host/shim/partition.ts decodes it).
// Ports: none (result plumbing for openhcl/openhcl_boot/src/host_params/dt/mod.rs)

import { outU8, outU32, outU64, outStr, outRecordBegin, outRecordEnd } from "../../rt/out";
import { REC_PARTITION_RESULT, REC_PARTITION_RESULT_VERSION } from "./envelope";
import { RangeList } from "../../support/memory_range/lib";
import { AddressSpaceManager } from "../../openhcl_boot/memory/memory";
import { VmbusInfo, outMemoryAllocationMode } from "../../support/host_fdt_parser/lib";
import { PartitionInfo, DtError, tagVnode, tagMemType } from "../../openhcl_boot/host_params/mod/partition_info";

/** Result status bytes. */
export const RESULT_OK: u8 = 0;
export const RESULT_DT_ERROR: u8 = 1;

function outEntries(list: RangeList): void {
  outU32(<u32>list.length);
  for (let i = 0; i < list.length; i++) {
    outU64(list.start(i));
    outU64(list.end(i));
    outU32(tagVnode(list.tag(i)));
    outU32(tagMemType(list.tag(i)));
  }
}

/** Writes a DtError record: status, `#[error]` text, variant name, source's text, Rust Debug. */
export function outDtError(err: DtError): void {
  const rec = outRecordBegin(REC_PARTITION_RESULT, REC_PARTITION_RESULT_VERSION);
  outU8(RESULT_DT_ERROR);
  outStr(err.message());
  outStr(err.variant());
  outStr(err.sourceMessage());
  outStr(err.debug());
  outRecordEnd(rec);
}

function outVmbusMmio(v: VmbusInfo): void {
  outU32(<u32>v.mmioCount);
  for (let i = 0; i < v.mmioCount; i++) {
    outU64(v.mmioStart(i));
    outU64(v.mmioEnd(i));
  }
}

/**
 * The address space as (start, end, vnode, MemoryVtlType): upstream vtl2_ranges() (adjacent
 * ranges of one type merged), additionally split where the NUMA node changes.
 */
export function outAddressSpace(asm: AddressSpaceManager): void {
  const all = new RangeList(asm.length);
  asm.vtl2RangesWithVnode(all);
  let count: u32 = 0;
  for (let pass = 0; pass < 2; pass++) {
    if (pass == 1) outU32(count);
    let i = 0;
    while (i < all.length) {
      const tag = all.tag(i);
      const start = all.start(i);
      let end = all.end(i);
      i++;
      while (i < all.length && all.start(i) == end && all.tag(i) == tag) end = all.end(i++);
      if (pass == 0) count++;
      else {
        outU64(start);
        outU64(end);
        outU32(<u32>(tag & 0xffff_ffff));
        outU32(<u32>(tag >> 32));
      }
    }
  }
}

/** Writes a successful PartitionInfo record. */
export function outPartitionInfo(info: PartitionInfo, asm: AddressSpaceManager): void {
  const rec = outRecordBegin(REC_PARTITION_RESULT, REC_PARTITION_RESULT_VERSION);
  outU8(RESULT_OK);
  outU32(info.isolation);
  outMemoryAllocationMode(info.memoryAllocationMode);
  outU32(<u32>info.cpuCount);
  outU32(info.bspReg);
  outEntries(info.vtl2Ram);
  outEntries(info.partitionRam);
  outVmbusMmio(info.vmbusVtl0);
  outVmbusMmio(info.vmbusVtl2);
  outU32(info.vmbusVtl0.connectionId);
  outU32(info.vmbusVtl2.connectionId);
  outAddressSpace(asm);
  outU8(asm.hasVtl2Pool() ? 1 : 0);
  outStr(info.cmdline);
  const o = info.bootOptions;
  outU8(o.confidentialDebug ? 1 : 0);
  outStr(o.enableVtl2GpaPool.toDebugString());
  outStr(o.sidecar.toDebugString());
  outU8(o.vtl2GpaPoolNumaSplit ? 1 : 0);
  outU8(info.com3SerialAvailable ? 1 : 0);
  outU8(info.nvmeKeepalive ? 1 : 0);
  outU8(info.hasVtl0AliasMap ? 1 : 0);
  outU64(info.vtl0AliasMap);
  outU8(info.sidecarCpuOverrides.perCpuStateSpecified ? 1 : 0);
  outRecordEnd(rec);
}
