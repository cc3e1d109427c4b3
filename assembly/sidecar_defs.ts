//! Sidecar kernel definitions: node capacity, per-node memory requirement, and the byte layout of
//! the SidecarParams / SidecarOutput pages handed to the sidecar entry point.
// Ports: openhcl/sidecar_defs/src/lib.rs

/** Page size for every sidecar object. */
export const SIDECAR_PAGE_SIZE: u64 = 4096;
/** Maximum number of sidecar nodes. */
export const MAX_NODES: i32 = 128;
/** Number of CPUs the per-CPU start state can describe. */
export const NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE: i32 = 400;
/** Pages in each per-VP stack. */
export const STACK_PAGES: u64 = 3;
/** Reserved pages per VP: four page-table levels, globals, assist, hypercall in/out, stack. */
export const PER_VP_PAGES: u64 = 8 + STACK_PAGES;
/** Shared-memory pages per VP (command page, register page). */
export const PER_VP_SHMEM_PAGES: u64 = 2;

/** Bytes of memory a node of `vpCount` VPs needs: a control page plus the per-VP pages. */
export function requiredMemory(vpCount: u32): u64 {
  return (1 + (PER_VP_SHMEM_PAGES + PER_VP_PAGES) * <u64>vpCount) * SIDECAR_PAGE_SIZE;
}

// SidecarParams (repr(C), 4096-aligned): hypercall_page u64 @0, enable_logging bool @8,
// node_count u32 @12, nodes [SidecarNodeParams; 128] @16 (24 bytes each: memory_base u64,
// memory_size u64, base_vp u32, vp_count u32), initial_state PerCpuState @3088
// (per_cpu_state_specified bool, sidecar_starts_cpu [bool; 400]).
export const PARAMS_HYPERCALL_PAGE: usize = 0;
export const PARAMS_ENABLE_LOGGING: usize = 8;
export const PARAMS_NODE_COUNT: usize = 12;
export const PARAMS_NODES: usize = 16;
export const NODE_PARAMS_SIZE: usize = 24;
export const PARAMS_INITIAL_STATE: usize = PARAMS_NODES + <usize>MAX_NODES * NODE_PARAMS_SIZE;
export const PARAMS_STARTS_CPU: usize = PARAMS_INITIAL_STATE + 1;
/** Size of the SidecarParams page. */
export const SIDECAR_PARAMS_SIZE: usize = 4096;

// SidecarOutput (repr(C)): error CommandError {len u8, buf [u8; 255]} @0, nodes
// [SidecarNodeOutput; 128] @256 (24 bytes each: control_page, shmem_pages_base, shmem_pages_size).
export const OUTPUT_ERROR_LEN: usize = 0;
export const OUTPUT_ERROR_BUF: usize = 1;
export const OUTPUT_NODES: usize = 256;
export const NODE_OUTPUT_SIZE: usize = 24;
/** Size reserved for the SidecarOutput page. */
export const SIDECAR_OUTPUT_SIZE: usize = 4096;

/** Starting state for each CPU: whether sidecar (true) or the main kernel starts it. */
@final
export class PerCpuState {
  /** Whether `sidecarStartsCpu` is meaningful. */
  perCpuStateSpecified: bool = false;
  /** Per CPU: true when the sidecar kernel starts it. */
  sidecarStartsCpu: StaticArray<bool> = new StaticArray<bool>(NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE);

  constructor() {
    for (let i = 0; i < NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) unchecked((this.sidecarStartsCpu[i] = true));
  }
}

/** A zeroed, page-aligned SidecarParams or SidecarOutput page in the arena. */
export function allocSidecarPage(): usize {
  const raw = __alloc(8192);
  const page = (raw + 4095) & ~(<usize>4095);
  memory.fill(page, 0, 4096);
  return page;
}

/** Writes node `i` of a SidecarParams page. */
export function writeNodeParams(page: usize, i: i32, memoryBase: u64, memorySize: u64, baseVp: u32, vpCount: u32): void {
  const at = page + PARAMS_NODES + <usize>i * NODE_PARAMS_SIZE;
  store<u64>(at, memoryBase);
  store<u64>(at, memorySize, 8);
  store<u32>(at, baseVp, 16);
  store<u32>(at, vpCount, 20);
}

/** Reads the error string of a SidecarOutput page (`len` bytes of UTF-8). */
export function outputError(page: usize): string {
  const len = <i32>load<u8>(page + OUTPUT_ERROR_LEN);
  return String.UTF8.decodeUnsafe(page + OUTPUT_ERROR_BUF, <usize>len);
}
