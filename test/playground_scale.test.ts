import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { buildScale, toX, fromX, log2Big, pieceWeight, GAP_WEIGHT, MIN_PIECE_PX, PAGE } from "../web/scale.js";

describe("log2Big", () => {
  it("is exact at powers of two, also beyond 2^53", () => {
    expect(log2Big(1n)).toBe(0);
    expect(log2Big(0x1000n)).toBe(12);
    expect(log2Big(1n << 63n)).toBe(63);
    expect(log2Big((1n << 64n) - 1n)).toBeCloseTo(64, 9);
  });
  it("is -Infinity for zero", () => {
    expect(log2Big(0n)).toBe(-Infinity);
  });
});

describe("pieceWeight", () => {
  it("weighs a covered piece 1 + log2(pages) and a gap GAP_WEIGHT", () => {
    expect(pieceWeight(0x1000n, true)).toBe(1);
    expect(pieceWeight(0x800n, true)).toBe(1); // less than a page still counts one unit
    expect(pieceWeight(0x1_0000_0000n, true)).toBe(21); // 4 GiB = 2^20 pages
    expect(pieceWeight(0x1_0000_0000n, false)).toBe(GAP_WEIGHT);
  });
});

describe("buildScale", () => {
  it("cuts the domain at every boundary and marks uncovered pieces as gaps", () => {
    const s = buildScale(
      [{ start: 0n, end: 0x1000n }, { start: 0x10_0000n, end: 0x1_0010_0000n }],
      0n, 0x1_0010_0000n, 1000,
    );
    expect(s.pieces.map((p) => [p.start, p.end, p.covered])).toEqual([
      [0n, 0x1000n, true],
      [0x1000n, 0x10_0000n, false],
      [0x10_0000n, 0x1_0010_0000n, true],
    ]);
    // 4 px each, the remaining 988 px shared by weights 1, 1.5, 21
    const total = 1 + GAP_WEIGHT + 21;
    const rest = 1000 - 3 * MIN_PIECE_PX;
    expect(s.pieces[0].x1 - s.pieces[0].x0).toBeCloseTo(MIN_PIECE_PX + rest / total, 9);
    expect(s.pieces[1].x1 - s.pieces[1].x0).toBeCloseTo(MIN_PIECE_PX + (rest * GAP_WEIGHT) / total, 9);
    expect(s.pieces[2].x1).toBe(1000);
  });

  it("clips ranges to the domain (zoom window)", () => {
    const s = buildScale([{ start: 0n, end: 0x10000n }], 0x4000n, 0x8000n, 100);
    expect(s.pieces).toHaveLength(1);
    expect(s.pieces[0]).toMatchObject({ start: 0x4000n, end: 0x8000n, covered: true, x0: 0, x1: 100 });
  });

  it("treats overlapping ranges as one coverage", () => {
    const s = buildScale([{ start: 0n, end: 0x10000n }, { start: 0x2000n, end: 0x3000n }], 0n, 0x10000n, 100);
    expect(s.pieces.every((p) => p.covered)).toBe(true);
    expect(s.pieces.map((p) => p.start)).toEqual([0n, 0x2000n, 0x3000n]);
  });

  it("rejects an empty domain with a message", () => {
    expect(() => buildScale([], 0x10n, 0x10n, 100)).toThrow("empty scale domain [10, 10)");
  });

  it("keeps a one-page range visible next to terabytes", () => {
    const s = buildScale(
      [{ start: 0n, end: 0x1000n }, { start: 0x1000n, end: 0x100_0000_0000n }],
      0n, 0x100_0000_0000n, 1000,
    );
    // 1 TiB - 4 KiB = 2^28 - 1 pages: weight ~29 vs 1 — the page gets ~33 px (linear: 4e-6 px)
    expect(toX(s, 0x1000n)).toBeCloseTo(MIN_PIECE_PX + (1000 - 2 * MIN_PIECE_PX) / (2 + Math.log2(2 ** 28 - 1)), 9);
    expect(toX(s, 0x1000n)).toBeGreaterThan(36);
  });

  it("drops the per-piece minimum when the pieces do not fit", () => {
    const ranges = Array.from({ length: 200 }, (_, i) => ({ start: BigInt(i) * 0x2000n, end: BigInt(i) * 0x2000n + 0x1000n }));
    const s = buildScale(ranges, 0n, 200n * 0x2000n - 0x1000n, 1000);
    expect(s.pieces).toHaveLength(399);
    // 200 one-page ranges (weight 1) and 199 gaps (weight 1.5): no floor, pure weights
    expect(s.pieces[0].x1).toBeCloseTo(1000 / (200 + 199 * GAP_WEIGHT), 9);
  });
});

const rangesArb = fc
  .array(fc.tuple(fc.bigInt({ min: 0n, max: 1n << 48n }), fc.bigInt({ min: 1n, max: 1n << 40n })), { minLength: 1, maxLength: 30 })
  .map((l) => l.map(([s, n]) => ({ start: s * PAGE, end: s * PAGE + n * PAGE })));

describe("toX / fromX properties", () => {
  it("toX is monotonic and maps the domain onto [0, width]", () => {
    fc.assert(
      fc.property(rangesArb, fc.array(fc.bigInt({ min: 0n, max: 1n << 61n }), { minLength: 2, maxLength: 20 }), (ranges, addrs) => {
        const lo = ranges.reduce((m, r) => (r.start < m ? r.start : m), ranges[0].start);
        const hi = ranges.reduce((m, r) => (r.end > m ? r.end : m), ranges[0].end);
        const s = buildScale(ranges, lo, hi, 1000);
        expect(toX(s, lo)).toBe(0);
        expect(toX(s, hi)).toBe(1000);
        const sorted = [...addrs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (let i = 1; i < sorted.length; i++) expect(toX(s, sorted[i])).toBeGreaterThanOrEqual(toX(s, sorted[i - 1]));
      }),
      { numRuns: 200 },
    );
  });

  it("gives every range at least the minimum plus one weight unit of width", () => {
    fc.assert(
      fc.property(rangesArb, (ranges) => {
        const lo = ranges.reduce((m, r) => (r.start < m ? r.start : m), ranges[0].start);
        const hi = ranges.reduce((m, r) => (r.end > m ? r.end : m), ranges[0].end);
        const s = buildScale(ranges, lo, hi, 1000);
        const total = s.pieces.reduce((a, p) => a + pieceWeight(p.end - p.start, p.covered), 0);
        const floor = s.pieces.length * MIN_PIECE_PX * 2 <= 1000 ? MIN_PIECE_PX : 0;
        const unit = (1000 - floor * s.pieces.length) / total;
        for (const r of ranges) expect(toX(s, r.end) - toX(s, r.start)).toBeGreaterThanOrEqual(floor + unit - 1e-9);
      }),
      { numRuns: 200 },
    );
  });

  it("fromX inverts toX to within a page for pieces up to 1 TiB", () => {
    fc.assert(
      fc.property(rangesArb, fc.nat(), (ranges, pick) => {
        const lo = ranges.reduce((m, r) => (r.start < m ? r.start : m), ranges[0].start);
        const hi = ranges.reduce((m, r) => (r.end > m ? r.end : m), ranges[0].end);
        const s = buildScale(ranges, lo, hi, 1000);
        const p = s.pieces[pick % s.pieces.length];
        if (p.end - p.start > 1n << 40n) return;
        const a = p.start + (((p.end - p.start) / PAGE) * PAGE) / 2n;
        const back = fromX(s, toX(s, a));
        const d = back > a ? back - a : a - back;
        expect(d).toBeLessThanOrEqual(PAGE);
      }),
      { numRuns: 200 },
    );
  });
});
