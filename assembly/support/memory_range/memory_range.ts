//! Guest physical memory ranges: page-aligned [start, end) pairs and the range algebra the boot
//! shim uses (walk, subtract, overlap, flatten, merge).
// Ports: vm/vmcore/memory_range/src/lib.rs
//
// This file holds `MemoryRange` and `AlignedSubranges`; the fixed-capacity lists live in
// range_list.ts and the walk algorithms in range_walk.ts. lib.ts re-exports all three so other
// modules import one path: `import { MemoryRange, RangeList, walkRanges } from ".../memory_range/lib"`.
//
// Arithmetic follows the upstream release build (overflow checks off): u64 operations wrap.

import { panic } from "../../rt/panic";
import { fmtHex, fmtRangeDebug } from "../../rt/fmt";

/** 4 KiB page size. */
export const PAGE_SIZE: u64 = 0x1000;
/** 2 MiB large page size. */
export const TWO_MB: u64 = 0x20_0000;
/** 1 GiB huge page size. */
export const ONE_GB: u64 = 0x4000_0000;
/** Returned by `MemoryRange.offsetOf` when the address is outside the range (upstream `None`). */
export const NO_OFFSET: u64 = u64.MAX_VALUE;

/** Formats `v` as Rust's `{:#x}` does (rt/fmt.ts `fmtHex`). */
export function hex64(v: u64): string {
  return fmtHex(v);
}

/** True when `v` is a power of two (Rust `u64::is_power_of_two`). */
@inline
export function isPowerOfTwo(v: u64): bool {
  return v != 0 && (v & (v - 1)) == 0;
}

/** A page-aligned guest physical address range [start, end). */
@final
export class MemoryRange {
  /** The largest address a range can reach (the last page boundary). */
  static readonly MAX_ADDRESS: u64 = ~(PAGE_SIZE - 1);

  constructor(public readonly start: u64, public readonly end: u64) {}

  /** A new range; panics (as upstream `new` asserts) unless both ends are 4K aligned and ordered. */
  static new(start: u64, end: u64): MemoryRange {
    MemoryRange.check(start, end);
    return new MemoryRange(start, end);
  }

  /** Panics with upstream `new`'s assertion text unless `start..end` is a valid range. */
  @inline
  static check(start: u64, end: u64): void {
    if ((start & (PAGE_SIZE - 1)) != 0) panic("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
    if ((end & (PAGE_SIZE - 1)) != 0) panic("assertion failed: range.end & (PAGE_SIZE - 1) == 0");
    if (start > end) panic("assertion failed: range.start <= range.end");
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

  /** The smallest 4K-aligned range holding the byte range `start..end` (upstream `bounding`). */
  static bounding(start: u64, end: u64): MemoryRange {
    return MemoryRange.boundingAligned(start, end, PAGE_SIZE);
  }

  /** The smallest `alignment`-aligned range holding `start..end`; panics like upstream. */
  static boundingAligned(start: u64, end: u64, alignment: u64): MemoryRange {
    if (start > end) panic("assertion failed: range.start <= range.end");
    if (!isPowerOfTwo(alignment)) panic("assertion failed: alignment.is_power_of_two()");
    if (end > u64.MAX_VALUE - (alignment - 1)) panic("assertion failed: range.end <= u64::MAX - (alignment - 1)");
    const mask = alignment - 1;
    return MemoryRange.new(start & ~mask, (end + mask) & ~mask);
  }

  /** The range covering 4K pages `startGpn..endGpn`; panics when an address would overflow. */
  static from4kGpnRange(startGpn: u64, endGpn: u64): MemoryRange {
    const max: u64 = u64.MAX_VALUE / PAGE_SIZE;
    if (startGpn > max) panic("assertion failed: range.start <= MAX");
    if (endGpn > max) panic("assertion failed: range.end <= MAX");
    return MemoryRange.new(startGpn * PAGE_SIZE, endGpn * PAGE_SIZE);
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

  /** Number of 2M pages needed to cover the range (rounded up). */
  pageCount2m(): u64 {
    const len = this.end - this.start;
    return len / TWO_MB + (len % TWO_MB != 0 ? 1 : 0);
  }

  /** The largest power-of-two page size both ends are aligned to once shifted by `base`. */
  alignment(base: u64): u64 {
    const order = ctz<u64>((base + this.start) | (base + this.end));
    // A shift by 64 wraps to 1 << 0, as Rust's release build does.
    return (<u64>1) << (order & 63);
  }

  /** The largest subrange whose ends are `alignment`-aligned, or the empty range 0..0. */
  alignedSubrange(alignment: u64): MemoryRange {
    if (!isPowerOfTwo(alignment)) panic("assertion failed: alignment.is_power_of_two()");
    const mask = alignment - 1;
    const start = (this.start + mask) & ~mask;
    const end = this.end & ~mask;
    return start <= end ? MemoryRange.new(start, end) : MemoryRange.empty();
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

  /** Offset of `addr` from the start, or `NO_OFFSET` when `addr` is outside (upstream `None`). */
  offsetOf(addr: u64): u64 {
    return this.containsAddr(addr) ? addr - this.start : NO_OFFSET;
  }

  /** The common part of two ranges, or the empty range 0..0 when they are disjoint. */
  intersection(other: MemoryRange): MemoryRange {
    const start = this.start > other.start ? this.start : other.start;
    const end = this.end < other.end ? this.end : other.end;
    return start <= end ? MemoryRange.new(start, end) : MemoryRange.empty();
  }

  /** Splits at byte `offset` from the start; panics unless the offset is inside and page aligned. */
  splitAtOffset(offset: u64): RangePair {
    if (!(offset <= this.len)) panic("assertion failed: offset <= self.len()");
    if (offset % PAGE_SIZE != 0) panic("assertion failed: offset.is_multiple_of(PAGE_SIZE)");
    const mid = this.start + offset;
    return new RangePair(new MemoryRange(this.start, mid), new MemoryRange(mid, this.end));
  }

  /** Equality of both ends. */
  @inline eq(other: MemoryRange): bool {
    return this.start == other.start && this.end == other.end;
  }

  /** Rust's `Display` form: `start-end` in hex. */
  toString(): string {
    return hex64(this.start) + "-" + hex64(this.end);
  }

  /** Rust's derived `Debug` form: `MemoryRange { start: 4096, end: 8192 }` (decimal). */
  toDebugString(): string {
    return fmtRangeDebug(this.start, this.end);
  }
}

/** The two halves returned by `MemoryRange.splitAtOffset`. */
@final
export class RangePair {
  constructor(public readonly first: MemoryRange, public readonly second: MemoryRange) {}
}

/**
 * Iterator over the pieces of a range made of 4K, 2M or 1G aligned pages, chosen so the largest
 * pages are used as much as possible (upstream `AlignedSubranges`). Call `next()` until null.
 */
@final
export class AlignedSubranges {
  private rangeStart: u64;
  private rangeEnd: u64;
  private offset: u64 = 0;
  private maxLen: u64 = u64.MAX_VALUE;

  constructor(range: MemoryRange) {
    this.rangeStart = range.start;
    this.rangeEnd = range.end;
  }

  /** Aligns pieces as if the range were shifted up by `offset` bytes; returns this iterator. */
  withOffset(offset: u64): AlignedSubranges {
    this.offset = offset;
    return this;
  }

  /** Limits every piece to at most `maxLen` bytes; returns this iterator. */
  withMaxRangeLen(maxLen: u64): AlignedSubranges {
    this.maxLen = maxLen;
    return this;
  }

  /** The next piece, or null when the range is used up. */
  next(): MemoryRange | null {
    if (this.rangeStart == this.rangeEnd) return null;
    const start = this.rangeStart + this.offset;
    let end = this.rangeEnd + this.offset;
    if (end - start > this.maxLen) end = start + this.maxLen;
    end = alignPieceEnd(start, end, TWO_MB);
    end = alignPieceEnd(start, end, ONE_GB);
    const pieceStart = start - this.offset;
    const pieceEnd = end - this.offset;
    MemoryRange.check(pieceEnd, this.rangeEnd);
    this.rangeStart = pieceEnd;
    return MemoryRange.new(pieceStart, pieceEnd);
  }
}

// Moves a piece's end so the piece either ends where `pageSize` pages begin (start unaligned)
// or covers whole `pageSize` pages (start aligned); unchanged when no such page fits.
@inline
function alignPieceEnd(start: u64, end: u64, pageSize: u64): u64 {
  const mask = pageSize - 1;
  const firstBoundary = (start + mask) & ~mask;
  if (firstBoundary >= (end & ~mask)) return end;
  if ((start & mask) != 0) return end < firstBoundary ? end : firstBoundary;
  return end & ~mask;
}
