//! Sequential little-endian reader over an input record the host placed in the arena.
// Ports: none (input plumbing)

import { panic } from "../../rt/panic";
import { MemoryRange } from "../../support/memory_range/lib";

/** Reads scalars and strings from [ptr, ptr+len); panics with a clear message when truncated. */
export class RecordReader {
  off: usize = 0;
  constructor(public ptr: usize, public len: usize) {}

  /**
   * A reader over the body of the enveloped record (u16 id, u16 version, u32 body length) of
   * `len` bytes at `ptr`; a wrong id, version or length is an internal error (a panic naming it).
   */
  static open(ptr: usize, len: usize, id: u16, version: u16, what: string): RecordReader {
    if (len < 8) panic("hclboot internal error: " + what + " record of " + len.toString() + " bytes has no envelope");
    const gotId = load<u16>(ptr);
    const gotVersion = load<u16>(ptr, 2);
    const body = <usize>load<u32>(ptr, 4);
    if (gotId != id || gotVersion != version) {
      panic("hclboot internal error: expected " + what + " record (id " + id.toString() + " v" + version.toString() +
        "), found id " + gotId.toString() + " v" + gotVersion.toString());
    }
    if (body != len - 8) panic("hclboot internal error: " + what + " record body is " + body.toString() + " bytes, " + (len - 8).toString() + " given");
    return new RecordReader(ptr + 8, body);
  }

  /** Checks the whole body was read: reading fewer bytes than were written is an internal error. */
  finish(what: string): void {
    if (this.off != this.len) panic("hclboot internal error: " + what + " record: read " + this.off.toString() + " of " + this.len.toString() + " bytes");
  }
  private need(n: usize): usize {
    if (this.off + n > this.len) panic("hclboot internal error: input record truncated at offset " + this.off.toString());
    const at = this.ptr + this.off;
    this.off += n;
    return at;
  }
  /** A byte. */
  u8(): u8 { return load<u8>(this.need(1)); }
  /** A boolean byte. */
  bool(): bool { return this.u8() != 0; }
  /** A little-endian u32. */
  u32(): u32 { return load<u32>(this.need(4)); }
  /** A little-endian u64. */
  u64(): u64 { return load<u64>(this.need(8)); }
  /** Pointer to `n` raw bytes. */
  bytes(n: usize): usize { return this.need(n); }
  /** Two u64s as a `MemoryRange` (start, end); panics as `MemoryRange::new` does when invalid. */
  range(): MemoryRange {
    const start = this.u64();
    const end = this.u64();
    return MemoryRange.new(start, end);
  }
  /** A u32-length-prefixed UTF-8 string. */
  str(): string {
    const n = <usize>this.u32();
    const at = this.need(n);
    return String.UTF8.decodeUnsafe(at, n);
  }
}
