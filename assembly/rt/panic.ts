//! Shim panics: a Rust `panic!`/`expect`/`assert!` in openhcl_boot becomes a WASM trap whose
//! message the host reads back and reports as a boot failure of kind "panic".
// Ports: openhcl/openhcl_boot/src/rt.rs (panic handler).

import { logFlush, log } from "./log";

const MSG_CAP: i32 = 4096;
const MSG_BUF: usize = memory.data(MSG_CAP);
let msgLen: u32 = 0;

function setMessage(msg: string): void {
  let n = String.UTF8.byteLength(msg);
  if (n > MSG_CAP) n = MSG_CAP;
  // Encode into the arena first: the message may not fit; copy what fits.
  const tmp = String.UTF8.encode(msg);
  memory.copy(MSG_BUF, changetype<usize>(tmp), <usize>n);
  msgLen = <u32>n;
}

/** The boot log line a panic with `msg` writes (also used when a panic is reported as a DtError). */
export function logPanicLine(msg: string): void {
  // Upstream's panic handler logs `log::error!("{panic}")`; the source location is not tracked here.
  log("[ERROR] panicked: " + msg);
}

/** Stops the boot with `msg`, exactly as the Rust shim's panic would; never returns. */
export function panic(msg: string): void {
  setMessage(msg);
  logPanicLine(msg);
  logFlush();
  unreachable();
}

/** AssemblyScript's abort hook (asserts, bounds checks, `throw`): reported as a panic. */
export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let m = message !== null ? message : "abort";
  if (fileName !== null) m += " (" + fileName + ":" + line.toString() + ":" + column.toString() + ")";
  panic(m);
}

/** Clears the panic message; the host calls this before each call. */
export function panic_clear(): void {
  msgLen = 0;
}

/** Pointer to the last panic message (UTF-8). */
export function panic_message_ptr(): usize {
  return MSG_BUF;
}

/** Length in bytes of the last panic message; 0 when the last trap was not a panic. */
export function panic_message_len(): u32 {
  return msgLen;
}
