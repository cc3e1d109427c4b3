//! Capacities openhcl_boot instantiates the host device tree parser with.
// Ports: openhcl/openhcl_boot/src/host_params/mod.rs (MAX_PARTITION_RAM_RANGES, MAX_CPU_COUNT,
// COMMAND_LINE_SIZE, MAX_ENTROPY_SIZE)
//
// Upstream's parser is generic over these; openhcl_boot picks them. This crate cannot import
// openhcl_boot, so the numbers are written here and openhcl_boot/host_params/mod/partition_limits.ts
// fails the build if they ever differ from its own.

/** Memory entries the shim can hold (`MAX_PARTITION_RAM_RANGES`). */
export const MAX_MEMORY_ENTRIES: i32 = 1024;
/** Enabled CPUs the shim can hold (`MAX_CPU_COUNT`). */
export const MAX_CPU_ENTRIES: i32 = 2048;
/** Bytes of `/chosen/bootargs` the shim can hold (`COMMAND_LINE_SIZE`). */
export const MAX_COMMAND_LINE_SIZE: i32 = 0x2000;
/** Bytes of host entropy kept (`MAX_ENTROPY_SIZE`). */
export const MAX_ENTROPY_SIZE: i32 = 256;
/** Port base of COM3, the only serial port the Linux kernel finds without ACPI. */
export const COM3_REG_BASE: u64 = 0x3e8;
