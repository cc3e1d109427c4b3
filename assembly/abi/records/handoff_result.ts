//! Writes a kernel hand-off outcome as one result record for the host (host/shim/handoff.ts
//! decodes it): sidecar nodes, kernel command line, E820 map, boot_params page, kernel DTB, VTL0
//! alias map and boot times.
// Ports: none (result plumbing for openhcl/openhcl_boot/src/main.rs, sidecar.rs, dt.rs)

import { outU8, outU32, outU64, outStr, outBytes, outRecordBegin, outRecordEnd } from "../../rt/out";
import { REC_HANDOFF_RESULT, REC_HANDOFF_RESULT_VERSION } from "./envelope";
import { Handoff } from "../../openhcl_boot/main/handoff";
import { BOOT_PARAMS_SIZE, E820Map } from "../../openhcl_boot/main/boot_params";

/** Writes an E820 map: u32 count, u32 zero-page count, entries (u64 addr, u64 size, u32 type). */
export function outE820Map(map: E820Map): void {
  outU32(<u32>map.length);
  outU32(<u32>map.zeroPage);
  for (let i = 0; i < map.length; i++) {
    outU64(map.addrs[i]);
    outU64(map.sizes[i]);
    outU32(map.types[i]);
  }
}

/**
 * Writes the hand-off result: u8 sidecar present, u32 node count, per node (u64 memoryBase, u64
 * memorySize, u32 baseVp, u32 vpCount, u64 controlPage, u64 shmemPagesBase, u64 shmemPagesSize),
 * u64 sidecar start/end reftime; str kernel command line; u32 e820 count, u32 zero-page count,
 * entries (u64 addr, u64 size, u32 type); bytes boot_params (empty on aarch64); bytes kernel DTB;
 * u8 has alias map, u64 alias map; u8 has boot times, u64 start, u64 end.
 */
export function outHandoff(r: Handoff, hasAlias: bool, alias: u64): void {
  const rec = outRecordBegin(REC_HANDOFF_RESULT, REC_HANDOFF_RESULT_VERSION);
  const sc = r.sidecar;
  if (sc !== null) {
    outU8(1);
    outU32(<u32>sc.nodeCount);
    for (let i = 0; i < sc.nodeCount; i++) {
      outU64(sc.memoryBase(i));
      outU64(sc.memorySize(i));
      outU32(sc.baseVp(i));
      outU32(sc.vpCount(i));
      outU64(sc.controlPage(i));
      outU64(sc.shmemPagesBase(i));
      outU64(sc.shmemPagesSize(i));
    }
    outU64(sc.startReftime);
    outU64(sc.endReftime);
  } else {
    outU8(0);
  }
  outStr(r.cmdline!.toString());
  const map = r.e820;
  if (map !== null) {
    outE820Map(map);
    outBytes(r.bootParams, <u32>BOOT_PARAMS_SIZE);
  } else {
    outU32(0);
    outU32(0);
    outBytes(0, 0);
  }
  outBytes(r.dtb, <u32>r.dtbSize);
  outU8(hasAlias ? 1 : 0);
  outU64(alias);
  const bt = r.bootTimes;
  outU8(bt !== null ? 1 : 0);
  outU64(bt !== null ? bt.start : 0);
  outU64(bt !== null ? bt.end : 0);
  outRecordEnd(rec);
}
