//! WASM exports of the TDX AP page-table checks (assembly/tdx_page_tables.ts).
// Ports: vm/loader/page_table/src/x64.rs (PageTableBuilder::new checks, build table count)

import { RangeList } from "../memory_range";
import { pageTableBuilderError, apPageTableCount } from "../tdx_page_tables";
import { outBegin, outStr, outU32 } from "../runtime/out";

/**
 * The page table builder over packed range records: the PageTableBuilder::new error's Debug name
 * ("" when none), then the number of 4 KiB page tables build() uses (0 after an error).
 */
export function tdx_page_table_build(ptr: usize, count: u32): void {
  const ranges = RangeList.fromRecords(ptr, count);
  const err = pageTableBuilderError(ranges);
  const n = err === null ? apPageTableCount(ranges) : 0;
  outBegin();
  outStr(err === null ? "" : err);
  outU32(n);
}
