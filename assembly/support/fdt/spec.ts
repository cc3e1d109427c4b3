//! Flattened device tree format constants: header layout, structure-block tokens, reservation
//! entries, and big-endian reads and writes of the blob (shared by the parser and the builder).
// Ports: support/fdt/src/spec.rs

/** Magic number at the start of every blob. */
export const FDT_MAGIC: u32 = 0xd00dfeed;
/** The format version the builder writes and the parser requires at least. */
export const FDT_CURRENT_VERSION: u32 = 17;
/** The `last_comp_version` the builder writes and the newest one the parser understands. */
export const FDT_COMPAT_VERSION: u32 = 16;

/** Structure-block token: start of a node, followed by its NUL-terminated name. */
export const FDT_BEGIN_NODE: u32 = 1;
/** Structure-block token: end of a node. */
export const FDT_END_NODE: u32 = 2;
/** Structure-block token: a property (length, name offset, data). */
export const FDT_PROP: u32 = 3;
/** Structure-block token: no operation. */
export const FDT_NOP: u32 = 4;
/** Structure-block token: end of the structure block. */
export const FDT_END: u32 = 9;

/** Size in bytes of the fixed header (ten big-endian u32 fields). */
export const HEADER_SIZE: u32 = 40;
/** Byte offsets of the header fields. */
export const HDR_MAGIC: u32 = 0;
export const HDR_TOTALSIZE: u32 = 4;
export const HDR_OFF_DT_STRUCT: u32 = 8;
export const HDR_OFF_DT_STRINGS: u32 = 12;
export const HDR_OFF_MEM_RSVMAP: u32 = 16;
export const HDR_VERSION: u32 = 20;
export const HDR_LAST_COMP_VERSION: u32 = 24;
export const HDR_BOOT_CPUID_PHYS: u32 = 28;
export const HDR_SIZE_DT_STRINGS: u32 = 32;
export const HDR_SIZE_DT_STRUCT: u32 = 36;

/** Size of one memory reservation entry (address: u64, size: u64). */
export const RESERVE_ENTRY_SIZE: u32 = 16;
/** Size of a property header (len: u32, nameoff: u32) after the PROP token. */
export const PROP_HEADER_SIZE: u32 = 8;

/** Reads a big-endian u32 at `ptr`. */
@inline export function readBe32(ptr: usize): u32 {
  return bswap<u32>(load<u32>(ptr));
}

/** Reads a big-endian u64 at `ptr` (no alignment needed). */
@inline export function readBe64(ptr: usize): u64 {
  return bswap<u64>(load<u64>(ptr));
}

/** Stores `v` big-endian at `ptr`. */
@inline export function storeBe32(ptr: usize, v: u32): void {
  store<u32>(ptr, bswap<u32>(v));
}

/** Stores `v` big-endian at `ptr` (no alignment needed). */
@inline export function storeBe64(ptr: usize, v: u64): void {
  store<u64>(ptr, bswap<u64>(v));
}

/** Rounds `n` up to the next multiple of 4, in 64-bit arithmetic (never wraps for u32 input). */
@inline export function align4(n: u64): u64 {
  return (n + 3) & ~(<u64>3);
}
