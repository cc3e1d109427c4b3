import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { loadImage } from "../host/image/load.js";
import { guestMemoryLayout, vtl2ImageInput } from "../host/image/inputs.js";
import { GuestMemory } from "../host/guest/guest_memory.js";
import { loadVtl2Image } from "../host/vtl2/load.js";

const images = join(__dirname, "..", "images");

describe("image → guest memory and VTL2 loader inputs", () => {
  it.each(["small.json", "typical.json", "vtl2-allocate.json"])("%s loads into guest memory with its host tree in the parameter region", (f) => {
    const r = loadImage(join(images, f));
    const gm = GuestMemory.build(guestMemoryLayout(r)!);
    const input = vtl2ImageInput(r);
    expect(input.vtl2Base).toBe(r.vm!.vtl2ImageRange.start);
    const img = loadVtl2Image(gm, input);
    expect(img.params.memoryStartAddress).toBe(r.vm!.vtl2ImageRange.start);
    // The device tree sits in the parameter region: read it back and compare.
    const dt = new Uint8Array(r.hostDeviceTree.length);
    const dtBase = img.params.parameterRegionStart + 40n * 4096n;
    expect(gm.read(dtBase, dt)).toBe(true);
    expect(Buffer.compare(Buffer.from(dt), Buffer.from(r.hostDeviceTree))).toBe(0);
  });
});

describe("resolveImageWith (no file system, for the browser)", () => {
  it("reads a named host device tree from the given files, and names a missing one", async () => {
    const { parseImage, resolveImageWith } = await import("../host/image/resolve.js");
    const blob = loadImage(join(images, "small.json")).hostDeviceTree;
    const img = parseImage({ hostDeviceTree: "host.dtb" });
    const r = resolveImageWith(img, (p) => (p === "host.dtb" ? blob : undefined));
    expect(r.hostDeviceTree).toBe(blob);
    expect(r.hostDeviceTreeSource).toBe("host.dtb");
    expect(() => resolveImageWith(parseImage({ hostDeviceTree: "nope.dtb" }), () => undefined)).toThrow(
      "<image>: hostDeviceTree: cannot read nope.dtb",
    );
  });
});
