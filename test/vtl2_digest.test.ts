import { describe, it, expect } from "vitest";
import { createHash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { Sha384, crc32 } from "../host/vtl2/digest.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("Sha384", () => {
  it("hashes the FIPS 180-4 examples", () => {
    expect(hex(new Sha384().update(new TextEncoder().encode("abc")).digest())).toBe(
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    );
    expect(hex(new Sha384().digest())).toBe(
      "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
    );
  });

  it("matches node:crypto for any bytes split into any chunks", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(300), { maxLength: 5 }), (data, cuts) => {
        const h = new Sha384();
        let at = 0;
        for (const c of cuts) {
          const end = Math.min(data.length, at + c);
          h.update(data.subarray(at, end));
          at = end;
        }
        h.update(data.subarray(at));
        expect(hex(h.digest())).toBe(createHash("sha384").update(data).digest("hex"));
      }),
      { numRuns: 200 },
    );
  });
});

describe("crc32", () => {
  it("matches zlib", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (d) => { expect(crc32(d)).toBe(zlibCrc32(d)); }), { numRuns: 200 });
  });
});

describe("createSha384", () => {
  it("gives the same digest as the pure implementation", async () => {
    const { createSha384 } = await import("../host/vtl2/digest.js");
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
    const h = createSha384();
    h.update(data.subarray(0, 1234));
    h.update(data.subarray(1234));
    expect(hex(h.digest())).toBe(hex(new Sha384().update(data).digest()));
  });
});
