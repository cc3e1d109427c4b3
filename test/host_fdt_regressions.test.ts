// Regression tests from the exactness audit of the device-tree code against upstream
// (support/fdt, openhcl/host_fdt_parser): each case failed before its fix.
import { describe, it, expect, beforeAll } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { tryParseHostDt } from "../host/shim/host_fdt.js";
import { blob, Struct, StringTable } from "./helpers/dtc.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

describe("ParsedDeviceTree::parse (state across calls)", () => {
  it("does not reuse a property name resolved in an earlier blob's strings block", () => {
    // Blob A: "reg" sits at offset 100 of a long strings block.
    const a = new StringTable();
    a.offset("x".repeat(99));
    const regOff = a.offset("reg");
    expect(regOff).toBe(100);
    const sa = new Struct(a);
    sa.begin("").begin("memory@0").prop(regOff, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0]).u32("numa-node-id", 0).end().end();
    const ra = tryParseHostDt(shim, blob(sa));
    expect(ra.ok).toBe(true);

    // Blob B: the same name offset lies past its (short) strings block, so upstream fails the
    // property search with an invalid name offset.
    const b = new StringTable();
    const sb = new Struct(b);
    sb.begin("").begin("memory@0").prop(regOff, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0]).u32("numa-node-id", 0).end().end();
    expect(b.bytes.length).toBeLessThan(regOff);
    const expected =
      "Parsing failed due to: reading node property failed: Property name string is not a valid string for node memory@0: Invalid string block offset";
    const fast = tryParseHostDt(shim, blob(sb));
    const slow = tryParseHostDt(shim, blob(sb), { upstreamOrder: true });
    expect(slow).toEqual({ ok: false, kind: 3, message: expected });
    expect(fast).toEqual(slow);
  });
});
