//! Typed bindings for the benchmark exports (assembly/api/bench.ts): one call repeats a boot phase
//! N times inside WASM on inputs decoded once; these return the elapsed time of that call.
// Ports: none (host binding of assembly/api/bench.ts)
import type { Shim } from "../wasm/loader.js";
import { attachHypervisor } from "../hv/imports.js";
import { Hypervisor } from "../hv/hypervisor.js";

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
