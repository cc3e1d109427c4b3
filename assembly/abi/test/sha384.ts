//! WASM exports of the SHA-384 module: hash a buffer fed in caller-chosen pieces.
// Ports: none (test plumbing for assembly/support/sha2/sha384.ts)

import { Sha384, SHA384_DIGEST_SIZE } from "../../support/sha2/sha384";
import { outBegin, outBytes } from "../../rt/out";

/**
 * SHA-384 of `len` bytes at `ptr`, fed to one hasher as consecutive pieces whose lengths are the
 * `nPieces` u32 values at `pieces` (a final piece takes whatever they leave); writes the digest.
 */
export function sha384_digest(ptr: usize, len: u32, pieces: usize, nPieces: u32): void {
  outBegin();
  const h = new Sha384();
  let at: u32 = 0;
  for (let i: u32 = 0; i < nPieces; i++) {
    const want = load<u32>(pieces + (<usize>i << 2));
    const n = want < len - at ? want : len - at;
    h.update(ptr + at, n);
    at += n;
  }
  h.update(ptr + at, len - at);
  const d = __alloc(<usize>SHA384_DIGEST_SIZE);
  h.finalize(d);
  outBytes(d, SHA384_DIGEST_SIZE);
}
