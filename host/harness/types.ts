// The JSON shapes of CONTRACT.md that users script against (boot, service, dt). 64-bit values are
// lowercase 0x-prefixed hex strings; ranges are {start, end} with end exclusive.

/** A range `{start, end}` in contract form. */
export interface RangeJson {
  start: string;
  end: string;
}

/** A memory entry (VTL2 or partition RAM). */
export interface MemoryEntryJson extends RangeJson {
  vnode: number;
  igvmType: number;
}

/** One VTL2 address-space range with its MemoryVtlType name. */
export interface AddressSpaceJson extends RangeJson {
  vnode: number;
  type: string;
}

/** The memory allocation mode, as `dt` and `boot` print it. */
export type MemoryAllocationModeJson =
  | { mode: "host" }
  | { mode: "vtl2"; memorySize: string | null; mmioSize: string | null };

/** One sidecar node. */
export interface SidecarNodeJson {
  memoryBase: string;
  memorySize: string;
  baseVp: number;
  vpCount: number;
}

/** `boot --json` on success. */
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
  [extra: string]: unknown;
}

/** The contract's failure object. */
export interface FailureOutput {
  ok: false;
  error: { kind: "panic" | "dt" | "input"; message: string };
  bootLog?: string[];
}

/** `service --json`. */
export interface ServiceOutput {
  ok: true;
  first: BootOutput;
  second: BootOutput;
  agree: boolean;
  differences: string[];
}
