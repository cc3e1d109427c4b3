//! WASM exports of the VTL2 MMIO selection (assembly/openhcl_boot/host_params/mmio/mmio.ts).
// Ports: openhcl/openhcl_boot/src/host_params/mmio.rs

import { RangeList } from "../../support/memory_range/lib";
import { selectVtl2MmioRange, NOT_ENOUGH_VTL0_MMIO_MESSAGE } from "../../openhcl_boot/host_params/mmio/mmio";
import { outBegin, outU8, outU64, outStr } from "../../rt/out";

/** select_vtl2_mmio_range over packed range records: u8 ok, then (start, end) or the error text. */
export function mmio_select_vtl2(ptr: usize, count: u32, vtl2Size: u64): void {
  outBegin();
  const r = selectVtl2MmioRange(RangeList.fromRecords(ptr, count), vtl2Size);
  if (r === null) {
    outU8(0);
    outStr(NOT_ENOUGH_VTL0_MMIO_MESSAGE);
  } else {
    outU8(1);
    outU64(r.start);
    outU64(r.end);
  }
}
