//! The host's memory entries while the tree is walked: appended in document order with upstream's
//! duplicate and capacity errors at insertion time, then sorted by range once at the end.
// Ports: openhcl/host_fdt_parser/src/lib.rs (insert_memory_entry, the sorted `memory` ArrayVec)
//
// Upstream keeps the list sorted with a binary-search insert (quadratic moves for many entries).
// Only an identical range is an insertion error there, so a hash of the ranges seen so far gives
// the same errors at the same moment; one merge sort at the end gives the same order.

import { ParsedDeviceTree } from "./host_fdt_parser";
import { MAX_MEMORY_ENTRIES } from "./limits";

import { HostDtParseError, errMemoryRegOverlap, errTooManyMemoryEntries } from "./error";

// Open-addressing hash of (start, end) → entry index + 1; used once there are many entries.
// It lives in the arena (allocated when first needed), like the merge-sort scratch.
const HASH_SLOTS: i32 = 4096;
const LINEAR_LIMIT: i32 = 32;

@inline function hashOf(start: u64, end: u64): i32 {
  const h = (start >> 12) * 0x9e3779b97f4a7c15 ^ (end >> 12) * 0xc2b2ae3d27d4eb4f;
  return <i32>(h >> 52) & (HASH_SLOTS - 1);
}

/** Memory entries of one parse, stored in the tree's columns. */
export class MemoryTable {
  private hashed: bool = false;
  private hash: usize = 0;

  constructor(private readonly tree: ParsedDeviceTree) {}

  /** Forgets all entries. */
  reset(): void {
    this.hashed = false;
  }

  private get hashTable(): usize {
    if (this.hash == 0) this.hash = __alloc(<usize>HASH_SLOTS << 2);
    return this.hash;
  }

  /** Index of an entry with exactly this range, or -1. */
  private findSame(start: u64, end: u64): i32 {
    const t = this.tree;
    const n = t.memoryCount;
    if (!this.hashed) {
      for (let i = 0; i < n; i++) {
        if (unchecked(t.memStarts[i]) == start && unchecked(t.memEnds[i]) == end) return i;
      }
      return -1;
    }
    let h = hashOf(start, end);
    while (true) {
      const v = load<u32>(this.hashTable + (<usize>h << 2));
      if (v == 0) return -1;
      const i = <i32>v - 1;
      if (unchecked(t.memStarts[i]) == start && unchecked(t.memEnds[i]) == end) return i;
      h = (h + 1) & (HASH_SLOTS - 1);
    }
  }

  private hashInsert(i: i32): void {
    const t = this.tree;
    let h = hashOf(unchecked(t.memStarts[i]), unchecked(t.memEnds[i]));
    while (load<u32>(this.hashTable + (<usize>h << 2)) != 0) h = (h + 1) & (HASH_SLOTS - 1);
    store<u32>(this.hashTable + (<usize>h << 2), <u32>(i + 1));
  }

  /** Adds an entry (upstream `insert_memory_entry`): an identical range or a full table is an error. */
  insert(start: u64, end: u64, memType: u32, vnode: u32): HostDtParseError | null {
    const t = this.tree;
    const same = this.findSame(start, end);
    if (same >= 0) {
      return errMemoryRegOverlap(
        unchecked(t.memStarts[same]), unchecked(t.memEnds[same]), unchecked(t.memTypes[same]), unchecked(t.memVnodes[same]), start, end, memType, vnode,
      );
    }
    const n = t.memoryCount;
    if (n >= MAX_MEMORY_ENTRIES) return errTooManyMemoryEntries();
    unchecked((t.memStarts[n] = start));
    unchecked((t.memEnds[n] = end));
    unchecked((t.memTypes[n] = memType));
    unchecked((t.memVnodes[n] = vnode));
    t.memoryCount = n + 1;
    if (this.hashed) {
      this.hashInsert(n);
    } else if (n + 1 >= LINEAR_LIMIT) {
      memory.fill(this.hashTable, 0, <usize>HASH_SLOTS << 2);
      this.hashed = true;
      for (let i = 0; i <= n; i++) this.hashInsert(i);
    }
    return null;
  }

  /** Sorts the entries by (start, end), as upstream's sorted inserts leave them. */
  sort(): void {
    const t = this.tree;
    const n = t.memoryCount;
    if (n < 2) return;
    let sorted = true;
    for (let i = 1; i < n; i++) {
      if (lessAt(t, i, i - 1)) {
        sorted = false;
        break;
      }
    }
    if (sorted) return;
    // bottom-up merge sort of indices (scratch in the arena)
    const IDX_A = __alloc(<usize>n << 2);
    const IDX_B = __alloc(<usize>n << 2);
    for (let i = 0; i < n; i++) store<u32>(IDX_A + (<usize>i << 2), <u32>i);
    let src = IDX_A;
    let dst = IDX_B;
    for (let width = 1; width < n; width <<= 1) {
      for (let lo = 0; lo < n; lo += width << 1) {
        const mid = min(lo + width, n);
        const hi = min(lo + (width << 1), n);
        let a = lo;
        let b = mid;
        let o = lo;
        while (a < mid && b < hi) {
          const ia = <i32>load<u32>(src + (<usize>a << 2));
          const ib = <i32>load<u32>(src + (<usize>b << 2));
          if (lessAt(t, ib, ia)) {
            store<u32>(dst + (<usize>o << 2), <u32>ib);
            b++;
          } else {
            store<u32>(dst + (<usize>o << 2), <u32>ia);
            a++;
          }
          o++;
        }
        while (a < mid) {
          store<u32>(dst + (<usize>o << 2), load<u32>(src + (<usize>a << 2)));
          o++;
          a++;
        }
        while (b < hi) {
          store<u32>(dst + (<usize>o << 2), load<u32>(src + (<usize>b << 2)));
          o++;
          b++;
        }
      }
      const s = src;
      src = dst;
      dst = s;
    }
    permute64(t.memStarts, src, n);
    permute64(t.memEnds, src, n);
    permute32(t.memTypes, src, n);
    permute32(t.memVnodes, src, n);
  }
}

@inline function lessAt(t: ParsedDeviceTree, i: i32, j: i32): bool {
  const si = unchecked(t.memStarts[i]);
  const sj = unchecked(t.memStarts[j]);
  return si < sj || (si == sj && unchecked(t.memEnds[i]) < unchecked(t.memEnds[j]));
}

function permute64(col: StaticArray<u64>, order: usize, n: i32): void {
  const TMP64 = __alloc(<usize>n << 3);
  for (let i = 0; i < n; i++) store<u64>(TMP64 + (<usize>i << 3), unchecked(col[<i32>load<u32>(order + (<usize>i << 2))]));
  memory.copy(changetype<usize>(col), TMP64, <usize>n << 3);
}

function permute32(col: StaticArray<u32>, order: usize, n: i32): void {
  const TMP32 = __alloc(<usize>n << 2);
  for (let i = 0; i < n; i++) store<u32>(TMP32 + (<usize>i << 2), unchecked(col[<i32>load<u32>(order + (<usize>i << 2))]));
  memory.copy(changetype<usize>(col), TMP32, <usize>n << 2);
}
