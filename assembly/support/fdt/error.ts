//! FDT parse errors with upstream's kinds and Display texts, plus the C-string and UTF-8 checks
//! (Rust `str::from_utf8` semantics) whose failures those texts describe.
// Ports: support/fdt/src/parser.rs (ErrorKind, ParseTokenError, StringError, extract_str_from_bytes)

import { fmtStrDebug } from "../../rt/fmt";

/** Kinds of FDT parse errors (upstream `ErrorKind`). */
export enum FdtErrorKind {
  BufferAlignment = 0,
  NoHeader = 1,
  HeaderMagic = 2,
  HeaderTotalSize = 3,
  HeaderVersion = 4,
  StructureBlock = 5,
  StructureBlockAlignment = 6,
  MemoryReservationBlock = 7,
  MemoryReservationBlockEnd = 8,
  StringsBlock = 9,
  RootNode = 10,
  MultipleRootNodes = 11,
  NodeToken = 12,
  NodeBegin = 13,
  NodeProp = 14,
  NodeChildren = 15,
  PropertyDataTypeBuffer = 16,
  PropertyOffset = 17,
  PropertyStr = 18,
  PropertyTokenParse = 19,
  PropertyToken = 20,
  PropertyNameStr = 21,
  FdtEnd = 22,
}

/** Variant names of the field-less kinds, in enum order (Rust Debug). */
const SIMPLE_KIND_NAMES: StaticArray<string> = [
  "BufferAlignment", "NoHeader", "HeaderMagic", "HeaderTotalSize", "HeaderVersion", "StructureBlock",
  "StructureBlockAlignment", "MemoryReservationBlock", "MemoryReservationBlockEnd", "StringsBlock", "RootNode",
  "MultipleRootNodes", "NodeToken", "NodeBegin", "NodeProp", "NodeChildren", "PropertyDataTypeBuffer",
  "PropertyOffset", "PropertyStr", "PropertyTokenParse", "PropertyToken", "PropertyNameStr", "FdtEnd",
];

/** An FDT parse error: its kind, the text upstream's Display prints and the Rust Debug of its kind. */
export class FdtError {
  constructor(public readonly kind: FdtErrorKind, private readonly text: string, private readonly kindDebug: string = "") {}

  /** The Display text of the error. */
  message(): string {
    return this.text;
  }

  /** Rust's derived `{:?}` of upstream `Error`: `Error(<ErrorKind Debug>)`. */
  debug(): string {
    return "Error(" + this.kindDebug + ")";
  }

  /** An error without fields (header and block errors). */
  static simple(kind: FdtErrorKind): FdtError {
    let t = "";
    switch (kind) {
      case FdtErrorKind.BufferAlignment: t = "Buffer is not aligned to u32"; break;
      case FdtErrorKind.NoHeader: t = "Buffer too small for fixed FDT header"; break;
      case FdtErrorKind.HeaderMagic: t = "FDT header magic field invalid"; break;
      case FdtErrorKind.HeaderTotalSize: t = "FDT header total size greater than provided buffer"; break;
      case FdtErrorKind.HeaderVersion: t = "FDT header version invalid"; break;
      case FdtErrorKind.StructureBlock: t = "Structure block not contained within buffer"; break;
      case FdtErrorKind.StructureBlockAlignment: t = "Structure block offset is not aligned to u32"; break;
      case FdtErrorKind.MemoryReservationBlock: t = "Memory reservation block not contained within buffer"; break;
      case FdtErrorKind.MemoryReservationBlockEnd: t = "Memory reservation block did not end with an empty entry"; break;
      case FdtErrorKind.StringsBlock: t = "Strings block not contained within buffer"; break;
      case FdtErrorKind.RootNode: t = "No root node present"; break;
      case FdtErrorKind.MultipleRootNodes: t = "More than one node at the root"; break;
      case FdtErrorKind.FdtEnd: t = "FDT end token not present at end of structure block"; break;
      default: t = "FDT error " + (<i32>kind).toString();
    }
    return new FdtError(kind, t, SIMPLE_KIND_NAMES[<i32>kind]);
  }

  /** `NodeBegin`/`NodeProp`/`NodeChildren`: an unexpected token while splitting nodes. */
  static nodeToken(kind: FdtErrorKind, token: u32): FdtError {
    let t = "";
    if (kind == FdtErrorKind.NodeBegin) t = "Unexpected token when parsing begin node ";
    else if (kind == FdtErrorKind.NodeProp) t = "Unexpected token when parsing node properties ";
    else t = "Unexpected token when parsing children nodes ";
    return new FdtError(kind, t + token.toString(), SIMPLE_KIND_NAMES[<i32>kind] + "(" + token.toString() + ")");
  }

  /** `NodeToken`: a token could not be read while splitting nodes (`tokenDebug`: its Rust Debug). */
  static nodeTokenParse(tokenError: string, tokenDebug: string = ""): FdtError {
    return new FdtError(FdtErrorKind.NodeToken, "Unable to parse FDT token when parsing nodes " + tokenError, "NodeToken(" + tokenDebug + ")");
  }

  /** `PropertyDataTypeBuffer`: data length is not a multiple of the element size. */
  static dataTypeBuffer(nodeName: string, propName: string): FdtError {
    return new FdtError(
      FdtErrorKind.PropertyDataTypeBuffer,
      "Property " + propName + " data buffer len is not multiple of type size for node " + nodeName,
      "PropertyDataTypeBuffer { node_name: " + fmtStrDebug(nodeName) + ", prop_name: " + fmtStrDebug(propName) + " }",
    );
  }

  /** `PropertyOffset`: the element index is past the data. */
  static offset(nodeName: string, propName: string): FdtError {
    return new FdtError(
      FdtErrorKind.PropertyOffset,
      "Property " + propName + " requested at offset is larger than data buffer for node " + nodeName,
      "PropertyOffset { node_name: " + fmtStrDebug(nodeName) + ", prop_name: " + fmtStrDebug(propName) + " }",
    );
  }

  /** `PropertyStr`: the data is not a NUL-terminated UTF-8 string. */
  static propertyStr(nodeName: string, stringError: string, stringDebug: string = ""): FdtError {
    return new FdtError(
      FdtErrorKind.PropertyStr,
      "Property data is not a a valid string for node " + nodeName + ": " + stringError,
      "PropertyStr { node_name: " + fmtStrDebug(nodeName) + ", error: " + stringDebug + " }",
    );
  }

  /** `PropertyTokenParse`: a token in the property list could not be read. */
  static propertyTokenParse(nodeName: string, tokenError: string, tokenDebug: string = ""): FdtError {
    return new FdtError(
      FdtErrorKind.PropertyTokenParse,
      "Unable to parse FDT token when parsing properties for node " + nodeName + ": " + tokenError,
      "PropertyTokenParse { node_name: " + fmtStrDebug(nodeName) + ", error: " + tokenDebug + " }",
    );
  }

  /** `PropertyToken`: a non-property token in the property list. */
  static propertyToken(nodeName: string, token: u32): FdtError {
    return new FdtError(
      FdtErrorKind.PropertyToken,
      "Unexpected FDT token when parsing properties for node " + nodeName + ": " + token.toString(),
      "PropertyToken { node_name: " + fmtStrDebug(nodeName) + ", token: " + token.toString() + " }",
    );
  }

  /** `PropertyNameStr`: the property's name offset does not name a valid string. */
  static propertyNameStr(nodeName: string, stringError: string, stringDebug: string = ""): FdtError {
    return new FdtError(
      FdtErrorKind.PropertyNameStr,
      "Property name string is not a valid string for node " + nodeName + ": " + stringError,
      "PropertyNameStr { node_name: " + fmtStrDebug(nodeName) + ", error: " + stringDebug + " }",
    );
  }
}

// ---- C strings and UTF-8 -------------------------------------------------------------------

/** String check outcome: valid. */
export const STR_OK: i32 = 0;
/** String check outcome: offset past the strings block (`StringError::Offset`). */
export const STR_OFFSET: i32 = 1;
/** String check outcome: no NUL terminator (`StringError::Null`). */
export const STR_NULL: i32 = 2;
/** String check outcome: not UTF-8 (`StringError::Utf8`). */
export const STR_UTF8: i32 = 3;

// Details of the last check, as scalars (no heap objects in module globals).
let strLenOut: u32 = 0;
let utf8ValidUpTo: u32 = 0;
let utf8ErrorLen: u32 = 0; // 0 = incomplete sequence at the end (Rust `error_len() == None`)

/** Length of the string found by the last successful `cStr` call. */
export function lastStrLen(): u32 {
  return strLenOut;
}

/**
 * Checks `len` bytes at `ptr` as Rust's `from_utf8` does; returns true when valid, else records
 * `valid_up_to` and `error_len` for `stringErrorText`.
 */
export function utf8Valid(ptr: usize, len: u32): bool {
  let i: u32 = 0;
  while (i < len) {
    const first = <u32>load<u8>(ptr + i);
    if (first < 0x80) {
      i++;
      continue;
    }
    const start = i;
    let width: u32 = 0;
    if (first >= 0xc2 && first <= 0xdf) width = 2;
    else if (first >= 0xe0 && first <= 0xef) width = 3;
    else if (first >= 0xf0 && first <= 0xf4) width = 4;
    if (width == 0) return utf8Fail(start, 1);
    // second byte: range depends on the first byte
    if (start + 1 >= len) return utf8Fail(start, 0);
    const b1 = <u32>load<u8>(ptr + start + 1);
    let ok = false;
    if (width == 2) ok = b1 >= 0x80 && b1 <= 0xbf;
    else if (width == 3) {
      if (first == 0xe0) ok = b1 >= 0xa0 && b1 <= 0xbf;
      else if (first == 0xed) ok = b1 >= 0x80 && b1 <= 0x9f;
      else ok = b1 >= 0x80 && b1 <= 0xbf;
    } else {
      if (first == 0xf0) ok = b1 >= 0x90 && b1 <= 0xbf;
      else if (first == 0xf4) ok = b1 >= 0x80 && b1 <= 0x8f;
      else ok = b1 >= 0x80 && b1 <= 0xbf;
    }
    if (!ok) return utf8Fail(start, 1);
    for (let k: u32 = 2; k < width; k++) {
      if (start + k >= len) return utf8Fail(start, 0);
      const b = <u32>load<u8>(ptr + start + k);
      if (b < 0x80 || b > 0xbf) return utf8Fail(start, k);
    }
    i = start + width;
  }
  return true;
}

function utf8Fail(validUpTo: u32, errorLen: u32): bool {
  utf8ValidUpTo = validUpTo;
  utf8ErrorLen = errorLen;
  return false;
}

/**
 * Reads a C string from `len` bytes at `ptr` (upstream `extract_str_from_bytes`): STR_OK with
 * `lastStrLen()` set, STR_NULL without a terminator, STR_UTF8 when the bytes are not UTF-8.
 */
export function cStr(ptr: usize, len: u32): i32 {
  let n: u32 = 0;
  let high: u32 = 0;
  while (n < len) {
    const b = <u32>load<u8>(ptr + n);
    if (b == 0) break;
    high |= b;
    n++;
  }
  if (n == len) return STR_NULL;
  if ((high & 0x80) != 0 && !utf8Valid(ptr, n)) return STR_UTF8;
  strLenOut = n;
  return STR_OK;
}

/** Display text of a string error `code` (uses the details of the last failed check). */
export function stringErrorText(code: i32): string {
  if (code == STR_OFFSET) return "Invalid string block offset";
  if (code == STR_NULL) return "No null terminator found";
  if (utf8ErrorLen != 0) {
    return (
      "String is not utf8 invalid utf-8 sequence of " + utf8ErrorLen.toString() + " bytes from index " +
      utf8ValidUpTo.toString()
    );
  }
  return "String is not utf8 incomplete utf-8 byte sequence from index " + utf8ValidUpTo.toString();
}

/** Rust Debug of a string error `code` (`Offset`, `Null`, `Utf8(Utf8Error { .. })`), from the last failed check. */
export function stringErrorDebug(code: i32): string {
  if (code == STR_OFFSET) return "Offset";
  if (code == STR_NULL) return "Null";
  const len = utf8ErrorLen != 0 ? "Some(" + utf8ErrorLen.toString() + ")" : "None";
  return "Utf8(Utf8Error { valid_up_to: " + utf8ValidUpTo.toString() + ", error_len: " + len + " })";
}

/** Decodes `len` UTF-8 bytes at `ptr` (already validated) into a string. */
export function strAt(ptr: usize, len: u32): string {
  return String.UTF8.decodeUnsafe(ptr, <usize>len, false);
}

/** True when the `len` bytes at `ptr` equal the ASCII string `s`. */
export function bytesEq(ptr: usize, len: u32, s: string): bool {
  if (<u32>s.length != len) return false;
  for (let i: u32 = 0; i < len; i++) {
    if (<u32>load<u8>(ptr + i) != <u32>s.charCodeAt(<i32>i)) return false;
  }
  return true;
}

