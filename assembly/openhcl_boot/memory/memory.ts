//! Address space allocator for VTL2 memory used by the boot shim: tracks every VTL2 ram range as
//! free, used by the shim, or reserved for a purpose, and carves allocations (GPA pool, sidecar
//! node memory, TDX page tables) out of free ranges per NUMA node, from low or high memory.
// Ports: openhcl/openhcl_boot/src/memory.rs

import { panic } from "../../rt/panic";
import { MemoryRange, PAGE_SIZE } from "../../support/memory_range/lib";
import { RangeList, RangeWalker, WALK_LEFT, WALK_RIGHT, WALK_BOTH } from "../../support/memory_range/lib";
import { MAX_NUMA_NODES, MAX_VTL2_RAM_RANGES, SIDECAR_MAX_NODES } from "../host_params/mod/partition_limits";
import { fmtRangeDebug, fmtRangeDebugPrettyHex } from "../../rt/fmt";
import * as VtlType from "../../support/loader_defs/memory_vtl_type";
import { uninitStaticArray } from "../../rt/storage";

/** Maximum number of reserved ranges the shim may use (see ReservedMemoryType). */
export const MAX_RESERVED_MEM_RANGES: i32 = 6 + SIDECAR_MAX_NODES;
const MAX_MEMORY_RANGES: i32 = MAX_VTL2_RAM_RANGES + MAX_RESERVED_MEM_RANGES;
/** Capacity of the address space table: twice the memory and reserved ranges. */
export const MAX_ADDRESS_RANGES: i32 = MAX_MEMORY_RANGES * 2;
// Reserved ranges handed to the builder, and used ranges (reserved + one pool range per node).
const MAX_RESERVED_RANGES: i32 = 20;
const MAX_USED_RANGES: i32 = MAX_RESERVED_RANGES + MAX_NUMA_NODES;

/** Why a range is reserved (ReservedMemoryType). */
export const RESERVED_VTL2_CONFIG: u32 = 0;
export const RESERVED_VTL2_RESERVED: u32 = 1;
export const RESERVED_SIDECAR_IMAGE: u32 = 2;
export const RESERVED_SIDECAR_NODE: u32 = 3;
export const RESERVED_VTL2_GPA_POOL: u32 = 4;
export const RESERVED_TDX_PAGE_TABLES: u32 = 5;
export const RESERVED_BOOTSHIM_LOG_BUFFER: u32 = 6;
export const RESERVED_PERSISTED_STATE_HEADER: u32 = 7;
export const RESERVED_PERSISTED_STATE_PAYLOAD: u32 = 8;

/** Address usage beyond the reserved types: free for allocation, or used by the shim. */
export const USAGE_FREE: u32 = 100;
export const USAGE_USED: u32 = 101;

/** `{:?}` of a ReservedMemoryType. */
export function reservedTypeName(t: u32): string {
  switch (t) {
    case RESERVED_VTL2_CONFIG: return "Vtl2Config";
    case RESERVED_VTL2_RESERVED: return "Vtl2Reserved";
    case RESERVED_SIDECAR_IMAGE: return "SidecarImage";
    case RESERVED_SIDECAR_NODE: return "SidecarNode";
    case RESERVED_VTL2_GPA_POOL: return "Vtl2GpaPool";
    case RESERVED_TDX_PAGE_TABLES: return "TdxPageTables";
    case RESERVED_BOOTSHIM_LOG_BUFFER: return "BootshimLogBuffer";
    case RESERVED_PERSISTED_STATE_HEADER: return "PersistedStateHeader";
    case RESERVED_PERSISTED_STATE_PAYLOAD: return "PersistedStatePayload";
  }
  return "?";
}

/** The MemoryVtlType reported for a reserved type. */
export function reservedToVtlType(t: u32): u32 {
  switch (t) {
    case RESERVED_VTL2_CONFIG: return VtlType.VTL2_CONFIG;
    case RESERVED_SIDECAR_IMAGE: return VtlType.VTL2_SIDECAR_IMAGE;
    case RESERVED_SIDECAR_NODE: return VtlType.VTL2_SIDECAR_NODE;
    case RESERVED_VTL2_RESERVED: return VtlType.VTL2_RESERVED;
    case RESERVED_VTL2_GPA_POOL: return VtlType.VTL2_GPA_POOL;
    case RESERVED_TDX_PAGE_TABLES: return VtlType.VTL2_TDX_PAGE_TABLES;
    case RESERVED_BOOTSHIM_LOG_BUFFER: return VtlType.VTL2_BOOTSHIM_LOG_BUFFER;
    case RESERVED_PERSISTED_STATE_HEADER: return VtlType.VTL2_PERSISTED_STATE_HEADER;
    case RESERVED_PERSISTED_STATE_PAYLOAD: return VtlType.VTL2_PERSISTED_STATE_PROTOBUF;
  }
  return VtlType.VTL2_RAM;
}

/** The MemoryVtlType of an address usage (free and used ranges are plain VTL2 ram). */
export function usageToVtlType(u: u32): u32 {
  return u == USAGE_FREE || u == USAGE_USED ? VtlType.VTL2_RAM : reservedToVtlType(u);
}

/** `{:?}` of an AddressUsage: `Free`, `Used` or `Reserved(<type>)`. */
export function usageName(u: u32): string {
  if (u == USAGE_FREE) return "Free";
  if (u == USAGE_USED) return "Used";
  return "Reserved(" + reservedTypeName(u) + ")";
}

/** What an allocation is for. */
export enum AllocationType {
  GpaPool = 0,
  SidecarNode = 1,
  TdxPageTables = 2,
}

/** Whether an allocation prefers the lowest or the highest fitting free range. */
export enum AllocationPolicy {
  LowMemory = 0,
  HighMemory = 1,
}

/** Passed as `requiredVnode` when any NUMA node will do (upstream `None`). */
export const ANY_VNODE: i64 = -1;

/** A range handed out by the allocator and the NUMA node it came from. */
export class AllocatedRange {
  constructor(public range: MemoryRange, public vnode: u32) {}
}

/** Errors of the address space builder (upstream `memory::Error`). */
export const ERR_RAM_LEN: u32 = 0;
export const ERR_ALREADY_INITIALIZED: u32 = 1;
export const ERR_RESERVED_OUTSIDE_USED: u32 = 2;

/** A recoverable address space initialization error with its upstream texts. */
export class MemoryError {
  len: u64 = 0;
  max: u64 = 0;
  reserved: MemoryRange = MemoryRange.empty();
  typ: u32 = 0;
  bootshimUsed: MemoryRange = MemoryRange.empty();
  constructor(public kind: u32) {}

  /** The `#[error]` (Display) text. */
  message(): string {
    if (this.kind == ERR_RAM_LEN) return "ram len " + this.len.toString() + " greater than maximum " + this.max.toString();
    if (this.kind == ERR_ALREADY_INITIALIZED) return "already initialized";
    return "reserved range " + fmtRangeDebugPrettyHex(this.reserved.start, this.reserved.end) + ", type " +
      reservedTypeName(this.typ) + " outside of bootshim used " +
      fmtRangeDebugPrettyHex(this.bootshimUsed.start, this.bootshimUsed.end);
  }

  /** The derived `{:?}` text (what `expect` prints). */
  debug(): string {
    if (this.kind == ERR_RAM_LEN) return "RamLen { len: " + this.len.toString() + ", max: " + this.max.toString() + " }";
    if (this.kind == ERR_ALREADY_INITIALIZED) return "AlreadyInitialized";
    return "ReservedRangeOutsideBootshimUsed { reserved: " + fmtRangeDebug(this.reserved.start, this.reserved.end) +
      ", typ: " + reservedTypeName(this.typ) + ", bootshim_used: " +
      fmtRangeDebug(this.bootshimUsed.start, this.bootshimUsed.end) + " }";
  }
}

// `ArrayVec::push` / `insert` on a full vector unwraps a CapacityError.
const CAPACITY_PANIC = "called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity";
const EXTEND_PANIC = "ArrayVec: capacity exceeded in extend/from_iter";

/** Tracks the whole VTL2 address space, sorted, as (range, vnode, usage) entries. */
export class AddressSpaceManager {
  // Entries at and beyond `length` are never read (not zeroed).
  starts: StaticArray<u64> = uninitStaticArray<u64>(MAX_ADDRESS_RANGES);
  ends: StaticArray<u64> = uninitStaticArray<u64>(MAX_ADDRESS_RANGES);
  vnodes: StaticArray<u32> = uninitStaticArray<u32>(MAX_ADDRESS_RANGES);
  usages: StaticArray<u32> = uninitStaticArray<u32>(MAX_ADDRESS_RANGES);
  length: i32 = 0;
  vtl2Pool: bool = false;

  /** Appends an entry; panics like a full ArrayVec. */
  push(start: u64, end: u64, vnode: u32, usage: u32): void {
    this.insert(this.length, start, end, vnode, usage);
  }

  /** Inserts an entry at `index`, shifting later entries up. */
  insert(index: i32, start: u64, end: u64, vnode: u32, usage: u32): void {
    if (this.length >= MAX_ADDRESS_RANGES) panic(CAPACITY_PANIC);
    const n = this.length - index;
    if (n > 0) {
      memory.copy(changetype<usize>(this.starts) + ((<usize>index + 1) << 3), changetype<usize>(this.starts) + (<usize>index << 3), <usize>n << 3);
      memory.copy(changetype<usize>(this.ends) + ((<usize>index + 1) << 3), changetype<usize>(this.ends) + (<usize>index << 3), <usize>n << 3);
      memory.copy(changetype<usize>(this.vnodes) + ((<usize>index + 1) << 2), changetype<usize>(this.vnodes) + (<usize>index << 2), <usize>n << 2);
      memory.copy(changetype<usize>(this.usages) + ((<usize>index + 1) << 2), changetype<usize>(this.usages) + (<usize>index << 2), <usize>n << 2);
    }
    this.starts[index] = start;
    this.ends[index] = end;
    this.vnodes[index] = vnode;
    this.usages[index] = usage;
    this.length++;
  }

  // Splits free entry `index` so an (optionally aligned) `len` bytes at its low or high end
  // become `usage`; the leftover pieces stay free on the same node.
  private allocateRange(index: i32, len: u64, usage: u32, policy: AllocationPolicy, aligned: bool, alignment: u64): AllocatedRange {
    if (usage == USAGE_FREE) panic("assertion failed: usage != AddressUsage::Free");
    if (index >= this.length) panic("valid index");
    const cur = this.usages[index];
    if (cur != USAGE_FREE) panic("assertion `left == right` failed\n  left: " + usageName(cur) + "\n right: Free");
    const whole = new MemoryRange(this.starts[index], this.ends[index]);
    const vnode = this.vnodes[index];
    const sub = aligned ? whole.alignedSubrange(alignment) : whole;
    if (sub.len < len) panic("assertion failed: subrange.len() >= len");
    if (sub.start == 0 && sub.end == 0) {
      panic("assertion `left != right` failed\n  left: " + fmtRangeDebug(0, 0) + "\n right: " + fmtRangeDebug(0, 0));
    }
    const used = policy == AllocationPolicy.LowMemory
      ? sub.splitAtOffset(len).first
      : sub.splitAtOffset(sub.len - len).second;
    const left = MemoryRange.new(whole.start, used.start);
    const right = MemoryRange.new(used.end, whole.end);
    this.usages[index] = usage;
    this.starts[index] = used.start;
    this.ends[index] = used.end;
    if (!right.isEmpty()) this.insert(index + 1, right.start, right.end, vnode, USAGE_FREE);
    if (!left.isEmpty()) this.insert(index, left.start, left.end, vnode, USAGE_FREE);
    return new AllocatedRange(used, vnode);
  }

  private allocateInner(requiredVnode: i64, len: u64, type: AllocationType, policy: AllocationPolicy, aligned: bool, alignment: u64): AllocatedRange | null {
    if (len == 0) return null;
    // Round up to whole 4K pages.
    len = ((len + (PAGE_SIZE - 1)) / PAGE_SIZE) * PAGE_SIZE;
    let index = -1;
    const n = this.length;
    // No allocation per visited entry: this scan runs once per sidecar node over the whole table.
    for (let k = 0; k < n; k++) {
      const i = policy == AllocationPolicy.LowMemory ? k : n - 1 - k;
      const start = unchecked(this.starts[i]);
      const end = unchecked(this.ends[i]);
      const isAligned = !aligned || new MemoryRange(start, end).alignedSubrange(alignment).len >= len;
      if (unchecked(this.usages[i]) == USAGE_FREE && end - start >= len &&
        (requiredVnode < 0 || <u32>requiredVnode == unchecked(this.vnodes[i])) && isAligned) {
        index = i;
        break;
      }
    }
    const usage = type == AllocationType.GpaPool ? RESERVED_VTL2_GPA_POOL
      : type == AllocationType.SidecarNode ? RESERVED_SIDECAR_NODE : RESERVED_TDX_PAGE_TABLES;
    if (index < 0) return null;
    const alloc = this.allocateRange(index, len, usage, policy, aligned, alignment);
    if (type == AllocationType.GpaPool) this.vtl2Pool = true;
    return alloc;
  }

  /** Allocates `len` bytes (rounded up to 4K) of `type`; null when nothing fits or len is 0. */
  allocate(requiredVnode: i64, len: u64, type: AllocationType, policy: AllocationPolicy): AllocatedRange | null {
    return this.allocateInner(requiredVnode, len, type, policy, false, 0);
  }

  /** Like allocate, with the top (High) or bottom (Low) aligned to `alignment` bytes. */
  allocateAligned(requiredVnode: i64, len: u64, type: AllocationType, policy: AllocationPolicy, alignment: u64): AllocatedRange | null {
    return this.allocateInner(requiredVnode, len, type, policy, true, alignment);
  }

  /** Every VTL2 range with its MemoryVtlType (tag), adjacent ranges of one type merged. */
  vtl2Ranges(out: RangeList): void {
    out.clear();
    let i = 0;
    while (i < this.length) {
      const typ = usageToVtlType(this.usages[i]);
      const start = this.starts[i];
      let end = this.ends[i];
      i++;
      while (i < this.length && this.starts[i] == end && usageToVtlType(this.usages[i]) == typ) {
        end = this.ends[i];
        i++;
      }
      if (!out.push(start, end, <u64>typ)) panic("vtl2Ranges: output list full");
    }
  }

  /** Like vtl2Ranges, but tags are (MemoryVtlType << 32) | vnode and ranges are not merged. */
  vtl2RangesWithVnode(out: RangeList): void {
    out.clear();
    for (let i = 0; i < this.length; i++) {
      const tag = (<u64>usageToVtlType(this.usages[i]) << 32) | <u64>this.vnodes[i];
      if (!out.push(this.starts[i], this.ends[i], tag)) panic("vtl2RangesWithVnode: output list full");
    }
  }

  /** Reserved ranges (not reported as ram to the kernel); tag is the ReservedMemoryType. */
  reservedVtl2Ranges(out: RangeList): void {
    out.clear();
    for (let i = 0; i < this.length; i++) {
      const u = this.usages[i];
      if (u != USAGE_FREE && u != USAGE_USED) {
        if (!out.push(this.starts[i], this.ends[i], <u64>u)) panic("reservedVtl2Ranges: output list full");
      }
    }
  }

  /** Free ranges of NUMA node `vnode` (diagnostics). */
  freeRanges(vnode: u32, out: RangeList): void {
    out.clear();
    for (let i = 0; i < this.length; i++) {
      if (this.usages[i] == USAGE_FREE && this.vnodes[i] == vnode) {
        if (!out.push(this.starts[i], this.ends[i], <u64>vnode)) panic("freeRanges: output list full");
      }
    }
  }

  /** True when the VTL2 GPA pool has at least one range. */
  hasVtl2Pool(): bool {
    return this.vtl2Pool;
  }
}

/** Builds the initial state of an AddressSpaceManager from VTL2 ram and the shim's ranges. */
export class AddressSpaceManagerBuilder {
  private reservedRange: MemoryRange | null = null;
  private sidecarImage: MemoryRange | null = null;
  private pageTables: MemoryRange | null = null;
  private logBuffer: MemoryRange | null = null;
  private poolRanges: RangeList = new RangeList(MAX_NUMA_NODES);

  /**
   * `vtl2Ram` is sorted VTL2 ram (tag low 32 bits = vnode); `bootshimUsed` is the shim's used
   * range; `persistedStateRegion` holds the persisted header page + payload; `vtl2Config` are
   * the config ranges. Every reserved range must lie inside `bootshimUsed`.
   */
  constructor(
    private manager: AddressSpaceManager,
    private vtl2Ram: RangeList,
    private bootshimUsed: MemoryRange,
    private persistedStateRegion: MemoryRange,
    private vtl2Config: RangeList,
  ) {}

  /** A reserved range reported as VTL2_RESERVED. */
  withReservedRange(r: MemoryRange): AddressSpaceManagerBuilder {
    this.reservedRange = r;
    return this;
  }

  /** The sidecar image, reported as VTL2_SIDECAR_IMAGE. */
  withSidecarImage(r: MemoryRange): AddressSpaceManagerBuilder {
    this.sidecarImage = r;
    return this;
  }

  /** The boot shim log buffer, reported as VTL2_BOOTSHIM_LOG_BUFFER. */
  withLogBuffer(r: MemoryRange): AddressSpaceManagerBuilder {
    this.logBuffer = r;
    return this;
  }

  /** Existing VTL2 GPA pool ranges (restore); panics when called twice with ranges set. */
  withPoolRanges(pool: RangeList): AddressSpaceManagerBuilder {
    if (this.poolRanges.length != 0) panic("pool ranges already set on builder");
    for (let i = 0; i < pool.length; i++) {
      if (!this.poolRanges.push(pool.start(i), pool.end(i), 0)) panic(EXTEND_PANIC);
    }
    return this;
  }

  /** Initializes the manager; returns an error (upstream `Err`) or null on success. */
  init(): MemoryError | null {
    const manager = this.manager;
    if (this.vtl2Ram.length > MAX_VTL2_RAM_RANGES) {
      const e = new MemoryError(ERR_RAM_LEN);
      e.len = <u64>this.vtl2Ram.length;
      e.max = <u64>MAX_VTL2_RAM_RANGES;
      return e;
    }
    if (manager.length != 0) return new MemoryError(ERR_ALREADY_INITIALIZED);

    // The persisted region is a header page followed by the protobuf payload.
    const persisted = this.persistedStateRegion.splitAtOffset(PAGE_SIZE);
    let reserved = new RangeList(MAX_RESERVED_RANGES);
    reserved.push(persisted.first.start, persisted.first.end, RESERVED_PERSISTED_STATE_HEADER);
    reserved.push(persisted.second.start, persisted.second.end, RESERVED_PERSISTED_STATE_PAYLOAD);
    for (let i = 0; i < this.vtl2Config.length; i++) {
      pushOrExtendPanic(reserved, this.vtl2Config.start(i), this.vtl2Config.end(i), RESERVED_VTL2_CONFIG);
    }
    pushOptional(reserved, this.reservedRange, RESERVED_VTL2_RESERVED);
    pushOptional(reserved, this.sidecarImage, RESERVED_SIDECAR_IMAGE);
    pushOptional(reserved, this.pageTables, RESERVED_TDX_PAGE_TABLES);
    pushOptional(reserved, this.logBuffer, RESERVED_BOOTSHIM_LOG_BUFFER);
    reserved = sortedByStart(reserved);

    // Used ranges: the shim's used range, split where reserved ranges overlap it.
    let used = new RangeList(MAX_USED_RANGES);
    const usedRange = new RangeList(1);
    usedRange.push(this.bootshimUsed.start, this.bootshimUsed.end, USAGE_USED);
    // Step the walk lazily as upstream's iterator does: the Err returns before any later range
    // is looked at (and so before a later "not sorted" panic).
    const walk = new RangeWalker(usedRange, reserved);
    while (walk.next()) {
      const k = walk.kind;
      if (k == WALK_LEFT) {
        if (!used.push(walk.start, walk.end, USAGE_USED)) panic(CAPACITY_PANIC);
      } else if (k == WALK_BOTH) {
        if (!used.push(walk.start, walk.end, walk.rightTag)) panic(CAPACITY_PANIC);
      } else if (k == WALK_RIGHT) {
        const e = new MemoryError(ERR_RESERVED_OUTSIDE_USED);
        e.reserved = new MemoryRange(walk.start, walk.end);
        e.typ = <u32>walk.rightTag;
        e.bootshimUsed = this.bootshimUsed;
        return e;
      }
    }

    // Existing pool ranges are reserved as well.
    for (let i = 0; i < this.poolRanges.length; i++) {
      if (!used.push(this.poolRanges.start(i), this.poolRanges.end(i), RESERVED_VTL2_GPA_POOL)) panic(CAPACITY_PANIC);
      manager.vtl2Pool = true;
    }
    used = sortedByStart(used);

    // Walk VTL2 ram against the used ranges to build the address space.
    if (manager.length != 0) panic("assertion failed: manager.address_space.is_empty()");
    const ram = new RangeList(this.vtl2Ram.length);
    for (let i = 0; i < this.vtl2Ram.length; i++) ram.push(this.vtl2Ram.start(i), this.vtl2Ram.end(i), this.vtl2Ram.tag(i) & 0xffff_ffff);
    // Lazily too: a push past capacity or the Right panic fires before later ranges are checked.
    const walk2 = new RangeWalker(ram, used);
    while (walk2.next()) {
      const k = walk2.kind;
      if (k == WALK_LEFT) {
        manager.push(walk2.start, walk2.end, <u32>walk2.leftTag, USAGE_FREE);
      } else if (k == WALK_BOTH) {
        manager.push(walk2.start, walk2.end, <u32>walk2.leftTag, <u32>walk2.rightTag);
      } else if (k == WALK_RIGHT) {
        panic("vtl2 range " + fmtRangeDebugPrettyHex(walk2.start, walk2.end) + " used by " +
          usageName(<u32>walk2.rightTag) + " not contained in vtl2 ram");
      }
    }
    return null;
  }
}

function pushOrExtendPanic(list: RangeList, start: u64, end: u64, tag: u64): void {
  if (!list.push(start, end, tag)) panic(EXTEND_PANIC);
}

function pushOptional(list: RangeList, r: MemoryRange | null, tag: u64): void {
  if (r !== null) pushOrExtendPanic(list, r.start, r.end, tag);
}

/** A copy of a small range list sorted by start address (stable insertion sort of indices). */
export function sortedByStart(list: RangeList): RangeList {
  const n = list.length;
  // Every index below is in 0..n by construction.
  const order = uninitStaticArray<i32>(n);
  for (let i = 0; i < n; i++) {
    const s = list.start(i);
    let j = i - 1;
    while (j >= 0 && list.start(unchecked(order[j])) > s) {
      unchecked((order[j + 1] = unchecked(order[j])));
      j--;
    }
    unchecked((order[j + 1] = i));
  }
  const out = new RangeList(list.capacity);
  for (let i = 0; i < n; i++) {
    const k = unchecked(order[i]);
    out.push(list.start(k), list.end(k), list.tag(k));
  }
  return out;
}
