//! The reference side of the `persisted` target: protobufjs's decode of a SavedState payload, and
//! the wire shapes on which protobufjs and mesh_protobuf must read the same values.
// Ports: the wire rules of support/mesh/mesh_protobuf/src/protobuf.rs where they differ from
// protobufjs 8 (a known field of the wrong wire type fails instead of being skipped, field number 0
// and groups, varint lengths), for
// vm/loader/loader_defs/src/shim.rs `save_restore::SavedState` (proto/openhcl_boot.proto).
import { decodeSavedStateJs, type SavedState } from "../../persist/saved_state_proto.js";

/** Field layouts: for each message, field number → how it is declared (a message field may repeat:
 * both decoders merge a singular one and append a repeated one). */
type Decl = "u64" | "u32" | "packed-u32" | { msg: Msg; repeated: boolean };
type Msg = Record<number, Decl>;

const RANGE: Msg = { 1: "u64", 2: "u64" };
const WRAPPER: Msg = { 1: "u32" };
const MEMORY_ENTRY: Msg = { 1: { msg: RANGE, repeated: false }, 2: "u32", 3: { msg: WRAPPER, repeated: false }, 4: { msg: WRAPPER, repeated: false } };
const MMIO_ENTRY: Msg = { 1: { msg: RANGE, repeated: false }, 2: { msg: WRAPPER, repeated: false } };
const SAVED_STATE: Msg = { 1: { msg: MEMORY_ENTRY, repeated: true }, 2: { msg: MMIO_ENTRY, repeated: true }, 3: "packed-u32", 4: "packed-u32" };

/** Reads a varint of at most `max` bytes at `at` (below `end`): [value, next], or null. */
function varint(b: Uint8Array, at: number, end: number, max: number): [bigint, number] | null {
  let v = 0n;
  for (let i = 0; i < max; i++) {
    if (at + i >= end) return null;
    const x = b[at + i]!;
    v |= BigInt(x & 0x7f) << BigInt(7 * i);
    if ((x & 0x80) === 0) return [v, at + i + 1];
  }
  return null;
}

/** True when [at, end) is a message of layout `m` inside the common shape (see `commonShape`). */
function message(b: Uint8Array, at: number, end: number, m: Msg): boolean {
  while (at < end) {
    const key = varint(b, at, end, 5);
    if (!key || key[0] > 0xffff_ffffn) return false;
    at = key[1];
    const num = Number(key[0] >> 3n);
    const wire = Number(key[0] & 7n);
    if (num === 0) return false; // protobufjs rejects field number 0; mesh_protobuf skips it
    const decl = m[num];
    if (decl === undefined) {
      // Unknown field: skipped by both, when its value is well formed.
      if (wire === 0) {
        const v = varint(b, at, end, 10);
        if (!v) return false;
        at = v[1];
      } else if (wire === 1 || wire === 5) {
        at += wire === 1 ? 8 : 4;
        if (at > end) return false;
      } else if (wire === 2) {
        const len = varint(b, at, end, 5);
        if (!len || len[1] + Number(len[0]) > end) return false;
        at = len[1] + Number(len[0]);
      } else return false;
      continue;
    }
    if (decl === "u64" || decl === "u32") {
      const v = wire === 0 ? varint(b, at, end, decl === "u64" ? 10 : 5) : null;
      if (!v) return false;
      at = v[1];
    } else if (decl === "packed-u32") {
      if (wire === 0) {
        const v = varint(b, at, end, 5);
        if (!v) return false;
        at = v[1];
      } else if (wire === 2) {
        const len = varint(b, at, end, 5);
        if (!len || len[1] + Number(len[0]) > end) return false;
        const stop = len[1] + Number(len[0]);
        for (at = len[1]; at < stop; ) {
          const v = varint(b, at, stop, 5);
          if (!v) return false;
          at = v[1];
        }
      } else return false;
    } else {
      if (wire !== 2) return false;
      const len = varint(b, at, end, 5);
      if (!len || len[1] + Number(len[0]) > end) return false;
      if (!message(b, len[1], len[1] + Number(len[0]), decl.msg)) return false;
      at = len[1] + Number(len[0]);
    }
  }
  return at === end;
}

/**
 * True when protobufjs and mesh_protobuf must decode `payload` to the same SavedState: well formed,
 * every known field with its declared wire type (protobufjs skips a mismatch, mesh_protobuf fails),
 * u32 varints and keys in 5 bytes, u64 varints
 * in 10, unknown fields of wire types 0, 1, 2 and 5 only (mesh_protobuf rejects groups) and never
 * field number 0 (protobufjs rejects it, mesh_protobuf skips it).
 */
export function commonShape(payload: Uint8Array): boolean {
  return message(payload, 0, payload.length, SAVED_STATE);
}

/** protobufjs's decode of `payload`, or null when it rejects it. */
export function referenceDecode(payload: Uint8Array): SavedState | null {
  try {
    return decodeSavedStateJs(payload);
  } catch {
    return null;
  }
}
