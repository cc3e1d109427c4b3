//! Fuzz target `ranges`: random range-list operations on the boot core against the TypeScript model.
// Ports: vm/vmcore/memory_range/src/lib.rs (walk_ranges, overlapping_ranges, subtract_ranges,
// flatten_ranges, merge_adjacent_ranges), judged by host/fuzz/model/ranges.ts.
import * as R from "../../shim/memory_range.js";
import { ShimPanic, type Shim } from "../../wasm/loader.js";
import { MAX_ADDRESS, modelFlatten, modelMerge, modelOutcome, modelOverlapping, modelSubtract, modelWalk } from "../model/ranges.js";
import { check, judgeFailure, PASS, type Verdict } from "../oracle.js";
import type { Rng } from "../rng.js";
import { decodeJson, encodeJson, jsonReproducer, requireExports, type Target } from "../target.js";
import { shrinkStructured } from "../shrink.js";

/** Operations the target exercises. */
export const RANGE_OPS = ["walk", "overlap", "subtract", "flatten", "merge"] as const;
/** One operation name. */
export type RangeOp = (typeof RANGE_OPS)[number];

/** One `ranges` input: an operation, its lists and the output capacity (0: big enough). */
export interface RangesInput {
  op: RangeOp;
  left: R.TaggedRange[];
  right: R.TaggedRange[];
  outCap: number;
}

const PAGE = 0x1000n;
const MAX_LIST = 24;

/** A boundary biased toward the interesting places: 0, small pages, 4 GiB, the top of the address space. */
function point(rng: Rng): bigint {
  switch (rng.below(6)) {
    case 0: return BigInt(rng.below(16)) * PAGE;
    case 1: return BigInt(rng.below(64)) * PAGE;
    case 2: return (1n << 32n) + BigInt(rng.int(-8, 8)) * PAGE;
    case 3: return MAX_ADDRESS - BigInt(rng.below(8)) * PAGE;
    case 4: return rng.u64() & ~(PAGE - 1n);
    default: return BigInt(rng.below(1 << 20)) * PAGE;
  }
}

/** A list: sorted with gaps (the common case), touching runs, or unordered. */
function list(rng: Rng): R.TaggedRange[] {
  const n = rng.below(rng.chance(0.1) ? MAX_LIST + 1 : 8);
  const out: R.TaggedRange[] = [];
  const shape = rng.below(4);
  let at = rng.chance(0.5) ? 0n : point(rng);
  for (let i = 0; i < n; i++) {
    const tag = BigInt(rng.below(3));
    if (shape === 3) {
      const start = point(rng);
      const len = rng.chance(0.2) ? 0n : BigInt(rng.below(8)) * PAGE;
      out.push({ start, end: start + len > MAX_ADDRESS ? MAX_ADDRESS : start + len, tag });
      continue;
    }
    const gap = shape === 1 ? 0n : rng.chance(0.3) ? 0n : BigInt(rng.below(8)) * PAGE;
    const len = rng.chance(0.1) ? 0n : BigInt(1 + rng.below(8)) * PAGE;
    let start = at + gap;
    if (shape === 2 && rng.chance(0.2) && out.length > 0) start = out[out.length - 1]!.start; // overlap / disorder
    let end = start + len;
    if (end > MAX_ADDRESS) end = MAX_ADDRESS;
    if (start > end) start = end;
    out.push({ start, end, tag });
    at = end;
  }
  return out;
}

function runOp(shim: Shim, x: RangesInput): unknown {
  const opts = { outCap: x.outCap };
  switch (x.op) {
    case "walk": return R.walkRanges(shim, x.left, x.right, opts);
    case "overlap": return R.overlappingRanges(shim, x.left, x.right, opts);
    case "subtract": return R.subtractRanges(shim, x.left, x.right, opts);
    case "flatten": return R.flattenRanges(shim, x.left, opts);
    case "merge": return R.mergeAdjacentRanges(shim, x.left, opts);
  }
}

function runModel(x: RangesInput): { ok: true; value: unknown[] } | { ok: false; message: string } {
  switch (x.op) {
    case "walk": return modelOutcome(() => modelWalk(x.left, x.right));
    case "overlap": return modelOutcome(() => modelOverlapping(x.left, x.right));
    case "subtract": return modelOutcome(() => modelSubtract(x.left, x.right));
    case "flatten": return modelOutcome(() => modelFlatten(x.left));
    case "merge": return modelOutcome(() => modelMerge(x.left));
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, big) === JSON.stringify(b, big);
}
const big = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString(16) : v);

/** Judges one input: the boot core must agree with the model (result or panic message). */
export function judgeRanges(shim: Shim, x: RangesInput): Verdict {
  let got: { ok: true; value: unknown } | { ok: false; message: string };
  try {
    got = { ok: true, value: runOp(shim, x) };
  } catch (e) {
    if (!(e instanceof ShimPanic)) return { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) };
    got = { ok: false, message: e.message };
  }
  const want = runModel(x);
  if (!got.ok) {
    const known = judgeFailure(got.message);
    if (!known.ok) return known;
    const full = /^Range(List|Walk) full: .* of (\d+) ranges$/.exec(got.message);
    if (full) {
      // A capacity stop is right when the model needs more room, or fails later in the walk.
      const c = check("ranges-model", Number(full[2]) === x.outCap && (!want.ok || want.value.length > x.outCap),
        () => `${x.op}: boot core stopped with "${got.message}" but the model's result fits: ${JSON.stringify(want, big)}`);
      return c ? { ok: false, kind: "invariant", message: c } : known;
    }
    const c = check("ranges-model", !want.ok && want.message === got.message,
      () => `${x.op}: boot core panicked "${got.message}", model gives ${JSON.stringify(want, big)}`);
    return c ? { ok: false, kind: "invariant", message: c } : known;
  }
  const capped = want.ok && x.outCap > 0 && want.value.length > x.outCap;
  const c = check("ranges-model", want.ok && !capped && same(got.value, want.value),
    () => `${x.op}: boot core gives ${JSON.stringify(got.ok && got.value, big)}, model gives ${JSON.stringify(want, big)}${capped ? ` (over capacity ${x.outCap})` : ""}`);
  return c ? { ok: false, kind: "invariant", message: c } : PASS;
}

function mutateList(l: R.TaggedRange[], rng: Rng): R.TaggedRange[] {
  const out = l.map((r) => ({ ...r }));
  const i = rng.below(Math.max(out.length, 1));
  switch (rng.below(5)) {
    case 0: if (out.length < MAX_LIST) out.splice(i, 0, { start: point(rng), end: 0n, tag: BigInt(rng.below(3)) }); break;
    case 1: out.splice(i, 1); break;
    case 2: if (out[i]) out[i]!.end = out[i]!.start + BigInt(rng.below(4)) * PAGE; break;
    case 3: if (out[i]) out[i]!.tag = BigInt(rng.below(3)); break;
    default: if (out[i] && out[i + 1]) [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
  }
  for (const r of out) {
    if (r.start > MAX_ADDRESS) r.start = MAX_ADDRESS;
    if (r.end > MAX_ADDRESS) r.end = MAX_ADDRESS;
    if (r.end < r.start) r.end = r.start;
  }
  return out;
}

/** The `ranges` target. */
export const rangesTarget: Target<RangesInput> = {
  name: "ranges",
  summary: "range-list operations (walk/overlap/subtract/flatten/merge) vs the TypeScript model",
  prepare(shim) {
    requireExports(shim, "ranges", ["range_walk", "range_overlapping", "range_subtract", "range_flatten", "range_merge_adjacent"]);
    shim.setLogging(false);
  },
  generate(rng) {
    return { op: rng.pick(RANGE_OPS), left: list(rng), right: list(rng), outCap: rng.chance(0.15) ? rng.int(1, 6) : 0 };
  },
  mutate(x, rng) {
    switch (rng.below(4)) {
      case 0: return { ...x, op: rng.pick(RANGE_OPS) };
      case 1: return { ...x, left: mutateList(x.left, rng) };
      case 2: return { ...x, right: mutateList(x.right, rng) };
      default: return { ...x, outCap: rng.chance(0.5) ? 0 : rng.int(1, 6) };
    }
  },
  encode: (x) => encodeJson(x),
  decode(bytes) {
    const x = decodeJson<RangesInput>(bytes);
    if (!RANGE_OPS.includes(x.op) || !Array.isArray(x.left) || !Array.isArray(x.right)) throw new Error("not a ranges input");
    return x;
  },
  run: judgeRanges,
  shrink: (x) => shrinkStructured(x, (c) => c.left.every(ok) && c.right.every(ok) && RANGE_OPS.includes(c.op) && c.outCap >= 0),
  reproducer: (x, id) => jsonReproducer("ranges", x, id),
};

/** The input domain of the range algebra: page-aligned, non-inverted ranges below MAX_ADDRESS. */
const ok = (r: R.TaggedRange): boolean =>
  r.start >= 0n && r.end >= r.start && r.end <= MAX_ADDRESS && r.start % PAGE === 0n && r.end % PAGE === 0n && r.tag !== undefined && r.tag >= 0n;
