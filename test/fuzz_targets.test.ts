// The byte fuzz targets `dt` and `persisted` (host/fuzz/targets/dt.ts, persisted.ts): their seeds,
// the cross-checks (both walk orders, protobufjs) and that each check really catches a difference.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { dtSeeds, fixtureDtbs, imageHostDeviceTrees, persistedSeeds } from "../host/fuzz/seeds.js";
import { compareWalks, dtTarget, minimalFdt, runHostDt } from "../host/fuzz/targets/dt.js";
import { compareWithProtobufjs, persistedTarget, runSavedState } from "../host/fuzz/targets/persisted.js";
import { commonShape, referenceDecode } from "../host/fuzz/targets/persisted_oracle.js";
import { plugins } from "../host/fuzz/targets/plugins.js";
import { Rng } from "../host/fuzz/rng.js";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../host/cli/main.js";
import { mutateBytes } from "../host/fuzz/mutate.js";
import { shrinkBytes } from "../host/fuzz/shrink.js";
import { mutateWire, parseWire, writeWire } from "../host/fuzz/targets/protobuf_wire.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});
afterEach(() => {
  delete plugins.dt;
  delete plugins.persisted;
});

/** A protobuf key byte (field < 16). */
const key = (field: number, wire: number): number => (field << 3) | wire;
/** Length-delimited field `field` holding `body`. */
const ld = (field: number, body: number[]): number[] => [key(field, 2), body.length, ...body];

describe("dt seeds", () => {
  it("has the host tree of every resolvable image and every dts fixture, all parsing cleanly", () => {
    const images = readdirSync("images").filter((n) => n.endsWith(".json"));
    expect(imageHostDeviceTrees().length).toBeGreaterThanOrEqual(images.length - 1); // fail-host-dt-overflow does not resolve
    expect(fixtureDtbs().length).toBe(readdirSync("test/fixtures/dts").filter((n) => n.endsWith(".dts")).length);
    const seeds = dtSeeds();
    expect(seeds.length).toBeGreaterThanOrEqual(8);
    for (const s of seeds) {
      const r = runHostDt(shim, s);
      expect(r.ok ? "ok" : r.error.message).toBe("ok");
      expect(compareWalks(shim, s, r)).toBeNull();
    }
  });
});

describe("dt target", () => {
  it("passes the seeds and a mutated blob ending at an upstream error", () => {
    const t = dtTarget(dtSeeds());
    t.prepare(shim);
    for (const s of t.seeds) expect(t.run(shim, s)).toEqual({ ok: true });
    const bad = minimalFdt().slice();
    bad[0] = 0; // magic
    expect(t.run(shim, bad)).toMatchObject({ ok: true, failedAt: expect.stringContaining("host_fdt_parser") });
  });
  it("flags a walk that disagrees with the upstream-order walk", () => {
    const seed = dtSeeds()[0]!;
    plugins.dt = (s, b) => {
      const r = runHostDt(s, b);
      return r.ok ? { ok: true, value: { ...(r.value as object), commandLine: "tampered" } } : r;
    };
    const v = dtTarget([seed]).run(shim, seed);
    expect(v).toMatchObject({ ok: false, kind: "invariant" });
    expect(!v.ok && v.message).toContain("invariant dt-walk-order: single-pass walk and upstream-order walk disagree");
  });
  it("flags a runner error no upstream site prints, and a host exception", () => {
    const seed = minimalFdt();
    plugins.dt = () => ({ ok: false, error: { kind: "dt", message: "Parsing failed due to: made up" } });
    expect(dtTarget().run(shim, seed)).toMatchObject({ ok: false, kind: "unknown-failure" });
    plugins.dt = () => {
      throw new TypeError("boom");
    };
    expect(dtTarget().run(shim, seed)).toMatchObject({ ok: false, kind: "exception", message: expect.stringContaining("boom") });
  });
  it("writes a .dtb plus an image naming it, replayed by fuzz --replay", () => {
    const r = dtTarget().reproducer(minimalFdt(), "dt-x-1");
    expect(Object.keys(r.files)).toEqual(["dt-x-1.dtb", "dt-x-1.json"]);
    expect(JSON.parse(new TextDecoder().decode(r.files["dt-x-1.json"]))).toEqual({ name: "dt-x-1", hostDeviceTree: "dt-x-1.dtb", shim: { memoryStart: "0x8000000", memorySize: "0x2000000" } });
    expect(r.replay).toBe("hclboot fuzz --target dt --replay {dir}/dt-x-1.dtb");
  });
  it("writes an image that hclboot boot replays to the same parse error", async () => {
    const bad = minimalFdt().slice();
    bad[bad.length - 1] = 0; // the END token (a blob without magic is "no device tree provided by host")
    const dir = mkdtempSync(join(tmpdir(), "hclboot-dt-"));
    const r = dtTarget().reproducer(bad, "dt-bad");
    for (const [n, b] of Object.entries(r.files)) writeFileSync(join(dir, n), b);
    const out: string[] = [];
    const log = console.log;
    console.log = (x: unknown) => void out.push(String(x));
    try {
      expect(await main(["boot", join(dir, "dt-bad.json"), "--json"])).toBe(1);
    } finally {
      console.log = log;
    }
    const parse = runHostDt(shim, bad);
    expect(JSON.parse(out.join("\n")).error.message).toContain(!parse.ok ? parse.error.message : "?");
  });
});

describe("persisted seeds", () => {
  it("are payloads of the common wire shape that the boot core decodes as protobufjs does", () => {
    const seeds = persistedSeeds();
    expect(seeds.length).toBeGreaterThan(20);
    let big = 0;
    for (const s of seeds) {
      expect(commonShape(s)).toBe(true);
      const r = runSavedState(shim, s);
      if (!r.ok) {
        expect(r.error.message).toMatch(/^memory allocation of \d+ bytes failed$/); // CPU lists past the 64 KiB heap
        big++;
      }
      expect(compareWithProtobufjs(shim, s, r)).toBeNull();
    }
    expect(big).toBeLessThan(seeds.length);
  });
});

describe("commonShape", () => {
  const range = ld(1, [key(1, 0), 0x80, 0x20, key(2, 0), 0x80, 0x40]); // start 0x1000, end 0x2000
  it("accepts a plain entry, and unknown fields of wire types 0, 1, 2, 5", () => {
    expect(commonShape(Uint8Array.from(ld(1, range)))).toBe(true);
    expect(commonShape(Uint8Array.from([...ld(1, range), key(9, 0), 1, key(9, 1), 0, 0, 0, 0, 0, 0, 0, 0, ...ld(9, [1]), key(9, 5), 0, 0, 0, 0]))).toBe(true);
  });
  it("rejects what protobufjs reads differently from mesh_protobuf", () => {
    expect(commonShape(Uint8Array.from([key(0, 0), 1]))).toBe(false); // field 0
    expect(commonShape(Uint8Array.from([key(3, 0), 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBe(false); // 6-byte u32
    expect(commonShape(Uint8Array.from([key(9, 3), key(9, 4)]))).toBe(false); // group
    expect(commonShape(Uint8Array.from([key(1, 0), 1]))).toBe(false); // message field as varint
    expect(commonShape(Uint8Array.from(ld(3, [0x80])))).toBe(false); // packed list ending inside a varint
  });
  it("compares a singular message given twice: both decoders merge it", () => {
    const merged = Uint8Array.from(ld(1, [...ld(1, [key(1, 0), 0x80, 0x20]), ...ld(1, [key(2, 0), 0x80, 0x40])]));
    expect(commonShape(merged)).toBe(true);
    const r = runSavedState(shim, merged);
    expect(r.ok && (r.value as { partitionMemory: unknown[] }).partitionMemory).toEqual([{ start: 0x1000n, end: 0x2000n, vnode: 0, vtlType: 0, igvmType: 0 }]);
    expect(referenceDecode(merged)!.partitionMemory[0]).toMatchObject({ start: 0x1000n, end: 0x2000n });
    expect(compareWithProtobufjs(shim, merged, r)).toBeNull();
  });
  it("leaves a known field of the wrong wire type to the failure-text check (protobufjs skips it)", () => {
    const wrong = Uint8Array.from(ld(1, [key(2, 5), 1, 0, 0, 0]));
    expect(commonShape(wrong)).toBe(false);
    expect(referenceDecode(wrong)!.partitionMemory).toEqual([{ start: 0n, end: 0n, vnode: 0, vtlType: 0, igvmType: 0 }]);
    const r = runSavedState(shim, wrong);
    expect(!r.ok && r.error.message).toBe("failed to decode protobuf: Error(ErrorInner { types: [], err: ExpectedVarInt })");
  });
});

describe("persisted target", () => {
  it("flags a decode that differs from protobufjs", () => {
    const seed = persistedSeeds()[0]!;
    plugins.persisted = (s, b) => {
      const r = runSavedState(s, b);
      if (!r.ok) return r;
      const v = r.value as { partitionMemory: { vnode: number }[] };
      return { ok: true, value: { ...v, partitionMemory: v.partitionMemory.map((e) => ({ ...e, vnode: e.vnode + 1 })) } };
    };
    const v = persistedTarget([seed]).run(shim, seed);
    expect(v).toMatchObject({ ok: false, kind: "invariant", message: expect.stringContaining("boot core and protobufjs decode differently") });
  });
  it("passes truncated payloads at mesh_protobuf's error texts", () => {
    const t = persistedTarget();
    const seed = persistedSeeds()[0]!;
    expect(t.run(shim, seed.subarray(0, seed.length - 1))).toMatchObject({ ok: true, site: "dt.protobuf-decode" });
    expect(t.run(shim, Uint8Array.from([key(1, 7)]))).toMatchObject({ ok: true, site: "dt.protobuf-decode" });
  });
  it("generates payloads from random topologies", () => {
    const t = persistedTarget();
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) expect(t.run(shim, t.generate(rng))).toMatchObject({ ok: true });
  });
});

describe("byte mutation never writes into its input", () => {
  it("leaves a Node Buffer (protobufjs output is one) unchanged through 2000 mutations and a shrink", () => {
    const buf = Buffer.from(persistedSeeds()[1]!);
    const before = Buffer.from(buf);
    const rng = new Rng(11);
    for (let i = 0; i < 2000; i++) mutateBytes(buf, rng, [buf]);
    for (const _ of shrinkBytes(buf)) void _;
    expect(buf.equals(before)).toBe(true);
  });
});

describe("protobuf wire mutation", () => {
  it("round-trips every seed exactly", () => {
    for (const s of persistedSeeds()) expect(writeWire(parseWire(s)!)).toEqual(s);
  });
  it("keeps most mutants in the common shape, so they are compared with protobufjs", () => {
    const seeds = persistedSeeds();
    const rng = new Rng(4);
    let shaped = 0;
    for (let i = 0; i < 500; i++) if (commonShape(mutateWire(rng.pick(seeds), rng)!)) shaped++;
    expect(shaped).toBeGreaterThan(250);
    expect(shaped).toBeLessThan(500); // and some leave it (wrong wire types, misplaced fields)
  });
  it("writes over-long varints and re-packs lists", () => {
    expect(writeWire([{ num: 3, wire: 0, value: 1n, pad: 2 }])).toEqual(Uint8Array.from([key(3, 0), 0x81, 0x80, 0x00]));
    expect(mutateWire(Uint8Array.from([0xff]), new Rng(1))).toBeNull();
  });
});
