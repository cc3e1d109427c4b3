// Guest memory region bookkeeping (host/guest/region_table.ts) against a simple reference model:
// the pairwise visibility rule, region by region, and byte-level accesses; forks; data extents.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { GuestMemory, SparseBacking, AddRegionError, type Range } from "../host/guest/guest_memory.js";

const PAGE = 0x1000n;

/** Reference: the pairwise rule (hidden by an overlapping mapped region of higher priority, or of equal priority added earlier). */
interface ModelRegion { id: number; range: Range; priority: number; mapped: boolean; writable: boolean }
function modelVisible(regions: ModelRegion[]): Range[] {
  const mapped = regions.filter((r) => r.mapped && r.range.start < r.range.end);
  const over = (a: Range, b: Range) => a.end > b.start && a.start < b.end;
  return mapped
    .filter((r, i) => !mapped.some((o, j) => o !== r && over(o.range, r.range) && (o.priority > r.priority || (o.priority === r.priority && j < i))))
    .map((r) => ({ ...r.range }))
    .sort((a, b) => (a.start < b.start ? -1 : 1));
}
function modelAllowed(regions: ModelRegion[], range: Range, priority: number): boolean {
  for (const o of regions) {
    if (!(range.end > o.range.start && range.start < o.range.end)) continue;
    const inside = (a: Range, b: Range) => a.start <= b.start && a.end >= b.end;
    const ok = priority < o.priority ? inside(o.range, range) : priority === o.priority ? o.range.start === range.start && o.range.end === range.end : inside(range, o.range);
    if (!ok) return false;
  }
  return true;
}

type Op =
  | { k: "add"; start: number; pages: number; priority: number; writable: boolean }
  | { k: "map"; which: number; writable: boolean }
  | { k: "unmap"; which: number }
  | { k: "remove"; which: number }
  | { k: "fork" };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant("add" as const), start: fc.integer({ min: 0, max: 40 }), pages: fc.integer({ min: 0, max: 24 }), priority: fc.constantFrom(0, 1, 2, 255), writable: fc.boolean() }) },
  fc.record({ k: fc.constant("map" as const), which: fc.nat(), writable: fc.boolean() }),
  fc.record({ k: fc.constant("unmap" as const), which: fc.nat() }),
  fc.record({ k: fc.constant("remove" as const), which: fc.nat() }),
  fc.constant({ k: "fork" as const }),
);

describe("region bookkeeping against the pairwise reference model (property)", () => {
  it("accepts/rejects the same regions, shows the same visible set and faults the same accesses", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 3 })), { maxLength: 12 }), (ops, probes) => {
        // RAM at pages 0..16 and 48..64 (two regions, priority 255).
        let gm = GuestMemory.build({ ram: [{ start: 0n, end: 16n * PAGE, vnode: 0 }, { start: 48n * PAGE, end: 64n * PAGE, vnode: 0 }], mmio: [] });
        let model: ModelRegion[] = gm.allRegions().map((r) => ({ id: r.id, range: { ...r.range }, priority: r.priority, mapped: true, writable: true }));
        const dev = new SparseBacking(64n * PAGE, "dev");
        for (const o of ops) {
          if (o.k === "add") {
            const range = { start: BigInt(o.start) * PAGE, end: BigInt(o.start + o.pages) * PAGE };
            const allowed = modelAllowed(model, range, o.priority);
            let region;
            try {
              region = gm.addRegion("r", range, o.priority);
            } catch (e) {
              if (!(e instanceof AddRegionError)) throw e;
              expect(allowed).toBe(false);
              continue;
            }
            expect(allowed).toBe(true);
            gm.updateMappings(region, () => [{ start: 0n, end: range.end - range.start, backing: dev, offset: 0n, writable: true }]);
            gm.mapRegion(region, o.writable);
            model.push({ id: region.id, range, priority: o.priority, mapped: true, writable: o.writable });
          } else if (o.k === "fork") {
            gm = gm.fork();
          } else if (model.length > 0) {
            const m = model[o.which % model.length]!;
            const r = gm.allRegions().find((x) => x.id === m.id)!;
            if (o.k === "map") { gm.mapRegion(r, o.writable); m.mapped = true; m.writable = o.writable; }
            else if (o.k === "unmap") { gm.unmapRegion(r); m.mapped = false; }
            else { gm.removeRegion(r); model = model.filter((x) => x !== m); }
          }
          expect(gm.visibleRanges()).toEqual(modelVisible(model));
        }
        const visible = modelVisible(model);
        for (const [page, n] of probes) {
          const start = BigInt(page) * PAGE;
          const end = start + BigInt(n) * PAGE;
          // Readable when every page lies in a visible region (each maps its whole range).
          let covered = true;
          for (let a = start; a < end; a += PAGE) if (!visible.some((v) => v.start <= a && a < v.end)) covered = false;
          expect(gm.isBacked(start, end - start)).toBe(covered);
          expect(gm.dataExtent(start, Number(end - start)) !== null).toBe(covered);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("builds and forks a 1024-range VM in linear-ish time (no quadratic overlap filter)", () => {
    const ram = Array.from({ length: 1024 }, (_, i) => ({ start: BigInt(i) * 2n * PAGE, end: (BigInt(i) * 2n + 1n) * PAGE, vnode: 0 }));
    const gm = GuestMemory.build({ ram, mmio: [] });
    expect(gm.visibleRanges()).toHaveLength(1024);
    const f = gm.fork();
    expect(f.visibleRanges()).toEqual(gm.visibleRanges());
    f.setRamVisibility({ start: 0n, end: PAGE }, "unmapped");
    expect(f.visibleRanges()).toHaveLength(1023);
    expect(gm.visibleRanges()).toHaveLength(1024); // the change stayed in the fork
  });
});

describe("GuestMemory::dataExtent", () => {
  it("bounds the data: bytes at and past it read as zero; a fault gives null (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 * 4096 }), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }), fc.integer({ min: 0, max: 20 * 4096 }), fc.integer({ min: 0, max: 12 * 4096 }), fc.boolean(), (writes, at, len, fork) => {
        let gm = GuestMemory.build({ ram: [{ start: 0n, end: 32n * PAGE, vnode: 0 }], mmio: [] });
        for (const [off, v] of writes) gm.writeAt(BigInt(off), Uint8Array.of(v));
        if (fork) gm = gm.fork();
        const e = gm.dataExtent(BigInt(at), len)!;
        expect(e).toBeGreaterThanOrEqual(0);
        expect(e).toBeLessThanOrEqual(len);
        const bytes = new Uint8Array(len);
        gm.readAt(BigInt(at), bytes);
        expect(bytes.subarray(e).every((b) => b === 0)).toBe(true);
        // Nothing written past `at` + extent; the extent ends within a page of the last write.
        const inRange = writes.filter(([off]) => off >= at && off < at + len).map(([off]) => off - at);
        if (inRange.length > 0) expect(e).toBeGreaterThan(Math.max(...inRange));
        else if (!writes.some(([off]) => off >= at - (at % 4096) && off < Math.ceil((at + len) / 4096) * 4096)) expect(e).toBe(0);
      }),
      { numRuns: 300 },
    );
    const gm = GuestMemory.build({ ram: [{ start: 0n, end: 4n * PAGE, vnode: 0 }], mmio: [] });
    expect(gm.dataExtent(2n * PAGE, 3 * 4096)).toBeNull();
  });
});
