//! WASM exports of the persisted-state module: header read and SavedState decode.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (persisted state read path).

import { outBegin, outU8, outU32, outU64, outStr, outRecordBegin, outRecordEnd } from "../../rt/out";
import { REC_PERSISTED_HEADER_RESULT, REC_PERSISTED_HEADER_RESULT_VERSION } from "../records/envelope";
import { readPersistedRegionHeader, decodePersistedProtobuf, decodeSavedStateLogged, logPersistedCpus } from "../../openhcl_boot/host_params/dt/persisted/persisted_state";
import { SavedState, decodeSavedState } from "../../openhcl_boot/host_params/dt/persisted/saved_state";

/** Reads the header at `start`: u8 present, then magic, base, region len, payload len (u64s). */
export function persisted_header_read(isolated: u32, start: u64): void {
  outBegin();
  const h = readPersistedRegionHeader(isolated != 0, start);
  const rec = outRecordBegin(REC_PERSISTED_HEADER_RESULT, REC_PERSISTED_HEADER_RESULT_VERSION);
  if (h === null) {
    outU8(0);
    outRecordEnd(rec);
    return;
  }
  outU8(1);
  outU64(h.magic);
  outU64(h.protobufBase);
  outU64(h.protobufRegionLen);
  outU64(h.protobufPayloadLen);
  outRecordEnd(rec);
}

function writeState(s: SavedState): void {
  outU32(<u32>s.memCount);
  for (let i = 0; i < s.memCount; i++) {
    outU64(unchecked(s.memStart[i]));
    outU64(unchecked(s.memEnd[i]));
    outU32(unchecked(s.memVnode[i]));
    outU32(unchecked(s.memVtlType[i]));
    outU32(<u32>unchecked(s.memIgvmType[i]));
  }
  outU32(<u32>s.mmioCount);
  for (let i = 0; i < s.mmioCount; i++) {
    outU64(unchecked(s.mmioStart[i]));
    outU64(unchecked(s.mmioEnd[i]));
    outU32(unchecked(s.mmioVtlType[i]));
  }
  outU32(<u32>s.cpusNoIoCount);
  for (let i = 0; i < s.cpusNoIoCount; i++) outU32(unchecked(s.cpusNoIo[i]));
  outU32(<u32>s.cpusIoCount);
  for (let i = 0; i < s.cpusIoCount; i++) outU32(unchecked(s.cpusIo[i]));
  outU64(s.heapAllocated);
  outU32(s.heapAllocations);
  outU64(s.heapFree);
}

/** Decodes `len` payload bytes at `ptr` as the shim does (logs; panics with its message). */
export function saved_state_decode(ptr: usize, len: u32, heapStart: u64, heapSize: u64): void {
  outBegin();
  const s = decodeSavedStateLogged(ptr, len, heapStart, heapSize);
  logPersistedCpus(s);
  writeState(s);
}

/** Decodes from guest memory at `base` (the protobuf region) as the shim does. */
export function saved_state_decode_guest(base: u64, len: u64, heapStart: u64, heapSize: u64): void {
  outBegin();
  const s = decodePersistedProtobuf(base, len, heapStart, heapSize);
  logPersistedCpus(s);
  writeState(s);
}

/** Non-panicking decode for fuzzing: u32 error code, then the failure text or the state. */
export function saved_state_try_decode(ptr: usize, len: u32, heapStart: u64, heapSize: u64): void {
  outBegin();
  const s = new SavedState(heapSize);
  const ok = decodeSavedState(ptr, <usize>len, heapStart, heapSize, s);
  outU32(<u32>s.error);
  if (!ok) {
    outStr(s.failureMessage());
    return;
  }
  writeState(s);
}
