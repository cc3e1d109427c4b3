//! Persisted state across servicing: the `PersistedStateHeader` at the start of the shim's
//! persisted-state region and the decode of the protobuf payload it points to.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (`read_persisted_region_header`, the
//        decode step of `topology_from_persisted_state`), vm/loader/loader_defs/src/shim.rs
//        (`PersistedStateHeader`), openhcl/openhcl_boot/src/host_params/dt/bump_alloc.rs
//        (`with_global_alloc` statistics line).

import { guestRead } from "../../../../rt/guest";
import { logInfo } from "../../../../rt/log_level";
import { panic } from "../../../../rt/panic";
import { SavedState, decodeSavedState } from "./saved_state";

/** "OHCLPHDR" as a little-endian u64. */
export const PERSISTED_STATE_MAGIC: u64 = 0x5244_4850_4c43_484f;
/** Size of the repr(C) header: magic, protobuf_base, protobuf_region_len, protobuf_payload_len. */
export const PERSISTED_STATE_HEADER_SIZE: u32 = 32;

/** The header a previous instance wrote at the start of the persisted-state region. */
@final
export class PersistedStateHeader {
  constructor(
    public magic: u64,
    public protobufBase: u64,
    public protobufRegionLen: u64,
    public protobufPayloadLen: u64,
  ) {}

  /** Reads the 32-byte header at `gpa` from guest memory (no checks). */
  static read(gpa: u64): PersistedStateHeader {
    const buf = __alloc(<usize>PERSISTED_STATE_HEADER_SIZE);
    guestRead(gpa, buf, PERSISTED_STATE_HEADER_SIZE);
    return new PersistedStateHeader(load<u64>(buf), load<u64>(buf, 8), load<u64>(buf, 16), load<u64>(buf, 24));
  }
}

/**
 * The header at the start of the persisted-state region, or null when the magic is not set (a
 * first boot). Isolated guests never read it: their pages may not be accepted yet.
 */
export function readPersistedRegionHeader(isolated: bool, persistedStateStart: u64): PersistedStateHeader | null {
  if (isolated) return null;
  const header = PersistedStateHeader.read(persistedStateStart);
  return header.magic == PERSISTED_STATE_MAGIC ? header : null;
}

/**
 * Decodes the `SavedState` payload of `payloadLen` bytes at guest address `protobufBase` with a
 * fresh bump heap [heapStart, heapStart + heapSize), logging as the shim does; panics with the
 * shim's message when the payload does not decode or the heap runs out.
 */
export function decodePersistedProtobuf(protobufBase: u64, payloadLen: u64, heapStart: u64, heapSize: u64): SavedState {
  if (payloadLen > 0x7fff_ffff) panic("hclboot capacity: protobuf payload of " + payloadLen.toString() + " bytes");
  const len = <u32>payloadLen;
  const buf = __alloc(<usize>(len == 0 ? 1 : len));
  guestRead(protobufBase, buf, len);
  return decodeSavedStateLogged(buf, len, heapStart, heapSize);
}

/** Decodes `len` payload bytes already in linear memory, with the shim's log lines and panic. */
export function decodeSavedStateLogged(ptr: usize, len: u32, heapStart: u64, heapSize: u64): SavedState {
  logInfo("decoding protobuf of size " + len.toString());
  const state = new SavedState(heapSize);
  if (!decodeSavedState(ptr, <usize>len, heapStart, heapSize, state)) panic(state.failureMessage());
  logInfo(
    "Bump allocator: allocated " + state.heapAllocated.toString() + " bytes in " + state.heapAllocations.toString() +
      " allocations (" + state.heapFree.toString() + " bytes free)",
  );
  return state;
}

/** `{:?}` of a `Vec<u32>`: `[1, 2, 3]`, built in one pass (no per-element string concatenation). */
export function formatCpuList(list: StaticArray<u32>, count: i32): string {
  const n = count < list.length ? count : list.length;
  // At most 10 digits + ", " per id, plus the brackets; UTF-16 code units.
  const buf = __alloc(<usize>(n * 12 + 2) << 1);
  let at: usize = buf;
  store<u16>(at, 0x5b); // '['
  at += 2;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      store<u16>(at, 0x2c); // ','
      store<u16>(at + 2, 0x20);
      at += 4;
    }
    let v = unchecked(list[i]);
    let digits = 1;
    for (let t = v; t >= 10; t /= 10) digits++;
    for (let d = digits - 1; d >= 0; d--) {
      store<u16>(at + (<usize>d << 1), <u16>(0x30 + v % 10));
      v /= 10;
    }
    at += <usize>digits << 1;
  }
  store<u16>(at, 0x5d); // ']'
  at += 2;
  return String.UTF16.decodeUnsafe(buf, at - buf);
}

/** The shim's log line listing both CPU lists of the saved state. */
export function logPersistedCpus(state: SavedState): void {
  logInfo(
    "persisted state: cpus_with_mapped_interrupts_no_io=" + formatCpuList(state.cpusNoIo, state.cpusNoIoCount) +
      ", cpus_with_outstanding_io=" + formatCpuList(state.cpusIo, state.cpusIoCount),
  );
}
