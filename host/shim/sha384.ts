//! Typed binding of assembly/abi/sha384.ts: SHA-384 computed by the boot core.
// Ports: none (host binding of assembly/abi/sha384.ts)
import type { Shim } from "../wasm/loader.js";

/** SHA-384 of `data` by the boot core, fed in pieces of the given lengths (the rest in one last piece). */
export function sha384(shim: Shim, data: Uint8Array, pieces: number[] = []): Uint8Array {
  shim.reset();
  const p = shim.put(data);
  const lens = new Uint8Array(new Uint32Array(pieces).buffer);
  const q = shim.put(lens);
  shim.call("sha384_digest", p, data.length, q, pieces.length);
  return shim.out().bytesField();
}
