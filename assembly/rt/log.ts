//! Boot log: lines are buffered in linear memory and written to WASI stdout (fd 1) once per call.
// Ports: openhcl/openhcl_boot/src/boot_logger.rs (the `log!` sink).
//
// The single log mechanism of hclboot: the shim calls `log(line)`; the host drains WASI stdout
// after each call (and after a panic, which flushes first). One fd_write per call keeps the
// JS<->WASM boundary off the hot path.

@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, nwritten: usize): u16;

// Fixed buffer outside the heap so a log line survives arena resets until flushed.
const LOG_CAP: u32 = 64 * 1024;
const LOG_BUF: usize = memory.data(<i32>LOG_CAP);
const IOV: usize = memory.data(16);
let logLen: u32 = 0;
let logDropped: u32 = 0;
let logEnabled: bool = true;

/** Enables or disables logging (benchmarks turn it off to time the boot alone). */
export function log_set_enabled(on: bool): void {
  logEnabled = on;
}

/**
 * True when log lines are kept. Call sites that build a line from parts check this first, so a
 * boot with logging off (benchmarks, fuzzing) does not format text nobody reads.
 */
@inline
export function logOn(): bool {
  return logEnabled;
}

/** Appends one line (a newline is added) to the boot log. */
export function log(line: string): void {
  if (!logEnabled) return;
  const n = <u32>String.UTF8.byteLength(line);
  if (logLen + n + 1 > LOG_CAP) {
    logFlush();
    if (n + 1 > LOG_CAP) {
      logDropped++;
      return;
    }
  }
  String.UTF8.encodeUnsafe(changetype<usize>(line), line.length, LOG_BUF + logLen);
  logLen += n;
  store<u8>(LOG_BUF + logLen, 0x0a);
  logLen += 1;
}

/** Writes buffered log lines to WASI stdout. */
export function logFlush(): void {
  if (logLen == 0) return;
  store<u32>(IOV, <u32>LOG_BUF);
  store<u32>(IOV, logLen, 4);
  fd_write(1, IOV, 1, IOV + 8);
  logLen = 0;
}

/** Exported flush, called by the host at the end of each call. */
export function log_flush(): void {
  logFlush();
}
