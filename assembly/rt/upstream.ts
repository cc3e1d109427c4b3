//! Which upstream openvmm commit this build of the boot core reproduces, and one named switch per
//! upstream change between the supported pins (docs/UPSTREAM.md lists every commit).
// Ports: none (build switch; the constant UPSTREAM_PIN comes from asc `--use`, scripts/build.mjs)

// @ts-ignore: UPSTREAM_PIN is an integer constant introduced by the compiler flag
// `--use UPSTREAM_PIN=<n>`: 0 = openvmm 37a2806042dd (June 2026), 1 = openvmm 1488a37b7cfe (August 2026).
export const PIN: i32 = UPSTREAM_PIN;

/** 1ac787c2f + 0c806a773: the host DT's COM3 is a `ComInfo` (ns16550 speed, arm,sbsa-uart PL011), not a bool. */
export const COM_INFO: bool = PIN >= 1;
/** 8aca5df3e: a servicing restore keeps CPUs with mapped NVMe interrupts (not only outstanding IO) off sidecar. */
export const SIDECAR_EXCLUDES_MAPPED_INTERRUPTS: bool = PIN >= 1;
/** 103d1be96 + d61be5c43: sidecar skips nodes whose APs are all kernel-started, and logs each node and `boot_cpus=`. */
export const SIDECAR_SKIPS_EMPTY_NODES: bool = PIN >= 1;
/** 9174a491d: NVMe keepalive is on by default; `OPENHCL_DISABLE_NVME_KEEP_ALIVE=<not 0>` turns it off. */
export const NVME_KEEPALIVE_DEFAULT_ON: bool = PIN >= 1;
/** 048d1cf35: allocate_vtl2_ram rounds per-node RAM up to, and allocation starts down to, 32 KiB. */
export const VTL2_RAM_32K_ALIGNED: bool = PIN >= 1;
/** 61fd38fe6: setup_vtl2_memory reads the loader's per-page expected hashes; initrd CRC diagnostics. */
export const IMPORT_HASH_DIAGNOSTICS: bool = PIN >= 1;
/** 34d639b56: get_vp_index_from_hw_id chunks by page size (no aarch64 panic at 511+ CPUs). */
export const HW_ID_CHUNK_FROM_PAGE_SIZE: bool = PIN >= 1;
