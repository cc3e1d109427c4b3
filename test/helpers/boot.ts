// Test helper: load an image from images/ into fresh guest memory with the VTL2 loader, and boot
// it through the whole boot core with the default hypervisor stub.
import { join } from "node:path";
import { loadImage, type ResolvedImage } from "../../host/image/load.js";
import { guestMemoryLayout, vtl2ImageInput } from "../../host/image/inputs.js";
import { GuestMemory } from "../../host/guest/guest_memory.js";
import { loadVtl2Image, type Vtl2Image } from "../../host/vtl2/load.js";
import type { Shim } from "../../host/wasm/loader.js";
import { attachHypervisor } from "../../host/hv/imports.js";
import { Hypervisor } from "../../host/hv/hypervisor.js";
import { runBoot, type BootResult } from "../../host/shim/boot.js";

/** The images/ folder. */
export const IMAGES = join(__dirname, "..", "..", "images");

/** A resolved image, its guest memory and the VTL2 image loaded into it. */
export interface Loaded {
  r: ResolvedImage;
  gm: GuestMemory;
  img: Vtl2Image;
}

/** Resolves images/<name> and loads its VTL2 image into new guest memory. */
export function load(name: string): Loaded {
  const r = loadImage(join(IMAGES, name));
  const gm = GuestMemory.build(guestMemoryLayout(r)!);
  const img = loadVtl2Image(gm, vtl2ImageInput(r));
  return { r, gm, img };
}

/** Runs the whole boot (`boot_run`) of a loaded image on `shim`. */
export function boot(shim: Shim, l: Loaded): BootResult {
  shim.setGuest(l.gm);
  attachHypervisor(shim, new Hypervisor(undefined, l.r.arch));
  return runBoot(shim, { shimBase: l.img.shimBase, rawOffset: l.img.shimParamsOffset, arch: l.r.arch, hvIsolation: l.img.hvIsolation });
}
