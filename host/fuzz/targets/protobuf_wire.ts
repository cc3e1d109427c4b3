//! Wire-level mutation of protobuf payloads: parse into a field tree, change values, repeat, drop,
//! reorder or re-encode fields (packed/unpacked, over-long varints, unknown fields), write back with
//! consistent lengths. Keeps most mutants well formed so the decoders are compared on them.
// Ports: nothing upstream (protobuf wire format as mesh_protobuf and protobufjs read it).
import type { Rng } from "../rng.js";

/** One field: number, wire type, and a varint value, raw bytes, or nested fields. */
export interface WireField {
  num: number;
  wire: 0 | 1 | 2 | 5;
  value: bigint;
  /** Padding bytes of a varint written longer than needed (0: minimal). */
  pad: number;
  bytes?: Uint8Array;
  /** Nested fields when `bytes` parse as a message (written from these). */
  nested?: WireField[];
}

function readVarint(b: Uint8Array, at: number): [bigint, number] | null {
  let v = 0n;
  for (let i = 0; i < 10 && at + i < b.length; i++) {
    v |= BigInt(b[at + i]! & 0x7f) << BigInt(7 * i);
    if ((b[at + i]! & 0x80) === 0) return [v & 0xffff_ffff_ffff_ffffn, at + i + 1];
  }
  return null;
}

/** Parses `b` as a message (nested length-delimited fields parsed too, up to `depth`); null when malformed. */
export function parseWire(b: Uint8Array, depth = 3): WireField[] | null {
  const out: WireField[] = [];
  for (let at = 0; at < b.length; ) {
    const k = readVarint(b, at);
    if (!k || k[0] > 0xffff_ffffn) return null;
    at = k[1];
    const wire = Number(k[0] & 7n);
    const num = Number(k[0] >> 3n);
    if (wire === 0) {
      const v = readVarint(b, at);
      if (!v) return null;
      out.push({ num, wire, value: v[0], pad: 0 });
      at = v[1];
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (at + n > b.length) return null;
      out.push({ num, wire, value: 0n, pad: 0, bytes: new Uint8Array(b.subarray(at, at + n)) });
      at += n;
    } else if (wire === 2) {
      const l = readVarint(b, at);
      if (!l || l[1] + Number(l[0]) > b.length) return null;
      const bytes = new Uint8Array(b.subarray(l[1], l[1] + Number(l[0])));
      const nested = depth > 0 && bytes.length > 0 ? parseWire(bytes, depth - 1) ?? undefined : undefined;
      out.push({ num, wire, value: 0n, pad: 0, bytes, ...(nested ? { nested } : {}) });
      at = l[1] + Number(l[0]);
    } else return null;
  }
  return out;
}

function pushVarint(out: number[], v: bigint, pad = 0): void {
  let x = v & 0xffff_ffff_ffff_ffffn;
  const bytes: number[] = [];
  do {
    bytes.push(Number(x & 0x7fn));
    x >>= 7n;
  } while (x > 0n);
  for (let i = 0; i < pad && bytes.length < 10; i++) bytes.push(0);
  for (let i = 0; i < bytes.length - 1; i++) bytes[i]! |= 0x80;
  out.push(...bytes);
}

/** Writes fields back to bytes (lengths recomputed from nested fields). */
export function writeWire(fields: readonly WireField[]): Uint8Array {
  const out: number[] = [];
  for (const f of fields) {
    pushVarint(out, (BigInt(f.num) << 3n) | BigInt(f.wire));
    if (f.wire === 0) pushVarint(out, f.value, f.pad);
    else if (f.wire === 2) {
      const body = f.nested ? writeWire(f.nested) : f.bytes ?? new Uint8Array(0);
      pushVarint(out, BigInt(body.length), f.pad);
      for (const x of body) out.push(x);
    } else for (const x of f.bytes!) out.push(x);
  }
  return Uint8Array.from(out);
}

const INTERESTING: readonly bigint[] = [0n, 1n, 0x7fn, 0x80n, 0xfffn, 0x1000n, 0xffffn, 0x10000n, 0xffff_ffffn, 0x1_0000_0000n,
  0x1_0000_1000n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffff_ffff_f000n, 0xffff_ffff_ffff_ffffn];

/** Every field list in the tree (the top level and each nested message). */
function lists(fields: WireField[], acc: WireField[][] = []): WireField[][] {
  acc.push(fields);
  for (const f of fields) if (f.nested) lists(f.nested, acc);
  return acc;
}

const clone = (fs: readonly WireField[]): WireField[] => fs.map((f) => ({ ...f, ...(f.nested ? { nested: clone(f.nested) } : {}) }));

/** One to three wire-level mutations of `payload`; null when it does not parse as a message. */
export function mutateWire(payload: Uint8Array, rng: Rng): Uint8Array | null {
  const parsed = parseWire(payload);
  if (!parsed) return null;
  const tree = clone(parsed);
  for (let n = 1 + rng.below(3); n > 0; n--) {
    const all = lists(tree);
    const list = rng.pick(all);
    const i = rng.below(Math.max(list.length, 1));
    const f = list[i];
    switch (rng.below(9)) {
      case 0: // a new value for a varint
        if (f?.wire === 0) f.value = rng.chance(0.5) ? rng.pick(INTERESTING) : f.value + BigInt(rng.int(-2, 2)) & 0xffff_ffff_ffff_ffffn;
        break;
      case 1: // repeat a field (a second element, or a merge of a singular message)
        if (f) list.splice(i + 1, 0, ...clone([f]));
        break;
      case 2:
        if (f) list.splice(i, 1);
        break;
      case 3: // reorder
        if (f && list.length > 1) {
          const j = rng.below(list.length);
          [list[i], list[j]] = [list[j]!, f];
        }
        break;
      case 4: // an unknown field
        list.splice(i, 0, rng.chance(0.5)
          ? { num: rng.int(5, 40), wire: 0, value: rng.pick(INTERESTING), pad: 0 }
          : { num: rng.int(5, 40), wire: rng.pick([1, 2, 5] as const), value: 0n, pad: 0, bytes: new Uint8Array(rng.pick([0, 4, 8, 3])) });
        if (list[i]!.wire === 1) list[i]!.bytes = new Uint8Array(8);
        if (list[i]!.wire === 5) list[i]!.bytes = new Uint8Array(4);
        break;
      case 5: // a longer encoding of a varint or length
        if (f && (f.wire === 0 || f.wire === 2)) f.pad = rng.int(1, 6);
        break;
      case 6: // unpack a packed list into varints
        if (f?.wire === 2 && f.bytes && !f.nested) {
          const vals: WireField[] = [];
          for (let at = 0; at < f.bytes.length; ) {
            const v = readVarint(f.bytes, at);
            if (!v) break;
            vals.push({ num: f.num, wire: 0, value: v[0], pad: 0 });
            at = v[1];
          }
          list.splice(i, 1, ...vals);
        }
        break;
      case 7: // pack runs of varints with the same number
        if (f?.wire === 0) {
          let j = i;
          const body: number[] = [];
          while (j < list.length && list[j]!.num === f.num && list[j]!.wire === 0) pushVarint(body, list[j++]!.value);
          list.splice(i, j - i, { num: f.num, wire: 2, value: 0n, pad: 0, bytes: Uint8Array.from(body) });
        }
        break;
      default: // move a field into another message (wrong place, wrong type)
        if (f) {
          const to = rng.pick(all);
          if (to === list || (f.nested && lists(f.nested).includes(to))) break; // no cycles
          list.splice(i, 1);
          to.push(f);
        }
    }
  }
  return writeWire(tree);
}
