//! Typed binding for the boot command line parser export (assembly/abi/cmdline.ts).
// Ports: none (host binding of assembly/abi/cmdline.ts)
import type { Shim } from "../wasm/loader.js";

/** Upstream `Vtl2GpaPoolConfig`. */
export type Vtl2GpaPoolConfig =
  | { kind: "heuristics"; table: "release" | "debug" }
  | { kind: "off" }
  | { kind: "pages"; pages: bigint };

/** Upstream `SidecarOptions`. */
export type SidecarOptions =
  | { kind: "enabled"; enableLogging: boolean; cpuThreshold: number | null }
  | { kind: "disabledServicing" }
  | { kind: "disabledCommandLine" };

/** Upstream `BootCommandLineOptions`, plus the Rust Debug text of the two enums. */
export interface BootCommandLineOptions {
  confidentialDebug: boolean;
  enableVtl2GpaPool: Vtl2GpaPoolConfig;
  sidecar: SidecarOptions;
  disableNvmeKeepAlive: boolean;
  vtl2GpaPoolNumaSplit: boolean;
  /** `{:?}` of the pool config, e.g. `Heuristics(Release)`. */
  poolDebug: string;
  /** `{:?}` of the sidecar options. */
  sidecarDebug: string;
}

/** Parses command lines in order into one `BootCommandLineOptions::new()`; log lines in shim.log(). */
export function parseBootCommandLine(shim: Shim, ...cmdlines: string[]): BootCommandLineOptions {
  const enc = new TextEncoder();
  const parts = cmdlines.map((c) => enc.encode(c));
  const total = parts.reduce((n, p) => n + 4 + p.length, 0);
  const buf = new Uint8Array(Math.max(total, 1));
  const view = new DataView(buf.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    buf.set(p, at + 4);
    at += 4 + p.length;
  }
  shim.reset();
  const ptr = shim.put(buf);
  shim.call("cmdline_parse", ptr, total, parts.length);
  const r = shim.out();
  const confidentialDebug = r.bool();
  const poolKind = r.u32();
  const table = r.u32();
  const pages = r.u64();
  const poolDebug = r.str();
  const enableVtl2GpaPool: Vtl2GpaPoolConfig =
    poolKind === 0 ? { kind: "heuristics", table: table === 1 ? "debug" : "release" } : poolKind === 1 ? { kind: "off" } : { kind: "pages", pages };
  const sidecarKind = r.u32();
  const enableLogging = r.bool();
  const hasThreshold = r.bool();
  const threshold = r.u32();
  const sidecarDebug = r.str();
  const sidecar: SidecarOptions =
    sidecarKind === 0
      ? { kind: "enabled", enableLogging, cpuThreshold: hasThreshold ? threshold : null }
      : sidecarKind === 1
        ? { kind: "disabledServicing" }
        : { kind: "disabledCommandLine" };
  return {
    confidentialDebug,
    enableVtl2GpaPool,
    sidecar,
    disableNvmeKeepAlive: r.bool(),
    vtl2GpaPoolNumaSplit: r.bool(),
    poolDebug,
    sidecarDebug,
  };
}
