//! Host-side guest physical memory ranges: page-aligned [start, end) pairs and the range walks the
//! VMM's memory map building uses (walk, subtract, flatten).
// Ports: vm/vmcore/memory_range/src/lib.rs (host subset; the boot core has its own AssemblyScript port)

/** 4 KiB page size. */
export const PAGE_SIZE = 0x1000n;

/** A page-aligned guest physical address range [start, end). */
export class MemoryRange {
  /** The largest address a range can reach (the last page boundary). */
  static readonly MAX_ADDRESS = BigInt.asUintN(64, ~(PAGE_SIZE - 1n));
  /** The empty range 0..0. */
  static readonly EMPTY = new MemoryRange(0n, 0n);

  /** A new range; throws (as upstream `new` asserts) unless both ends are 4K aligned and ordered. */
  constructor(
    readonly start: bigint,
    readonly end: bigint,
  ) {
    if ((start & (PAGE_SIZE - 1n)) !== 0n) throw new Error("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
    if ((end & (PAGE_SIZE - 1n)) !== 0n) throw new Error("assertion failed: range.end & (PAGE_SIZE - 1) == 0");
    if (start > end) throw new Error("assertion failed: range.start <= range.end");
  }

  /** A new range, or null when unaligned or reversed (upstream `try_new`). */
  static tryNew(start: bigint, end: bigint): MemoryRange | null {
    if ((start & (PAGE_SIZE - 1n)) !== 0n || (end & (PAGE_SIZE - 1n)) !== 0n || start > end) return null;
    return new MemoryRange(start, end);
  }

  /** Length in bytes. */
  get len(): bigint {
    return this.end - this.start;
  }

  /** True when start == end. */
  isEmpty(): boolean {
    return this.start === this.end;
  }

  /** True when the two ranges share a byte. */
  overlaps(other: MemoryRange): boolean {
    return this.end > other.start && this.start < other.end;
  }

  /** True when `other` lies entirely inside this range. */
  contains(other: MemoryRange): boolean {
    return this.start <= other.start && this.end >= other.end;
  }

  /** True when `addr` lies inside this range. */
  containsAddr(addr: bigint): boolean {
    return this.start <= addr && addr < this.end;
  }

  /** Same start and end. */
  eq(other: MemoryRange): boolean {
    return this.start === other.start && this.end === other.end;
  }

  /** Rust's derived ordering: by start, then by end. */
  static compare(a: MemoryRange, b: MemoryRange): number {
    if (a.start !== b.start) return a.start < b.start ? -1 : 1;
    if (a.end !== b.end) return a.end < b.end ? -1 : 1;
    return 0;
  }

  /** Upstream `Display`: `0x<start>-0x<end>`. */
  toString(): string {
    return `0x${this.start.toString(16)}-0x${this.end.toString(16)}`;
  }
}

/** Where a walked subrange lies: in neither list, only the left, only the right, or both. */
export type RangeWalkResult<T, U> =
  | { kind: "neither" }
  | { kind: "left"; left: T }
  | { kind: "right"; right: U }
  | { kind: "both"; left: T; right: U };

/** Cursor over one sorted input of `walkRanges`, skipping empty and already-passed ranges. */
class SortedCursor<T> {
  private i = 0;
  private pulled = false;
  constructor(
    private readonly items: ReadonlyArray<readonly [MemoryRange, T]>,
    private readonly name: string,
  ) {}

  peek(pos: bigint): readonly [MemoryRange, T] | undefined {
    while (this.i < this.items.length) {
      const item = this.items[this.i]!;
      // Each element is checked against the walk position when it is first reached, as upstream does.
      if (!this.pulled) {
        if (item[0].start < pos) throw new Error(`${this.name} not sorted`);
        this.pulled = true;
      }
      if (!item[0].isEmpty() && item[0].end > pos) return item;
      this.i++;
      this.pulled = false;
    }
    return undefined;
  }
}

/**
 * Splits the address space into subranges and says for each whether it is in `left`, `right`, both
 * or neither (with the tags of the covering elements). Both inputs must be sorted.
 */
export function walkRanges<T, U>(
  left: ReadonlyArray<readonly [MemoryRange, T]>,
  right: ReadonlyArray<readonly [MemoryRange, U]>,
): Array<[MemoryRange, RangeWalkResult<T, U>]> {
  const out: Array<[MemoryRange, RangeWalkResult<T, U>]> = [];
  const l = new SortedCursor(left, "left");
  const r = new SortedCursor(right, "right");
  let pos = 0n;
  while (pos !== MemoryRange.MAX_ADDRESS) {
    const a = l.peek(pos);
    const b = r.peek(pos);
    let end: bigint;
    let c: RangeWalkResult<T, U>;
    if (a && b) {
      const [lr, t] = a;
      const [rr, u] = b;
      if (pos < lr.start) {
        if (pos < rr.start) [end, c] = [min(lr.start, rr.start), { kind: "neither" }];
        else [end, c] = [min(lr.start, rr.end), { kind: "right", right: u }];
      } else if (pos < rr.start) {
        [end, c] = [min(rr.start, lr.end), { kind: "left", left: t }];
      } else {
        [end, c] = [min(lr.end, rr.end), { kind: "both", left: t, right: u }];
      }
    } else if (a) {
      [end, c] = pos < a[0].start ? [a[0].start, { kind: "neither" }] : [a[0].end, { kind: "left", left: a[1] }];
    } else if (b) {
      [end, c] = pos < b[0].start ? [b[0].start, { kind: "neither" }] : [b[0].end, { kind: "right", right: b[1] }];
    } else {
      [end, c] = [MemoryRange.MAX_ADDRESS, { kind: "neither" }];
    }
    out.push([new MemoryRange(pos, end), c]);
    pos = end;
  }
  return out;
}

/** The parts of `left` not covered by `right` (both sorted). */
export function subtractRanges(left: readonly MemoryRange[], right: readonly MemoryRange[]): MemoryRange[] {
  return walkRanges(
    left.map((x) => [x, null] as const),
    right.map((x) => [x, null] as const),
  )
    .filter(([, c]) => c.kind === "left")
    .map(([x]) => x);
}

/** Merges overlapping and adjacent ranges of a list sorted by start. */
export function flattenRanges(ranges: readonly MemoryRange[]): MemoryRange[] {
  const out: MemoryRange[] = [];
  let i = 0;
  while (i < ranges.length) {
    const first = ranges[i++]!;
    let start = first.start;
    let end = first.end;
    while (i < ranges.length) {
      const r = ranges[i]!;
      if (r.start < start) throw new Error("ranges are not sorted");
      if (r.start > end) break;
      start = r.start;
      end = r.end > end ? r.end : end;
      i++;
    }
    out.push(new MemoryRange(first.start, end));
  }
  return out;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
