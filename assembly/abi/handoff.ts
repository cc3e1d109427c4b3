//! WASM export of the kernel hand-off: run it over an input record and read back the sidecar
//! nodes, kernel command line, E820 map, boot_params page and kernel device tree (`hclboot bench`
//! times it; abi/test/handoff.ts has the pieces on their own for tests).
// Ports: openhcl/openhcl_boot/src/main.rs (shim_main after read_from_dt), sidecar.rs, dt.rs

import { outBegin } from "../rt/out";
import { decodeHandoffRecord } from "./records/handoff_record";
import { runHandoff, getRefTime } from "../openhcl_boot/main/handoff";
import { outHandoff } from "./records/handoff_result";

/**
 * Runs the hand-off over the input record at `ptr` (`len` bytes). Result stream: u8 sidecar
 * present, u32 node count, per node (u64 memoryBase, u64 memorySize, u32 baseVp, u32 vpCount,
 * u64 controlPage, u64 shmemPagesBase, u64 shmemPagesSize), u64 sidecar start/end reftime;
 * str kernel command line; u32 e820 count, u32 zero-page count, entries (u64 addr, u64 size,
 * u32 type); bytes boot_params (empty on aarch64); bytes kernel DTB; u8 has alias map, u64 alias
 * map; u8 has boot times, u64 start, u64 end.
 */
export function handoff_run(ptr: usize, len: u32): void {
  const rec = decodeHandoffRecord(ptr, len);
  const r = runHandoff(rec.params, rec.info, rec.space, rec.staticConfidentialDebug, getRefTime(rec.params), rec.computedInitrdCrc);
  outBegin();
  outHandoff(r, rec.info.hasVtl0AliasMap, rec.info.vtl0AliasMap);
}
