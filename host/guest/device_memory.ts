//! Device memory mapped into the guest: a region of `len` bytes whose windows onto backings are
//! set before or after the region is placed at a guest address (MMIO BARs, framebuffers).
// Ports: openvmm/membacking/src/memory_manager/device_memory.rs

import type { GuestMemory, Region } from "./guest_memory.js";
import type { SparseBacking } from "./sparse_backing.js";

const PAGE_MASK = 0xfffn;
/** Region priority of device memory (below RAM's 255: RAM overrides it). */
export const DEVICE_PRIORITY = 0;

interface DeviceMapping {
  start: bigint;
  end: bigint;
  backing: SparseBacking;
  fileOffset: bigint;
  writable: boolean;
}

/** The error of a window that is not a page-aligned range (upstream `InvalidMemoryRange`). */
function validatedRange(offset: bigint, len: bigint): { start: bigint; end: bigint } {
  const end = BigInt.asUintN(64, offset + len);
  if ((offset & PAGE_MASK) !== 0n || (end & PAGE_MASK) !== 0n || offset > end) {
    throw new Error(`unaligned or invalid memory range: 0x${offset.toString(16)}-0x${end.toString(16)}`);
  }
  return { start: offset, end };
}

/** Creates device memory regions for one guest (upstream `DeviceMemoryMapper`). */
export class DeviceMemoryMapper {
  constructor(private readonly gm: GuestMemory) {}

  /** A new device region of `len` bytes, not yet visible to the guest. */
  newRegion(len: bigint, debugName: string): DeviceMemoryRegion {
    return new DeviceMemoryRegion(this.gm, len, debugName);
  }
}

/**
 * One device memory region: its windows and, once placed, its guest region (a handle the guest
 * memory resolves by id, so it stays valid when the region table is copied on change).
 */
export class DeviceMemoryRegion {
  private readonly mappings: DeviceMapping[] = [];
  private handle: Region | null = null;

  constructor(
    private readonly gm: GuestMemory,
    readonly len: bigint,
    readonly debugName: string,
  ) {}

  /** Guest address range of the region while it is mapped to the guest. */
  get guestRange(): { start: bigint; end: bigint } | null {
    return this.handle ? { ...this.handle.range } : null;
  }

  /** Shows `len` bytes of `backing` from `fileOffset` at region offset `offset`. */
  map(offset: bigint, backing: SparseBacking, fileOffset: bigint, len: bigint, writable: boolean): void {
    const range = validatedRange(offset, len);
    for (const m of this.mappings) {
      if (m.end > range.start && m.start < range.end) throw new Error("not yet implemented: support overlapping mappings");
    }
    const mapping: DeviceMapping = { ...range, backing, fileOffset, writable };
    this.mappings.push(mapping);
    if (this.handle) this.gm.updateMappings(this.handle, (ms) => [...ms, toRegionMapping(mapping)]);
  }

  /** Removes the windows that lie inside [offset, offset+len). */
  unmap(offset: bigint, len: bigint): void {
    const range = validatedRange(offset, len);
    for (let i = this.mappings.length - 1; i >= 0; i--) {
      const m = this.mappings[i];
      const inside = range.start <= m.start && range.end >= m.end;
      if (!inside && m.end > range.start && m.start < range.end) {
        throw new Error("not yet implemented: support overlapping mappings");
      }
      if (inside) this.mappings.splice(i, 1);
    }
    if (this.handle) this.gm.updateMappings(this.handle, (ms) => ms.filter((m) => !(range.start <= m.start && range.end >= m.end)));
  }

  /** Places the region at `gpa` (replacing an earlier placement); throws AddRegionError on overlap. */
  mapToGuest(gpa: bigint, writable: boolean): void {
    if (this.handle) {
      this.gm.removeRegion(this.handle);
      this.handle = null;
    }
    const range = validatedRange(gpa, this.len);
    const region = this.gm.addRegion(this.debugName, range, DEVICE_PRIORITY);
    this.gm.updateMappings(region, () => this.mappings.map(toRegionMapping));
    this.gm.mapRegion(region, writable);
    this.handle = region;
  }

  /** Removes the region from the guest address space. */
  unmapFromGuest(): void {
    if (this.handle) {
      this.gm.removeRegion(this.handle);
      this.handle = null;
    }
  }
}

function toRegionMapping(m: DeviceMapping) {
  return { start: m.start, end: m.end, backing: m.backing, offset: m.fileOffset, writable: m.writable };
}
