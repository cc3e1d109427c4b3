// A VM-description image and its DTB-only twin (the host device tree it generates, its imported
// regions and shim parameters, test/helpers/dtb_image.ts) boot identically: the twin's guest
// memory comes from the tree (host/harness/host_tree_guest.ts), so the shim sees the same inputs
// and gives the same VTL2 RAM, address space and types, MMIO, pool, kernel device tree, E820
// map, boot log, and the same servicing round trip.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadImage } from "../host/image/load.js";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { bootImage, bootFailure, prepareGuest, type BootImageResult } from "../host/harness/boot.js";
import { serviceImage } from "../host/harness/service.js";
import { IMAGES } from "./helpers/boot.js";
import { dtbImageOf } from "./helpers/dtb_image.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

const raw = (f: string) => JSON.parse(readFileSync(join(IMAGES, f), "utf8")) as Record<string, unknown>;

/** The boot's whole observable result: the contract object, the kernel DTB and the E820 map. */
function observed(b: BootImageResult) {
  return { output: b.output, kernelDtb: Buffer.from(b.kernelDtb).toString("hex"), e820: b.e820 };
}

/** Boots `f` and its DTB-only twin; returns both results (or failures). */
function bootBoth(f: string) {
  const r = loadImage(join(IMAGES, f));
  let vm: BootImageResult | null = null;
  let vmFailure = null;
  try {
    vm = bootImage(r, { shim });
  } catch (e) {
    vmFailure = bootFailure(e);
  }
  // The loaded VTL2 image (shim parameters, imported regions) even when the boot failed.
  const vtl2 = vm?.vtl2 ?? prepareVtl2(r);
  const twin = dtbImageOf(r, vtl2, raw(f));
  let dt: BootImageResult | null = null;
  let dtFailure = null;
  try {
    dt = bootImage(twin, { shim });
  } catch (e) {
    dtFailure = bootFailure(e);
  }
  return { r, twin, vm, vmFailure, dt, dtFailure };
}

/** The VTL2 image the loader writes for `r` (for an image whose boot fails). */
function prepareVtl2(r: ReturnType<typeof loadImage>) {
  return prepareGuest(r, undefined, shim).vtl2;
}

describe("a VM image and its host-device-tree twin boot identically", () => {
  it.each([
    "small.json",
    "typical.json",
    "vtl2-allocate.json",
    "pool.json",
    "pool-numa-split.json",
    "vtl2-mmio-host.json",
    "vtl2-mmio-carved.json",
    "snp.json",
    "tdx.json",
    "sidecar-2048.json",
    "sidecar-remote.json",
    "no-x2apic.json",
    "servicing-small.json",
    "max.json",
  ])("%s", (f) => {
    const b = bootBoth(f);
    expect(b.twin.vm).toBeNull();
    expect(b.vmFailure).toBeNull();
    expect(b.dtFailure).toBeNull();
    expect(observed(b.dt!)).toEqual(observed(b.vm!));
  });

  it.each(["fail-pool-too-large.json", "fail-vnode-exhausted.json", "fail-vtl2-mmio-too-small.json", "fail-vtl2-ram-below-measured.json"])(
    "%s fails the same way",
    (f) => {
      const b = bootBoth(f);
      expect(b.vmFailure).not.toBeNull();
      expect(b.dtFailure).toEqual(b.vmFailure);
    },
  );
});

describe("a VM image and its host-device-tree twin service identically (persisted state)", () => {
  it.each(["small.json", "typical.json", "vtl2-allocate.json", "pool-numa-split.json", "sidecar-2048.json", "max.json"])("%s", (f) => {
    const r = loadImage(join(IMAGES, f));
    const vm = serviceImage(r, { shim, noIoCpus: [1], ioCpus: [2] });
    const twin = serviceImage(dtbImageOf(r, vm.first.vtl2, raw(f)), { shim, noIoCpus: [1], ioCpus: [2] });
    expect(twin.output).toEqual(vm.output);
    expect(Buffer.from(twin.placed)).toEqual(Buffer.from(vm.placed));
    expect(twin.second.output.bootLog).toContain("[INFO] reading topology from persisted state");
  });
});

describe("images/small.dtb", () => {
  it("is the host device tree small.json generates (vtl0-import.json boots from it)", () => {
    expect(Buffer.from(readFileSync(join(IMAGES, "small.dtb")))).toEqual(Buffer.from(loadImage(join(IMAGES, "small.json")).hostDeviceTree));
  });
});
