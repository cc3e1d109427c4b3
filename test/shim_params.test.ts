import { describe, it, expect, beforeAll } from "vitest";
import { GuestMemory, type GuestMemoryLayout } from "../host/guest/guest_memory.js";
import { loadVtl2Image, type Vtl2ImageInput } from "../host/vtl2/load.js";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { readShimParams, type ShimLocation } from "../host/shim/shim_params.js";
import { shimPanicOf } from "./helpers/panic.js";

const MB = 0x10_0000n;
const VTL2 = 0x1_0000_0000n;
const VTL2_SIZE = 64n * MB;

function vm(): GuestMemoryLayout {
  return {
    ram: [{ start: 0n, end: 0x4000_0000n, vnode: 0 }],
    mmio: [{ start: 0xf000_0000n, end: VTL2 }],
    vtl2Range: { start: VTL2, end: VTL2 + VTL2_SIZE },
  };
}

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

/** Loads a default image into fresh guest memory attached to the shim. */
function boot(extra: Partial<Vtl2ImageInput> = {}) {
  const gm = GuestMemory.build(vm());
  shim.setGuest(gm);
  const img = loadVtl2Image(gm, {
    arch: "x86_64",
    isolation: "none",
    vtl2Base: VTL2,
    vtl2Size: VTL2_SIZE,
    hostDeviceTree: new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]),
    ...extra,
  });
  const at: ShimLocation = { shimBase: img.shimBase, shimParamsOffset: img.shimParamsOffset, arch: extra.arch ?? "x86_64", hvIsolation: img.hvIsolation };
  return { gm, img, at };
}

function poke32(gm: GuestMemory, gpa: bigint, v: number) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  gm.writeAt(gpa, b);
}

function poke64(gm: GuestMemory, gpa: bigint, v: bigint) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  gm.writeAt(gpa, b);
}

describe("shim_parameters (reading through guest memory)", () => {
  it("panics with the fault message when the shim parameters page is not mapped", () => {
    const { gm, at, img } = boot();
    gm.setRamVisibility({ start: VTL2, end: VTL2 + VTL2_SIZE }, "unmapped");
    const p = shimPanicOf(() => readShimParams(shim, at));
    expect(p.message).toBe(`guest memory fault: read of 192 bytes at 0x${img.layout.shimParams.start.toString(16)}`);
    expect(p.log).toEqual([`[ERROR] panicked: ${p.message}`]);
  });

  it("panics with the fault message when the command line lies outside guest memory", () => {
    const { gm, at, img } = boot();
    // cmdline_offset pointing into the MMIO gap
    poke64(gm, img.layout.shimParams.start + 8n, 0xf000_0000n - img.shimBase);
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe("guest memory fault: read of 4096 bytes at 0xf0000000");
  });
});

describe("get_isolation_type", () => {
  it("x86_64: an unknown supported type panics", () => {
    const { gm, at, img } = boot();
    poke32(gm, img.layout.shimParams.start + 36n, 7);
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe("unexpected isolation type");
  });

  it("aarch64: anything but VBS panics with the type's Debug form", () => {
    const { gm, at, img } = boot({ arch: "aarch64" });
    poke32(gm, img.layout.shimParams.start + 36n, 2);
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe("unexpected isolation type SNP");
    poke32(gm, img.layout.shimParams.start + 36n, 9);
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe("unexpected isolation type 9");
  });

  it("x86_64: VBS is None unless the hypervisor reports isolation", () => {
    const { at } = boot({ isolation: "vbs" });
    expect(readShimParams(shim, at).isolationType).toBe("vbs");
    expect(readShimParams(shim, { ...at, hvIsolation: false }).isolationType).toBe("none");
  });
});

describe("ShimParams::new range checks", () => {
  it("panics on an unaligned log buffer exactly as MemoryRange::new asserts", () => {
    const { at } = boot({ shim: { logBufferStart: VTL2 + 0x800n } });
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
  });

  it("checks the bounce buffer before the log buffer, and only when its size is nonzero", () => {
    const { at } = boot({ shim: { bounceBufferStart: VTL2 + 0x800n, logBufferSize: 0x1800n } });
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe("assertion failed: range.end & (PAGE_SIZE - 1) == 0");
    const b = boot({ shim: { bounceBufferStart: VTL2 + 0x800n, bounceBufferSize: 0x20_0000n, logBufferSize: 0x1800n } });
    expect(shimPanicOf(() => readShimParams(shim, b.at)).message).toBe("assertion failed: range.start & (PAGE_SIZE - 1) == 0");
  });
});

describe("ParavisorCommandLine::command_line", () => {
  it("returns the static text and its policy", () => {
    const { at } = boot({ commandLine: { policy: "static", text: "a=1 b=ü" } });
    expect(readShimParams(shim, at).commandLine).toEqual({ policy: 0, staticCommandLineLen: 8, text: "a=1 b=ü" });
  });

  it("gives None for bytes that are not UTF-8 (overlong, surrogate, truncated)", () => {
    for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0x41, 0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xff]]) {
      const { gm, at, img } = boot();
      const page = new Uint8Array(4 + bad.length);
      page.set([1, 0, bad.length, 0]);
      page.set(bad, 4);
      gm.writeAt(img.layout.commandLine.start, page);
      expect(readShimParams(shim, at).commandLine.text).toBeNull();
    }
  });

  it("accepts the maximal valid sequences (U+10FFFF, 3-byte U+FFFF)", () => {
    const { at } = boot({ commandLine: { policy: "static", text: "\u{10ffff}\uffff" } });
    expect(readShimParams(shim, at).commandLine.text).toBe("\u{10ffff}\uffff");
  });

  it("panics like the slice index when the declared length exceeds 4092", () => {
    const { gm, at, img } = boot();
    gm.writeAt(img.layout.commandLine.start + 2n, Uint8Array.of(0xfd, 0x0f)); // 4093
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe("range end index 4093 out of range for slice of length 4092");
  });
});

describe("ShimParams::imported_regions", () => {
  it("stops at the first descriptor with a zero page count", () => {
    const { at } = boot({
      importedRegions: [
        { start: VTL2, end: VTL2 + 0x2000n, accepted: true },
        { start: VTL2 + 0x10000n, end: VTL2 + 0x11000n, accepted: false },
      ],
    });
    expect(readShimParams(shim, at).importedRegions).toEqual([
      { start: VTL2, end: VTL2 + 0x2000n, accepted: true },
      { start: VTL2 + 0x10000n, end: VTL2 + 0x11000n, accepted: false },
    ]);
  });

  it("reads all 168 descriptors when the page is full", () => {
    const many = Array.from({ length: 168 }, (_, i) => ({ start: BigInt(i) * 0x2000n, end: BigInt(i) * 0x2000n + 0x1000n, accepted: i % 2 === 0 }));
    const { at } = boot({ importedRegions: many });
    const r = readShimParams(shim, at).importedRegions;
    expect(r).toHaveLength(168);
    expect(r[167]).toEqual({ start: 167n * 0x2000n, end: 167n * 0x2000n + 0x1000n, accepted: false });
  });

  it("panics when a descriptor's addresses wrap (try_new fails)", () => {
    const { gm, at, img } = boot();
    const page = img.params.parameterRegionStart + 104n * 0x1000n;
    poke64(gm, page + 48n, 0xf_ffff_ffff_ffffn); // base page → start 0xfffffffffffff000
    poke64(gm, page + 56n, 2n); // end wraps to 0x1000
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe(
      "page number conversion into addresses results in a valid address range: InvalidMemoryRange { start: 18446744073709547520, end: 4096 }",
    );
  });

  it("asserts the imported-regions page lies inside the parameter region", () => {
    const { at } = boot({ shim: { parameterRegionSize: 104n * 0x1000n } });
    expect(shimPanicOf(() => readShimParams(shim, at)).message).toBe(
      "assertion failed: imported_region_page_address + hvdef::HV_PAGE_SIZE <= self.parameter_region_start + self.parameter_region_size",
    );
  });
});
