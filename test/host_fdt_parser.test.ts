// The host device tree parser (openhcl/host_fdt_parser): every field of the fixtures, the ported
// upstream tests, each validation error with its exact text, and the capacities.
import { describe, it, expect, beforeAll } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import { ShimPanic, type Shim } from "../host/wasm/loader.js";
import { tryParseHostDt, type HostDeviceTree, type HostDtResult } from "../host/shim/host_fdt.js";
import { dtc, fixture, blob, Struct, StringTable } from "./helpers/dtc.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

const P = 0x1000n;

/** Parses with both walks, checks they agree, returns the result. */
function parse(b: Uint8Array): HostDtResult {
  const fast = tryParseHostDt(shim, b);
  const upstream = tryParseHostDt(shim, b, { upstreamOrder: true });
  expect(fast).toEqual(upstream);
  return fast;
}

function ok(b: Uint8Array): HostDeviceTree {
  const r = parse(b);
  if (!r.ok) throw new Error(r.message);
  return r.tree;
}

function err(b: Uint8Array): string {
  const r = parse(b);
  if (r.ok) throw new Error("parsed");
  return r.message;
}

// ---- a DTS writer shaped like upstream's test build_dt -----------------------------------------

interface Ctx {
  memory: { start: bigint; end: bigint; igvmType: number; vnode: number }[];
  cpus: { reg: number; vnode: number }[];
  bsp: number;
  vmbusVtl0?: { connectionId: number; mmio: [bigint, bigint][] };
  vmbusVtl2?: { connectionId: number; mmio: [bigint, bigint][] };
  commandLine: string;
  com3?: boolean;
  gic?: [bigint, bigint, bigint, bigint, bigint];
  pmuGsiv?: number;
  vtl2?: { memorySize?: bigint; mmioSize?: bigint };
  dma?: bigint;
}

const h = (v: bigint) => `0x${v.toString(16)}`;

function vmbusDts(v: NonNullable<Ctx["vmbusVtl0"]>, vtl: number): string {
  const ranges = v.mmio.flatMap(([s, e]) => [s, s, e - s]).map(h).join(" ");
  const name = v.mmio.length === 0 ? `vmbus-vtl${vtl}` : `vmbus-vtl${vtl}@${v.mmio[0][0].toString(16)}`;
  return `${name} { #address-cells = <2>; #size-cells = <2>; compatible = "microsoft,vmbus";
    ranges = /bits/ 64 <${ranges}>; microsoft,vtl = <${vtl}>; microsoft,message-connection-id = <${v.connectionId}>; };`;
}

/** Builds the blob the way upstream's test does (memory written in reverse to test sorting). */
function buildDt(c: Ctx): Uint8Array {
  const cpus = c.cpus
    .map((cpu, i) => `cpu@${i.toString(16)} { device_type = "cpu"; reg = <${cpu.reg}>; numa-node-id = <${cpu.vnode}>; status = "okay"; };`)
    .join("\n");
  const memory = [...c.memory]
    .reverse()
    .map((m) => `memory@${m.start.toString(16)} { device_type = "memory"; reg = /bits/ 64 <${h(m.start)} ${h(m.end - m.start)}>;
      microsoft,igvm-type = <${m.igvmType}>; numa-node-id = <${m.vnode}>; };`)
    .join("\n");
  const gic = c.gic
    ? `intc@${c.gic[0]} { compatible = "arm,gic-v3"; #redistributor-regions = <1>; redistributor-stride = /bits/ 64 <${h(c.gic[4])}>;
      reg = /bits/ 64 <${c.gic.slice(0, 4).map(h).join(" ")}>; #address-cells = <2>; #size-cells = <2>; #interrupt-cells = <3>;
      interrupt-controller; phandle = <1>; ranges; };`
    : "";
  const pmu = c.pmuGsiv !== undefined ? `pmu { compatible = "arm,armv8-pmuv3"; interrupts = <1 ${c.pmuGsiv - 16} 4>; };` : "";
  const bus = `bus { compatible = "simple-bus"; #address-cells = <2>; #size-cells = <2>; ranges;
    ${c.vmbusVtl0 ? vmbusDts(c.vmbusVtl0, 0) : ""} ${c.vmbusVtl2 ? vmbusDts(c.vmbusVtl2, 2) : ""} };`;
  const io = c.com3
    ? `io-bus { compatible = "x86-pio-bus"; #address-cells = <1>; #size-cells = <0>; ranges;
      serial@3e8 { compatible = "ns16550"; clock-frequency = <0>; current-speed = <115200>; reg = /bits/ 64 <0x3e8 0x8>; interrupts = /bits/ 64 <4>; }; };`
    : "";
  const sizes = c.vtl2
    ? `${c.vtl2.memorySize !== undefined ? `memory-size = /bits/ 64 <${h(c.vtl2.memorySize)}>;` : ""}
       ${c.vtl2.mmioSize !== undefined ? `mmio-size = /bits/ 64 <${h(c.vtl2.mmioSize)}>;` : ""}`
    : "";
  const dma = c.dma !== undefined ? `device-dma { total-pages = /bits/ 64 <${h(c.dma)}>; };` : "";
  return dtc(
    `/dts-v1/;
    / { #address-cells = <2>; #size-cells = <2>; model = "microsoft,hyperv";
      cpus { #address-cells = <1>; #size-cells = <0>; ${cpus} };
      ${memory} ${gic} ${pmu} ${bus} ${io}
      chosen { bootargs = ${JSON.stringify(c.commandLine)}; };
      openhcl { ${sizes} memory-allocation-mode = "${c.vtl2 ? "vtl2" : "host"}"; ${dma} };
    };`,
    c.bsp,
  );
}

/** What parsing `buildDt(c)` must give. */
function expected(c: Ctx, size: number): HostDeviceTree {
  const vm = (v: Ctx["vmbusVtl0"]) =>
    v ? { connectionId: v.connectionId, mmio: [...v.mmio].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([start, end]) => ({ start, end })) } : null;
  return {
    deviceTreeSize: size,
    bootCpuidPhys: c.bsp,
    cpus: c.cpus.map((x) => ({ reg: BigInt(x.reg), vnode: x.vnode })),
    memory: c.memory,
    vmbusVtl0: vm(c.vmbusVtl0),
    vmbusVtl2: vm(c.vmbusVtl2),
    commandLine: c.commandLine,
    com3Serial: c.com3 ?? false,
    gic: c.gic
      ? { distributorBase: c.gic[0], distributorSize: c.gic[1], redistributorsBase: c.gic[2], redistributorsSize: c.gic[3], redistributorStride: c.gic[4] }
      : null,
    pmuGsiv: c.pmuGsiv ?? null,
    memoryAllocationMode: c.vtl2 ? { mode: "vtl2", memorySize: c.vtl2.memorySize ?? null, mmioSize: c.vtl2.mmioSize ?? null } : { mode: "host" },
    entropy: null,
    deviceDmaPageCount: c.dma ?? null,
    nvmeKeepalive: false,
    vtl0AliasMap: null,
  };
}

const fourCpus = [
  { reg: 12, vnode: 0 },
  { reg: 42, vnode: 0 },
  { reg: 23, vnode: 0 },
  { reg: 24, vnode: 0 },
];

const basic: Ctx = {
  memory: [
    { start: 0n, end: 1024n * P, igvmType: 0, vnode: 0 },
    { start: 1024n * P, end: 4024n * P, igvmType: 3, vnode: 0 },
    { start: 14024n * P, end: 102400n * P, igvmType: 0, vnode: 0 },
  ],
  cpus: fourCpus,
  bsp: 42,
  vmbusVtl0: { connectionId: 1, mmio: [[4024n * P, 4096n * P], [102400n * P, 102800n * P]] },
  vmbusVtl2: { connectionId: 4, mmio: [[102800n * P, 102900n * P]] },
  commandLine: "THIS_IS_A_BOOT_ARG=1",
  gic: [0x20000n, 0x10000n, 0x40000n, 0x60000n, 0x20000n],
  pmuGsiv: 0x17,
  dma: 1234n,
};

describe("ParsedDeviceTree::parse (upstream tests)", () => {
  it("test_basic_dt: reads back memory, cpus, vmbus, command line, gic, pmu and dma hint", () => {
    const b = buildDt(basic);
    expect(ok(b)).toEqual(expected(basic, b.length));
  });

  it("test_numa_dt: two numa nodes in vtl2 allocation mode with memory and mmio sizes", () => {
    const c: Ctx = {
      memory: [
        { start: 0n, end: 1024n * P, igvmType: 0, vnode: 0 },
        { start: 1024n * P, end: 2048n * P, igvmType: 0, vnode: 1 },
        { start: 2048n * P, end: 3072n * P, igvmType: 3, vnode: 0 },
        { start: 3072n * P, end: 4096n * P, igvmType: 3, vnode: 1 },
        { start: 4096n * P, end: 51200n * P, igvmType: 0, vnode: 0 },
        { start: 51200n * P, end: 102400n * P, igvmType: 0, vnode: 1 },
      ],
      cpus: [
        { reg: 12, vnode: 0 },
        { reg: 42, vnode: 1 },
        { reg: 23, vnode: 0 },
        { reg: 24, vnode: 1 },
      ],
      bsp: 23,
      commandLine: "",
      vtl2: { memorySize: 1000n * 1024n * 1024n, mmioSize: 128n * 1024n * 1024n },
    };
    const b = buildDt(c);
    expect(ok(b)).toEqual(expected(c, b.length));
  });

  it("test_com3_serial_output: finds COM3 on the x86 I/O bus", () => {
    const c: Ctx = { ...basic, gic: undefined, pmuGsiv: undefined, dma: undefined, com3: true };
    const b = buildDt(c);
    const t = ok(b);
    expect(t).toEqual(expected(c, b.length));
    expect(t.com3Serial).toBe(true);
  });

  describe("test_overlapping_memory", () => {
    const base: Ctx = { memory: [], cpus: fourCpus, bsp: 42, commandLine: "THIS_IS_A_BOOT_ARG=1" };
    it("rejects memory ranges that overlap each other", () => {
      const c = { ...base, memory: [
        { start: 0n, end: 1024n * P, igvmType: 0, vnode: 0 },
        { start: 4096n, end: 1024n * P, igvmType: 3, vnode: 0 },
        { start: 14024n * P, end: 102400n * P, igvmType: 0, vnode: 0 },
      ] };
      expect(err(buildDt(c))).toBe(
        "Parsing failed due to: ram at 0..4194304 of type MEMORY overlaps ram at 4096..4194304 of type VTL2_PROTECTABLE",
      );
    });
    it("rejects a memory range contained in another", () => {
      const c = { ...base, memory: [
        { start: 4096n, end: 1024n * P, igvmType: 0, vnode: 0 },
        { start: 0n, end: 102400n * P, igvmType: 3, vnode: 0 },
      ] };
      expect(err(buildDt(c))).toBe(
        "Parsing failed due to: ram at 0..419430400 of type VTL2_PROTECTABLE overlaps ram at 4096..4194304 of type MEMORY",
      );
    });
    it("rejects vmbus mmio overlapping memory", () => {
      const c = { ...base, memory: [{ start: 0n, end: 202400n * P, igvmType: 0, vnode: 0 }],
        vmbusVtl0: { connectionId: 1, mmio: [[4024n * P, 4096n * P]] as [bigint, bigint][] },
        vmbusVtl2: { connectionId: 4, mmio: [[102800n * P, 102900n * P]] as [bigint, bigint][] } };
      expect(err(buildDt(c))).toBe("Parsing failed due to: vmbus mmio at 16482304..16777216 overlaps ram at 0..829030400");
    });
    it("rejects vtl0 and vtl2 vmbus mmio overlapping each other (empty ranges never overlap)", () => {
      const c = { ...base, memory: [{ start: 0n, end: 1024n * P, igvmType: 0, vnode: 0 }],
        vmbusVtl0: { connectionId: 1, mmio: [[4000n * P, 4096n * P], [0n, 0n]] as [bigint, bigint][] },
        vmbusVtl2: { connectionId: 4, mmio: [[4020n * P, 102900n * P], [0n, 0n]] as [bigint, bigint][] } };
      expect(err(buildDt(c))).toBe("Parsing failed due to: vmbus mmio at 16384000..16777216 overlaps vmbus mmio at 16465920..421478400");
    });
  });
});

describe("fixtures (dtc-compiled) parse to every expected field", () => {
  it("x86-small: sorted memory, enabled cpus only, vmbus ranges swapped into order", () => {
    const b = fixture("x86-small", 42);
    expect(ok(b)).toEqual({
      deviceTreeSize: b.length,
      bootCpuidPhys: 42,
      cpus: [{ reg: 12n, vnode: 0 }, { reg: 42n, vnode: 0 }, { reg: 23n, vnode: 0 }, { reg: 24n, vnode: 0 }],
      memory: [
        { start: 0n, end: 0x400000n, igvmType: 0, vnode: 0 },
        { start: 0x400000n, end: 0xfb8000n, igvmType: 3, vnode: 0 },
        { start: 0x36c8000n, end: 0x19000000n, igvmType: 0, vnode: 0 },
      ],
      vmbusVtl0: { connectionId: 1, mmio: [{ start: 0xfb8000n, end: 0x1000000n }, { start: 0x19000000n, end: 0x19190000n }] },
      vmbusVtl2: { connectionId: 4, mmio: [{ start: 0x19190000n, end: 0x191f4000n }] },
      commandLine: "THIS_IS_A_BOOT_ARG=1",
      com3Serial: false,
      gic: null,
      pmuGsiv: null,
      memoryAllocationMode: { mode: "host" },
      entropy: null,
      deviceDmaPageCount: null,
      nvmeKeepalive: false,
      vtl0AliasMap: null,
    });
  });

  it("numa-vtl2: six entries over two nodes, vtl2 mode with both sizes, empty command line", () => {
    const t = ok(fixture("numa-vtl2", 23));
    expect(t.bootCpuidPhys).toBe(23);
    expect(t.cpus.map((c) => [Number(c.reg), c.vnode])).toEqual([[12, 0], [42, 1], [23, 0], [24, 1]]);
    expect(t.memory.map((m) => [m.start, m.end, m.igvmType, m.vnode])).toEqual([
      [0n, 0x400000n, 0, 0],
      [0x400000n, 0x800000n, 0, 1],
      [0x800000n, 0xc00000n, 3, 0],
      [0xc00000n, 0x1000000n, 3, 1],
      [0x1000000n, 0xc800000n, 0, 0],
      [0xc800000n, 0x19000000n, 0, 1],
    ]);
    expect(t.memoryAllocationMode).toEqual({ mode: "vtl2", memorySize: 0x3e800000n, mmioSize: 0x8000000n });
    expect(t.commandLine).toBe("");
    expect(t.vmbusVtl0).toBeNull();
    expect(t.vmbusVtl2).toBeNull();
  });

  it("aarch64-gic: two-cell cpu ids, gic layout, pmu ppi 23", () => {
    const t = ok(fixture("aarch64-gic"));
    expect(t.cpus).toEqual([{ reg: 0n, vnode: 0 }, { reg: 1n, vnode: 0 }, { reg: 0x100n, vnode: 1 }]);
    expect(t.gic).toEqual({
      distributorBase: 0xffff0000n, distributorSize: 0x10000n, redistributorsBase: 0xeffee000n,
      redistributorsSize: 0x40000n, redistributorStride: 0x20000n,
    });
    expect(t.pmuGsiv).toBe(23);
    expect(t.vmbusVtl0).toEqual({ connectionId: 1, mmio: [{ start: 0xf0000000n, end: 0xf8000000n }] });
    expect(t.commandLine).toBe("console=ttyAMA0 earlycon");
  });

  it("x86-serial: only the ns16550 at 0x3e8 counts as COM3", () => {
    const t = ok(fixture("x86-serial"));
    expect(t.com3Serial).toBe(true);
    const noCom3 = ok(dtc(`/dts-v1/; / { pio-bus { compatible = "x86-pio-bus";
      serial@3f8 { compatible = "ns16550"; current-speed = <115200>; reg = /bits/ 64 <0x3f8 0x8>; }; }; };`));
    expect(noCom3.com3Serial).toBe(false);
  });

  it("openhcl-extras: entropy truncated to 256 bytes, nvme keep-alive, dma pages, alias map", () => {
    const t = ok(fixture("openhcl-extras", 1));
    expect(t.bootCpuidPhys).toBe(1);
    expect(t.entropy).toEqual(new Uint8Array(Array.from({ length: 256 }, (_, i) => i % 251)));
    expect(t.nvmeKeepalive).toBe(true);
    expect(t.deviceDmaPageCount).toBe(0x1234n);
    expect(t.vtl0AliasMap).toBe(0x800000000000n);
    expect(t.memoryAllocationMode).toEqual({ mode: "vtl2", memorySize: null, mmioSize: null });
    expect(t.commandLine).toBe("a=b c");
  });
});

/** A tree around `body` (inside the root node). */
const tree = (body: string) => dtc(`/dts-v1/; / { ${body} };`);
const PF = "Parsing failed due to: ";

describe("validation errors (exact upstream texts)", () => {
  const cases: [string, string, string][] = [
    ["cpus without #address-cells", `cpus { };`, "cpus did not have the following required property #address-cells"],
    ["cpus with 3 address cells", `cpus { #address-cells = <3>; };`, "cpus had an invalid u32 value for #address-cells: expected 2, actual 3"],
    ["a cpu without status", `cpus { #address-cells = <1>; cpu@0 { reg = <0>; }; };`, "cpu@0 did not have the following required property status"],
    ["a cpu without reg", `cpus { #address-cells = <1>; cpu@0 { status = "okay"; }; };`, "cpu@0 did not have the following required property reg"],
    ["a cpu without numa-node-id", `cpus { #address-cells = <1>; cpu@0 { status = "okay"; reg = <0>; }; };`,
      "cpu@0 did not have the following required property numa-node-id"],
    ["a one-cell reg read as two cells", `cpus { #address-cells = <2>; cpu@0 { status = "okay"; reg = <0>; numa-node-id = <0>; }; };`,
      "reading node property failed: Property reg data buffer len is not multiple of type size for node cpu@0"],
    ["an empty reg", `cpus { #address-cells = <1>; cpu@0 { status = "okay"; reg; numa-node-id = <0>; }; };`,
      "reading node property failed: Property reg requested at offset is larger than data buffer for node cpu@0"],
    ["a status that is not a string", `cpus { #address-cells = <1>; cpu@0 { status = [6f 6b]; }; };`,
      "reading node property failed: Property data is not a a valid string for node cpu@0: No null terminator found"],
    ["a status that is not UTF-8", `cpus { #address-cells = <1>; cpu@0 { status = [6f ff 00]; }; };`,
      "reading node property failed: Property data is not a a valid string for node cpu@0: String is not utf8 invalid utf-8 sequence of 1 bytes from index 1"],
    ["openhcl without a mode", `openhcl { };`, "openhcl did not have the following required property memory-allocation-mode"],
    ["an unknown allocation mode", `openhcl { memory-allocation-mode = "both"; };`, "unexpected memory allocation mode: both"],
    ["a 4-byte memory-size", `openhcl { memory-allocation-mode = "vtl2"; memory-size = <5>; };`,
      "reading node property failed: Property memory-size data buffer len is not multiple of type size for node openhcl"],
    ["entropy without reg", `openhcl { memory-allocation-mode = "host"; entropy { }; };`, "entropy did not have the following required property reg"],
    ["memory without reg", `memory@0 { numa-node-id = <0>; };`, "memory@0 did not have the following required property reg"],
    ["memory without numa-node-id", `memory@0 { reg = /bits/ 64 <0 0x1000>; };`, "memory@0 did not have the following required property numa-node-id"],
    ["an unaligned memory range", `memory@0 { reg = /bits/ 64 <0x10 0x1000>; numa-node-id = <0>; };`,
      "memory node memory@0 contains 4K unaligned base 16 or len 4096"],
    ["a memory reg of 20 bytes", `memory@0 { reg = <0 0 0 0x1000 0>; numa-node-id = <0>; };`,
      "reading node property failed: Property reg data buffer len is not multiple of type size for node memory@0"],
    ["the same range twice", `memory@0 { reg = /bits/ 64 <0 0x1000>; numa-node-id = <0>; microsoft,igvm-type = <2>; };
      memory@1 { reg = /bits/ 64 <0 0x1000>; numa-node-id = <0>; microsoft,igvm-type = <9>; };`,
      "ram at 0..4096 of type PERSISTENT overlaps ram at 0..4096 of type MemoryMapEntryType(9)"],
    ["an intc that is not a GICv3", `intc@0 { compatible = "arm,gic-v2"; };`,
      "intc@0 had an invalid str value for compatible: expected arm,gic-v3, actual arm,gic-v2"],
    ["an intc with two redistributor regions", `intc@0 { compatible = "arm,gic-v3"; #redistributor-regions = <2>; };`,
      "intc@0 had an invalid u32 value for #redistributor-regions: expected 1, actual 2"],
    ["an intc with a short reg", `intc@0 { compatible = "arm,gic-v3"; #redistributor-regions = <1>; #address-cells = <2>; #size-cells = <2>;
      #interrupt-cells = <3>; redistributor-stride = /bits/ 64 <0x20000>; reg = /bits/ 64 <1 2>; };`,
      "reading node property failed: Property reg requested at offset is larger than data buffer for node intc@0"],
    ["a pmu without interrupts", `pmu { compatible = "arm,armv8-pmuv3"; };`, "pmu did not have the following required property interrupts"],
    ["a pmu with 8 bytes of interrupts", `pmu { compatible = "arm,armv8-pmuv3"; interrupts = <1 2>; };`,
      "pmu had an invalid u32 value for interrupts size: expected 12, actual 8"],
    ["a pmu SPI", `pmu { compatible = "arm,armv8-pmuv3"; interrupts = <0 7 4>; };`, "pmu had an invalid u32 value for interrupts: expected 1, actual 0"],
    ["a pmu PPI index 16", `pmu { compatible = "arm,armv8-pmuv3"; interrupts = <1 16 4>; };`, "pmu had an invalid u32 value for interrupts: expected 16, actual 16"],
    ["a simple-bus without ranges", `bus { compatible = "simple-bus"; };`, "bus did not have the following required property ranges"],
    ["a vmbus without vtl", `bus { compatible = "simple-bus"; ranges; vmbus { compatible = "microsoft,vmbus"; }; };`,
      "vmbus did not have the following required property microsoft,vtl"],
    ["a vmbus for vtl 1", `bus { compatible = "simple-bus"; ranges; vmbus { compatible = "microsoft,vmbus"; microsoft,vtl = <1>; }; };`,
      "vmbus has an unexpected vtl 1"],
    ["a vmbus with one size cell", `bus { compatible = "simple-bus"; ranges; vmbus { compatible = "microsoft,vmbus"; microsoft,vtl = <0>;
      #address-cells = <2>; #size-cells = <1>; }; };`, "vmbus had an invalid u32 value for #size-cells: expected 2, actual 1"],
    ["three vmbus ranges", `bus { compatible = "simple-bus"; ranges; vmbus { compatible = "microsoft,vmbus"; microsoft,vtl = <0>;
      #address-cells = <2>; #size-cells = <2>; ranges = /bits/ 64 <0 0 0 0 0 0 0 0 0>; }; };`, "vmbus vmbus has more than 2 mmio ranges 3"],
    ["a translated vmbus range", `bus { compatible = "simple-bus"; ranges; vmbus { compatible = "microsoft,vmbus"; microsoft,vtl = <0>;
      #address-cells = <2>; #size-cells = <2>; ranges = /bits/ 64 <0x1000 0x2000 0x1000>; }; };`,
      "vmbus vmbus ranges child base 4096 does not match parent 8192"],
    ["an unaligned vmbus range", `bus { compatible = "simple-bus"; ranges; vmbus { compatible = "microsoft,vmbus"; microsoft,vtl = <0>;
      #address-cells = <2>; #size-cells = <2>; ranges = /bits/ 64 <0x1000 0x1000 0x10>; }; };`, "vmbus vmbus base 4096 or len 16 not aligned to 4K"],
    ["overlapping ranges in one vmbus", `bus { compatible = "simple-bus"; ranges; vmbus { compatible = "microsoft,vmbus"; microsoft,vtl = <0>;
      #address-cells = <2>; #size-cells = <2>; ranges = /bits/ 64 <0x3000 0x3000 0x2000 0x1000 0x1000 0x3000>; }; };`,
      "vmbus mmio at 4096..16384 overlaps vmbus mmio at 12288..20480"],
    ["a vmbus without connection id", `bus { compatible = "simple-bus"; ranges; vmbus { compatible = "microsoft,vmbus"; microsoft,vtl = <0>;
      #address-cells = <2>; #size-cells = <2>; }; };`, "vmbus did not have the following required property microsoft,message-connection-id"],
    ["two vtl2 vmbus nodes", `bus { compatible = "simple-bus"; ranges;
      a { compatible = "microsoft,vmbus"; microsoft,vtl = <2>; #address-cells = <2>; #size-cells = <2>; microsoft,message-connection-id = <4>; };
      b { compatible = "microsoft,vmbus"; microsoft,vtl = <2>; #address-cells = <2>; #size-cells = <2>; microsoft,message-connection-id = <4>; }; };`,
      "b specifies a duplicate vmbus node"],
    ["a serial without current-speed", `io { compatible = "x86-pio-bus"; serial { compatible = "ns16550"; }; };`,
      "serial did not have the following required property current-speed"],
    ["a serial with a one-u64 reg", `io { compatible = "x86-pio-bus"; serial { current-speed = <1>; reg = /bits/ 64 <0x3e8>; }; };`,
      "reading node property failed: Property reg requested at offset is larger than data buffer for node serial"],
  ];
  for (const [what, body, msg] of cases) {
    it(`rejects ${what}`, () => {
      expect(err(tree(body))).toBe(PF + msg);
    });
  }

  it("ignores a vmbus under a simple-bus with non-empty ranges", () => {
    const t = ok(tree(`bus { compatible = "simple-bus"; ranges = <0 0 0 0 0 0>; vmbus { compatible = "microsoft,vmbus"; }; };`));
    expect(t.vmbusVtl0).toBeNull();
  });

  it("skips cpus whose status is not okay without reading their other properties", () => {
    const t = ok(tree(`cpus { #address-cells = <1>; cpu@0 { status = "disabled"; }; cpu@1 { status = "okay"; reg = <7>; numa-node-id = <3>; }; };`));
    expect(t.cpus).toEqual([{ reg: 7n, vnode: 3 }]);
  });

  it("treats an unreadable keep-alive or dma hint as absent", () => {
    const t = ok(tree(`openhcl { memory-allocation-mode = "host"; keep-alive { device-types = [6e]; }; device-dma { total-pages = <1>; }; };`));
    expect(t.nvmeKeepalive).toBe(false);
    expect(t.deviceDmaPageCount).toBeNull();
  });

  it("appends the bootargs of every chosen node", () => {
    // dtc merges same-named nodes, so the blob is assembled directly
    const s = new Struct(new StringTable());
    s.begin("").begin("chosen").str("bootargs", "a ").end().begin("chosen").end().begin("chosen").str("bootargs", "b").end().end();
    const t = ok(blob(s));
    expect(t.commandLine).toBe("a b");
  });

  it("panics as upstream's expect does when a memory range wraps past 2^64", () => {
    const b = tree(`memory@0 { reg = /bits/ 64 <0xfffffffffffff000 0x2000>; numa-node-id = <0>; };`);
    for (const upstreamOrder of [false, true]) {
      let e: unknown;
      try {
        tryParseHostDt(shim, b, { upstreamOrder });
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(ShimPanic);
      expect((e as ShimPanic).message).toBe("valid range: InvalidMemoryRange { start: 18446744073709547520, end: 4096 }");
    }
  });
});

describe("capacities (no truncation except entropy, as upstream)", () => {
  const cpus = (n: number) =>
    `cpus { #address-cells = <1>; ${Array.from({ length: n }, (_, i) => `cpu@${i.toString(16)} { reg = <${i}>; numa-node-id = <${i % 64}>; status = "okay"; };`).join(" ")} };`;
  const mems = (n: number) => Array.from({ length: n }, (_, i) => `memory@${(i * 2).toString(16)}000 { reg = /bits/ 64 <${h(BigInt(i * 2) * P)} 0x1000>; numa-node-id = <0>; };`).join(" ");

  it("holds 2048 cpus and rejects the 2049th", () => {
    expect(ok(tree(cpus(2048))).cpus.length).toBe(2048);
    expect(err(tree(cpus(2049)))).toBe(PF + "device tree contained more enabled CPUs than can be parsed");
  });

  it("holds 1024 memory ranges (sorted once) and rejects the 1025th", () => {
    const t = ok(tree(mems(1024)));
    expect(t.memory.length).toBe(1024);
    expect(t.memory.every((m, i) => i === 0 || t.memory[i - 1].start < m.start)).toBe(true);
    expect(err(tree(mems(1025)))).toBe(PF + "device tree contained more memory ranges than can be parsed");
  });

  it("reports a duplicate range among many entries at its insertion", () => {
    const body = `${mems(200)} memory@x { reg = /bits/ 64 <${h(300n * P)} 0x1000>; numa-node-id = <0>; microsoft,igvm-type = <3>; };`;
    expect(err(tree(body))).toBe(PF + "ram at 1228800..1232896 of type MEMORY overlaps ram at 1228800..1232896 of type VTL2_PROTECTABLE");
  });

  it("holds a 0x2000-byte command line and rejects one byte more", () => {
    expect(ok(tree(`chosen { bootargs = "${"x".repeat(0x2000)}"; };`)).commandLine.length).toBe(0x2000);
    expect(err(tree(`chosen { bootargs = "${"x".repeat(0x2001)}"; };`))).toBe(PF + "commandline too small to parse /chosen bootargs");
  });
});
