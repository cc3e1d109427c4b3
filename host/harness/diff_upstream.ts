//! One image booted on two upstream pins and what differs between the results: outcome and
//! failure, each range list (VTL2 RAM, partition RAM, MMIO, address space), the sidecar plan, the
//! kernel command line and the boot log. Platform-neutral, like boot.ts.
// Ports: none (hclboot's comparison; docs/UPSTREAM.md explains the differences by upstream commit)

import type { ResolvedImage } from "../image/resolve.js";
import type { Shim } from "../wasm/loader.js";
import type { BootOutput, Failure } from "../contract.js";
import { bootImage, bootFailure } from "./boot.js";
import { InputError, DtError } from "../errors.js";
import { ShimPanic } from "../wasm/loader.js";

/** One difference: a list field (entries only in A / only in B) or a value field (A's and B's value). */
export type UpstreamDifference =
  | { field: string; onlyA: unknown[]; onlyB: unknown[] }
  | { field: string; a: unknown; b: unknown };

/** The `diff-upstream --json` object. */
export interface UpstreamDiff {
  image: string;
  a: string;
  b: string;
  /** "ok" or the failure kind, per pin. */
  outcome: { a: string; b: string };
  identical: boolean;
  differences: UpstreamDifference[];
  /** When the image itself could not be loaded (with several images only): the loader's message. */
  error?: string;
}

type Result = BootOutput | Failure;

/** Boots `image` on `shim`: the boot object, or the failure object (with its boot log). */
export function bootOrFailure(image: ResolvedImage, shim: Shim): Result {
  try {
    return bootImage(image, { shim }).output;
  } catch (e) {
    if (!(e instanceof InputError || e instanceof DtError || e instanceof ShimPanic)) throw e;
    return bootFailure(e);
  }
}

/** Entries of `a` not in `b` (as JSON, counted: a repeated entry must repeat in `b`). */
function minus<T>(a: T[], b: T[]): T[] {
  const left = new Map<string, number>();
  for (const x of b) {
    const k = JSON.stringify(x);
    left.set(k, (left.get(k) ?? 0) + 1);
  }
  const out: T[] = [];
  for (const x of a) {
    const k = JSON.stringify(x);
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else out.push(x);
  }
  return out;
}

function listField(out: UpstreamDifference[], field: string, a: unknown[], b: unknown[]): void {
  const onlyA = minus(a, b);
  const onlyB = minus(b, a);
  if (onlyA.length > 0 || onlyB.length > 0) out.push({ field, onlyA, onlyB });
}

function valueField(out: UpstreamDifference[], field: string, a: unknown, b: unknown): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field, a, b });
}

/** The differences between two results of one image (A first). */
export function diffResults(a: Result, b: Result): UpstreamDifference[] {
  const out: UpstreamDifference[] = [];
  if (!a.ok || !b.ok) {
    valueField(out, "error", a.ok ? null : a.error, b.ok ? null : b.error);
  }
  if (a.ok && b.ok) {
    for (const f of ["arch", "isolation", "memoryAllocationMode", "cpuCount"] as const) valueField(out, f, a[f], b[f]);
    for (const f of ["vtl2Ram", "partitionRam", "vtl0Mmio", "vtl2Mmio", "addressSpace"] as const) listField(out, f, a[f], b[f]);
    if ((a.sidecar === null) !== (b.sidecar === null)) valueField(out, "sidecar", a.sidecar, b.sidecar);
    else if (a.sidecar && b.sidecar) listField(out, "sidecar.nodes", a.sidecar.nodes, b.sidecar.nodes);
    listField(out, "kernelCommandLine", a.kernelCommandLine.split(" ").filter((w) => w), b.kernelCommandLine.split(" ").filter((w) => w));
  }
  listField(out, "bootLog", a.bootLog ?? [], b.bootLog ?? []);
  return out;
}

/** Boots `image` on both boot cores and compares the results. */
export function diffUpstream(image: ResolvedImage, shimA: Shim, shimB: Shim): UpstreamDiff {
  const a = bootOrFailure(image, shimA);
  const b = bootOrFailure(image, shimB);
  const differences = diffResults(a, b);
  return {
    image: image.path,
    a: shimA.upstream,
    b: shimB.upstream,
    outcome: { a: a.ok ? "ok" : a.error.kind, b: b.ok ? "ok" : b.error.kind },
    identical: differences.length === 0,
    differences,
  };
}

/** Readable form: one block per field, `-` for A only, `+` for B only. */
export function diffUpstreamText(d: UpstreamDiff): string {
  const lines = [`${d.image}: ${d.a} -> ${d.b}: ${d.outcome.a} -> ${d.outcome.b}${d.identical ? ", identical" : ""}${d.error ? ` (${d.error})` : ""}`];
  const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  for (const x of d.differences) {
    lines.push(`  ${x.field}:`);
    if ("onlyA" in x) {
      for (const v of x.onlyA) lines.push(`    - ${show(v)}`);
      for (const v of x.onlyB) lines.push(`    + ${show(v)}`);
    } else {
      lines.push(`    - ${show(x.a)}`);
      lines.push(`    + ${show(x.b)}`);
    }
  }
  return lines.join("\n");
}
