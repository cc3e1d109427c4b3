//! WASM export of the whole boot: `shim_main` over guest memory the host attached, written as one
//! result record (host/shim/boot.ts decodes it).
// Ports: openhcl/openhcl_boot/src/main.rs (shim_main)

import { outBegin } from "../rt/out";
import { shimMain } from "../openhcl_boot/main/shim_main";
import { outDtError, outPartitionInfo } from "./records/partition_result";
import { outHandoff } from "./records/handoff_result";

/**
 * Boots the shim at `shimBase` (raw parameters at `shimBase + rawOffset`, a signed offset), for
 * `arch` (0 x86_64, 1 aarch64). Result: the partition result record (assembly/abi/records/partition_result.ts:
 * a DtError record ends it), then the hand-off record (assembly/abi/records/handoff_result.ts) with the kernel
 * DTB. Panics become traps the host reports as ShimPanic.
 */
export function boot_run(shimBase: u64, rawOffset: u64, arch: u32, hvIsolation: bool): void {
  const r = shimMain(shimBase, <i64>rawOffset, arch, hvIsolation);
  outBegin();
  const err = r.dtError;
  if (err !== null) {
    outDtError(err);
    return;
  }
  outPartitionInfo(r.info, r.space);
  const h = r.handoff!;
  outHandoff(h, r.info.hasVtl0AliasMap, r.info.vtl0AliasMap);
}
