//! Sidecar kernel definitions: node capacity, per-node memory requirement, and the byte layout of
//! the SidecarParams / SidecarOutput pages handed to the sidecar entry point.
// Ports: openhcl/sidecar_defs/src/lib.rs

import { panic } from "../../rt/panic";
import { uninitStaticArray } from "../../rt/storage";

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

// SidecarOutput (repr(C)): error CommandError {len u8, buf [u8; 255]} @0, nodes
// [SidecarNodeOutput; 128] @256 (24 bytes each: control_page, shmem_pages_base, shmem_pages_size).
export const OUTPUT_ERROR_LEN: usize = 0;
export const OUTPUT_ERROR_BUF: usize = 1;
export const OUTPUT_NODES: usize = 256;
export const NODE_OUTPUT_SIZE: usize = 24;

/** Starting state for each CPU: whether sidecar (true) or the main kernel starts it. */
@final
export class PerCpuState {
  /** Whether `sidecarStartsCpu` is meaningful. */
  perCpuStateSpecified: bool = false;
  /** Per CPU: true when the sidecar kernel starts it. */
  sidecarStartsCpu: StaticArray<bool> = uninitStaticArray<bool>(NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE);

  constructor() {
    // Every entry true (a bool is one byte 1).
    memory.fill(changetype<usize>(this.sidecarStartsCpu), 1, <usize>NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE);
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

/**
 * The Debug text of the error `core::str::from_utf8` reports for `len` bytes at `ptr`
 * (`Utf8Error { valid_up_to: N, error_len: Some(n) | None }`), or null when they are valid UTF-8.
 */
export function utf8ErrorDebug(ptr: usize, len: i32): string | null {
  let i = 0;
  while (i < len) {
    const start = i;
    const first = <u32>load<u8>(ptr + <usize>i);
    if (first < 0x80) {
      i++;
      continue;
    }
    // Width of the sequence the lead byte announces (0: not a lead byte).
    const width = first >= 0xc2 && first <= 0xdf ? 2 : first >= 0xe0 && first <= 0xef ? 3 : first >= 0xf0 && first <= 0xf4 ? 4 : 0;
    if (width == 0) return utf8Error(start, 1);
    // Second byte: its valid range depends on the lead byte (no overlongs, surrogates or > U+10FFFF).
    i++;
    if (i >= len) return utf8Error(start, 0);
    const b1 = <u32>load<u8>(ptr + <usize>i);
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (first == 0xe0) lo = 0xa0;
    else if (first == 0xed) hi = 0x9f;
    else if (first == 0xf0) lo = 0x90;
    else if (first == 0xf4) hi = 0x8f;
    if (b1 < lo || b1 > hi) return utf8Error(start, 1);
    // Remaining continuation bytes.
    for (let k = 2; k < width; k++) {
      i++;
      if (i >= len) return utf8Error(start, 0);
      const b = <u32>load<u8>(ptr + <usize>i);
      if (b < 0x80 || b > 0xbf) return utf8Error(start, k);
    }
    i++;
  }
  return null;
}

function utf8Error(validUpTo: i32, errorLen: i32): string {
  const len = errorLen == 0 ? "None" : "Some(" + errorLen.toString() + ")";
  return "Utf8Error { valid_up_to: " + validUpTo.toString() + ", error_len: " + len + " }";
}

/**
 * Reads the error string of a SidecarOutput page (`len` bytes of UTF-8); panics like upstream's
 * `from_utf8(..).unwrap()` when the sidecar wrote invalid UTF-8 (a multi-byte character cut at
 * the 255-byte limit, for one).
 */
export function outputError(page: usize): string {
  const len = <i32>load<u8>(page + OUTPUT_ERROR_LEN);
  const bad = utf8ErrorDebug(page + OUTPUT_ERROR_BUF, len);
  if (bad !== null) panic("called `Result::unwrap()` on an `Err` value: " + bad);
  return String.UTF8.decodeUnsafe(page + OUTPUT_ERROR_BUF, <usize>len);
}
