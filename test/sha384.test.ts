// SHA-384 of the boot core (assembly/support/sha2/sha384.ts) against node:crypto: FIPS 180-4 vectors, a large
// random message, and arbitrary splits of a message into update() pieces.
import { describe, it, expect, beforeAll } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { sha384 } from "../host/shim/sha384.js";

const ref = (d: Uint8Array) => createHash("sha384").update(d).digest("hex");
const hex = (d: Uint8Array) => Buffer.from(d).toString("hex");
const ascii = (s: string) => new TextEncoder().encode(s);

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

describe("Sha384", () => {
  it("hashes the empty message to the FIPS 180-4 value", () => {
    expect(hex(sha384(shim, new Uint8Array(0)))).toBe(
      "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
    );
  });

  it('hashes "abc" to the FIPS 180-4 value', () => {
    expect(hex(sha384(shim, ascii("abc")))).toBe(
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    );
  });

  it("hashes the 896-bit FIPS 180-4 two-block message", () => {
    const m = ascii(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
    );
    expect(m.length).toBe(112);
    expect(hex(sha384(shim, m))).toBe(
      "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
    );
  });

  it("hashes one million 'a' bytes to the FIPS 180-4 value", () => {
    expect(hex(sha384(shim, new Uint8Array(1_000_000).fill(0x61)))).toBe(
      "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
    );
  });

  it("matches node:crypto on 1 MiB of random bytes, whole and in 64 KiB pieces", () => {
    const d = randomBytes(1 << 20);
    expect(hex(sha384(shim, d))).toBe(ref(d));
    expect(hex(sha384(shim, d, new Array(16).fill(0x10000)))).toBe(ref(d));
  });

  it("matches node:crypto at every length around the padding boundaries (0..300 bytes)", () => {
    const d = randomBytes(300);
    for (let n = 0; n <= 300; n++) expect(hex(sha384(shim, d.subarray(0, n))), `length ${n}`).toBe(ref(d.subarray(0, n)));
  });

  it("does not depend on how the message is split into update() pieces", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 40 }),
        (data, pieces) => {
          expect(hex(sha384(shim, data, pieces))).toBe(ref(data));
        },
      ),
      { numRuns: 300 },
    );
  });
});
