//! The rest of `shim_main` after the partition is read from the device tree: VTL0 alias map,
//! CPU and VP index checks, the imported-regions hash, sidecar, kernel command line, initrd CRC,
//! x86 boot parameters, the imported-region acceptance check and the kernel device tree —
//! everything short of the jump.
// Ports: openhcl/openhcl_boot/src/main.rs (shim_main after read_from_dt, get_ref_time)
//
// setup_vtl2_memory runs its assertions, the bounce-buffer slicing of pending imported regions
// and, on TDX, the AP page-table allocation and builder checks (assembly/openhcl_boot/arch/x86_64/memory/tdx_page_tables.ts).
// Not modelled (no observable output: the hypervisor stub never fails these calls, and their
// effects are on hardware state): the memory acceptance, visibility and VTL protection hypercalls
// and the VSM partition config register write of setup_vtl2_memory (x86_64 and aarch64), the AP
// page-table contents and TDX trampoline context, setup_vtl2_vp (TDX enable/start VP, aarch64
// enable VP VTL), the SNP cc_blob setup_data. verify_imported_regions_hash runs right after
// setup_vtl2_memory (assembly/openhcl_boot/arch/x86_64/memory/imported_regions_hash.ts).

import { panic } from "../../rt/panic";
import { logInfo } from "../../rt/log_level";
import { cpuid, hvVtl, hvGetRegister, readMmfr0, referenceTime, rdtsc, HV_REGISTER_VSM_CAPABILITIES } from "../../rt/hv";
import { ShimParams, ISOLATION_NONE, ISOLATION_VBS, ISOLATION_SNP, ISOLATION_TDX, ARCH_AARCH64, isHardwareIsolated } from "../host_params/shim_params/shim_params";
import { PartitionInfo } from "../host_params/mod/partition_info";
import { AddressSpaceManager } from "../memory/memory";
import { RangeList, RangeWalker, WALK_RIGHT } from "../../support/memory_range/lib";
import { fmtRangeDebugPrettyHex } from "../../rt/fmt";
import { hvErrorDebug } from "../../support/hvdef/hv_error";
import { validateVpHwIds } from "./vp_ids";
import { startSidecar, SidecarConfig } from "../sidecar/sidecar";
import { buildKernelCommandLine, KernelCommandLineParams } from "./kernel_cmdline";
import { CmdlineBuf } from "./cmdline_buf";
import { crc32 } from "../../support/crc32fast/crc32";
import { buildE820Map, writeBootParams, E820Map, BOOT_PARAMS_SIZE } from "./boot_params";
import { writeDt, BootTimes, FDT_DATA_SIZE } from "../dt/kernel_dt";
import { setupTdxApPageTables } from "../arch/x86_64/memory/tdx_page_tables";
import { verifyImportedRegionsHash } from "../arch/x86_64/memory/imported_regions_hash";

/** Physical address bits as the architecture reports them. */
export function physicalAddressBits(p: ShimParams): u32 {
  if (p.arch == ARCH_AARCH64) {
    const pa = <u32>(readMmfr0() & 0xf);
    switch (pa) {
      case 0: return 32;
      case 1: return 36;
      case 2: return 40;
      case 3: return 42;
      case 4: return 44;
      case 5: return 48;
      case 6: return 52;
      case 7: return 56;
    }
    return 32;
  }
  if (isHardwareIsolated(p.isolationType)) panic("not implemented: can't trust host cpuid");
  const maxExtended = cpuid(0x8000_0000, 0).eax;
  if (maxExtended >= 0x8000_0008) return cpuid(0x8000_0008, 0).eax & 0xff;
  return 32;
}

/** `tsc * 10^7 / freq` without overflow (128-bit product, shift-subtract division). */
function mulDiv1e7(tsc: u64, freq: u64): u64 {
  const m: u64 = 10_000_000;
  const aLo = tsc & 0xffff_ffff;
  const aHi = tsc >> 32;
  const p0 = aLo * m;
  const p1 = aHi * m;
  let lo = p0 + (p1 << 32);
  let hi = (p1 >> 32) + (lo < p0 ? 1 : 0);
  let q: u64 = 0;
  let r: u64 = 0;
  for (let i = 127; i >= 0; i--) {
    const bit = i >= 64 ? (hi >> <u64>(i - 64)) & 1 : (lo >> <u64>i) & 1;
    const carry = r >> 63;
    r = (r << 1) | bit;
    q <<= 1;
    if (carry != 0 || r >= freq) {
      r -= freq;
      q |= 1;
    }
  }
  return q;
}

/** A reference time reading (upstream `Option<u64>`: any u64, so no sentinel value). */
@final
export class RefTime {
  constructor(public value: u64) {}
}

/** Reference time for boot timing: TSC-derived on TDX (null without a TSC frequency), null on SNP, the partition clock else. */
export function getRefTime(p: ShimParams): RefTime | null {
  const x86 = p.arch != ARCH_AARCH64;
  if (x86 && p.isolationType == ISOLATION_TDX) {
    const freq = <u64>cpuid(0x15, 0).ebx * 25_000_000;
    if (freq == 0) return null;
    return new RefTime(mulDiv1e7(rdtsc(), freq));
  }
  if (x86 && p.isolationType == ISOLATION_SNP) return null;
  return new RefTime(referenceTime());
}

/** Everything the hand-off produced. */
@final
export class Handoff {
  sidecar: SidecarConfig | null = null;
  cmdline: CmdlineBuf | null = null;
  e820: E820Map | null = null;
  bootParams: usize = 0;
  dtb: usize = 0;
  dtbSize: i32 = 0;
  bootTimes: BootTimes | null = null;
}

/** Derives the VTL0 alias map: kept or computed only in VTL2 with the VSM capability. */
export function deriveVtl0AliasMap(p: ShimParams, h: PartitionInfo): void {
  let available = false;
  if (!isHardwareIsolated(p.isolationType) && hvVtl() == 2) {
    const r = hvGetRegister(HV_REGISTER_VSM_CAPABILITIES);
    if (r.status != 0) panic("failed to query vsm capabilities: " + hvErrorDebug(r.status));
    available = (r.value & (<u64>1 << 29)) != 0;
  }
  if (available) {
    // Derive it from the physical address width when the device tree did not provide one.
    if (!h.hasVtl0AliasMap) {
      h.vtl0AliasMap = <u64>1 << <u64>(physicalAddressBits(p) - 1);
      h.hasVtl0AliasMap = true;
    }
  } else {
    h.hasVtl0AliasMap = false;
    h.vtl0AliasMap = 0;
  }
}

/**
 * Panics when a piece of an imported region outside VTL2 RAM was not accepted at launch (tag 1 =
 * accepted). Walks VTL2 RAM (left) against the imported regions (right) to the end as upstream's
 * `walk_ranges` does, with its "left/right not sorted" assertions.
 */
export function checkImportedRegionsAccepted(ram: RangeList, imp: RangeList): void {
  const w = new RangeWalker(ram, imp);
  while (w.next()) {
    if (w.kind == WALK_RIGHT && w.rightTag == 0) {
      panic("range " + fmtRangeDebugPrettyHex(w.start, w.end) + " not in vtl2 ram was not preaccepted at launch");
    }
  }
}

/**
 * x86 `setup_vtl2_memory` on an isolated partition, minus the hypercalls: on VBS the walk of VTL2
 * RAM against the accepted imported regions, then the imported regions' strictly increasing
 * order, the walk of VTL2 RAM minus the imported regions, the bounce buffer's 2 MiB alignment and
 * size, the copy of each pending imported region through the bounce buffer (SNP/TDX), and on TDX
 * the AP page-table allocation (VTL2_TDX_PAGE_TABLES).
 */
export function setupVtl2Memory(p: ShimParams, h: PartitionInfo, space: AddressSpaceManager, imp: RangeList): void {
  if (p.arch == ARCH_AARCH64 || p.isolationType == ISOLATION_NONE) return;
  if (p.isolationType == ISOLATION_VBS) {
    const accepted = new RangeList(imp.length);
    for (let i = 0; i < imp.length; i++) if (imp.tag(i) != 0) accepted.push(imp.start(i), imp.end(i), 1);
    const w = new RangeWalker(h.vtl2Ram, accepted);
    while (w.next()) {}
  }
  let hasLast = false;
  let lastEnd: u64 = 0;
  for (let i = 0; i < imp.length; i++) {
    if (hasLast && !(imp.start(i) > lastEnd)) {
      panic("assertion failed: last_range_end.is_none() || imported_range.start() > last_range_end.unwrap()");
    }
    hasLast = true;
    lastEnd = imp.end(i) - 0x1000;
  }
  const sub = new RangeWalker(h.vtl2Ram, imp);
  while (sub.next()) {}
  const bb = p.bounceBuffer;
  if (bb !== null) {
    if (bb.start % 0x20_0000 != 0) panic("assertion failed: bounce_buffer.start() % X64_LARGE_PAGE_SIZE == 0");
    if (bb.end - bb.start < 0x20_0000) panic("assertion failed: bounce_buffer.len() >= X64_LARGE_PAGE_SIZE");
    const one = new RangeList(1);
    one.push(bb.start, bb.end, 0);
    const w = new RangeWalker(one, h.vtl2Ram);
    while (w.next()) {}
  } else if (p.isolationType != ISOLATION_VBS) {
    // SNP/TDX copy a pending region through the bounce buffer 2 MiB piece by piece; without one
    // the buffer is empty and slicing the first piece out of it fails.
    for (let i = 0; i < imp.length; i++) {
      if (imp.tag(i) != 0) continue;
      const start = imp.start(i);
      const next = (start + 0x20_0000) & ~(<u64>0x1f_ffff);
      const end = imp.end(i) < next ? imp.end(i) : next;
      panic("range end index " + (end - start).toString() + " out of range for slice of length 0");
    }
  }
  if (p.isolationType == ISOLATION_TDX) setupTdxApPageTables(p, space);
}

/**
 * Runs the hand-off for a partition read from the device tree (main.rs `shim_main` after
 * `read_from_dt`): `computedInitrdCrc` is the CRC-32 of the initrd bytes as loaded.
 */
export function runHandoff(
  p: ShimParams, h: PartitionInfo, space: AddressSpaceManager, staticConfidentialDebug: bool, bootReftime: RefTime | null,
  computedInitrdCrc: u32,
): Handoff {
  const out = new Handoff();
  const canTrustHost = p.isolationType == ISOLATION_NONE || staticConfidentialDebug;
  logInfo("openhcl_boot: logging enabled");
  // Shown when given on the static command line, or on a trusted host's command line.
  const isConfidentialDebug = staticConfidentialDebug || h.bootOptions.confidentialDebug;

  deriveVtl0AliasMap(p, h);

  if (h.cpuCount == 0) panic("no cpus");
  validateVpHwIds(h, p.arch);
  setupVtl2Memory(p, h, space, p.importedRegionsList());
  // setup_vtl2_vp has no modelled effect; the hash check follows it upstream.
  verifyImportedRegionsHash(p);

  const sidecar = startSidecar(p, h, space);
  out.sidecar = sidecar;

  const kp = new KernelCommandLineParams();
  kp.canTrustHost = canTrustHost;
  kp.isConfidentialDebug = isConfidentialDebug;
  kp.sidecar = sidecar;
  kp.vtl2PoolSupported = space.hasVtl2Pool();
  const cmdline = buildKernelCommandLine(p, h, kp);
  if (cmdline === null) panic("called `Result::unwrap()` on an `Err` value: CommandLineTooLong");
  out.cmdline = cmdline;

  const initrdStart = p.initrdBase;
  const initrdEnd = p.initrdBase + p.initrdSize;
  if (computedInitrdCrc != p.initrdCrc) {
    panic("assertion `left == right` failed: computed initrd crc does not match build time calculated crc\n  left: " + computedInitrdCrc.toString() + "\n right: " + p.initrdCrc.toString());
  }

  if (p.arch != ARCH_AARCH64) {
    const map = buildE820Map(space);
    out.e820 = map;
    const page = __alloc(<usize>BOOT_PARAMS_SIZE);
    writeBootParams(page, map, initrdStart, initrdEnd);
    out.bootParams = page;
  }

  if (bootReftime !== null) {
    const end = getRefTime(p);
    out.bootTimes = new BootTimes(bootReftime.value, end !== null ? end.value : 0);
  }

  const imported = p.importedRegionsList();
  checkImportedRegionsAccepted(h.vtl2Ram, imported);

  const dtb = __alloc(<usize>FDT_DATA_SIZE);
  const r = writeDt(dtb, FDT_DATA_SIZE, p, h, space, imported, initrdStart, initrdEnd, cmdline!.toString(), sidecar, out.bootTimes);
  if (r.error !== null) panic("called `Result::unwrap()` on an `Err` value: " + r.errorDebug());
  out.dtb = dtb;
  out.dtbSize = r.size;

  logInfo("uninitializing hypercalls");
  logInfo("about to jump to kernel");
  return out;
}
