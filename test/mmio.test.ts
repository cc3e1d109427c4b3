import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import { ShimPanic, type Shim } from "../host/wasm/loader.js";
import { selectVtl2MmioRange } from "../host/shim/mmio.js";
import { subtractRanges, type Range } from "../host/shim/memory_range.js";

const HIGH = 1n << 32n;
const SIZE = 128n << 20n; // VTL2_MMIO_HIGH_RANGE_SIZE of the upstream test
const ERR = "host provided high MMIO range is insufficient to cover VTL0 and VTL2";
const r = (start: bigint, end: bigint): Range => ({ start, end });

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

describe("select_vtl2_mmio_range (upstream mmio_range_partitioned_correctly)", () => {
  const cases: { name: string; mmio: Range[]; vtl0?: Range[]; vtl2?: Range }[] = [
    { name: "fails with no MMIO", mmio: [] },
    { name: "fails with only low MMIO", mmio: [r(0x3000_0000n, 0x4000_0000n), r(0x4000_0000n, 0x5000_0000n)] },
    { name: "fails when high MMIO is smaller than the VTL2 size", mmio: [r(0x3000_0000n, 0x4000_0000n), r(HIGH, HIGH + SIZE / 2n)] },
    {
      name: "gives the whole high range to VTL2 when it is exactly the size",
      mmio: [r(0x3000_0000n, 0x4000_0000n), r(HIGH, HIGH + SIZE)],
      vtl0: [r(0x3000_0000n, 0x4000_0000n)],
      vtl2: r(HIGH, HIGH + SIZE),
    },
    {
      name: "takes the top of a larger high range",
      mmio: [r(0x3000_0000n, 0x4000_0000n), r(HIGH, HIGH + SIZE * 4n)],
      vtl0: [r(0x3000_0000n, 0x4000_0000n), r(HIGH, HIGH + SIZE * 3n)],
      vtl2: r(HIGH + SIZE * 3n, HIGH + SIZE * 4n),
    },
    {
      name: "takes the top of the highest of several high ranges",
      mmio: [r(HIGH, HIGH + SIZE * 2n), r(HIGH * 2n, HIGH * 2n + SIZE * 2n)],
      vtl0: [r(HIGH, HIGH + SIZE * 2n), r(HIGH * 2n, HIGH * 2n + SIZE)],
      vtl2: r(HIGH * 2n + SIZE, HIGH * 2n + SIZE * 2n),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = selectVtl2MmioRange(shim, c.mmio, SIZE);
      if (!c.vtl2) {
        expect(got).toEqual({ ok: false, error: ERR });
        return;
      }
      expect(got).toEqual({ ok: true, range: c.vtl2 });
      const vtl0 = subtractRanges(shim, c.mmio, [c.vtl2]).map(({ start, end }) => ({ start, end }));
      expect(vtl0).toEqual(c.vtl0);
    });
  }
  it("does not fall back to a lower high range when the highest is too small", () => {
    expect(selectVtl2MmioRange(shim, [r(HIGH, HIGH + SIZE * 4n), r(HIGH * 2n, HIGH * 2n + SIZE / 2n)], SIZE)).toEqual({ ok: false, error: ERR });
  });
  it("panics like MemoryRange::new for a VTL2 size that is not page aligned", () => {
    expect(() => selectVtl2MmioRange(shim, [r(HIGH, HIGH + SIZE)], 0x800n)).toThrow(ShimPanic);
    expect(() => selectVtl2MmioRange(shim, [r(HIGH, HIGH + SIZE)], 0x800n)).toThrow("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
  });
  it("property: picks the top vtl2Size bytes of the last range starting at or above 4 GiB", () => {
    const page = fc.bigInt(0n, 1n << 30n).map((p) => p * 0x1000n);
    fc.assert(fc.property(fc.array(fc.tuple(page, page), { maxLength: 4 }), page, (raw, size) => {
      let at = 0n;
      const mmio = raw.map(([gap, len]) => { const s = at + gap * 8n; at = s + len; return r(s, at); });
      const got = selectVtl2MmioRange(shim, mmio, size);
      const high = mmio.filter((m) => m.start >= HIGH).pop();
      if (!high || high.end - high.start < size) expect(got).toEqual({ ok: false, error: ERR });
      else expect(got).toEqual({ ok: true, range: r(high.end - size, high.end) });
    }), { numRuns: 200 });
  });
});
