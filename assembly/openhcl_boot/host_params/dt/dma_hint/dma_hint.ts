//! VTL2 private pool sizing: the DMA hint heuristics tables (by VP count and VTL2 memory) and the
//! choice between command line, device tree and heuristics.
// Ports: openhcl/openhcl_boot/src/host_params/dt/dma_hint.rs
//
// Integer widths follow upstream exactly: the VP count is compared as u16 and the memory size in
// MiB as u32 (and as u16 when matching a table row), ratios are u32 scaled by 1000.

import { logInfo } from "../../../../rt/log_level";
import { logOn } from "../../../../rt/log";
import { Vtl2GpaPoolConfig, POOL_OFF, POOL_PAGES, LOOKUP_DEBUG, lookupTableName } from "../../../cmdline/cmdline";

const PAGE_SIZE_4K: u64 = 4096;
const ONE_MB: u64 = 1024 * 1024;
/** Memory sizes at or above this (just under 4 PiB) get no heuristic hint. */
const MAX_DMA_HINT_MEM_SIZE: u64 = 0xffff_ffff_00000;
const PAGES_PER_2MB: u64 = (2 * ONE_MB) / PAGE_SIZE_4K;
/** Ratios are kept as integers scaled by this factor. */
const RATIO: u32 = 1000;

/** Rows of the release table: (vp_count, vtl2_memory_mb, dma_hint_mb), sorted by VPs then memory. */
export const RELEASE_ROWS: i32 = 39;
const RELEASE_TABLE: StaticArray<u16> = [
  2, 96, 2, 2, 98, 4, 2, 100, 4, 2, 104, 4,
  4, 108, 2, 4, 110, 6, 4, 112, 6, 4, 118, 8, 4, 130, 12,
  8, 140, 4, 8, 148, 10, 8, 170, 20, 8, 176, 20,
  16, 70, 2, // the default 70 MiB manifest: room for a few NVMe queues
  16, 234, 12, 16, 256, 20, 16, 268, 38, 16, 282, 54,
  24, 420, 66,
  32, 404, 22, 32, 516, 36, 32, 538, 74,
  48, 558, 32, 48, 718, 52, 48, 730, 52, 48, 746, 78,
  64, 712, 42, 64, 924, 68, 64, 938, 68,
  96, 1030, 64, 96, 1042, 114, 96, 1058, 114, 96, 1340, 102, 96, 1358, 104, 96, 1382, 120,
  112, 1566, 288,
  128, 1342, 84, 128, 1360, 84,
  896, 12912, 516,
];

/** Rows of the debug (dev/test manifests) table. */
export const DEBUG_ROWS: i32 = 6;
const DEBUG_TABLE: StaticArray<u16> = [
  4, 496, 4,
  16, 512, 16,
  32, 1024, 32,
  32, 1536, 128,
  64, 1024, 64,
  128, 1024, 128,
];

/** Number of rows of a lookup table (LOOKUP_RELEASE or LOOKUP_DEBUG). */
export function lookupRows(table: u32): i32 {
  return table == LOOKUP_DEBUG ? DEBUG_ROWS : RELEASE_ROWS;
}

/** Column `col` (0 VPs, 1 VTL2 MiB, 2 hint MiB) of row `row` of a lookup table. */
export function lookupCell(table: u32, row: i32, col: i32): u16 {
  const rows = lookupRows(table);
  if (<u32>row >= <u32>rows || <u32>col >= 3) return 0;
  const t = table == LOOKUP_DEBUG ? DEBUG_TABLE : RELEASE_TABLE;
  return unchecked(t[row * 3 + col]);
}

@inline
function roundUpTo2mb(pages4k: u64): u64 {
  return (pages4k + (PAGES_PER_2MB - 1)) & ~(PAGES_PER_2MB - 1);
}

/**
 * The DMA hint in 4K pages for `vpCount` VPs and `memSize` bytes of VTL2 memory: the table's
 * value on an exact (VPs, MiB) match, else extrapolated from the memory/hint ratios of the
 * nearest VP counts and rounded up to 2 MiB. 0 when `memSize` is 0 or implausibly large.
 */
export function vtl2CalculateDmaHint(table: u32, vpCount: u64, memSize: u64): u64 {
  let hint4k: u64 = 0;
  if (!(memSize > 0 && memSize < MAX_DMA_HINT_MEM_SIZE)) return hint4k;

  const memMb = <u32>(memSize / ONE_MB);
  const memMb16 = <u16>memMb;
  const vp16 = <u16>vpCount;
  let maxVtl2MemoryMb: u16 = 0;
  let minRatio: u32 = 100 * RATIO;
  let maxRatio: u32 = RATIO;
  let minVpCount: u16 = 1; // largest table VP count below vpCount
  let maxVpCount: u16 = vp16; // smallest table VP count above vpCount (or vpCount itself)
  const rows = lookupRows(table);

  for (let r = 0; r < rows; r++) {
    const vp = lookupCell(table, r, 0);
    const mem = lookupCell(table, r, 1);
    const dma = lookupCell(table, r, 2);
    if (vp < vp16) {
      if (vp > minVpCount) minVpCount = vp;
    } else if (vp == vp16) {
      if (mem == memMb16) {
        hint4k = ((<u64>dma) * ONE_MB) / PAGE_SIZE_4K;
        maxVtl2MemoryMb = mem;
        break;
      }
      if (mem > maxVtl2MemoryMb) maxVtl2MemoryMb = mem;
      const ratio = ((<u32>mem) * RATIO) / <u32>dma;
      if (ratio < minRatio) minRatio = ratio;
      if (ratio > maxRatio) maxRatio = ratio;
    } else {
      if (vp < maxVpCount) maxVpCount = vp;
    }
  }

  // No row had this VP count: take the ratios of the neighbouring VP counts.
  if (maxVtl2MemoryMb == 0) {
    for (let r = 0; r < rows; r++) {
      const vp = lookupCell(table, r, 0);
      if (vp != minVpCount && vp != maxVpCount) continue;
      const mem = lookupCell(table, r, 1);
      const dma = lookupCell(table, r, 2);
      const ratio = ((<u32>mem) * RATIO) / <u32>dma;
      if (ratio < minRatio) minRatio = ratio;
      if (ratio > maxRatio) maxRatio = ratio;
    }
  }

  if (hint4k == 0) {
    hint4k = ((<u64>memMb) * (<u64>RATIO) * (ONE_MB / PAGE_SIZE_4K)) / ((<u64>(minRatio + maxRatio)) / 2);
    hint4k = roundUpTo2mb(hint4k);
    if (logOn()) logInfo(
      "Extrapolated VTL2 DMA hint: " + hint4k.toString() + " pages (" + ((hint4k * PAGE_SIZE_4K) / ONE_MB).toString() +
        " MiB) for " + vpCount.toString() + " VPs and " + memMb.toString() + " MiB VTL2 memory",
    );
  } else {
    if (logOn()) logInfo(
      "Found exact VTL2 DMA hint: " + hint4k.toString() + " pages (" + ((hint4k * PAGE_SIZE_4K) / ONE_MB).toString() +
        " MiB) for " + vpCount.toString() + " VPs and " + memMb.toString() + " MiB VTL2 memory",
    );
  }
  return hint4k;
}

/** An optional page count (upstream `Option<u64>`). */
@final
export class PoolSize {
  constructor(
    /** True for `Some`. */
    public readonly isSome: bool,
    /** The page count when `isSome`, else 0. */
    public readonly pages: u64,
  ) {}
}

/**
 * Decides the VTL2 private pool size in 4K pages (upstream `pick_private_pool_size`): `Off`
 * disables it, `Pages(n)` wins over everything, else a nonzero device tree count (`dtPages` with
 * `hasDt`) wins over the heuristics tables.
 */
export function pickPrivatePoolSize(cmdline: Vtl2GpaPoolConfig, dtPages: u64, hasDt: bool, vpCount: u64, memSize: u64): PoolSize {
  if (cmdline.kind == POOL_OFF) {
    logInfo("vtl2 gpa pool disabled via command line");
    return new PoolSize(false, 0);
  }
  if (cmdline.kind == POOL_PAGES) {
    if (logOn()) logInfo("vtl2 gpa pool enabled via command line with pages: " + cmdline.pages.toString());
    return new PoolSize(true, cmdline.pages);
  }
  if (!hasDt || dtPages == 0) {
    if (logOn()) logInfo("vtl2 gpa pool coming from heuristics table: " + lookupTableName(cmdline.table));
    return new PoolSize(true, vtl2CalculateDmaHint(cmdline.table, vpCount, memSize));
  }
  if (logOn()) logInfo("vtl2 gpa pool enabled via device tree with pages: " + dtPages.toString());
  return new PoolSize(true, dtPages);
}
