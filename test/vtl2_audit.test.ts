// Regression tests from the exactness audit of the host-side VTL2 image construction against
// vm/loader/src/paravisor.rs, igvmfilegen's imported-regions page and OpenVMM's IGVM loader.
import { describe, it, expect } from "vitest";
import { computeVtl2Layout } from "../host/vtl2/layout.js";
import { InputError } from "../host/errors.js";
import { GuestMemory } from "../host/guest/guest_memory.js";
import { loadVtl2Image, type Vtl2ImageInput } from "../host/vtl2/load.js";
import { parseImage, resolveImageWith } from "../host/image/resolve.js";
import { guestMemoryLayout, vtl2ImageInput } from "../host/image/inputs.js";
import { MemoryRange } from "../host/layout/memory_range.js";

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

describe("relocation by OpenVMM's IGVM loader (audit)", () => {
  const FILE = 128n * MB;
  const NEW = 0x1_3000_0000n; // 4 GiB + 768 MiB: a 512 MiB image here crosses the 5 GiB boundary
  const SIZE = 512n * MB;
  function relocated(extra: Partial<Vtl2ImageInput> = {}) {
    const gm = GuestMemory.build({ ram: [{ start: 0n, end: 0x4000_0000n, vnode: 0 }], mmio: [{ start: 0xf000_0000n, end: VTL2 }], vtl2Range: { start: NEW, end: NEW + SIZE } });
    return loadVtl2Image(gm, { arch: "x86_64", isolation: "none", vtl2Base: NEW, vtl2Size: SIZE, fileBase: FILE, hostDeviceTree: new Uint8Array(0), ...extra });
  }

  it("keeps the file's page-table count (counted at 128 MiB, not at the new base)", () => {
    const img = relocated();
    const atFile = computeVtl2Layout("x86_64", "none", FILE, SIZE);
    expect(atFile.pageTables.end - atFile.pageTables.start).toBe(7n * 0x1000n);
    expect(computeVtl2Layout("x86_64", "none", NEW, SIZE).pageTables.end - computeVtl2Layout("x86_64", "none", NEW, SIZE).pageTables.start).toBe(9n * 0x1000n);
    expect(img.layout.pageTables).toEqual({ start: atFile.pageTables.start + (NEW - FILE), end: atFile.pageTables.end + (NEW - FILE) });
    expect(img.params.used).toEqual({ start: NEW, end: atFile.usedEnd + (NEW - FILE) });
    expect(img.shimBase).toBe(atFile.shim.start + (NEW - FILE));
  });

  it("writes the file's offsets: absent initrd and sidecar entry resolve relative to the relocated shim", () => {
    const img = relocated();
    const atFile = computeVtl2Layout("x86_64", "none", FILE, SIZE);
    // Offsets are the file's (address 0 minus the file's shim base) ...
    expect(img.raw.initrd_offset).toBe(-atFile.shim.start);
    expect(img.raw.sidecar_entry_offset).toBe(-atFile.shim.start);
    // ... so the shim sees them moved by the relocation offset.
    expect(img.params.initrdBase).toBe(NEW - FILE);
    expect(img.params.sidecarEntryAddress).toBe(NEW - FILE);
  });

  it("leaves the imported-regions page listing the file's page numbers", () => {
    const img = relocated();
    const atFile = computeVtl2Layout("x86_64", "none", FILE, SIZE);
    const pages = img.importedRegions.map((r) => r.basePageNumber);
    expect(pages).toContain(atFile.shim.start / 0x1000n);
    expect(pages).not.toContain(img.shimBase / 0x1000n);
  });

  it("refuses a base the relocation header does not allow, with the header's Debug form", () => {
    const gm = GuestMemory.build({ ram: [{ start: 0n, end: 0x4000_0000n, vnode: 0 }], mmio: [], vtl2Range: null });
    const heapEnd = computeVtl2Layout("x86_64", "none", FILE, 64n * MB).heap.end;
    expect(() =>
      loadVtl2Image(gm, { arch: "x86_64", isolation: "none", vtl2Base: 64n * MB, vtl2Size: 64n * MB, fileBase: FILE, hostDeviceTree: new Uint8Array(0) }),
    ).toThrow(
      new InputError(
        "vtl2Base: relocated base address is not supported by relocation header IgvmRelocatableRegion { base_gpa: 134217728, " +
          `size: ${heapEnd - FILE}, relocation_alignment: 2097152, minimum_relocation_gpa: 134217728, maximum_relocation_gpa: 281474976710656, ` +
          "is_vtl2: true, apply_rip_offset: true, apply_gdtr_offset: true, vp_index: 0, vtl: Vtl2 }",
      ),
    );
    expect(() =>
      loadVtl2Image(gm, { arch: "x86_64", isolation: "vbs", vtl2Base: 256n * MB, vtl2Size: 64n * MB, fileBase: FILE, hostDeviceTree: new Uint8Array(0) }),
    ).toThrow(new InputError("vtl2Base: relocation not supported in igvm file"));
  });
});

describe("image inputs per Vtl2BaseAddressType (audit)", () => {
  const vm = (vtl2: Record<string, unknown>) => ({ cpus: { count: 2 }, memory: { size: "0x100000000" }, vtl2 });
  it("memory-layout: a layout range larger than the file still gives the shim the file's memory size", () => {
    const r = resolveImageWith(parseImage({ vm: vm({ mode: "memory-layout", size: "0x40000000", igvmSize: "0x4000000" }) }), () => undefined);
    expect(r.vm!.vtl2ImageRange.len).toBe(0x4000_0000n);
    const input = vtl2ImageInput(r);
    expect(input).toMatchObject({ vtl2Base: r.vm!.vtl2ImageRange.start, vtl2Size: 0x400_0000n, fileBase: 128n * MB });
    const img = loadVtl2Image(GuestMemory.build(guestMemoryLayout(r)!), input);
    expect(img.params.memorySize).toBe(0x400_0000n);
    expect(img.params.memoryStartAddress).toBe(r.vm!.vtl2ImageRange.start);
  });

  it("absolute: only the address is taken; the image keeps the file's size", () => {
    const r = resolveImageWith(
      parseImage({ vm: vm({ mode: "absolute", range: { start: "0x20000000", end: "0x40000000" }, igvmSize: "0x4000000" }) }),
      () => undefined,
    );
    expect(r.vm!.vtl2ImageRange).toEqual(new MemoryRange(0x2000_0000n, 0x2400_0000n));
    expect(vtl2ImageInput(r)).toMatchObject({ vtl2Base: 0x2000_0000n, vtl2Size: 0x400_0000n, fileBase: 128n * MB });
  });

  it("file and vtl2-allocate: no relocation", () => {
    for (const mode of ["file", "vtl2-allocate"]) {
      const r = resolveImageWith(parseImage({ vm: vm({ mode, igvmSize: "0x4000000" }) }), () => undefined);
      const input = vtl2ImageInput(r);
      expect(input.fileBase).toBeUndefined();
      expect(input).toMatchObject({ vtl2Base: 128n * MB, vtl2Size: 0x400_0000n });
    }
  });
});
