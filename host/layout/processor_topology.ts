//! The x86 processor topology the VMM gives the guest: per-VP APIC id and virtual NUMA node.
// Ports: vm/vmcore/vm_topology/src/processor/x86.rs (`TopologyBuilder::build`, `build_with_vp_info`),
//        openvmm/openvmm_core/src/worker/numa.rs (`resolve_numa_vp_assignment`)

/** One virtual processor. */
export interface X86Vp {
  vpIndex: number;
  apicId: number;
  vnode: number;
}

/** The largest processor count hclboot models (the boot shim's MAX_CPU_COUNT). */
export const MAX_CPU_COUNT = 2048;
/** The largest NUMA node count hclboot models (the boot shim's MAX_NUMA_NODES). */
export const MAX_NUMA_NODES = 64;

/** A topology error with upstream's message (`InvalidTopology` or the NUMA resolver's). */
export class TopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TopologyError";
  }
}

/** Inputs of the x86 topology builder. */
export interface X86TopologyConfig {
  /** Number of processors. */
  count: number;
  /** Processors per socket (clamped to 1..32768 as upstream does). */
  vpsPerSocket: number;
  /** APIC id offset of the first socket. */
  apicIdOffset?: number;
}

/** Smallest power of two >= v (v >= 1). */
function nextPowerOfTwo(v: number): number {
  let p = 1;
  while (p < v) p *= 2;
  return p;
}

/**
 * Builds the processors: APIC id = socket * (vpsPerSocket rounded up to a power of two) + index in
 * socket, with sockets counted from `apicIdOffset / that`; vnode defaults to the socket number.
 */
export function buildX86Topology(config: X86TopologyConfig): X86Vp[] {
  const perSocket = Math.min(Math.max(config.vpsPerSocket, 1), 32768);
  const reserved = nextPowerOfTwo(perSocket);
  const socketOffset = Math.floor((config.apicIdOffset ?? 0) / reserved);
  const vps: X86Vp[] = [];
  for (let n = 0; n < config.count; n++) {
    const socket = socketOffset + Math.floor(n / perSocket);
    // u32 arithmetic, wrapping as in upstream's release build (apicIdOffset can be any u32)
    vps.push({ vpIndex: n, apicId: (socket * reserved + (n % perSocket)) >>> 0, vnode: Math.floor(n / perSocket) });
  }
  if (vps.length === 0) throw new TopologyError("must have at least one processor");
  return vps;
}

/** Builds processors from explicit APIC ids (VP i gets `apicIds[i]`, vnode 0 until assigned). */
export function buildX86TopologyWithApicIds(apicIds: readonly number[]): X86Vp[] {
  if (apicIds.length === 0) throw new TopologyError("must have at least one processor");
  return apicIds.map((apicId, vpIndex) => ({ vpIndex, apicId, vnode: 0 }));
}

/** How VPs are assigned to NUMA nodes. */
export type NumaAssignment =
  | { kind: "fromTopology"; nodeCount: number }
  | { kind: "explicit"; nodes: readonly (readonly number[])[] };

/**
 * Resolves each VP's vnode: by socket round-robin (`(vp / vpsPerSocket) % nodes`) or from explicit
 * per-node VP lists (disjoint, complete, in range). Errors carry the NUMA resolver's texts.
 */
export function resolveNumaVpAssignment(assignment: NumaAssignment, procCount: number, vpsPerSocket: number): number[] {
  const vnodes = new Array<number>(procCount).fill(0);
  if (assignment.kind === "fromTopology") {
    if (assignment.nodeCount < 1) throw new TopologyError("NUMA topology must have at least one node");
    const perSocket = Math.min(Math.max(vpsPerSocket, 1), 32768);
    for (let vp = 0; vp < procCount; vp++) vnodes[vp] = Math.floor(vp / perSocket) % assignment.nodeCount;
    return vnodes;
  }
  if (assignment.nodes.length < 1) throw new TopologyError("NUMA topology must have at least one node");
  const assigned = new Array<boolean>(procCount).fill(false);
  assignment.nodes.forEach((vps, i) => {
    for (const vp of vps) {
      if (vp >= procCount) throw new TopologyError(`node ${i}: VP index ${vp} out of range (proc_count=${procCount})`);
      if (assigned[vp]) throw new TopologyError(`node ${i}: VP ${vp} assigned to multiple nodes`);
      assigned[vp] = true;
      vnodes[vp] = i;
    }
  });
  assigned.forEach((ok, vp) => {
    if (!ok) throw new TopologyError(`VP ${vp} not assigned to any NUMA node`);
  });
  return vnodes;
}
