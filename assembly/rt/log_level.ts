//! `log` crate records in the boot log: the shim's logger writes each `log::info!`/`log::warn!`
//! record as `[LEVEL] message` (max level Info, so debug/trace records are dropped).
// Ports: openhcl/openhcl_boot/src/boot_logger.rs (`impl log::Log for BootLogger`)

import { log, logOn } from "./log";

/** A `log::info!` record: `[INFO] <msg>`. */
export function logInfo(msg: string): void {
  if (logOn()) log("[INFO] " + msg);
}

/** A `log::warn!` record: `[WARN] <msg>`. */
export function logWarn(msg: string): void {
  if (logOn()) log("[WARN] " + msg);
}

/** A `log::error!` record: `[ERROR] <msg>`. */
export function logError(msg: string): void {
  if (logOn()) log("[ERROR] " + msg);
}
