//! Hypervisor-stub interface: CPUID, the current VTL, hypervisor registers, the hypercall page,
//! the reference clock, VP index lookup and the sidecar entry point, all answered by the host
//! (host/hv/). One import call per query, never per byte.
// Ports: openhcl/openhcl_boot/src/hypercall.rs, minimal_rt reftime, safe_intrinsics::cpuid (the
// hardware/hypervisor side the shim talks to).

/** Hypervisor register names the shim queries (HvAllArchRegisterName). */
export const HV_REGISTER_VSM_CAPABILITIES: u32 = 0x000d0006;

const CPUID_OUT: usize = memory.data(16);
const REG_OUT: usize = memory.data(8);

@external("env", "hv_cpuid")
declare function host_hv_cpuid(leaf: u32, subleaf: u32, out: usize): void;

@external("env", "hv_vtl")
declare function host_hv_vtl(): u32;

@external("env", "hv_get_register")
declare function host_hv_get_register(name: u32, out: usize): u32;

@external("env", "hv_hypercall_page")
declare function host_hv_hypercall_page(): u64;

@external("env", "hv_reference_time")
declare function host_hv_reference_time(): u64;

@external("env", "hv_mmfr0")
declare function host_hv_mmfr0(): u64;

@external("env", "hv_vp_index_from_hw_id")
declare function host_hv_vp_index_from_hw_id(ids: usize, count: u32, out: usize, outCount: usize): u32;

@external("env", "hv_sidecar_start")
declare function host_hv_sidecar_start(params: usize, output: usize): u32;

/** The four registers of one CPUID leaf. */
@final
export class CpuidResult {
  constructor(public eax: u32, public ebx: u32, public ecx: u32, public edx: u32) {}
}

/** Executes CPUID (answered by the hypervisor stub). */
export function cpuid(leaf: u32, subleaf: u32): CpuidResult {
  host_hv_cpuid(leaf, subleaf, CPUID_OUT);
  return new CpuidResult(load<u32>(CPUID_OUT), load<u32>(CPUID_OUT, 4), load<u32>(CPUID_OUT, 8), load<u32>(CPUID_OUT, 12));
}

/** The VTL the shim runs in (2 under guest VSM, 0 otherwise). */
export function hvVtl(): u32 {
  return host_hv_vtl();
}

/** Result of a register read: status 0 and `value`, or an HvError code in `status`. */
@final
export class HvRegisterResult {
  constructor(public status: u32, public value: u64) {}
}

/** HvCallGetVpRegisters for one register of the current VP. */
export function hvGetRegister(name: u32): HvRegisterResult {
  store<u64>(REG_OUT, 0);
  const status = host_hv_get_register(name, REG_OUT);
  return new HvRegisterResult(status, load<u64>(REG_OUT));
}

/** Guest physical address of the hypercall page. */
export function hvHypercallPage(): u64 {
  return host_hv_hypercall_page();
}

/** The partition reference time (100 ns units). */
export function referenceTime(): u64 {
  return host_hv_reference_time();
}

/** ID_AA64MMFR0_EL1 (aarch64 physical address range lives in its low 4 bits). */
export function readMmfr0(): u64 {
  return host_hv_mmfr0();
}

/**
 * HvCallGetVpIndexFromApicId over `count` hardware ids (u64 each at `ids`); the VP indexes the
 * hypervisor processed (u32 each) are written at `out`, their number at `outCount` (u32).
 * Returns 0 or an HvError code.
 */
export function hvVpIndexFromHwId(ids: usize, count: u32, out: usize, outCount: usize): u32 {
  return host_hv_vp_index_from_hw_id(ids, count, out, outCount);
}

/** Calls the sidecar entry point with a SidecarParams page and a SidecarOutput page. */
export function sidecarEntry(params: usize, output: usize): bool {
  return host_hv_sidecar_start(params, output) != 0;
}

@external("env", "hv_rdtsc")
declare function host_hv_rdtsc(): u64;

/** The time-stamp counter (TDX reference time source). */
export function rdtsc(): u64 {
  return host_hv_rdtsc();
}
