//! The benchmark sweep: VM configurations over CPUs (1 … 2048), NUMA nodes (1 … 64) and RAM ranges
//! (1 … 1024), in both memory allocation modes, with and without sidecar and VTL2 GPA pool, each
//! written as a boot image (host/image/schema.ts) so any point can be booted or inspected.
// Ports: none (benchmark driver)

/** One point of the sweep. */
export interface BenchConfig {
  cpus: number;
  nodes: number;
  ranges: number;
  /** Memory allocation mode: host (VTL2 memory from the host) or vtl2 (VTL2 allocates its own). */
  mode: "host" | "vtl2";
  sidecar: boolean;
  pool: boolean;
  /** Split the pool over NUMA nodes (OPENHCL_VTL2_GPA_POOL_NUMA=split). */
  poolSplit?: boolean;
  /**
   * The sweep axis this point belongs to: "cpus", "ranges", "nodes", "limit" (the 64-page size
   * limit) or "reference" (the configurations upstream's numbers were measured on).
   */
  axis: "cpus" | "ranges" | "nodes" | "limit" | "reference";
}

/** VTL2 GPA pool pages requested on the measured command line when `pool` is on (8 MiB). */
export const POOL_PAGES = 2048;

const GB = 1n << 30n;
const HOLE = 2n * 1024n * 1024n;
const hex = (v: bigint) => "0x" + v.toString(16);

/** Powers of two from `from` to `to` inclusive. */
function pow2(from: number, to: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v *= 2) out.push(v);
  return out;
}

/**
 * `count` RAM ranges over `nodes` NUMA nodes: [0, 3.75 GiB) on node 0, then 1 GiB ranges from
 * 4 GiB separated by 2 MiB holes, nodes assigned in ascending blocks (as scripts/gen_images.mjs).
 */
export function ramRanges(count: number, nodes: number): { start: string; end: string; vnode: number }[] {
  const out = [{ start: hex(0n), end: hex(0xf000_0000n), vnode: 0 }];
  let at = 4n * GB;
  for (let i = 1; i < count; i++) {
    out.push({ start: hex(at), end: hex(at + GB), vnode: Math.floor((i * nodes) / count) });
    at += GB + HOLE;
  }
  return out;
}

/** The boot image (docs/CONTRACT.md image format, vmSchema `vm`) describing one sweep point. */
export function benchImage(c: BenchConfig): Record<string, unknown> {
  return {
    name: configLabel(c),
    description: `hclboot bench: ${c.cpus} CPUs, ${c.nodes} NUMA nodes, ${c.ranges} RAM ranges, ${c.mode} allocation mode`,
    arch: "x86_64",
    isolation: "none",
    vm: {
      cpus: { count: c.cpus, numaNodes: c.nodes },
      memory: { ranges: ramRanges(c.ranges, c.nodes) },
      vtl2: { mode: c.mode === "host" ? "memory-layout" : "vtl2-allocate" },
      bootargs: "console=ttyS0" + (c.sidecar ? "" : " OPENHCL_SIDECAR=off"),
    },
    commandLine: {
      policy: "append-chosen",
      text: [c.pool ? `OPENHCL_ENABLE_VTL2_GPA_POOL=${POOL_PAGES}` : "", c.poolSplit ? "OPENHCL_VTL2_GPA_POOL_NUMA=split" : ""]
        .filter((t) => t !== "")
        .join(" "),
    },
  };
}

/** A short name, e.g. `2048c-64n-64r-host+sidecar+pool`. */
export function configLabel(c: Omit<BenchConfig, "axis">): string {
  return `${c.cpus}c-${c.nodes}n-${c.ranges}r-${c.mode}${c.sidecar ? "+sidecar" : ""}${c.pool ? "+pool" : ""}${c.poolSplit ? "+split" : ""}`;
}

/** The variant the scaling fits use: host mode, sidecar and pool on. */
export const BASE_VARIANT = { mode: "host", sidecar: true, pool: true } as const;

const VARIANTS: { mode: "host" | "vtl2"; sidecar: boolean; pool: boolean }[] = [];
for (const mode of ["host", "vtl2"] as const) {
  for (const sidecar of [true, false]) for (const pool of [true, false]) VARIANTS.push({ mode, sidecar, pool });
}

/**
 * The sweep. Axes: CPUs 1 … 2048 (4 nodes, 8 ranges), RAM ranges 1 … 1024 (64 CPUs, 4 nodes; 1 and
 * 2 ranges on 1 and 2 nodes, as every node needs a range: VTL2 allocation mode indexes its per-node
 * table by vnode and panics on a gap, as upstream's allocate_vtl2_ram does),
 * NUMA nodes 1 … 64 (2048 CPUs, 64 ranges) and the size limit (2048 CPUs, 64 nodes, 64 … 1024
 * ranges: the largest no longer fits the 64-page device-tree area). The full sweep runs every
 * axis in all 8 variants; `quick` runs the axes in the base variant (fewer points) and the other
 * variants at 2048 CPUs only.
 */
export function sweepConfigs(quick: boolean): BenchConfig[] {
  const out: BenchConfig[] = [];
  const add = (axis: BenchConfig["axis"], cpus: number, nodes: number, ranges: number, v: (typeof VARIANTS)[number]) =>
    out.push({ cpus, nodes: Math.min(nodes, cpus), ranges, ...v, axis });
  const cpuAxis = quick ? [1, 4, 16, 64, 256, 1024, 2048] : pow2(1, 2048);
  const rangeAxis = quick ? [1, 4, 16, 64, 256, 1024] : pow2(1, 1024);
  const nodeAxis = quick ? [1, 8, 64] : pow2(1, 64);
  const limitAxis = [256, 816, 1024];
  const variants = quick ? [BASE_VARIANT] : VARIANTS;
  for (const v of variants) {
    for (const cpus of cpuAxis) add("cpus", cpus, 4, 8, v);
    for (const ranges of rangeAxis) add("ranges", 64, Math.min(4, ranges), ranges, v);
    for (const nodes of nodeAxis) add("nodes", 2048, nodes, 64, v);
    for (const ranges of limitAxis) add("limit", 2048, 64, ranges, v);
  }
  if (quick) {
    for (const v of VARIANTS.slice(1)) add("nodes", 2048, 64, 64, v);
  }
  add("reference", 4, 1, 2, BASE_VARIANT);
  out.push({ cpus: 32, nodes: 4, ranges: 4, mode: "vtl2", sidecar: true, pool: true, poolSplit: true, axis: "reference" });
  add("reference", 2048, 64, 64, BASE_VARIANT);
  return out;
}
