//! WASM exports of the VTL2 private pool sizing (assembly/openhcl_boot/host_params/dt/dma_hint/dma_hint.ts).
// Ports: openhcl/openhcl_boot/src/host_params/dt/dma_hint.rs

import { vtl2CalculateDmaHint, pickPrivatePoolSize, lookupRows, lookupCell } from "../../openhcl_boot/host_params/dt/dma_hint/dma_hint";
import { Vtl2GpaPoolConfig } from "../../openhcl_boot/cmdline/cmdline";
import { outBegin, outU8, outU32, outU64 } from "../../rt/out";

/** vtl2_calculate_dma_hint: u64 pages. */
export function dma_hint_calculate(table: u32, vpCount: u64, memSize: u64): void {
  outBegin();
  outU64(vtl2CalculateDmaHint(table, vpCount, memSize));
}

/** pick_private_pool_size for config (kind, table, pages): u8 isSome, u64 pages. */
export function dma_pick_pool_size(kind: u32, table: u32, pages: u64, dtPages: u64, hasDt: bool, vpCount: u64, memSize: u64): void {
  outBegin();
  const r = pickPrivatePoolSize(new Vtl2GpaPoolConfig(kind, table, pages), dtPages, hasDt, vpCount, memSize);
  outU8(r.isSome ? 1 : 0);
  outU64(r.pages);
}

/** The lookup table: u32 rows, then (vp, vtl2 MiB, hint MiB) as u32 each. */
export function dma_hint_table(table: u32): void {
  outBegin();
  const rows = lookupRows(table);
  outU32(<u32>rows);
  for (let r = 0; r < rows; r++) {
    outU32(lookupCell(table, r, 0));
    outU32(lookupCell(table, r, 1));
    outU32(lookupCell(table, r, 2));
  }
}
