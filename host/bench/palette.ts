//! Distinct colours for many series: the Okabe-Ito colour-blind-safe palette first, then colours
//! chosen greedily to be as far as possible (CIELAB distance) from every colour already taken, so
//! 64 series (bench plots, NUMA nodes in the playground map) each get their own colour.
// Ports: none (presentation)

/** Okabe & Ito's palette (distinguishable with the common colour vision deficiencies). */
export const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"] as const;

/** Colours in the palette (the largest count of series it distinguishes). */
export const PALETTE_SIZE = 64;

/** CIELAB (D65) of an sRGB colour `#rrggbb`. */
export function lab(hex: string): [number, number, number] {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  const [r, g, b] = c as [number, number, number];
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference of two `#rrggbb` colours. */
export function deltaE(a: string, b: string): number {
  const p = lab(a);
  const q = lab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** Relative luminance (0 black … 1 white) of `#rrggbb`, to pick a readable label colour. */
export function luminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
}

/** Black or white, whichever reads better on `hex`. */
export function textOn(hex: string): string {
  return luminance(hex) > 0.36 ? "#000000" : "#ffffff";
}

let cached: string[] | null = null;

/**
 * The palette: Okabe-Ito, then farthest-point picks from a 16-level sRGB grid (too light or too
 * dark candidates left out, as they vanish on the white page or under black labels).
 */
export function palette(): readonly string[] {
  if (cached) return cached;
  const chosen: string[] = [...OKABE_ITO];
  const labs = chosen.map(lab);
  const cand: { hex: string; lab: [number, number, number]; d: number }[] = [];
  const h2 = (v: number) => v.toString(16).padStart(2, "0");
  for (let r = 0; r < 256; r += 17) for (let g = 0; g < 256; g += 17) for (let b = 0; b < 256; b += 17) {
    const hex = `#${h2(r)}${h2(g)}${h2(b)}`.toUpperCase();
    const l = lab(hex);
    if (l[0] > 88 || l[0] < 18) continue;
    cand.push({ hex, lab: l, d: Infinity });
  }
  const dist = (p: number[], q: number[]) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
  for (const c of cand) for (const l of labs) c.d = Math.min(c.d, dist(c.lab, l));
  while (chosen.length < PALETTE_SIZE) {
    let best = cand[0]!;
    for (const c of cand) if (c.d > best.d) best = c;
    chosen.push(best.hex);
    for (const c of cand) c.d = Math.min(c.d, dist(c.lab, best.lab));
  }
  cached = chosen;
  return chosen;
}

/** The colour of series `i` (distinct for i < PALETTE_SIZE, then repeating). */
export function seriesColor(i: number): string {
  const p = palette();
  return p[((i % p.length) + p.length) % p.length]!;
}
