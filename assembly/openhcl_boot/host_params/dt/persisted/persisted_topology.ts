//! The parts of building the partition topology from persisted state that depend only on the
//! persisted header and the decoded `SavedState`: region checks, the VTL2 RAM of the previous
//! instance (adjacent ranges merged), the persisted region to reuse, pool ranges, saved MMIO, and
//! the sidecar per-CPU overrides for CPUs that had outstanding IO. `readFromDt` composes these
//! with the host-mode RAM check and the address space manager (see the order note below).
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (`topology_from_persisted_state`, the
//        servicing branch of `PartitionInfo::read_from_dt`), vm/vmcore/memory_range/src/lib.rs
//        (`merge_adjacent_ranges` asserts), openhcl/sidecar_defs/src/lib.rs (per-CPU capacity).
//
// Upstream order inside topology_from_persisted_state, which the caller must keep:
//   1. log "reading topology from persisted state"; 2. checkProtobufRegion; 3. decode + log
//   (readPersistedSavedState does 1-3 and the CPU list log); 4. previousVtl2Ram; 5. if the
//   allocation mode is Host, compare with the host's VTL2 RAM (caller); 6. persistedRegion;
//   7. log "reclaim device tree memory {base:x}-{end:x}" and build the address space with
//   persisted region, pool ranges (savedPoolRanges) and the common ranges (caller);
//   8. savedMmio for VTL0 and VTL2.

import { MemoryRange } from "../../../../support/memory_range/lib";
import { logInfo } from "../../../../rt/log_level";
import { panic } from "../../../../rt/panic";
import { PersistedStateHeader, decodePersistedProtobuf, logPersistedCpus, formatCpuList } from "./persisted_state";
import { SavedState } from "./saved_state";

import {
  VTL0_MMIO as VTL_TYPE_VTL0_MMIO, VTL2_MMIO as VTL_TYPE_VTL2_MMIO, VTL2_GPA_POOL as VTL_TYPE_VTL2_GPA_POOL,
  VTL2_PERSISTED_STATE_HEADER as VTL_TYPE_PERSISTED_STATE_HEADER,
  VTL2_PERSISTED_STATE_PROTOBUF as VTL_TYPE_PERSISTED_STATE_PROTOBUF, memoryVtlTypeIsRam, memoryVtlTypeIsVtl2,
} from "../../../../support/loader_defs/memory_vtl_type";
import { MAX_VTL2_RAM_RANGES } from "../../mod/partition_limits";
import { fmtRangeDebugPrettyHex } from "../../../../rt/fmt";
export { VTL_TYPE_VTL0_MMIO, VTL_TYPE_VTL2_MMIO };
/** Capacity of a VMBus MMIO list (`ArrayVec<MemoryRange, 2>`). */
export const MAX_MMIO_RANGES: i32 = 2;

const ARRAYVEC_EXTEND_FULL = "ArrayVec: capacity exceeded in extend/from_iter";

/** `MemoryVtlType::ram() && MemoryVtlType::vtl2()`: VTL2-used RAM types (1..4 and 7..12). */
@inline export function isVtl2RamType(t: u32): bool {
  return memoryVtlTypeIsRam(t) && memoryVtlTypeIsVtl2(t);
}

/** Checks that the header's protobuf region lies in the persisted-state region and the payload fits. */
export function checkProtobufRegion(header: PersistedStateHeader, persistedState: MemoryRange): MemoryRange {
  const region = MemoryRange.new(header.protobufBase, header.protobufBase + header.protobufRegionLen);
  if (!persistedState.contains(region)) {
    panic(
      "protobuf region " + fmtRangeDebugPrettyHex(region.start, region.end) + " is not contained within the persisted state region " +
        fmtRangeDebugPrettyHex(persistedState.start, persistedState.end),
    );
  }
  if (header.protobufPayloadLen > header.protobufRegionLen) {
    panic(
      "protobuf payload len " + header.protobufPayloadLen.toString() + " is larger than region len " +
        header.protobufRegionLen.toString(),
    );
  }
  return region;
}

/** Steps 1-3: log, region checks, decode on the shim heap, CPU list log. */
export function readPersistedSavedState(
  header: PersistedStateHeader,
  persistedState: MemoryRange,
  heapStart: u64,
  heapSize: u64,
): SavedState {
  logInfo("reading topology from persisted state");
  checkProtobufRegion(header, persistedState);
  const state = decodePersistedProtobuf(header.protobufBase, header.protobufPayloadLen, heapStart, heapSize);
  logPersistedCpus(state);
  return state;
}

/** VTL2 RAM of the previous instance: start, end, igvm type, vnode (at most 64). */
@final
export class PersistedVtl2Ram {
  start: StaticArray<u64> = new StaticArray<u64>(MAX_VTL2_RAM_RANGES);
  end: StaticArray<u64> = new StaticArray<u64>(MAX_VTL2_RAM_RANGES);
  memType: StaticArray<u16> = new StaticArray<u16>(MAX_VTL2_RAM_RANGES);
  vnode: StaticArray<u32> = new StaticArray<u32>(MAX_VTL2_RAM_RANGES);
  length: i32 = 0;

  /** Appends one range; panics as `ArrayVec::extend` does when full. */
  push(start: u64, end: u64, memType: u16, vnode: u32): void {
    if (this.length >= MAX_VTL2_RAM_RANGES) panic(ARRAYVEC_EXTEND_FULL);
    const i = this.length;
    unchecked((this.start[i] = start));
    unchecked((this.end[i] = end));
    unchecked((this.memType[i] = memType));
    unchecked((this.vnode[i] = vnode));
    this.length = i + 1;
  }
}

/**
 * Step 4: the saved ranges whose type is VTL2 RAM, with adjacent ranges of equal (igvm type,
 * vnode) merged, in saved order; panics like `merge_adjacent_ranges` on unsorted or overlapping
 * input and like `MemoryRange::new` on an unaligned result.
 */
export function previousVtl2Ram(s: SavedState, out: PersistedVtl2Ram): void {
  out.length = 0;
  let i = 0;
  const n = s.memCount;
  while (true) {
    while (i < n && !isVtl2RamType(unchecked(s.memVtlType[i]))) i++;
    if (i >= n) break;
    const firstStart = unchecked(s.memStart[i]);
    const memType = unchecked(s.memIgvmType[i]);
    const vnode = unchecked(s.memVnode[i]);
    let start = firstStart;
    let end = unchecked(s.memEnd[i]);
    i++;
    while (true) {
      while (i < n && !isVtl2RamType(unchecked(s.memVtlType[i]))) i++;
      if (i >= n) break;
      const rs = unchecked(s.memStart[i]);
      if (!(rs >= start)) panic("ranges are not sorted");
      if (!(rs >= end)) panic("ranges overlap");
      if (!(rs == end && unchecked(s.memIgvmType[i]) == memType && unchecked(s.memVnode[i]) == vnode)) break;
      start = rs;
      const re = unchecked(s.memEnd[i]);
      if (re > end) end = re;
      i++;
    }
    const merged = MemoryRange.new(firstStart, end);
    out.push(merged.start, merged.end, memType, vnode);
  }
}

/** Rust's `assert_eq!` failure text for two u64 values. */
function assertEqU64(left: u64, right: u64): void {
  if (left != right) {
    panic("assertion `left == right` failed\n  left: " + left.toString() + "\n right: " + right.toString());
  }
}

/** Step 6: header range start .. protobuf range end, checked against the header's protobuf base. */
export function persistedRegion(s: SavedState, protobufRegion: MemoryRange): MemoryRange {
  const h = findMemoryEntry(s, VTL_TYPE_PERSISTED_STATE_HEADER);
  if (h < 0) panic("persisted state header missing");
  const p = findMemoryEntry(s, VTL_TYPE_PERSISTED_STATE_PROTOBUF);
  if (p < 0) panic("persisted state protobuf region missing");
  assertEqU64(unchecked(s.memEnd[h]), protobufRegion.start);
  return MemoryRange.new(unchecked(s.memStart[h]), unchecked(s.memEnd[p]));
}

function findMemoryEntry(s: SavedState, vtlType: u32): i32 {
  for (let i = 0; i < s.memCount; i++) if (unchecked(s.memVtlType[i]) == vtlType) return i;
  return -1;
}

/** Step 7 input: the saved VTL2_GPA_POOL ranges, in order (starts then ends in `out`, count returned). */
export function savedPoolRanges(s: SavedState, outStart: StaticArray<u64>, outEnd: StaticArray<u64>): i32 {
  let n = 0;
  for (let i = 0; i < s.memCount; i++) {
    if (unchecked(s.memVtlType[i]) != VTL_TYPE_VTL2_GPA_POOL) continue;
    if (n >= outStart.length || n >= outEnd.length) panic("hclboot capacity: more than " + outStart.length.toString() + " saved pool ranges");
    unchecked((outStart[n] = s.memStart[i]));
    unchecked((outEnd[n] = s.memEnd[i]));
    n++;
  }
  return n;
}

/** Step 8: the saved MMIO ranges of `vtlType` (VTL0_MMIO or VTL2_MMIO), at most 2 like the ArrayVec. */
export function savedMmio(s: SavedState, vtlType: u32, outStart: StaticArray<u64>, outEnd: StaticArray<u64>): i32 {
  let n = 0;
  for (let i = 0; i < s.mmioCount; i++) {
    if (unchecked(s.mmioVtlType[i]) != vtlType) continue;
    if (n >= MAX_MMIO_RANGES) panic(ARRAYVEC_EXTEND_FULL);
    outStart[n] = unchecked(s.mmioStart[i]);
    outEnd[n] = unchecked(s.mmioEnd[i]);
    n++;
  }
  return n;
}

/** Sidecar decision on a servicing boot: nothing to do, CPUs excluded, or sidecar disabled. */
export const SIDECAR_IO_NONE: i32 = 0;
export const SIDECAR_IO_EXCLUDED: i32 = 1;
export const SIDECAR_IO_DISABLED: i32 = 2;

/**
 * CPUs with outstanding IO are started by the kernel, not the sidecar: clears their entries in
 * `startsCpu` (length NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE), or disables sidecar when the CPU
 * count or an id does not fit the per-CPU array. Logs as read_from_dt does.
 */
export function sidecarOverridesForOutstandingIo(sidecarEnabled: bool, cpuCount: u32, s: SavedState, startsCpu: StaticArray<bool>): i32 {
  if (!sidecarEnabled || s.cpusIoCount == 0) return SIDECAR_IO_NONE;
  let maxId: u32 = 0;
  for (let i = 0; i < s.cpusIoCount; i++) if (unchecked(s.cpusIo[i]) > maxId) maxId = unchecked(s.cpusIo[i]);
  const cap = <u32>startsCpu.length;
  if (cpuCount <= cap && maxId < cap) {
    for (let i = 0; i < s.cpusIoCount; i++) startsCpu[<i32>unchecked(s.cpusIo[i])] = false;
    logInfo("sidecar: excluding CPUs " + formatCpuList(s.cpusIo, s.cpusIoCount) + " due to outstanding IO");
    return SIDECAR_IO_EXCLUDED;
  }
  logInfo("sidecar: disabling, too many CPUs for per-CPU state (max id " + maxId.toString() + ")");
  return SIDECAR_IO_DISABLED;
}
