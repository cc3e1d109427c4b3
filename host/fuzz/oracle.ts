//! The fuzzer's oracle: invariants every completed boot must satisfy, and the verdict on a run.
// Ports: the invariants openhcl_boot relies on (host_params/dt/mod.rs, memory.rs): VTL2 ranges
// sorted and disjoint inside VTL2 RAM, pool size exact, VTL0/VTL2 MMIO disjoint; failures must end
// at an upstream failure site (upstream_messages.ts).
import type { BootOutput, RangeJson } from "../contract.js";
import { classifyFailure } from "./upstream_messages.js";

/** Kinds of finding (docs/CONTRACT.md `findings[].kind`). */
export type FindingKind =
  | "invariant" | "unknown-failure" | "trap" | "exception" | "timeout" | "nondeterminism"
  | "upstream-defect" | "property" | "property-error";

/** The verdict on one run (`site`: the failure site's id when the run ended at one). */
export type Verdict =
  | { ok: true; failedAt?: string; site?: string }
  | { ok: false; kind: FindingKind; message: string; site?: string };

/** A passing verdict (completed, or failed at the named upstream site). */
export const PASS: Verdict = { ok: true };

/**
 * Test hook: when the environment variable HCLBOOT_FUZZ_BREAK names an invariant (e.g.
 * `ranges-model`, `sorted`, `cmdline-roundtrip`), that invariant is checked inverted, so every
 * run that satisfies it becomes a finding. Documented in README ("hclboot fuzz"); used by
 * test/fuzz_campaign.test.ts to show findings are caught, shrunk and written as reproducers.
 */
export function brokenInvariant(): string | undefined {
  return typeof process !== "undefined" ? process.env.HCLBOOT_FUZZ_BREAK || undefined : undefined;
}

/** Asserts `cond` for the invariant `name`; returns a finding message when it fails (or is broken on purpose). */
export function check(name: string, cond: boolean, message: () => string): string | null {
  const flipped = brokenInvariant() === name;
  if (cond !== flipped) return null;
  return flipped ? `invariant ${name} deliberately broken (HCLBOOT_FUZZ_BREAK): ${message()}` : `invariant ${name}: ${message()}`;
}

/**
 * The verdict for a failure message from the boot core (ShimPanic or dt error). With `defects`
 * (the whole-boot targets) a run ending at a defect site is an `upstream-defect` finding; without
 * it (unit targets that call a function with inputs outside its contract on purpose) every known
 * site is an expected end.
 */
export function judgeFailure(message: string, defects = false): Verdict {
  if (message.startsWith("wasm trap: ")) return { ok: false, kind: "trap", message };
  const site = classifyFailure(message);
  if (!site) return { ok: false, kind: "unknown-failure", message };
  if (defects && site.class === "defect") {
    return { ok: false, kind: "upstream-defect", message: `upstream defect (${site.id} at ${site.at.join(", ")}): ${message}`, site: site.id };
  }
  return { ok: true, failedAt: site.site, site: site.id };
}

interface R {
  start: bigint;
  end: bigint;
}

const big = (r: RangeJson): R => ({ start: BigInt(r.start), end: BigInt(r.end) });
const show = (r: R): string => `0x${r.start.toString(16)}..0x${r.end.toString(16)}`;

/** First violation of "sorted, non-empty, pairwise disjoint" in `rs`, or null. */
export function sortedDisjoint(rs: readonly R[]): string | null {
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    if (r.end <= r.start) return `range ${i} ${show(r)} is empty or inverted`;
    if (i > 0 && r.start < rs[i - 1]!.end) return `range ${i} ${show(r)} is not after ${show(rs[i - 1]!)}`;
  }
  return null;
}

/** True when `r` lies inside the union of the sorted, disjoint ranges `within`. */
export function insideUnion(r: R, within: readonly R[]): boolean {
  let at = r.start;
  for (const w of within) {
    if (w.end <= at) continue;
    if (w.start > at) return false;
    at = w.end;
    if (at >= r.end) return true;
  }
  return at >= r.end;
}

function disjointSets(a: readonly R[], b: readonly R[]): string | null {
  for (const x of a) for (const y of b) if (x.start < y.end && y.start < x.end) return `${show(x)} overlaps ${show(y)}`;
  return null;
}

/** What the oracle knows about the input beyond the output itself (optional). */
export interface BootExpectations {
  /** Exact VTL2 GPA pool size in bytes, when the input fixes it. */
  poolBytes?: bigint;
  /** The host's MMIO gaps; VTL0 and VTL2 MMIO must lie inside them. */
  mmioGaps?: readonly R[];
  /**
   * A servicing boot from a given saved state: the shim takes the MMIO ranges from it without
   * checking them against the host, so the MMIO invariants do not apply.
   */
  restored?: boolean;
}

/** Checks the range invariants of a completed boot (CONTRACT `boot --json` output). */
export function checkBootOutput(out: BootOutput, expect: BootExpectations = {}): Verdict {
  const fail = (message: string): Verdict => ({ ok: false, kind: "invariant", message });
  const vtl2Ram = out.vtl2Ram.map(big);
  const space = out.addressSpace.map(big);
  const vtl0Mmio = out.vtl0Mmio.map(big);
  const vtl2Mmio = out.vtl2Mmio.map(big);
  const checks: (string | null)[] = [
    check("sorted", sortedDisjoint(vtl2Ram) === null, () => `vtl2Ram: ${sortedDisjoint(vtl2Ram)}`),
    check("sorted", sortedDisjoint(space) === null, () => `addressSpace: ${sortedDisjoint(space)}`),
  ];
  for (const c of checks) if (c) return fail(c);
  for (const [i, r] of space.entries()) {
    const c = check("inside-vtl2-ram", insideUnion(r, vtl2Ram), () => `addressSpace[${i}] ${show(r)} (${out.addressSpace[i]!.type}) is outside VTL2 RAM`);
    if (c) return fail(c);
  }
  for (const [i, a] of out.addressSpace.entries()) {
    const node = out.vtl2Ram.filter((v) => v.vnode === a.vnode).map(big);
    const c = check("inside-node", insideUnion(space[i]!, node), () => `addressSpace[${i}] ${show(space[i]!)} (${a.type}) is outside VTL2 RAM of vnode ${a.vnode}`);
    if (c) return fail(c);
  }
  if (expect.poolBytes !== undefined) {
    const pool = out.addressSpace.filter((a) => a.type === "VTL2_GPA_POOL").reduce((n, a) => n + BigInt(a.end) - BigInt(a.start), 0n);
    const c = check("pool-size", pool === expect.poolBytes, () => `pool is 0x${pool.toString(16)} bytes, expected 0x${expect.poolBytes!.toString(16)}`);
    if (c) return fail(c);
  }
  if (expect.restored) return PASS;
  const mm = disjointSets(vtl0Mmio, vtl2Mmio);
  const c1 = check("mmio-disjoint", mm === null, () => `VTL0/VTL2 MMIO: ${mm}`);
  if (c1) return fail(c1);
  if (expect.mmioGaps) {
    const gaps = [...expect.mmioGaps].sort((a, b) => (a.start < b.start ? -1 : 1));
    for (const r of [...vtl0Mmio, ...vtl2Mmio]) {
      const c = check("mmio-in-gaps", insideUnion(r, gaps), () => `MMIO ${show(r)} is outside the host's MMIO gaps`);
      if (c) return fail(c);
    }
  }
  return PASS;
}

/** Compares two outputs of the same input (determinism); a difference is a finding. */
export function checkSame(first: string, second: string): Verdict {
  const c = check("deterministic", first === second, () => `the same input gave different results:\n${first}\n---\n${second}`);
  return c ? { ok: false, kind: "nondeterminism", message: c } : PASS;
}
