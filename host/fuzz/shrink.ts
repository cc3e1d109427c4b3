//! Shrinking: reduce a failing input to a small one that fails the same way.
// Ports: nothing upstream (delta debugging for bytes, structural shrinking for plain data).

/** Smaller variants of a plain-data value (arrays, objects, bigints, numbers, strings), most aggressive first. */
export function* structuralCandidates(v: unknown): Generator<unknown> {
  if (Array.isArray(v)) {
    if (v.length === 0) return;
    yield [];
    for (let size = v.length >> 1; size >= 1; size >>= 1) {
      for (let at = 0; at + size <= v.length; at += size) yield [...v.slice(0, at), ...v.slice(at + size)];
    }
    for (let i = 0; i < v.length; i++) {
      for (const c of structuralCandidates(v[i])) {
        const copy = v.slice();
        copy[i] = c;
        yield copy;
      }
    }
    return;
  }
  if (typeof v === "bigint") {
    if (v === 0n) return;
    yield 0n;
    if (v > 1n) yield v >> 1n;
    const page = v & ~0xfffn;
    if (page !== v && page !== 0n) yield page;
    yield v - 1n;
    return;
  }
  if (typeof v === "number") {
    if (v === 0) return;
    yield 0;
    if (Math.abs(v) > 1) yield Math.trunc(v / 2);
    yield v > 0 ? v - 1 : v + 1;
    return;
  }
  if (typeof v === "string") {
    if (v.length === 0) return;
    yield "";
    for (let size = v.length >> 1; size >= 1; size >>= 1) {
      for (let at = 0; at + size <= v.length; at += size) yield v.slice(0, at) + v.slice(at + size);
    }
    return;
  }
  if (typeof v === "boolean") {
    if (v) yield false;
    return;
  }
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      for (const c of structuralCandidates(o[k])) yield { ...o, [k]: c };
    }
  }
}

/** Structural candidates of `x` that `valid` accepts (keeps the target's input well-formed). */
export function* shrinkStructured<T>(x: T, valid: (c: T) => boolean = () => true): Generator<T> {
  for (const c of structuralCandidates(x)) if (valid(c as T)) yield c as T;
}

/** Smaller variants of a byte string: chunk removals (halving sizes), then bytes set to zero. */
export function* shrinkBytes(b: Uint8Array): Generator<Uint8Array> {
  if (b.length === 0) return;
  for (let size = b.length >> 1; size >= 1; size >>= 1) {
    for (let at = 0; at + size <= b.length; at += size) {
      const out = new Uint8Array(b.length - size);
      out.set(b.subarray(0, at), 0);
      out.set(b.subarray(at + size), at);
      yield out;
    }
  }
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0) continue;
    const out = new Uint8Array(b); // a copy even for a Node Buffer (whose slice is a view)
    out[i] = 0;
    yield out;
  }
}

/** Result of a minimization. */
export interface Shrunk<T> {
  input: T;
  /** Candidates tried. */
  tries: number;
  /** Successful reductions. */
  steps: number;
}

/**
 * Greedy minimization: repeatedly takes the first candidate that still fails, until none does or
 * `budget` candidates were tried. `fails` decides "fails the same way".
 */
export function minimize<T>(input: T, candidates: (x: T) => Iterable<T>, fails: (x: T) => boolean, budget = 2000): Shrunk<T> {
  let best = input;
  let tries = 0;
  let steps = 0;
  for (let progress = true; progress && tries < budget; ) {
    progress = false;
    for (const c of candidates(best)) {
      if (++tries > budget) break;
      if (fails(c)) {
        best = c;
        steps++;
        progress = true;
        break;
      }
    }
  }
  return { input: best, tries: Math.min(tries, budget), steps };
}
