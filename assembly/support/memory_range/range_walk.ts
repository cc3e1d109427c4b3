//! The range algebra over sorted range lists: walking two lists side by side, and the
//! overlap, subtraction, flattening and merging built on it.
// Ports: vm/vmcore/memory_range/src/lib.rs (walk_ranges, overlapping_ranges, subtract_ranges,
//        flatten_ranges, merge_adjacent_ranges)
//
// Upstream returns lazy iterators; these functions run them to the end and write every item into
// a caller-provided list, so a panic fires exactly when full iteration of the upstream iterator
// would panic. `RangeWalker` is the lazy form for callers that stop early. Outputs are cleared
// first and must not be one of the inputs. Nothing here allocates.

import { panic } from "../../rt/panic";
import { MemoryRange } from "./memory_range";
import { RangeList, RangeWalk, WALK_NEITHER, WALK_LEFT, WALK_RIGHT, WALK_BOTH } from "./range_list";

/**
 * Step-by-step walk over two sorted range lists (upstream `walk_ranges`' iterator). Each `next()`
 * that returns true sets `start`, `end`, `kind` and the tags of the current piece. Pieces cover
 * 0..MAX_ADDRESS without gaps. Panics "left not sorted" / "right not sorted" when a range starts
 * before the position the walk has reached when it first looks at that range.
 */
@final
export class RangeWalker {
  /** Start of the current piece. */
  start: u64 = 0;
  /** End (exclusive) of the current piece. */
  end: u64 = 0;
  /** WALK_NEITHER, WALK_LEFT, WALK_RIGHT or WALK_BOTH. */
  kind: u32 = WALK_NEITHER;
  /** Tag of the left range holding the piece (0 when not in left). */
  leftTag: u64 = 0;
  /** Tag of the right range holding the piece (0 when not in right). */
  rightTag: u64 = 0;

  private pos: u64 = 0;
  // Index of the range each side is looking at, and whether its sortedness was checked yet.
  private li: i32 = 0;
  private ri: i32 = 0;
  private lSeen: bool = false;
  private rSeen: bool = false;

  constructor(private left: RangeList, private right: RangeList) {}

  /** Restarts the walk over new inputs (reuses this object). */
  reset(left: RangeList, right: RangeList): void {
    this.left = left;
    this.right = right;
    this.pos = 0;
    this.li = 0;
    this.ri = 0;
    this.lSeen = false;
    this.rSeen = false;
  }

  // Advances `li` to the first left range that still reaches past `pos`; false when none.
  private peekLeft(): bool {
    const list = this.left;
    const n = list.length;
    const pos = this.pos;
    while (this.li < n) {
      const i = this.li;
      if (!this.lSeen) {
        if (list.start(i) < pos) panic("left not sorted");
        this.lSeen = true;
      }
      const s = list.start(i);
      const e = list.end(i);
      if (s != e && e > pos) return true;
      this.li = i + 1;
      this.lSeen = false;
    }
    return false;
  }

  // Same as peekLeft for the right list.
  private peekRight(): bool {
    const list = this.right;
    const n = list.length;
    const pos = this.pos;
    while (this.ri < n) {
      const i = this.ri;
      if (!this.rSeen) {
        if (list.start(i) < pos) panic("right not sorted");
        this.rSeen = true;
      }
      const s = list.start(i);
      const e = list.end(i);
      if (s != e && e > pos) return true;
      this.ri = i + 1;
      this.rSeen = false;
    }
    return false;
  }

  /** Moves to the next piece; false once the walk has reached MAX_ADDRESS. */
  next(): bool {
    const pos = this.pos;
    if (pos == MemoryRange.MAX_ADDRESS) return false;
    const hasL = this.peekLeft();
    const hasR = this.peekRight();
    let end: u64 = MemoryRange.MAX_ADDRESS;
    let kind: u32 = WALK_NEITHER;
    let lt: u64 = 0;
    let rt: u64 = 0;
    if (hasL && hasR) {
      const ls = this.left.start(this.li);
      const le = this.left.end(this.li);
      const rs = this.right.start(this.ri);
      const re = this.right.end(this.ri);
      if (pos < ls) {
        if (pos < rs) {
          end = min<u64>(ls, rs);
        } else {
          end = min<u64>(ls, re);
          kind = WALK_RIGHT;
          rt = this.right.tag(this.ri);
        }
      } else if (pos < rs) {
        end = min<u64>(rs, le);
        kind = WALK_LEFT;
        lt = this.left.tag(this.li);
      } else {
        end = min<u64>(le, re);
        kind = WALK_BOTH;
        lt = this.left.tag(this.li);
        rt = this.right.tag(this.ri);
      }
    } else if (hasL) {
      const ls = this.left.start(this.li);
      if (pos < ls) {
        end = ls;
      } else {
        end = this.left.end(this.li);
        kind = WALK_LEFT;
        lt = this.left.tag(this.li);
      }
    } else if (hasR) {
      const rs = this.right.start(this.ri);
      if (pos < rs) {
        end = rs;
      } else {
        end = this.right.end(this.ri);
        kind = WALK_RIGHT;
        rt = this.right.tag(this.ri);
      }
    }
    MemoryRange.check(pos, end);
    this.start = pos;
    this.end = end;
    this.kind = kind;
    this.leftTag = lt;
    this.rightTag = rt;
    this.pos = end;
    return true;
  }
}

// An output list that is also an input would be overwritten while it is read.
@inline
function checkDistinct(out: RangeList, a: RangeList, b: RangeList): void {
  if (out === a || out === b) panic("range output list must not be one of the input lists");
}

/**
 * Walks `left` and `right` (each sorted) and writes every piece of 0..MAX_ADDRESS with the side(s)
 * holding it into `out` (upstream `walk_ranges`). A walk has at most 2*(left+right)+1 pieces.
 */
export function walkRanges(left: RangeList, right: RangeList, out: RangeWalk): void {
  out.clear();
  const w = new RangeWalker(left, right);
  while (w.next()) out.pushOrPanic(w.start, w.end, w.kind, w.leftTag, w.rightTag);
}

/**
 * Writes the ranges present in both `left` and `right` into `out`, tagged with the left range's
 * tag (upstream `overlapping_ranges`). Panics like `walkRanges` on unsorted input.
 */
export function overlappingRanges(left: RangeList, right: RangeList, out: RangeList): void {
  checkDistinct(out, left, right);
  out.clear();
  const w = new RangeWalker(left, right);
  while (w.next()) {
    if (w.kind == WALK_BOTH) out.pushOrPanic(w.start, w.end, w.leftTag);
  }
}

/**
 * Writes the parts of `left` not covered by `right` into `out`, tagged with the left range's tag
 * (upstream `subtract_ranges`). Panics like `walkRanges` on unsorted input.
 */
export function subtractRanges(left: RangeList, right: RangeList, out: RangeList): void {
  checkDistinct(out, left, right);
  out.clear();
  const w = new RangeWalker(left, right);
  while (w.next()) {
    if (w.kind == WALK_LEFT) out.pushOrPanic(w.start, w.end, w.leftTag);
  }
}

/**
 * Merges overlapping and touching ranges of `input` (sorted by start) into `out`; each output
 * carries the tag of the first range merged into it (upstream `flatten_ranges`). Panics "ranges
 * are not sorted" when a range starts before the previous one.
 */
export function flattenRanges(input: RangeList, out: RangeList): void {
  checkDistinct(out, input, input);
  out.clear();
  const n = input.length;
  let i = 0;
  while (i < n) {
    const groupStart = input.start(i);
    const groupTag = input.tag(i);
    let lastStart = groupStart;
    let end = input.end(i);
    i++;
    while (i < n) {
      const s = input.start(i);
      if (s < lastStart) panic("ranges are not sorted");
      if (s > end) break;
      lastStart = s;
      const e = input.end(i);
      if (e > end) end = e;
      i++;
    }
    MemoryRange.check(groupStart, end);
    out.pushOrPanic(groupStart, end, groupTag);
  }
}

/**
 * Joins touching ranges of `input` that have equal tags into `out` (upstream
 * `merge_adjacent_ranges`). Panics "ranges are not sorted" when a range starts before the
 * previous one, and "ranges overlap" when it starts before the previous one ends.
 */
export function mergeAdjacentRanges(input: RangeList, out: RangeList): void {
  checkDistinct(out, input, input);
  out.clear();
  const n = input.length;
  let i = 0;
  while (i < n) {
    const groupStart = input.start(i);
    const groupTag = input.tag(i);
    let lastStart = groupStart;
    let end = input.end(i);
    i++;
    while (i < n) {
      const s = input.start(i);
      if (s < lastStart) panic("ranges are not sorted");
      if (s < end) panic("ranges overlap");
      if (s != end || input.tag(i) != groupTag) break;
      lastStart = s;
      const e = input.end(i);
      if (e > end) end = e;
      i++;
    }
    MemoryRange.check(groupStart, end);
    out.pushOrPanic(groupStart, end, groupTag);
  }
}
