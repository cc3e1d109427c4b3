//! A fixed-capacity ASCII/UTF-8 text buffer for the kernel command line: appends fail (return
//! false) instead of growing, as an ArrayString<COMMAND_LINE_SIZE> write does.
// Ports: arrayvec::ArrayString as used by openhcl/openhcl_boot/src/main.rs.

/** Capacity of the kernel command line (host_params COMMAND_LINE_SIZE). */
export { COMMAND_LINE_SIZE } from "../host_params/mod/partition_limits";

/** Byte buffer with a fixed capacity; every append is all-or-nothing. */
@final
export class CmdlineBuf {
  ptr: usize;
  len: i32 = 0;

  constructor(public readonly cap: i32) {
    this.ptr = __alloc(<usize>cap);
  }

  /** Appends `s`; false (nothing written) when it does not fit. */
  str(s: string): bool {
    const n = String.UTF8.byteLength(s);
    if (this.len + n > this.cap) return false;
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, this.ptr + <usize>this.len);
    this.len += n;
    return true;
  }

  /** Appends one ASCII byte. */
  byte(b: u8): bool {
    if (this.len + 1 > this.cap) return false;
    store<u8>(this.ptr + <usize>this.len, b);
    this.len++;
    return true;
  }

  /** Appends `v` in decimal, allocation-free. */
  dec(v: u64): bool {
    let digits = 1;
    for (let t = v; t >= 10; t /= 10) digits++;
    if (this.len + digits > this.cap) return false;
    let at = this.ptr + <usize>(this.len + digits);
    let t = v;
    do {
      at--;
      store<u8>(at, <u8>(0x30 + <u32>(t % 10)));
      t /= 10;
    } while (t != 0);
    this.len += digits;
    return true;
  }

  /** Appends `v` in lowercase hex without prefix. */
  hex(v: u64): bool {
    let digits = 1;
    for (let t = v; t >= 16; t >>= 4) digits++;
    if (this.len + digits > this.cap) return false;
    let at = this.ptr + <usize>(this.len + digits);
    let t = v;
    do {
      at--;
      const d = <u32>(t & 15);
      store<u8>(at, <u8>(d < 10 ? 0x30 + d : 0x57 + d));
      t >>= 4;
    } while (t != 0);
    this.len += digits;
    return true;
  }

  /** True when the ASCII `needle` occurs in the buffer. */
  contains(needle: string): bool {
    const n = needle.length;
    for (let i = 0; i + n <= this.len; i++) {
      let j = 0;
      while (j < n && load<u8>(this.ptr + <usize>(i + j)) == <u8>needle.charCodeAt(j)) j++;
      if (j == n) return true;
    }
    return false;
  }

  /** The contents as a string. */
  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.len);
  }
}
