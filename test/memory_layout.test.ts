import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { MemoryLayout, MemoryLayoutError } from "../host/layout/memory_layout.js";
import { MemoryRange } from "../host/layout/memory_range.js";

const KB = 1024n;
const MB = 1024n * KB;
const GB = 1024n * MB;
const TB = 1024n * GB;
const R = (s: bigint, e: bigint) => new MemoryRange(s, e);
const plain = (l: MemoryLayout) => l.ram().map((r) => [r.range.start, r.range.end, r.vnode]);

const MMIO = [R(GB, 2n * GB), R(3n * GB, 4n * GB)];
const RAM = [
  { range: R(0n, GB), vnode: 0 },
  { range: R(2n * GB, 3n * GB), vnode: 0 },
  { range: R(4n * GB, TB + 2n * GB), vnode: 0 },
];

function kindOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MemoryLayoutError) return `${e.kind}: ${e.message}`;
    throw e;
  }
  return "ok";
}

describe("MemoryLayout::new", () => {
  it("places 1 TiB of RAM around two gaps below 4 GiB", () => {
    const l = MemoryLayout.new(TB, MMIO, null);
    expect(plain(l)).toEqual([
      [0n, GB, 0],
      [2n * GB, 3n * GB, 0],
      [4n * GB, TB + 2n * GB, 0],
    ]);
    expect(l.mmio()).toEqual(MMIO);
    expect(l.ramSize()).toBe(TB);
    expect(l.endOfRam()).toBe(TB + 2n * GB);
    expect(l.vtl2Range()).toBeNull();
  });

  it("rejects a size that is not page aligned", () => {
    expect(kindOf(() => MemoryLayout.new(TB + 1n, [], null))).toBe("BadSize: invalid memory size");
  });

  it("rejects a zero size", () => {
    expect(kindOf(() => MemoryLayout.new(0n, [], null))).toBe("BadSize: invalid memory size");
  });

  it("rejects unsorted gaps", () => {
    expect(kindOf(() => MemoryLayout.new(TB, [MMIO[1]!, MMIO[0]!], null))).toBe(
      "BadMemoryRanges: invalid memory or MMIO ranges",
    );
  });

  it("rejects a gap at address 0 (the first RAM range would be empty)", () => {
    expect(kindOf(() => MemoryLayout.new(GB, [R(0n, MB)], null))).toBe("BadMemoryRanges: invalid memory or MMIO ranges");
  });

  it("keeps a VTL2 range above RAM out of the RAM list", () => {
    const l = MemoryLayout.new(2n * GB, MMIO, R(8n * GB, 8n * GB + 512n * MB));
    expect(l.vtl2Range()).toEqual(R(8n * GB, 8n * GB + 512n * MB));
    expect(l.ramSize()).toBe(2n * GB);
  });

  it("rejects a VTL2 range below the end of RAM (it can only land in RAM or a gap)", () => {
    expect(kindOf(() => MemoryLayout.new(8n * GB, MMIO, R(5n * GB, 5n * GB + MB)))).toBe(
      "BadMemoryRanges: invalid memory or MMIO ranges",
    );
    expect(kindOf(() => MemoryLayout.new(4n * GB, MMIO, R(GB, GB + MB)))).toBe(
      "BadMemoryRanges: invalid memory or MMIO ranges",
    );
  });

  it("accepts a VTL2 range starting exactly at the end of RAM, or after the last gap", () => {
    expect(kindOf(() => MemoryLayout.new(GB, [R(2n * GB, 3n * GB)], R(GB, GB + MB)))).toBe("ok");
    expect(kindOf(() => MemoryLayout.new(GB, [R(2n * GB, 3n * GB)], R(3n * GB, 3n * GB + MB)))).toBe("ok");
  });
});

describe("MemoryLayout::new_from_ranges", () => {
  it("accepts explicit sorted ranges and reports the same totals", () => {
    const l = MemoryLayout.newFromRanges(RAM, MMIO);
    expect(plain(l)).toEqual(RAM.map((r) => [r.range.start, r.range.end, 0]));
    expect(l.ramSize()).toBe(TB);
    expect(l.endOfRam()).toBe(TB + 2n * GB);
  });

  it("rejects an empty RAM list", () => {
    expect(kindOf(() => MemoryLayout.newFromRanges([], MMIO))).toBe("BadMemoryRanges: invalid memory or MMIO ranges");
  });

  it("rejects unsorted gaps", () => {
    expect(kindOf(() => MemoryLayout.newFromRanges([{ range: R(0n, GB), vnode: 0 }], [MMIO[1]!, MMIO[0]!]))).toBe(
      "BadMemoryRanges: invalid memory or MMIO ranges",
    );
  });

  it("rejects RAM that runs into an MMIO gap", () => {
    expect(kindOf(() => MemoryLayout.newFromRanges([{ range: R(0n, GB + MB), vnode: 0 }], MMIO))).toBe(
      "BadMemoryRanges: invalid memory or MMIO ranges",
    );
  });

  it("rejects overlapping or empty RAM ranges", () => {
    const ov = [
      { range: R(0n, 2n * MB), vnode: 0 },
      { range: R(MB, 3n * MB), vnode: 1 },
    ];
    expect(kindOf(() => MemoryLayout.newFromRanges(ov, []))).toBe("BadMemoryRanges: invalid memory or MMIO ranges");
    expect(kindOf(() => MemoryLayout.newFromRanges([{ range: R(MB, MB), vnode: 0 }], []))).toBe(
      "BadMemoryRanges: invalid memory or MMIO ranges",
    );
  });
});

describe("MemoryLayout::new_with_numa", () => {
  it("fills node budgets in order, splitting a chunk at a node boundary", () => {
    const l = MemoryLayout.newWithNuma([GB + GB / 2n, GB / 2n + 4n * GB], MMIO, null);
    expect(plain(l)).toEqual([
      [0n, GB, 0],
      [2n * GB, 2n * GB + GB / 2n, 0],
      [2n * GB + GB / 2n, 3n * GB, 1],
      [4n * GB, 8n * GB, 1],
    ]);
  });

  it("rejects an empty size list and zero or unaligned node sizes", () => {
    expect(kindOf(() => MemoryLayout.newWithNuma([], MMIO, null))).toBe("EmptyNumaSizes: empty NUMA memory sizes");
    expect(kindOf(() => MemoryLayout.newWithNuma([GB, 0n], MMIO, null))).toBe("BadNumaSize: invalid NUMA node memory size");
    expect(kindOf(() => MemoryLayout.newWithNuma([GB, 5n], MMIO, null))).toBe("BadNumaSize: invalid NUMA node memory size");
  });
});

describe("MemoryLayout accessors", () => {
  const l = MemoryLayout.newFromRanges(RAM, MMIO);

  it("splits RAM at 4 GiB by range end", () => {
    expect(l.ramBelow4gb()).toBe(2n * GB);
    expect(l.ramAbove4gb()).toBe(TB - 2n * GB);
    expect(l.maxRamBelow4gb()).toBe(3n * GB);
  });

  it("reports RAM above the high MMIO gap only with exactly two gaps", () => {
    expect(l.ramAboveHighMmio()).toBe(TB - 2n * GB);
    expect(MemoryLayout.newFromRanges(RAM.slice(0, 1), [MMIO[0]!]).ramAboveHighMmio()).toBeNull();
  });

  it("has no RAM below 4 GiB when all RAM is above it", () => {
    const h = MemoryLayout.newFromRanges([{ range: R(4n * GB, 5n * GB), vnode: 0 }], [MMIO[1]!]);
    expect(h.maxRamBelow4gb()).toBeNull();
    expect(h.ramBelow4gb()).toBe(0n);
  });

  it("ends at the higher of RAM end and the last gap end", () => {
    expect(l.endOfRamOrMmio()).toBe(TB + 2n * GB);
    const m = MemoryLayout.newFromRanges(RAM.slice(0, 1), [R(GB, 2n * GB), R(64n * GB, 65n * GB)]);
    expect(m.endOfRamOrMmio()).toBe(65n * GB);
  });
});

describe("MemoryLayout::probe_address", () => {
  const l = MemoryLayout.newFromRanges(RAM, MMIO);
  it.each([
    [0n, "Ram"],
    [256n, "Ram"],
    [2n * GB, "Ram"],
    [4n * GB, "Ram"],
    [TB, "Ram"],
    [TB + 1n, "Ram"],
    [GB, "Mmio"],
    [GB + 123n, "Mmio"],
    [3n * GB, "Mmio"],
    [TB + 2n * GB, null],
    [TB + 3n * GB, null],
    [4n * TB, null],
  ])("probes %s as %s", (addr, kind) => {
    expect(l.probeAddress(addr)).toBe(kind);
  });
});

describe("MemoryLayout invariants", () => {
  it("new() places exactly ramSize bytes, sorted, outside every gap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1 << 18 }), fc.integer({ min: 1, max: 1 << 18 })), { maxLength: 6 }),
        (pages, gapSpec) => {
          let at = 0n;
          const gaps: MemoryRange[] = [];
          for (const [skip, len] of gapSpec) {
            const s = at + BigInt(skip) * 4096n;
            gaps.push(R(s, s + BigInt(len) * 4096n));
            at = s + BigInt(len) * 4096n;
          }
          const l = MemoryLayout.new(BigInt(pages) * 4096n, gaps, null);
          expect(l.ramSize()).toBe(BigInt(pages) * 4096n);
          const ram = l.ram();
          for (let i = 0; i + 1 < ram.length; i++) expect(ram[i]!.range.end <= ram[i + 1]!.range.start).toBe(true);
          for (const r of ram) for (const g of gaps) expect(r.range.overlaps(g)).toBe(false);
          expect(l.ramBelow4gb() + l.ramAbove4gb()).toBe(l.ramSize());
        },
      ),
    );
  });
});
