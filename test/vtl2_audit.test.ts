// Regression tests from the exactness audit of the host-side VTL2 image construction against
// vm/loader/src/paravisor.rs, igvmfilegen's imported-regions page and OpenVMM's IGVM loader.
import { describe, it, expect } from "vitest";
import { computeVtl2Layout } from "../host/vtl2/layout.js";
import { InputError } from "../host/errors.js";
import { GuestMemory } from "../host/guest/guest_memory.js";
import { loadVtl2Image, type Vtl2ImageInput } from "../host/vtl2/load.js";

const MB = 0x10_0000n;
const VTL2 = 0x1_0000_0000n;

describe("load_openhcl_arm64 layout (audit)", () => {
  it("places the initrd at the first 2 MiB boundary after the kernel (InitrdAddressType::AfterKernel)", () => {
    const initrd = new Uint8Array(0x1234);
    const l = computeVtl2Layout("aarch64", "none", VTL2, 64n * MB, { kernelSize: 0x30_1000n, initrd });
    // kernel 2 MiB .. 2 MiB + 0x301000; the next 2 MiB boundary is 6 MiB.
    expect(l.kernel).toEqual({ start: VTL2 + 2n * MB, end: VTL2 + 2n * MB + 0x30_1000n });
    expect(l.initrd).toEqual({ start: VTL2 + 6n * MB, end: VTL2 + 6n * MB + 0x1234n });
    // The shim follows the initrd's end, page aligned.
    expect(l.shim.start).toBe(VTL2 + 6n * MB + 0x2000n);
  });

  it("reports missing memory before refusing hardware isolation (the isolation panic comes later)", () => {
    expect(() => computeVtl2Layout("aarch64", "snp", VTL2, 2n * MB)).toThrow(
      new InputError("vtl2Size: memory used: 13422592 is greater than available"),
    );
    expect(() => computeVtl2Layout("aarch64", "tdx", VTL2, 64n * MB)).toThrow(
      new InputError("isolation: only None and VBS are supported for ARM64"),
    );
  });
});

// Guest memory with RAM at 0..1 GiB and VTL2 (64 MiB) at 4 GiB.
function guest(): GuestMemory {
  return GuestMemory.build({
    ram: [{ start: 0n, end: 0x4000_0000n, vnode: 0 }],
    mmio: [{ start: 0xf000_0000n, end: VTL2 }],
    vtl2Range: { start: VTL2, end: VTL2 + 64n * MB },
  });
}

function load(extra: Partial<Vtl2ImageInput> = {}) {
  return loadVtl2Image(guest(), {
    arch: "x86_64",
    isolation: "none",
    vtl2Base: VTL2,
    vtl2Size: 64n * MB,
    hostDeviceTree: new Uint8Array(0),
    ...extra,
  });
}

/** Descriptors as [first page, page count, accepted]. */
function triples(img: ReturnType<typeof loadVtl2Image>): [bigint, bigint, boolean][] {
  return img.importedRegions.map((r) => [r.basePageNumber, r.pageCount, r.accepted]);
}

describe("imported regions page (igvmfilegen accepted ranges, audit)", () => {
  it("x86_64: one descriptor per import and per parameter area, sorted, the page itself included", () => {
    const img = load();
    const l = img.layout;
    const pg = (a: bigint) => a / 0x1000n;
    const pr = pg(l.parameterRegion.start);
    expect(triples(img)).toEqual([
      [0n, 1n, true], // VTL0 measured config
      [pg(l.kernel.start), 0xa00n, true],
      [pg(l.shim.start), 0x40n, true],
      [pg(l.gdt!.start), 1n, true],
      [pg(l.shimParams.start), 1n, true],
      [pg(l.commandLine.start), 1n, true],
      [pr, 20n, true], // underhill-slit
      [pr + 20n, 20n, true], // underhill-pptt
      [pr + 40n, 64n, true], // underhill-device-tree
      [pr + 104n, 1n, true], // loader-imported-regions
      [pr + 105n, 1n, true], // underhill-vtl2-measured-config
      [pg(l.logBuffer.start), 2n, true],
      [pg(l.heap.start), 16n, true],
      [pg(l.pageTables.start), 7n, true],
    ]);
  });

  it("SNP adds the VMSA (VP context) page beside the secrets and CPUID pages", () => {
    const img = load({ isolation: "snp" });
    const rp = img.layout.reserved!.start / 0x1000n;
    const reserved = triples(img).filter(([p]) => p >= rp && p < rp + 4n);
    expect(reserved).toEqual([
      [rp, 1n, true], // VMSA
      [rp + 1n, 1n, true], // CPUID
      [rp + 2n, 1n, true], // CPUID extended state
      [rp + 3n, 1n, true], // secrets
    ]);
  });

  it("TDX adds the reset-vector page 0xfffff, preaccepted", () => {
    const img = load({ isolation: "tdx" });
    // Sorted: the reset page (just below 4 GiB) comes right before VTL2 memory at 4 GiB.
    expect(triples(img)[1]).toEqual([0xfffffn, 1n, true]);
    expect(triples(img).filter(([, , a]) => !a).map(([p]) => p)).toEqual([img.layout.kernel.start / 0x1000n]);
  });

  it("lists the VTL0 measured config page even where the guest has no RAM (aarch64: page 0x1000)", () => {
    const img = loadVtl2Image(
      GuestMemory.build({ ram: [{ start: 0x4000_0000n, end: 0x8000_0000n, vnode: 0 }], mmio: [], vtl2Range: { start: VTL2, end: VTL2 + 64n * MB } }),
      { arch: "aarch64", isolation: "none", vtl2Base: VTL2, vtl2Size: 64n * MB, hostDeviceTree: new Uint8Array(0) },
    );
    expect(triples(img)[0]).toEqual([0x1000n, 1n, true]);
  });
});
