//! VTL2 MMIO selection: VTL2 takes its MMIO from the top of the highest high-MMIO range the host
//! gave VTL0; low MMIO (below 4 GiB) always stays with VTL0.
// Ports: openhcl/openhcl_boot/src/host_params/mmio.rs

import { MemoryRange, RangeList } from "../../../support/memory_range/lib";

/** MMIO at or above this address (4 GiB) is high MMIO. */
export const MMIO_HIGH_RANGE_START: u64 = 1 << 32;

/** Text of upstream `DtError::NotEnoughVtl0Mmio`, the only error of `selectVtl2MmioRange`. */
export const NOT_ENOUGH_VTL0_MMIO_MESSAGE = "host provided high MMIO range is insufficient to cover VTL0 and VTL2";

/**
 * The MMIO range VTL2 should use: the last `vtl2Size` bytes of the highest-addressed VTL0 MMIO
 * range that starts at or above 4 GiB. `mmio` must be sorted and non-overlapping (tags ignored).
 * Returns null for `Err(DtError::NotEnoughVtl0Mmio)`: no high range, or the highest one is shorter
 * than `vtl2Size`. Panics like `MemoryRange::new` when `vtl2Size` is not page aligned.
 */
export function selectVtl2MmioRange(mmio: RangeList, vtl2Size: u64): MemoryRange | null {
  for (let i = mmio.length - 1; i >= 0; i--) {
    const start = mmio.start(i);
    if (start < MMIO_HIGH_RANGE_START) continue;
    const end = mmio.end(i);
    if (end - start < vtl2Size) return null;
    return MemoryRange.new(end - vtl2Size, end);
  }
  return null;
}
