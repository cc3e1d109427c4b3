//! The boot core's hv_* imports, bound to a per-shim Hypervisor (default configuration until one
//! is attached with attachHypervisor).
// Ports: none (host plumbing)
import type { Shim } from "../wasm/loader.js";
import { Hypervisor } from "./hypervisor.js";

const attached = new WeakMap<Shim, Hypervisor>();

/** Attaches the hypervisor stub the next calls of `shim` talk to. */
export function attachHypervisor(shim: Shim, hv: Hypervisor): void {
  attached.set(shim, hv);
}

/** The hypervisor stub attached to `shim` (a default one is created on first use). */
export function hypervisorOf(shim: Shim): Hypervisor {
  let hv = attached.get(shim);
  if (!hv) {
    hv = new Hypervisor();
    attached.set(shim, hv);
  }
  return hv;
}

/** Import functions for `env`, resolving the shim lazily (it exists only after instantiation). */
export function hvImports(getShim: () => Shim): Record<string, (...args: any[]) => unknown> {
  const mem = () => new Uint8Array(getShim().exports.memory.buffer);
  const view = () => new DataView(getShim().exports.memory.buffer);
  const hv = () => hypervisorOf(getShim());
  return {
    hv_cpuid: (leaf: number, subleaf: number, out: number): void => {
      const r = hv().cpuid(leaf >>> 0, subleaf >>> 0);
      const v = view();
      for (let i = 0; i < 4; i++) v.setUint32(out + i * 4, r[i]! >>> 0, true);
    },
    hv_vtl: (): number => hv().vtl(),
    hv_get_register: (name: number, out: number): number => {
      const [status, value] = hv().getRegister(name >>> 0);
      view().setBigUint64(out, value, true);
      return status;
    },
    hv_hypercall_page: (): bigint => hv().hypercallPage(),
    hv_reference_time: (): bigint => hv().referenceTime(),
    hv_rdtsc: (): bigint => hv().rdtsc(),
    hv_mmfr0: (): bigint => hv().mmfr0(),
    hv_vp_index_from_hw_id: (ids: number, count: number, out: number, outCount: number): number => {
      const v = view();
      const list: bigint[] = [];
      for (let i = 0; i < count; i++) list.push(v.getBigUint64(ids + i * 8, true));
      const [status, idx] = hv().vpIndexFromHwId(list);
      idx.forEach((x, i) => v.setUint32(out + i * 4, x >>> 0, true));
      v.setUint32(outCount, idx.length, true);
      return status;
    },
    hv_sidecar_start: (params: number, output: number): number => {
      const m = mem();
      return hv().sidecarStart(m.subarray(params, params + 4096), m.subarray(output, output + 4096)) ? 1 : 0;
    },
  };
}
