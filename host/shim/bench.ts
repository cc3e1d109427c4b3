//! Typed bindings for the benchmark exports (assembly/abi/bench.ts): one call repeats a boot phase
//! N times inside WASM on inputs decoded once; these return the elapsed time of that call.
// Ports: none (host binding of assembly/abi/bench.ts)
import type { Shim } from "../wasm/loader.js";
import { attachHypervisor } from "../hv/imports.js";
import { Hypervisor } from "../hv/hypervisor.js";
import { MEMORY_VTL_TYPE_NAMES } from "./memory.js";
import { RecordError } from "../wasm/codec.js";
import { BENCH_PHASE_RESULT } from "../wasm/records.js";

/**
 * The benchmark clock in milliseconds: this process's CPU time (user + system) where Node offers
 * it, else wall time. A phase runs single-threaded inside one WASM call, so on a quiet machine
 * both agree; on a loaded one CPU time leaves out the time the process waited for a core.
 */
export function benchClockMs(): number {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (p?.cpuUsage) {
    const u = p.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  return performance.now();
}

/** Hand-off phases `bench_handoff` repeats, by export code. */
export const HANDOFF_PHASES = { sidecar: 0, kernelCmdline: 1, e820: 2, kernelDt: 3 } as const;
export type HandoffPhase = keyof typeof HANDOFF_PHASES;

/** Runs read_from_dt `iterations` times on an encoded partition record; elapsed milliseconds. */
export function benchReadFromDt(shim: Shim, record: Uint8Array, iterations: number): number {
  shim.reset();
  const p = shim.put(record);
  const t0 = benchClockMs();
  const n = shim.call<number>("bench_read_from_dt", p, record.length, iterations);
  const ms = benchClockMs() - t0;
  if (n < 0) throw new Error("read_from_dt failed on the benchmark record");
  return ms;
}

/** The parts of read_from_dt's first-boot topology `bench_read_from_dt_phase` repeats, by code. */
export const TOPOLOGY_PHASES = { topology: 0, addressSpace: 1, pool: 2 } as const;
export type TopologyPhase = keyof typeof TOPOLOGY_PHASES;

/** A range with its NUMA node and type name (VTL2 ram: IGVM memory type number as text). */
export interface BenchRange {
  start: bigint;
  end: bigint;
  vnode: number;
  type: string;
}

/** What the last repetition of a topology part produced (`emit`). */
export interface TopologyPhaseResult {
  /** Phase topology: the VTL2 ram (type = IGVM memory type); otherwise the address space. */
  ranges: BenchRange[];
  /** Address space and pool phases: whether the manager holds a VTL2 GPA pool. */
  vtl2Pool?: boolean;
}

/**
 * Runs one part of read_from_dt's first-boot topology (topology, address space or pool)
 * `iterations` times on an encoded partition record; elapsed milliseconds, and with `emit` the
 * last run's result.
 */
export function benchReadFromDtPhase(
  shim: Shim, record: Uint8Array, phase: TopologyPhase, iterations: number, emit = false,
): { ms: number; result?: TopologyPhaseResult } {
  shim.reset();
  const p = shim.put(record);
  const t0 = benchClockMs();
  const n = shim.call<number>("bench_read_from_dt_phase", p, record.length, TOPOLOGY_PHASES[phase], iterations, emit ? 1 : 0);
  const ms = benchClockMs() - t0;
  if (n < 0) throw new Error(`read_from_dt (${phase}) failed on the benchmark record`);
  if (!emit) return { ms };
  const r = shim.out().record(BENCH_PHASE_RESULT);
  if (r.u8() !== (phase === "topology" ? 0 : 1)) throw new RecordError(`${BENCH_PHASE_RESULT.name}: not the ${phase} phase`);
  const count = r.u32();
  const ranges: BenchRange[] = [];
  for (let i = 0; i < count; i++) {
    const start = r.u64(), end = r.u64(), vnode = r.u32(), t = r.u32();
    ranges.push({ start, end, vnode, type: phase === "topology" ? String(t) : (MEMORY_VTL_TYPE_NAMES[t] ?? String(t)) });
  }
  const result = phase === "topology" ? { ranges } : { ranges, vtl2Pool: r.u8() !== 0 };
  r.end(BENCH_PHASE_RESULT.name);
  return { ms, result };
}

/**
 * Runs one hand-off phase `iterations` times on an encoded hand-off record (host/shim/handoff.ts
 * `encodeHandoffInput`) with `hv` as the hypervisor stub: elapsed milliseconds and the size of the
 * last result (sidecar nodes, command line bytes, E820 entries or kernel DTB bytes).
 */
export function benchHandoff(shim: Shim, record: Uint8Array, phase: HandoffPhase, iterations: number, hv: Hypervisor): { ms: number; result: number } {
  attachHypervisor(shim, hv);
  shim.reset();
  const p = shim.put(record);
  const t0 = benchClockMs();
  const n = shim.call<number>("bench_handoff", p, record.length, HANDOFF_PHASES[phase], iterations);
  const ms = benchClockMs() - t0;
  if (n < 0) throw new Error(`hand-off phase ${phase} failed on the benchmark record`);
  return { ms, result: n };
}

/** A hypervisor stub for a VM whose VPs have these APIC ids (VP index order). */
export function benchHypervisor(cpuRegs: bigint[]): Hypervisor {
  const hv = new Hypervisor();
  hv.setVpTopology(cpuRegs);
  return hv;
}
