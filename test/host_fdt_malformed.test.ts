// Bad input to the host device tree parser: truncations, structural damage, random mutations
// (never a trap without message, never a hang; the single-pass walk always agrees with upstream's
// lazy walk), and `hclboot dt` exit codes.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { tryParseHostDt, type HostDtResult } from "../host/shim/host_fdt.js";
import { fixture, blob, be32, Struct, StringTable, minimalTree } from "./helpers/dtc.js";
import { resultOrPanic } from "./helpers/panic.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

type Outcome = HostDtResult | { panic: string };

/** Parses with one walk; a shim panic becomes an outcome (its message must be upstream's). */
function run(b: Uint8Array, upstreamOrder: boolean): Outcome {
  return resultOrPanic(() => tryParseHostDt(shim, b, { upstreamOrder }));
}

/** Both walks agree; a failure is one line of upstream text. */
function check(b: Uint8Array): Outcome {
  const fast = run(b, false);
  const slow = run(b, true);
  expect(fast).toEqual(slow);
  if ("panic" in fast) expect(fast.panic).toMatch(/^valid range: InvalidMemoryRange \{ start: \d+, end: \d+ \}$/);
  else if (!fast.ok) expect(fast.message).toMatch(/^Parsing failed due to: [^\n]+$/);
  return fast;
}

const message = (o: Outcome) => ("panic" in o ? o.panic : o.ok ? "ok" : o.message);

describe("structure damage", () => {
  it("reports each cut inside the structure block as upstream does", () => {
    const s = minimalTree();
    for (let cut = 0; cut < s.bytes.length; cut += 4) {
      const t = new Struct(s.strings);
      t.bytes.push(...s.bytes.slice(0, cut));
      const o = check(blob(t));
      expect("ok" in o && o.ok).toBe(false);
    }
  });

  it("reports an empty tree, a stray token and unbalanced nesting", () => {
    const st = () => new Struct(new StringTable());
    expect(message(check(blob(st().nop())))).toBe("Parsing failed due to: invalid device tree node with parent : No root node present");
    expect(message(check(blob(st().begin("").token(7).end())))).toBe(
      "Parsing failed due to: invalid device tree node with parent : Unable to parse FDT token when parsing nodes Unknown FDT token 7",
    );
    expect(message(check(blob(st().begin("").begin("cpus").end())))).toBe(
      "Parsing failed due to: invalid device tree node with parent : Unable to parse FDT token when parsing nodes Buffer too small to read token",
    );
  });

  it("reports a structural error after a node with a semantic error (upstream scans the whole tree first)", () => {
    const s = new Struct(new StringTable());
    s.begin("").begin("cpus").end().begin("x").token(9).end().end();
    expect(message(check(blob(s)))).toBe(
      "Parsing failed due to: invalid device tree node with parent : Unexpected token when parsing children nodes 9",
    );
  });

  it("reports a property after a root child as a bad child of the root", () => {
    const s = new Struct(new StringTable());
    s.begin("").begin("chosen").end().u32("late", 1).end();
    expect(message(check(blob(s)))).toBe("Parsing failed due to: invalid device tree node with parent : Unexpected token when parsing begin node 3");
  });

  it("names the root as the parent of a bad /openhcl child, as upstream does", () => {
    const s = new Struct(new StringTable());
    s.begin("root").begin("openhcl").str("memory-allocation-mode", "host").begin("a").end().u32("late", 1).end().end();
    expect(message(check(blob(s)))).toBe(
      "Parsing failed due to: invalid device tree node with parent root: Unexpected token when parsing begin node 3",
    );
  });

  it("accepts what upstream never looks at: a late property and a bad property name below a memory node", () => {
    const s = new Struct(new StringTable());
    s.begin("").begin("memory@0").u64("reg", 0n, 0x1000n).u32("numa-node-id", 0).begin("x").prop(9999, []).end().u32("late", 1).end();
    s.end();
    const o = check(blob(s));
    expect("ok" in o && o.ok && o.tree.memory).toEqual([{ start: 0n, end: 0x1000n, igvmType: 0, vnode: 0 }]);
  });

  it("reports a bad property name before the one looked for", () => {
    const s = new Struct(new StringTable());
    s.begin("").begin("chosen").prop(9999, []).str("bootargs", "x").end().end();
    expect(message(check(blob(s)))).toBe(
      "Parsing failed due to: reading node property failed: Property name string is not a valid string for node chosen: Invalid string block offset",
    );
  });

  it("handles 100000 levels of nesting in linear time", () => {
    const s = new Struct(new StringTable());
    s.begin("");
    for (let i = 0; i < 100000; i++) s.begin("n");
    for (let i = 0; i < 100000; i++) s.end();
    s.end();
    const t0 = performance.now();
    const o = check(blob(s));
    expect("ok" in o && o.ok).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe("random mutations of valid blobs", () => {
  const blobs = ["x86-small", "numa-vtl2", "aarch64-gic", "x86-serial", "openhcl-extras"].map((n) => fixture(n));
  blobs.push(blob(minimalTree()));

  it("never trap without a message, never hang, and both walks agree", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: blobs.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (which, edits) => {
          const b = blobs[which].slice();
          for (const [at, v] of edits) b[at % b.length] = v;
          check(b);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("survive structure-aware damage: random token words dropped in", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: blobs.length - 1 }),
        fc.nat(),
        fc.constantFrom(1, 2, 3, 4, 9, 0xffffffff, 0x7fffffff),
        (which, pos, word) => {
          const b = blobs[which].slice();
          const structOff = new DataView(b.buffer).getUint32(8);
          const structLen = new DataView(b.buffer).getUint32(36);
          const at = structOff + ((pos % (structLen / 4)) * 4);
          b.set(be32(word), at);
          check(b);
        },
      ),
      { numRuns: 800 },
    );
  });
});

describe("hclboot dt", () => {
  const dir = mkdtempSync(join(tmpdir(), "hclboot-dt-"));
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(__dirname, "..", "bin", "hclboot.js"), "dt", ...args], { encoding: "utf8" });

  it("prints the contract JSON and exits 0", () => {
    const f = join(dir, "ok.dtb");
    writeFileSync(f, fixture("x86-small", 42));
    const r = cli(f, "--json");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).slice(0, 12)).toEqual([
      "ok", "bootCpuidPhys", "cpus", "memory", "vmbusVtl0", "vmbusVtl2", "commandLine", "memoryAllocationMode",
      "deviceDmaPageCount", "entropy", "vtl0AliasMap", "nvmeKeepalive",
    ]);
    expect(j.bootCpuidPhys).toBe(42);
    expect(j.cpus[1]).toEqual({ reg: 42, vnode: 0 });
    expect(j.memory[1]).toEqual({ start: "0x400000", end: "0xfb8000", vnode: 0, igvmType: 3 });
    expect(j.vmbusVtl2).toEqual({ connectionId: 4, mmio: [{ start: "0x19190000", end: "0x191f4000" }] });
    expect(j.memoryAllocationMode).toEqual({ mode: "host" });
    const text = cli(f);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("cpus: 4 enabled (node 0: 4)");
  });

  it("exits 1 with a one-line dt error for a malformed blob", () => {
    const f = join(dir, "bad.dtb");
    const b = fixture("x86-small");
    b[0] = 0;
    writeFileSync(f, b);
    const r = cli(f);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("hclboot dt: dt: Parsing failed due to: invalid device tree: FDT header magic field invalid\n");
    const j = cli(f, "--json");
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({
      ok: false,
      error: { kind: "dt", message: "Parsing failed due to: invalid device tree: FDT header magic field invalid" },
    });
  });

  it("exits 1 for a truncated blob and for a structurally broken one", () => {
    const f = join(dir, "short.dtb");
    writeFileSync(f, fixture("x86-small").slice(0, 100));
    const r = cli(f);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exits 2 with an input error for a missing file", () => {
    const r = cli(join(dir, "missing.dtb"), "--json");
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.kind).toBe("input");
  });
});
