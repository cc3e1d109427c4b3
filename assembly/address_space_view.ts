//! The part of the VTL2 address space manager the kernel hand-off needs: a sorted list of typed
//! VTL2 ranges per NUMA node, node-local or any-node allocation (low or high memory), the merged
//! range list the E820 map and the device tree report, and the reserved ranges.
// Ports: openhcl/openhcl_boot/src/memory.rs (allocate, vtl2_ranges, reserved_vtl2_ranges,
// has_vtl2_pool). Stand-in with the same behavior until assembly/memory.ts lands; the hand-off
// modules only call the methods below, so an adapter over AddressSpaceManager replaces it.

import { panic } from "./runtime/panic";

/** MemoryVtlType values (loader_defs::shim). */
export const VTL0: u32 = 0;
export const VTL2_RAM: u32 = 1;
export const VTL2_CONFIG: u32 = 2;
export const VTL2_SIDECAR_IMAGE: u32 = 3;
export const VTL2_SIDECAR_NODE: u32 = 4;
export const VTL0_MMIO: u32 = 5;
export const VTL2_MMIO: u32 = 6;
export const VTL2_RESERVED: u32 = 7;
export const VTL2_GPA_POOL: u32 = 8;
export const VTL2_TDX_PAGE_TABLES: u32 = 9;
export const VTL2_BOOTSHIM_LOG_BUFFER: u32 = 10;
export const VTL2_PERSISTED_STATE_HEADER: u32 = 11;
export const VTL2_PERSISTED_STATE_PROTOBUF: u32 = 12;

/** Address usage codes: free RAM, used RAM; any other value is a reserved MemoryVtlType. */
export const USAGE_FREE: u32 = 0xffff_ffff;
export const USAGE_USED: u32 = VTL2_RAM;

/** AllocationType. */
export const ALLOC_GPA_POOL: u32 = 0;
export const ALLOC_SIDECAR_NODE: u32 = 1;
export const ALLOC_TDX_PAGE_TABLES: u32 = 2;
/** AllocationPolicy. */
export const POLICY_LOW_MEMORY: u32 = 0;
export const POLICY_HIGH_MEMORY: u32 = 1;

/** (64 VTL2 RAM ranges + 6 + 128 reserved ranges) * 2, as upstream sizes the manager. */
export const MAX_ADDRESS_RANGES: i32 = (64 + 6 + 128) * 2;

/** An allocation: its range and the NUMA node it came from. */
@final
export class AllocatedRange {
  constructor(public start: u64, public end: u64, public vnode: u32) {}
  /** Length in bytes. */
  get len(): u64 {
    return this.end - this.start;
  }
}

/** Sorted VTL2 address ranges with their node and usage. */
@final
export class AddressSpaceView {
  starts: StaticArray<u64> = new StaticArray<u64>(MAX_ADDRESS_RANGES);
  ends: StaticArray<u64> = new StaticArray<u64>(MAX_ADDRESS_RANGES);
  vnodes: StaticArray<u32> = new StaticArray<u32>(MAX_ADDRESS_RANGES);
  usages: StaticArray<u32> = new StaticArray<u32>(MAX_ADDRESS_RANGES);
  length: i32 = 0;
  /** True once the VTL2 GPA pool has a range. */
  vtl2Pool: bool = false;

  /** Appends a range (callers add them sorted by start, non-overlapping). */
  push(start: u64, end: u64, vnode: u32, usage: u32): void {
    if (this.length >= MAX_ADDRESS_RANGES) panic("called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity");
    const i = this.length;
    unchecked((this.starts[i] = start));
    unchecked((this.ends[i] = end));
    unchecked((this.vnodes[i] = vnode));
    unchecked((this.usages[i] = usage));
    this.length = i + 1;
    if (usage == VTL2_GPA_POOL) this.vtl2Pool = true;
  }

  private insert(at: i32, start: u64, end: u64, vnode: u32, usage: u32): void {
    if (this.length >= MAX_ADDRESS_RANGES) panic("called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity");
    for (let j = this.length; j > at; j--) {
      unchecked((this.starts[j] = this.starts[j - 1]));
      unchecked((this.ends[j] = this.ends[j - 1]));
      unchecked((this.vnodes[j] = this.vnodes[j - 1]));
      unchecked((this.usages[j] = this.usages[j - 1]));
    }
    unchecked((this.starts[at] = start));
    unchecked((this.ends[at] = end));
    unchecked((this.vnodes[at] = vnode));
    unchecked((this.usages[at] = usage));
    this.length++;
  }

  /**
   * Allocates `len` bytes (rounded up to 4K) of free RAM from node `requiredVnode` (-1: any
   * node), the first fitting range from the bottom (LowMemory) or top (HighMemory). Null when no
   * free range fits or `len` is 0.
   */
  allocate(requiredVnode: i64, len: u64, allocType: u32, policy: u32): AllocatedRange | null {
    if (len == 0) return null;
    len = ((len + 4095) / 4096) * 4096;
    let index = -1;
    const n = this.length;
    if (policy == POLICY_LOW_MEMORY) {
      for (let i = 0; i < n; i++) if (this.fits(i, requiredVnode, len)) { index = i; break; }
    } else {
      for (let i = n - 1; i >= 0; i--) if (this.fits(i, requiredVnode, len)) { index = i; break; }
    }
    if (index < 0) return null;
    const usage = allocType == ALLOC_GPA_POOL ? VTL2_GPA_POOL : allocType == ALLOC_SIDECAR_NODE ? VTL2_SIDECAR_NODE : VTL2_TDX_PAGE_TABLES;
    const rs = unchecked(this.starts[index]);
    const re = unchecked(this.ends[index]);
    const vnode = unchecked(this.vnodes[index]);
    const us = policy == POLICY_LOW_MEMORY ? rs : re - len;
    const ue = us + len;
    unchecked((this.starts[index] = us));
    unchecked((this.ends[index] = ue));
    unchecked((this.usages[index] = usage));
    if (ue < re) this.insert(index + 1, ue, re, vnode, USAGE_FREE);
    if (rs < us) this.insert(index, rs, us, vnode, USAGE_FREE);
    if (allocType == ALLOC_GPA_POOL) this.vtl2Pool = true;
    return new AllocatedRange(us, ue, vnode);
  }

  @inline private fits(i: i32, requiredVnode: i64, len: u64): bool {
    return unchecked(this.usages[i]) == USAGE_FREE
      && unchecked(this.ends[i]) - unchecked(this.starts[i]) >= len
      && (requiredVnode < 0 || <u64>unchecked(this.vnodes[i]) == <u64>requiredVnode);
  }

  /** True when the VTL2 GPA pool has at least one range. */
  hasVtl2Pool(): bool {
    return this.vtl2Pool;
  }

  /** The MemoryVtlType of range `i` (free and used RAM both report VTL2_RAM). */
  @inline vtlType(i: i32): u32 {
    const u = unchecked(this.usages[i]);
    return u == USAGE_FREE ? VTL2_RAM : u;
  }

  /** All VTL2 ranges with adjacent ranges of one type merged (upstream `vtl2_ranges`). */
  vtl2Ranges(): TypedRanges {
    const out = new TypedRanges(this.length);
    for (let i = 0; i < this.length; i++) {
      const s = unchecked(this.starts[i]);
      const e = unchecked(this.ends[i]);
      const t = this.vtlType(i);
      const k = out.length;
      if (k > 0 && unchecked(out.ends[k - 1]) == s && unchecked(out.types[k - 1]) == t) {
        unchecked((out.ends[k - 1] = e));
      } else {
        out.push(s, e, t);
      }
    }
    return out;
  }
}

/** A list of ranges tagged with a MemoryVtlType. */
@final
export class TypedRanges {
  starts: StaticArray<u64>;
  ends: StaticArray<u64>;
  types: StaticArray<u32>;
  length: i32 = 0;

  constructor(cap: i32) {
    this.starts = new StaticArray<u64>(cap);
    this.ends = new StaticArray<u64>(cap);
    this.types = new StaticArray<u32>(cap);
  }

  /** Appends one range (capacity is fixed by the constructor). */
  push(start: u64, end: u64, typ: u32): void {
    const i = this.length;
    this.starts[i] = start;
    this.ends[i] = end;
    this.types[i] = typ;
    this.length = i + 1;
  }
}
