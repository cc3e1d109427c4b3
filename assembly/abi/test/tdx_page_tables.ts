//! WASM exports of the TDX AP page-table checks (assembly/openhcl_boot/arch/x86_64/memory/tdx_page_tables.ts).
// Ports: vm/loader/page_table/src/x64.rs (PageTableBuilder::new checks, build table count)

import { RangeList, RANGE_RECORD_BYTES } from "../../support/memory_range/lib";
import { pageTableBuilderError, apPageTableCount } from "../../openhcl_boot/arch/x86_64/memory/tdx_page_tables";
import { outBegin, outStr, outU32 } from "../../rt/out";

/**
 * The page table builder over packed range records: the PageTableBuilder::new error's Debug name
 * ("" when none), then the number of 4 KiB page tables build() uses (0 after an error).
 */
export function tdx_page_table_build(ptr: usize, count: u32): void {
  // A MappedRange may end before it starts (a RangeList may not): InvalidRange is checked first.
  let invalid = false;
  for (let i: u32 = 0; i < count; i++) {
    const at = ptr + <usize>i * RANGE_RECORD_BYTES;
    if (load<u64>(at) > load<u64>(at, 8)) invalid = true;
  }
  const ranges = invalid ? new RangeList(0) : RangeList.fromRecords(ptr, count);
  const err = invalid ? "InvalidRange" : pageTableBuilderError(ranges);
  const n = err === null ? apPageTableCount(ranges) : 0;
  outBegin();
  outStr(err === null ? "" : err);
  outU32(n);
}
