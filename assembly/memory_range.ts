//! Guest physical memory ranges: page-aligned [start, end) pairs and the range algebra the boot
//! shim uses (walk, subtract, overlap, flatten, merge).
// Ports: vm/vmcore/memory_range/src/lib.rs

import { panic } from "./runtime/panic";

/** 4 KiB page size. */
export const PAGE_SIZE: u64 = 0x1000;
/** 2 MiB large page size. */
export const TWO_MB: u64 = 0x20_0000;

/** Formats `v` as Rust's `{:#x}` does. */
export function hex64(v: u64): string {
  return "0x" + v.toString(16);
}

/** A page-aligned guest physical address range [start, end). */
@final
export class MemoryRange {
  /** The largest address a range can reach (the last page boundary). */
  static readonly MAX_ADDRESS: u64 = ~(PAGE_SIZE - 1);

  constructor(public readonly start: u64, public readonly end: u64) {}

  /** A new range; panics (as upstream `new` asserts) unless both ends are 4K aligned and ordered. */
  static new(start: u64, end: u64): MemoryRange {
    if ((start & (PAGE_SIZE - 1)) != 0) panic("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
    if ((end & (PAGE_SIZE - 1)) != 0) panic("assertion failed: range.end & (PAGE_SIZE - 1) == 0");
    if (start > end) panic("assertion failed: range.start <= range.end");
    return new MemoryRange(start, end);
  }

  /** A new range, or null when unaligned or reversed (upstream `try_new`). */
  static tryNew(start: u64, end: u64): MemoryRange | null {
    if ((start & (PAGE_SIZE - 1)) != 0 || (end & (PAGE_SIZE - 1)) != 0 || start > end) return null;
    return new MemoryRange(start, end);
  }

  /** The message of upstream `InvalidMemoryRange`. */
  static invalidMessage(start: u64, end: u64): string {
    return "unaligned or invalid memory range: " + hex64(start) + "-" + hex64(end);
  }

  /** The empty range 0..0. */
  static empty(): MemoryRange {
    return new MemoryRange(0, 0);
  }

  /** Length in bytes. */
  @inline get len(): u64 {
    return this.end - this.start;
  }

  /** True when start == end. */
  @inline isEmpty(): bool {
    return this.start == this.end;
  }

  /** Start as a 4K page number. */
  startGpn(): u64 {
    return this.start / PAGE_SIZE;
  }

  /** End as a 4K page number. */
  endGpn(): u64 {
    return this.end / PAGE_SIZE;
  }

  /** Number of 4K pages. */
  pageCount4k(): u64 {
    return (this.end - this.start) / PAGE_SIZE;
  }

  /** True when the two ranges share a byte. */
  @inline overlaps(other: MemoryRange): bool {
    return this.end > other.start && this.start < other.end;
  }

  /** True when `other` lies entirely inside this range. */
  @inline contains(other: MemoryRange): bool {
    return this.start <= other.start && this.end >= other.end;
  }

  /** True when the byte at `addr` lies inside this range. */
  @inline containsAddr(addr: u64): bool {
    return addr >= this.start && addr < this.end;
  }

  /** Equality of both ends. */
  @inline eq(other: MemoryRange): bool {
    return this.start == other.start && this.end == other.end;
  }

  /** Rust's `Display` form: `start-end` in hex. */
  toString(): string {
    return hex64(this.start) + "-" + hex64(this.end);
  }
}
