// Byte mutators, the seeded PRNG and shrinking of the fuzzer (host/fuzz/{mutate,rng,shrink}.ts).
import { describe, it, expect } from "vitest";
import { BYTE_MUTATORS, mutateBytes, fdtPropLengthOffsets, FDT_HEADER_FIELDS } from "../host/fuzz/mutate.js";
import { Rng, runSeed } from "../host/fuzz/rng.js";
import { minimize, shrinkBytes, shrinkStructured } from "../host/fuzz/shrink.js";
import { minimalFdt } from "../host/fuzz/targets/dt.js";
import { decodeJson, encodeJson } from "../host/fuzz/target.js";

const seedBlob = (): Uint8Array => {
  const b = minimalFdt();
  return b;
};

describe("Rng", () => {
  it("gives the same sequence for the same seed and a different one for another", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xs = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.u32())).not.toEqual(xs);
  });
  it("keeps below(n) inside [0, n)", () => {
    const r = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const v = r.below(7);
      expect(v >= 0 && v < 7).toBe(true);
    }
  });
  it("derives distinct run seeds per run index", () => {
    expect(new Set(Array.from({ length: 1000 }, (_, i) => runSeed(1, i))).size).toBe(1000);
  });
});

describe("byte mutators", () => {
  it("are deterministic for a seed", () => {
    const input = seedBlob();
    for (const m of BYTE_MUTATORS) {
      expect(m.apply(input, new Rng(7), [input])).toEqual(m.apply(input, new Rng(7), [input]));
    }
    expect(mutateBytes(input, new Rng(9)).bytes).toEqual(mutateBytes(input, new Rng(9)).bytes);
  });
  it("never modify their input", () => {
    const input = seedBlob();
    const before = input.slice();
    for (const m of BYTE_MUTATORS) for (let s = 0; s < 20; s++) m.apply(input, new Rng(s), [input]);
    expect(input).toEqual(before);
  });
  it("truncate only shortens, extend only lengthens", () => {
    const input = seedBlob();
    const by = (n: string) => BYTE_MUTATORS.find((m) => m.name === n)!;
    for (let s = 0; s < 50; s++) {
      const t = by("truncate").apply(input, new Rng(s));
      expect(t.length).toBeLessThanOrEqual(input.length);
      expect(t).toEqual(input.subarray(0, t.length));
      expect(by("extend").apply(input, new Rng(s)).length).toBeGreaterThan(input.length);
    }
  });
  it("fdt-header-field changes one big-endian header field and nothing else", () => {
    const input = seedBlob();
    const m = BYTE_MUTATORS.find((x) => x.name === "fdt-header-field")!;
    let changed = 0;
    for (let s = 0; s < 50; s++) {
      const out = m.apply(input, new Rng(s));
      const diff = [...out.keys()].filter((i) => out[i] !== input[i]);
      if (diff.length === 0) continue;
      changed++;
      const field = Math.floor(diff[0]! / 4) * 4;
      expect(FDT_HEADER_FIELDS as readonly number[]).toContain(field);
      expect(diff.every((i) => i >= field && i < field + 4)).toBe(true);
    }
    expect(changed).toBeGreaterThan(40);
  });
  it("finds property length fields in a blob with properties", () => {
    // Root node with one property: BEGIN_NODE "" ; PROP len=4 nameoff=0 ; value ; END_NODE ; END.
    const struct = [1, 0, 3, 4, 0, 0xdeadbeef, 2, 9];
    const structOff = 56, stringsOff = structOff + struct.length * 4;
    const b = new Uint8Array(stringsOff + 4);
    const v = new DataView(b.buffer);
    [0xd00dfeed, b.length, structOff, stringsOff, 40, 17, 16, 0, 4, struct.length * 4].forEach((x, i) => v.setUint32(i * 4, x));
    struct.forEach((t, i) => v.setUint32(structOff + i * 4, t));
    expect(fdtPropLengthOffsets(b)).toEqual([structOff + 12]);
  });
});

describe("shrinking", () => {
  it("minimizes bytes to the one byte that matters", () => {
    const input = new Uint8Array(64).map((_, i) => i + 1);
    const r = minimize(input, shrinkBytes, (b) => b.includes(37));
    expect(Array.from(r.input)).toEqual([37]);
  });
  it("minimizes structured inputs (array elements, bigints) while keeping them valid", () => {
    const input = { xs: [5n, 900n, 17n, 4096n * 3n], name: "abcdef" };
    const r = minimize(input, (x) => shrinkStructured(x, (c) => Array.isArray(c.xs)), (x) => x.xs.some((v) => v >= 100n));
    expect(r.input).toEqual({ xs: [100n], name: "" });
  });
  it("round-trips inputs with bigints through the JSON encoding", () => {
    const x = { a: [1n << 63n, 0n], s: "0x10", n: 3 };
    expect(decodeJson(encodeJson(x))).toEqual(x);
  });
});
