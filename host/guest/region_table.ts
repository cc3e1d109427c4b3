//! The region bookkeeping of guest memory: regions with priorities, upstream's nesting rule, and
//! the visible set computed by one sort and one sweep (O(n log n); O(n) while the order holds).
// Ports: openvmm/membacking/src/region_manager.rs (priority and overlap rules)
//
// The nesting rule (checked on every add) makes the regions a laminar family: two regions that
// overlap are nested, the one with the higher priority containing the other (equal priorities
// only overlap when their ranges are identical). So the visible regions are the outermost mapped
// ones: sorted by start, then end descending (container first), then priority descending, then
// age (earlier first), a mapped region is visible exactly when it starts at or after the end of
// the last visible one. That is what the pairwise rule "hidden by any overlapping mapped region
// of higher priority, or of equal priority added earlier" gives on such a family.

import type { SparseBacking } from "./sparse_backing.js";

/** An address range [start, end). */
export interface Range {
  start: bigint;
  end: bigint;
}

/** A window of a backing inside a region: region offsets [start, end) ↦ backing at `offset`. */
export interface Mapping {
  start: bigint;
  end: bigint;
  backing: SparseBacking;
  offset: bigint;
  writable: boolean;
}

/** One region of the address space (upstream region manager `Region`). */
export interface Region {
  readonly id: number;
  readonly name: string;
  readonly range: Range;
  readonly priority: number;
  /** null when unmapped, else whether the guest may write. */
  map: { writable: boolean } | null;
  mappings: Mapping[];
}

/** A region that breaks the nesting rule (upstream `AddRegionError::OverlapError`). */
export class AddRegionError extends Error {
  constructor(readonly existing: string, readonly newName: string) {
    super(`memory region ${newName} overlaps with existing region ${existing}`);
    this.name = "AddRegionError";
  }
}

function overlaps(a: Range, b: Range): boolean {
  return a.end > b.start && a.start < b.end;
}

function contains(outer: Range, inner: Range): boolean {
  return outer.start <= inner.start && outer.end >= inner.end;
}

// Sweep order: start ascending, end descending, priority descending, id ascending.
function sweepOrder(a: Region, b: Region): number {
  if (a.range.start !== b.range.start) return a.range.start < b.range.start ? -1 : 1;
  if (a.range.end !== b.range.end) return a.range.end > b.range.end ? -1 : 1;
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.id - b.id;
}

/**
 * The regions of one address space. A table may be shared by a guest memory and its forks
 * (`shared`): it is then never changed; the first change through any of them works on a copy.
 */
export class RegionTable {
  /** Every region, in the order added (ids ascending). */
  readonly regions: Region[] = [];
  /** The RAM regions in creation order. */
  readonly ram: Region[] = [];
  nextId = 0;
  /** Set once a fork shares this table: it must not change any more. */
  shared = false;
  /** Visible regions sorted by start (disjoint). */
  active: Region[] = [];
  // The non-empty regions in sweep order (null: re-sort on the next recompute).
  private order: Region[] | null = null;
  // The backings some mapping refers to (null: collect again when asked).
  private backingSet: Set<SparseBacking> | null = null;

  /** A deep copy with every mapping's backing replaced through `xlate` (a fork's own backings). */
  clone(xlate: ReadonlyMap<SparseBacking, SparseBacking> | null): RegionTable {
    const t = new RegionTable();
    const byId = new Map<number, Region>();
    const copyOf = (r: Region): Region => ({
      id: r.id, name: r.name, range: { ...r.range }, priority: r.priority, map: r.map ? { ...r.map } : null,
      mappings: r.mappings.map((m) => ({ ...m, backing: xlate?.get(m.backing) ?? m.backing })),
    });
    for (const r of this.regions) {
      const copy = copyOf(r);
      byId.set(r.id, copy);
      t.regions.push(copy);
    }
    // A removed RAM region stays in the RAM list (detached), as before the copy.
    for (const r of this.ram) t.ram.push(byId.get(r.id) ?? copyOf(r));
    t.nextId = this.nextId;
    t.recompute();
    return t;
  }

  /** The region with id `id` (binary search: ids ascend in `regions`), or undefined. */
  byId(id: number): Region | undefined {
    const a = this.regions;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]!.id < id) lo = mid + 1;
      else hi = mid;
    }
    const r = a[lo];
    return r && r.id === id ? r : undefined;
  }

  /** Throws AddRegionError when a region `range` at `priority` would break the nesting rule. */
  checkAdd(name: string, range: Range, priority: number): void {
    for (const other of this.regions) {
      if (!overlaps(range, other.range)) continue;
      const ok =
        priority < other.priority
          ? contains(other.range, range)
          : priority === other.priority
            ? other.range.start === range.start && other.range.end === range.end
            : contains(range, other.range);
      if (!ok) throw new AddRegionError(other.name, name);
    }
  }

  /**
   * Checks that regions of one priority, added to an empty table, obey the nesting rule (equal
   * priorities may only overlap when identical) by one sort and sweep; throws AddRegionError
   * naming an offending pair.
   */
  static checkSamePriority(names: readonly string[], ranges: readonly Range[]): void {
    const idx = ranges.map((_, i) => i).filter((i) => ranges[i]!.start < ranges[i]!.end);
    idx.sort((a, b) => (ranges[a]!.start < ranges[b]!.start ? -1 : ranges[a]!.start > ranges[b]!.start ? 1 : a - b));
    let widest = -1; // the region with the largest end so far
    for (const j of idx) {
      const r = ranges[j]!;
      if (widest >= 0) {
        const w = ranges[widest]!;
        if (r.start < w.end && !(r.start === w.start && r.end === w.end)) {
          throw new AddRegionError(names[Math.min(widest, j)]!, names[Math.max(widest, j)]!);
        }
      }
      if (widest < 0 || r.end > ranges[widest]!.end) widest = j;
    }
  }

  /** Adds a region without checking the nesting rule (the caller did); it starts unmapped. */
  add(name: string, range: Range, priority: number): Region {
    const region: Region = { id: this.nextId++, name, range: { ...range }, priority, map: null, mappings: [] };
    this.regions.push(region);
    this.order = null;
    this.backingSet = null;
    return region;
  }

  /** Removes the region with `id` (nothing when it is not there). */
  remove(id: number): void {
    const r = this.byId(id);
    if (r === undefined) return;
    this.regions.splice(this.regions.indexOf(r), 1);
    this.order = null;
    this.backingSet = null;
  }

  /** Notes that some region's mappings changed. */
  mappingsChanged(): void {
    this.backingSet = null;
  }

  /** Recomputes the visible set (sorts only after regions were added or removed). */
  recompute(): void {
    if (this.order === null) this.order = this.regions.filter((r) => r.range.start < r.range.end).sort(sweepOrder);
    const active: Region[] = [];
    let end = -1n;
    for (const r of this.order) {
      if (r.map === null || r.range.start < end) continue;
      active.push(r);
      end = r.range.end;
    }
    this.active = active;
  }

  /** The backings the regions' mappings refer to. */
  backings(): Set<SparseBacking> {
    if (this.backingSet === null) {
      const s = new Set<SparseBacking>();
      for (const r of this.regions) for (const m of r.mappings) s.add(m.backing);
      this.backingSet = s;
    }
    return this.backingSet;
  }
}
