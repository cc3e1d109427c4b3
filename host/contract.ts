//! TypeScript shapes of the CONTRACT.md JSON outputs users script against (`boot --json`,
//! `service --json`, the failure object). 64-bit values are lowercase 0x-prefixed hex strings;
//! ranges are {start, end} with end exclusive.
// Ports: none (hclboot's own command-line contract, /work/shared/CONTRACT.md)
import type { FailureKind } from "./errors.js";

/** A 64-bit quantity as the contract prints it: lowercase hex with `0x`. */
export type Hex = string;

/** A range `{start, end}`, end exclusive. */
export interface RangeJson {
  start: Hex;
  end: Hex;
}

/** A RAM range (VTL2 or partition) with its NUMA node and IGVM memory-map entry type. */
export interface MemoryEntryJson extends RangeJson {
  vnode: number;
  igvmType: number;
}

/** One VTL2 address-space range with its `MemoryVtlType` name (e.g. "VTL2_CONFIG"). */
export interface AddressSpaceJson extends RangeJson {
  vnode: number;
  type: string;
}

/** How VTL2 memory was chosen, as `dt` and `boot` print it. */
export type MemoryAllocationModeJson =
  | { mode: "host" }
  | { mode: "vtl2"; memorySize: Hex | null; mmioSize: Hex | null };

/** One sidecar node: its memory and the VPs it starts. */
export interface SidecarNodeJson {
  memoryBase: Hex;
  memorySize: Hex;
  baseVp: number;
  vpCount: number;
}

/** The `boot --json` object of a completed boot. */
export interface BootOutput {
  ok: true;
  arch: "x86_64" | "aarch64";
  isolation: "none" | "vbs" | "snp" | "tdx";
  memoryAllocationMode: MemoryAllocationModeJson;
  cpuCount: number;
  vtl2Ram: MemoryEntryJson[];
  partitionRam: MemoryEntryJson[];
  vtl0Mmio: RangeJson[];
  vtl2Mmio: RangeJson[];
  addressSpace: AddressSpaceJson[];
  sidecar: null | { nodes: SidecarNodeJson[] };
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

/** The contract's failure object (kind "internal" is a bug in hclboot); a failed boot adds `bootLog`. */
export interface Failure {
  ok: false;
  error: { kind: FailureKind; message: string };
  bootLog?: string[];
}

/** The `{ok:false, error}` object for a given kind and message. */
export function failure(kind: Failure["error"]["kind"], message: string): Failure {
  return { ok: false, error: { kind, message } };
}
