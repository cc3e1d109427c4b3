//! WASM exports of the range algebra (assembly/support/memory_range/memory_range.ts) for the host bindings and tests.
// Ports: vm/vmcore/memory_range/src/lib.rs (public API surface)
//
// Range lists cross as packed records of 24 bytes each (start u64, end u64, tag u64, little
// endian) written by the host with `shim.put`; `count` is the number of records. Results are
// written to the result stream: a u32 count, then the records.

import {
  MemoryRange,
  RangeList,
  RangeWalk,
  AlignedSubranges,
  NO_OFFSET,
  walkRanges,
  overlappingRanges,
  subtractRanges,
  flattenRanges,
  mergeAdjacentRanges,
} from "../../support/memory_range/lib";
import { outBegin, outU8, outU32, outU64, outStr } from "../../rt/out";

// Reads `count` packed records at `ptr` into a new list of exactly that capacity.
function readList(ptr: usize, count: u32): RangeList {
  return RangeList.fromRecords(ptr, count);
}

// Writes a list as u32 count + (start, end, tag) records.
function writeList(list: RangeList): void {
  const n = list.length;
  outU32(<u32>n);
  for (let i = 0; i < n; i++) {
    outU64(list.start(i));
    outU64(list.end(i));
    outU64(list.tag(i));
  }
}

// Writes one range as (start, end).
function writeRange(r: MemoryRange): void {
  outU64(r.start);
  outU64(r.end);
}

/** Capacity for an output list: `requested` when nonzero, else `fallback`. */
function capacity(requested: u32, fallback: u32): i32 {
  return <i32>(requested != 0 ? requested : fallback);
}

/** walk_ranges: u32 count, then (start, end, kind u32, leftTag, rightTag) per piece. */
export function range_walk(lp: usize, ln: u32, rp: usize, rn: u32, outCap: u32): void {
  outBegin();
  const left = readList(lp, ln);
  const right = readList(rp, rn);
  const out = new RangeWalk(capacity(outCap, 2 * (ln + rn) + 1));
  walkRanges(left, right, out);
  const n = out.length;
  outU32(<u32>n);
  for (let i = 0; i < n; i++) {
    outU64(out.start(i));
    outU64(out.end(i));
    outU32(out.kind(i));
    outU64(out.leftTag(i));
    outU64(out.rightTag(i));
  }
}

/** overlapping_ranges: list result (tags are the left ranges' tags). */
export function range_overlapping(lp: usize, ln: u32, rp: usize, rn: u32, outCap: u32): void {
  outBegin();
  const left = readList(lp, ln);
  const right = readList(rp, rn);
  const out = new RangeList(capacity(outCap, ln + rn));
  overlappingRanges(left, right, out);
  writeList(out);
}

/** subtract_ranges: list result (tags are the left ranges' tags). */
export function range_subtract(lp: usize, ln: u32, rp: usize, rn: u32, outCap: u32): void {
  outBegin();
  const left = readList(lp, ln);
  const right = readList(rp, rn);
  const out = new RangeList(capacity(outCap, ln + rn));
  subtractRanges(left, right, out);
  writeList(out);
}

/** flatten_ranges: list result (tag of the first range of each merged group). */
export function range_flatten(p: usize, n: u32, outCap: u32): void {
  outBegin();
  const input = readList(p, n);
  const out = new RangeList(capacity(outCap, n));
  flattenRanges(input, out);
  writeList(out);
}

/** merge_adjacent_ranges: list result. */
export function range_merge_adjacent(p: usize, n: u32, outCap: u32): void {
  outBegin();
  const input = readList(p, n);
  const out = new RangeList(capacity(outCap, n));
  mergeAdjacentRanges(input, out);
  writeList(out);
}

/** MemoryRange::new: (start, end), or the upstream assertion panic. */
export function range_new(start: u64, end: u64): void {
  outBegin();
  writeRange(MemoryRange.new(start, end));
}

/** MemoryRange::try_new: u8 ok, then (start, end) or the InvalidMemoryRange message. */
export function range_try_new(start: u64, end: u64): void {
  outBegin();
  const r = MemoryRange.tryNew(start, end);
  if (r === null) {
    outU8(0);
    outStr(MemoryRange.invalidMessage(start, end));
  } else {
    outU8(1);
    writeRange(r);
  }
}

/** MemoryRange::bounding_aligned (alignment 0 means `bounding`, i.e. 4K): (start, end). */
export function range_bounding(start: u64, end: u64, alignment: u64): void {
  outBegin();
  writeRange(alignment == 0 ? MemoryRange.bounding(start, end) : MemoryRange.boundingAligned(start, end, alignment));
}

/** MemoryRange::from_4k_gpn_range: (start, end). */
export function range_from_4k_gpn(startGpn: u64, endGpn: u64): void {
  outBegin();
  writeRange(MemoryRange.from4kGpnRange(startGpn, endGpn));
}

/**
 * Scalar queries of a valid range: len, startGpn, endGpn, pageCount4k, pageCount2m, isEmpty (u8),
 * alignment(base), display string, debug string.
 */
export function range_info(start: u64, end: u64, base: u64): void {
  outBegin();
  const r = MemoryRange.new(start, end);
  outU64(r.len);
  outU64(r.startGpn());
  outU64(r.endGpn());
  outU64(r.pageCount4k());
  outU64(r.pageCount2m());
  outU8(r.isEmpty() ? 1 : 0);
  outU64(r.alignment(base));
  outStr(r.toString());
  outStr(r.toDebugString());
}

/** Relations of two valid ranges: overlaps u8, contains u8, intersection (start, end). */
export function range_pair(s1: u64, e1: u64, s2: u64, e2: u64): void {
  outBegin();
  const a = MemoryRange.new(s1, e1);
  const b = MemoryRange.new(s2, e2);
  outU8(a.overlaps(b) ? 1 : 0);
  outU8(a.contains(b) ? 1 : 0);
  writeRange(a.intersection(b));
}

/** Address queries: containsAddr u8, then u8 has-offset and the offset (upstream Option). */
export function range_addr(start: u64, end: u64, addr: u64): void {
  outBegin();
  const r = MemoryRange.new(start, end);
  outU8(r.containsAddr(addr) ? 1 : 0);
  const off = r.offsetOf(addr);
  outU8(off != NO_OFFSET ? 1 : 0);
  outU64(off != NO_OFFSET ? off : 0);
}

/** MemoryRange::aligned_subrange: (start, end). */
export function range_aligned_subrange(start: u64, end: u64, alignment: u64): void {
  outBegin();
  writeRange(MemoryRange.new(start, end).alignedSubrange(alignment));
}

/** MemoryRange::split_at_offset: (start, end) of both halves. */
export function range_split_at_offset(start: u64, end: u64, offset: u64): void {
  outBegin();
  const p = MemoryRange.new(start, end).splitAtOffset(offset);
  writeRange(p.first);
  writeRange(p.second);
}

/**
 * AlignedSubranges::new(range).with_offset(offset)[.with_max_range_len(maxLen)]: u32 count, then
 * (start, end, alignment(offset)) per piece. `maxLen` 0 means no limit; at most `maxPieces` pieces
 * are produced (0: no limit) so a zero-length limit cannot loop forever from the host's view.
 */
export function range_aligned_subranges(start: u64, end: u64, offset: u64, maxLen: u64, maxPieces: u32): void {
  outBegin();
  const it = new AlignedSubranges(MemoryRange.new(start, end)).withOffset(offset);
  if (maxLen != 0) it.withMaxRangeLen(maxLen);
  const records = new RangeList(maxPieces != 0 ? <i32>maxPieces : 4096);
  for (;;) {
    const r = it.next();
    if (r === null) break;
    records.pushOrPanic(r.start, r.end, r.alignment(offset));
  }
  writeList(records);
}
