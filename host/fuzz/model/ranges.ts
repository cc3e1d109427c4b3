//! Reference model of the range algebra, the oracle for the ranges fuzz target and property tests.
// Ports: none (an independent specification-level model of vm/vmcore/memory_range)
// Plain TypeScript model of the range algebra (vm/vmcore/memory_range), written from the
// specification rather than from the iterator code: a walk is the partition of 0..MAX_ADDRESS by
// every boundary of a non-empty input range, and a list is "sorted" for the walk when no range
// starts before the end of the last non-empty range ahead of it.
import type { TaggedRange, RangeOut, WalkPiece, WalkKindName } from "../../shim/memory_range.js";

export const PAGE = 0x1000n;
export const MAX_ADDRESS = (1n << 64n) - PAGE;

/** Thrown by the model where upstream panics. */
export class ModelPanic extends Error {}

/** Where a walk first rejects `list` as unsorted: the walk position of the check, or null. */
export function walkSortFailure(list: readonly TaggedRange[]): bigint | null {
  let reached = 0n;
  for (const r of list) {
    if (reached === MAX_ADDRESS) return null; // the walk stops before looking further
    if (r.start < reached) return reached;
    if (r.end > r.start) reached = r.end;
  }
  return null;
}

function holder(list: readonly TaggedRange[], addr: bigint): TaggedRange | undefined {
  return list.find((r) => r.end > r.start && r.start <= addr && addr < r.end);
}

/** The prefix of `list` a walk reads: up to and including the first non-empty range ending at MAX_ADDRESS. */
function reachable(list: readonly TaggedRange[]): readonly TaggedRange[] {
  const top = list.findIndex((r) => r.end > r.start && r.end === MAX_ADDRESS);
  return top < 0 ? list : list.slice(0, top + 1);
}

/** walk_ranges as a partition by boundaries. */
export function modelWalk(left: readonly TaggedRange[], right: readonly TaggedRange[]): WalkPiece[] {
  const lf = walkSortFailure(left);
  const rf = walkSortFailure(right);
  if (lf !== null && (rf === null || lf <= rf)) throw new ModelPanic("left not sorted");
  if (rf !== null) throw new ModelPanic("right not sorted");
  // Ranges after one that reaches MAX_ADDRESS are never looked at: the walk is over by then.
  left = reachable(left);
  right = reachable(right);
  const cuts = new Set<bigint>([0n, MAX_ADDRESS]);
  for (const r of [...left, ...right]) {
    if (r.end > r.start) {
      cuts.add(r.start);
      cuts.add(r.end);
    }
  }
  const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: WalkPiece[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const l = holder(left, a);
    const r = holder(right, a);
    const kind: WalkKindName = l && r ? "Both" : l ? "Left" : r ? "Right" : "Neither";
    out.push({ start: a, end: sorted[i + 1]!, kind, leftTag: l?.tag ?? 0n, rightTag: r?.tag ?? 0n });
  }
  return out;
}

/** overlapping_ranges: walk pieces in both lists. */
export function modelOverlapping(left: readonly TaggedRange[], right: readonly TaggedRange[]): RangeOut[] {
  return modelWalk(left, right).filter((p) => p.kind === "Both").map((p) => ({ start: p.start, end: p.end, tag: p.leftTag }));
}

/** subtract_ranges: walk pieces only in left. */
export function modelSubtract(left: readonly TaggedRange[], right: readonly TaggedRange[]): RangeOut[] {
  return modelWalk(left, right).filter((p) => p.kind === "Left").map((p) => ({ start: p.start, end: p.end, tag: p.leftTag }));
}

/** flatten_ranges: union of overlapping or touching neighbours; panics on a decreasing start. */
export function modelFlatten(input: readonly TaggedRange[]): RangeOut[] {
  for (let i = 1; i < input.length; i++) {
    if (input[i]!.start < input[i - 1]!.start) throw new ModelPanic("ranges are not sorted");
  }
  const out: RangeOut[] = [];
  for (const r of input) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) {
      if (r.end > last.end) last.end = r.end;
    } else {
      out.push({ start: r.start, end: r.end, tag: r.tag ?? 0n });
    }
  }
  return out;
}

/** merge_adjacent_ranges: join exact neighbours with equal tags; panics on disorder or overlap. */
export function modelMerge(input: readonly TaggedRange[]): RangeOut[] {
  for (let i = 1; i < input.length; i++) {
    const prev = input[i - 1]!;
    const cur = input[i]!;
    if (cur.start < prev.start) throw new ModelPanic("ranges are not sorted");
    if (cur.start < prev.end) throw new ModelPanic("ranges overlap");
  }
  const out: RangeOut[] = [];
  for (const r of input) {
    const last = out[out.length - 1];
    const tag = r.tag ?? 0n;
    if (last && r.start === last.end && tag === last.tag) last.end = r.end;
    else out.push({ start: r.start, end: r.end, tag });
  }
  return out;
}

/** Runs a model function, returning its result or the panic message. */
export function modelOutcome<T>(f: () => T): { ok: true; value: T } | { ok: false; message: string } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof ModelPanic) return { ok: false, message: e.message };
    throw e;
  }
}
