// The host FDT writer's ASCII fast path and buffer reuse change no byte: every generated image's
// host tree and random call sequences (ASCII and not) give the previous writer's blob, and dtc
// round-trips the trees.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FdtWriter } from "../host/fdt/writer.js";
import { ReferenceFdtWriter } from "./helpers/fdt_writer_reference.js";
import { dtc, dtcDecode } from "./helpers/dtc.js";
import {
  buildDeviceTree, writeHostTree, DEVICE_TREE_BUFFER_SIZE, DEVICE_TREE_STRING_TABLE_CAP,
} from "../host/image/host_device_tree.js";
import { parseImage, resolveVm, type ResolvedVm } from "../host/image/resolve.js";
import { benchImage, sweepConfigs } from "../host/bench/sweep.js";

const imagesDir = join(import.meta.dirname, "..", "images");

function referenceTree(vm: ResolvedVm): Uint8Array {
  const w = new ReferenceFdtWriter({ bufferSize: DEVICE_TREE_BUFFER_SIZE, stringTableCap: DEVICE_TREE_STRING_TABLE_CAP });
  writeHostTree(w, vm);
  return w.build(vm.vps[0]!.apicId);
}

/** Every VM the repository generates trees for: images/*.json with a `vm`, and the bench sweep. */
function vms(): { name: string; vm: ResolvedVm }[] {
  const out: { name: string; vm: ResolvedVm }[] = [];
  for (const f of readdirSync(imagesDir).filter((n) => n.endsWith(".json")).sort()) {
    const image = parseImage(JSON.parse(readFileSync(join(imagesDir, f), "utf8")), f);
    if (image.vm) out.push({ name: f, vm: resolveVm(image.vm, f) });
  }
  const seen = new Set<string>();
  for (const c of sweepConfigs(true)) {
    const key = `${c.cpus}/${c.nodes}/${c.ranges}/${c.mode}/${c.sidecar}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ name: key, vm: resolveVm(parseImage(benchImage(c), key).vm!, key) });
  }
  return out;
}

describe("host FDT writer output", () => {
  const all = vms();

  it("covers the images and the sweep shapes (2048 CPUs, 1024 ranges)", () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.some((v) => v.vm.vps.length === 2048)).toBe(true);
  });

  it("is byte-identical to the previous writer for every generated tree, built repeatedly", () => {
    for (const { name, vm } of all) {
      const ref = referenceTree(vm);
      // Twice: the second build reuses the first one's buffer (old bytes in it).
      for (let k = 0; k < 2; k++) expect(Buffer.from(buildDeviceTree(vm)).equals(Buffer.from(ref)), `${name} build ${k}`).toBe(true);
    }
  });

  it("round-trips through dtc (decode, compile, decode gives the same source)", () => {
    for (const { name, vm } of all.filter((v) => v.vm.vps.length <= 256)) {
      const dts = dtcDecode(buildDeviceTree(vm));
      expect(dtcDecode(dtc(dts)), name).toBe(dts);
    }
  });
});

// A random writer script: nodes with names, properties of every kind, strings ASCII or not.
type Op =
  | { k: "node"; name: string; ops: Op[] }
  | { k: "u32"; v: number }
  | { k: "u64"; v: bigint }
  | { k: "u64s"; v: bigint[] }
  | { k: "u32s"; v: number[] }
  | { k: "str"; v: string }
  | { k: "strs"; v: string[] }
  | { k: "null" }
  | { k: "parts"; v: Uint8Array[] };

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 6 }), fc.constantFrom("", "a", "é", "\u{1f600}x"));
const leaf: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant("u32" as const), v: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ k: fc.constant("u64" as const), v: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ k: fc.constant("u64s" as const), v: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 4 }) }),
  fc.record({ k: fc.constant("u32s" as const), v: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 4 }) }),
  fc.record({ k: fc.constant("str" as const), v: text }),
  fc.record({ k: fc.constant("strs" as const), v: fc.array(text, { maxLength: 3 }) }),
  fc.constant({ k: "null" as const }),
  fc.record({ k: fc.constant("parts" as const), v: fc.array(fc.uint8Array({ maxLength: 7 }), { maxLength: 3 }) }),
);
const { tree } = fc.letrec<{ tree: Op; op: Op }>((tie) => ({
  tree: fc.record({ k: fc.constant("node" as const), name: text, ops: fc.array(tie("op"), { maxLength: 5 }) }),
  op: fc.oneof({ depthSize: "small" }, leaf, tie("tree")),
}));

interface AnyWriter {
  addString(s: string): number;
  startNode(n: string): unknown;
  endNode(): unknown;
  addU32(p: number, v: number): unknown;
  addU64(p: number, v: bigint): unknown;
  addU64Array(p: number, v: bigint[]): unknown;
  addU32Array(p: number, v: number[]): unknown;
  addStr(p: number, v: string): unknown;
  addStrArray(p: number, v: string[]): unknown;
  addNull(p: number): unknown;
  addPropArray(p: number, v: Uint8Array[]): unknown;
  build(cpu: number): Uint8Array;
}

function run(w: AnyWriter, root: Op, names: string[]): string | Uint8Array {
  try {
    const ids = names.map((n) => w.addString(n));
    let i = 0;
    const id = () => ids[i++ % ids.length]!;
    const walk = (op: Op) => {
      switch (op.k) {
        case "node": w.startNode(op.name); op.ops.forEach(walk); w.endNode(); break;
        case "u32": w.addU32(id(), op.v); break;
        case "u64": w.addU64(id(), op.v); break;
        case "u64s": w.addU64Array(id(), op.v); break;
        case "u32s": w.addU32Array(id(), op.v); break;
        case "str": w.addStr(id(), op.v); break;
        case "strs": w.addStrArray(id(), op.v); break;
        case "null": w.addNull(id()); break;
        case "parts": w.addPropArray(id(), op.v); break;
      }
    };
    walk(root);
    return w.build(7);
  } catch (e) {
    return (e as Error).message;
  }
}

/** Builds a blob of `size` bytes that is mostly 0xff, leaving that buffer for the next writer. */
function dirty(size: number): void {
  const n = Math.floor((size - 88) / 4) * 4;
  if (n < 0) return;
  const w = new FdtWriter({ bufferSize: size, stringTableCap: 4 });
  const p = w.addString("p");
  w.startNode("").addPropArray(p, [new Uint8Array(n).fill(0xff)]).endNode();
  expect(w.build(0).length).toBeLessThanOrEqual(size);
}

describe("host FDT writer against the previous writer (property)", () => {
  it("gives the same blob or the same error for random scripts, sizes and string tables", () => {
    fc.assert(
      fc.property(tree, fc.array(text, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 64 }), (root, names, size, cap) => {
        const b = run(new ReferenceFdtWriter({ bufferSize: size, stringTableCap: cap }), root, names);
        expect(run(new FdtWriter({ bufferSize: size, stringTableCap: cap }), root, names)).toEqual(b);
        // Again in a buffer a previous blob filled with 0xff (the writer reuses its buffer).
        dirty(size);
        expect(run(new FdtWriter({ bufferSize: size, stringTableCap: cap }), root, names)).toEqual(b);
      }),
      { numRuns: 400 },
    );
  });

  it("refuses use after build (the buffer went to the next writer)", () => {
    const w = new FdtWriter({ bufferSize: 256, stringTableCap: 16 });
    w.startNode("").endNode();
    w.build(0);
    expect(() => w.startNode("x")).toThrow("fdt writer: used after build");
    expect(() => w.build(0)).toThrow("fdt writer: used after build");
  });
});
