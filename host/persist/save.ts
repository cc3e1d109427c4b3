//! Save side of servicing, as OpenHCL usermode does it: the partition memory map of the boot that
//! is ending becomes a protobuf `SavedState` in the persisted protobuf region, described by a
//! `PersistedStateHeader` in the persisted header page. Plus tamper helpers for failure tests.
// Ports: openhcl/underhill_core/src/loader/vtl2_config/mod.rs (`write_persisted_info`),
//        openhcl/bootloader_fdt_parser/src/lib.rs (persisted header/protobuf range lookup),
//        openhcl/openhcl_boot/src/dt.rs (the memory map usermode reads: partition RAM walked
//        against the VTL2 ranges), vm/loader/loader_defs/src/shim.rs (`PersistedStateHeader`).
import { encodeSavedState, MemoryVtlType, type MemoryVtlTypeName, type SavedState } from "./saved_state_proto.js";

/** "OHCLPHDR" read as a little-endian u64 (`PersistedStateHeader::MAGIC`). */
export const PERSISTED_STATE_MAGIC = 0x5244_4850_4c43_484fn;
/** Size of the repr(C) `PersistedStateHeader`: magic, protobuf_base, protobuf_region_len, payload len. */
export const PERSISTED_STATE_HEADER_SIZE = 32;

/** A partition RAM range of a boot result (CONTRACT `boot --json` `partitionRam`). */
export interface BootRamRange {
  start: bigint;
  end: bigint;
  vnode: number;
  igvmType: number;
}

/** A VTL2 range of a boot result (CONTRACT `boot --json` `addressSpace`; `type` is a MemoryVtlType name). */
export interface BootVtl2Range {
  start: bigint;
  end: bigint;
  vnode: number;
  type: MemoryVtlTypeName;
}

/** The part of a boot result that usermode persists. */
export interface BootTopology {
  partitionRam: BootRamRange[];
  addressSpace: BootVtl2Range[];
  vtl0Mmio: { start: bigint; end: bigint }[];
  vtl2Mmio: { start: bigint; end: bigint }[];
}

/** One entry of usermode's partition memory map (bootloader_fdt_parser `AddressRange`). */
export type AddressRange =
  | { kind: "memory"; start: bigint; end: bigint; vnode: number; vtlType: number; igvmType: number }
  | { kind: "mmio"; start: bigint; end: bigint; vtl: 0 | 2 };

/** What usermode knows when it saves: the memory map and the two persisted ranges. */
export interface PersistInput {
  /** Sorted by start, memory and MMIO together (as bootloader_fdt_parser sorts it). */
  partitionMemoryMap: AddressRange[];
  /** The VTL2_PERSISTED_STATE_HEADER range. */
  persistedHeader: { start: bigint; end: bigint };
  /** The VTL2_PERSISTED_STATE_PROTOBUF range. */
  persistedProtobufRegion: { start: bigint; end: bigint };
  cpusWithMappedInterruptsNoIo: number[];
  cpusWithOutstandingIo: number[];
}

/** The bytes to place in guest memory and where. */
export interface PersistedImage {
  /** Header bytes (32), written at `headerGpa`. */
  header: Uint8Array;
  headerGpa: bigint;
  /** Protobuf payload, written at `protobufGpa`. */
  payload: Uint8Array;
  protobufGpa: bigint;
  protobufRegionLen: bigint;
  /** Header, zero gap and payload as one blob to place at `headerGpa` (the persisted-state start). */
  image: Uint8Array;
  state: SavedState;
}

/** Persisting failed the way usermode's `write_persisted_info` / device tree parse would. */
export class PersistError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PersistError";
  }
}

function isVtlTypeName(name: string): name is MemoryVtlTypeName {
  return Object.prototype.hasOwnProperty.call(MemoryVtlType, name);
}

/** A VTL2 range of the address space as `AddressSpaceManager::vtl2_ranges` yields it. */
interface Vtl2TypedRange {
  start: bigint;
  end: bigint;
  vtlType: number;
}

/**
 * `vtl2_ranges()`: the address space with adjacent ranges of one MemoryVtlType merged, whatever
 * their NUMA node (the boot result's `addressSpace` is additionally split where the node changes).
 */
export function vtl2RangesFromBoot(addressSpace: BootVtl2Range[]): Vtl2TypedRange[] {
  const sorted = [...addressSpace].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Vtl2TypedRange[] = [];
  for (const v of sorted) {
    if (!isVtlTypeName(v.type)) throw new PersistError(`unknown MemoryVtlType name ${v.type}`);
    const vtlType = MemoryVtlType[v.type];
    const last = out[out.length - 1];
    if (last !== undefined) {
      // merge_adjacent_ranges' checks.
      if (v.start < last.end) throw new PersistError("ranges overlap");
      if (v.start === last.end && vtlType === last.vtlType) {
        if (v.end > last.end) last.end = v.end;
        continue;
      }
    }
    out.push({ start: v.start, end: v.end, vtlType });
  }
  return out;
}

/** Rust `{:?}` of a `MemoryRange` (derived Debug, decimal fields). */
function debugRange(start: bigint, end: bigint): string {
  return `MemoryRange { start: ${start}, end: ${end} }`;
}

/** Index of the non-empty range of `list` (sorted, disjoint) containing `addr`, or -1. */
function containing(list: { start: bigint; end: bigint }[], addr: bigint): number {
  for (let i = 0; i < list.length; i++) if (list[i].start <= addr && addr < list[i].end) return i;
  return -1;
}

/**
 * The memory map the shim reports to usermode (dt.rs): `walk_ranges` of partition RAM against
 * `vtl2_ranges()` (RAM alone is VTL0, RAM under a VTL2 range takes its type, a VTL2 range outside
 * RAM is the shim's panic), then VTL0 and VTL2 MMIO; sorted by start as usermode's parser sorts it.
 */
export function partitionMemoryMapFromBoot(boot: BootTopology): AddressRange[] {
  const ram = [...boot.partitionRam].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const vtl2 = vtl2RangesFromBoot(boot.addressSpace);
  const points = new Set<bigint>();
  for (const r of [...ram, ...vtl2]) {
    if (r.start >= r.end) continue;
    points.add(r.start);
    points.add(r.end);
  }
  const cuts = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: AddressRange[] = [];
  // Walk elementary intervals; a piece ends where either side's range changes (walk_ranges).
  let i = 0;
  while (i + 1 < cuts.length) {
    const start = cuts[i];
    const li = containing(ram, start);
    const ri = containing(vtl2, start);
    let j = i + 1;
    while (j + 1 < cuts.length && containing(ram, cuts[j]) === li && containing(vtl2, cuts[j]) === ri) j++;
    const end = cuts[j];
    i = j;
    if (li < 0 && ri < 0) continue;
    if (li < 0) throw new PersistError(`vtl2 range ${debugRange(start, end)} not contained in partition ram`);
    const r = ram[li];
    const vtlType = ri < 0 ? MemoryVtlType.VTL0 : vtl2[ri].vtlType;
    out.push({ kind: "memory", start, end, vnode: r.vnode, vtlType, igvmType: r.igvmType });
  }
  for (const m of boot.vtl0Mmio) out.push({ kind: "mmio", start: m.start, end: m.end, vtl: 0 });
  for (const m of boot.vtl2Mmio) out.push({ kind: "mmio", start: m.start, end: m.end, vtl: 2 });
  // Stable sort by start, as Vec::sort_by_key.
  return out.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => (a.start < b.start ? -1 : a.start > b.start ? 1 : i - j)).map(([e]) => e);
}

function hexRange(start: bigint, end: bigint): string {
  return `${"0x" + start.toString(16)}-${"0x" + end.toString(16)}`;
}

/** The single range of `vtlType` in the map, with usermode's errors when absent or repeated. */
function uniqueRange(map: AddressRange[], vtlType: number, what: string): { start: bigint; end: bigint } {
  const found = map.filter((e) => e.kind === "memory" && e.vtlType === vtlType);
  if (found.length === 0) throw new PersistError(`no VTL2 persisted ${what} range found`);
  if (found.length > 1) throw new PersistError(`multiple VTL2 persisted ${what} ranges found`);
  return { start: found[0].start, end: found[0].end };
}

/** Usermode's view of a boot: memory map plus the persisted header and protobuf ranges. */
export function persistInputFromBoot(boot: BootTopology, cpusWithMappedInterruptsNoIo: number[] = [], cpusWithOutstandingIo: number[] = []): PersistInput {
  const partitionMemoryMap = partitionMemoryMapFromBoot(boot);
  // bootloader_fdt_parser looks at the reserved range before the persisted ones.
  if (partitionMemoryMap.filter((e) => e.kind === "memory" && e.vtlType === MemoryVtlType.VTL2_RESERVED).length > 1) {
    throw new PersistError("multiple VTL2 reserved ranges found");
  }
  return {
    partitionMemoryMap,
    persistedHeader: uniqueRange(partitionMemoryMap, MemoryVtlType.VTL2_PERSISTED_STATE_HEADER, "header"),
    persistedProtobufRegion: uniqueRange(partitionMemoryMap, MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF, "protobuf region"),
    cpusWithMappedInterruptsNoIo,
    cpusWithOutstandingIo,
  };
}

/** The `SavedState` usermode builds from its memory map (memory and MMIO kept in map order). */
export function savedStateFromInput(input: PersistInput): SavedState {
  const state: SavedState = { partitionMemory: [], partitionMmio: [], cpusWithMappedInterruptsNoIo: [...input.cpusWithMappedInterruptsNoIo], cpusWithOutstandingIo: [...input.cpusWithOutstandingIo] };
  for (const e of input.partitionMemoryMap) {
    if (e.kind === "memory") state.partitionMemory.push({ start: e.start, end: e.end, vnode: e.vnode, vtlType: e.vtlType, igvmType: e.igvmType });
    else state.partitionMmio.push({ start: e.start, end: e.end, vtlType: e.vtl === 0 ? MemoryVtlType.VTL0_MMIO : MemoryVtlType.VTL2_MMIO });
  }
  return state;
}

/** The 32-byte little-endian `PersistedStateHeader`. */
export function encodeHeader(h: { magic?: bigint; protobufBase: bigint; protobufRegionLen: bigint; protobufPayloadLen: bigint }): Uint8Array {
  const b = new Uint8Array(PERSISTED_STATE_HEADER_SIZE);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, h.magic ?? PERSISTED_STATE_MAGIC, true);
  v.setBigUint64(8, h.protobufBase, true);
  v.setBigUint64(16, h.protobufRegionLen, true);
  v.setBigUint64(24, h.protobufPayloadLen, true);
  return b;
}

/** Parses the header at the start of `image` (no checks). */
export function decodeHeader(image: Uint8Array): { magic: bigint; protobufBase: bigint; protobufRegionLen: bigint; protobufPayloadLen: bigint } {
  if (image.length < PERSISTED_STATE_HEADER_SIZE) throw new PersistError(`persisted image of ${image.length} bytes has no header`);
  const v = new DataView(image.buffer, image.byteOffset, PERSISTED_STATE_HEADER_SIZE);
  return { magic: v.getBigUint64(0, true), protobufBase: v.getBigUint64(8, true), protobufRegionLen: v.getBigUint64(16, true), protobufPayloadLen: v.getBigUint64(24, true) };
}

/**
 * Port of `write_persisted_info`: encodes SavedState, places it at the start of the protobuf
 * region (failing like the mapping write when it does not fit), then writes the header.
 */
export function writePersistedInfo(input: PersistInput): PersistedImage {
  const state = savedStateFromInput(input);
  const payload = encodeSavedState(state);
  const region = input.persistedProtobufRegion;
  const regionLen = region.end - region.start;
  if (BigInt(payload.length) > regionLen) {
    throw new PersistError(`failed to write persisted state protobuf: ${payload.length} bytes do not fit the ${regionLen} byte protobuf region`);
  }
  const headerRange = input.persistedHeader;
  if (headerRange.end - headerRange.start < BigInt(PERSISTED_STATE_HEADER_SIZE)) {
    throw new PersistError(`persisted header range ${hexRange(headerRange.start, headerRange.end)} is smaller than the header`);
  }
  const header = encodeHeader({ protobufBase: region.start, protobufRegionLen: regionLen, protobufPayloadLen: BigInt(payload.length) });
  if (region.start < headerRange.start + BigInt(PERSISTED_STATE_HEADER_SIZE)) {
    throw new PersistError(`protobuf region ${hexRange(region.start, region.end)} overlaps the persisted header`);
  }
  const gap = Number(region.start - headerRange.start);
  if (gap > 64 * 1024 * 1024) throw new PersistError(`protobuf region is ${gap} bytes past the header; not one blob`);
  const image = new Uint8Array(gap + payload.length);
  image.set(header, 0);
  image.set(payload, gap);
  return { header, headerGpa: headerRange.start, payload, protobufGpa: region.start, protobufRegionLen: regionLen, image, state };
}

// ---- tamper helpers: each returns a modified copy of a persisted image ----

function withHeader(image: Uint8Array, patch: Partial<ReturnType<typeof decodeHeader>>): Uint8Array {
  const out = image.slice();
  out.set(encodeHeader({ ...decodeHeader(image), ...patch }), 0);
  return out;
}

/** Flips the magic so the next boot sees no persisted state (a first boot). */
export function tamperMagic(image: Uint8Array, magic = PERSISTED_STATE_MAGIC ^ 0xffn): Uint8Array {
  return withHeader(image, { magic });
}

/** Points the header at another protobuf base / region length (payload bytes are not moved). */
export function tamperProtobufRegion(image: Uint8Array, protobufBase: bigint, protobufRegionLen?: bigint): Uint8Array {
  return withHeader(image, { protobufBase, ...(protobufRegionLen !== undefined ? { protobufRegionLen } : {}) });
}

/** Sets the header's payload length (shorter truncates the message, longer reads zeros). */
export function tamperPayloadLen(image: Uint8Array, protobufPayloadLen: bigint): Uint8Array {
  return withHeader(image, { protobufPayloadLen });
}

/** Overwrites payload bytes at `offset` (relative to the payload start) with `bytes`. */
export function garblePayload(image: Uint8Array, payloadOffset: number, offset: number, bytes: Uint8Array): Uint8Array {
  const out = image.slice();
  if (payloadOffset + offset + bytes.length > out.length) throw new PersistError("garble past the end of the persisted image");
  out.set(bytes, payloadOffset + offset);
  return out;
}

/** Replaces the whole payload with `payload` and fixes the header's payload length. */
export function replacePayload(image: Uint8Array, payloadOffset: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payloadOffset + payload.length);
  out.set(image.subarray(0, payloadOffset), 0);
  out.set(payload, payloadOffset);
  return withHeader(out, { protobufPayloadLen: BigInt(payload.length) });
}
