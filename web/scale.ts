//! Address scale of the playground map: gap-compressed, log-weighted, piecewise linear.
// Ports: none (presentation of the guest physical address space)
//
// Guest physical address spaces are huge and sparse: a 4 KiB config page sits next to 64 GiB of
// RAM and a 60 TiB hole. A linear axis would draw every VTL2 range as nothing. This scale cuts the
// domain at every range boundary into pieces; a piece covered by some range gets a width weight of
// 1 + log2(pages) (pages of 4 KiB, at least 1), a piece that no range covers (a gap) gets the
// fixed weight GAP_WEIGHT and is drawn with a break mark. Every piece first gets MIN_PIECE_PX (when
// the width allows it), the rest of the width is shared in proportion to the weights. Inside a
// piece the scale is linear, so it is monotonic and invertible; any range (even one page) is at
// least MIN_PIECE_PX plus one weight unit wide, and a larger covered piece is never narrower than
// a smaller one.

/** Page size the weights count in. */
export const PAGE = 0x1000n;
/** Width weight of a piece no range covers (compressed gap). */
export const GAP_WEIGHT = 1.5;
/** Width every piece gets before the weighted share (dropped when the pieces do not fit). */
export const MIN_PIECE_PX = 4;

/** One piece of the domain between two consecutive boundaries. */
export interface Piece {
  start: bigint;
  end: bigint;
  /** Some range covers it (false: a compressed gap). */
  covered: boolean;
  x0: number;
  x1: number;
}

/** A piecewise scale from [lo, hi) onto [0, width]. */
export interface Scale {
  lo: bigint;
  hi: bigint;
  width: number;
  pieces: Piece[];
}

/** log2 of a bigint (fractional, good to ~1e-12 relative). */
export function log2Big(v: bigint): number {
  if (v <= 0n) return -Infinity;
  const bits = v.toString(2).length;
  if (bits <= 52) return Math.log2(Number(v));
  const shift = BigInt(bits - 52);
  return Math.log2(Number(v >> shift)) + Number(shift);
}

/** Width weight of a piece of `size` bytes: covered 1 + log2(pages), gap GAP_WEIGHT. */
export function pieceWeight(size: bigint, covered: boolean): number {
  if (!covered) return GAP_WEIGHT;
  const pages = size / PAGE;
  return 1 + (pages > 1n ? log2Big(pages) : 0);
}

/**
 * Builds the scale over [lo, hi) for `ranges` (each clipped to the domain; empty ones ignored).
 * Throws when the domain is empty.
 */
export function buildScale(ranges: { start: bigint; end: bigint }[], lo: bigint, hi: bigint, width: number): Scale {
  if (hi <= lo) throw new Error(`empty scale domain [${lo.toString(16)}, ${hi.toString(16)})`);
  const cuts = new Set<bigint>([lo, hi]);
  const clipped: { start: bigint; end: bigint }[] = [];
  for (const r of ranges) {
    const s = r.start < lo ? lo : r.start;
    const e = r.end > hi ? hi : r.end;
    if (s >= e) continue;
    clipped.push({ start: s, end: e });
    cuts.add(s);
    cuts.add(e);
  }
  const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // coverage by a sweep over the sorted, clipped ranges
  clipped.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const pieces: Piece[] = [];
  const weights: number[] = [];
  let j = 0;
  let reach = lo; // furthest end among ranges starting at or before the current piece
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i], end = sorted[i + 1];
    while (j < clipped.length && clipped[j].start <= start) {
      if (clipped[j].end > reach) reach = clipped[j].end;
      j++;
    }
    const covered = reach > start;
    pieces.push({ start, end, covered, x0: 0, x1: 0 });
    weights.push(pieceWeight(end - start, covered));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const floor = pieces.length * MIN_PIECE_PX * 2 <= width ? MIN_PIECE_PX : 0;
  const shared = width - floor * pieces.length;
  let x = 0;
  for (let i = 0; i < pieces.length; i++) {
    pieces[i].x0 = x;
    x += floor + (weights[i] / total) * shared;
    pieces[i].x1 = i === pieces.length - 1 ? width : x;
  }
  return { lo, hi, width, pieces };
}

/** Index of the piece containing `a` (the last piece for a == hi). */
function pieceAt(s: Scale, a: bigint): number {
  let l = 0, h = s.pieces.length - 1;
  while (l < h) {
    const m = (l + h + 1) >> 1;
    if (s.pieces[m].start <= a) l = m;
    else h = m - 1;
  }
  return l;
}

/** Fraction num/den of two bigints as a number in [0, 1]. */
function frac(num: bigint, den: bigint): number {
  return Number((num * 1_000_000_000n) / den) / 1e9;
}

/** Maps an address to x (clamped to the domain). */
export function toX(s: Scale, a: bigint): number {
  if (a <= s.lo) return 0;
  if (a >= s.hi) return s.width;
  const p = s.pieces[pieceAt(s, a)];
  return p.x0 + (p.x1 - p.x0) * frac(a - p.start, p.end - p.start);
}

/** Maps x back to an address, rounded down to a page (clamped to the domain). */
export function fromX(s: Scale, x: number): bigint {
  if (x <= 0) return s.lo;
  if (x >= s.width) return s.hi;
  let p = s.pieces[s.pieces.length - 1];
  for (const q of s.pieces) {
    if (x < q.x1) {
      p = q;
      break;
    }
  }
  const f = p.x1 > p.x0 ? (x - p.x0) / (p.x1 - p.x0) : 0;
  const a = p.start + ((p.end - p.start) * BigInt(Math.round(f * 1e9))) / 1_000_000_000n;
  const paged = (a / PAGE) * PAGE;
  return paged < s.lo ? s.lo : paged;
}
