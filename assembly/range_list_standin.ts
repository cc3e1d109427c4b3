//! TEMPORARY stand-in for the RangeList / walkRanges API planned in assembly/memory_range.ts (the
//! ranges module). Same names and signatures as the plan, so replacing it is an import change in
//! assembly/partition_deps.ts. Delete this file once memory_range.ts provides the real API.
// Ports: vm/vmcore/memory_range/src/lib.rs (walk_ranges, subtract_ranges)

import { panic } from "./runtime/panic";
import { MemoryRange } from "./memory_range";

/** Walk result kinds. */
export const WALK_NEITHER: u32 = 0;
export const WALK_LEFT: u32 = 1;
export const WALK_RIGHT: u32 = 2;
export const WALK_BOTH: u32 = 3;

/** Fixed-capacity list of (start, end, tag) ranges. */
export class RangeList {
  starts: StaticArray<u64>;
  ends: StaticArray<u64>;
  tags: StaticArray<u64>;
  length: i32 = 0;
  constructor(public capacity: i32) {
    this.starts = new StaticArray<u64>(capacity);
    this.ends = new StaticArray<u64>(capacity);
    this.tags = new StaticArray<u64>(capacity);
  }
  /** Start of range i. */
  start(i: i32): u64 { return this.starts[i]; }
  /** End of range i. */
  end(i: i32): u64 { return this.ends[i]; }
  /** Tag of range i. */
  tag(i: i32): u64 { return this.tags[i]; }
  /** Range i as a MemoryRange. */
  range(i: i32): MemoryRange { return new MemoryRange(this.starts[i], this.ends[i]); }
  /** Appends a range; false when full. */
  push(start: u64, end: u64, tag: u64): bool {
    if (this.length >= this.capacity) return false;
    const i = this.length;
    unchecked((this.starts[i] = start));
    unchecked((this.ends[i] = end));
    unchecked((this.tags[i] = tag));
    this.length = i + 1;
    return true;
  }
  /** Empties the list. */
  clear(): void { this.length = 0; }
}

/** Output of walkRanges: subranges with the kind and the tags of the covering inputs. */
export class RangeWalk {
  starts: StaticArray<u64>;
  ends: StaticArray<u64>;
  kinds: StaticArray<u32>;
  ltags: StaticArray<u64>;
  rtags: StaticArray<u64>;
  length: i32 = 0;
  constructor(public capacity: i32) {
    this.starts = new StaticArray<u64>(capacity);
    this.ends = new StaticArray<u64>(capacity);
    this.kinds = new StaticArray<u32>(capacity);
    this.ltags = new StaticArray<u64>(capacity);
    this.rtags = new StaticArray<u64>(capacity);
  }
  start(i: i32): u64 { return this.starts[i]; }
  end(i: i32): u64 { return this.ends[i]; }
  kind(i: i32): u32 { return this.kinds[i]; }
  leftTag(i: i32): u64 { return this.ltags[i]; }
  rightTag(i: i32): u64 { return this.rtags[i]; }
  add(start: u64, end: u64, kind: u32, lt: u64, rt: u64): void {
    const i = this.length;
    if (i >= this.capacity) panic("range walk output capacity " + this.capacity.toString() + " exceeded");
    this.starts[i] = start;
    this.ends[i] = end;
    this.kinds[i] = kind;
    this.ltags[i] = lt;
    this.rtags[i] = rt;
    this.length = i + 1;
  }
}

// Advances past empty or already-passed ranges; -1 when exhausted. Asserts sortedness as
// upstream does when an element is first taken from the iterator.
function peek(list: RangeList, idx: i32, pos: u64, taken: i32, msg: string): i32 {
  while (idx < list.length) {
    if (idx >= taken && list.start(idx) < pos) panic(msg + " not sorted");
    if (list.start(idx) != list.end(idx) && list.end(idx) > pos) return idx;
    idx++;
  }
  return -1;
}

/** Walks both sorted lists and writes every subrange up to MemoryRange.MAX_ADDRESS with its kind. */
export function walkRanges(left: RangeList, right: RangeList, out: RangeWalk): void {
  out.length = 0;
  let pos: u64 = 0;
  let li = 0;
  let ri = 0;
  let lTaken = 0; // elements whose sortedness was checked
  let rTaken = 0;
  const max = MemoryRange.MAX_ADDRESS;
  while (pos != max) {
    const l = peek(left, li, pos, lTaken, "left");
    if (l >= 0) { li = l; if (l + 1 > lTaken) lTaken = l + 1; } else { li = left.length; lTaken = left.length; }
    const r = peek(right, ri, pos, rTaken, "right");
    if (r >= 0) { ri = r; if (r + 1 > rTaken) rTaken = r + 1; } else { ri = right.length; rTaken = right.length; }
    let end: u64;
    let kind: u32;
    let lt: u64 = 0;
    let rt: u64 = 0;
    if (l >= 0 && r >= 0) {
      const ls = left.start(l), le = left.end(l), rs = right.start(r), re = right.end(r);
      lt = left.tag(l);
      rt = right.tag(r);
      if (pos < ls) {
        if (pos < rs) { end = ls < rs ? ls : rs; kind = WALK_NEITHER; }
        else { end = ls < re ? ls : re; kind = WALK_RIGHT; }
      } else if (pos < rs) {
        end = rs < le ? rs : le; kind = WALK_LEFT;
      } else {
        end = le < re ? le : re; kind = WALK_BOTH;
      }
    } else if (l >= 0) {
      lt = left.tag(l);
      if (pos < left.start(l)) { end = left.start(l); kind = WALK_NEITHER; }
      else { end = left.end(l); kind = WALK_LEFT; }
    } else if (r >= 0) {
      rt = right.tag(r);
      if (pos < right.start(r)) { end = right.start(r); kind = WALK_NEITHER; }
      else { end = right.end(r); kind = WALK_RIGHT; }
    } else {
      end = max; kind = WALK_NEITHER;
    }
    out.add(pos, end, kind, lt, rt);
    pos = end;
  }
}

/** Writes the parts of `left` not covered by `right` to `out` (tags from `left`). */
export function subtractRanges(left: RangeList, right: RangeList, out: RangeList): void {
  const walk = new RangeWalk(2 * (left.length + right.length) + 2);
  walkRanges(left, right, walk);
  out.clear();
  for (let i = 0; i < walk.length; i++) {
    if (walk.kind(i) == WALK_LEFT) {
      if (!out.push(walk.start(i), walk.end(i), walk.leftTag(i))) panic("subtractRanges: output full");
    }
  }
}
