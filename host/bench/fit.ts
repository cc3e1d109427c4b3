//! Scaling fits: least squares on log-log data gives the exponent of cost against size (1 =
//! linear); a phase whose exponent exceeds SUPERLINEAR_EXPONENT is flagged.
// Ports: none (benchmark support)

/** Exponents above this are flagged as growing faster than linearly. */
export const SUPERLINEAR_EXPONENT = 1.15;

/** A fitted power law `y ≈ coefficient · x^exponent`. */
export interface PowerFit {
  exponent: number;
  coefficient: number;
  /** Coefficient of determination of the log-log line (1 = perfect). */
  r2: number;
  points: number;
}

/**
 * Fits `y = c · x^k` by least squares on (ln x, ln y). Points with x or y not positive are ignored;
 * null when fewer than two distinct x remain.
 */
export function fitPowerLaw(points: readonly { x: number; y: number }[]): PowerFit | null {
  const p = points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x) && Number.isFinite(q.y));
  if (p.length < 2) return null;
  const lx = p.map((q) => Math.log(q.x));
  const ly = p.map((q) => Math.log(q.y));
  const n = p.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i]! - mx) ** 2;
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    syy += (ly[i]! - my) ** 2;
  }
  if (sxx === 0) return null;
  const exponent = sxy / sxx;
  const intercept = my - exponent * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { exponent, coefficient: Math.exp(intercept), r2, points: n };
}

/**
 * The exponent of the cost growth over the large end of the data: fixed per-call overhead
 * flattens small sizes, so only points with x ≥ `minX` are fitted (all points if fewer than 3).
 */
export function fitTail(points: readonly { x: number; y: number }[], minX: number): PowerFit | null {
  const tail = points.filter((q) => q.x >= minX);
  return fitPowerLaw(tail.length >= 3 ? tail : points);
}
