// Seeded random AddressSpaceManager scenarios (builder inputs + an operation script) for the
// upstream oracle test: mostly valid layouts (sorted page-aligned VTL2 RAM on a few NUMA nodes,
// reserved ranges inside the bootshim-used range) with a share of broken ones (reserved ranges
// outside it, used ranges outside RAM, too many RAM ranges, unsorted RAM, double pool ranges), and
// scripts of allocations (low/high, aligned, per node, zero and unaligned lengths) and queries.
import { Rng } from "../../host/fuzz/rng.js";
import type { BuilderSpec, MemoryOp, Range, AllocationType, AllocationPolicy } from "../../host/shim/memory.js";

const PAGE = 0x1000n;

/** One scenario: builder inputs and operations. */
export interface AddressSpaceCase {
  spec: BuilderSpec;
  ops: MemoryOp[];
}

const pages = (rng: Rng, max: number) => BigInt(rng.int(0, max)) * PAGE;

function inside(rng: Rng, r: Range, maxPages: number): Range {
  const span = Number((r.end - r.start) / PAGE);
  if (span === 0) return { start: r.start, end: r.start };
  const off = BigInt(rng.below(span)) * PAGE;
  const len = BigInt(rng.int(0, Math.min(maxPages, span - Number(off / PAGE)))) * PAGE;
  return { start: r.start + off, end: r.start + off + len };
}

function ram(rng: Rng): (Range & { vnode: number })[] {
  const shape = rng.below(20);
  const count = shape === 0 ? 0 : shape === 1 ? rng.int(60, 70) : rng.int(1, 5);
  const nodes = rng.int(1, 4);
  const out: (Range & { vnode: number })[] = [];
  let at = BigInt(rng.int(0, 16)) * 0x100000n;
  for (let i = 0; i < count; i++) {
    at += rng.chance(0.5) ? 0n : pages(rng, 64);
    const len = rng.chance(0.7) ? BigInt(rng.int(16, 96)) * PAGE : BigInt(rng.int(1, 8)) * 0x200000n;
    out.push({ start: at, end: at + len, vnode: rng.chance(0.7) ? Math.min(i, nodes - 1) : rng.below(nodes) });
    at += len;
  }
  if (shape === 2 && out.length > 1) out.reverse();
  if (shape === 3 && out.length > 1) out[1] = { ...out[1]!, start: out[0]!.start };
  return out;
}

function allocation(rng: Rng, nodes: number): MemoryOp {
  const vnode = rng.chance(0.5) ? undefined : rng.below(nodes + 1);
  const len = rng.pick([0n, 1n, 0xfffn, PAGE, 0x1001n, 2n * PAGE, 0x10000n, 0x200000n, 0x400000n, pages(rng, 40), pages(rng, 40) + BigInt(rng.int(1, 0xfff))]);
  const type = rng.pick<AllocationType>(["GpaPool", "SidecarNode", "TdxPageTables"]);
  const policy = rng.pick<AllocationPolicy>(["LowMemory", "HighMemory"]);
  if (rng.chance(0.35)) {
    const alignment = rng.chance(0.97) ? 1n << BigInt(rng.int(0, 22)) : rng.pick([0n, 0x3000n, 0x1800n]);
    return { op: "allocateAligned", vnode, len, type, policy, alignment };
  }
  return { op: "allocate", vnode, len, type, policy };
}

/** `n` disjoint page ranges laid out upwards from the start of `r` (a few empty), in random order. */
function disjoint(rng: Rng, r: Range, n: number): Range[] {
  const out: Range[] = [];
  let at = r.start;
  for (let k = 0; k < n; k++) {
    at += BigInt(rng.int(0, 2)) * PAGE;
    const len = rng.chance(0.06) ? 0n : BigInt(rng.int(1, 4)) * PAGE;
    const start = at < r.end ? at : r.end;
    const end = start + len < r.end ? start + len : r.end;
    out.push({ start, end });
    at = end;
  }
  for (let k = out.length - 1; k > 0; k--) {
    const j = rng.below(k + 1);
    [out[k], out[j]] = [out[j]!, out[k]!];
  }
  return out;
}

/** The `i`th scenario of a run seeded with `seed`. */
export function addressSpaceCase(seed: number, i: number): AddressSpaceCase {
  const rng = new Rng(seed + i);
  const vtl2Ram = ram(rng);
  const nodes = 1 + vtl2Ram.reduce((m, e) => Math.max(m, e.vnode), 0);
  const host = vtl2Ram.length > 0 ? vtl2Ram[rng.below(vtl2Ram.length)]! : { start: 0n, end: 0x100000n };
  const whole = vtl2Ram.length > 0
    ? { start: vtl2Ram.reduce((m, e) => (e.start < m ? e.start : m), vtl2Ram[0]!.start), end: vtl2Ram.reduce((m, e) => (e.end > m ? e.end : m), 0n) }
    : host;
  // the bootshim-used range: inside one RAM range, or (rarely) across all of them
  const bootshimUsed = rng.chance(0.04) ? inside(rng, { start: whole.start, end: whole.end + 0x4000n }, 1 << 20) : (() => {
        const u = inside(rng, host, 64);
        return u.end - u.start >= 16n * PAGE || rng.chance(0.1) ? u : { start: host.start, end: host.start + 32n * PAGE < host.end ? host.start + 32n * PAGE : host.end };
      })();
  const fault = rng.below(40);
  const roles = 1 + (rng.chance(0.02) ? rng.int(17, 22) : rng.int(0, 3)) + rng.int(0, 3);
  const parts = disjoint(rng, bootshimUsed, roles);
  if (fault === 0 && parts.length > 1) parts[1] = { start: parts[0]!.start, end: parts[0]!.end + PAGE };
  if (fault === 1 && parts.length > 0) parts[0] = { start: bootshimUsed.end, end: bootshimUsed.end + PAGE * BigInt(rng.int(0, 2)) };
  if (fault === 2 && parts.length > 0) parts[0] = { start: bootshimUsed.start > PAGE ? bootshimUsed.start - PAGE : 0n, end: bootshimUsed.start + PAGE };
  let persistedStateRegion = parts.shift()!;
  if (persistedStateRegion.end - persistedStateRegion.start < PAGE && fault !== 3) {
    persistedStateRegion = { start: bootshimUsed.start, end: bootshimUsed.start + PAGE };
    if (bootshimUsed.end - bootshimUsed.start < PAGE) persistedStateRegion = { start: bootshimUsed.start, end: bootshimUsed.start };
  }
  const take = () => parts.shift() ?? { start: bootshimUsed.start, end: bootshimUsed.start };
  const vtl2Config: Range[] = [];
  while (parts.length > 3) vtl2Config.push(take());
  const spec: BuilderSpec = { vtl2Ram, bootshimUsed, persistedStateRegion, vtl2Config };
  if (rng.chance(0.4)) spec.reservedRange = take();
  if (rng.chance(0.4)) spec.sidecarImage = take();
  if (rng.chance(0.4)) spec.logBuffer = take();
  // existing pool ranges: RAM outside the used range (or, as a fault, over it)
  const poolShape = rng.below(10);
  if (poolShape >= 6) {
    const other = vtl2Ram.filter((e) => e !== host);
    const pools: Range[] = [];
    const n = rng.int(0, 2);
    for (const r of other.length > 0 ? other.slice(0, n) : []) pools.push(inside(rng, r, 8));
    if (host.end > bootshimUsed.end && pools.length < n) pools.push(inside(rng, { start: bootshimUsed.end, end: host.end }, 8));
    if (fault === 4) pools.push(inside(rng, bootshimUsed, 4));
    pools.sort((a, b) => (a.start < b.start ? -1 : 1));
    spec.poolRanges = [pools];
    if (poolShape === 9) spec.poolRanges.push(rng.chance(0.5) ? [] : [inside(rng, host, 2)]);
    if (poolShape === 8 && rng.chance(0.3)) spec.poolRanges = [[], pools];
  } else if (fault === 5) {
    spec.poolRanges = [Array.from({ length: 65 }, (_, k) => ({ start: BigInt(k) * PAGE, end: BigInt(k + 1) * PAGE }))];
  }
  const ops: MemoryOp[] = [];
  for (let n = rng.int(0, 10); n > 0; n--) {
    const k = rng.below(20);
    if (k < 12) ops.push(allocation(rng, nodes));
    else if (k < 14) ops.push({ op: "freeRanges", vnode: rng.below(nodes + 1) });
    else if (k < 16) ops.push({ op: "vtl2Ranges" });
    else if (k < 18) ops.push({ op: "reservedVtl2Ranges" });
    else if (k < 19) ops.push({ op: "hasVtl2Pool" });
    else ops.push({ op: "initAgain" });
  }
  ops.push({ op: "vtl2Ranges" });
  return { spec, ops };
}

/** The scenario as one line of decimal tokens (the form the upstream driver read). */
export function addressSpaceCaseLine(c: AddressSpaceCase): string {
  const t: (string | number | bigint)[] = [];
  const r = (x: Range) => t.push(x.start, x.end);
  const opt = (x: Range | undefined) => (x ? (t.push(1), r(x)) : t.push(0));
  t.push(c.spec.vtl2Ram.length);
  for (const e of c.spec.vtl2Ram) (r(e), t.push(e.vnode));
  r(c.spec.bootshimUsed);
  r(c.spec.persistedStateRegion);
  t.push(c.spec.vtl2Config.length);
  c.spec.vtl2Config.forEach(r);
  opt(c.spec.reservedRange);
  opt(c.spec.sidecarImage);
  opt(c.spec.logBuffer);
  const pools = c.spec.poolRanges ?? [];
  t.push(pools.length);
  for (const set of pools) (t.push(set.length), set.forEach(r));
  t.push(c.ops.length);
  const TYPES = { GpaPool: 0, SidecarNode: 1, TdxPageTables: 2 };
  for (const op of c.ops) {
    if (op.op === "allocate" || op.op === "allocateAligned") {
      t.push(op.op === "allocate" ? "a" : "g", op.vnode ?? -1, op.len, TYPES[op.type], op.policy === "LowMemory" ? 0 : 1);
      if (op.op === "allocateAligned") t.push(op.alignment);
    } else if (op.op === "freeRanges") t.push("f", op.vnode);
    else t.push({ vtl2Ranges: "v", reservedVtl2Ranges: "r", hasVtl2Pool: "h", initAgain: "i" }[op.op]);
  }
  return t.join(" ");
}
