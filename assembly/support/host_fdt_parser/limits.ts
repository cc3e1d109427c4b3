//! Capacities openhcl_boot instantiates the host device tree parser with.
// Ports: openhcl/openhcl_boot/src/host_params/mod.rs (MAX_PARTITION_RAM_RANGES, MAX_CPU_COUNT,
// COMMAND_LINE_SIZE, MAX_ENTROPY_SIZE)

import { MAX_PARTITION_RAM_RANGES, MAX_CPU_COUNT, COMMAND_LINE_SIZE, MAX_ENTROPY_SIZE as ENTROPY_SIZE } from "../../openhcl_boot/host_params/mod/partition_limits";

/** Memory entries the shim can hold (`MAX_PARTITION_RAM_RANGES`). */
export const MAX_MEMORY_ENTRIES: i32 = MAX_PARTITION_RAM_RANGES;
/** Enabled CPUs the shim can hold (`MAX_CPU_COUNT`). */
export const MAX_CPU_ENTRIES: i32 = MAX_CPU_COUNT;
/** Bytes of `/chosen/bootargs` the shim can hold (`COMMAND_LINE_SIZE`). */
export const MAX_COMMAND_LINE_SIZE: i32 = COMMAND_LINE_SIZE;
/** Bytes of host entropy kept (`MAX_ENTROPY_SIZE`). */
export const MAX_ENTROPY_SIZE: i32 = ENTROPY_SIZE;
/** Port base of COM3, the only serial port the Linux kernel finds without ACPI. */
export const COM3_REG_BASE: u64 = 0x3e8;
