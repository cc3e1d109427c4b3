//! Rust `core::fmt` renderings the shim's messages use, so panic and log texts match upstream
//! byte for byte: `{:#x}`, `{:x}`, derived `Debug` of a `MemoryRange` in its four forms, of an
//! `InvalidMemoryRange`, `Option`, and `{:?}` of a `str`. The one home of
//! these helpers.
// Ports: core::fmt (derived Debug, `<str as Debug>`) as built by upstream's toolchain.

import { STR_DEBUG_ESCAPED, STR_DEBUG_ESCAPED_RANGES } from "./str_debug_table";

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

/** `{:?}` of upstream's derived-Debug `InvalidMemoryRange`: `InvalidMemoryRange { start: 4096, end: 0 }`. */
export function fmtInvalidRangeDebug(start: u64, end: u64): string {
  return "InvalidMemoryRange { start: " + start.toString() + ", end: " + end.toString() + " }";
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

/**
 * `{:?}` of a `str`: quoted; `\0 \t \n \r \" \\` as named escapes; every char Rust deems
 * non-printable or grapheme-extending (anywhere in the string) as `\u{hex}`; the rest as is.
 */
export function fmtStrDebug(s: string): string {
  let out = "\"";
  const n = s.length;
  let i = 0;
  while (i < n) {
    let cp = <u32>s.charCodeAt(i);
    let units = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const lo = <u32>s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        units = 2;
      }
    }
    if (cp == 0x22) out += "\\\"";
    else if (cp == 0x5c) out += "\\\\";
    else if (cp == 0x0a) out += "\\n";
    else if (cp == 0x0d) out += "\\r";
    else if (cp == 0x09) out += "\\t";
    else if (cp == 0) out += "\\0";
    // A lone surrogate cannot come from a Rust str; escape it rather than emit invalid text.
    else if ((cp >= 0xd800 && cp <= 0xdfff) || strDebugEscapes(cp)) out += "\\u{" + cp.toString(16) + "}";
    else out += s.substring(i, i + units);
    i += units;
  }
  return out + "\"";
}

// True when `cp` lies in one of the generated escaped ranges (binary search over the pairs).
function strDebugEscapes(cp: u32): bool {
  if (cp >= 0x20 && cp < 0x7f) return false;
  let lo = 0;
  let hi = STR_DEBUG_ESCAPED_RANGES;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (unchecked(STR_DEBUG_ESCAPED[mid * 2 + 1]) < cp) lo = mid + 1;
    else hi = mid;
  }
  return lo < STR_DEBUG_ESCAPED_RANGES && unchecked(STR_DEBUG_ESCAPED[lo * 2]) <= cp;
}
