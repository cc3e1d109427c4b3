// Boots EVERY image in images/ through the real boot core and checks its `expect` (ok images: the
// address-space invariants too), then services every non-isolated ok image and checks that the
// servicing boot rebuilds the same topology (issue: `hclboot service` round-trips every
// non-isolated image, including pools split across NUMA nodes).
import { describe, it, expect, beforeAll } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadImage } from "../host/image/load.js";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { bootImage, bootFailure } from "../host/harness/boot.js";
import { serviceImage } from "../host/harness/service.js";
import type { BootOutput, RangeJson } from "../host/contract.js";

const dir = join(__dirname, "..", "images");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

const big = (r: RangeJson) => ({ start: BigInt(r.start), end: BigInt(r.end) });

/** Sorted by start, non-empty and pairwise disjoint. */
function expectSortedDisjoint(what: string, list: RangeJson[]): void {
  const rs = list.map(big);
  rs.forEach((r, i) => {
    expect(r.start < r.end, `${what}[${i}] is empty`).toBe(true);
    if (i > 0) expect(rs[i - 1]!.end <= r.start, `${what}[${i - 1}] and [${i}] overlap or are unsorted`).toBe(true);
  });
}

function expectInvariants(o: BootOutput): void {
  expectSortedDisjoint("addressSpace", o.addressSpace);
  expectSortedDisjoint("vtl2Ram", o.vtl2Ram);
  // every VTL2 range lies inside VTL2 RAM, on the node of the RAM range holding it
  for (const a of o.addressSpace) {
    const r = big(a);
    const ram = o.vtl2Ram.find((v) => BigInt(v.start) <= r.start && r.end <= BigInt(v.end));
    expect(ram, `${a.type} ${a.start}-${a.end} outside VTL2 RAM`).toBeDefined();
    expect(a.vnode).toBe(ram!.vnode);
  }
  // and the address space covers VTL2 RAM exactly
  const covered = o.addressSpace.reduce((s, a) => s + BigInt(a.end) - BigInt(a.start), 0n);
  expect(covered).toBe(o.vtl2Ram.reduce((s, v) => s + BigInt(v.end) - BigInt(v.start), 0n));
  // MMIO: VTL0 and VTL2 disjoint from each other and from RAM
  const mmio = [...o.vtl0Mmio, ...o.vtl2Mmio].sort((a, b) => (BigInt(a.start) < BigInt(b.start) ? -1 : 1));
  expectSortedDisjoint("vtl0Mmio+vtl2Mmio", mmio);
  for (const m of mmio) for (const r of o.partitionRam) expect(BigInt(m.end) <= BigInt(r.start) || BigInt(r.end) <= BigInt(m.start)).toBe(true);
  // sidecar nodes' memory lies in VTL2_SIDECAR_NODE ranges and the nodes cover every CPU once
  if (o.sidecar) {
    let vp = 0;
    for (const n of o.sidecar.nodes) {
      expect(n.baseVp).toBe(vp);
      vp += n.vpCount;
      const base = BigInt(n.memoryBase);
      const end = base + BigInt(n.memorySize);
      const node = o.addressSpace.find((a) => a.type === "VTL2_SIDECAR_NODE" && BigInt(a.start) <= base && end <= BigInt(a.end));
      expect(node, `sidecar node memory ${n.memoryBase}+${n.memorySize} outside VTL2_SIDECAR_NODE ranges`).toBeDefined();
    }
    expect(vp).toBe(o.cpuCount);
  }
}

describe("every image in images/ boots as its `expect` says", () => {
  it.each(files)("%s", (f) => {
    let r;
    try {
      r = loadImage(join(dir, f));
    } catch (e) {
      const want = JSON.parse(readFileSync(join(dir, f), "utf8")).expect ?? { ok: true };
      expect(want.ok, `${f}: ${(e as Error).message}`).toBe(false);
      expect(bootFailure(e).error.kind).toBe(want.kind ?? "input");
      // the loader's message names the image file first
      if (want.message) expect((e as Error).message).toBe(`${join(dir, f)}: ${want.message}`);
      return;
    }
    const want = r.image.expect ?? { ok: true };
    let out: BootOutput;
    try {
      out = bootImage(r, { shim }).output;
    } catch (e) {
      const f2 = bootFailure(e);
      expect(want.ok, `${f} failed: ${f2.error.kind}: ${f2.error.message}`).toBe(false);
      if (want.kind) expect(f2.error.kind).toBe(want.kind);
      if (want.message) expect(f2.error.message).toBe(want.message);
      return;
    }
    expect(want.ok, `${f} booted but expects a failure`).toBe(true);
    expect(out.ok).toBe(true);
    expect(out.arch).toBe(r.arch);
    expect(out.isolation).toBe(r.isolation);
    expectInvariants(out);
  });
});

describe("images designed to fail are named and documented as such", () => {
  const readme = readFileSync(join(dir, "README.md"), "utf8");
  const failing = readme.slice(readme.indexOf("## Designed to fail"));
  const want = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8")).expect ?? { ok: true };

  it.each(files)("%s: fail-* exactly when it expects a failure, with its kind and exact message", (f) => {
    const e = want(f);
    expect(f.startsWith("fail-"), `${f} expects ok=${e.ok}`).toBe(!e.ok);
    if (!e.ok) {
      expect(e.kind, `${f}: expect.kind`).toBeDefined();
      expect(e.message, `${f}: expect.message`).toBeDefined();
    }
  });

  it.each(files.filter((f) => f.startsWith("fail-")))("%s is listed under images/README.md's \"Designed to fail\"", (f) => {
    expect(failing).toContain(`**${f}**`);
  });
});

describe("servicing round-trips every non-isolated ok image with identical topology", () => {
  const serviced = files.filter((f) => {
    const r = loadImageOrNull(f);
    return r !== null && (r.image.expect?.ok ?? true) && (r.isolation === "none" || r.isolation === "vbs");
  });

  it("covers the pool, NUMA-split pool, sidecar and aarch64 images", () => {
    expect(serviced).toEqual(expect.arrayContaining(["pool.json", "pool-numa-split.json", "sidecar-2048.json", "sidecar-remote.json", "aarch64.json", "small.json"]));
  });

  it.each(serviced)("%s", (f) => {
    const r = loadImage(join(dir, f));
    const s = serviceImage(r, { shim, noIoCpus: [0], ioCpus: [] });
    expect(s.output.differences).toEqual([]);
    expect(s.output.agree).toBe(true);
    expect(s.output.second.bootLog.some((l) => l.endsWith("reading topology from persisted state"))).toBe(true);
    // a first boot reads the host device tree (unless the image carries its own persisted state)
    expect(s.output.first.bootLog.some((l) => l.endsWith("reading topology from persisted state"))).toBe(r.image.persistedState !== undefined);
    expect(s.output.second.addressSpace).toEqual(s.output.first.addressSpace);
    expectInvariants(s.output.second);
  });
});

describe("an image's own persistedState file", () => {
  it("servicing-small.json rebuilds small.json's topology from servicing-small.bin", () => {
    const first = bootImage(loadImage(join(dir, "small.json")), { shim }).output;
    const serviced = bootImage(loadImage(join(dir, "servicing-small.json")), { shim }).output;
    expect(serviced.bootLog).toContain("[INFO] reading topology from persisted state");
    expect(serviced.bootLog).toContain("[INFO] persisted state: cpus_with_mapped_interrupts_no_io=[1], cpus_with_outstanding_io=[2]");
    expect(serviced.addressSpace).toEqual(first.addressSpace);
    expect(serviced.vtl2Ram).toEqual(first.vtl2Ram);
    expect(serviced.vtl2Mmio).toEqual(first.vtl2Mmio);
  });
});

function loadImageOrNull(f: string) {
  try {
    return loadImage(join(dir, f));
  } catch {
    return null;
  }
}
