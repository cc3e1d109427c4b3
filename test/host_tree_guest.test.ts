// Images that name a host device tree instead of describing a VM (host/harness/host_tree_guest.ts):
// guest RAM is every memory range the tree describes, MMIO its VMBus ranges, the processors its
// CPUs; imported regions are checked as upstream checks them (the loader only needs them to be
// guest RAM, the shim's main.rs walk decides whether one outside VTL2 RAM was accepted); a tree
// the shim rejects still reaches the shim; a tree that contradicts the image's other fields is
// an input error naming both values.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadImage, parseImage, resolveImageWith, type ResolvedImage } from "../host/image/load.js";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { bootImage, bootFailure, prepareGuest } from "../host/harness/boot.js";
import { hostTreeGuest } from "../host/harness/host_tree_guest.js";
import { IMAGES } from "./helpers/boot.js";
import { dtc, dtcDecode } from "./helpers/dtc.js";
import type { Failure } from "../host/contract.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

const hex = (v: bigint) => "0x" + v.toString(16);
const region = (start: bigint, end: bigint, accepted: boolean) => ({ start: hex(start), end: hex(end), accepted });
/** The host device tree images/<f> generates (or names). */
const treeOf = (f: string) => loadImage(join(IMAGES, f)).hostDeviceTree;
const SMALL_VTL2 = { memoryStart: "0x1c0000000", memorySize: "0x20000000" };

/** Resolves an inline image naming `tree` as host.dtb. */
function dtImage(tree: Uint8Array, fields: Record<string, unknown>): ResolvedImage {
  return resolveImageWith(parseImage({ hostDeviceTree: "host.dtb", ...fields }, "t.json"), (rel) => (rel === "host.dtb" ? tree : undefined), "t.json");
}

/** Boots `r`: the contract object, or the failure object (kind, message, boot log). */
function outcome(r: ResolvedImage): { ok: true; log: string[] } | Failure {
  try {
    const o = bootImage(r, { shim }).output;
    return { ok: true, log: o.bootLog };
  } catch (e) {
    return bootFailure(e);
  }
}

function failure(r: ResolvedImage): { kind: string; message: string } {
  const o = outcome(r);
  if (o.ok) throw new Error("the boot completed");
  return { kind: o.error.kind, message: o.error.message };
}

describe("guest memory of a host-device-tree image (what OpenVMM builds for the tree)", () => {
  it("backs every memory range of the tree on its node, with the VMBus ranges as MMIO gaps", () => {
    const r = dtImage(treeOf("typical.json"), { shim: { memoryStart: "0x40c0000000", memorySize: "0x20000000" } });
    expect(hostTreeGuest(r, shim).layout).toEqual({
      ram: [
        { start: 0x0n, end: 0xf8000000n, vnode: 0 },
        { start: 0x100000000n, end: 0x2008000000n, vnode: 0 },
        { start: 0x2008000000n, end: 0x4008000000n, vnode: 1 },
        { start: 0x40c0000000n, end: 0x40e0000000n, vnode: 0 },
      ],
      mmio: [
        { start: 0xf8000000n, end: 0x100000000n },
        { start: 0x4040000000n, end: 0x4060000000n },
        { start: 0x4080000000n, end: 0x40c0000000n },
      ],
    });
    const { guest } = prepareGuest(r, undefined, shim);
    expect(guest.isBacked(0n, 0xf8000000n)).toBe(true);
    expect(guest.isBacked(0x2008000000n, 0x2000000000n)).toBe(true);
    expect(guest.isBacked(0xf8000000n, 0x1000n)).toBe(false);
  });

  it("takes the VM's processors from the tree: APIC ids with holes boot (VP index = tree order)", () => {
    // 3 VPs per socket: APIC ids 0-2, 4-6 (a socket spans 4 ids).
    const json = JSON.parse(readFileSync(join(IMAGES, "small.json"), "utf8"));
    json.vm.cpus = { count: 6, vpsPerSocket: 3 };
    const vm = resolveImageWith(parseImage(json, "vm.json"), () => undefined, "vm.json");
    expect(vm.vm!.vps.map((v) => v.apicId)).toEqual([0, 1, 2, 4, 5, 6]);
    const r = dtImage(vm.hostDeviceTree, { shim: SMALL_VTL2 });
    expect(hostTreeGuest(r, shim).vpIds).toEqual([0n, 1n, 2n, 4n, 5n, 6n]);
    expect(bootImage(r, { shim }).output.cpuCount).toBe(6);
  });
});

describe("imported regions outside VTL2 RAM (shim_main's walk in main.rs)", () => {
  const vtl2 = region(0x1c0000000n, 0x1e0000000n, true);

  it("a VTL0 page at 0x0 imported accepted boots", () => {
    const o = outcome(dtImage(treeOf("small.json"), { shim: SMALL_VTL2, importedRegions: [region(0n, 0x1000n, true), vtl2] }));
    expect(o.ok).toBe(true);
  });

  it("the same page not accepted at launch panics with upstream's text", () => {
    expect(failure(dtImage(treeOf("small.json"), { shim: SMALL_VTL2, importedRegions: [region(0n, 0x1000n, false), vtl2] }))).toEqual({
      kind: "panic",
      message: "range MemoryRange {\n    start: 0x0,\n    end: 0x1000,\n} not in vtl2 ram was not preaccepted at launch",
    });
  });

  // RAM 0x100000000-0x140000000 (node 0) touches the VTL2 range 0x140000000-0x160000000.
  const touching = () => {
    const json = JSON.parse(readFileSync(join(IMAGES, "small.json"), "utf8"));
    json.vm.memory = {
      ranges: [
        { start: "0x0", end: "0x80000000", vnode: 0 },
        { start: "0x100000000", end: "0x140000000", vnode: 0 },
      ],
      mmioGaps: [
        { start: "0x80000000", end: "0x100000000" },
        { start: "0x200000000", end: "0x220000000" },
      ],
    };
    json.vm.vtl2 = { mode: "memory-layout", range: { start: "0x140000000", end: "0x160000000" } };
    delete json.vm.vtl2ChipsetMmio;
    return resolveImageWith(parseImage(json, "vm.json"), () => undefined, "vm.json").hostDeviceTree;
  };
  const straddle = (accepted: boolean) =>
    dtImage(touching(), {
      shim: { memoryStart: "0x140000000", memorySize: "0x20000000" },
      importedRegions: [region(0x13fffe000n, 0x140002000n, accepted), region(0x140002000n, 0x160000000n, true)],
    });

  it("a region straddling VTL2 RAM, accepted: its part outside VTL2 RAM passes the walk", () => {
    expect(outcome(straddle(true)).ok).toBe(true);
  });

  it("a region straddling VTL2 RAM, not accepted: the panic names only its part outside VTL2 RAM", () => {
    expect(failure(straddle(false))).toEqual({
      kind: "panic",
      message: "range MemoryRange {\n    start: 0x13fffe000,\n    end: 0x140000000,\n} not in vtl2 ram was not preaccepted at launch",
    });
  });

  it("in VTL2 allocation mode a region straddling the file's VTL2 range hits allocate_vtl2_ram's assertion", () => {
    const r = dtImage(treeOf("vtl2-allocate.json"), {
      shim: { memoryStart: "0x8000000", memorySize: "0x20000000" },
      importedRegions: [region(0x7ffe000n, 0x8002000n, true), region(0x8002000n, 0x28000000n, true)],
    });
    expect(failure(r)).toEqual({
      kind: "panic",
      message:
        "imported range MemoryRange {\n    start: 0x7ffe000,\n    end: 0x8002000,\n} overlaps vtl2 range and is not fully contained within vtl2 range",
    });
  });

  it("the loader refuses a region only where the VMM has no RAM: in an MMIO gap, or partly in one", () => {
    const tree = treeOf("small.json");
    expect(failure(dtImage(tree, { shim: SMALL_VTL2, importedRegions: [region(0xf8000000n, 0xf8001000n, true), vtl2] }))).toEqual({
      kind: "input",
      message: "importedRegions[0]: 0xf8000000-0xf8001000 is not guest RAM",
    });
    expect(failure(dtImage(tree, { shim: SMALL_VTL2, importedRegions: [region(0xf7fff000n, 0xf8001000n, true), vtl2] })).message).toBe(
      "importedRegions[0]: 0xf7fff000-0xf8001000 is not guest RAM",
    );
  });

  it("TDX's reset page 0xfffff is the one accepted import the host reports no RAM for", () => {
    const reset = region(0xfffff000n, 0x100000000n, true);
    const tdx = outcome(dtImage(treeOf("small.json"), { isolation: "tdx", shim: SMALL_VTL2, importedRegions: [reset, vtl2] }));
    expect(tdx.ok).toBe(true);
    expect(failure(dtImage(treeOf("small.json"), { shim: SMALL_VTL2, importedRegions: [reset, vtl2] })).message).toBe(
      "importedRegions[0]: 0xfffff000-0x100000000 is not guest RAM",
    );
  });
});

describe("a tree the shim rejects still reaches the shim", () => {
  it("a bad FDT magic is the shim's DtError, not an input error, even with an import outside VTL2 memory", () => {
    const tree = treeOf("small.json").slice();
    tree[0] = 0xd1;
    const f = failure(dtImage(tree, { shim: SMALL_VTL2, importedRegions: [region(0n, 0x1000n, false), region(0x1c0000000n, 0x1e0000000n, true)] }));
    expect(f).toEqual({
      kind: "dt",
      message: "host provided device tree is invalid: Parsing failed due to: invalid device tree: FDT header magic field invalid",
    });
  });

  it("an empty blob is the shim's `no device tree provided by host`", () => {
    expect(failure(dtImage(new Uint8Array(0), { shim: SMALL_VTL2 }))).toEqual({ kind: "dt", message: "no device tree provided by host" });
  });
});

describe("a tree that contradicts the image's other fields is an input error naming both", () => {
  it("VTL2 memory outside the VTL2 memory the tree reports (host allocation mode)", () => {
    expect(failure(dtImage(treeOf("small.json"), { shim: { memoryStart: "0x80000000", memorySize: "0x20000000" } }))).toEqual({
      kind: "input",
      message:
        "t.json: shim.memoryStart: VTL2 memory 0x80000000-0xa0000000 (shim.memoryStart/memorySize) is not inside the VTL2 memory its host device tree reports (microsoft,igvm-type 3: 0x1c0000000-0x1e0000000)",
    });
  });

  it("VTL2 memory that is not RAM in a VTL2-allocation-mode tree", () => {
    expect(failure(dtImage(treeOf("vtl2-allocate.json"), { shim: { memoryStart: "0x500000000", memorySize: "0x20000000" } }))).toEqual({
      kind: "input",
      message:
        't.json: shim.memoryStart: VTL2 memory 0x500000000-0x520000000 (shim.memoryStart/memorySize) is not RAM in the host device tree (memory-allocation-mode "vtl2"; its memory: 0x0-0xf8000000, 0x100000000-0x408000000)',
    });
  });

  it("an x86_64 image whose tree describes a GICv3", () => {
    const f = failure(dtImage(readFileSync(join(IMAGES, "aarch64.dtb")), { shim: { memoryStart: "0x140000000", memorySize: "0x20000000" } }));
    expect(f.kind).toBe("input");
    expect(f.message).toMatch(/^t\.json: arch: the image says "x86_64" but its host device tree \(host\.dtb\) describes a GICv3 interrupt controller \(distributor at 0xffff0000\), which only an aarch64 VM has$/);
  });

  it("a tree reporting no VTL2 memory (host mode, no igvm type 3): the shim uses the measured range", () => {
    const noType3 = dtcDecode(treeOf("small.json")).replace(/microsoft,igvm-type = <0x03>/g, "microsoft,igvm-type = <0x00>");
    const o = outcome(dtImage(dtc(noType3), { shim: SMALL_VTL2 }));
    expect(o.ok && o.log).toContain("[INFO] using measured vtl2 ram");
    // Without the VTL2 memory node at all, VTL2 memory is still backed (the VMM loaded the image
    // there) and the shim reports that it is not partition RAM, as upstream's write_dt does.
    const noVtl2 = noType3.replace(/\n\tmemory@1c0000000 \{[^}]*\};/, "");
    expect(noVtl2).not.toContain("memory@1c0000000");
    expect(failure(dtImage(dtc(noVtl2), { shim: SMALL_VTL2 }))).toEqual({
      kind: "panic",
      message: "vtl2 range MemoryRange { start: 7516192768, end: 7516196864 } not contained in partition ram",
    });
  });
});
