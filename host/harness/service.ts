//! Servicing round trip: boot, save the persisted state as OpenHCL usermode does, place it in a
//! fresh guest of the same image, boot again (the servicing boot), and compare the topologies.
//! Optional tampering shows the restore's failure paths. Platform-neutral (no node:fs).
// Ports: openhcl/underhill_core/src/loader/vtl2_config/mod.rs (`write_persisted_info`, via
//        host/persist/save.ts) and the restore branch of openhcl/openhcl_boot/src/host_params/dt/mod.rs
//        (`topology_from_persisted_state`, which the second boot runs in the boot core)

import { InputError } from "../errors.js";
import type { ResolvedImage } from "../image/resolve.js";
import {
  PersistError,
  garblePayload,
  persistInputFromBoot,
  tamperMagic,
  tamperPayloadLen,
  tamperProtobufRegion,
  writePersistedInfo,
  type BootTopology,
  type BootVtl2Range,
  type PersistedImage,
} from "../persist/save.js";
import type { Shim } from "../wasm/loader.js";
import { bootImage, type BootImageResult } from "./boot.js";
import type { BootOutput, RangeJson, ServiceOutput } from "../contract.js";

/** The ways `--tamper` damages the persisted state before the servicing boot. */
export const TAMPERS = ["magic", "move-protobuf", "truncate", "garble"] as const;
export type Tamper = (typeof TAMPERS)[number];

/** Options of a servicing round trip. */
export interface ServiceOptions {
  shim: Shim;
  /**
   * The boot core of the servicing boot when it differs from `shim` (cross-version servicing:
   * the first boot and the save on `shim`'s pin, the restore on this one's, each with its own
   * pin's VTL2 image layout).
   */
  restoreShim?: Shim;
  /** `cpus_with_mapped_interrupts_no_io` usermode saves. */
  noIoCpus?: number[];
  /** `cpus_with_outstanding_io` usermode saves. */
  ioCpus?: number[];
  tamper?: Tamper;
}

/** A completed round trip (both boots succeeded). */
export interface ServiceResult {
  output: ServiceOutput;
  first: BootImageResult;
  second: BootImageResult;
  /** What usermode saved (before tampering). */
  persisted: PersistedImage;
  /** The bytes placed at the persisted-state region for the second boot. */
  placed: Uint8Array;
}

/** Parses a CPU list "0,2,5-7" (sorted, duplicates removed); InputError naming `what` when malformed. */
export function parseCpuList(text: string, what = "CPU list"): number[] {
  const out = new Set<number>();
  if (text.trim() === "") return [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new InputError(`${what}: expected numbers and ranges like 0,2,5-7, got "${text}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > 0xffff_ffff) throw new InputError(`${what}: bad range "${part.trim()}"`);
    if (b - a > 65536) throw new InputError(`${what}: range "${part.trim()}" is too large`);
    for (let c = a; c <= b; c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

/** The part of a boot object usermode persists, with bigint addresses. */
export function topologyOf(o: BootOutput): BootTopology {
  const rng = (r: RangeJson) => ({ start: BigInt(r.start), end: BigInt(r.end) });
  return {
    partitionRam: o.partitionRam.map((r) => ({ ...rng(r), vnode: r.vnode, igvmType: r.igvmType })),
    addressSpace: o.addressSpace.map((r) => ({ ...rng(r), vnode: r.vnode, type: r.type as BootVtl2Range["type"] })),
    vtl0Mmio: o.vtl0Mmio.map(rng),
    vtl2Mmio: o.vtl2Mmio.map(rng),
  };
}

/** Applies a tamper to the persisted blob (header at offset 0, payload at `payloadOffset`). */
export function applyTamper(p: PersistedImage, tamper: Tamper, persistedRegion: { start: bigint; end: bigint }): Uint8Array {
  const payloadOffset = Number(p.protobufGpa - p.headerGpa);
  switch (tamper) {
    case "magic":
      return tamperMagic(p.image);
    case "move-protobuf":
      // Point the protobuf region past the end of the persisted-state region.
      return tamperProtobufRegion(p.image, persistedRegion.end);
    case "truncate":
      // Cut the payload in half: the message ends inside a field.
      return tamperPayloadLen(p.image, BigInt(Math.floor(p.payload.length / 2)));
    case "garble": {
      // Overwrite the first bytes of the payload with a field key of wire type 7 (invalid).
      const n = Math.min(8, p.payload.length);
      return garblePayload(p.image, payloadOffset, 0, new Uint8Array(n).fill(0xff));
    }
  }
}

/** One line per range of `a` not in `b` and of `b` not in `a` (compared by their JSON). */
function listDifferences<T extends RangeJson>(what: string, a: T[], b: T[], show: (r: T) => string): string[] {
  const key = (r: T) => JSON.stringify(r);
  const inB = new Set(b.map(key));
  const inA = new Set(a.map(key));
  const out: string[] = [];
  for (const r of a) if (!inB.has(key(r))) out.push(`${what}: ${show(r)} only in the first boot`);
  for (const r of b) if (!inA.has(key(r))) out.push(`${what}: ${show(r)} only after servicing`);
  if (out.length === 0 && a.length !== b.length) out.push(`${what}: ${a.length} ranges in the first boot, ${b.length} after servicing`);
  return out;
}

/** Merges ranges that touch (end == next start) and satisfy `same`, as upstream's merge_adjacent_ranges does. */
export function mergeTouching<T extends RangeJson>(list: T[], same: (a: T, b: T) => boolean): T[] {
  const out: T[] = [];
  for (const r of list) {
    const last = out[out.length - 1];
    if (last && BigInt(last.end) === BigInt(r.start) && same(last, r)) out[out.length - 1] = { ...last, end: r.end };
    else out.push({ ...r });
  }
  return out;
}

function rangeText(r: RangeJson): string {
  return `${r.start}-${r.end}`;
}

/** The readable differences of what `agree` compares: VTL2 RAM, address space, MMIO, pool. */
export function compareTopologies(first: BootOutput, second: BootOutput): string[] {
  const pool = (o: BootOutput) => o.addressSpace.filter((r) => r.type === "VTL2_GPA_POOL");
  // A restore rebuilds VTL2 RAM from the saved ranges with touching ranges merged (upstream
  // merges adjacent entries of the same node and type), so compare the merged forms.
  const ram = (o: BootOutput) => mergeTouching(o.vtl2Ram, (x, y) => x.vnode === y.vnode && x.igvmType === y.igvmType);
  return [
    ...listDifferences("VTL2 RAM", ram(first), ram(second), (r) => `${rangeText(r)} (node ${r.vnode}, igvm type ${r.igvmType})`),
    ...listDifferences("address space", first.addressSpace, second.addressSpace, (r) => `${rangeText(r)} ${r.type} (node ${r.vnode})`),
    ...listDifferences("VTL0 MMIO", first.vtl0Mmio, second.vtl0Mmio, rangeText),
    ...listDifferences("VTL2 MMIO", first.vtl2Mmio, second.vtl2Mmio, rangeText),
    ...listDifferences("pool", pool(first), pool(second), (r) => `${rangeText(r)} (node ${r.vnode})`),
  ];
}

/** Saves the first boot's state as usermode does; a save failure is unusable input. */
export function persistFrom(first: BootImageResult, noIoCpus: number[] = [], ioCpus: number[] = []): PersistedImage {
  let p: PersistedImage;
  try {
    p = writePersistedInfo(persistInputFromBoot(topologyOf(first.output), noIoCpus, ioCpus));
  } catch (e) {
    if (e instanceof PersistError) throw new InputError(`saving the persisted state: ${e.message}`);
    throw e;
  }
  const region = first.vtl2.params.persistedState;
  if (p.headerGpa !== region.start) {
    throw new InputError(
      `saving the persisted state: the persisted header range starts at 0x${p.headerGpa.toString(16)}, ` +
        `not at the shim's persisted-state region 0x${region.start.toString(16)}`,
    );
  }
  return p;
}

/**
 * Boot → save → boot again from the saved state. Throws like bootImage when either boot fails
 * (the second boot's failure is the restore's upstream message).
 */
export function serviceImage(r: ResolvedImage, opts: ServiceOptions): ServiceResult {
  const first = bootImage(r, { shim: opts.shim });
  const persisted = persistFrom(first, opts.noIoCpus, opts.ioCpus);
  const placed = opts.tamper ? applyTamper(persisted, opts.tamper, first.vtl2.params.persistedState) : persisted.image;
  const second = bootImage(r, { shim: opts.restoreShim ?? opts.shim, persistedState: placed });
  const differences = compareTopologies(first.output, second.output);
  return {
    output: { ok: true, first: first.output, second: second.output, agree: differences.length === 0, differences },
    first,
    second,
    persisted,
    placed,
  };
}
