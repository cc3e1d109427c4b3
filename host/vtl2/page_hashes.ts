//! The loader's per-page expected-hashes region (1488a37 only): a header ("EPHS", version 1,
//! count) and one SHA-384 per unaccepted (shared) imported page in ascending address order,
//! which the shim's hash-mismatch diagnostics compare against.
// Ports: vm/loader/igvmfilegen/src/file_loader.rs (generate_cryptographic_hashes_of_shared_pages,
//        the expected-page-hashes import of `finalize`), vm/loader/loader_defs/src/paravisor.rs
//        (ExpectedPageHashesHeader); upstream commit 61fd38fe6.

import { InputError } from "../errors.js";
import type { GuestMemory } from "../guest/guest_memory.js";
import { createSha384 } from "./digest.js";
import {
  EXPECTED_PAGE_HASHES_MAGIC, EXPECTED_PAGE_HASHES_VERSION, EXPECTED_PAGE_HASH_MAX_COUNT, HV_PAGE_SIZE,
  PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_PAGE_INDEX, PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_SIZE_PAGES,
  type ImportedRegionDescriptor,
} from "./defs.js";

const PAGE = Number(HV_PAGE_SIZE);
/** SHA-384 of one zero page (most simulated shared pages hold nothing). */
let zeroPageHash: Uint8Array | undefined;

/** The region's used bytes (header + hashes; the rest of its 256 pages is zero) for the shared pages of `regions`. */
export function encodeExpectedPageHashes(gm: GuestMemory, regions: ImportedRegionDescriptor[]): Uint8Array {
  const shared = regions.filter((r) => !r.accepted).sort((a, b) => (a.basePageNumber < b.basePageNumber ? -1 : 1));
  let count = 0;
  for (const r of shared) count += Number(r.pageCount);
  if (count > EXPECTED_PAGE_HASH_MAX_COUNT) {
    throw new InputError(
      `expected-page-hashes region overflow: ${count} pages > ${EXPECTED_PAGE_HASH_MAX_COUNT} max (increase PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_SIZE_PAGES)`,
    );
  }
  const out = new Uint8Array(16 + 48 * count);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, EXPECTED_PAGE_HASHES_MAGIC, true);
  dv.setUint32(4, EXPECTED_PAGE_HASHES_VERSION, true);
  dv.setUint32(8, count, true);
  const page = new Uint8Array(PAGE);
  const words = new Int32Array(page.buffer);
  let at = 16;
  for (const r of shared) {
    for (let p = 0n; p < r.pageCount; p++) {
      gm.readAt((r.basePageNumber + p) * HV_PAGE_SIZE, page);
      let or = 0;
      for (let i = 0; i < words.length; i++) or |= words[i]!;
      let d: Uint8Array;
      if (or === 0) {
        if (!zeroPageHash) {
          const h = createSha384();
          h.update(new Uint8Array(PAGE));
          zeroPageHash = h.digest();
        }
        d = zeroPageHash;
      } else {
        const h = createSha384();
        h.update(page);
        d = h.digest();
      }
      out.set(d, at);
      at += 48;
    }
  }
  return out;
}

/** The region's pages (page numbers) for a parameter region starting at page `paramPage`. */
export function expectedPageHashesArea(paramPage: bigint): { start: bigint; end: bigint } {
  const first = paramPage + PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_PAGE_INDEX;
  return { start: first * HV_PAGE_SIZE, end: (first + PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_SIZE_PAGES) * HV_PAGE_SIZE };
}
