//! TEMPORARY stand-in with the signature of host/shim/boot.ts (the core developer's `boot_run`
//! binding) until it lands in main; delete it and import from ../shim/boot.js then.
// Ports: none
import type { Shim } from "../wasm/loader.js";
import type { PartitionResult } from "../shim/partition.js";
import type { HandoffResult } from "../shim/handoff.js";
import type { BootOutput } from "./types.js";

/** Where the loaded VTL2 image is and how the hypervisor reports isolation. */
export interface RunBootOptions {
  shimBase: bigint;
  rawOffset: bigint;
  arch: "x86_64" | "aarch64";
  hvIsolation: boolean;
}

/** One boot's result: the partition topology, the kernel hand-off and the boot log. */
export interface BootRunResult {
  partition: PartitionResult;
  handoff: HandoffResult;
  log: string[];
}

/** Message while the boot core has no `boot_run` export in this build. */
export const BOOT_RUN_MISSING = "boot flow not available in this build (boot_run is not integrated yet)";

/** Runs the whole shim (stand-in: throws until the core integration lands). */
export function runBoot(shim: Shim, _opts: RunBootOptions): BootRunResult {
  if (typeof shim.exports["boot_run"] !== "function") throw new Error(BOOT_RUN_MISSING);
  throw new Error(BOOT_RUN_MISSING);
}

/** The CONTRACT.md boot object of a result (stand-in). */
export function bootOutputFrom(_arch: "x86_64" | "aarch64", _result: BootRunResult): BootOutput {
  throw new Error(BOOT_RUN_MISSING);
}
