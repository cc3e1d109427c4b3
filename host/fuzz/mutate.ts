//! Byte-level mutators for host device tree blobs and persisted-state payloads, driven by a seeded Rng.
// Ports: nothing upstream; the field offsets follow the devicetree specification (FDT header,
// big-endian) and loader_defs' PersistedStateHeader / protobuf wire format (little-endian, varints).
import type { Rng } from "./rng.js";

/** One named mutator: returns a new buffer, never modifies its input. */
export interface ByteMutator {
  name: string;
  apply(input: Uint8Array, rng: Rng, corpus?: readonly Uint8Array[]): Uint8Array;
}

/** Integers a mutation likes to write: boundaries of 8/16/32-bit fields, page sizes, ones past. */
const INTERESTING_32 = [0, 1, 2, 4, 8, 0x10, 0x28, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000,
  0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** FDT header fields (big-endian u32 at these offsets): totalsize, off_dt_struct, off_dt_strings,
 * off_mem_rsvmap, version, last_comp_version, boot_cpuid_phys, size_dt_strings, size_dt_struct. */
export const FDT_HEADER_FIELDS = [4, 8, 12, 16, 20, 24, 28, 32, 36] as const;
const FDT_MAGIC = 0xd00dfeed;
const FDT_PROP = 3;

/** A copy (never `b.slice()`: on a Node Buffer, such as protobufjs output, that is a view). */
const copy = (b: Uint8Array): Uint8Array => new Uint8Array(b);

function interesting(rng: Rng, old: number): number {
  switch (rng.below(4)) {
    case 0: return rng.pick(INTERESTING_32);
    case 1: return (old + rng.int(-16, 16)) >>> 0;
    case 2: return (old ^ (1 << rng.below(32))) >>> 0;
    default: return rng.u32();
  }
}

/** Offsets of FDT_PROP tokens' length fields (structure block walk, tolerant of garbage). */
export function fdtPropLengthOffsets(b: Uint8Array): number[] {
  if (b.length < 40) return [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0) !== FDT_MAGIC) return [];
  const off = v.getUint32(8);
  const size = v.getUint32(36);
  const out: number[] = [];
  for (let at = off; at + 12 <= Math.min(b.length, off + size); at += 4) {
    if (v.getUint32(at) === FDT_PROP) out.push(at + 4);
  }
  return out;
}

/** The mutators, in a fixed order (a campaign's choices depend on it). */
export const BYTE_MUTATORS: readonly ByteMutator[] = [
  { name: "bit-flip", apply(b, rng) {
    if (b.length === 0) return copy(b);
    const o = copy(b);
    for (let n = 1 + rng.below(4); n > 0; n--) o[rng.below(o.length)]! ^= 1 << rng.below(8);
    return o;
  } },
  { name: "byte-set", apply(b, rng) {
    if (b.length === 0) return copy(b);
    const o = copy(b);
    o[rng.below(o.length)] = rng.pick([0, 1, 0x7f, 0x80, 0xff, rng.below(256)]);
    return o;
  } },
  { name: "truncate", apply(b, rng) {
    return new Uint8Array(b.subarray(0, rng.below(b.length + 1)));
  } },
  { name: "extend", apply(b, rng) {
    const o = new Uint8Array(b.length + 1 + rng.below(64));
    o.set(b);
    const fill = rng.chance(0.5) ? 0 : rng.below(256);
    o.fill(fill, b.length);
    return o;
  } },
  { name: "insert-chunk", apply(b, rng) {
    const at = rng.below(b.length + 1);
    const n = 1 + rng.below(16);
    const o = new Uint8Array(b.length + n);
    o.set(b.subarray(0, at));
    for (let i = 0; i < n; i++) o[at + i] = rng.below(256);
    o.set(b.subarray(at), at + n);
    return o;
  } },
  { name: "delete-chunk", apply(b, rng) {
    if (b.length === 0) return copy(b);
    const at = rng.below(b.length);
    const n = 1 + rng.below(Math.min(32, b.length - at));
    const o = new Uint8Array(b.length - n);
    o.set(b.subarray(0, at));
    o.set(b.subarray(at + n), at);
    return o;
  } },
  { name: "splice", apply(b, rng, corpus) {
    const other = corpus && corpus.length > 0 ? rng.pick(corpus) : b;
    const cut = rng.below(b.length + 1);
    const from = rng.below(other.length + 1);
    const o = new Uint8Array(cut + other.length - from);
    o.set(b.subarray(0, cut));
    o.set(other.subarray(from), cut);
    return o;
  } },
  { name: "fdt-header-field", apply(b, rng) {
    const o = copy(b);
    const at = rng.pick(FDT_HEADER_FIELDS);
    if (at + 4 > o.length) return o;
    const v = new DataView(o.buffer);
    v.setUint32(at, interesting(rng, v.getUint32(at)));
    return o;
  } },
  { name: "fdt-prop-length", apply(b, rng) {
    const o = copy(b);
    const fields = fdtPropLengthOffsets(o);
    if (fields.length === 0) return o;
    const at = rng.pick(fields);
    const v = new DataView(o.buffer);
    v.setUint32(at, interesting(rng, v.getUint32(at)));
    return o;
  } },
  { name: "le-u32-field", apply(b, rng) {
    const o = copy(b);
    if (o.length < 4) return o;
    const at = rng.chance(0.5) ? rng.below(Math.min(o.length, 64) - 3) & ~3 : rng.below(o.length - 3);
    const v = new DataView(o.buffer);
    v.setUint32(at, interesting(rng, v.getUint32(at, true)), true);
    return o;
  } },
  { name: "le-u64-field", apply(b, rng) {
    const o = copy(b);
    if (o.length < 8) return o;
    const at = rng.below(Math.min(o.length, 64) - 7) & ~7;
    const v = new DataView(o.buffer);
    v.setBigUint64(at, rng.chance(0.5) ? BigInt(rng.pick(INTERESTING_32)) << BigInt(rng.pick([0, 12, 32])) : rng.u64(), true);
    return o;
  } },
  { name: "varint-length", apply(b, rng) {
    // A protobuf length-delimited field: tag byte with wire type 2, then a varint length.
    const o = copy(b);
    const starts: number[] = [];
    for (let i = 0; i + 1 < o.length; i++) if ((o[i]! & 7) === 2 && o[i]! >> 3 > 0 && o[i]! < 0x80) starts.push(i + 1);
    if (starts.length === 0) return o;
    const at = rng.pick(starts);
    o[at] = rng.pick([0, 1, 0x7f, 0xff, (o[at]! + 1) & 0xff, (o[at]! - 1) & 0xff]);
    return o;
  } },
];

/** Applies 1–`maxStack` random mutators in sequence; returns the result and the mutators' names. */
export function mutateBytes(input: Uint8Array, rng: Rng, corpus?: readonly Uint8Array[], maxStack = 3): { bytes: Uint8Array; applied: string[] } {
  let b = input;
  const applied: string[] = [];
  for (let n = 1 + rng.below(maxStack); n > 0; n--) {
    const m = rng.pick(BYTE_MUTATORS);
    b = m.apply(b, rng, corpus);
    applied.push(m.name);
  }
  return { bytes: b, applied };
}
