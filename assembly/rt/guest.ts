//! Hypervisor-stub interface: the shim reaches guest physical memory only through these host
//! imports, which copy whole ranges (never one byte per call). The host decides what is mapped;
//! an access to unmapped guest memory is a fault that the shim reports as a panic.
// Ports: none (host plumbing; upstream reads guest memory directly)

import { panic } from "./panic";

@external("env", "guest_read")
declare function host_guest_read(gpa: u64, dst: usize, len: u32): i32;

@external("env", "guest_write")
declare function host_guest_write(gpa: u64, src: usize, len: u32): i32;

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
