//! TDX AP start-up page tables: the 2 MiB aligned, low-memory VTL2_TDX_PAGE_TABLES allocation
//! the shim makes on TDX, and the checks the identity-map builder applies to what it maps (every
//! VTL2_RAM range below 4 GiB read-only, plus the reset vector page): at most 64 mapped ranges,
//! sorted and non-overlapping, fitting in 20 page tables. The table contents, the local map, the
//! trampoline context and the TDVMCALL hypercall page setup touch only hardware and are not
//! written; their inputs are validated as upstream does.
// Ports: openhcl/openhcl_boot/src/arch/x86_64/memory.rs (setup_vtl2_memory, TDX part),
// vm/loader/page_table/src/x64.rs (PageTableBuilder::new, build: the table count)

import { panic } from "../../../../rt/panic";
import { ShimParams } from "../../../host_params/shim_params/shim_params";
import { AddressSpaceManager, AllocationType, AllocationPolicy, ANY_VNODE } from "../../../memory/memory";
import { MemoryRange, RangeList, TWO_MB, ONE_GB, PAGE_SIZE } from "../../../../support/memory_range/lib";
import { VTL2_RAM } from "../../../../support/loader_defs/memory_vtl_type";

/** Page tables the AP identity map may use (page_table::x64::PAGE_TABLE_MAX_COUNT). */
export const PAGE_TABLE_MAX_COUNT: u32 = 20;
/** Bytes allocated for them (PAGE_TABLE_MAX_BYTES: 20 pages). */
export const PAGE_TABLE_MAX_BYTES: u64 = <u64>PAGE_TABLE_MAX_COUNT * PAGE_SIZE;
/** Capacity of the shim's list of AP mapped ranges. */
export const MAX_AP_MAPPED_RANGES: i32 = 64;
/** VTL2 RAM is mapped for the APs only below this address (the mailbox wake-up vector lives there). */
export const AP_MEMORY_BOUNDARY: u64 = 0x1_0000_0000;
/** The TDX architectural reset vector page (x86defs::tdx::RESET_VECTOR_PAGE). */
export const RESET_VECTOR_PAGE: u64 = 0xffff_f000;

/** Bytes one PML4 entry maps (512 GiB). */
const PML4_ENTRY_SPAN: u64 = <u64>512 * ONE_GB;

const EXTEND_PANIC = "ArrayVec: capacity exceeded in extend/from_iter";
const PUSH_PANIC = "called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity";

/**
 * The ranges the AP page tables map, sorted by start as upstream's stable sort leaves them: every
 * VTL2_RAM range of the address space (adjacent ranges merged) starting below 4 GiB, cut at 4 GiB,
 * then the reset vector page. Panics like the shim's 64-entry ArrayVec when they do not fit.
 */
export function apMappedRanges(space: AddressSpaceManager): RangeList {
  const all = new RangeList(space.length);
  space.vtl2Ranges(all);
  const out = new RangeList(MAX_AP_MAPPED_RANGES);
  for (let i = 0; i < all.length; i++) {
    if (<u32>all.tag(i) != VTL2_RAM) continue;
    const start = all.start(i);
    if (start >= AP_MEMORY_BOUNDARY) continue;
    const end = all.end(i) < AP_MEMORY_BOUNDARY ? all.end(i) : AP_MEMORY_BOUNDARY;
    if (!out.push(start, end, 0)) panic(EXTEND_PANIC);
  }
  if (!out.push(RESET_VECTOR_PAGE, RESET_VECTOR_PAGE + PAGE_SIZE, 1)) panic(PUSH_PANIC);
  // Stable sort by start: the reset vector page (last) moves before every range starting above it.
  let at = out.length - 1;
  while (at > 0 && out.start(at - 1) > RESET_VECTOR_PAGE) at--;
  if (at != out.length - 1) {
    const sorted = new RangeList(MAX_AP_MAPPED_RANGES);
    for (let i = 0; i < at; i++) sorted.push(out.start(i), out.end(i), out.tag(i));
    sorted.push(RESET_VECTOR_PAGE, RESET_VECTOR_PAGE + PAGE_SIZE, 1);
    for (let i = at; i < out.length - 1; i++) sorted.push(out.start(i), out.end(i), out.tag(i));
    return sorted;
  }
  return out;
}

/**
 * PageTableBuilder::new's order checks on the mapped ranges: the error's Debug name, or null.
 * (Its InvalidRange check, an end before the start, cannot fail for a RangeList.)
 */
export function pageTableBuilderError(ranges: RangeList): string | null {
  for (let i = 1; i < ranges.length; i++) {
    if (ranges.start(i) < ranges.start(i - 1)) return "UnsortedMappings";
    if (ranges.end(i - 1) > ranges.start(i)) return "OverlappingMappings";
  }
  return null;
}

/**
 * How many page tables the identity-map builder uses for sorted, non-overlapping ranges: the
 * PML4, a PDPT per 512 GiB region mapped, a PD for each GiB mapped other than by a whole 1 GiB
 * leaf, and a PT for each 2 MiB piece mapped other than by a whole 2 MiB leaf (shared by ranges
 * touching the same piece), as the builder's greedy largest-leaf walk allocates them. The walk
 * only moves up, so each table is new exactly when its region differs from the last one's.
 */
export function apPageTableCount(ranges: RangeList): u32 {
  let count: u32 = 1;
  let lastPdpt: u64 = u64.MAX_VALUE;
  let lastPd: u64 = u64.MAX_VALUE;
  let lastPt: u64 = u64.MAX_VALUE;
  for (let i = 0; i < ranges.length; i++) {
    let va = ranges.start(i);
    const end = ranges.end(i);
    while (va < end) {
      if (va % PML4_ENTRY_SPAN == 0 && end - va >= PML4_ENTRY_SPAN) panic("cannot insert a leaf entry into a PML4 table");
      const region = va / PML4_ENTRY_SPAN;
      if (region != lastPdpt) {
        lastPdpt = region;
        count++;
      }
      if (va % ONE_GB == 0 && end - va >= ONE_GB) {
        va += ONE_GB;
        continue;
      }
      const gb = va / ONE_GB;
      if (gb != lastPd) {
        lastPd = gb;
        count++;
      }
      if (va % TWO_MB == 0 && end - va >= TWO_MB) {
        va += TWO_MB;
        continue;
      }
      const chunk = va / TWO_MB;
      if (chunk != lastPt) {
        lastPt = chunk;
        count++;
      }
      // Every remaining page of this 2 MiB piece is a 4 KiB leaf in the same PT.
      const next = (chunk + 1) * TWO_MB;
      va = next < end ? next : end;
    }
  }
  return count;
}

/**
 * The TDX part of setup_vtl2_memory: allocates the AP page tables (20 pages, 2 MiB aligned, low
 * memory, any node) as VTL2_TDX_PAGE_TABLES, then runs the page table builder's checks and the
 * hypercall page's alignment check on the bounce buffer. Returns the allocated range.
 */
export function setupTdxApPageTables(p: ShimParams, space: AddressSpaceManager): MemoryRange {
  const region = space.allocateAligned(ANY_VNODE, PAGE_TABLE_MAX_BYTES, AllocationType.TdxPageTables, AllocationPolicy.LowMemory, TWO_MB);
  if (region === null) panic("allocation of space for TDX page tables must succeed");
  const range = region!.range;

  const ranges = apMappedRanges(space);
  const err = pageTableBuilderError(ranges);
  if (err !== null) panic("page table builder must return no error: " + err);
  if (apPageTableCount(ranges) > PAGE_TABLE_MAX_COUNT) panic("page table construction must succeed: NotEnoughMemory");

  // The TDVMCALL I/O pages are the first 2 MiB of the bounce buffer; without one the shim's empty
  // buffer has a dangling (1-aligned) address.
  const bb = p.bounceBuffer;
  if (bb === null || bb.start % TWO_MB != 0) panic("assertion failed: free_buffer.is_multiple_of(X64_LARGE_PAGE_SIZE)");
  return range;
}
