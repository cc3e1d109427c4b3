//! Rust `core::fmt` renderings the shim's messages use, so panic and log texts match upstream
//! byte for byte: `{:#x}`, `{:x}`, and derived `Debug` of a `MemoryRange` in its four forms.

/** `{:#x}`: 0x-prefixed lowercase hex. */
export function fmtHex(v: u64): string {
  return "0x" + v.toString(16);
}

/** `{:x}`: lowercase hex without prefix. */
export function fmtHexBare(v: u64): string {
  return v.toString(16);
}

/** `{:?}` of a derived-Debug `MemoryRange`: `MemoryRange { start: 4096, end: 8192 }`. */
export function fmtRangeDebug(start: u64, end: u64): string {
  return "MemoryRange { start: " + start.toString() + ", end: " + end.toString() + " }";
}

/** `{:x?}`: `MemoryRange { start: 1000, end: 2000 }` (hex digits, no prefix). */
export function fmtRangeDebugHex(start: u64, end: u64): string {
  return "MemoryRange { start: " + start.toString(16) + ", end: " + end.toString(16) + " }";
}

/** `{:#?}`: pretty (multi-line) Debug with decimal values. */
export function fmtRangeDebugPretty(start: u64, end: u64): string {
  return "MemoryRange {\n    start: " + start.toString() + ",\n    end: " + end.toString() + ",\n}";
}

/** `{:#x?}`: pretty (multi-line) Debug with 0x-prefixed hex values. */
export function fmtRangeDebugPrettyHex(start: u64, end: u64): string {
  return "MemoryRange {\n    start: 0x" + start.toString(16) + ",\n    end: 0x" + end.toString(16) + ",\n}";
}
