//! VP index checks: the hypervisor's VP index for each CPU's hardware id (APIC id or MPIDR) must
//! equal its position in the device tree, as OpenVMM assumes.
// Ports: openhcl/openhcl_boot/src/main.rs (validate_vp_hw_ids)

import { panic } from "./runtime/panic";
import { hvVtl, hvVpIndexFromHwId } from "./runtime/hv";
import { isHardwareIsolated, ARCH_AARCH64 } from "./shim_params";
import { MAX_CPU_COUNT } from "./partition_limits";
import { PartitionInfo } from "./partition_info";
import { hvErrorDisplay } from "./hv_error";

/** Panics unless VP index i belongs to the i-th CPU; skipped when isolated or not in VTL2. */
export function validateVpHwIds(h: PartitionInfo, arch: u32): void {
  // No hypercall channel to the hypervisor here for hardware-isolated VMs.
  if (isHardwareIsolated(h.isolation)) return;
  // Without guest VSM the shim picks VP indexes itself.
  if (hvVtl() != 2) return;

  const n = h.cpuCount;
  const ids = __alloc(<usize>MAX_CPU_COUNT * 8);
  const out = __alloc(<usize>MAX_CPU_COUNT * 4);
  const outCount = __alloc(8);
  store<u32>(outCount, 0);
  for (let i = 0; i < n; i++) {
    const r = unchecked(h.cpuRegs[i]);
    // x86 hardware ids are 32-bit APIC ids.
    store<u64>(ids + <usize>i * 8, arch == ARCH_AARCH64 ? r : <u64><u32>r);
  }
  const status = hvVpIndexFromHwId(ids, <u32>n, out, outCount);
  const got = <i32>min(load<u32>(outCount), <u32>n);
  if (status != 0) {
    const at = min(got, n - 1);
    const id = load<u64>(ids + <usize>at * 8);
    panic("failed to get VP index for hardware ID 0x" + id.toString(16) + ": " + hvErrorDisplay(status));
  }
  for (let i = 0; i < got; i++) {
    const vp = load<u32>(out + <usize>i * 4);
    if (<u32>i != vp) {
      panic("CPU hardware ID 0x" + load<u64>(ids + <usize>i * 8).toString(16) + " does not correspond to VP index " + vp.toString());
    }
  }
}
