//! The check that the guest memory of the imported regions not accepted at launch still hashes
//! to the SHA-384 measured in the imported-regions page (x86_64 isolated VMs).
// Ports: openhcl/openhcl_boot/src/arch/x86_64/memory.rs (verify_imported_regions_hash); the
// aarch64 version does nothing.

import { panic } from "../../../../rt/panic";
import { guestRead } from "../../../../rt/guest";
import { ShimParams, ISOLATION_NONE, ARCH_AARCH64 } from "../../../host_params/shim_params/shim_params";
import { Sha384, SHA384_DIGEST_SIZE } from "../../../../support/sha2/sha384";

/** Bytes of guest memory read per host call while hashing. */
export const IMPORTED_HASH_CHUNK: u64 = 0x10000;

/**
 * Hashes the contents of every imported region that was not accepted at launch, in list order,
 * and panics when the digest differs from the measured one. Skipped on aarch64, for non-isolated
 * VMs (servicing may have changed the regions) and when every region was accepted.
 */
export function verifyImportedRegionsHash(p: ShimParams): void {
  if (p.arch == ARCH_AARCH64) return;
  if (p.isolationType == ISOLATION_NONE) return;
  const imp = p.importedRegionsList();
  let pending = false;
  for (let i = 0; i < imp.length; i++) {
    if (imp.tag(i) == 0) {
      pending = true;
      break;
    }
  }
  if (!pending) return;

  const h = new Sha384();
  const buf = __alloc(<usize>IMPORTED_HASH_CHUNK);
  for (let i = 0; i < imp.length; i++) {
    if (imp.tag(i) != 0) continue;
    let at = imp.start(i);
    const end = imp.end(i);
    while (at < end) {
      const left = end - at;
      const n = left < IMPORTED_HASH_CHUNK ? left : IMPORTED_HASH_CHUNK;
      guestRead(at, buf, <u32>n);
      h.update(buf, <usize>n);
      at += n;
    }
  }
  const digest = __alloc(<usize>SHA384_DIGEST_SIZE);
  h.finalize(digest);
  if (memory.compare(digest, p.importedRegionsHash(), <usize>SHA384_DIGEST_SIZE) != 0) {
    panic("Imported regions hash mismatch");
  }
}
