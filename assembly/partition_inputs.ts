//! The shim parameters that reading the partition topology consumes (a subset of ShimParams),
//! plus the measured command line and the imported (pre-accepted) regions.
// Ports: openhcl/openhcl_boot/src/host_params/shim_params.rs (fields used by dt/mod.rs)
//
// Filled either from guest memory (ShimParams, assembly/shim_params.ts) or directly by the test
// export. Keeping this small value class lets read_from_dt be exercised without an image loader.

import { MemoryRange } from "./memory_range";
import { RangeList } from "./partition_deps";
import { HV_PAGE_SIZE } from "./partition_limits";

/** Isolation types (shim_params.rs IsolationType). */
export const ISOLATION_NONE: u32 = 0;
export const ISOLATION_VBS: u32 = 1;
export const ISOLATION_SNP: u32 = 2;
export const ISOLATION_TDX: u32 = 3;

/** `{:?}` of IsolationType. */
export function isolationName(t: u32): string {
  if (t == ISOLATION_VBS) return "Vbs";
  if (t == ISOLATION_SNP) return "Snp";
  if (t == ISOLATION_TDX) return "Tdx";
  return "None";
}

/** SNP and TDX are hardware isolated. */
export function isHardwareIsolated(t: u32): bool {
  return t == ISOLATION_SNP || t == ISOLATION_TDX;
}

/** CommandLinePolicy values (loader_defs paravisor.rs). */
export const POLICY_STATIC: u16 = 0;
export const POLICY_APPEND_CHOSEN: u16 = 1;

/** Page index of the host device tree in the parameter region (after SLIT and PPTT). */
export const DEVICE_TREE_PAGE_INDEX: u64 = 40;
/** Size in pages of the host device tree area. */
export const DEVICE_TREE_SIZE_PAGES: u64 = 64;
/** Maximum number of imported region descriptors in their page (48-byte hash header, 24-byte entries). */
export const MAX_IMPORTED_REGIONS: i32 = (4096 - 48) / 24;

/** Shim parameters used by read_from_dt. Ranges are absolute guest physical addresses. */
export class PartitionInputs {
  memoryStart: u64 = 0;
  memorySize: u64 = 0;
  parameterRegionStart: u64 = 0;
  parameterRegionSize: u64 = 0;
  vtl2ReservedStart: u64 = 0;
  vtl2ReservedSize: u64 = 0;
  isolation: u32 = ISOLATION_NONE;
  sidecarBase: u64 = 0;
  sidecarSize: u64 = 0;
  used: MemoryRange = MemoryRange.empty();
  logBuffer: MemoryRange = MemoryRange.empty();
  heap: MemoryRange = MemoryRange.empty();
  persistedState: MemoryRange = MemoryRange.empty();
  /** Imported regions in descriptor order; tag 1 = pre-accepted. */
  importedRegions: RangeList = new RangeList(MAX_IMPORTED_REGIONS);
  /** Measured (static) command line; `commandLineValid` false when its bytes are not UTF-8. */
  commandLine: string = "";
  commandLineValid: bool = true;
  commandLinePolicy: u16 = POLICY_STATIC;

  /** Base of the host device tree inside the parameter region. */
  dtStart(): u64 {
    return this.parameterRegionStart + DEVICE_TREE_PAGE_INDEX * HV_PAGE_SIZE;
  }

  /** Size of the host device tree area. */
  dtSize(): u64 {
    return DEVICE_TREE_SIZE_PAGES * HV_PAGE_SIZE;
  }
}
