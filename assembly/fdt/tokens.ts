//! Flattened device tree wire constants: header layout, block tokens, magic and versions.
// Ports: support/fdt/src/spec.rs

/** Header magic (big-endian in the blob). */
export const FDT_MAGIC: u32 = 0xd00dfeed;
/** Version the builder writes. */
export const FDT_CURRENT_VERSION: u32 = 17;
/** Oldest version the blob stays compatible with. */
export const FDT_COMPAT_VERSION: u32 = 16;

/** Structure block tokens. */
export const FDT_BEGIN_NODE: u32 = 1;
export const FDT_END_NODE: u32 = 2;
export const FDT_PROP: u32 = 3;
export const FDT_NOP: u32 = 4;
export const FDT_END: u32 = 9;

/** Header: ten big-endian u32 fields, in this order. */
export const FDT_HEADER_SIZE: u32 = 40;
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

/** A reservation map entry: big-endian u64 address, u64 size. */
export const FDT_RESERVE_ENTRY_SIZE: u32 = 16;
/** A property header: big-endian u32 value length, u32 name offset. */
export const FDT_PROP_HEADER_SIZE: u32 = 8;

/** Stores `v` big-endian at `ptr`. */
// @ts-ignore: decorator
@inline export function storeBe32(ptr: usize, v: u32): void {
  store<u32>(ptr, bswap<u32>(v));
}

/** Stores `v` big-endian at `ptr`. */
// @ts-ignore: decorator
@inline export function storeBe64(ptr: usize, v: u64): void {
  store<u64>(ptr, bswap<u64>(v));
}

/** Loads a big-endian u32 at `ptr`. */
// @ts-ignore: decorator
@inline export function loadBe32(ptr: usize): u32 {
  return bswap<u32>(load<u32>(ptr));
}

/** Loads a big-endian u64 at `ptr`. */
// @ts-ignore: decorator
@inline export function loadBe64(ptr: usize): u64 {
  return bswap<u64>(load<u64>(ptr));
}
