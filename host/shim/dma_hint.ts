//! Typed bindings for the VTL2 private pool sizing exports (assembly/abi/dma_hint.ts).
// Ports: none (host binding of assembly/abi/dma_hint.ts)
import type { Shim } from "../wasm/loader.js";
import type { Vtl2GpaPoolConfig } from "./cmdline.js";

/** Heuristics lookup table name. */
export type LookupTable = "release" | "debug";
const TABLE_ID: Record<LookupTable, number> = { release: 0, debug: 1 };

/** vtl2_calculate_dma_hint: the DMA hint in 4K pages. */
export function vtl2CalculateDmaHint(shim: Shim, table: LookupTable, vpCount: number | bigint, memSize: bigint): bigint {
  shim.reset();
  shim.call("dma_hint_calculate", TABLE_ID[table], BigInt(vpCount), memSize);
  return shim.out().u64();
}

/** pick_private_pool_size: pool pages, or null for `None`. `dt` null is `None` from the device tree. */
export function pickPrivatePoolSize(shim: Shim, cmdline: Vtl2GpaPoolConfig, dt: bigint | null, vpCount: number | bigint, memSize: bigint): bigint | null {
  const kind = cmdline.kind === "heuristics" ? 0 : cmdline.kind === "off" ? 1 : 2;
  const table = cmdline.kind === "heuristics" ? TABLE_ID[cmdline.table] : 0;
  const pages = cmdline.kind === "pages" ? cmdline.pages : 0n;
  shim.reset();
  shim.call("dma_pick_pool_size", kind, table, pages, dt ?? 0n, dt === null ? 0 : 1, BigInt(vpCount), memSize);
  const r = shim.out();
  const some = r.bool();
  const value = r.u64();
  return some ? value : null;
}

/** The boot core's lookup table rows as [vpCount, vtl2MemoryMb, dmaHintMb]. */
export function lookupTable(shim: Shim, table: LookupTable): [number, number, number][] {
  shim.reset();
  shim.call("dma_hint_table", TABLE_ID[table]);
  const r = shim.out();
  const n = r.u32();
  const rows: [number, number, number][] = [];
  for (let i = 0; i < n; i++) rows.push([r.u32(), r.u32(), r.u32()]);
  return rows;
}
