//! Fixed capacities of the partition description, mirroring the no_std limits of openhcl_boot.
// Ports: openhcl/openhcl_boot/src/host_params/mod.rs (constants), openhcl/sidecar_defs/src/lib.rs

/** Maximum supported CPU count. */
export const MAX_CPU_COUNT: i32 = 2048;
/** Maximum number of virtual NUMA nodes. */
export const MAX_NUMA_NODES: i32 = 64;
/** Size of the partition command line storage. */
export const COMMAND_LINE_SIZE: i32 = 0x2000;
/** Maximum number of VTL2 ram ranges (one per NUMA node). */
export const MAX_VTL2_RAM_RANGES: i32 = 64;
/** Maximum number of partition ram ranges read from the host. */
export const MAX_PARTITION_RAM_RANGES: i32 = 1024;
/** Maximum size of the host-provided entropy. */
export const MAX_ENTROPY_SIZE: i32 = 256;
/** sidecar_defs::MAX_NODES. */
export const SIDECAR_MAX_NODES: i32 = 128;
/** sidecar_defs::NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE. */
export const NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE: i32 = 400;
/** Hypervisor page size. */
export { HV_PAGE_SIZE } from "../shim_params/shim_params";

import {
  MAX_MEMORY_ENTRIES, MAX_CPU_ENTRIES, MAX_COMMAND_LINE_SIZE, MAX_ENTROPY_SIZE as FDT_MAX_ENTROPY_SIZE,
} from "../../../support/host_fdt_parser/limits";

// The host device tree parser's capacities are this module's (upstream instantiates the parser
// with them): a compile error if the two sets of numbers drift apart.
if (MAX_MEMORY_ENTRIES != MAX_PARTITION_RAM_RANGES) ERROR("host_fdt_parser MAX_MEMORY_ENTRIES != MAX_PARTITION_RAM_RANGES");
if (MAX_CPU_ENTRIES != MAX_CPU_COUNT) ERROR("host_fdt_parser MAX_CPU_ENTRIES != MAX_CPU_COUNT");
if (MAX_COMMAND_LINE_SIZE != COMMAND_LINE_SIZE) ERROR("host_fdt_parser MAX_COMMAND_LINE_SIZE != COMMAND_LINE_SIZE");
if (FDT_MAX_ENTROPY_SIZE != MAX_ENTROPY_SIZE) ERROR("host_fdt_parser MAX_ENTROPY_SIZE != MAX_ENTROPY_SIZE");
