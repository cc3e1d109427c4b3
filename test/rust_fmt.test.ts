import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";

// Oracle written by rustc 1.95 (upstream's rust-version): scripts/gen_rust_fmt_oracle.rs.
const oracle = JSON.parse(readFileSync(new URL("./fixtures/rust_fmt_oracle.json", import.meta.url), "utf8")) as {
  strs: [string, string][];
  lists: [[string, string][], string, string][];
  options: [string | null, string][];
};

function strDebug(shim: Shim, s: string): string {
  shim.reset();
  const bytes = new TextEncoder().encode(s);
  const p = shim.put(bytes);
  shim.call("fmt_str_debug", p, bytes.length);
  return shim.out().str();
}

function listDebug(shim: Shim, ranges: [string, string][], opt: string | null): [string, string, string] {
  shim.reset();
  const b = new Uint8Array(Math.max(16 * ranges.length, 1));
  const v = new DataView(b.buffer);
  ranges.forEach(([s, e], i) => {
    v.setBigUint64(16 * i, BigInt(s), true);
    v.setBigUint64(16 * i + 8, BigInt(e), true);
  });
  const p = shim.put(b);
  shim.call("fmt_range_list_debug", p, ranges.length, opt === null ? 0 : 1, BigInt(opt ?? 0));
  const r = shim.out();
  return [r.str(), r.str(), r.str()];
}

describe("fmtStrDebug (<str as Debug>)", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });
  it("escapes quotes, backslashes and the named controls", () => {
    expect(strDebug(shim, "q\"b\\s")).toBe("\"q\\\"b\\\\s\"");
    expect(strDebug(shim, "\0\t\n\r\x07\x1b\x7f")).toBe("\"\\0\\t\\n\\r\\u{7}\\u{1b}\\u{7f}\"");
  });
  it("escapes non-printable Unicode (NEL, NBSP, soft hyphen, ZWSP, BOM) and combining marks anywhere", () => {
    expect(strDebug(shim, "\u{85}\u{a0}\u{ad}\u{200b}\u{2028}\u{feff}")).toBe("\"\\u{85}\\u{a0}\\u{ad}\\u{200b}\\u{2028}\\u{feff}\"");
    expect(strDebug(shim, "a\u{301}")).toBe("\"a\\u{301}\"");
  });
  it("keeps printable non-ASCII, including astral chars, and escapes unassigned astral ones", () => {
    expect(strDebug(shim, "é日本\u{1F600}\u{10FFFF}")).toBe("\"é日本\u{1F600}\\u{10ffff}\"");
  });
  it("matches rustc on every oracle string", () => {
    const wrong = oracle.strs.filter(([s, d]) => strDebug(shim, s) !== d);
    expect(wrong).toEqual([]);
    expect(oracle.strs.length).toBeGreaterThan(400);
  });
});

describe("range slice and Option Debug ({:x?}, {:#x?})", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });
  it("matches rustc for empty, one and two ranges", () => {
    for (const [ranges, hex, pretty] of oracle.lists) {
      const [h, p] = listDebug(shim, ranges, null);
      expect(h).toBe(hex);
      expect(p).toBe(pretty);
    }
  });
  it("matches rustc for None and Some of u64", () => {
    for (const [v, text] of oracle.options) expect(listDebug(shim, [], v)[2]).toBe(text);
  });
});
