//! Result records: the shim writes its results as a compact little-endian byte stream in the
//! arena; the host decodes it once (host/wasm/codec.ts `Reader`). No JSON is built in WASM.
// Ports: none (host plumbing)

let outPtr: usize = 0;
let outLen: u32 = 0;
let outCap: u32 = 0;

function reserve(n: u32): usize {
  if (outLen + n > outCap) {
    let cap: u32 = outCap == 0 ? 4096 : outCap * 2;
    while (cap < outLen + n) cap *= 2;
    const p = __alloc(<usize>cap);
    if (outLen > 0) memory.copy(p, outPtr, <usize>outLen);
    outPtr = p;
    outCap = cap;
  }
  const at = outPtr + <usize>outLen;
  outLen += n;
  return at;
}

/** Starts a new result stream (call after the arena reset of the current call). */
export function outBegin(): void {
  outPtr = 0;
  outLen = 0;
  outCap = 0;
}

/** Appends a byte. */
export function outU8(v: u8): void {
  store<u8>(reserve(1), v);
}

/** Appends a little-endian u32. */
export function outU32(v: u32): void {
  store<u32>(reserve(4), v);
}

/** Appends a little-endian u64. */
export function outU64(v: u64): void {
  store<u64>(reserve(8), v);
}

/** Appends raw bytes, prefixed by their u32 length. */
export function outBytes(ptr: usize, len: u32): void {
  outU32(len);
  if (len > 0) memory.copy(reserve(len), ptr, <usize>len);
}

/** Appends a UTF-8 string, prefixed by its u32 byte length. */
export function outStr(s: string): void {
  const n = <u32>String.UTF8.byteLength(s);
  outU32(n);
  if (n > 0) String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, reserve(n));
}

/** Exported: pointer to the current result stream. */
export function out_ptr(): usize {
  return outPtr;
}

/** Exported: length of the current result stream. */
export function out_len(): u32 {
  return outLen;
}

/**
 * Starts an enveloped record (u16 id, u16 version, u32 body length patched by `outRecordEnd`);
 * returns the envelope's offset in the stream.
 */
export function outRecordBegin(id: u16, version: u16): u32 {
  const at = outLen;
  const p = reserve(8);
  store<u16>(p, id);
  store<u16>(p, version, 2);
  store<u32>(p, 0, 4);
  return at;
}

/** Ends the record begun at `at`: writes its body length into the envelope. */
export function outRecordEnd(at: u32): void {
  store<u32>(outPtr + <usize>at, outLen - at - 8, 4);
}
