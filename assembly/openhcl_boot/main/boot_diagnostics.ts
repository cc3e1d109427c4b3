//! 1488a37's temporary SNP diagnostics (upstream commit 61fd38fe6): the loader's per-page
//! expected-hashes region as setup_vtl2_memory sees it, and the initrd CRC mismatch report a
//! confidential-debug boot logs and panics with. Absent at 37a2806.
// Ports: openhcl/openhcl_boot/src/main.rs (build_initrd_crc_diagnostic),
//        openhcl/openhcl_boot/src/host_params/shim_params.rs (expected_page_hashes),
//        openhcl/openhcl_boot/src/arch/x86_64/memory.rs (diag_init_expected_hashes)

import { guestRead } from "../../rt/guest";
import { logError, logInfo } from "../../rt/log_level";
import { panic } from "../../rt/panic";
import { crc32Begin, crc32Update, crc32End } from "../../support/crc32fast/crc32";
import { ShimParams, HV_PAGE_SIZE, ISOLATION_NONE, ISOLATION_VBS, ISOLATION_SNP, ISOLATION_TDX } from "../host_params/shim_params/shim_params";

/** Page index of the expected-hashes region in the parameter region (after the measured config page). */
const PAGE_HASHES_PAGE_INDEX: u64 = 106;
/** "EPHS" little-endian and the layout version. */
const EXPECTED_PAGE_HASHES_MAGIC: u32 = 0x53485045;
const EXPECTED_PAGE_HASHES_VERSION: u32 = 1;
/** Hashes the 256-page region holds. */
const EXPECTED_PAGE_HASH_MAX_COUNT: u32 = <u32>((256 * 4096 - 16) / 48);

/**
 * `ShimParams::expected_page_hashes().len()`: the entry count of the region's header, capped at
 * the region's capacity; 0 when the magic or version does not match (an older loader).
 */
export function expectedPageHashCount(p: ShimParams): u32 {
  const buf = __alloc(16);
  guestRead(p.parameterRegionStart + PAGE_HASHES_PAGE_INDEX * HV_PAGE_SIZE, buf, 16);
  if (load<u32>(buf) != EXPECTED_PAGE_HASHES_MAGIC || load<u32>(buf + 4) != EXPECTED_PAGE_HASHES_VERSION) return 0;
  const n = load<u32>(buf + 8);
  return n < EXPECTED_PAGE_HASH_MAX_COUNT ? n : EXPECTED_PAGE_HASH_MAX_COUNT;
}

/** `diag_init_expected_hashes`: the log line setup_vtl2_memory writes on every isolated x86 boot. */
export function logExpectedHashesMeta(p: ShimParams): void {
  const n = expectedPageHashCount(p);
  if (n == 0) {
    logInfo("DIAG_EXPECTED_HASHES_META loader_count=0 (region absent or magic/version mismatch; per-page compare disabled)");
  } else {
    logInfo("DIAG_EXPECTED_HASHES_META loader_count=" + n.toString());
  }
}

/** An `ArrayString<384>` written piece by piece as `write!` does: the first piece that does not fit ends it. */
class FixedText {
  text: string = "";
  len: i32 = 0;
  full: bool = false;
  constructor(private cap: i32) {}
  push(s: string): void {
    if (this.full) return;
    const n = String.UTF8.byteLength(s);
    if (this.len + n > this.cap) {
      this.full = true;
      return;
    }
    this.text += s;
    this.len += n;
  }
  /** `{:#x}`: the prefix and the digits are two writes. */
  hex(v: u64): void {
    this.push("0x");
    this.push(v.toString(16));
  }
  /** `{:02x?}` of a byte slice: `[`, entries (zero padding written separately) joined by `, `, `]`. */
  bytes(ptr: usize, n: i32): void {
    this.push("[");
    for (let i = 0; i < n; i++) {
      if (i > 0) this.push(", ");
      const b = load<u8>(ptr + <usize>i);
      if (b < 0x10) this.push("0");
      this.push((<u32>b).toString(16));
    }
    this.push("]");
  }
}

function isolationDebug(iso: u32): string {
  if (iso == ISOLATION_NONE) return "None";
  if (iso == ISOLATION_VBS) return "Vbs";
  if (iso == ISOLATION_SNP) return "Snp";
  if (iso == ISOLATION_TDX) return "Tdx";
  return "Cca";
}

/** CRC-32 of `len` guest bytes at `gpa`, read in 64 KiB pieces. */
function guestCrc(gpa: u64, len: u64, buf: usize): u32 {
  let c = crc32Begin();
  let at = gpa;
  let left = len;
  while (left > 0) {
    const n = left < 0x10000 ? left : 0x10000;
    guestRead(at, buf, <u32>n);
    c = crc32Update(c, buf, <usize>n);
    at += n;
    left -= n;
  }
  return crc32End(c);
}

/**
 * `build_initrd_crc_diagnostic`: isolation, base, size, expected and computed CRCs, a second CRC
 * of the same bytes, the first and last 16 bytes, and the CRC of each eighth of the initrd.
 */
export function initrdCrcDiagnostic(p: ShimParams, firstCrc: u32): string {
  const buf = __alloc(0x10000);
  const size = p.initrdSize;
  const second = guestCrc(p.initrdBase, size, buf);
  const headLen = size < 16 ? <i32>size : 16;
  const head = __alloc(16);
  if (headLen > 0) guestRead(p.initrdBase, head, <u32>headLen);
  const tail = __alloc(16);
  if (headLen > 0) guestRead(p.initrdBase + size - <u64>headLen, tail, <u32>headLen);
  const eighths = new StaticArray<u32>(8);
  if (size > 0) {
    const step = (size + 7) / 8;
    for (let i: u64 = 0; i < 8; i++) {
      const start = i * step;
      if (start >= size) break;
      const end = (i + 1) * step < size ? (i + 1) * step : size;
      eighths[<i32>i] = guestCrc(p.initrdBase + start, end - start, buf);
    }
  }
  const t = new FixedText(384);
  t.push("initrd crc mismatch: iso=");
  t.push(isolationDebug(p.isolationType));
  t.push(" base=");
  t.hex(p.initrdBase);
  t.push(" size=");
  t.hex(size);
  t.push(" exp=");
  t.hex(<u64>p.initrdCrc);
  t.push(" got=");
  t.hex(<u64>firstCrc);
  t.push(" got2=");
  t.hex(<u64>second);
  t.push(" head=");
  t.bytes(head, headLen);
  t.push(" tail=");
  t.bytes(tail, headLen);
  t.push(" eighths=[");
  for (let i = 0; i < 8; i++) {
    if (i > 0) t.push(",");
    t.hex(<u64>eighths[i]);
  }
  t.push("]");
  return t.text;
}

/** The confidential-debug initrd CRC failure of 1488a37: the diagnostic as an error record, then as the panic. */
export function initrdCrcMismatchPanic(p: ShimParams, computed: u32): void {
  const diag = initrdCrcDiagnostic(p, computed);
  logError(diag);
  panic(diag);
}
