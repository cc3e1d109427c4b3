//! SavedState protobuf schema (proto/openhcl_boot.proto) loaded with protobufjs, and the
//! mesh_protobuf-compatible encoding rules applied when building messages.
// Ports: vm/loader/loader_defs/src/shim.rs (`save_restore`); wire rules of
// support/mesh/mesh_protobuf/src/protobuf.rs (FieldWriter: zero scalars and empty messages omitted).
import protobuf from "protobufjs";
import { SAVED_STATE_DESCRIPTOR } from "./saved_state_descriptor.js";

/** MemoryVtlType values (loader_defs::shim::MemoryVtlType), by upstream name. */
export const MemoryVtlType = {
  VTL0: 0,
  VTL2_RAM: 1,
  VTL2_CONFIG: 2,
  VTL2_SIDECAR_IMAGE: 3,
  VTL2_SIDECAR_NODE: 4,
  VTL0_MMIO: 5,
  VTL2_MMIO: 6,
  VTL2_RESERVED: 7,
  VTL2_GPA_POOL: 8,
  VTL2_TDX_PAGE_TABLES: 9,
  VTL2_BOOTSHIM_LOG_BUFFER: 10,
  VTL2_PERSISTED_STATE_HEADER: 11,
  VTL2_PERSISTED_STATE_PROTOBUF: 12,
} as const;

/** Name of a MemoryVtlType name string. */
export type MemoryVtlTypeName = keyof typeof MemoryVtlType;

/** One `MemoryEntry` of `SavedState.partition_memory`. */
export interface SavedMemoryEntry {
  start: bigint;
  end: bigint;
  vnode: number;
  vtlType: number;
  igvmType: number;
}

/** One `MmioEntry` of `SavedState.partition_mmio`. */
export interface SavedMmioEntry {
  start: bigint;
  end: bigint;
  vtlType: number;
}

/** `loader_defs::shim::save_restore::SavedState` with bigint addresses. */
export interface SavedState {
  partitionMemory: SavedMemoryEntry[];
  partitionMmio: SavedMmioEntry[];
  cpusWithMappedInterruptsNoIo: number[];
  cpusWithOutstandingIo: number[];
}

let cachedRoot: protobuf.Root | undefined;

/** The protobufjs root holding `openhcl.openhcl_boot.SavedState` (built once from the descriptor
 * of proto/, no file system access). */
export function savedStateRoot(): protobuf.Root {
  if (!cachedRoot) {
    const root = protobuf.Root.fromJSON(SAVED_STATE_DESCRIPTOR as unknown as protobuf.INamespace);
    root.resolveAll();
    cachedRoot = root;
  }
  return cachedRoot;
}

/** The SavedState message type. */
export function savedStateType(): protobuf.Type {
  return savedStateRoot().lookupType("openhcl.openhcl_boot.SavedState");
}

function u64(v: bigint): protobuf.Long {
  if (v < 0n || v >= 1n << 64n) throw new RangeError(`value ${v} does not fit in u64`);
  // protobufjs reads {low, high} long-likes directly (util.LongBits.from); no `long` import needed.
  return { low: Number(v & 0xffff_ffffn) | 0, high: Number(v >> 32n) | 0, unsigned: true } as unknown as protobuf.Long;
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`${what} ${v} does not fit in u32`);
  return v;
}

/** A `MemoryRange` message object, omitting zero fields as mesh_protobuf does. */
function rangeObject(start: bigint, end: bigint): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (start !== 0n) o.start = u64(start);
  if (end !== 0n) o.end = u64(end);
  return o;
}

/** Sets `key` to a one-field wrapper message unless the value is zero (an empty message). */
function setWrapped(o: Record<string, unknown>, key: string, value: number): void {
  if (value !== 0) o[key] = { field1: value };
}

/** The protobufjs object for `state` with every default value left out (mesh_protobuf rules). */
export function savedStateObject(state: SavedState): Record<string, unknown> {
  const memory = state.partitionMemory.map((e) => {
    const o: Record<string, unknown> = {};
    if (e.start !== 0n || e.end !== 0n) o.range = rangeObject(e.start, e.end);
    if (u32(e.vnode, "vnode") !== 0) o.vnode = e.vnode;
    setWrapped(o, "vtl_type", u32(e.vtlType, "vtl type"));
    if (!Number.isInteger(e.igvmType) || e.igvmType < 0 || e.igvmType > 0xffff) {
      throw new RangeError(`igvm type ${e.igvmType} does not fit in u16`);
    }
    setWrapped(o, "igvm_type", e.igvmType);
    return o;
  });
  const mmio = state.partitionMmio.map((e) => {
    const o: Record<string, unknown> = {};
    if (e.start !== 0n || e.end !== 0n) o.range = rangeObject(e.start, e.end);
    setWrapped(o, "vtl_type", u32(e.vtlType, "vtl type"));
    return o;
  });
  const o: Record<string, unknown> = {};
  if (memory.length > 0) o.partition_memory = memory;
  if (mmio.length > 0) o.partition_mmio = mmio;
  const noIo = state.cpusWithMappedInterruptsNoIo.map((c) => u32(c, "cpu id"));
  const io = state.cpusWithOutstandingIo.map((c) => u32(c, "cpu id"));
  if (noIo.length > 0) o.cpus_with_mapped_interrupts_no_io = noIo;
  if (io.length > 0) o.cpus_with_outstanding_io = io;
  return o;
}

/** Encodes `state` exactly as `mesh_protobuf::encode` writes it. */
export function encodeSavedState(state: SavedState): Uint8Array {
  const type = savedStateType();
  return type.encode(type.fromObject(savedStateObject(state))).finish();
}

interface WireObject {
  partition_memory?: { range?: { start?: bigint; end?: bigint }; vnode?: number; vtl_type?: { field1?: number }; igvm_type?: { field1?: number } }[];
  partition_mmio?: { range?: { start?: bigint; end?: bigint }; vtl_type?: { field1?: number } }[];
  cpus_with_mapped_interrupts_no_io?: number[];
  cpus_with_outstanding_io?: number[];
}

/** Decodes SavedState bytes with protobufjs (reference decoder for tests and tools). */
export function decodeSavedStateJs(bytes: Uint8Array): SavedState {
  const type = savedStateType();
  const o = type.toObject(type.decode(bytes), { longs: BigInt, defaults: false, arrays: true }) as WireObject;
  return {
    partitionMemory: (o.partition_memory ?? []).map((e) => ({
      start: BigInt(e.range?.start ?? 0n),
      end: BigInt(e.range?.end ?? 0n),
      vnode: e.vnode ?? 0,
      vtlType: e.vtl_type?.field1 ?? 0,
      igvmType: (e.igvm_type?.field1 ?? 0) & 0xffff,
    })),
    partitionMmio: (o.partition_mmio ?? []).map((e) => ({
      start: BigInt(e.range?.start ?? 0n),
      end: BigInt(e.range?.end ?? 0n),
      vtlType: e.vtl_type?.field1 ?? 0,
    })),
    cpusWithMappedInterruptsNoIo: o.cpus_with_mapped_interrupts_no_io ?? [],
    cpusWithOutstandingIo: o.cpus_with_outstanding_io ?? [],
  };
}
