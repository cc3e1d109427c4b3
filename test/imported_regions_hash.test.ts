// verify_imported_regions_hash in the whole boot: an isolated VM's imported regions that were not
// accepted at launch must still hash (SHA-384, in list order) to the value measured in the
// imported-regions page. The loader computes that value from the same guest memory, so an intact
// image boots and one changed byte in a pending region (or in the stored hash) panics.
import { describe, it, expect, beforeAll } from "vitest";
import { createHash } from "node:crypto";
import { join } from "node:path";
import fc from "fast-check";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { loadImage } from "../host/image/load.js";
import { guestMemoryLayout, vtl2ImageInput } from "../host/image/inputs.js";
import { GuestMemory } from "../host/guest/guest_memory.js";
import { loadVtl2Image, type Vtl2ImageInput, type ImportedRegionInput } from "../host/vtl2/load.js";
import { IMAGES, boot, type Loaded } from "./helpers/boot.js";
import { shimPanicOf } from "./helpers/panic.js";

const PAGE = 0x1000n;
const HASH_PAGE_INDEX = 104n; // imported-regions page of the parameter region
const MISMATCH = "Imported regions hash mismatch";

/**
 * Loads images/<name> after `edit` adjusted the VTL2 loader input and `regions` (when given)
 * rewrote the loader's default imported regions for that input.
 */
function loadWith(
  name: string,
  edit: (input: Vtl2ImageInput) => void = () => {},
  regions?: (defaults: ImportedRegionInput[]) => ImportedRegionInput[],
): Loaded {
  const r = loadImage(join(IMAGES, name));
  const input = vtl2ImageInput(r);
  edit(input);
  if (regions) {
    // The loader's default imported regions for this input, as inputs (the list it would write).
    const probe = loadVtl2Image(GuestMemory.build(guestMemoryLayout(r)!), input);
    input.importedRegions = regions(
      probe.importedRegions.map((d) => ({ start: d.basePageNumber * PAGE, end: (d.basePageNumber + d.pageCount) * PAGE, accepted: d.accepted })),
    );
  }
  const gm = GuestMemory.build(guestMemoryLayout(r)!);
  const img = loadVtl2Image(gm, input);
  return { r, gm, img };
}

const pending = (l: Loaded) => l.img.importedRegions.filter((d) => !d.accepted).map((d) => ({ start: d.basePageNumber * PAGE, end: (d.basePageNumber + d.pageCount) * PAGE }));
const hashGpa = (l: Loaded) => l.img.params.parameterRegionStart + HASH_PAGE_INDEX * PAGE;

/** Flips bit 0 of the guest byte at `gpa`. */
function flip(gm: GuestMemory, gpa: bigint): void {
  const b = new Uint8Array(1);
  gm.readAt(gpa, b);
  b[0] ^= 1;
  gm.writeAt(gpa, b);
}

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

describe("verify_imported_regions_hash", () => {
  it("boots images/snp.json: the measured hash is the SHA-384 of its one pending region (the kernel, 10 MiB)", () => {
    const l = loadWith("snp.json");
    const p = pending(l);
    expect(p).toEqual([{ start: 0x1_c040_0000n, end: 0x1_c0e0_0000n }]);
    const h = createHash("sha384");
    const buf = new Uint8Array(Number(p[0]!.end - p[0]!.start));
    l.gm.readAt(p[0]!.start, buf);
    h.update(buf);
    const stored = new Uint8Array(48);
    l.gm.readAt(hashGpa(l), stored);
    expect(Buffer.from(stored).equals(h.digest())).toBe(true);
    expect(boot(shim, l).handoff.kernelCommandLine).toContain("OPENHCL_CONFIDENTIAL=1");
  });

  it("hashes loaded bytes of pending regions (not only zeros): every multi-page region pending, then the kernel (10 MiB of zeros) and those after it", () => {
    // The loader skips hashing when all pending bytes are zero (a memoized digest); loaded pages
    // after zero ones must still be hashed in order, from the first byte. (Single pages keep their
    // default: the imported-regions page itself is written after the hash.)
    for (const pick of [(d: ImportedRegionInput[]) => d.map((x) => ({ ...x, accepted: x.end - x.start === PAGE ? x.accepted : false })), (d: ImportedRegionInput[]) => d.map((x) => ({ ...x, accepted: x.end - x.start === PAGE ? x.accepted : x.start < 0x1_c040_0000n }))]) {
      const l = loadWith("snp.json", undefined, pick);
      const h = createHash("sha384");
      let nonzero = false;
      for (const r of pending(l)) {
        const buf = new Uint8Array(Number(r.end - r.start));
        l.gm.readAt(r.start, buf);
        nonzero ||= buf.some((b) => b !== 0);
        h.update(buf);
      }
      expect(nonzero).toBe(true);
      const stored = new Uint8Array(48);
      l.gm.readAt(hashGpa(l), stored);
      expect(Buffer.from(stored).equals(h.digest())).toBe(true);
    }
  });

  for (const name of ["snp.json", "tdx.json"]) {
    it(`panics on ${name} when one byte of a pending region changed after loading`, () => {
      for (const at of ["first", "last"] as const) {
        const l = loadWith(name);
        const r = pending(l)[0]!;
        flip(l.gm, at === "first" ? r.start : r.end - 1n);
        const e = shimPanicOf(() => boot(shim, l));
        expect(e.message).toBe(MISMATCH);
        // It runs after setup_vtl2_memory and before the sidecar and the kernel command line.
        expect(e.log.at(-1)).toBe(`[ERROR] panicked: ${MISMATCH}`);
        expect(e.log.some((line) => line.includes("about to jump to kernel"))).toBe(false);
      }
    });
  }

  it("panics for any single changed byte inside the pending region (property)", () => {
    const base = loadWith("snp.json");
    const r = pending(base)[0]!;
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: r.end - r.start - 1n }), (off) => {
        const gm = base.gm.fork();
        flip(gm, r.start + off);
        expect(shimPanicOf(() => boot(shim, { ...base, gm })).message).toBe(MISMATCH);
      }),
      { numRuns: 12 },
    );
    // The untouched memory still boots.
    expect(() => boot(shim, { ...base, gm: base.gm.fork() })).not.toThrow();
  });

  it("panics when the measured hash itself differs, and ignores bytes just outside the pending region", () => {
    const l = loadWith("snp.json");
    flip(l.gm, hashGpa(l) + 47n);
    expect(shimPanicOf(() => boot(shim, l)).message).toBe(MISMATCH);

    // The page after the kernel is the accepted sidecar/shim area; a changed byte there is not hashed.
    const m = loadWith("snp.json");
    const r = pending(m)[0]!;
    const next = m.img.importedRegions.find((d) => d.basePageNumber * PAGE === r.end);
    expect(next?.accepted).toBe(true);
    flip(m.gm, r.end);
    flip(m.gm, r.start - 1n);
    expect(() => boot(shim, m)).not.toThrow();
  });

  it("skips the check when every imported region was accepted at launch, even with a wrong hash and changed memory", () => {
    const l = loadWith("snp.json", undefined, (defaults) => defaults.map((d) => ({ ...d, accepted: true })));
    expect(pending(l)).toEqual([]);
    flip(l.gm, 0x1_c040_0000n);
    flip(l.gm, hashGpa(l));
    expect(() => boot(shim, l)).not.toThrow();
  });

  it("skips the check on a non-isolated VM (servicing may change the regions), but not on VBS", () => {
    const withPending = (isolation: "none" | "vbs") => {
      let vtl2Base = 0n;
      return loadWith(
        "small.json",
        (input) => {
          input.isolation = isolation;
          // Loaded where it was built, so the imported regions lie in VTL2 RAM.
          delete input.fileBase;
          vtl2Base = input.vtl2Base;
        },
        (defaults) => {
          // The first imported region inside VTL2 RAM (the kernel) was not accepted.
          const first = defaults.findIndex((d) => d.start >= vtl2Base);
          expect(first).toBeGreaterThanOrEqual(0);
          return defaults.map((d, i) => ({ ...d, accepted: i !== first }));
        },
      );
    };
    const none = withPending("none");
    expect(pending(none).length).toBe(1);
    expect(() => boot(shim, withPending("none"))).not.toThrow();
    flip(none.gm, pending(none)[0]!.start);
    expect(() => boot(shim, none)).not.toThrow();

    const vbs = withPending("vbs");
    expect(vbs.img.hvIsolation).toBe(true);
    expect(() => boot(shim, vbs)).not.toThrow();
    const vbsBad = withPending("vbs");
    flip(vbsBad.gm, pending(vbsBad)[0]!.start);
    expect(shimPanicOf(() => boot(shim, vbsBad)).message).toBe(MISMATCH);
  });
});
