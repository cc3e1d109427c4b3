// Typed binding for the TDX AP page-table checks (assembly/abi/tdx_page_tables.ts).
import type { Shim } from "../wasm/loader.js";
import { packRanges, type Range } from "./memory_range.js";

/** Page tables (20 at most) the TDX AP identity map may use, as page_table::x64::PAGE_TABLE_MAX_COUNT. */
export const PAGE_TABLE_MAX_COUNT = 20;

/**
 * PageTableBuilder::new then build() for identity-mapped `ranges`: the builder's error name
 * (InvalidRange, UnsortedMappings, OverlappingMappings), or the number of page tables it uses
 * (more than PAGE_TABLE_MAX_COUNT means build() fails with NotEnoughMemory in the shim).
 */
export function pageTableBuild(shim: Shim, ranges: readonly Range[]): { error: string } | { tables: number } {
  shim.reset();
  const p = shim.put(packRanges(ranges));
  shim.call("tdx_page_table_build", p, ranges.length);
  const r = shim.out();
  const error = r.str();
  const tables = r.u32();
  return error !== "" ? { error } : { tables };
}
