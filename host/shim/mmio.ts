//! Typed binding for the VTL2 MMIO selection export (assembly/abi/mmio.ts).
// Ports: none (host binding of assembly/abi/mmio.ts)
import type { Shim } from "../wasm/loader.js";
import { packRanges, type Range } from "./memory_range.js";

/** select_vtl2_mmio_range: VTL2's MMIO range, or the DtError::NotEnoughVtl0Mmio text. */
export function selectVtl2MmioRange(shim: Shim, mmio: readonly Range[], vtl2Size: bigint): { ok: true; range: Range } | { ok: false; error: string } {
  shim.reset();
  const p = shim.put(packRanges(mmio));
  shim.call("mmio_select_vtl2", p, mmio.length, vtl2Size);
  const r = shim.out();
  if (!r.bool()) return { ok: false, error: r.str() };
  return { ok: true, range: { start: r.u64(), end: r.u64() } };
}
