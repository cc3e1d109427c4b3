import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { GuestMemory, type GuestMemoryLayout } from "../host/guest/guest_memory.js";
import { loadVtl2Image, type Vtl2ImageInput, type ShimOverrides } from "../host/vtl2/load.js";
import { computeVtl2Layout, calculatePdeTableCount } from "../host/vtl2/layout.js";
import {
  SHIM_PARAMS_RAW,
  PARAVISOR_COMMAND_LINE,
  IMPORTED_REGION_DESCRIPTOR,
  IMPORTED_REGIONS_PAGE_HEADER,
  IMPORTED_REGIONS_MAX,
  decodeShimParamsRaw,
} from "../host/vtl2/defs.js";
import { InputError } from "../host/errors.js";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { readShimParams, readShimDeviceTree, type ShimLocation } from "../host/shim/shim_params.js";
import { panicOf } from "./helpers/panic.js";

const MB = 0x10_0000n;
const GB = 0x4000_0000n;
const VTL2 = 0x1_0000_0000n; // VTL2 memory at 4 GiB, 64 MiB
const VTL2_SIZE = 64n * MB;

function vm(): GuestMemoryLayout {
  return {
    ram: [{ start: 0n, end: GB, vnode: 0 }],
    mmio: [{ start: 0xf000_0000n, end: VTL2 }],
    vtl2Range: { start: VTL2, end: VTL2 + VTL2_SIZE },
  };
}

const DTB = Uint8Array.from([0xd0, 0x0d, 0xfe, 0xed, ...Array.from({ length: 60 }, (_, i) => i)]);

function input(extra: Partial<Vtl2ImageInput> = {}): Vtl2ImageInput {
  return {
    arch: "x86_64",
    isolation: "none",
    vtl2Base: VTL2,
    vtl2Size: VTL2_SIZE,
    hostDeviceTree: DTB,
    commandLine: { policy: "append-chosen", text: "OPENHCL_BOOT_LOG=1 console=ttyS0" },
    ...extra,
  };
}

function loc(img: ReturnType<typeof loadVtl2Image>, arch: "x86_64" | "aarch64" = "x86_64"): ShimLocation {
  return { shimBase: img.shimBase, shimParamsOffset: img.shimParamsOffset, arch, hvIsolation: img.hvIsolation };
}

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

describe("repr(C) layouts (loader_defs)", () => {
  it("ShimParamsRaw has upstream's field offsets and is 192 bytes", () => {
    const expected: [string, number][] = [
      ["kernel_entry_offset", 0], ["cmdline_offset", 8], ["initrd_offset", 16], ["initrd_size", 24],
      ["initrd_crc", 32], ["supported_isolation_type", 36], ["memory_start_offset", 40], ["memory_size", 48],
      ["parameter_region_offset", 56], ["parameter_region_size", 64], ["vtl2_reserved_region_offset", 72],
      ["vtl2_reserved_region_size", 80], ["sidecar_offset", 88], ["sidecar_size", 96], ["sidecar_entry_offset", 104],
      ["used_start", 112], ["used_end", 120], ["bounce_buffer_start", 128], ["bounce_buffer_size", 136],
      ["log_buffer_start", 144], ["log_buffer_size", 152], ["heap_start_offset", 160], ["heap_size", 168],
      ["persisted_state_region_offset", 176], ["persisted_state_region_size", 184],
    ];
    expect(Object.entries(SHIM_PARAMS_RAW.offsets)).toEqual(expected);
    expect(SHIM_PARAMS_RAW.size).toBe(192);
  });

  it("ParavisorCommandLine fills exactly one page", () => {
    expect(PARAVISOR_COMMAND_LINE.offsets).toEqual({ policy: 0, static_command_line_len: 2, static_command_line: 4 });
    expect(PARAVISOR_COMMAND_LINE.size).toBe(4096);
  });

  it("ImportedRegionDescriptor is 24 bytes after a 48-byte hash header; 168 fit a page", () => {
    expect(IMPORTED_REGIONS_PAGE_HEADER.offsets).toEqual({ sha384_hash: 0 });
    expect(IMPORTED_REGIONS_PAGE_HEADER.size).toBe(48);
    expect(IMPORTED_REGION_DESCRIPTOR.offsets).toEqual({ base_page_number: 0, page_count: 8, accepted: 16, padding: 17 });
    expect(IMPORTED_REGION_DESCRIPTOR.size).toBe(24);
    expect(IMPORTED_REGIONS_MAX).toBe(168);
  });

  it("writes the bytes of each struct where the layout says, little-endian", () => {
    const gm = GuestMemory.build(vm());
    const img = loadVtl2Image(gm, input({ importedRegions: [{ start: VTL2 + 0x3000n, end: VTL2 + 0x5000n, accepted: false }] }));
    const page = new Uint8Array(4096);
    gm.readAt(img.layout.shimParams.start, page);
    const dv = new DataView(page.buffer);
    expect(dv.getBigInt64(112, true)).toBe(VTL2 - img.shimBase); // used_start, negative offset
    expect(dv.getBigInt64(112, true) < 0n).toBe(true);
    expect(dv.getUint32(36, true)).toBe(1); // VBS for a non-isolated VM
    expect(dv.getBigUint64(184, true)).toBe(2n * MB);
    expect(page.subarray(192).every((b) => b === 0)).toBe(true);
    expect(decodeShimParamsRaw(page.subarray(0, 192))).toEqual(img.raw);

    gm.readAt(img.layout.commandLine.start, page);
    const text = "OPENHCL_BOOT_LOG=1 console=ttyS0";
    expect([page[0], page[1], page[2], page[3]]).toEqual([1, 0, text.length, 0]);
    expect(new TextDecoder().decode(page.subarray(4, 4 + text.length))).toBe(text);

    gm.readAt(img.layout.parameterRegion.start + 104n * 0x1000n, page);
    const d = new DataView(page.buffer);
    expect(d.getBigUint64(48, true)).toBe((VTL2 + 0x3000n) / 0x1000n);
    expect(d.getBigUint64(56, true)).toBe(2n);
    expect(page[64]).toBe(0);
    expect(d.getBigUint64(72 + 8, true)).toBe(0n); // terminator
    const zeros = createHash("sha384").update(new Uint8Array(0x2000)).digest();
    expect(Buffer.from(page.subarray(0, 48)).equals(zeros)).toBe(true);
  });
});

describe("load_openhcl_x64 layout", () => {
  it("places each area where paravisor.rs does (non-isolated, 64 MiB at 4 GiB)", () => {
    const l = computeVtl2Layout("x86_64", "none", VTL2, VTL2_SIZE);
    const k = VTL2 + 2n * MB;
    const s = k + 0xa0_0000n;
    expect(l.persistedState).toEqual({ start: VTL2, end: VTL2 + 2n * MB });
    expect(l.bounceBuffer).toBeNull();
    expect(l.kernel).toEqual({ start: k, end: s });
    expect(l.sidecar).toEqual({ start: s, end: s });
    expect(l.shim).toEqual({ start: s, end: s + 0x40000n });
    expect(l.gdt).toEqual({ start: s + 0x40000n, end: s + 0x41000n });
    expect(l.shimParams).toEqual({ start: s + 0x41000n, end: s + 0x42000n });
    expect(l.commandLine).toEqual({ start: s + 0x42000n, end: s + 0x43000n });
    expect(l.reserved).toEqual({ start: s + 0x43000n, end: s + 0x47000n });
    expect(l.parameterRegion).toEqual({ start: s + 0x47000n, end: s + 0x47000n + 106n * 0x1000n });
    expect(l.logBuffer).toEqual({ start: s + 0xb1000n, end: s + 0xb3000n });
    expect(l.heap).toEqual({ start: s + 0xb3000n, end: s + 0xc3000n });
    expect(l.pageTables).toEqual({ start: s + 0xc3000n, end: s + 0xca000n }); // 5 + 2*1 pages
    expect(l.usedEnd).toBe(s + 0xca000n);
  });

  it("adds the 2 MiB bounce buffer and TDX's extra page-table pages for hardware isolation", () => {
    const l = computeVtl2Layout("x86_64", "tdx", VTL2, VTL2_SIZE);
    expect(l.bounceBuffer).toEqual({ start: VTL2 + 2n * MB, end: VTL2 + 4n * MB });
    expect(l.kernel.start).toBe(VTL2 + 4n * MB);
    expect(l.pageTables.end - l.pageTables.start).toBe((5n + 2n + 1n + 3n) * 0x1000n);
  });

  it("2 MiB-aligns a sidecar after the kernel", () => {
    const l = computeVtl2Layout("x86_64", "none", VTL2, VTL2_SIZE, { kernelSize: 0x30_1000n, sidecarSize: 0x8000n });
    expect(l.sidecar).toEqual({ start: VTL2 + 6n * MB, end: VTL2 + 6n * MB + 0x8000n });
    expect(l.sidecarEntry).toBe(VTL2 + 6n * MB);
    expect(l.shim.start).toBe(VTL2 + 6n * MB + 0x8000n);
  });

  it("counts PDE tables like page_table::x64", () => {
    expect(calculatePdeTableCount(VTL2, 64n * MB)).toBe(1n);
    expect(calculatePdeTableCount(GB - 2n * MB, 4n * MB)).toBe(2n);
    expect(calculatePdeTableCount(GB / 2n, 2n * GB)).toBe(3n);
    expect(calculatePdeTableCount(GB, 2n * GB)).toBe(2n);
  });
});

describe("load_openhcl_arm64 layout", () => {
  it("puts the command line before the shim parameters and has no reserved region or sidecar", () => {
    const l = computeVtl2Layout("aarch64", "none", VTL2, VTL2_SIZE);
    const s = VTL2 + 2n * MB + 0xa0_0000n;
    expect(l.shim).toEqual({ start: s, end: s + 0x40000n });
    expect(l.commandLine.start).toBe(s + 0x40000n);
    expect(l.shimParams.start).toBe(s + 0x41000n);
    expect(l.parameterRegion.start).toBe(s + 0x42000n);
    expect(l.reserved).toBeNull();
    expect(l.pageTables.end - l.pageTables.start).toBe(15n * 0x1000n);
  });

  it("writes zero reserved/sidecar offsets, so the shim sees them at its own base", () => {
    const gm = GuestMemory.build(vm());
    shim.setGuest(gm);
    const img = loadVtl2Image(gm, input({ arch: "aarch64" }));
    expect(img.raw.vtl2_reserved_region_offset).toBe(0n);
    expect(img.raw.sidecar_entry_offset).toBe(0n);
    const p = readShimParams(shim, loc(img, "aarch64"));
    expect(p.sidecarBase).toBe(img.shimBase);
    expect(p.isolationType).toBe("none");
  });
});

describe("loadVtl2Image input validation", () => {
  const gm = () => GuestMemory.build(vm());
  it("rejects a command line longer than the 4092-byte measured maximum", () => {
    expect(() => loadVtl2Image(gm(), input({ commandLine: { policy: "static", text: "x".repeat(4093) } }))).toThrow(
      new InputError("commandLine.text: command line too large: 4093"),
    );
    expect(() => loadVtl2Image(gm(), input({ commandLine: { policy: "static", text: "x".repeat(4092) } }))).not.toThrow();
  });

  it("rejects a host device tree larger than the 64-page area", () => {
    expect(() => loadVtl2Image(gm(), input({ hostDeviceTree: new Uint8Array(0x40001) }))).toThrow(
      "hostDeviceTree: 262145 bytes do not fit the 0x40000-byte device tree area of the parameter region",
    );
  });

  it("rejects imported regions that are unaligned, empty, not RAM or too many", () => {
    expect(() => loadVtl2Image(gm(), input({ importedRegions: [{ start: 0x800n, end: 0x2000n, accepted: true }] }))).toThrow(
      "importedRegions[0]: 0x800-0x2000 is not page aligned",
    );
    expect(() => loadVtl2Image(gm(), input({ importedRegions: [{ start: 0x2000n, end: 0x2000n, accepted: true }] }))).toThrow(
      "importedRegions[0]: 0x2000-0x2000 is empty",
    );
    expect(() =>
      loadVtl2Image(gm(), input({ importedRegions: [{ start: 0n, end: 0x1000n, accepted: true }, { start: 0xf000_0000n, end: 0xf000_1000n, accepted: true }] })),
    ).toThrow("importedRegions[1]: 0xf0000000-0xf0001000 is not guest RAM");
    const many = Array.from({ length: 169 }, (_, i) => ({ start: BigInt(i) * 0x2000n, end: BigInt(i) * 0x2000n + 0x1000n, accepted: true }));
    expect(() => loadVtl2Image(gm(), input({ importedRegions: many }))).toThrow("importedRegions: 169 regions do not fit");
  });

  it("rejects VTL2 memory that is unaligned, too small, or not RAM", () => {
    expect(() => loadVtl2Image(gm(), input({ vtl2Base: VTL2 + 0x1000n }))).toThrow("vtl2Base: memory is unaligned: 4294971392");
    expect(() => loadVtl2Image(gm(), input({ vtl2Size: 12n * MB }))).toThrow(/^vtl2Size: memory used: \d+ is greater than available$/);
    expect(() => loadVtl2Image(gm(), input({ vtl2Base: 0xf000_0000n }))).toThrow("is not RAM in the memory layout");
  });

  it("rejects an override that moves written areas out of VTL2 memory, naming the key", () => {
    expect(() => loadVtl2Image(gm(), input({ shim: { parameterRegionStart: 0x10_0000n } }))).toThrow(/^shim\.parameterRegionStart: the device tree area/);
    expect(() => loadVtl2Image(gm(), input({ persistedState: new Uint8Array(16), shim: { persistedStateStart: 0n } }))).toThrow(
      /^shim\.persistedStateStart: /,
    );
    expect(() => loadVtl2Image(gm(), input({ persistedState: new Uint8Array(0x20_0001) }))).toThrow(
      "persistedState: 2097153 bytes do not fit the persisted-state region of 0x200000 bytes",
    );
  });

  it("refuses SNP and TDX on aarch64 with the loader's message", () => {
    expect(() => loadVtl2Image(gm(), input({ arch: "aarch64", isolation: "snp" }))).toThrow("isolation: only None and VBS are supported for ARM64");
  });
});

describe("ShimParams::new round trip (host writer → guest memory → WASM)", () => {
  it("reads back every field the loader wrote", () => {
    const gm = GuestMemory.build(vm());
    shim.setGuest(gm);
    const initrd = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const img = loadVtl2Image(gm, input({ binaries: { initrd } }));
    const p = readShimParams(shim, loc(img));
    const w = img.params;
    expect(p).toMatchObject({
      kernelEntryAddress: w.kernelEntryAddress,
      cmdlineBase: w.cmdlineBase,
      initrdBase: w.initrdBase,
      initrdSize: 5000n,
      initrdCrc: w.initrdCrc,
      memoryStartAddress: VTL2,
      memorySize: VTL2_SIZE,
      parameterRegionStart: w.parameterRegionStart,
      parameterRegionSize: 106n * 0x1000n,
      vtl2ReservedRegionStart: w.vtl2ReservedRegionStart,
      vtl2ReservedRegionSize: 0x4000n,
      isolationType: "none",
      sidecarEntryAddress: 0n,
      sidecarBase: w.sidecarBase,
      sidecarSize: 0n,
      used: { start: VTL2, end: img.layout.usedEnd },
      bounceBuffer: null,
      logBuffer: img.layout.logBuffer,
      heap: img.layout.heap,
      persistedState: img.layout.persistedState,
      dtStart: w.parameterRegionStart + 40n * 0x1000n,
      dtSize: 0x40000n,
      secretsStart: w.vtl2ReservedRegionStart + 0x3000n,
      cpuidStart: w.vtl2ReservedRegionStart + 0x1000n,
      commandLine: { policy: 1, staticCommandLineLen: 32, text: "OPENHCL_BOOT_LOG=1 console=ttyS0" },
    });
    expect(p.initrdCrc).not.toBe(0);
    expect(p.importedRegions).toEqual(
      img.importedRegions.map((r) => ({ start: r.basePageNumber * 0x1000n, end: (r.basePageNumber + r.pageCount) * 0x1000n, accepted: r.accepted })),
    );
    // default list: page 0 (VTL0 measured config), kernel, shim, initrd, gdt, params, cmdline, ...
    expect(p.importedRegions[0]).toEqual({ start: 0n, end: 0x1000n, accepted: true });
    expect(p.importedRegions.map((r) => r.start)).toEqual([...p.importedRegions.map((r) => r.start)].sort((a, b) => (a < b ? -1 : 1)));
    expect(Buffer.from(p.importedRegionsHash).equals(createHash("sha384").digest())).toBe(true);
    const dt = readShimDeviceTree(shim, loc(img));
    expect(dt.length).toBe(0x40000);
    expect(Buffer.from(dt.subarray(0, DTB.length)).equals(Buffer.from(DTB))).toBe(true);
    expect(dt.subarray(DTB.length).every((b) => b === 0)).toBe(true);
  });

  it("reports VBS only when the hypervisor's CPUID says so; SNP/TDX come from the raw type", () => {
    const gm = GuestMemory.build(vm());
    shim.setGuest(gm);
    expect(readShimParams(shim, loc(loadVtl2Image(gm, input({ isolation: "vbs" })))).isolationType).toBe("vbs");
    const snp = loadVtl2Image(GuestMemory.build(vm()), input({ isolation: "snp" }));
    const gm2 = GuestMemory.build(vm());
    const img2 = loadVtl2Image(gm2, input({ isolation: "snp" }));
    shim.setGuest(gm2);
    const p = readShimParams(shim, loc(img2));
    expect(p.isolationType).toBe("snp");
    expect(p.bounceBuffer).toEqual(snp.layout.bounceBuffer);
    expect(p.importedRegions.filter((r) => !r.accepted).map((r) => r.start)).toEqual([snp.layout.kernel.start]);
  });

  it("applies CONTRACT overrides as absolute values", () => {
    const gm = GuestMemory.build(vm());
    shim.setGuest(gm);
    const o: ShimOverrides = { memoryStart: 0x2000_0000n, memorySize: 0x800_0000n, bounceBufferStart: VTL2 + 0x60_0000n, bounceBufferSize: 0x20_0000n, isolation: "tdx" };
    const p = readShimParams(shim, loc(loadVtl2Image(gm, input({ shim: o }))));
    expect(p.memoryStartAddress).toBe(0x2000_0000n);
    expect(p.memorySize).toBe(0x800_0000n);
    expect(p.bounceBuffer).toEqual({ start: VTL2 + 0x60_0000n, end: VTL2 + 0x80_0000n });
    expect(p.isolationType).toBe("tdx");
  });

  it("round-trips random overrides (property)", () => {
    const page = fc.bigInt({ min: 0n, max: (VTL2_SIZE >> 12n) - 1n }).map((p) => VTL2 + (p << 12n));
    const size = fc.bigInt({ min: 0n, max: 0x400n }).map((p) => p << 12n);
    const overrides = fc.record(
      {
        memoryStart: page, memorySize: size, vtl2ReservedStart: page, vtl2ReservedSize: size, sidecarBase: page,
        sidecarSize: size, usedStart: page, logBufferStart: page, logBufferSize: size, heapStart: page, heapSize: size,
        persistedStateStart: page, persistedStateSize: size, bounceBufferStart: page, bounceBufferSize: size,
        isolation: fc.constantFrom("none" as const, "vbs" as const, "snp" as const, "tdx" as const),
      },
      { requiredKeys: [] },
    );
    const gm = GuestMemory.build(vm());
    shim.setGuest(gm);
    fc.assert(
      fc.property(overrides, (o) => {
        const img = loadVtl2Image(gm, input({ shim: o }));
        const w = img.params;
        if (w.used.start > w.used.end) {
          // the shim's MemoryRange::new assertion, exactly
          expect(panicOf(() => readShimParams(shim, loc(img)))).toBe("assertion failed: range.start <= range.end");
          return;
        }
        const p = readShimParams(shim, loc(img));
        expect(p.memoryStartAddress).toBe(o.memoryStart ?? VTL2);
        expect(p.memorySize).toBe(o.memorySize ?? VTL2_SIZE);
        expect(p.vtl2ReservedRegionStart).toBe(w.vtl2ReservedRegionStart);
        expect(p.vtl2ReservedRegionSize).toBe(w.vtl2ReservedRegionSize);
        expect(p.sidecarBase).toBe(o.sidecarBase ?? w.sidecarBase);
        expect(p.sidecarSize).toBe(w.sidecarSize);
        expect(p.used).toEqual(w.used);
        expect(p.logBuffer).toEqual(w.logBuffer);
        expect(p.heap).toEqual(w.heap);
        expect(p.persistedState).toEqual(w.persistedState);
        expect(p.bounceBuffer).toEqual(w.bounceBuffer);
        if (o.persistedStateStart !== undefined && o.persistedStateSize !== undefined) {
          expect(p.persistedState).toEqual({ start: o.persistedStateStart, end: o.persistedStateStart + o.persistedStateSize });
        }
        expect(p.isolationType).toBe(o.isolation ?? "none");
      }),
      { numRuns: 40 },
    );
  });
});
