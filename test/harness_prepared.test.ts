// bootPrepared (host/harness/boot.ts): booting a prepared image many times gives exactly what
// bootImage gives, every time, and never changes the prepared guest memory.
import { describe, it, expect, beforeAll } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadImage } from "../host/image/load.js";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { bootImage, bootPrepared, prepareImage, bootFailure } from "../host/harness/boot.js";

const dir = join(__dirname, "..", "images");
let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

/** The contract object of a boot, or of its failure. */
function outcome(run: () => { output: unknown; kernelDtb: Uint8Array }): string {
  try {
    const r = run();
    return JSON.stringify(r.output) + Buffer.from(r.kernelDtb).toString("hex");
  } catch (e) {
    return JSON.stringify(bootFailure(e));
  }
}

describe("bootPrepared", () => {
  // Every image the loader accepts (fail-host-dt-overflow.json is refused before any boot).
  const images = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "fail-host-dt-overflow.json").sort();
  for (const f of images) {
    it(`boots ${f} three times exactly as bootImage does`, () => {
      const r = loadImage(join(dir, f));
      const expected = outcome(() => bootImage(r, { shim }));
      const p = prepareImage(r, undefined, shim);
      const pages = p.guest.materializedBytes;
      for (let i = 0; i < 3; i++) expect(outcome(() => bootPrepared(p, { shim }))).toBe(expected);
      expect(p.guest.materializedBytes).toBe(pages);
    });
  }

  it("gives each boot its own guest memory", () => {
    const p = prepareImage(loadImage(join(dir, "small.json")), undefined, shim);
    const a = bootPrepared(p, { shim });
    const b = bootPrepared(p, { shim });
    const at = a.vtl2.params.persistedState.start;
    a.guest.writeAt(at, new Uint8Array([1, 2, 3, 4]));
    const seen = new Uint8Array(4);
    b.guest.readAt(at, seen);
    expect([...seen]).toEqual([0, 0, 0, 0]);
    p.guest.readAt(at, seen);
    expect([...seen]).toEqual([0, 0, 0, 0]);
  });
});
