//! WASM test drivers of the kernel hand-off's pieces on their own: the sidecar CPU split, the
//! E820 map of an input record, the initrd CRC-32 and the sidecar's UTF-8 check.
// Ports: openhcl/openhcl_boot/src/sidecar.rs (split by node), main.rs (build_e820_map, crc32 check),
//        openhcl/sidecar_defs/src/lib.rs (utf8 error text)

import { outBegin, outU8, outU32, outStr } from "../../rt/out";
import { utf8ErrorDebug } from "../../support/sidecar_defs/sidecar_defs";
import { decodeHandoffRecord } from "../records/handoff_record";
import { outE820Map } from "../records/handoff_result";
import { splitCpusByNode } from "../../openhcl_boot/sidecar/sidecar";
import { buildE820Map } from "../../openhcl_boot/main/boot_params";
import { crc32 } from "../../support/crc32fast/crc32";

/** Splits `count` CPU vnodes (u32 each at `ptr`) into sidecar chunks: u32 n, then (first, count). */
export function handoff_split_cpus(ptr: usize, count: u32): void {
  const v = new StaticArray<u32>(2048);
  const n = <i32>min(count, 2048);
  for (let i = 0; i < n; i++) v[i] = load<u32>(ptr + <usize>i * 4);
  const c = splitCpusByNode(v, n);
  outBegin();
  outU32(<u32>c.length);
  for (let i = 0; i < c.length; i++) {
    outU32(<u32>c.first[i]);
    outU32(<u32>c.count[i]);
  }
}

/** E820 map of the address space in an input record: u32 n, u32 zero-page n, entries. */
export function handoff_e820(ptr: usize, len: u32): void {
  const rec = decodeHandoffRecord(ptr, len);
  const map = buildE820Map(rec.space);
  outBegin();
  outE820Map(map);
}

/** CRC-32 of `len` bytes at `ptr` (the initrd check's hash). */
export function handoff_crc32(ptr: usize, len: u32): u32 {
  return crc32(ptr, <usize>len);
}

/**
 * Rust's `from_utf8` verdict on `len` bytes at `ptr` (the sidecar error check): result stream
 * u8 valid, then str with the `Utf8Error` Debug text when invalid.
 */
export function handoff_utf8_error(ptr: usize, len: u32): void {
  const e = utf8ErrorDebug(ptr, <i32>len);
  outBegin();
  outU8(e === null ? 1 : 0);
  if (e !== null) outStr(e);
}
