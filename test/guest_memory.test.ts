import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  GuestMemory,
  MemoryBuildError,
  InvalidRamRegion,
  AddRegionError,
  GuestMemoryError,
  SparseBacking,
  X86_LEGACY_SPLIT,
  type GuestMemoryLayout,
} from "../host/guest/guest_memory.js";
import { InputError } from "../host/errors.js";

const PAGE = 0x1000n;
const MB = 0x10_0000n;
const GB = 0x4000_0000n;
const TB = 0x100_0000_0000n;

function layout(ram: [bigint, bigint][], mmio: [bigint, bigint][] = [], vtl2?: [bigint, bigint]): GuestMemoryLayout {
  return {
    ram: ram.map(([start, end]) => ({ start, end, vnode: 0 })),
    mmio: mmio.map(([start, end]) => ({ start, end })),
    vtl2Range: vtl2 ? { start: vtl2[0], end: vtl2[1] } : null,
  };
}

function fill(n: number, v: number): Uint8Array {
  return new Uint8Array(n).fill(v);
}

describe("GuestMemoryBuilder::build", () => {
  it("backs a single RAM range: written pages read back, untouched pages read zero", () => {
    const gm = GuestMemory.build(layout([[0n, 4n * PAGE]]));
    expect(gm.write(0n, fill(4096, 0xab))).toBe(true);
    const buf = new Uint8Array(4096);
    expect(gm.read(0n, buf)).toBe(true);
    expect(buf).toEqual(fill(4096, 0xab));
    expect(gm.read(PAGE, buf)).toBe(true);
    expect(buf).toEqual(fill(4096, 0));
  });

  it("keeps two adjacent RAM ranges apart in the shared backing", () => {
    const gm = GuestMemory.build(layout([[0n, 2n * PAGE], [2n * PAGE, 4n * PAGE]]));
    gm.writeAt(0n, fill(4096, 0xaa));
    gm.writeAt(2n * PAGE, fill(4096, 0xbb));
    const buf = new Uint8Array(4096);
    gm.readAt(0n, buf);
    expect(buf).toEqual(fill(4096, 0xaa));
    gm.readAt(2n * PAGE, buf);
    expect(buf).toEqual(fill(4096, 0xbb));
    gm.readAt(3n * PAGE, buf);
    expect(buf).toEqual(fill(4096, 0));
    expect(gm.ramRegions()).toEqual([{ start: 0n, end: 2n * PAGE }, { start: 2n * PAGE, end: 4n * PAGE }]);
  });

  it("reports a fault for the MMIO gap between two RAM ranges instead of reading zeros", () => {
    const gm = GuestMemory.build(layout([[0n, 2n * PAGE], [4n * PAGE, 6n * PAGE]], [[2n * PAGE, 4n * PAGE]]));
    gm.writeAt(4n * PAGE, fill(16, 0xdd));
    expect(gm.read(2n * PAGE, new Uint8Array(8))).toBe(false);
    expect(() => gm.readAt(PAGE, new Uint8Array(2 * 4096))).toThrow(
      new GuestMemoryError("read", { start: PAGE, end: 3n * PAGE }, 2n * PAGE),
    );
    expect(() => gm.readAt(PAGE, new Uint8Array(2 * 4096))).toThrow(
      "guest memory 'ram': read error: failed to access 0x1000-0x3000 at 0x2000",
    );
    expect(() => gm.writeAt(6n * PAGE, new Uint8Array(1))).toThrow(
      "guest memory 'ram': write error: failed to access 0x6000-0x6001",
    );
  });

  it("copies a range that crosses page and range boundaries", () => {
    const gm = GuestMemory.build(layout([[0n, 2n * PAGE], [2n * PAGE, 4n * PAGE]]));
    const src = Uint8Array.from({ length: 3 * 4096 }, (_, i) => (i * 7) & 0xff);
    gm.writeAt(0x800n, src);
    const back = new Uint8Array(src.length);
    gm.readAt(0x800n, back);
    expect(back).toEqual(src);
  });

  it("leaves memory unchanged when a write runs off the end of RAM", () => {
    const gm = GuestMemory.build(layout([[0n, PAGE]]));
    expect(gm.write(0xff0n, fill(32, 0x55))).toBe(false);
    const buf = new Uint8Array(16);
    gm.readAt(0xff0n, buf);
    expect(buf).toEqual(fill(16, 0));
  });

  it("faults on accesses that would wrap past the top of the 64-bit address space", () => {
    const gm = GuestMemory.build(layout([[0n, PAGE]]));
    expect(gm.read(0xffff_ffff_ffff_fff0n, new Uint8Array(32))).toBe(false);
  });

  it("maps the VTL2 range as RAM after the VTL0 ranges", () => {
    const gm = GuestMemory.build(layout([[0n, MB]], [[MB, 2n * MB]], [2n * MB, 4n * MB]));
    gm.writeAt(3n * MB, Uint8Array.of(1, 2, 3));
    const b = new Uint8Array(3);
    gm.readAt(3n * MB, b);
    expect([...b]).toEqual([1, 2, 3]);
    expect(gm.ramRegions().at(-1)).toEqual({ start: 2n * MB, end: 4n * MB });
  });

  it("rejects layouts vm_topology would reject", () => {
    expect(() => GuestMemory.build(layout([[0n, 0x800n]]))).toThrow(new InputError("invalid memory or MMIO ranges"));
    expect(() => GuestMemory.build(layout([[0n, 2n * PAGE], [PAGE, 3n * PAGE]]))).toThrow("invalid memory or MMIO ranges");
    expect(() => GuestMemory.build(layout([[0n, 2n * PAGE]], [[PAGE, 3n * PAGE]]))).toThrow("invalid memory or MMIO ranges");
    expect(() => GuestMemory.build(layout([[0n, MB], [2n * MB, 3n * MB]], [], [MB, 2n * MB]))).toThrow(
      "vtl2 range is below end of ram",
    );
  });

  it("stays small for a 2 TiB VM with a few writes (sparse backing)", () => {
    const gm = GuestMemory.build(layout([[0n, 3n * GB], [4n * GB, 2n * TB + GB]], [[3n * GB, 4n * GB]], [2n * TB + GB, 2n * TB + 2n * GB]));
    expect(gm.ram.size).toBe(2n * TB + GB);
    gm.writeAt(0n, fill(100, 1));
    gm.writeAt(2n * TB, fill(8192, 2));
    gm.writeAt(2n * TB + GB + 0x1000n, fill(4096, 3));
    const b = new Uint8Array(8192);
    gm.readAt(TB, b); // untouched page: zeros, no allocation
    expect(b.every((x) => x === 0)).toBe(true);
    expect(gm.materializedBytes).toBe(4 * 4096);
  });
});

describe("GuestMemoryBuilder::x86_legacy_support", () => {
  it("splits low RAM into the VGA window and the 16 KiB PAM blocks", () => {
    const gm = GuestMemory.build(layout([[0n, 0x8000_0000n], [GB * 4n, GB * 5n]], [[0x8000_0000n, GB * 4n]]), {
      x86LegacySupport: true,
    });
    const starts = [...X86_LEGACY_SPLIT, 0x8000_0000n];
    const expected = starts.slice(0, -1).map((s, i) => ({ start: s, end: starts[i + 1] }));
    expected.push({ start: 4n * GB, end: 5n * GB });
    expect(gm.ramRegions()).toEqual(expected);
    expect(gm.ramRegions()[1]).toEqual({ start: 0xa0000n, end: 0xc0000n });
    expect(gm.ramRegions()).toHaveLength(17);
  });

  it("rejects RAM that does not start at 0 or is smaller than 1 MiB", () => {
    expect(() => GuestMemory.build(layout([[MB, 2n * MB]]), { x86LegacySupport: true })).toThrow(
      "x86 support requires RAM to start at 0 and contain at least 1MB",
    );
    expect(() => GuestMemory.build(layout([[0n, 0xff000n]]), { x86LegacySupport: true })).toThrow(MemoryBuildError);
  });

  it("accepts exactly 1 MiB of low RAM, leaving an empty range above it", () => {
    const gm = GuestMemory.build(layout([[0n, MB]]), { x86LegacySupport: true });
    expect(gm.ramRegions().at(-1)).toEqual({ start: MB, end: MB });
  });
});

describe("RamVisibilityControl::set_ram_visibility", () => {
  const build = () => GuestMemory.build(layout([[0n, 2n * MB]]), { x86LegacySupport: true });

  it("makes a PAM block read-only: reads work, writes fault and change nothing", () => {
    const gm = build();
    const pam = { start: 0xc0000n, end: 0xc4000n };
    gm.writeAt(0xc0000n, Uint8Array.of(9));
    gm.setRamVisibility(pam, "read-only");
    const b = new Uint8Array(1);
    gm.readAt(0xc0000n, b);
    expect(b[0]).toBe(9);
    expect(gm.write(0xc0000n, Uint8Array.of(1))).toBe(false);
    expect(gm.write(0xbf000n, fill(0x2000, 1))).toBe(false);
    gm.readAt(0xbf000n, b);
    expect(b[0]).toBe(0);
    gm.setRamVisibility(pam, "read-write");
    expect(gm.write(0xc0000n, Uint8Array.of(1))).toBe(true);
  });

  it("unmaps the VGA window so accesses fault, and remapping restores the same contents", () => {
    const gm = build();
    const vga = { start: 0xa0000n, end: 0xc0000n };
    gm.writeAt(0xa1000n, Uint8Array.of(0x42));
    gm.setRamVisibility(vga, "unmapped");
    expect(gm.read(0xa1000n, new Uint8Array(1))).toBe(false);
    expect(gm.read(0x9f000n, new Uint8Array(0x1000))).toBe(true);
    gm.setRamVisibility(vga, "read-write");
    const b = new Uint8Array(1);
    gm.readAt(0xa1000n, b);
    expect(b[0]).toBe(0x42);
  });

  it("refuses a range that is not exactly one region, with upstream's message", () => {
    const gm = build();
    expect(() => gm.setRamVisibility({ start: 0xa0000n, end: 0xb0000n }, "unmapped")).toThrow(
      new InvalidRamRegion({ start: 0xa0000n, end: 0xb0000n }),
    );
    expect(() => gm.setRamVisibility({ start: 0xa0000n, end: 0xb0000n }, "unmapped")).toThrow(
      "0xa0000-0xb0000 is not a controllable RAM range",
    );
    expect(() => gm.setRamVisibility({ start: 0n, end: 2n * MB }, "read-only")).toThrow(InvalidRamRegion);
  });
});

describe("device memory (DeviceMemoryMapper)", () => {
  it("shows device memory under an unmapped RAM region and hides it again when RAM is remapped", () => {
    const gm = GuestMemory.build(layout([[0n, 2n * MB]]), { x86LegacySupport: true });
    const vram = new SparseBacking(0x20000n, "vram");
    vram.write(0n, Uint8Array.of(0x77));
    const dev = gm.deviceMemoryMapper().newRegion(0x20000n, "vga");
    dev.map(0n, vram, 0n, 0x20000n, true);
    dev.mapToGuest(0xa0000n, true);
    const b = new Uint8Array(1);
    gm.readAt(0xa0000n, b);
    expect(b[0]).toBe(0); // RAM (priority 255) still wins
    gm.setRamVisibility({ start: 0xa0000n, end: 0xc0000n }, "unmapped");
    gm.readAt(0xa0000n, b);
    expect(b[0]).toBe(0x77);
    gm.writeAt(0xa0001n, Uint8Array.of(0x88));
    vram.read(1n, b);
    expect(b[0]).toBe(0x88);
    gm.setRamVisibility({ start: 0xa0000n, end: 0xc0000n }, "read-write");
    gm.readAt(0xa0001n, b);
    expect(b[0]).toBe(0);
  });

  it("maps device memory in an MMIO gap; unmapped windows and removed regions fault", () => {
    const gm = GuestMemory.build(layout([[0n, MB], [2n * MB, 3n * MB]], [[MB, 2n * MB]]));
    const bar = new SparseBacking(0x2000n, "bar");
    const dev = gm.deviceMemoryMapper().newRegion(0x4000n, "bar0");
    dev.mapToGuest(MB, false);
    expect(gm.read(MB, new Uint8Array(4))).toBe(false); // no window yet
    dev.map(0x1000n, bar, 0n, 0x2000n, true);
    expect(gm.read(MB + 0x1000n, new Uint8Array(0x2000))).toBe(true);
    expect(gm.write(MB + 0x1000n, new Uint8Array(4))).toBe(false); // region mapped read-only
    expect(gm.read(MB + 0x3000n, new Uint8Array(4))).toBe(false); // past the window
    dev.unmap(0n, 0x4000n);
    expect(gm.read(MB + 0x1000n, new Uint8Array(4))).toBe(false);
    dev.map(0n, bar, 0n, 0x1000n, true);
    dev.mapToGuest(MB + 0x10000n, true);
    expect(gm.write(MB + 0x10000n, Uint8Array.of(5))).toBe(true);
    expect(dev.guestRange).toEqual({ start: MB + 0x10000n, end: MB + 0x14000n });
    dev.unmapFromGuest();
    expect(gm.read(MB + 0x10000n, new Uint8Array(1))).toBe(false);
  });

  it("rejects device memory that straddles a RAM region (upstream overlap rule)", () => {
    const gm = GuestMemory.build(layout([[0n, MB]], [[MB, 2n * MB]]));
    const dev = gm.deviceMemoryMapper().newRegion(0x2000n, "straddle");
    expect(() => dev.mapToGuest(MB - 0x1000n, true)).toThrow(new AddRegionError("ram", "straddle"));
    expect(() => dev.mapToGuest(MB - 0x1000n, true)).toThrow("memory region straddle overlaps with existing region ram");
  });

  it("rejects overlapping windows and unaligned ranges with upstream's messages", () => {
    const gm = GuestMemory.build(layout([[0n, MB]]));
    const dev = gm.deviceMemoryMapper().newRegion(0x4000n, "d");
    const b = new SparseBacking(0x4000n);
    dev.map(0n, b, 0n, 0x2000n, true);
    expect(() => dev.map(0x1000n, b, 0n, 0x2000n, true)).toThrow("not yet implemented: support overlapping mappings");
    expect(() => dev.map(0x800n, b, 0n, 0x1000n, true)).toThrow("unaligned or invalid memory range: 0x800-0x1800");
  });
});

describe("region nesting rule (region_manager test_region_overlap)", () => {
  it("accepts and rejects regions exactly as upstream's scenario does", () => {
    const gm = GuestMemory.build(layout([[0x100000n, 0x200000n]]));
    const add = (priority: number, start: bigint, end: bigint) => {
      const r = gm.addRegion(String(priority), { start, end }, priority);
      gm.mapRegion(r, true);
      return r;
    };
    const high = add(1, 0x1000n, 0x3000n);
    expect(() => add(0, 0x2000n, 0x4000n)).toThrow(AddRegionError);
    const low = add(0, 0x1000n, 0x3000n);
    gm.removeRegion(high);
    expect(() => add(1, 0x2000n, 0x4000n)).toThrow(AddRegionError);
    expect(() => add(1, 0x2000n, 0x3000n)).toThrow(AddRegionError);
    add(1, 0n, 0x10000n);
    gm.removeRegion(low);
    expect(() => add(0, 0n, 0x20000n)).toThrow(AddRegionError);
    expect(() => add(0, 0x1000n, 0x8000n)).not.toThrow();
  });
});

describe("GuestMemoryBuilder::vtl0_alias_map", () => {
  it("refuses an alias offset below the top of RAM, MMIO or the VTL2 range", () => {
    const l = layout([[0n, GB]], [[GB, 2n * GB]], [2n * GB, 2n * GB + 0x20_0000n]);
    expect(() => GuestMemory.build(l, { vtl0AliasMap: 2n * GB })).toThrow(
      "not enough guest address space available for the vtl0 alias map",
    );
    expect(() => GuestMemory.build(l, { vtl0AliasMap: 2n * GB + 0x20_0000n })).not.toThrow();
  });

  it("shows VTL0 memory again above the alias offset", () => {
    const gm = GuestMemory.build(layout([[0n, GB]], [[GB, 2n * GB]]), { vtl0AliasMap: 1n << 46n });
    gm.writeAt(0x5000n, Uint8Array.of(0x3c));
    const b = new Uint8Array(1);
    gm.readAt((1n << 46n) + 0x5000n, b);
    expect(b[0]).toBe(0x3c);
    expect(gm.read((1n << 46n) + GB, b)).toBe(false);
  });
});

describe("SparseBacking", () => {
  it("round-trips random writes like a flat buffer (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ off: fc.integer({ min: 0, max: 0x7000 }), len: fc.integer({ min: 0, max: 0x2000 }), v: fc.integer({ min: 0, max: 255 }) }), { maxLength: 12 }),
        (writes) => {
          const flat = new Uint8Array(0x9000);
          const gm = GuestMemory.build(layout([[0n, 0x9000n]]));
          for (const w of writes) {
            const src = fill(w.len, w.v);
            flat.set(src, w.off);
            expect(gm.write(BigInt(w.off), src)).toBe(true);
          }
          const out = new Uint8Array(0x9000);
          expect(gm.read(0n, out)).toBe(true);
          expect(Buffer.compare(out, flat)).toBe(0);
          const touched = new Set<number>();
          for (const w of writes) for (let p = w.off >> 12; w.len > 0 && p <= (w.off + w.len - 1) >> 12; p++) touched.add(p);
          expect(gm.materializedBytes).toBe(touched.size * 4096);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("SparseBacking::fork (copy-on-write)", () => {
  it("reads the base, writes only the fork, and leaves the base and other forks alone (property)", () => {
    const write = fc.record({ off: fc.integer({ min: 0, max: 0x7000 }), len: fc.integer({ min: 0, max: 0x2000 }), v: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.array(write, { maxLength: 6 }), fc.array(write, { maxLength: 6 }), fc.array(write, { maxLength: 6 }), (baseW, aW, bW) => {
        const size = 0x9000;
        const base = new SparseBacking(BigInt(size));
        const flatBase = new Uint8Array(size);
        for (const w of baseW) {
          base.write(BigInt(w.off), fill(w.len, w.v));
          flatBase.fill(w.v, w.off, w.off + w.len);
        }
        const basePages = base.materializedPages;
        const a = base.fork();
        const b = base.fork();
        const flatA = flatBase.slice();
        const flatB = flatBase.slice();
        for (const w of aW) {
          a.write(BigInt(w.off), fill(w.len, w.v));
          flatA.fill(w.v, w.off, w.off + w.len);
        }
        for (const w of bW) {
          b.write(BigInt(w.off), fill(w.len, w.v));
          flatB.fill(w.v, w.off, w.off + w.len);
        }
        const read = (s: SparseBacking) => {
          const out = new Uint8Array(size);
          s.read(0n, out);
          return out;
        };
        expect(Buffer.compare(read(base), flatBase)).toBe(0);
        expect(Buffer.compare(read(a), flatA)).toBe(0);
        expect(Buffer.compare(read(b), flatB)).toBe(0);
        expect(base.materializedPages).toBe(basePages);
        // A fork's pages: the base's plus the ones only it has written.
        const touched = new Set<number>();
        for (const w of [...baseW, ...aW]) for (let p = w.off >> 12; w.len > 0 && p <= (w.off + w.len - 1) >> 12; p++) touched.add(p);
        expect(a.materializedPages).toBe(touched.size);
        expect([...a.materialized()].map(([off]) => Number(off) >> 12)).toEqual([...touched].sort((x, y) => x - y));
      }),
      { numRuns: 60 },
    );
  });

  it("refuses writes to a backing once it has been forked", () => {
    const base = new SparseBacking(0x2000n, "ram");
    base.write(0n, fill(4, 1));
    base.fork();
    expect(() => base.write(0n, fill(4, 2))).toThrow("ram: write to a backing that has forks");
    expect(() => base.zero(0n, 4)).toThrow("ram: write to a backing that has forks");
  });
});

describe("GuestMemory::zero", () => {
  it("reads back like a write of zeros without materializing untouched pages", () => {
    const gm = GuestMemory.build(layout([[0n, 16n * PAGE]]));
    gm.writeAt(PAGE + 8n, fill(16, 7));
    expect(gm.zero(0n, 4n * PAGE)).toBe(true);
    const out = new Uint8Array(Number(4n * PAGE));
    gm.readAt(0n, out);
    expect(out.every((x) => x === 0)).toBe(true);
    expect(gm.materializedBytes).toBe(4096); // only the page that held data
  });

  it("fails without changing anything when part of the range is not RAM", () => {
    const gm = GuestMemory.build(layout([[0n, 2n * PAGE], [4n * PAGE, 6n * PAGE]]));
    gm.writeAt(PAGE, fill(8, 3));
    expect(gm.zero(PAGE, 2n * PAGE)).toBe(false);
    const out = new Uint8Array(8);
    gm.readAt(PAGE, out);
    expect([...out]).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
  });
});

describe("GuestMemory::fork", () => {
  it("keeps regions and contents; writes to the fork stay in the fork", () => {
    const gm = GuestMemory.build(layout([[0n, 4n * PAGE], [8n * PAGE, 12n * PAGE]], [[4n * PAGE, 8n * PAGE]]));
    gm.writeAt(PAGE, fill(32, 9));
    const f = gm.fork();
    expect(f.ramRegions()).toEqual(gm.ramRegions());
    const out = new Uint8Array(32);
    f.readAt(PAGE, out);
    expect(out.every((x) => x === 9)).toBe(true);
    f.writeAt(PAGE, fill(32, 1));
    f.writeAt(9n * PAGE, fill(8, 2));
    gm.readAt(PAGE, out);
    expect(out.every((x) => x === 9)).toBe(true);
    expect(f.read(5n * PAGE, new Uint8Array(4))).toBe(false); // the MMIO gap is still a hole
    const g = gm.fork();
    g.readAt(PAGE, out);
    expect(out.every((x) => x === 9)).toBe(true);
    expect(() => gm.writeAt(0n, fill(1, 1))).toThrow("write to a backing that has forks");
  });
});
