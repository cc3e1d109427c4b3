//! Rust `core::fmt` renderings the shim's messages use, so panic and log texts match upstream
//! byte for byte: `{:#x}`, `{:x}`, derived `Debug` of a `MemoryRange` in its four forms, and `Option`.

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

/** `{:#x?}`: pretty (multi-line) Debug with 0x-prefixed hex values, indented by `indent` spaces when nested. */
export function fmtRangeDebugPrettyHex(start: u64, end: u64, indent: i32 = 0): string {
  if (indent == 0) return "MemoryRange {\n    start: 0x" + start.toString(16) + ",\n    end: 0x" + end.toString(16) + ",\n}";
  const pad = " ".repeat(indent);
  return "MemoryRange {\n" + pad + "    start: 0x" + start.toString(16) + ",\n" + pad + "    end: 0x" + end.toString(16) + ",\n" + pad + "}";
}

/** `{:#x?}` of an `Option<u64>`: `None` or `Some(\n    0x..,\n)`. */
export function fmtOptionHexPretty(has: bool, v: u64): string {
  if (!has) return "None";
  return "Some(\n    0x" + v.toString(16) + ",\n)";
}
