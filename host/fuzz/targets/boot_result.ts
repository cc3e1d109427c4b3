//! The structured boot result a `--property` sees: the `boot --json` object plus what a property
//! author needs without re-parsing it (boot_cpus=, the sidecar plan per CPU, the pool, and for a
//! servicing boot the saved state it restored and the first boot's result).
// Ports: none (a view of hclboot's boot result; fields documented in README "hclboot fuzz").
import type { BootOutput } from "../../contract.js";
import type { SidecarStartRecord } from "../../hv/sidecar.js";
import { decodeHeader } from "../../persist/save.js";
import { decodeSavedStateJs, type SavedState } from "../../persist/saved_state_proto.js";

/** One CPU of the sidecar plan: its VP index, node, and who starts it. */
export interface PlannedCpu {
  vp: number;
  node: number;
  startedBy: "kernel" | "sidecar";
}

/** What `(input, result)` properties get as `result`. */
export interface PropertyResult extends BootOutput {
  /** The VP indexes of `boot_cpus=` on the kernel command line (null when absent). */
  bootCpus: number[] | null;
  /** The sidecar start parameters as the sidecar entry read them (null without a sidecar). */
  sidecarPlan: null | { perCpuStateSpecified: boolean; nodes: { memoryBase: string; memorySize: string; baseVp: number; vpCount: number; cpus: PlannedCpu[] }[] };
  /** VTL2 GPA pool ranges (addressSpace entries of type VTL2_GPA_POOL) and their total bytes. */
  pool: { ranges: { start: string; end: string; vnode: number }[]; bytes: string };
  /** For a servicing boot: the saved state restored (null when it did not decode) and the first boot's result. */
  servicing: null | { savedState: SavedState | null; first: PropertyResult | null };
}

/** The `boot_cpus=` list of a kernel command line (last occurrence), or null. */
export function bootCpusOf(cmdline: string): number[] | null {
  const m = [...cmdline.matchAll(/(?:^|\s)boot_cpus=(\S*)/g)].pop();
  if (!m) return null;
  return m[1]!.split(",").filter((s) => s !== "").map(Number);
}

/**
 * The sidecar's view of each node: VPs base..base+count; a VP is kernel-started when it is the
 * node's base VP or the per-CPU state names it (sidecar_starts_cpu false), else sidecar-started.
 */
export function sidecarPlanOf(rec: SidecarStartRecord | undefined): PropertyResult["sidecarPlan"] {
  if (!rec) return null;
  const starts = rec.perCpuStateSpecified ? rec.sidecarStartsCpu : null;
  return {
    perCpuStateSpecified: rec.perCpuStateSpecified,
    nodes: rec.nodes.map((n, node) => ({
      memoryBase: "0x" + n.memoryBase.toString(16), memorySize: "0x" + n.memorySize.toString(16), baseVp: n.baseVp, vpCount: n.vpCount,
      cpus: Array.from({ length: n.vpCount }, (_, i) => {
        const vp = n.baseVp + i;
        const kernel = i === 0 || (starts !== null && vp < starts.length && !starts[vp]);
        return { vp, node, startedBy: kernel ? "kernel" : "sidecar" } as PlannedCpu;
      }),
    })),
  };
}

/** The saved state inside a persisted-state image (header + payload), or null when it does not decode. */
export function savedStateOf(image: Uint8Array | undefined, headerGpa?: bigint): SavedState | null {
  if (!image || image.length < 32) return null;
  try {
    const h = decodeHeader(image);
    const off = headerGpa !== undefined ? Number(h.protobufBase - headerGpa) : image.length - Number(h.protobufPayloadLen);
    return decodeSavedStateJs(image.subarray(off, off + Number(h.protobufPayloadLen)));
  } catch {
    return null;
  }
}

/** Builds the property result of one completed boot. */
export function propertyResult(out: BootOutput, sidecar: SidecarStartRecord | undefined, servicing: PropertyResult["servicing"] = null): PropertyResult {
  const pool = out.addressSpace.filter((a) => a.type === "VTL2_GPA_POOL");
  const bytes = pool.reduce((n, a) => n + BigInt(a.end) - BigInt(a.start), 0n);
  return {
    ...out,
    bootCpus: bootCpusOf(out.kernelCommandLine),
    sidecarPlan: out.sidecar ? sidecarPlanOf(sidecar) : null,
    pool: { ranges: pool.map((a) => ({ start: a.start, end: a.end, vnode: a.vnode })), bytes: "0x" + bytes.toString(16) },
    servicing,
  };
}
