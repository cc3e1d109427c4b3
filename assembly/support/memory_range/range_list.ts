//! Fixed-capacity lists of tagged memory ranges and of range-walk results: the no_std `ArrayVec`
//! storage the range algorithms read from and write into (caller-provided, never grown).
// Ports: vm/vmcore/memory_range/src/lib.rs (the `(MemoryRange, T)` sequences and `RangeWalkResult`)
//
// Upstream works on iterators of `(MemoryRange, T)`; here the sequence is a `RangeList` with a u64
// tag per range (the `T`), and a walk's output is a `RangeWalk`. Both have a fixed capacity set at
// construction; filling one past it is a panic that names the list and its capacity.

import { panic } from "../../rt/panic";
import { MemoryRange } from "./memory_range";
import { uninitStaticArray } from "../../rt/storage";
import { fmtRangeDebugHex, fmtRangeDebugPrettyHex } from "../../rt/fmt";

/** Size of one packed (start, end, tag) input record, see `RangeList.fromRecords`. */
export const RANGE_RECORD_BYTES: usize = 24;

/** Walk result kind: the range is in neither input (upstream `RangeWalkResult::Neither`). */
export const WALK_NEITHER: u32 = 0;
/** Walk result kind: only in the left input (`RangeWalkResult::Left`). */
export const WALK_LEFT: u32 = 1;
/** Walk result kind: only in the right input (`RangeWalkResult::Right`). */
export const WALK_RIGHT: u32 = 2;
/** Walk result kind: in both inputs (`RangeWalkResult::Both`). */
export const WALK_BOTH: u32 = 3;

// Shared bound check with a message that names the list kind; the message is built out of line
// so the inlined accessors stay small.
@inline
function checkIndex(what: string, i: i32, len: i32): void {
  if (<u32>i >= <u32>len) indexOutOfBounds(what, i, len);
}

function indexOutOfBounds(what: string, i: i32, len: i32): void {
  panic(what + " index " + i.toString() + " out of bounds (length " + len.toString() + ")");
}

/** A fixed-capacity sequence of (start, end, tag) ranges. */
@final
export class RangeList {
  // One allocation per list: (start, end, tag) records side by side.
  private data: StaticArray<u64>;
  private count: i32 = 0;

  /** An empty list holding at most `capacity` ranges. */
  constructor(public readonly capacity: i32) {
    if (capacity < 0) panic("RangeList capacity must not be negative");
    // Only records below `count` are ever read.
    this.data = uninitStaticArray<u64>(capacity * 3);
  }

  /**
   * A list of exactly `count` ranges read from packed little-endian records of 24 bytes
   * (start u64, end u64, tag u64) at `ptr` in linear memory (the host's input format).
   */
  static fromRecords(ptr: usize, count: u32): RangeList {
    const list = new RangeList(<i32>count);
    for (let i: u32 = 0; i < count; i++) {
      const at = ptr + <usize>i * RANGE_RECORD_BYTES;
      list.push(load<u64>(at), load<u64>(at, 8), load<u64>(at, 16));
    }
    return list;
  }

  /** Number of ranges in the list. */
  @inline get length(): i32 {
    return this.count;
  }

  /** True when no more ranges fit. */
  @inline get isFull(): bool {
    return this.count >= this.capacity;
  }

  /** Start address of range `i`. */
  @inline start(i: i32): u64 {
    checkIndex("RangeList", i, this.count);
    return unchecked(this.data[i * 3]);
  }

  /** End address (exclusive) of range `i`. */
  @inline end(i: i32): u64 {
    checkIndex("RangeList", i, this.count);
    return unchecked(this.data[i * 3 + 1]);
  }

  /** Tag of range `i`. */
  @inline tag(i: i32): u64 {
    checkIndex("RangeList", i, this.count);
    return unchecked(this.data[i * 3 + 2]);
  }

  /** Range `i` as a `MemoryRange` (allocates; use start/end on hot paths). */
  range(i: i32): MemoryRange {
    checkIndex("RangeList", i, this.count);
    return new MemoryRange(unchecked(this.data[i * 3]), unchecked(this.data[i * 3 + 1]));
  }

  /**
   * Appends a range; false when the list is full. Panics with `MemoryRange::new`'s assertion text
   * when `start..end` is not a valid range (upstream could not have built it).
   */
  push(start: u64, end: u64, tag: u64): bool {
    MemoryRange.check(start, end);
    return this.pushUnvalidated(start, end, tag);
  }

  /**
   * Appends without MemoryRange's alignment checks; false when full. Only for ranges upstream
   * deserializes without enforcing MemoryRange's invariants (saved-state MMIO on a restore).
   */
  @inline pushUnvalidated(start: u64, end: u64, tag: u64): bool {
    const n = this.count;
    if (n >= this.capacity) return false;
    unchecked((this.data[n * 3] = start));
    unchecked((this.data[n * 3 + 1] = end));
    unchecked((this.data[n * 3 + 2] = tag));
    this.count = n + 1;
    return true;
  }

  /** Appends `range` with `tag`; false when the list is full. */
  pushRange(range: MemoryRange, tag: u64 = 0): bool {
    return this.push(range.start, range.end, tag);
  }

  /** Appends a range the caller produced as an output; panics with a clear message when full. */
  pushOrPanic(start: u64, end: u64, tag: u64): void {
    if (!this.push(start, end, tag)) {
      panic("RangeList full: output needs more than its capacity of " + this.capacity.toString() + " ranges");
    }
  }

  /** Removes every range. */
  @inline clear(): void {
    this.count = 0;
  }

  /** Drops ranges from index `len` on (no-op when already shorter). */
  truncate(len: i32): void {
    if (len >= 0 && len < this.count) this.count = len;
  }

  /** Replaces the contents with a copy of `other`; panics when it does not fit. */
  copyFrom(other: RangeList): void {
    if (other.count > this.capacity) {
      panic("RangeList full: output needs more than its capacity of " + this.capacity.toString() + " ranges");
    }
    const n = other.count;
    memory.copy(changetype<usize>(this.data), changetype<usize>(other.data), <usize>n * 24);
    this.count = n;
  }
}

/** The output of `walkRanges`: consecutive ranges covering 0..MAX_ADDRESS with their kind and tags. */
@final
export class RangeWalk {
  private starts: StaticArray<u64>;
  private ends: StaticArray<u64>;
  private kinds: StaticArray<u32>;
  private leftTags: StaticArray<u64>;
  private rightTags: StaticArray<u64>;
  private count: i32 = 0;

  /** An empty walk holding at most `capacity` results. */
  constructor(public readonly capacity: i32) {
    if (capacity < 0) panic("RangeWalk capacity must not be negative");
    // Only indexes below `count` are ever read.
    this.starts = uninitStaticArray<u64>(capacity);
    this.ends = uninitStaticArray<u64>(capacity);
    this.kinds = uninitStaticArray<u32>(capacity);
    this.leftTags = uninitStaticArray<u64>(capacity);
    this.rightTags = uninitStaticArray<u64>(capacity);
  }

  /** Number of results. */
  @inline get length(): i32 {
    return this.count;
  }

  /** Start address of result `i`. */
  @inline start(i: i32): u64 {
    checkIndex("RangeWalk", i, this.count);
    return unchecked(this.starts[i]);
  }

  /** End address (exclusive) of result `i`. */
  @inline end(i: i32): u64 {
    checkIndex("RangeWalk", i, this.count);
    return unchecked(this.ends[i]);
  }

  /** Kind of result `i`: WALK_NEITHER, WALK_LEFT, WALK_RIGHT or WALK_BOTH. */
  @inline kind(i: i32): u32 {
    checkIndex("RangeWalk", i, this.count);
    return unchecked(this.kinds[i]);
  }

  /** Tag of the left range holding result `i` (0 unless kind is WALK_LEFT or WALK_BOTH). */
  @inline leftTag(i: i32): u64 {
    checkIndex("RangeWalk", i, this.count);
    return unchecked(this.leftTags[i]);
  }

  /** Tag of the right range holding result `i` (0 unless kind is WALK_RIGHT or WALK_BOTH). */
  @inline rightTag(i: i32): u64 {
    checkIndex("RangeWalk", i, this.count);
    return unchecked(this.rightTags[i]);
  }

  /** Result `i`'s range as a `MemoryRange` (allocates). */
  range(i: i32): MemoryRange {
    checkIndex("RangeWalk", i, this.count);
    return new MemoryRange(unchecked(this.starts[i]), unchecked(this.ends[i]));
  }

  /** Appends a result; panics with a clear message when full. */
  pushOrPanic(start: u64, end: u64, kind: u32, leftTag: u64, rightTag: u64): void {
    const n = this.count;
    if (n >= this.capacity) {
      panic("RangeWalk full: walk produces more than its capacity of " + this.capacity.toString() + " ranges");
    }
    unchecked((this.starts[n] = start));
    unchecked((this.ends[n] = end));
    unchecked((this.kinds[n] = kind));
    unchecked((this.leftTags[n] = leftTag));
    unchecked((this.rightTags[n] = rightTag));
    this.count = n + 1;
  }

  /** Removes every result. */
  @inline clear(): void {
    this.count = 0;
  }
}

/** `{:x?}` of a slice of `MemoryRange`s (an ArrayVec or `&[MemoryRange]`): `[MemoryRange { .. }, ..]`. */
export function fmtRangeListDebugHex(list: RangeList): string {
  let s = "[";
  for (let i = 0; i < list.length; i++) {
    if (i > 0) s += ", ";
    s += fmtRangeDebugHex(list.start(i), list.end(i));
  }
  return s + "]";
}

/** `{:#x?}` of a slice of `MemoryRange`s: one nested pretty entry per line, `[]` when empty. */
export function fmtRangeListDebugPrettyHex(list: RangeList): string {
  if (list.length == 0) return "[]";
  let s = "[\n";
  for (let i = 0; i < list.length; i++) s += "    " + fmtRangeDebugPrettyHex(list.start(i), list.end(i), 4) + ",\n";
  return s + "]";
}
