//! TypeScript shapes of the CONTRACT.md JSON outputs (`boot --json`, `service --json`).
// Ports: none (hclboot's own command-line contract, /work/shared/CONTRACT.md)
import type { Failure } from "../errors.js";

/** A 64-bit quantity as the contract prints it: lowercase hex with `0x`. */
export type Hex = string;

/** A range `{start, end}`, end exclusive. */
export interface JsonRange {
  start: Hex;
  end: Hex;
}

/** A RAM range with its NUMA node and IGVM memory-map entry type. */
export interface JsonRamRange extends JsonRange {
  vnode: number;
  igvmType: number;
}

/** One VTL2 address-space range with its `MemoryVtlType` name (e.g. "VTL2_CONFIG"). */
export interface JsonAddressRange extends JsonRange {
  vnode: number;
  type: string;
}

/** One sidecar node: its memory and the VPs it starts. */
export interface JsonSidecarNode {
  memoryBase: Hex;
  memorySize: Hex;
  baseVp: number;
  vpCount: number;
}

/** How VTL2 memory was chosen. */
export type JsonAllocationMode = { mode: "host" } | { mode: "vtl2"; memorySize: Hex | null; mmioSize: Hex | null };

/** The `boot --json` object of a completed boot. */
export interface BootOutput {
  ok: true;
  arch: "x86_64" | "aarch64";
  isolation: "none" | "vbs" | "snp" | "tdx";
  memoryAllocationMode: JsonAllocationMode;
  cpuCount: number;
  vtl2Ram: JsonRamRange[];
  partitionRam: JsonRamRange[];
  vtl0Mmio: JsonRange[];
  vtl2Mmio: JsonRange[];
  addressSpace: JsonAddressRange[];
  sidecar: null | { nodes: JsonSidecarNode[] };
  kernelCommandLine: string;
  bootLog: string[];
}

/** The `service --json` object of a completed servicing round trip. */
export interface ServiceOutput {
  ok: true;
  first: BootOutput;
  second: BootOutput;
  agree: boolean;
  differences: string[];
}

export type { Failure };

/** The `{ok:false, error}` object for a given kind and message. */
export function failure(kind: Failure["error"]["kind"], message: string): Failure {
  return { ok: false, error: { kind, message } };
}
