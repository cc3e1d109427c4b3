//! WASM exports of the kernel hand-off: run it over an input record and read back the sidecar
//! nodes, kernel command line, E820 map, boot_params page and kernel device tree; plus the pieces
//! on their own (sidecar split, E820 map) for tests.
// Ports: openhcl/openhcl_boot/src/main.rs (shim_main after read_from_dt), sidecar.rs, dt.rs

import { outBegin, outU8, outU32, outU64, outStr } from "../rt/out";
import { utf8ErrorDebug } from "../support/sidecar_defs/sidecar_defs";
import { decodeHandoffRecord } from "./records/handoff_record";
import { runHandoff, getRefTime } from "../openhcl_boot/main/handoff";
import { outHandoff, outE820Map } from "./records/handoff_result";
import { splitCpusByNode } from "../openhcl_boot/sidecar/sidecar";
import { buildE820Map } from "../openhcl_boot/main/boot_params";
import { crc32 } from "../support/crc32fast/crc32";

/**
 * Runs the hand-off over the input record at `ptr` (`len` bytes). Result stream: u8 sidecar
 * present, u32 node count, per node (u64 memoryBase, u64 memorySize, u32 baseVp, u32 vpCount,
 * u64 controlPage, u64 shmemPagesBase, u64 shmemPagesSize), u64 sidecar start/end reftime;
 * str kernel command line; u32 e820 count, u32 zero-page count, entries (u64 addr, u64 size,
 * u32 type); bytes boot_params (empty on aarch64); bytes kernel DTB; u8 has alias map, u64 alias
 * map; u8 has boot times, u64 start, u64 end.
 */
export function handoff_run(ptr: usize, len: u32): void {
  const rec = decodeHandoffRecord(ptr, len);
  const r = runHandoff(rec.params, rec.info, rec.space, rec.staticConfidentialDebug, getRefTime(rec.params), rec.computedInitrdCrc);
  outBegin();
  outHandoff(r, rec.info.hasVtl0AliasMap, rec.info.vtl0AliasMap);
}

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
