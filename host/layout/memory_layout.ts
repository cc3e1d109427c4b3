//! The guest memory layout the VMM builds: RAM ranges (with NUMA node), MMIO gaps, and an optional
//! VTL2-only RAM range above everything else.
// Ports: vm/vmcore/vm_topology/src/memory.rs (seed 004; `newWithNuma` from the pinned commit)

import { MemoryRange, PAGE_SIZE, subtractRanges } from "./memory_range.js";

const FOUR_GB = 0x1_0000_0000n;

/** A RAM range and the virtual NUMA node it belongs to. */
export interface MemoryRangeWithNode {
  range: MemoryRange;
  vnode: number;
}

/** The kinds of `MemoryLayout` creation errors (upstream `vm_topology::memory::Error`). */
export type MemoryLayoutErrorKind =
  | "BadSize"
  | "BadNumaSize"
  | "EmptyNumaSizes"
  | "BadMmioGaps"
  | "BadMemoryRanges"
  | "Vtl2RangeBeforeEndOfRam";

const MESSAGES: Record<MemoryLayoutErrorKind, string> = {
  BadSize: "invalid memory size",
  BadNumaSize: "invalid NUMA node memory size",
  EmptyNumaSizes: "empty NUMA memory sizes",
  BadMmioGaps: "invalid MMIO gap configuration",
  BadMemoryRanges: "invalid memory or MMIO ranges",
  Vtl2RangeBeforeEndOfRam: "vtl2 range is below end of ram",
};

/** A memory layout creation error, with upstream's message. */
export class MemoryLayoutError extends Error {
  constructor(readonly kind: MemoryLayoutErrorKind) {
    super(MESSAGES[kind]);
    this.name = "MemoryLayoutError";
  }
}

/** What backs an address (upstream `AddressType`). */
export type AddressType = "Ram" | "Mmio";

/** Checks that every range is non-empty, and the list is sorted and non-overlapping. */
function validateRanges(ranges: readonly MemoryRange[]): void {
  if (ranges.some((r) => r.isEmpty())) throw new MemoryLayoutError("BadMemoryRanges");
  for (let i = 0; i + 1 < ranges.length; i++) {
    const x = ranges[i]!;
    const y = ranges[i + 1]!;
    if (!(MemoryRange.compare(x, y) <= 0 && !x.overlaps(y))) throw new MemoryLayoutError("BadMemoryRanges");
  }
}

/** The guest memory layout. */
export class MemoryLayout {
  private constructor(
    private readonly ramRanges: MemoryRangeWithNode[],
    private readonly mmioRanges: MemoryRange[],
    private readonly vtl2: MemoryRange | null,
  ) {}

  /**
   * A layout of `ramSize` bytes of RAM placed from address 0 around the sorted MMIO `gaps`, all on
   * NUMA node 0, with an optional VTL2 range (not reported as RAM).
   */
  static new(ramSize: bigint, gaps: readonly MemoryRange[], vtl2Range: MemoryRange | null): MemoryLayout {
    if (ramSize === 0n || (ramSize & (PAGE_SIZE - 1n)) !== 0n) throw new MemoryLayoutError("BadSize");
    validateRanges(gaps);
    const ram: MemoryRangeWithNode[] = [];
    let remaining = ramSize;
    let gapIndex = 0;
    let lastEnd = 0n;
    while (remaining > 0n) {
      let take: bigint;
      let nextEnd: bigint;
      const gap = gaps[gapIndex++];
      if (gap) {
        // A gap below the current position is a bad configuration: upstream's u64 subtraction
        // would overflow there (a debug-build panic); we report it as invalid ranges instead.
        if (gap.start < lastEnd) throw new MemoryLayoutError("BadMemoryRanges");
        const room = gap.start - lastEnd;
        take = remaining < room ? remaining : room;
        nextEnd = gap.end;
      } else {
        take = remaining;
        nextEnd = 0n;
      }
      // The end is a u64 sum (wrapping in upstream's release build): past the top of the address
      // space it wraps below the start and `MemoryRange::new` asserts.
      ram.push({ range: new MemoryRange(lastEnd, BigInt.asUintN(64, lastEnd + take)), vnode: 0 });
      remaining -= take;
      lastEnd = nextEnd;
    }
    return MemoryLayout.build(ram, gaps.slice(), vtl2Range);
  }

  /**
   * Like `new`, but RAM is split across NUMA nodes: node i gets `nodeSizes[i]` bytes, filled in
   * order into the address space left free by the gaps (pinned commit's `new_with_numa`).
   */
  static newWithNuma(
    nodeSizes: readonly bigint[],
    gaps: readonly MemoryRange[],
    vtl2Range: MemoryRange | null,
  ): MemoryLayout {
    if (nodeSizes.length === 0) throw new MemoryLayoutError("EmptyNumaSizes");
    for (const size of nodeSizes) {
      if (size === 0n || (size & (PAGE_SIZE - 1n)) !== 0n) throw new MemoryLayoutError("BadNumaSize");
    }
    const ramSize = nodeSizes.reduce((a, b) => a + b, 0n);
    if (ramSize > 0xffff_ffff_ffff_ffffn) throw new MemoryLayoutError("BadSize");
    validateRanges(gaps);
    const available = subtractRanges([new MemoryRange(0n, MemoryRange.MAX_ADDRESS)], gaps);
    const ram: MemoryRangeWithNode[] = [];
    let remaining = ramSize;
    let node = 0;
    let nodeRemaining = nodeSizes[0]!;
    for (const range of available) {
      const size = remaining < range.len ? remaining : range.len;
      let offset = 0n;
      while (offset < size) {
        if (nodeRemaining === 0n) {
          node++;
          nodeRemaining = nodeSizes[node]!;
        }
        const piece = size - offset < nodeRemaining ? size - offset : nodeRemaining;
        const start = range.start + offset;
        ram.push({ range: new MemoryRange(start, start + piece), vnode: node });
        offset += piece;
        nodeRemaining -= piece;
      }
      remaining -= size;
      if (remaining === 0n) break;
    }
    // RAM that does not fit below MAX_ADDRESS is silently not placed (upstream has no check).
    return MemoryLayout.build(ram, gaps.slice(), vtl2Range, true);
  }

  /** A layout from explicit sorted, non-overlapping RAM ranges (with nodes) and MMIO gaps. */
  static newFromRanges(memory: readonly MemoryRangeWithNode[], gaps: readonly MemoryRange[]): MemoryLayout {
    validateRanges(memory.map((m) => m.range));
    validateRanges(gaps);
    return MemoryLayout.build(
      memory.map((m) => ({ range: m.range, vnode: m.vnode })),
      gaps.slice(),
      null,
    );
  }

  /**
   * A layout from explicit RAM ranges and gaps plus a VTL2-only range (the pinned commit's
   * `new_from_resolved_ranges`, without its PCI gap lists).
   */
  static newFromResolvedRanges(
    memory: readonly MemoryRangeWithNode[],
    gaps: readonly MemoryRange[],
    vtl2Range: MemoryRange | null,
  ): MemoryLayout {
    validateRanges(memory.map((m) => m.range));
    validateRanges(gaps.filter((g) => !g.isEmpty()));
    return MemoryLayout.build(
      memory.map((m) => ({ range: m.range, vnode: m.vnode })),
      gaps.slice(),
      vtl2Range,
      true,
    );
  }

  /**
   * Checks the combined layout. `skipEmpty`: the pinned commit's `build` (behind `newWithNuma` and
   * `newFromResolvedRanges`) ignores empty placeholder ranges; seed 004's `build` rejects them.
   */
  private static build(
    ram: MemoryRangeWithNode[],
    mmio: MemoryRange[],
    vtl2Range: MemoryRange | null,
    skipEmpty = false,
  ): MemoryLayout {
    let all = [...ram.map((r) => r.range), ...mmio, ...(vtl2Range ? [vtl2Range] : [])];
    if (skipEmpty) all = all.filter((r) => !r.isEmpty());
    all.sort(MemoryRange.compare);
    validateRanges(all);
    const last = ram[ram.length - 1];
    if (!last) throw new MemoryLayoutError("BadMemoryRanges");
    if (vtl2Range && vtl2Range.start < last.range.end) throw new MemoryLayoutError("Vtl2RangeBeforeEndOfRam");
    return new MemoryLayout(ram, mmio, vtl2Range);
  }

  /** The MMIO gap ranges. */
  mmio(): readonly MemoryRange[] {
    return this.mmioRanges;
  }

  /** The RAM ranges (without the VTL2 range). */
  ram(): readonly MemoryRangeWithNode[] {
    return this.ramRanges;
  }

  /** The VTL2-only RAM range, if any. */
  vtl2Range(): MemoryRange | null {
    return this.vtl2;
  }

  /** Total RAM bytes (not contiguous). */
  ramSize(): bigint {
    return this.ramRanges.reduce((a, r) => a + r.range.len, 0n);
  }

  /** One past the last byte of RAM. */
  endOfRam(): bigint {
    return this.ramRanges[this.ramRanges.length - 1]!.range.end;
  }

  /** RAM bytes in ranges ending below 4 GiB. */
  ramBelow4gb(): bigint {
    return this.ramRanges.filter((r) => r.range.end < FOUR_GB).reduce((a, r) => a + r.range.len, 0n);
  }

  /** RAM bytes in ranges ending at or above 4 GiB. */
  ramAbove4gb(): bigint {
    return this.ramRanges.filter((r) => r.range.end >= FOUR_GB).reduce((a, r) => a + r.range.len, 0n);
  }

  /** RAM bytes above the high MMIO gap; null unless there are exactly two gaps. */
  ramAboveHighMmio(): bigint | null {
    if (this.mmioRanges.length !== 2) return null;
    const highEnd = this.mmioRanges[1]!.end;
    return this.ramRanges.filter((r) => r.range.start >= highEnd).reduce((a, r) => a + r.range.len, 0n);
  }

  /** End of the last RAM range that ends below 4 GiB; null when there is none. */
  maxRamBelow4gb(): bigint | null {
    for (let i = this.ramRanges.length - 1; i >= 0; i--) {
      const r = this.ramRanges[i]!;
      if (r.range.end < FOUR_GB) return r.range.end;
    }
    return null;
  }

  /** One past the last byte of RAM or of the last MMIO gap, whichever is higher. */
  endOfRamOrMmio(): bigint {
    const last = this.mmioRanges[this.mmioRanges.length - 1];
    // Upstream expects at least one gap ("mmio set").
    if (!last) throw new Error("mmio set");
    const end = this.endOfRam();
    return last.end > end ? last.end : end;
  }

  /** What backs `address` (RAM first, then MMIO), or null; the VTL2 range is not checked. */
  probeAddress(address: bigint): AddressType | null {
    for (const r of this.ramRanges) if (r.range.containsAddr(address)) return "Ram";
    for (const r of this.mmioRanges) if (r.containsAddr(address)) return "Mmio";
    return null;
  }
}
