//! Decoder for the protobuf `SavedState` a previous OpenHCL instance left in the persisted
//! protobuf region, reproducing mesh_protobuf's decode (field rules, errors) and the boot shim's
//! bump-allocated heap (the same allocations succeed or fail as the Rust `Vec`s would).
// Ports: support/mesh/mesh_protobuf/src/protobuf.rs (read_varint, MessageReader::parse_field),
//        support/mesh/mesh_protobuf/src/encoding.rs (VecField, VarintField),
//        support/mesh/mesh_protobuf/src/table/decode.rs (unknown fields skipped, merge),
//        vm/loader/loader_defs/src/shim.rs (`save_restore::SavedState`),
//        openhcl/openhcl_boot/src/host_params/dt/bump_alloc.rs (heap accounting).
//
// Wire facts this decoder depends on (see proto/openhcl_boot.proto):
// - MemoryRange, MemoryVtlType and IgvmMemoryType are nested messages; integers are varints and
//   are truncated to the Rust field width (u32, u16), never rejected.
// - A field whose number is unknown is parsed (so a malformed value still fails) and skipped.
// - A repeated u32 field accepts a packed (length-delimited) value and unpacked varints, mixed.
// - A nested message may appear twice; the second occurrence merges into the first.
// - The whole payload is decoded with no resources, so wire type 6 with a nonzero resource count
//   and wire type 7 fail; wire types 3 and 4 are unknown.

import { panic } from "../../../../rt/panic";

// Decode failures: the `DecodeError` variant mesh_protobuf reports (Debug name in `errName`),
// or an allocation failure of the shim heap.
/** No error. */
export const DECODE_OK: i32 = 0;
export const DECODE_EOF_VARINT: i32 = 1;
export const DECODE_VARINT_TOO_BIG: i32 = 2;
export const DECODE_EOF_FIXED64: i32 = 3;
export const DECODE_EOF_FIXED32: i32 = 4;
export const DECODE_EOF_BYTE_ARRAY: i32 = 5;
export const DECODE_UNKNOWN_WIRE_TYPE: i32 = 6;
export const DECODE_INVALID_RESOURCE_RANGE: i32 = 7;
export const DECODE_MISSING_RESOURCE: i32 = 8;
export const DECODE_EXPECTED_MESSAGE: i32 = 9;
export const DECODE_EXPECTED_VARINT: i32 = 10;
/** The bump heap could not satisfy an allocation (`errorArg` = bytes requested). */
export const DECODE_ALLOC_FAILED: i32 = 11;

/** Rust layout sizes of the decoded element types (size, align). */
const MEMORY_ENTRY_SIZE: u64 = 32; // MemoryRange(16) + u32 + u32 + u16, padded to align 8
const MMIO_ENTRY_SIZE: u64 = 24; // MemoryRange(16) + u32, padded to align 8
const CPU_ID_SIZE: u64 = 4;
/** Boxed `DecodeError` (16 bytes) then `ErrorInner` (Vec + Box<dyn Error> = 40 bytes) on failure. */
const DECODE_ERROR_BOX_SIZE: u64 = 16;
const ERROR_INNER_BOX_SIZE: u64 = 40;
/** `RawVec`'s smallest non-zero capacity for elements of 2..=1024 bytes. */
const MIN_NON_ZERO_CAP: u64 = 4;
/** Storage limit per list when the shim heap is unusually large (hclboot capacity, not upstream). */
export const SAVED_STATE_MAX_ENTRIES: u64 = 1 << 20;

// Field value kinds (the wire type of the parsed field).
const K_VARINT: i32 = 0;
const K_FIXED64: i32 = 1;
const K_VARIABLE: i32 = 2;
const K_FIXED32: i32 = 5;
const K_MESH_MESSAGE: i32 = 6;

// Decoder state: scalars only (no heap objects live across calls).
let gPos: usize = 0;
let gErr: i32 = 0;
let gErrArg: u64 = 0;
let fNum: u32 = 0;
let fKind: i32 = 0;
let fVal: u64 = 0;
let fPtr: usize = 0;
let fLen: usize = 0;
let rStart: u64 = 0;
let rEnd: u64 = 0;
let wVal: u64 = 0;
let hNext: u64 = 0;
let hStart: u64 = 0;
let hEnd: u64 = 0;
let hCount: u32 = 0;

/** Largest `Vec` capacity a doubling growth can reach with `heap` bytes (storage bound). */
function reachableCapacity(heap: u64, elemSize: u64): i32 {
  let cap: u64 = 0;
  let next: u64 = MIN_NON_ZERO_CAP;
  let total: u64 = 0;
  while (next <= SAVED_STATE_MAX_ENTRIES && total + next * elemSize <= heap) {
    total += next * elemSize;
    cap = next;
    next <<= 1;
  }
  return <i32>cap;
}

/** A decoded `SavedState` in fixed-capacity storage sized from the shim heap. */
@final
export class SavedState {
  memStart: StaticArray<u64>;
  memEnd: StaticArray<u64>;
  memVnode: StaticArray<u32>;
  memVtlType: StaticArray<u32>;
  memIgvmType: StaticArray<u16>;
  /** Number of `partition_memory` entries. */
  memCount: i32 = 0;
  mmioStart: StaticArray<u64>;
  mmioEnd: StaticArray<u64>;
  mmioVtlType: StaticArray<u32>;
  /** Number of `partition_mmio` entries. */
  mmioCount: i32 = 0;
  cpusNoIo: StaticArray<u32>;
  /** Number of `cpus_with_mapped_interrupts_no_io` entries. */
  cpusNoIoCount: i32 = 0;
  cpusIo: StaticArray<u32>;
  /** Number of `cpus_with_outstanding_io` entries. */
  cpusIoCount: i32 = 0;
  // Rust `Vec` capacities, which drive heap allocations.
  memCap: u64 = 0;
  mmioCap: u64 = 0;
  noIoCap: u64 = 0;
  ioCap: u64 = 0;
  /** Heap bytes handed out (alignment included), allocation count and bytes left. */
  heapAllocated: u64 = 0;
  heapAllocations: u32 = 0;
  heapFree: u64 = 0;
  /** The failure (DECODE_*) and its argument, when decoding failed. */
  error: i32 = DECODE_OK;
  errorArg: u64 = 0;

  /** Storage for whatever a shim heap of `heapSize` bytes can hold. */
  constructor(heapSize: u64) {
    const mem = reachableCapacity(heapSize, MEMORY_ENTRY_SIZE);
    const mmio = reachableCapacity(heapSize, MMIO_ENTRY_SIZE);
    const cpus = reachableCapacity(heapSize, CPU_ID_SIZE);
    this.memStart = new StaticArray<u64>(mem);
    this.memEnd = new StaticArray<u64>(mem);
    this.memVnode = new StaticArray<u32>(mem);
    this.memVtlType = new StaticArray<u32>(mem);
    this.memIgvmType = new StaticArray<u16>(mem);
    this.mmioStart = new StaticArray<u64>(mmio);
    this.mmioEnd = new StaticArray<u64>(mmio);
    this.mmioVtlType = new StaticArray<u32>(mmio);
    this.cpusNoIo = new StaticArray<u32>(cpus);
    this.cpusIo = new StaticArray<u32>(cpus);
  }

  /** The upstream panic text for the failure recorded in `error`. */
  failureMessage(): string {
    if (this.error == DECODE_ALLOC_FAILED) return "memory allocation of " + this.errorArg.toString() + " bytes failed";
    return "failed to decode protobuf: Error(ErrorInner { types: [], err: " + decodeErrorDebug(this.error, this.errorArg) + " })";
  }
}

/** `{:?}` of the mesh_protobuf `DecodeError` variant. */
export function decodeErrorDebug(err: i32, arg: u64): string {
  switch (err) {
    case DECODE_EOF_VARINT: return "EofVarInt";
    case DECODE_VARINT_TOO_BIG: return "VarIntTooBig";
    case DECODE_EOF_FIXED64: return "EofFixed64";
    case DECODE_EOF_FIXED32: return "EofFixed32";
    case DECODE_EOF_BYTE_ARRAY: return "EofByteArray";
    case DECODE_UNKNOWN_WIRE_TYPE: return "UnknownWireType(" + arg.toString() + ")";
    case DECODE_INVALID_RESOURCE_RANGE: return "InvalidResourceRange";
    case DECODE_MISSING_RESOURCE: return "MissingResource";
    case DECODE_EXPECTED_MESSAGE: return "ExpectedMessage";
    case DECODE_EXPECTED_VARINT: return "ExpectedVarInt";
  }
  return "Unexpected";
}

@inline function fail(err: i32, arg: u64): bool {
  gErr = err;
  gErrArg = arg;
  return false;
}

/** One bump allocation (size, align) from the modeled shim heap; false when out of memory. */
function bumpAlloc(size: u64, align: u64): bool {
  const offset = (align - (hNext & (align - 1))) & (align - 1);
  const start = hNext + offset;
  const end = start + size;
  if (end < start || end > hEnd) return false;
  hNext = end;
  hCount++;
  return true;
}

/** `RawVec::grow_amortized` for one more element: the new capacity, or 0 on allocation failure. */
function growVec(cap: u64, len: u64, elemSize: u64, align: u64, storage: i32): u64 {
  let next = cap * 2;
  if (next < len + 1) next = len + 1;
  if (next < MIN_NON_ZERO_CAP) next = MIN_NON_ZERO_CAP;
  if (!bumpAlloc(next * elemSize, align)) {
    fail(DECODE_ALLOC_FAILED, next * elemSize);
    return 0;
  }
  if (next > <u64>storage) {
    panic("hclboot capacity: saved state list longer than " + storage.toString() + " entries");
  }
  return next;
}

/** Reads a varint at gPos (protobuf.rs `read_varint`: at most 10 bytes, high bits dropped). */
function readVarint(end: usize): u64 {
  let shift: u64 = 0;
  let r: u64 = 0;
  while (true) {
    if (gPos >= end) {
      fail(DECODE_EOF_VARINT, 0);
      return 0;
    }
    const b = <u64>load<u8>(gPos);
    gPos++;
    r |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
    if (shift > 63) {
      fail(DECODE_VARINT_TOO_BIG, 0);
      return 0;
    }
  }
  return r;
}

/** Parses the next field at gPos into fNum/fKind/fVal/fPtr/fLen; false on a decode error. */
function parseField(end: usize): bool {
  const key = readVarint(end);
  if (gErr != DECODE_OK) return false;
  const wire = <i32>(key & 7);
  fNum = <u32>(key >> 3);
  fKind = wire;
  switch (wire) {
    case K_VARINT: {
      fVal = readVarint(end);
      return gErr == DECODE_OK;
    }
    case K_FIXED64: {
      if (end - gPos < 8) return fail(DECODE_EOF_FIXED64, 0);
      fVal = load<u64>(gPos);
      gPos += 8;
      return true;
    }
    case K_VARIABLE: {
      const len = readVarint(end);
      if (gErr != DECODE_OK) return false;
      if (<u64>(end - gPos) < len) return fail(DECODE_EOF_BYTE_ARRAY, 0);
      fPtr = gPos;
      fLen = <usize>len;
      gPos += <usize>len;
      return true;
    }
    case K_FIXED32: {
      if (end - gPos < 4) return fail(DECODE_EOF_FIXED32, 0);
      fVal = <u64>load<u32>(gPos);
      gPos += 4;
      return true;
    }
    case K_MESH_MESSAGE: {
      const resources = <u32>readVarint(end);
      if (gErr != DECODE_OK) return false;
      const len = readVarint(end);
      if (gErr != DECODE_OK) return false;
      // The payload is decoded without resources: any nonzero count is out of range.
      if (resources != 0) return fail(DECODE_INVALID_RESOURCE_RANGE, 0);
      if (<u64>(end - gPos) < len) return fail(DECODE_EOF_BYTE_ARRAY, 0);
      fPtr = gPos;
      fLen = <usize>len;
      gPos += <usize>len;
      return true;
    }
    case 7:
      return fail(DECODE_MISSING_RESOURCE, 0);
  }
  return fail(DECODE_UNKNOWN_WIRE_TYPE, <u64>wire);
}

@inline function isMessage(): bool {
  return fKind == K_VARIABLE || fKind == K_MESH_MESSAGE;
}

/** Decodes a `MemoryRange` message in [ptr, end), merging into rStart/rEnd. */
function decodeRange(ptr: usize, end: usize): bool {
  const saved = gPos;
  gPos = ptr;
  while (gPos < end) {
    if (!parseField(end)) return false;
    if (fNum == 1 || fNum == 2) {
      if (fKind != K_VARINT) return fail(DECODE_EXPECTED_VARINT, 0);
      if (fNum == 1) rStart = fVal;
      else rEnd = fVal;
    }
  }
  gPos = saved;
  return true;
}

/** Decodes a one-field wrapper message (MemoryVtlType, IgvmMemoryType), merging into wVal. */
function decodeWrapper(ptr: usize, end: usize): bool {
  const saved = gPos;
  gPos = ptr;
  while (gPos < end) {
    if (!parseField(end)) return false;
    if (fNum == 1) {
      if (fKind != K_VARINT) return fail(DECODE_EXPECTED_VARINT, 0);
      wVal = fVal;
    }
  }
  gPos = saved;
  return true;
}

/** Decodes one `MemoryEntry` message into slot `i`. */
function decodeMemoryEntry(s: SavedState, i: i32, ptr: usize, end: usize): bool {
  unchecked((s.memStart[i] = 0));
  unchecked((s.memEnd[i] = 0));
  unchecked((s.memVnode[i] = 0));
  unchecked((s.memVtlType[i] = 0));
  unchecked((s.memIgvmType[i] = 0));
  const saved = gPos;
  gPos = ptr;
  while (gPos < end) {
    if (!parseField(end)) return false;
    switch (fNum) {
      case 1: {
        if (!isMessage()) return fail(DECODE_EXPECTED_MESSAGE, 0);
        rStart = unchecked(s.memStart[i]);
        rEnd = unchecked(s.memEnd[i]);
        if (!decodeRange(fPtr, fPtr + fLen)) return false;
        unchecked((s.memStart[i] = rStart));
        unchecked((s.memEnd[i] = rEnd));
        break;
      }
      case 2: {
        if (fKind != K_VARINT) return fail(DECODE_EXPECTED_VARINT, 0);
        unchecked((s.memVnode[i] = <u32>fVal));
        break;
      }
      case 3: {
        if (!isMessage()) return fail(DECODE_EXPECTED_MESSAGE, 0);
        wVal = <u64>unchecked(s.memVtlType[i]);
        if (!decodeWrapper(fPtr, fPtr + fLen)) return false;
        unchecked((s.memVtlType[i] = <u32>wVal));
        break;
      }
      case 4: {
        if (!isMessage()) return fail(DECODE_EXPECTED_MESSAGE, 0);
        wVal = <u64>unchecked(s.memIgvmType[i]);
        if (!decodeWrapper(fPtr, fPtr + fLen)) return false;
        unchecked((s.memIgvmType[i] = <u16>wVal));
        break;
      }
    }
  }
  gPos = saved;
  return true;
}

/** Decodes one `MmioEntry` message into slot `i`. */
function decodeMmioEntry(s: SavedState, i: i32, ptr: usize, end: usize): bool {
  unchecked((s.mmioStart[i] = 0));
  unchecked((s.mmioEnd[i] = 0));
  unchecked((s.mmioVtlType[i] = 0));
  const saved = gPos;
  gPos = ptr;
  while (gPos < end) {
    if (!parseField(end)) return false;
    if (fNum == 1) {
      if (!isMessage()) return fail(DECODE_EXPECTED_MESSAGE, 0);
      rStart = unchecked(s.mmioStart[i]);
      rEnd = unchecked(s.mmioEnd[i]);
      if (!decodeRange(fPtr, fPtr + fLen)) return false;
      unchecked((s.mmioStart[i] = rStart));
      unchecked((s.mmioEnd[i] = rEnd));
    } else if (fNum == 2) {
      if (!isMessage()) return fail(DECODE_EXPECTED_MESSAGE, 0);
      wVal = <u64>unchecked(s.mmioVtlType[i]);
      if (!decodeWrapper(fPtr, fPtr + fLen)) return false;
      unchecked((s.mmioVtlType[i] = <u32>wVal));
    }
  }
  gPos = saved;
  return true;
}

/** Appends one CPU id to list 3 (`which` false) or 4 (`which` true), growing like `Vec::push`. */
function pushCpu(s: SavedState, io: bool, v: u32): bool {
  if (io) {
    const len = <u64>s.cpusIoCount;
    if (len == s.ioCap) {
      const cap = growVec(s.ioCap, len, CPU_ID_SIZE, 4, s.cpusIo.length);
      if (cap == 0) return false;
      s.ioCap = cap;
    }
    unchecked((s.cpusIo[s.cpusIoCount] = v));
    s.cpusIoCount++;
  } else {
    const len = <u64>s.cpusNoIoCount;
    if (len == s.noIoCap) {
      const cap = growVec(s.noIoCap, len, CPU_ID_SIZE, 4, s.cpusNoIo.length);
      if (cap == 0) return false;
      s.noIoCap = cap;
    }
    unchecked((s.cpusNoIo[s.cpusNoIoCount] = v));
    s.cpusNoIoCount++;
  }
  return true;
}

/** Reads one occurrence of a repeated u32 field: packed bytes or a single varint. */
function decodeCpuField(s: SavedState, io: bool): bool {
  if (fKind == K_VARIABLE) {
    const saved = gPos;
    const end = fPtr + fLen;
    gPos = fPtr;
    while (gPos < end) {
      const v = readVarint(end);
      if (gErr != DECODE_OK) return false;
      if (!pushCpu(s, io, <u32>v)) return false;
    }
    gPos = saved;
    return true;
  }
  // Unpacked element: the slot is reserved before the value's wire type is checked.
  const len = <u64>(io ? s.cpusIoCount : s.cpusNoIoCount);
  const cap = io ? s.ioCap : s.noIoCap;
  if (len == cap) {
    const next = growVec(cap, len, CPU_ID_SIZE, 4, io ? s.cpusIo.length : s.cpusNoIo.length);
    if (next == 0) return false;
    if (io) s.ioCap = next;
    else s.noIoCap = next;
  }
  if (fKind != K_VARINT) return fail(DECODE_EXPECTED_VARINT, 0);
  return pushCpu(s, io, <u32>fVal);
}

/** Records the heap usage after a decode into `s`. */
function recordHeap(s: SavedState): void {
  s.heapAllocated = hNext - hStart;
  s.heapAllocations = hCount;
  s.heapFree = hEnd - hNext;
}

/**
 * Decodes `len` bytes at `ptr` (linear memory) into `s` with a fresh shim heap
 * [heapStart, heapStart + heapSize). Returns false and sets `s.error` on failure; the caller
 * panics with `s.failureMessage()` as the shim's `expect` would.
 */
export function decodeSavedState(ptr: usize, len: usize, heapStart: u64, heapSize: u64, s: SavedState): bool {
  gErr = DECODE_OK;
  gErrArg = 0;
  hStart = heapStart;
  hNext = heapStart;
  hEnd = heapStart + heapSize;
  hCount = 0;
  const end = ptr + len;
  gPos = ptr;
  let ok = true;
  while (ok && gPos < end) {
    if (!parseField(end)) {
      ok = false;
      break;
    }
    switch (fNum) {
      case 1: {
        const n = <u64>s.memCount;
        if (n == s.memCap) {
          const cap = growVec(s.memCap, n, MEMORY_ENTRY_SIZE, 8, s.memStart.length);
          if (cap == 0) {
            ok = false;
            break;
          }
          s.memCap = cap;
        }
        if (!isMessage()) ok = fail(DECODE_EXPECTED_MESSAGE, 0);
        else if (!decodeMemoryEntry(s, s.memCount, fPtr, fPtr + fLen)) ok = false;
        else s.memCount++;
        break;
      }
      case 2: {
        const n = <u64>s.mmioCount;
        if (n == s.mmioCap) {
          const cap = growVec(s.mmioCap, n, MMIO_ENTRY_SIZE, 8, s.mmioStart.length);
          if (cap == 0) {
            ok = false;
            break;
          }
          s.mmioCap = cap;
        }
        if (!isMessage()) ok = fail(DECODE_EXPECTED_MESSAGE, 0);
        else if (!decodeMmioEntry(s, s.mmioCount, fPtr, fPtr + fLen)) ok = false;
        else s.mmioCount++;
        break;
      }
      case 3:
        ok = decodeCpuField(s, false);
        break;
      case 4:
        ok = decodeCpuField(s, true);
        break;
    }
  }
  if (!ok && gErr != DECODE_ALLOC_FAILED) {
    // Building the error boxes a DecodeError and an ErrorInner on the same heap.
    if (!bumpAlloc(DECODE_ERROR_BOX_SIZE, 8)) fail(DECODE_ALLOC_FAILED, DECODE_ERROR_BOX_SIZE);
    else if (!bumpAlloc(ERROR_INNER_BOX_SIZE, 8)) fail(DECODE_ALLOC_FAILED, ERROR_INNER_BOX_SIZE);
  }
  s.error = gErr;
  s.errorArg = gErrArg;
  recordHeap(s);
  return ok;
}
