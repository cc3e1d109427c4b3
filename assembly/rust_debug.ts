//! Rust `Debug` formatting of the values that upstream panic and log messages print, so our
//! messages are byte-identical to what the Rust shim would write (`{:?}`, `{:x?}`, `{:#x?}`).
// Ports: the `#[derive(Debug)]` output of memory_range::MemoryRange, Option<u64> and friends.

/** `{:#x}` of an integer: `0x` + lowercase hex. */
export function fmtHex(v: u64): string {
  return "0x" + v.toString(16);
}

/** `{:x}` of an integer: lowercase hex without prefix. */
export function fmtHexBare(v: u64): string {
  return v.toString(16);
}

/** `{:?}` of a MemoryRange: `MemoryRange { start: 4096, end: 8192 }`. */
export function debugRange(start: u64, end: u64): string {
  return "MemoryRange { start: " + start.toString() + ", end: " + end.toString() + " }";
}

/** `{:x?}` of a MemoryRange: `MemoryRange { start: 1000, end: 2000 }`. */
export function debugRangeHex(start: u64, end: u64): string {
  return "MemoryRange { start: " + start.toString(16) + ", end: " + end.toString(16) + " }";
}

/** `{:#x?}` of a MemoryRange (pretty, hex), indented by `indent` spaces for nesting. */
export function prettyRange(start: u64, end: u64, indent: i32 = 0): string {
  const pad = " ".repeat(indent);
  return (
    "MemoryRange {\n" +
    pad + "    start: 0x" + start.toString(16) + ",\n" +
    pad + "    end: 0x" + end.toString(16) + ",\n" +
    pad + "}"
  );
}

/** `{:#x?}` of an `Option<u64>`: `None` or `Some(\n    0x..,\n)`. */
export function prettyOptionHex(has: bool, v: u64): string {
  if (!has) return "None";
  return "Some(\n    0x" + v.toString(16) + ",\n)";
}

/** `{:?}` of an `Option<u32>`-like value. */
export function debugOptionU32(has: bool, v: u32): string {
  return has ? "Some(" + v.toString() + ")" : "None";
}
