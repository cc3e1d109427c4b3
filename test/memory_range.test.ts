import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import { Shim, ShimPanic } from "../host/wasm/loader.js";
import * as R from "../host/shim/memory_range.js";
import type { TaggedRange } from "../host/shim/memory_range.js";
import { MAX_ADDRESS, modelWalk, modelOverlapping, modelSubtract, modelFlatten, modelMerge, modelOutcome } from "../host/fuzz/model/ranges.js";
import { panicOf } from "./helpers/panic.js";

const KB = 1024n;
const MB = 1024n * KB;
const GB = 1024n * MB;
const U64_MAX = (1n << 64n) - 1n;

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

/** Builds a range list from [start, end] pairs. */
const rs = (...pairs: [bigint, bigint][]): TaggedRange[] => pairs.map(([start, end]) => ({ start, end }));
/** Ranges from 4K page-number pairs (upstream tests use from_4k_gpn_range). */
const gpns = (...pairs: [number, number][]): TaggedRange[] => pairs.map(([s, e]) => ({ start: BigInt(s) * 0x1000n, end: BigInt(e) * 0x1000n }));
/** Strips tags for comparisons of plain ranges. */
const plain = (list: { start: bigint; end: bigint }[]) => list.map(({ start, end }) => ({ start, end }));

/** Runs `f` against the boot core, returning its result or panic message (like modelOutcome). */
function shimOutcome<T>(f: () => T): { ok: true; value: T } | { ok: false; message: string } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof ShimPanic) return { ok: false, message: e.message };
    throw e;
  }
}

describe("MemoryRange::new / try_new", () => {
  it("accepts aligned ordered ends", () => {
    expect(R.newRange(shim, 0x1000n, 0x3000n)).toEqual({ start: 0x1000n, end: 0x3000n });
    expect(R.newRange(shim, MAX_ADDRESS, MAX_ADDRESS)).toEqual({ start: MAX_ADDRESS, end: MAX_ADDRESS });
  });
  it("panics with the assertion text of the failing check", () => {
    expect(panicOf(() => R.newRange(shim, 0x1001n, 0x3000n))).toBe("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
    expect(panicOf(() => R.newRange(shim, 0x1000n, 0x3001n))).toBe("assertion failed: range.end & (PAGE_SIZE - 1) == 0");
    expect(panicOf(() => R.newRange(shim, 0x3000n, 0x1000n))).toBe("assertion failed: range.start <= range.end");
  });
  it("try_new reports InvalidMemoryRange with both ends in hex", () => {
    expect(R.tryNewRange(shim, 0x2000n, 0x1000n)).toEqual({ ok: false, error: "unaligned or invalid memory range: 0x2000-0x1000" });
    expect(R.tryNewRange(shim, 0x10n, 0x1000n)).toEqual({ ok: false, error: "unaligned or invalid memory range: 0x10-0x1000" });
    expect(R.tryNewRange(shim, 0n, 0x1000n)).toEqual({ ok: true, range: { start: 0n, end: 0x1000n } });
  });
});

describe("MemoryRange::bounding / bounding_aligned / from_4k_gpn_range", () => {
  it("widens a byte range to whole pages", () => {
    expect(R.bounding(shim, 0x1234n, 0x5678n)).toEqual({ start: 0x1000n, end: 0x6000n });
    expect(R.bounding(shim, 0x1000n, 0x1000n)).toEqual({ start: 0x1000n, end: 0x1000n });
  });
  it("widens to a larger alignment", () => {
    expect(R.bounding(shim, 3n * MB, 5n * MB + 1n, 2n * MB)).toEqual({ start: 2n * MB, end: 6n * MB });
  });
  it("panics on reversed input, a non-power-of-two alignment, or an end in the last page", () => {
    expect(panicOf(() => R.bounding(shim, 2n, 1n))).toBe("assertion failed: range.start <= range.end");
    expect(panicOf(() => R.bounding(shim, 0n, 1n, 3n))).toBe("assertion failed: alignment.is_power_of_two()");
    expect(panicOf(() => R.bounding(shim, 0n, U64_MAX - 0x10n))).toBe("assertion failed: range.end <= u64::MAX - (alignment - 1)");
  });
  it("converts page numbers and rejects numbers whose address overflows", () => {
    expect(R.from4kGpnRange(shim, 1n, 3n)).toEqual({ start: 0x1000n, end: 0x3000n });
    const max = U64_MAX / 0x1000n;
    expect(R.from4kGpnRange(shim, max, max)).toEqual({ start: MAX_ADDRESS, end: MAX_ADDRESS });
    expect(panicOf(() => R.from4kGpnRange(shim, max + 1n, max + 1n))).toBe("assertion failed: range.start <= MAX");
    expect(panicOf(() => R.from4kGpnRange(shim, 0n, max + 1n))).toBe("assertion failed: range.end <= MAX");
    expect(panicOf(() => R.from4kGpnRange(shim, 2n, 1n))).toBe("assertion failed: range.start <= range.end");
  });
});

describe("MemoryRange accessors", () => {
  it("reports length, page numbers, page counts and the Display/Debug forms", () => {
    expect(R.rangeInfo(shim, 2n * MB + 0x1000n, 6n * MB + 0x1000n)).toEqual({
      len: 4n * MB, startGpn: 0x201n, endGpn: 0x601n, pageCount4k: 0x400n, pageCount2m: 2n,
      isEmpty: false, alignment: 0x1000n, display: "0x201000-0x601000",
      debug: "MemoryRange { start: 2101248, end: 6295552 }",
    });
    expect(R.rangeInfo(shim, 0n, 2n * MB + 0x1000n).pageCount2m).toBe(2n);
    expect(R.rangeInfo(shim, 0x5000n, 0x5000n).isEmpty).toBe(true);
  });
  it("alignment of 0..0 wraps to 1 as the release build's shift does", () => {
    expect(R.rangeInfo(shim, 0n, 0n).alignment).toBe(1n);
  });
  it("answers overlaps, contains and intersection", () => {
    const a = { start: 0x1000n, end: 0x5000n };
    expect(R.rangePair(shim, a, { start: 0x4000n, end: 0x8000n })).toEqual({ overlaps: true, contains: false, intersection: { start: 0x4000n, end: 0x5000n } });
    expect(R.rangePair(shim, a, { start: 0x5000n, end: 0x8000n })).toEqual({ overlaps: false, contains: false, intersection: { start: 0x5000n, end: 0x5000n } });
    expect(R.rangePair(shim, a, { start: 0x9000n, end: 0xa000n })).toEqual({ overlaps: false, contains: false, intersection: { start: 0n, end: 0n } });
    expect(R.rangePair(shim, a, { start: 0x2000n, end: 0x3000n })).toEqual({ overlaps: true, contains: true, intersection: { start: 0x2000n, end: 0x3000n } });
  });
  it("offset_of is None outside the range, including at its end", () => {
    const a = { start: 0x1000n, end: 0x5000n };
    expect(R.rangeAddr(shim, a, 0x1234n)).toEqual({ containsAddr: true, offsetOf: 0x234n });
    expect(R.rangeAddr(shim, a, 0x5000n)).toEqual({ containsAddr: false, offsetOf: null });
    expect(R.rangeAddr(shim, a, 0xfffn)).toEqual({ containsAddr: false, offsetOf: null });
  });
  it("split_at_offset splits at a page boundary and panics otherwise", () => {
    const a = { start: 0x1000n, end: 0x5000n };
    expect(R.splitAtOffset(shim, a, 0x2000n)).toEqual([{ start: 0x1000n, end: 0x3000n }, { start: 0x3000n, end: 0x5000n }]);
    expect(R.splitAtOffset(shim, a, 0x4000n)).toEqual([a, { start: 0x5000n, end: 0x5000n }]);
    expect(panicOf(() => R.splitAtOffset(shim, a, 0x5000n))).toBe("assertion failed: offset <= self.len()");
    expect(panicOf(() => R.splitAtOffset(shim, a, 0x800n))).toBe("assertion failed: offset.is_multiple_of(PAGE_SIZE)");
  });
});

describe("MemoryRange::aligned_subrange", () => {
  it("shrinks to the largest aligned subrange (upstream test_aligned_subrange)", () => {
    const cases: [bigint, bigint, bigint, bigint, bigint][] = [
      [0n, 0n, MB, 0n, 0n],
      [0n, MB, MB, 0n, MB],
      [4n * KB, MB + 4n * KB, MB, MB, MB],
      [MB, 5n * MB, 2n * MB, 2n * MB, 4n * MB],
    ];
    for (const [s, e, align, es, ee] of cases) {
      expect(R.alignedSubrange(shim, { start: s, end: e }, align)).toEqual({ start: es, end: ee });
    }
  });
  it("is empty (0..0) when no aligned page fits", () => {
    expect(R.alignedSubrange(shim, { start: 0x1000n, end: 0x3000n }, 2n * MB)).toEqual({ start: 0n, end: 0n });
  });
  it("panics on a non-power-of-two alignment", () => {
    expect(panicOf(() => R.alignedSubrange(shim, { start: 0n, end: MB }, 0x3000n))).toBe("assertion failed: alignment.is_power_of_two()");
  });
});

describe("AlignedSubranges", () => {
  const pieces = (start: bigint, end: bigint, offset = 0n) => R.alignedSubranges(shim, { start, end }, { offset });
  // upstream test_align, one case per bracket of its table
  it("keeps a single 4K page whole", () => {
    expect(pieces(0n, 4n * KB)).toEqual([{ start: 0n, end: 4n * KB, alignment: 1n << 12n }]);
  });
  it("keeps one 2M page and one 1G page whole", () => {
    expect(pieces(0n, 2n * MB)).toEqual([{ start: 0n, end: 2n * MB, alignment: 1n << 21n }]);
    expect(pieces(0n, GB)).toEqual([{ start: 0n, end: GB, alignment: 1n << 30n }]);
  });
  it("splits 2M-aligned bulk from a 4K tail", () => {
    expect(pieces(6n * MB, 12n * MB + 4n * KB)).toEqual([
      { start: 6n * MB, end: 12n * MB, alignment: 2n * MB },
      { start: 12n * MB, end: 12n * MB + 4n * KB, alignment: 1n << 12n },
    ]);
  });
  it("splits an unaligned head and tail around 2M pages", () => {
    expect(pieces(5n * MB + 400n * KB, 12n * MB + 400n * KB)).toEqual([
      { start: 5n * MB + 400n * KB, end: 6n * MB, alignment: 1n << 14n },
      { start: 6n * MB, end: 12n * MB, alignment: 2n * MB },
      { start: 12n * MB, end: 12n * MB + 400n * KB, alignment: 1n << 14n },
    ]);
  });
  it("uses a 1G page in the middle of a 2 GB span", () => {
    expect(pieces(GB + 501n * MB, 3n * GB + 503n * MB)).toEqual([
      { start: GB + 501n * MB, end: GB + 502n * MB, alignment: 1n << 20n },
      { start: GB + 502n * MB, end: 2n * GB, alignment: 1n << 21n },
      { start: 2n * GB, end: 3n * GB, alignment: 1n << 30n },
      { start: 3n * GB, end: 3n * GB + 502n * MB, alignment: 1n << 21n },
      { start: 3n * GB + 502n * MB, end: 3n * GB + 503n * MB, alignment: 1n << 20n },
    ]);
  });
  it("aligns relative to an offset", () => {
    const s = 4n * MB + 8n * KB;
    const e = 6n * MB + 8n * KB;
    expect(pieces(s, e, 2n * MB - 8n * KB)).toEqual([{ start: s, end: e, alignment: 2n * MB }]);
    expect(pieces(s, e, 0n)).toEqual([{ start: s, end: e, alignment: 1n << 13n }]);
  });
  it("limits pieces to the maximum length", () => {
    expect(R.alignedSubranges(shim, { start: 0n, end: 4n * MB }, { maxLen: MB }).map((p) => p.end)).toEqual([MB, 2n * MB, 3n * MB, 4n * MB]);
  });
  it("property: pieces tile the range in order and never straddle a 2M boundary they could align to", () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 1n << 20n), fc.bigInt(0n, 1n << 20n), fc.bigInt(0n, 1n << 22n), (a, len, off) => {
        const start = a * 0x1000n;
        const end = start + len * 0x1000n;
        const offset = off * 0x1000n;
        const ps = pieces(start, end, offset);
        let at = start;
        for (const p of ps) {
          expect(p.start).toBe(at);
          expect(p.end > p.start).toBe(true);
          at = p.end;
        }
        expect(at).toBe(end);
      }),
      { numRuns: 200 },
    );
  });
});

describe("walk_ranges", () => {
  it("labels each piece with the side(s) and tags holding it (upstream doc example)", () => {
    const left = [{ start: 0x100000n, end: 0x400000n, tag: 1n }, { start: 0x800000n, end: 0xc00000n, tag: 2n }];
    const right = [{ start: 0x200000n, end: 0x900000n, tag: 1000n }, { start: 0x900000n, end: 0xa00000n, tag: 2000n }];
    expect(R.walkRanges(shim, left, right)).toEqual([
      { start: 0n, end: 0x100000n, kind: "Neither", leftTag: 0n, rightTag: 0n },
      { start: 0x100000n, end: 0x200000n, kind: "Left", leftTag: 1n, rightTag: 0n },
      { start: 0x200000n, end: 0x400000n, kind: "Both", leftTag: 1n, rightTag: 1000n },
      { start: 0x400000n, end: 0x800000n, kind: "Right", leftTag: 0n, rightTag: 1000n },
      { start: 0x800000n, end: 0x900000n, kind: "Both", leftTag: 2n, rightTag: 1000n },
      { start: 0x900000n, end: 0xa00000n, kind: "Both", leftTag: 2n, rightTag: 2000n },
      { start: 0xa00000n, end: 0xc00000n, kind: "Left", leftTag: 2n, rightTag: 0n },
      { start: 0xc00000n, end: MAX_ADDRESS, kind: "Neither", leftTag: 0n, rightTag: 0n },
    ]);
  });
  it("covers the whole address space with one Neither piece for empty inputs", () => {
    expect(R.walkRanges(shim, [], [])).toEqual([{ start: 0n, end: MAX_ADDRESS, kind: "Neither", leftTag: 0n, rightTag: 0n }]);
  });
  it("ends at MAX_ADDRESS without looking at ranges after one that reaches it", () => {
    // upstream stops iterating at MAX_ADDRESS, so the out-of-order range after it is never checked
    expect(R.walkRanges(shim, rs([0x1000n, MAX_ADDRESS], [0n, 0x1000n]), [])).toEqual([
      { start: 0n, end: 0x1000n, kind: "Neither", leftTag: 0n, rightTag: 0n },
      { start: 0x1000n, end: MAX_ADDRESS, kind: "Left", leftTag: 0n, rightTag: 0n },
    ]);
  });
  it("skips an out-of-order empty range that comes before the walk reaches anything", () => {
    expect(plain(R.walkRanges(shim, rs([4n * MB, 4n * MB], [0n, MB]), []))).toEqual([
      { start: 0n, end: MB },
      { start: MB, end: MAX_ADDRESS },
    ]);
  });
  it("panics for a full output walk with its capacity", () => {
    expect(panicOf(() => R.walkRanges(shim, rs([MB, 2n * MB]), [], { outCap: 2 }))).toBe(
      "RangeWalk full: walk produces more than its capacity of 2 ranges",
    );
  });
  it("checks the left list before the right one at the same position", () => {
    expect(panicOf(() => R.walkRanges(shim, rs([MB, 2n * MB], [0n, MB]), rs([MB, 2n * MB], [0n, MB])))).toBe("left not sorted");
    expect(panicOf(() => R.walkRanges(shim, rs([MB, 4n * MB], [2n * MB, 3n * MB]), rs([0n, MB], [0n, MB])))).toBe("right not sorted");
  });
  it("rejects an unaligned input range with MemoryRange::new's assertion", () => {
    expect(panicOf(() => R.walkRanges(shim, rs([0x800n, 0x1000n]), []))).toBe("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
  });
});

// the shared left/right lists of upstream test_overlapping_ranges and test_subtract_ranges
const LEFT = rs([0n, 4n * MB], [8n * MB, 12n * MB], [12n * MB, 12n * MB], [16n * MB, 20n * MB], [24n * MB, 32n * MB], [40n * MB, 48n * MB]);
const RIGHT = rs([2n * MB, 6n * MB], [10n * MB, 11n * MB], [11n * MB, 11n * MB], [11n * MB, 13n * MB], [15n * MB, 22n * MB], [26n * MB, 30n * MB]);

describe("overlapping_ranges", () => {
  it("yields the parts in both lists, split where a right range ends (upstream test)", () => {
    expect(plain(R.overlappingRanges(shim, LEFT, RIGHT))).toEqual(
      rs([2n * MB, 4n * MB], [10n * MB, 11n * MB], [11n * MB, 12n * MB], [16n * MB, 20n * MB], [26n * MB, 30n * MB]),
    );
  });
  it("panics 'left not sorted' when left goes backwards", () => {
    expect(panicOf(() => R.overlappingRanges(shim, rs([MB, 2n * MB], [0n, MB]), rs([3n * MB, 4n * MB])))).toBe("left not sorted");
  });
  it("panics 'right not sorted' when right repeats a range", () => {
    expect(panicOf(() => R.overlappingRanges(shim, rs([MB, 2n * MB], [3n * MB, 4n * MB]), rs([0n, MB], [0n, MB])))).toBe("right not sorted");
  });
  it("keeps the left tag on each overlap", () => {
    expect(R.overlappingRanges(shim, [{ start: 0n, end: 4n * MB, tag: 7n }], rs([MB, 2n * MB]))).toEqual([{ start: MB, end: 2n * MB, tag: 7n }]);
  });
});

describe("subtract_ranges", () => {
  it("yields the parts of left not in right (upstream test)", () => {
    expect(plain(R.subtractRanges(shim, LEFT, RIGHT))).toEqual(
      rs([0n, 2n * MB], [8n * MB, 10n * MB], [24n * MB, 26n * MB], [30n * MB, 32n * MB], [40n * MB, 48n * MB]),
    );
  });
  it("panics 'left not sorted' when left goes backwards", () => {
    expect(panicOf(() => R.subtractRanges(shim, rs([MB, 2n * MB], [0n, MB]), rs([MB, 2n * MB])))).toBe("left not sorted");
  });
  it("panics 'right not sorted' when right repeats a range", () => {
    expect(panicOf(() => R.subtractRanges(shim, rs([MB, 2n * MB], [3n * MB, 4n * MB]), rs([MB, 2n * MB], [MB, 2n * MB])))).toBe("right not sorted");
  });
  it("panics with the capacity when the output list is full", () => {
    expect(panicOf(() => R.subtractRanges(shim, LEFT, RIGHT, { outCap: 3 }))).toBe(
      "RangeList full: output needs more than its capacity of 3 ranges",
    );
  });
});

describe("flatten_ranges", () => {
  it("merges overlapping and touching ranges (upstream test)", () => {
    expect(plain(R.flattenRanges(shim, gpns([0, 4], [5, 7], [6, 11], [13, 20], [20, 25], [22, 24], [35, 36])))).toEqual(
      plain(gpns([0, 4], [5, 11], [13, 25], [35, 36])),
    );
  });
  it("merges duplicates and contained ranges (upstream doc example)", () => {
    expect(plain(R.flattenRanges(shim, rs([0x1000n, 0x2000n], [0x2000n, 0x5000n], [0x4000n, 0x6000n], [0x5000n, 0x6000n], [0x8000n, 0x9000n])))).toEqual(
      rs([0x1000n, 0x6000n], [0x8000n, 0x9000n]),
    );
  });
  it("panics 'ranges are not sorted' when a start goes backwards (upstream test)", () => {
    expect(panicOf(() => R.flattenRanges(shim, gpns([0, 4], [5, 7], [3, 8])))).toBe("ranges are not sorted");
  });
  it("keeps a lone empty range", () => {
    expect(plain(R.flattenRanges(shim, rs([0x3000n, 0x3000n], [0x5000n, 0x6000n])))).toEqual(rs([0x3000n, 0x3000n], [0x5000n, 0x6000n]));
  });
});

describe("merge_adjacent_ranges", () => {
  it("joins touching ranges of the same tag only (upstream test)", () => {
    const RED = 0n;
    const BLUE = 1n;
    const input = gpns([0, 4], [5, 7], [7, 11], [11, 12], [13, 20], [20, 25], [35, 36]).map((r, i) => ({ ...r, tag: [RED, RED, RED, BLUE, RED, RED, BLUE][i]! }));
    const want = gpns([0, 4], [5, 11], [11, 12], [13, 25], [35, 36]).map((r, i) => ({ ...r, tag: [RED, RED, BLUE, RED, BLUE][i]! }));
    expect(R.mergeAdjacentRanges(shim, input)).toEqual(want);
  });
  it("panics 'ranges are not sorted' when a start goes backwards (upstream test)", () => {
    expect(panicOf(() => R.mergeAdjacentRanges(shim, gpns([0, 4], [5, 7], [3, 8])))).toBe("ranges are not sorted");
  });
  it("panics 'ranges overlap' when a range starts inside the previous one (upstream test)", () => {
    expect(panicOf(() => R.mergeAdjacentRanges(shim, gpns([0, 6], [5, 7], [9, 12])))).toBe("ranges overlap");
  });
});

// ---- property tests against the TypeScript model ----

const PAGES_MAX = MAX_ADDRESS / 0x1000n;

/** Sorted range lists in page units: touching neighbours, empties, and lists ending at MAX_ADDRESS. */
const sortedList = fc
  .record({
    nearTop: fc.boolean(),
    steps: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(0n), fc.bigInt(0n, 3n), fc.bigInt(0n, 1n << 40n)),
        len: fc.oneof(fc.constant(0n), fc.bigInt(1n, 3n), fc.bigInt(0n, 1n << 40n)),
        tag: fc.bigInt(0n, 2n),
      }),
      { maxLength: 8 },
    ),
    toTop: fc.boolean(),
  })
  .map(({ nearTop, steps, toTop }) => {
    let at = nearTop ? PAGES_MAX - 20n : 0n;
    const out: TaggedRange[] = [];
    for (const s of steps) {
      const start = at + s.gap;
      const end = start + s.len;
      if (end > PAGES_MAX) break;
      out.push({ start: start * 0x1000n, end: end * 0x1000n, tag: s.tag });
      at = end;
    }
    if (toTop && out.length > 0) out[out.length - 1]!.end = MAX_ADDRESS;
    return out;
  });

/** Arbitrary (possibly unsorted, overlapping) small lists, to compare panics. */
const anyList = fc.array(
  fc.record({ a: fc.integer({ min: 0, max: 12 }), len: fc.integer({ min: 0, max: 4 }), tag: fc.bigInt(0n, 1n) }).map(({ a, len, tag }) => ({
    start: BigInt(a) * 0x1000n,
    end: BigInt(a + len) * 0x1000n,
    tag,
  })),
  { maxLength: 6 },
);

const RUNS = { numRuns: 300 };

describe("range algebra properties (boot core vs TypeScript model)", () => {
  it("walk_ranges matches the boundary partition on sorted lists", () => {
    fc.assert(fc.property(sortedList, sortedList, (l, r) => {
      expect(R.walkRanges(shim, l, r)).toEqual(modelWalk(l, r));
    }), RUNS);
  });
  it("walk_ranges panics exactly when and how the model does on arbitrary lists", () => {
    fc.assert(fc.property(anyList, anyList, (l, r) => {
      expect(shimOutcome(() => R.walkRanges(shim, l, r))).toEqual(modelOutcome(() => modelWalk(l, r)));
    }), RUNS);
  });
  it("overlapping_ranges and subtract_ranges match the model", () => {
    fc.assert(fc.property(fc.oneof(sortedList, anyList), fc.oneof(sortedList, anyList), (l, r) => {
      expect(shimOutcome(() => R.overlappingRanges(shim, l, r))).toEqual(modelOutcome(() => modelOverlapping(l, r)));
      expect(shimOutcome(() => R.subtractRanges(shim, l, r))).toEqual(modelOutcome(() => modelSubtract(l, r)));
    }), RUNS);
  });
  it("subtract and overlap partition the non-empty left ranges", () => {
    fc.assert(fc.property(sortedList, sortedList, (l, r) => {
      const pieces = [...R.subtractRanges(shim, l, r), ...R.overlappingRanges(shim, l, r)].sort((a, b) => (a.start < b.start ? -1 : 1));
      const bytes = (xs: { start: bigint; end: bigint }[]) => xs.reduce((n, x) => n + (x.end - x.start), 0n);
      expect(bytes(pieces)).toBe(bytes(l));
      for (let i = 1; i < pieces.length; i++) expect(pieces[i]!.start >= pieces[i - 1]!.end).toBe(true);
      for (const p of R.subtractRanges(shim, l, r)) for (const q of r) expect(p.end <= q.start || p.start >= q.end || q.start === q.end).toBe(true);
    }), RUNS);
  });
  it("flatten_ranges matches the model, including its panics", () => {
    fc.assert(fc.property(fc.oneof(sortedList, anyList), (l) => {
      expect(shimOutcome(() => R.flattenRanges(shim, l))).toEqual(modelOutcome(() => modelFlatten(l)));
    }), RUNS);
  });
  it("merge_adjacent_ranges matches the model, including its panics", () => {
    fc.assert(fc.property(fc.oneof(sortedList, anyList), (l) => {
      expect(shimOutcome(() => R.mergeAdjacentRanges(shim, l))).toEqual(modelOutcome(() => modelMerge(l)));
    }), RUNS);
  });
  it("the instance does not grow memory over many range calls", () => {
    R.subtractRanges(shim, LEFT, RIGHT);
    const before = shim.memoryBytes();
    for (let i = 0; i < 2000; i++) R.walkRanges(shim, LEFT, RIGHT);
    expect(shim.memoryBytes()).toBe(before);
  });
});
