//! Servicing inputs of the `boot` target: how the saved state of a first boot is varied before the
//! second boot reads it. Usermode-shaped saves (its memory map, with CPU lists chosen per node)
//! and independently varied ones (every field the shim reads on restore edited on its own).
// Ports: the restore inputs of openhcl/openhcl_boot/src/host_params/dt/mod.rs
// (topology_from_persisted_state: partition_memory with vtl/igvm types and vnodes, VTL2 ranges,
// pool ranges, partition_mmio, cpus_with_mapped_interrupts_no_io, cpus_with_outstanding_io, the
// latter driving the sidecar per-CPU overrides), written the way host/persist/save.ts saves them.
import fc from "fast-check";
import { encodeSavedState, MemoryVtlType, type SavedState } from "../../persist/saved_state_proto.js";
import { replacePayload, type PersistedImage } from "../../persist/save.js";

/** One edit of the saved state; indexes and values are taken modulo the lists they address. */
export type SavedStateEdit =
  | { op: "drop-memory" | "dup-memory" | "swap-memory"; index: number }
  | { op: "shift-memory"; index: number; pages: number; end: boolean }
  | { op: "vnode"; index: number; vnode: number }
  | { op: "vtl-type"; index: number; vtlType: number }
  | { op: "igvm-type"; index: number; igvmType: number }
  | { op: "add-pool"; index: number; pages: number }
  | { op: "drop-mmio" | "dup-mmio"; index: number }
  | { op: "shift-mmio"; index: number; pages: number }
  | { op: "mmio-vtl"; index: number; vtl2: boolean };

/** How a servicing input derives its saved state from the first boot. */
export interface ServiceSpec {
  /** `usermode`: as usermode saves it (CPU lists only); `varied`: `edits` applied besides. */
  shape: "usermode" | "varied";
  /** CPU lists as VP indexes; `mod` maps them into the VM's CPU count, `raw` keeps them (out of range, huge). */
  noIo: number[];
  io: number[];
  cpuIds: "mod" | "raw";
  edits: SavedStateEdit[];
}

const idx = fc.nat({ max: 1 << 16 });
/** One saved-state edit. */
export const savedStateEditArb: fc.Arbitrary<SavedStateEdit> = fc.oneof(
  fc.record({ op: fc.constantFrom("drop-memory" as const, "dup-memory" as const, "swap-memory" as const), index: idx }),
  fc.record({ op: fc.constant("shift-memory" as const), index: idx, pages: fc.integer({ min: -512, max: 512 }), end: fc.boolean() }),
  fc.record({ op: fc.constant("vnode" as const), index: idx, vnode: fc.oneof(fc.nat({ max: 8 }), fc.constant(63), fc.constant(64), fc.constant(0xffff_ffff)) }),
  fc.record({ op: fc.constant("vtl-type" as const), index: idx, vtlType: fc.nat({ max: 13 }) }),
  fc.record({ op: fc.constant("igvm-type" as const), index: idx, igvmType: fc.nat({ max: 6 }) }),
  fc.record({ op: fc.constant("add-pool" as const), index: idx, pages: fc.integer({ min: 1, max: 4096 }) }),
  fc.record({ op: fc.constantFrom("drop-mmio" as const, "dup-mmio" as const), index: idx }),
  fc.record({ op: fc.constant("shift-mmio" as const), index: idx, pages: fc.integer({ min: -4096, max: 4096 }) }),
  fc.record({ op: fc.constant("mmio-vtl" as const), index: idx, vtl2: fc.boolean() }),
);

const cpuList = fc.oneof(
  { weight: 3, arbitrary: fc.constant([] as number[]) },
  { weight: 3, arbitrary: fc.array(fc.nat({ max: 4095 }), { minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.array(fc.nat({ max: 4095 }), { minLength: 9, maxLength: 300 }) },
);

/** A servicing spec: half usermode-shaped, half independently varied. */
export const serviceSpecArb: fc.Arbitrary<ServiceSpec> = fc.record({
  shape: fc.constantFrom("usermode" as const, "varied" as const),
  noIo: cpuList,
  io: cpuList,
  cpuIds: fc.oneof({ weight: 4, arbitrary: fc.constant("mod" as const) }, { weight: 1, arbitrary: fc.constant("raw" as const) }),
  edits: fc.array(savedStateEditArb, { minLength: 1, maxLength: 4 }),
}).map((s) => (s.shape === "usermode" ? { ...s, edits: [] } : s));

/** The CPU lists of `spec` for a VM of `cpuCount` CPUs (sorted, unique, as usermode writes them). */
export function serviceCpuLists(spec: ServiceSpec, cpuCount: number): { noIo: number[]; io: number[] } {
  const map = (l: number[]): number[] => [...new Set(spec.cpuIds === "mod" ? l.map((c) => c % Math.max(1, cpuCount)) : l)].sort((a, b) => a - b);
  return { noIo: map(spec.noIo), io: map(spec.io) };
}

const PAGE = 0x1000n;

/** Applies the edits to a copy of `s`. */
export function editSavedState(s: SavedState, edits: readonly SavedStateEdit[]): SavedState {
  const mem = s.partitionMemory.map((e) => ({ ...e }));
  const mmio = s.partitionMmio.map((e) => ({ ...e }));
  for (const e of edits) {
    const mi = mem.length > 0 ? e.index % mem.length : -1;
    const oi = mmio.length > 0 ? e.index % mmio.length : -1;
    switch (e.op) {
      case "drop-memory": if (mi >= 0) mem.splice(mi, 1); break;
      case "dup-memory": if (mi >= 0) mem.splice(mi, 0, { ...mem[mi]! }); break;
      case "swap-memory": if (mi >= 0 && mem.length > 1) { const j = (mi + 1) % mem.length; [mem[mi], mem[j]] = [mem[j]!, mem[mi]!]; } break;
      case "shift-memory": if (mi >= 0) {
        const d = BigInt(e.pages) * PAGE;
        const m = mem[mi]!;
        if (e.end) m.end = m.end + d < 0n ? 0n : m.end + d; else m.start = m.start + d < 0n ? 0n : m.start + d;
      } break;
      case "vnode": if (mi >= 0) mem[mi]!.vnode = e.vnode; break;
      case "vtl-type": if (mi >= 0) mem[mi]!.vtlType = e.vtlType; break;
      case "igvm-type": if (mi >= 0) mem[mi]!.igvmType = e.igvmType; break;
      case "add-pool": {
        // A pool range carved from the top of a VTL2 RAM entry (as a previous boot's pool would be).
        const vtl2 = mem.map((m, i) => [m, i] as const).filter(([m]) => m.vtlType === MemoryVtlType.VTL2_RAM);
        if (vtl2.length === 0) break;
        const [m, i] = vtl2[e.index % vtl2.length]!;
        const len = BigInt(e.pages) * PAGE;
        if (m.end - m.start <= len) break;
        mem.splice(i + 1, 0, { start: m.end - len, end: m.end, vnode: m.vnode, vtlType: MemoryVtlType.VTL2_GPA_POOL, igvmType: m.igvmType });
        m.end -= len;
        break;
      }
      case "drop-mmio": if (oi >= 0) mmio.splice(oi, 1); break;
      case "dup-mmio": if (oi >= 0) mmio.splice(oi, 0, { ...mmio[oi]! }); break;
      case "shift-mmio": if (oi >= 0) { const d = BigInt(e.pages) * PAGE; const m = mmio[oi]!; m.start = m.start + d < 0n ? 0n : m.start + d; m.end = m.end + d < 0n ? 0n : m.end + d; } break;
      case "mmio-vtl": if (oi >= 0) mmio[oi]!.vtlType = e.vtl2 ? MemoryVtlType.VTL2_MMIO : MemoryVtlType.VTL0_MMIO; break;
    }
  }
  return { ...s, partitionMemory: mem, partitionMmio: mmio };
}

/** The persisted image with `state` as its payload (header's payload length fixed). */
export function withSavedState(p: PersistedImage, state: SavedState): Uint8Array {
  const offset = Number(p.protobufGpa - p.headerGpa);
  return replacePayload(p.image, offset, encodeSavedState(state));
}
