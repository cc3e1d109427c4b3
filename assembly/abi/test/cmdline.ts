//! WASM exports of the boot command line parser (assembly/openhcl_boot/cmdline/cmdline.ts).
// Ports: openhcl/openhcl_boot/src/cmdline.rs (BootCommandLineOptions::new + parse)

import { BootCommandLineOptions } from "../../openhcl_boot/cmdline/cmdline";
import { panic } from "../../rt/panic";
import { outBegin, outU8, outU32, outU64, outStr } from "../../rt/out";

/**
 * Parses `count` command lines in order into one `BootCommandLineOptions::new()` (as the shim
 * parses the measured command line, then the host's). Input at `ptr`: per line a u32 byte length
 * and that many UTF-8 bytes. Output: confidentialDebug u8; pool kind u32, table u32, pages u64,
 * pool Debug str; sidecar kind u32, enableLogging u8, hasCpuThreshold u8, cpuThreshold u32,
 * sidecar Debug str; disableNvmeKeepAlive u8; vtl2GpaPoolNumaSplit u8.
 */
export function cmdline_parse(ptr: usize, len: u32, count: u32): void {
  outBegin();
  const o = BootCommandLineOptions.new();
  let at: usize = 0;
  for (let i: u32 = 0; i < count; i++) {
    if (at + 4 > <usize>len) panic("cmdline_parse: input truncated before line " + i.toString());
    const n = load<u32>(ptr + at);
    at += 4;
    if (at + <usize>n > <usize>len) panic("cmdline_parse: line " + i.toString() + " runs past the input");
    o.parse(String.UTF8.decodeUnsafe(ptr + at, <usize>n));
    at += <usize>n;
  }
  outU8(o.confidentialDebug ? 1 : 0);
  outU32(o.enableVtl2GpaPool.kind);
  outU32(o.enableVtl2GpaPool.table);
  outU64(o.enableVtl2GpaPool.pages);
  outStr(o.enableVtl2GpaPool.toDebugString());
  outU32(o.sidecar.kind);
  outU8(o.sidecar.enableLogging ? 1 : 0);
  outU8(o.sidecar.hasCpuThreshold ? 1 : 0);
  outU32(o.sidecar.cpuThreshold);
  outStr(o.sidecar.toDebugString());
  outU8(o.disableNvmeKeepAlive ? 1 : 0);
  outU8(o.vtl2GpaPoolNumaSplit ? 1 : 0);
}
