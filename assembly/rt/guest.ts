//! Hypervisor-stub interface: the shim reaches guest physical memory only through these host
//! imports, which copy whole ranges (never one byte per call). The host decides what is mapped;
//! an access to unmapped guest memory is a fault that the shim reports as a panic.
// Ports: none (host plumbing; upstream reads guest memory directly)

import { panic } from "./panic";

@external("env", "guest_read")
declare function host_guest_read(gpa: u64, dst: usize, len: u32): i32;

@external("env", "guest_write")
declare function host_guest_write(gpa: u64, src: usize, len: u32): i32;

@external("env", "guest_data_extent")
declare function host_guest_data_extent(gpa: u64, len: u32): i64;

/** Copies `len` bytes of guest memory at `gpa` into linear memory at `dst`; panics on a fault. */
export function guestRead(gpa: u64, dst: usize, len: u32): void {
  if (len == 0) return;
  if (host_guest_read(gpa, dst, len) != 0) {
    panic("guest memory fault: read of " + len.toString() + " bytes at 0x" + gpa.toString(16));
  }
}

/** Copies `len` bytes from linear memory at `src` into guest memory at `gpa`; panics on a fault. */
export function guestWrite(gpa: u64, src: usize, len: u32): void {
  if (len == 0) return;
  if (host_guest_write(gpa, src, len) != 0) {
    panic("guest memory fault: write of " + len.toString() + " bytes at 0x" + gpa.toString(16));
  }
}

/**
 * Reads `len` bytes at `gpa` into `dst`, a buffer reserved for this one use whose first `dirty`
 * bytes may hold an earlier read and whose other bytes are zero: copies only the guest bytes up to
 * the end of the last page holding data (the host knows the rest reads as zeros), zeroes what is
 * left of the earlier read, and returns the new dirty length. Faults exactly as `guestRead` of
 * the whole range (the host checks the whole range first).
 */
export function guestReadClean(gpa: u64, dst: usize, len: u32, dirty: u32): u32 {
  if (len == 0) return dirty;
  const extent = host_guest_data_extent(gpa, len);
  if (extent < 0) {
    panic("guest memory fault: read of " + len.toString() + " bytes at 0x" + gpa.toString(16));
  }
  const n = extent > <i64>len ? len : <u32>extent;
  guestRead(gpa, dst, n);
  if (dirty > n) memory.fill(dst + <usize>n, 0, <usize>(dirty - n));
  return n;
}
