//! WASM exports of the Rust formatting helpers (assembly/rt/fmt.ts), for exactness tests.
// Ports: core::fmt as used by openhcl_boot's messages

import { fmtStrDebug, fmtOptionHexPretty } from "../../rt/fmt";
import { RangeList, fmtRangeListDebugHex, fmtRangeListDebugPrettyHex } from "../../support/memory_range/lib";
import { outBegin, outStr } from "../../rt/out";

/** `{:?}` of the UTF-8 string at `ptr` (`len` bytes): one str. */
export function fmt_str_debug(ptr: usize, len: u32): void {
  outBegin();
  outStr(fmtStrDebug(String.UTF8.decodeUnsafe(ptr, <usize>len)));
}

/**
 * `{:x?}` and `{:#x?}` of the `count` ranges at `ptr` (16-byte records: start u64, end u64), then
 * `{:#x?}` of `Option<u64>` (`has`, `value`): three strs.
 */
export function fmt_range_list_debug(ptr: usize, count: u32, has: bool, value: u64): void {
  outBegin();
  const list = new RangeList(<i32>count);
  for (let i: u32 = 0; i < count; i++) list.push(load<u64>(ptr + <usize>i * 16), load<u64>(ptr + <usize>i * 16, 8), 0);
  outStr(fmtRangeListDebugHex(list));
  outStr(fmtRangeListDebugPrettyHex(list));
  outStr(fmtOptionHexPretty(has, value));
}
