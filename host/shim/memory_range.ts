//! Typed bindings for the range algebra exports (assembly/abi/memory_range.ts). Each function runs
//! one call sequence (reset, put inputs, call, decode) and throws ShimPanic with upstream's text.
// Ports: none (host binding of assembly/abi/memory_range.ts)
import type { Shim } from "../wasm/loader.js";
import type { Reader } from "../wasm/codec.js";

/** A range [start, end) with an optional tag (upstream's `T` in `(MemoryRange, T)`). */
export interface TaggedRange {
  start: bigint;
  end: bigint;
  tag?: bigint;
}

/** A range with its tag as the boot core returned it. */
export interface RangeOut {
  start: bigint;
  end: bigint;
  tag: bigint;
}

/** A plain [start, end) range. */
export interface Range {
  start: bigint;
  end: bigint;
}

/** Walk kinds, as upstream's `RangeWalkResult` variants. */
export const WalkKind = { Neither: 0, Left: 1, Right: 2, Both: 3 } as const;
/** Name of a walk kind. */
export type WalkKindName = keyof typeof WalkKind;
const KIND_NAMES: WalkKindName[] = ["Neither", "Left", "Right", "Both"];

/** One piece of a range walk. */
export interface WalkPiece {
  start: bigint;
  end: bigint;
  kind: WalkKindName;
  leftTag: bigint;
  rightTag: bigint;
}

/** Options for list-producing calls: `outCap` bounds the output list (0/absent: big enough). */
export interface ListOpts {
  outCap?: number;
}

const RECORD = 24;
const U64_MAX = (1n << 64n) - 1n;

function u64(v: bigint, what: string): bigint {
  if (v < 0n || v > U64_MAX) throw new RangeError(`${what} ${v} is not a u64`);
  return v;
}

/** Packs ranges as the boot core's 24-byte (start, end, tag) little-endian records. */
export function packRanges(ranges: readonly TaggedRange[]): Uint8Array {
  const bytes = new Uint8Array(Math.max(ranges.length * RECORD, 1));
  const view = new DataView(bytes.buffer);
  ranges.forEach((r, i) => {
    view.setBigUint64(i * RECORD, u64(r.start, "start"), true);
    view.setBigUint64(i * RECORD + 8, u64(r.end, "end"), true);
    view.setBigUint64(i * RECORD + 16, u64(r.tag ?? 0n, "tag"), true);
  });
  return bytes;
}

function readList(r: Reader): RangeOut[] {
  const n = r.u32();
  const out: RangeOut[] = [];
  for (let i = 0; i < n; i++) out.push({ start: r.u64(), end: r.u64(), tag: r.u64() });
  return out;
}

function readRange(r: Reader): Range {
  return { start: r.u64(), end: r.u64() };
}

function twoLists(shim: Shim, name: string, left: readonly TaggedRange[], right: readonly TaggedRange[], outCap: number): Reader {
  shim.reset();
  const lp = shim.put(packRanges(left));
  const rp = shim.put(packRanges(right));
  shim.call(name, lp, left.length, rp, right.length, outCap);
  return shim.out();
}

function oneList(shim: Shim, name: string, input: readonly TaggedRange[], outCap: number): Reader {
  shim.reset();
  const p = shim.put(packRanges(input));
  shim.call(name, p, input.length, outCap);
  return shim.out();
}

/** walk_ranges over two sorted lists: every piece of 0..MAX_ADDRESS with who holds it. */
export function walkRanges(shim: Shim, left: readonly TaggedRange[], right: readonly TaggedRange[], opts: ListOpts = {}): WalkPiece[] {
  const r = twoLists(shim, "range_walk", left, right, opts.outCap ?? 0);
  const n = r.u32();
  const out: WalkPiece[] = [];
  for (let i = 0; i < n; i++) {
    const start = r.u64();
    const end = r.u64();
    const kind = KIND_NAMES[r.u32()] ?? "Neither";
    out.push({ start, end, kind, leftTag: r.u64(), rightTag: r.u64() });
  }
  return out;
}

/** overlapping_ranges: the parts in both lists (tagged with the left tag). */
export function overlappingRanges(shim: Shim, left: readonly TaggedRange[], right: readonly TaggedRange[], opts: ListOpts = {}): RangeOut[] {
  return readList(twoLists(shim, "range_overlapping", left, right, opts.outCap ?? 0));
}

/** subtract_ranges: the parts of `left` not in `right` (tagged with the left tag). */
export function subtractRanges(shim: Shim, left: readonly TaggedRange[], right: readonly TaggedRange[], opts: ListOpts = {}): RangeOut[] {
  return readList(twoLists(shim, "range_subtract", left, right, opts.outCap ?? 0));
}

/** flatten_ranges: overlapping and touching ranges merged (tag of each group's first range). */
export function flattenRanges(shim: Shim, input: readonly TaggedRange[], opts: ListOpts = {}): RangeOut[] {
  return readList(oneList(shim, "range_flatten", input, opts.outCap ?? 0));
}

/** merge_adjacent_ranges: touching ranges with equal tags joined. */
export function mergeAdjacentRanges(shim: Shim, input: readonly TaggedRange[], opts: ListOpts = {}): RangeOut[] {
  return readList(oneList(shim, "range_merge_adjacent", input, opts.outCap ?? 0));
}

/** MemoryRange::new (panics like upstream on bad input). */
export function newRange(shim: Shim, start: bigint, end: bigint): Range {
  shim.reset();
  shim.call("range_new", start, end);
  return readRange(shim.out());
}

/** MemoryRange::try_new: the range, or upstream's InvalidMemoryRange message. */
export function tryNewRange(shim: Shim, start: bigint, end: bigint): { ok: true; range: Range } | { ok: false; error: string } {
  shim.reset();
  shim.call("range_try_new", start, end);
  const r = shim.out();
  return r.bool() ? { ok: true, range: readRange(r) } : { ok: false, error: r.str() };
}

/** MemoryRange::bounding (alignment omitted) or bounding_aligned. */
export function bounding(shim: Shim, start: bigint, end: bigint, alignment?: bigint): Range {
  shim.reset();
  shim.call("range_bounding", start, end, alignment ?? 0n);
  return readRange(shim.out());
}

/** MemoryRange::from_4k_gpn_range. */
export function from4kGpnRange(shim: Shim, startGpn: bigint, endGpn: bigint): Range {
  shim.reset();
  shim.call("range_from_4k_gpn", startGpn, endGpn);
  return readRange(shim.out());
}

/** Scalar properties of a range. */
export interface RangeInfo {
  len: bigint;
  startGpn: bigint;
  endGpn: bigint;
  pageCount4k: bigint;
  pageCount2m: bigint;
  isEmpty: boolean;
  alignment: bigint;
  display: string;
  debug: string;
}

/** len, gpns, page counts, emptiness, alignment(base) and the Display/Debug strings of a range. */
export function rangeInfo(shim: Shim, start: bigint, end: bigint, base = 0n): RangeInfo {
  shim.reset();
  shim.call("range_info", start, end, base);
  const r = shim.out();
  return {
    len: r.u64(), startGpn: r.u64(), endGpn: r.u64(), pageCount4k: r.u64(), pageCount2m: r.u64(),
    isEmpty: r.bool(), alignment: r.u64(), display: r.str(), debug: r.str(),
  };
}

/** overlaps, contains and intersection of two ranges. */
export function rangePair(shim: Shim, a: Range, b: Range): { overlaps: boolean; contains: boolean; intersection: Range } {
  shim.reset();
  shim.call("range_pair", a.start, a.end, b.start, b.end);
  const r = shim.out();
  return { overlaps: r.bool(), contains: r.bool(), intersection: readRange(r) };
}

/** contains_addr and offset_of (null for upstream `None`). */
export function rangeAddr(shim: Shim, range: Range, addr: bigint): { containsAddr: boolean; offsetOf: bigint | null } {
  shim.reset();
  shim.call("range_addr", range.start, range.end, addr);
  const r = shim.out();
  const containsAddr = r.bool();
  const has = r.bool();
  const off = r.u64();
  return { containsAddr, offsetOf: has ? off : null };
}

/** MemoryRange::aligned_subrange. */
export function alignedSubrange(shim: Shim, range: Range, alignment: bigint): Range {
  shim.reset();
  shim.call("range_aligned_subrange", range.start, range.end, alignment);
  return readRange(shim.out());
}

/** MemoryRange::split_at_offset. */
export function splitAtOffset(shim: Shim, range: Range, offset: bigint): [Range, Range] {
  shim.reset();
  shim.call("range_split_at_offset", range.start, range.end, offset);
  const r = shim.out();
  return [readRange(r), readRange(r)];
}

/** AlignedSubranges pieces with each piece's alignment(offset). */
export function alignedSubranges(
  shim: Shim,
  range: Range,
  opts: { offset?: bigint; maxLen?: bigint; maxPieces?: number } = {},
): { start: bigint; end: bigint; alignment: bigint }[] {
  shim.reset();
  shim.call("range_aligned_subranges", range.start, range.end, opts.offset ?? 0n, opts.maxLen ?? 0n, opts.maxPieces ?? 0);
  return readList(shim.out()).map((p) => ({ start: p.start, end: p.end, alignment: p.tag }));
}
