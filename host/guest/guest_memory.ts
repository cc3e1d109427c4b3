//! Guest physical memory of the simulated machine: RAM regions from the memory layout, the x86
//! legacy split, per-region visibility, device memory and the VTL0 alias map; sparse backing.
// Ports: openvmm/membacking/src/memory_manager/mod.rs (seed 003), with the region priority
// rules of openvmm/membacking/src/region_manager.rs and device_memory.rs.
//
// The address space is a set of regions (RAM at priority 255, device memory at priority 0). A
// mapped region shows its mappings (windows onto a SparseBacking); where regions overlap, the
// highest priority mapped one is visible. Accesses that reach no mapping are faults, reported
// as `false` by the GuestAccess methods and as GuestMemoryError by readAt/writeAt.

import type { GuestAccess } from "../wasm/loader.js";
import { InputError } from "../errors.js";
import { SparseBacking, PAGE_SIZE } from "./sparse_backing.js";
import { DeviceMemoryMapper, DEVICE_PRIORITY } from "./device_memory.js";
import { RegionTable, AddRegionError, type Range, type Region, type Mapping } from "./region_table.js";

export { SparseBacking, PAGE_SIZE } from "./sparse_backing.js";
export { DeviceMemoryMapper, DeviceMemoryRegion } from "./device_memory.js";
export { AddRegionError, type Range, type Region, type Mapping } from "./region_table.js";

/** A RAM range with its virtual NUMA node (vm_topology `MemoryRangeWithNode`). */
export interface RamRange extends Range {
  vnode: number;
}

/** The VM's memory layout (vm_topology `MemoryLayout`): RAM, MMIO gaps, optional VTL2 range. */
export interface GuestMemoryLayout {
  ram: RamRange[];
  mmio: Range[];
  vtl2Range?: Range | null;
}

/** Builder options (upstream `GuestMemoryBuilder`). */
export interface GuestMemoryOptions {
  /** Split low memory into the VGA window and the PAM-controlled ranges. */
  x86LegacySupport?: boolean;
  /** Offset of the VTL0 alias map seen by VTL2, if enabled. */
  vtl0AliasMap?: bigint | null;
}

/** RAM visibility (upstream `RamVisibility`). */
export type RamVisibility = "read-write" | "read-only" | "unmapped";

const U64_LIMIT = 1n << 64n;
const PAGE_MASK = BigInt(PAGE_SIZE - 1);
/** Region priority of RAM: overrides anything else. */
export const RAM_PRIORITY = 255;
export { DEVICE_PRIORITY };

/** Range boundaries of the x86 legacy split below 1 MiB (VGA window, then 16 KiB PAM blocks). */
export const X86_LEGACY_SPLIT: readonly bigint[] = [
  0n, 0xa0000n, 0xc0000n, 0xc4000n, 0xc8000n, 0xcc000n, 0xd0000n, 0xd4000n, 0xd8000n, 0xdc000n,
  0xe0000n, 0xe4000n, 0xe8000n, 0xec000n, 0xf0000n, 0x100000n,
];

/** Formats a range as upstream `MemoryRange`'s Display: `0x0-0xa0000`. */
export function formatRange(r: Range): string {
  return `0x${r.start.toString(16)}-0x${r.end.toString(16)}`;
}

/** Errors creating guest memory (upstream `MemoryBuildError`), with upstream's texts. */
export class MemoryBuildError extends Error {
  private constructor(
    readonly kind: "RamTooLarge" | "AliasMapWontFit" | "InvalidRamForX86",
    message: string,
  ) {
    super(message);
    this.name = "MemoryBuildError";
  }
  /** RAM larger than the host can back. */
  static ramTooLarge(size: bigint): MemoryBuildError {
    return new MemoryBuildError("RamTooLarge", `ram size ${size} is too large`);
  }
  /** The alias map offset lies below the top of the address space. */
  static aliasMapWontFit(): MemoryBuildError {
    return new MemoryBuildError("AliasMapWontFit", "not enough guest address space available for the vtl0 alias map");
  }
  /** x86 legacy support without RAM at 0..1 MiB. */
  static invalidRamForX86(): MemoryBuildError {
    return new MemoryBuildError("InvalidRamForX86", "x86 support requires RAM to start at 0 and contain at least 1MB");
  }
}

/** A visibility change on a range that is not exactly one RAM region (upstream `InvalidRamRegion`). */
export class InvalidRamRegion extends Error {
  constructor(readonly range: Range) {
    super(`${formatRange(range)} is not a controllable RAM range`);
    this.name = "InvalidRamRegion";
  }
}

/** A failed guest memory access, worded as upstream guestmem's `GuestMemoryError`. */
export class GuestMemoryError extends Error {
  constructor(readonly op: "read" | "write", readonly range: Range, readonly gpa: bigint) {
    const at = gpa !== range.start ? ` at 0x${gpa.toString(16)}` : "";
    super(`guest memory 'ram': ${op} error: failed to access ${formatRange(range)}${at}`);
    this.name = "GuestMemoryError";
  }
}

/** Checks a memory layout the way vm_topology's `MemoryLayout` constructors do. */
export function validateLayout(layout: GuestMemoryLayout): void {
  const all: Range[] = [...layout.ram, ...layout.mmio];
  if (layout.vtl2Range) all.push(layout.vtl2Range);
  const bad = (r: Range) => r.start >= r.end || (r.start & PAGE_MASK) !== 0n || (r.end & PAGE_MASK) !== 0n || r.end > U64_LIMIT;
  const sortedOk = (rs: Range[]) => rs.every((r, i) => i === 0 || rs[i - 1].end <= r.start);
  if (layout.ram.length === 0 || all.some(bad) || !sortedOk(layout.ram) || !sortedOk(layout.mmio)) {
    throw new InputError("invalid memory or MMIO ranges");
  }
  const sorted = [...all].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  if (!sortedOk(sorted)) throw new InputError("invalid memory or MMIO ranges");
  const endOfRam = layout.ram[layout.ram.length - 1].end;
  if (layout.vtl2Range && layout.vtl2Range.start < endOfRam) {
    throw new InputError("vtl2 range is below end of ram");
  }
}

/**
 * The guest physical address space of one VM; implements the shim's GuestAccess. Its regions live
 * in a RegionTable, which forks share until one of them changes its regions (copy on change), so
 * a fork costs one backing fork per distinct backing, whatever the number of regions.
 */
export class GuestMemory implements GuestAccess {
  private constructor(
    /** The RAM backing (all RAM ranges, VTL2 range last, packed one after the other). */
    readonly ram: SparseBacking,
    private table: RegionTable,
    // The backings of a fork by the backings the (shared) table's mappings name; null: as named.
    private xlate: Map<SparseBacking, SparseBacking> | null,
    /** Offset at which VTL2 sees VTL0 memory again, if the alias map is enabled. */
    readonly vtl0AliasMapOffset: bigint | null,
  ) {}

  /** Builds guest memory for `layout` as upstream `GuestMemoryBuilder::build` does. */
  static build(layout: GuestMemoryLayout, opts: GuestMemoryOptions = {}): GuestMemory {
    validateLayout(layout);
    const vtl2 = layout.vtl2Range ?? null;
    const ramSize = layout.ram.reduce((s, r) => s + (r.end - r.start), 0n) + (vtl2 ? vtl2.end - vtl2.start : 0n);
    if (ramSize >= U64_LIMIT) throw MemoryBuildError.ramTooLarge(ramSize);

    const endOfRamOrMmio = [...layout.ram, ...layout.mmio].reduce((m, r) => (r.end > m ? r.end : m), 0n);
    const maxAddr = vtl2 && vtl2.end > endOfRamOrMmio ? vtl2.end : endOfRamOrMmio;
    let alias: bigint | null = null;
    if (opts.vtl0AliasMap !== undefined && opts.vtl0AliasMap !== null) {
      if (maxAddr > opts.vtl0AliasMap) throw MemoryBuildError.aliasMapWontFit();
      alias = opts.vtl0AliasMap;
    }

    let ranges: Range[] = layout.ram.map((r) => ({ start: r.start, end: r.end }));
    if (vtl2) ranges.push({ start: vtl2.start, end: vtl2.end });
    if (opts.x86LegacySupport) {
      if (ranges[0].start !== 0n || ranges[0].end < 0x100000n) throw MemoryBuildError.invalidRamForX86();
      const starts = [...X86_LEGACY_SPLIT, ranges[0].end];
      const split: Range[] = [];
      for (let i = 0; i < starts.length - 1; i++) split.push({ start: starts[i], end: starts[i + 1] });
      ranges = [...split, ...ranges.slice(1)];
    }

    // All RAM regions share one priority: one sort checks the nesting rule for all of them
    // (checking each add against every region made a 1024-range VM quadratic).
    try {
      RegionTable.checkSamePriority(ranges.map(() => "ram"), ranges);
    } catch (e) {
      if (e instanceof AddRegionError) {
        throw new Error(`regions cannot overlap yet: OverlapError { existing: "${e.existing}", new: "${e.newName}" }`);
      }
      throw e;
    }
    const backing = new SparseBacking(ramSize, "ram");
    const table = new RegionTable();
    let offset = 0n;
    for (const range of ranges) {
      const region = table.add("ram", range, RAM_PRIORITY);
      region.mappings.push({ start: 0n, end: range.end - range.start, backing, offset, writable: true });
      region.map = { writable: true };
      table.ram.push(region);
      offset += range.end - range.start;
    }
    table.recompute();
    return new GuestMemory(backing, table, null, alias);
  }

  /**
   * A copy-on-write copy of this guest memory: same regions, visibility and contents; writes go
   * to the copy only. This memory must not be written afterwards (its backings refuse writes once
   * forked). Repeated boots of one loaded image each get a fork. The region table is shared, not
   * copied: the cost is one SparseBacking fork per distinct backing.
   */
  fork(): GuestMemory {
    const t = this.table;
    t.shared = true;
    const forks = new Map<SparseBacking, SparseBacking>();
    const ram = this.ram.fork();
    forks.set(this.ram, ram);
    let xlate: Map<SparseBacking, SparseBacking> | null = null;
    for (const named of t.backings()) {
      const mine = this.backingOf(named);
      let f = forks.get(mine);
      if (f === undefined) forks.set(mine, (f = mine.fork()));
      (xlate ??= new Map()).set(named, f);
    }
    return new GuestMemory(ram, t, xlate, this.vtl0AliasMapOffset);
  }

  // The backing this memory uses for a mapping that names `b`.
  private backingOf(b: SparseBacking): SparseBacking {
    if (this.xlate === null) return b;
    return this.xlate.get(b) ?? b;
  }

  // The region table, made this memory's own before a change (a shared table is copied).
  private own(): RegionTable {
    if (this.table.shared) {
      this.table = this.table.clone(this.xlate);
      this.xlate = null;
    }
    return this.table;
  }

  // This memory's region for `region` (by id: a copied table holds copies), or undefined.
  private mine(region: Region): Region | undefined {
    return this.own().byId(region.id);
  }

  /** The RAM regions in creation order (the x86 legacy split shows up here). */
  ramRegions(): Range[] {
    return this.table.ram.map((r) => ({ ...r.range }));
  }

  /** Every region (RAM and device), for inspection. */
  allRegions(): readonly Region[] {
    return this.own().regions;
  }

  /** The visible regions' ranges, sorted by address (for inspection and tests). */
  visibleRanges(): Range[] {
    return this.table.active.map((r) => ({ ...r.range }));
  }

  /** Bytes of page storage actually held by the RAM backing. */
  get materializedBytes(): number {
    return this.ram.materializedBytes;
  }

  /** Sets the visibility of one whole RAM region (upstream `set_ram_visibility`). */
  setRamVisibility(range: Range, visibility: RamVisibility): void {
    const region = this.table.ram.find((r) => r.range.start === range.start && r.range.end === range.end);
    if (!region) throw new InvalidRamRegion(range);
    if (visibility === "unmapped") this.unmapRegion(region);
    else this.mapRegion(region, visibility === "read-write");
  }

  /** Returns an object that maps device memory into the VM (upstream `device_memory_mapper`). */
  deviceMemoryMapper(): DeviceMemoryMapper {
    return new DeviceMemoryMapper(this);
  }

  /** Adds a region, enforcing upstream's nesting rule; it starts unmapped. */
  addRegion(name: string, range: Range, priority: number): Region {
    this.table.checkAdd(name, range, priority);
    return this.own().add(name, range, priority);
  }

  /** Maps a region (read-write or read-only). */
  mapRegion(region: Region, writable: boolean): void {
    const r = this.mine(region) ?? region;
    r.map = { writable };
    this.table.recompute();
  }

  /** Unmaps a region (it stays registered). */
  unmapRegion(region: Region): void {
    const r = this.mine(region) ?? region;
    r.map = null;
    this.table.recompute();
  }

  /** Removes a region entirely. */
  removeRegion(region: Region): void {
    this.own().remove(region.id);
    this.table.recompute();
  }

  /** Replaces a region's mappings with `update(current)` (device memory windows). */
  updateMappings(region: Region, update: (current: Mapping[]) => Mapping[]): void {
    const r = this.mine(region) ?? region;
    r.mappings = update(r.mappings);
    this.table.mappingsChanged();
    this.table.recompute();
  }

  /** Notifies that a region's mappings changed (after changing `mappings` of an allRegions() entry). */
  mappingsChanged(): void {
    this.own().mappingsChanged();
    this.table.recompute();
  }

  /** The visible region containing `gpa`, or undefined. */
  private regionAt(gpa: bigint): Region | undefined {
    const a = this.table.active;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid].range.end <= gpa) lo = mid + 1;
      else hi = mid;
    }
    const r = a[lo];
    return r && r.range.start <= gpa ? r : undefined;
  }

  /** Translates through the VTL0 alias map (VTL2's view). */
  private unalias(gpa: bigint): bigint {
    return this.vtl0AliasMapOffset !== null && gpa >= this.vtl0AliasMapOffset ? gpa - this.vtl0AliasMapOffset : gpa;
  }

  /**
   * Walks [gpa, gpa+len) segment by segment; returns the first faulting address or null. Nothing
   * is copied unless the whole range is accessible (a failed write leaves memory unchanged).
   */
  private access(gpa: bigint, buf: Uint8Array, write: boolean): bigint | null {
    const len = BigInt(buf.length);
    // Fast path: the whole range inside one mapping of one visible region (no alias map).
    if (this.vtl0AliasMapOffset === null && len > 0n) {
      const region = this.regionAt(gpa);
      if (region && gpa + len <= region.range.end) {
        const off = gpa - region.range.start;
        // The mapping the general walk would use: the first one holding the start.
        const m = region.mappings.find((x) => x.start <= off && off < x.end);
        if (m && off + len <= m.end && (!write || (m.writable && region.map!.writable))) {
          const at = m.offset + (off - m.start);
          const backing = this.backingOf(m.backing);
          if (write) backing.write(at, buf);
          else backing.read(at, buf);
          return null;
        }
      }
    }
    if (gpa + len > U64_LIMIT) return this.firstFault(gpa, U64_LIMIT - gpa, write) ?? gpa;
    const fault = this.firstFault(gpa, len, write);
    if (fault !== null) return fault;
    this.segments(gpa, len, (mapping, region, addr, n, done) => {
      const at = mapping.offset + (addr - region.range.start - mapping.start);
      const part = buf.subarray(done, done + n);
      const backing = this.backingOf(mapping.backing);
      if (write) backing.write(at, part);
      else backing.read(at, part);
    });
    return null;
  }

  private firstFault(gpa: bigint, len: bigint, write: boolean): bigint | null {
    let fault: bigint | null = null;
    this.segments(gpa, len, (mapping, region, addr) => {
      if (write && !(mapping.writable && region.map!.writable)) fault ??= addr;
    }, (addr) => {
      fault ??= addr;
    });
    return fault;
  }

  private segments(
    gpa: bigint,
    len: bigint,
    onSegment: (m: Mapping, r: Region, addr: bigint, n: number, done: number) => void,
    onHole?: (addr: bigint) => void,
  ): void {
    let addr = gpa;
    const end = gpa + len;
    let done = 0;
    while (addr < end) {
      const real = this.unalias(addr);
      const region = this.regionAt(real);
      const inRegion = region ? real - region.range.start : 0n;
      const mapping = region?.mappings.find((m) => m.start <= inRegion && inRegion < m.end);
      if (!region || !mapping) {
        onHole?.(addr);
        return;
      }
      let segEnd = region.range.start + mapping.end;
      if (segEnd > region.range.end) segEnd = region.range.end;
      if (this.vtl0AliasMapOffset !== null && addr < this.vtl0AliasMapOffset && segEnd > this.vtl0AliasMapOffset) {
        segEnd = this.vtl0AliasMapOffset;
      }
      const n = Number((segEnd - real < end - addr ? segEnd - real : end - addr));
      onSegment(mapping, region, real, n, done);
      addr += BigInt(n);
      done += n;
    }
  }

  /** Copies guest bytes at `gpa` into `dst`; false when any byte is not backed (a fault). */
  read(gpa: bigint, dst: Uint8Array): boolean {
    return this.access(gpa, dst, false) === null;
  }

  /** Copies `src` to guest memory at `gpa`; false (and no change) when any byte is unbacked or read-only. */
  write(gpa: bigint, src: Uint8Array): boolean {
    return this.access(gpa, src, true) === null;
  }

  /**
   * Zeroes `len` bytes at `gpa` like writing zeros (false and no change when any byte is unbacked
   * or read-only), without materializing pages that hold no data yet.
   */
  zero(gpa: bigint, len: bigint): boolean {
    if (gpa + len > U64_LIMIT || this.firstFault(gpa, len, true) !== null) return false;
    this.segments(gpa, len, (mapping, region, addr, n) => {
      this.backingOf(mapping.backing).zero(mapping.offset + (addr - region.range.start - mapping.start), n);
    });
    return true;
  }

  /**
   * Where the data of [gpa, gpa+len) ends (GuestAccess): bytes at or past the result read as zero;
   * null when a read of the range would fault.
   */
  dataExtent(gpa: bigint, len: number): number | null {
    const n = BigInt(len);
    // Fast path: the whole range inside one mapping of one visible region (as in `access`).
    if (this.vtl0AliasMapOffset === null && len > 0) {
      const region = this.regionAt(gpa);
      if (region && gpa + n <= region.range.end) {
        const off = gpa - region.range.start;
        const m = region.mappings.find((x) => x.start <= off && off < x.end);
        if (m && off + n <= m.end) return this.backingOf(m.backing).dataExtent(m.offset + (off - m.start), len);
      }
    }
    if (gpa + n > U64_LIMIT || this.firstFault(gpa, n, false) !== null) return null;
    let extent = 0;
    this.segments(gpa, n, (mapping, region, addr, count, done) => {
      const at = mapping.offset + (addr - region.range.start - mapping.start);
      const e = this.backingOf(mapping.backing).dataExtent(at, count);
      if (e > 0) extent = done + e;
    });
    return extent;
  }

  /** Reads guest memory, throwing GuestMemoryError on a fault. */
  readAt(gpa: bigint, dst: Uint8Array): void {
    const fault = this.access(gpa, dst, false);
    if (fault !== null) throw new GuestMemoryError("read", { start: gpa, end: gpa + BigInt(dst.length) }, fault);
  }

  /** Writes guest memory, throwing GuestMemoryError on a fault. */
  writeAt(gpa: bigint, src: Uint8Array): void {
    const fault = this.access(gpa, src, true);
    if (fault !== null) throw new GuestMemoryError("write", { start: gpa, end: gpa + BigInt(src.length) }, fault);
  }

  /** True when every byte of [gpa, gpa+len) is visible RAM or device memory (read access). */
  isBacked(gpa: bigint, len: bigint): boolean {
    if (gpa + len > U64_LIMIT) return false;
    return this.firstFault(gpa, len, false) === null;
  }
}
