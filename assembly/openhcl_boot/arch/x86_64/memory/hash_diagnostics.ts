//! 1488a37's temporary diagnostics for an imported-regions hash mismatch (upstream 61fd38fe6): the
//! acceptance-time ("phase A") hashes of each pending 2 MiB chunk and of each 4 KiB page against the
//! loader's per-page expected hashes, reported as `DIAG_*` error records before the panic. Guest
//! memory does not change between acceptance and the check here, so phase A is computed from the
//! same bytes at report time; the copy-back check ("phase B") never differs and prints nothing.
// Ports: openhcl/openhcl_boot/src/arch/x86_64/memory.rs (diag_record_phase_a, diag_report_phase_c,
//        diag_report_per_page_expected, diag_dump_saved_page, HexBytes, BitmapHex, RleRanges)

import { guestRead } from "../../../../rt/guest";
import { logError } from "../../../../rt/log_level";
import { RangeList } from "../../../../support/memory_range/lib";
import { Sha384, SHA384_DIGEST_SIZE } from "../../../../support/sha2/sha384";
import { ShimParams, HV_PAGE_SIZE, ISOLATION_SNP, ISOLATION_TDX } from "../../../host_params/shim_params/shim_params";
import { expectedPageHashCount } from "../../../main/boot_diagnostics";

const LARGE_PAGE: u64 = 0x20_0000;
/** Chunks tracked (DIAG_MAX_CHUNKS); later ones are logged as overflow at acceptance. */
const MAX_CHUNKS: i32 = 256;
/** Pages the mismatch bitmap covers (DIAG_MAX_HASH_PAGES). */
const MAX_HASH_PAGES: i32 = 32 * 1024;
/** Bad pages whose contents are dumped (DIAG_MAX_SAVED_BAD_PAGES). */
const MAX_SAVED_BAD_PAGES: i32 = 3;
const PAGE: i32 = 4096;
/** Page index of the expected-hashes region in the parameter region; entries follow a 16-byte header. */
const PAGE_HASHES_PAGE_INDEX: u64 = 106;

/** `HexBytes`: lowercase hex, no separators. */
function hexBytes(ptr: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const b = <u32>load<u8>(ptr + <usize>i);
    s += (b < 0x10 ? "0" : "") + b.toString(16);
  }
  return s;
}

/** The pending imported regions split at 2 MiB boundaries, as accept_pending_vtl2_memory copies them. */
function pendingChunks(imp: RangeList, starts: StaticArray<u64>, ends: StaticArray<u64>): i32 {
  let n = 0;
  for (let i = 0; i < imp.length; i++) {
    if (imp.tag(i) != 0) continue;
    let at = imp.start(i);
    const end = imp.end(i);
    while (at < end) {
      const next = (at + LARGE_PAGE) & ~(LARGE_PAGE - 1);
      const e = end < next ? end : next;
      if (n < starts.length) {
        unchecked((starts[n] = at));
        unchecked((ends[n] = e));
      }
      n++;
      at = e;
    }
  }
  return n;
}

/** Number of 2 MiB chunks of the pending regions (no storage). */
function chunkCount(imp: RangeList): i32 {
  return pendingChunks(imp, new StaticArray<u64>(0), new StaticArray<u64>(0));
}

/** At acceptance: one `DIAG_CHUNK_OVERFLOW` record per pending chunk past the 256 tracked ones. */
export function logChunkOverflow(imp: RangeList): void {
  const n = chunkCount(imp);
  if (n <= MAX_CHUNKS) return;
  const starts = new StaticArray<u64>(n);
  const ends = new StaticArray<u64>(n);
  pendingChunks(imp, starts, ends);
  for (let i = MAX_CHUNKS; i < n; i++) {
    logError("DIAG_CHUNK_OVERFLOW gpa=0x" + starts[i].toString(16) + " len=0x" + (ends[i] - starts[i]).toString(16) + " (increase DIAG_MAX_CHUNKS)");
  }
}

/**
 * The records upstream writes between computing the final hash (`finalDigest`) and panicking
 * `Imported regions hash mismatch`; `expected` points at the measured hash.
 */
export function reportHashMismatch(p: ShimParams, imp: RangeList, finalDigest: usize, expected: usize): void {
  logError("DIAG_COMBINED_PHASE_C combined_phase_c=" + hexBytes(finalDigest, SHA384_DIGEST_SIZE) + " expected=" + hexBytes(expected, SHA384_DIGEST_SIZE));

  // Only SNP and TDX copy pending pages through the bounce buffer (phase A); VBS accepts them by hypercall.
  const phaseA = p.isolationType == ISOLATION_SNP || p.isolationType == ISOLATION_TDX;
  const total = phaseA ? chunkCount(imp) : 0;
  const tracked = total < MAX_CHUNKS ? total : MAX_CHUNKS;
  const starts = new StaticArray<u64>(total);
  const ends = new StaticArray<u64>(total);
  pendingChunks(imp, starts, ends);

  // Phase A: the running hash of every chunk, and each page against the loader's expected hash.
  const loaderCount = expectedPageHashCount(p);
  const hashesAt = p.parameterRegionStart + PAGE_HASHES_PAGE_INDEX * HV_PAGE_SIZE + 16;
  const running = new Sha384();
  const page = __alloc(<usize>PAGE);
  const pageHash = __alloc(<usize>SHA384_DIGEST_SIZE);
  const want = __alloc(<usize>SHA384_DIGEST_SIZE);
  const bitmap = new StaticArray<u64>(MAX_HASH_PAGES / 64);
  const savedIdx = new StaticArray<u32>(MAX_SAVED_BAD_PAGES);
  const savedGpa = new StaticArray<u64>(MAX_SAVED_BAD_PAGES);
  let saved = 0;
  let seen: u32 = 0;
  let bad: u32 = 0;
  let overflow = false;
  for (let c = 0; c < total; c++) {
    for (let at = starts[c]; at < ends[c]; at += <u64>PAGE) {
      guestRead(at, page, <u32>PAGE);
      running.update(page, <usize>PAGE);
      if (loaderCount == 0) continue;
      const idx = seen;
      if (idx >= loaderCount) {
        overflow = true;
      } else {
        const h = new Sha384();
        h.update(page, <usize>PAGE);
        h.finalize(pageHash);
        guestRead(hashesAt + <u64>idx * <u64>SHA384_DIGEST_SIZE, want, <u32>SHA384_DIGEST_SIZE);
        if (memory.compare(pageHash, want, <usize>SHA384_DIGEST_SIZE) != 0) {
          bad++;
          if (<i32>idx < MAX_HASH_PAGES) unchecked((bitmap[<i32>idx >> 6] |= (<u64>1) << (<u64>idx & 63)));
          if (saved < MAX_SAVED_BAD_PAGES) {
            savedIdx[saved] = idx;
            savedGpa[saved] = at;
            saved++;
          }
        }
      }
      seen++;
    }
  }
  const combinedA = __alloc(<usize>SHA384_DIGEST_SIZE);
  running.finalize(combinedA);
  if (total == 0) {
    logError("DIAG_VERDICT combined_phase_a not captured (no chunks recorded)");
  } else if (memory.compare(combinedA, expected, <usize>SHA384_DIGEST_SIZE) == 0) {
    logError("DIAG_VERDICT combined_phase_a matches expected: " + hexBytes(combinedA, SHA384_DIGEST_SIZE) +
      " (host-supplied shared data was correct; corruption occurred at or after acceptance)");
  } else {
    logError("DIAG_VERDICT combined_phase_a differs from expected: phase_a=" + hexBytes(combinedA, SHA384_DIGEST_SIZE) +
      " expected=" + hexBytes(expected, SHA384_DIGEST_SIZE) + " (host loaded incorrect data into shared pages)");
  }
  // Phase C against phase A per tracked chunk: the bytes are the same, so no chunk changed.
  logError("DIAG_VERDICT all " + tracked.toString() + " tracked chunks unchanged phase_a -> phase_c (combined mismatch is likely a layout/order/hashing disagreement)");

  logError("DIAG_PAGE_HASH_SUMMARY shim_seen=" + seen.toString() + " bad=" + bad.toString() + " loader_count=" + loaderCount.toString() +
    " overflow=" + (overflow ? "true" : "false"));
  if (loaderCount == 0) return;
  const bits = <i32>seen < MAX_HASH_PAGES ? <i32>seen : MAX_HASH_PAGES;
  let hex = "";
  for (let b = 0; b < (bits + 7) / 8; b++) {
    const v = <u32>((unchecked(bitmap[b >> 3]) >> (<u64>(b & 7) * 8)) & 0xff);
    hex += (v < 0x10 ? "0" : "") + v.toString(16);
  }
  logError("DIAG_PAGE_HASH_BITMAP total_pages=" + bits.toString() + " bad=" + bad.toString() + " bitmap=" + hex);
  let ranges = "";
  let first = true;
  let runStart = 0;
  let prev = false;
  for (let i = 0; i <= bits; i++) {
    const set = i < bits && ((unchecked(bitmap[i >> 6]) >> (<u64>i & 63)) & 1) == 1;
    if (set && !prev) runStart = i;
    if (!set && prev) {
      const end = i - 1;
      if (!first) ranges += ",";
      first = false;
      ranges += runStart == end ? "0x" + runStart.toString(16) : "0x" + runStart.toString(16) + "-0x" + end.toString(16);
    }
    prev = set;
  }
  logError("DIAG_PAGE_HASH_RANGES total_pages=" + bits.toString() + " bad=" + bad.toString() + " ranges=" + ranges);
  for (let s = 0; s < saved; s++) {
    const idx = savedIdx[s];
    const gpa = savedGpa[s];
    guestRead(gpa, page, <u32>PAGE);
    const h = new Sha384();
    h.update(page, <usize>PAGE);
    h.finalize(pageHash);
    guestRead(hashesAt + <u64>idx * <u64>SHA384_DIGEST_SIZE, want, <u32>SHA384_DIGEST_SIZE);
    logError("DIAG_PAGE_HASH_BAD_BEGIN idx=" + idx.toString() + " gpa=0x" + gpa.toString(16) + " shim_hash=" + hexBytes(pageHash, SHA384_DIGEST_SIZE) +
      " expected_hash=" + hexBytes(want, SHA384_DIGEST_SIZE) + " len=0x1000");
    for (let line = 0; line < PAGE / 64; line++) {
      const off = line * 64;
      const o = off.toString(16);
      logError("DIAG_PAGE_HASH_BAD_LINE idx=" + idx.toString() + " gpa=0x" + gpa.toString(16) + " offset=0x" + "0000".substring(o.length) + o +
        " bytes=" + hexBytes(page + <usize>off, 64));
    }
    logError("DIAG_PAGE_HASH_BAD_END idx=" + idx.toString() + " gpa=0x" + gpa.toString(16));
  }
}
