//! VP index checks: the hypervisor's VP index for each CPU's hardware id (APIC id or MPIDR) must
//! equal its position in the device tree, as OpenVMM assumes.
// Ports: openhcl/openhcl_boot/src/main.rs (validate_vp_hw_ids),
//        openhcl/openhcl_boot/src/hypercall.rs (HvCall::get_vp_index_from_hw_id)

import { panic } from "../../rt/panic";
import { hvVtl, hvVpIndexFromHwId } from "../../rt/hv";
import { isHardwareIsolated, ARCH_AARCH64 } from "../host_params/shim_params/shim_params";
import { MAX_CPU_COUNT } from "../host_params/mod/partition_limits";
import { PartitionInfo } from "../host_params/mod/partition_info";
import { hvErrorDisplay } from "../../support/hvdef/hv_error";

/** Hardware ids per HvCallGetVpIndexFromApicId call (upstream splits the list in chunks of 512). */
export const VP_INDEX_IDS_PER_CALL: i32 = 512;
/** Bytes of the hypercall input page after the 16-byte GetVpIndexFromApicId header. */
const INPUT_PAGE_ROOM: i32 = 4096 - 16;

/**
 * Looks up the VP index of each of the `n` hardware ids at `ids` (u64 each), chunk by chunk as
 * upstream does, appending every index the hypervisor processed at `out` (u32 each). Returns the
 * number of indexes written; `status` receives 0 or the HvError code that stopped the lookup.
 * `idBytes` is the size of one hardware id in the hypercall input (4 on x86_64, 8 on aarch64):
 * a chunk that does not fit the input page panics as upstream's `write_to_prefix(..).unwrap()`.
 */
function vpIndexesFromHwIds(ids: usize, n: i32, idBytes: i32, out: usize, status: usize): i32 {
  const got = __alloc(8);
  let total = 0;
  store<u32>(status, 0);
  for (let at = 0; at < n; at += VP_INDEX_IDS_PER_CALL) {
    const len = min(VP_INDEX_IDS_PER_CALL, n - at);
    // The ids are copied behind the header; aarch64's 64-bit MPIDRs overflow the page past 510.
    if (len * idBytes > INPUT_PAGE_ROOM) panic("called `Result::unwrap()` on an `Err` value: SizeError");
    store<u32>(got, 0);
    const s = hvVpIndexFromHwId(ids + <usize>at * 8, <u32>len, out + <usize>total * 4, got);
    const processed = <i32>min(load<u32>(got), <u32>len);
    total += processed;
    if (s != 0) {
      store<u32>(status, s);
      return total;
    }
    if (processed != len) {
      panic("assertion `left == right` failed\n  left: " + processed.toString() + "\n right: " + len.toString());
    }
  }
  return total;
}

/** Panics unless VP index i belongs to the i-th CPU; skipped when isolated or not in VTL2. */
export function validateVpHwIds(h: PartitionInfo, arch: u32): void {
  // No hypercall channel to the hypervisor here for hardware-isolated VMs.
  if (isHardwareIsolated(h.isolation)) return;
  // Without guest VSM the shim picks VP indexes itself.
  if (hvVtl() != 2) return;

  const aarch64 = arch == ARCH_AARCH64;
  const n = h.cpuCount;
  const ids = __alloc(<usize>MAX_CPU_COUNT * 8);
  const out = __alloc(<usize>MAX_CPU_COUNT * 4);
  const status = __alloc(8);
  for (let i = 0; i < n; i++) {
    const r = unchecked(h.cpuRegs[i]);
    // x86 hardware ids are 32-bit APIC ids.
    store<u64>(ids + <usize>i * 8, aarch64 ? r : <u64><u32>r);
  }
  const got = vpIndexesFromHwIds(ids, n, aarch64 ? 8 : 4, out, status);
  const s = load<u32>(status);
  if (s != 0) {
    const at = min(got, n - 1);
    const id = load<u64>(ids + <usize>at * 8);
    panic("failed to get VP index for hardware ID 0x" + id.toString(16) + ": " + hvErrorDisplay(s));
  }
  for (let i = 0; i < got; i++) {
    const vp = load<u32>(out + <usize>i * 4);
    if (<u32>i != vp) {
      panic("CPU hardware ID 0x" + load<u64>(ids + <usize>i * 8).toString(16) + " does not correspond to VP index " + vp.toString());
    }
  }
}
