//! fast-check arbitraries for boot images (host/image/schema.ts): VM descriptions with memory maps
//! (gaps, NUMA nodes, many ranges), VTL2 placement modes and sizes, pool requests through the
//! command line and the host's DMA hint, sidecar, isolation, CPU counts and APIC ids.
// Ports: the input space of openhcl_boot's host_params/dt/mod.rs (capacities from REFERENCE.md),
// written as OpenVMM VM descriptions (the `vm` part of an image; field names from schema.ts).
import fc from "fast-check";
import type { Rng } from "./rng.js";

/** no_std capacities the generator deliberately reaches and exceeds. */
export const CAPS = { cpus: 2048, numaNodes: 64, partitionRamRanges: 1024, vtl2RamRanges: 64, commandLine: 4092 } as const;

const MB = 1n << 20n;
const GB = 1n << 30n;
const TWO_MB = 2n * MB;

const LOW_GAP_START = 0xf800_0000n;
const LOW_GAP_END = 0x1_0000_0000n;

const hex = (v: bigint): string => "0x" + v.toString(16);

/** `arb` one time in `oneIn`, else null (fc.option's `freq` is the other way round: null one time in freq). */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

/** A size: whole MiB (common), whole GiB, or odd pages. */
const size = (min: bigint, max: bigint): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.bigInt(min / MB > 0n ? min / MB : 1n, max / MB).map((n) => n * MB) },
    { weight: 2, arbitrary: fc.bigInt(min / GB > 0n ? min / GB : 1n, max / GB > 0n ? max / GB : 1n).map((n) => n * GB) },
    { weight: 1, arbitrary: fc.bigInt(min >> 12n > 0n ? min >> 12n : 1n, max >> 12n).map((n) => n << 12n) },
  );

/** CPUs: counts up to MAX_CPU_COUNT, NUMA nodes, sockets, APIC id offsets or explicit (sparse, duplicate) ids. */
export const cpusArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: CAPS.cpus }) },
).chain((count) =>
  fc.record({
    count: fc.constant(count),
    numaNodes: fc.integer({ min: 1, max: Math.min(CAPS.numaNodes, count, 8) }).chain((n) => fc.oneof(fc.constant(n), fc.constant(Math.min(CAPS.numaNodes, count)))),
    vpsPerSocket: sometimes(fc.integer({ min: 1, max: 64 }), 4),
    apicIdOffset: sometimes(fc.integer({ min: 0, max: 1024 }), 4),
    apicIds: sometimes(fc.constantFrom("sparse", "duplicate", "huge"), 8),
  }).map((c) => {
    const o: Record<string, unknown> = { count: c.count, numaNodes: c.numaNodes };
    if (c.vpsPerSocket !== null) o.vpsPerSocket = c.vpsPerSocket;
    if (c.apicIdOffset !== null) o.apicIdOffset = c.apicIdOffset;
    if (c.apicIds === "sparse") o.apicIds = Array.from({ length: c.count }, (_, i) => i * 2 + 1);
    else if (c.apicIds === "duplicate") o.apicIds = Array.from({ length: c.count }, (_, i) => (i === c.count - 1 && i > 0 ? 0 : i));
    else if (c.apicIds === "huge") o.apicIds = Array.from({ length: c.count }, (_, i) => 0xffff_f000 + i);
    return o;
  }),
);

/** One explicit RAM range: the gap before it, its size and node. */
const rangeStep = (nodes: number, maxGap = 4n * GB, maxLen = 16n * GB) =>
  fc.record({ gap: fc.oneof(fc.constant(0n), size(TWO_MB, maxGap)), len: size(TWO_MB, maxLen), vnode: fc.nat({ max: nodes - 1 }) });

/** Guest RAM: a total size, per-node sizes, or explicit ranges (a few, or up to and past the capacity). */
export const memoryArb = (nodes: number) =>
  fc.oneof(
    { weight: 4, arbitrary: size(256n * MB, 256n * GB).map((s) => ({ size: hex(s) })) },
    { weight: 4, arbitrary: fc.array(size(256n * MB, 64n * GB), { minLength: nodes, maxLength: nodes }).map((ns) => ({ nodeSizes: ns.map(hex) })) },
    { weight: 2, arbitrary: fc.array(rangeStep(nodes), { minLength: 1, maxLength: 12 }) },
    { weight: 1, arbitrary: fc.array(rangeStep(nodes, 64n * MB, GB), { minLength: 60, maxLength: CAPS.partitionRamRanges + 8 }) },
  ).map((m) => {
    if (!Array.isArray(m)) return m;
    // Explicit ranges start at 0 and stay out of the default low MMIO gap [4 GiB - 128 MiB, 4 GiB).
    let at = 0n;
    return {
      ranges: m.map((r, i) => {
        let start = i === 0 ? 0n : at + r.gap;
        // The first range covers the default VTL2 file range (from 128 MiB) and ends below the low gap.
        if (i === 0) r = { ...r, len: r.len < GB ? GB : r.len > LOW_GAP_START ? LOW_GAP_START : r.len };
        if (start < LOW_GAP_END && start + r.len > LOW_GAP_START) start = LOW_GAP_END;
        at = start + r.len;
        return { start: hex(start), end: hex(at), vnode: r.vnode };
      }),
    };
  });

/** VTL2 placement: OpenVMM's modes, with sizes around the IGVM file's requirement. */
export const vtl2Arb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ mode: fc.constant("memory-layout"), size: sometimes(size(64n * MB, 2n * GB).map((s) => hex((s + TWO_MB - 1n) & ~(TWO_MB - 1n))), 3) }) },
  { weight: 3, arbitrary: fc.record({ mode: fc.constant("vtl2-allocate"), size: sometimes(size(64n * MB, 8n * GB).map((s) => hex((s + TWO_MB - 1n) & ~(TWO_MB - 1n))), 2) }) },
  { weight: 1, arbitrary: fc.constant({ mode: "file", size: null }) },
).chain((v) =>
  fc.record({ igvmSize: sometimes(fc.constantFrom(32n * MB, 64n * MB, 256n * MB, 512n * MB).map(hex), 2) }).map(({ igvmSize }) => {
    const o: Record<string, unknown> = { mode: v.mode };
    if (v.size !== null) o.size = v.size;
    if (igvmSize !== null) o.igvmSize = igvmSize;
    return o;
  }),
);

/** OPENHCL_* words of the measured command line: pool size or table, NUMA split, sidecar. */
export const openhclWordsArb = fc.record({
  pool: sometimes(fc.oneof(fc.constantFrom("debug", "release", "off", "0", "+16"), fc.bigInt(1n, 1n << 16n).map(String)), 2),
  igvmPool: sometimes(fc.constantFrom("debug", "release", "off", "512"), 4),
  numaSplit: fc.boolean(),
  sidecar: sometimes(fc.constantFrom("on", "off", "log", "cpu_threshold=0", "cpu_threshold=4"), 3),
}).map((w) => {
  const words: string[] = [];
  if (w.pool !== null) words.push(`OPENHCL_ENABLE_VTL2_GPA_POOL=${w.pool}`);
  if (w.igvmPool !== null) words.push(`OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=${w.igvmPool}`);
  if (w.numaSplit) words.push("OPENHCL_VTL2_GPA_POOL_NUMA=split");
  if (w.sidecar !== null) words.push(`OPENHCL_SIDECAR=${w.sidecar}`);
  return words.join(" ");
});

/** Hyper-V host extensions of the device tree: the DMA hint (pool pages) and the VTL0 alias map. */
const hostExtensionsArb = fc.record({
  deviceDmaTotalPages: sometimes(fc.oneof(fc.bigInt(0n, 1n << 16n), fc.constant((1n << 64n) - 1n)).map(hex), 3),
  vtl0AliasMap: sometimes(fc.constantFrom(1n << 45n, 1n << 46n).map(hex), 4),
}).map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== null)));

/** A VM boot image (host/image/schema.ts) with a generated host device tree. */
export const vmImageArb = fc.record({
  isolation: fc.oneof({ weight: 8, arbitrary: fc.constant("none") }, { weight: 1, arbitrary: fc.constantFrom("vbs", "snp", "tdx") }),
  cpus: cpusArb,
  vtl2: vtl2Arb,
  words: openhclWordsArb,
  bootargsPool: sometimes(fc.bigInt(1n, 1n << 12n), 6),
  ext: hostExtensionsArb,
  chipsetVtl2: sometimes(fc.constantFrom(GB, 64n * MB, 2n * MB), 2),
  redirect: fc.boolean(),
  com: fc.boolean(),
  entropy: sometimes(fc.constantFrom("", "ab", "00".repeat(256)), 4),
  sidecar: fc.boolean(),
  hv: sometimes(fc.record({ x2apic: fc.boolean(), vtl0AliasMapAvailable: fc.boolean() }), 4),
  policy: fc.constantFrom("append-chosen", "append-chosen", "static"),
  // Hardware-isolated VMs import the kernel pending and the shim hashes it on every boot: mostly
  // small kernels (the same hash path, a fraction of the SHA-384 time), the default 10 MiB one in four.
  kernelSize: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0x1000n, 0x1_0000n, 0x10_0000n) }, { weight: 1, arbitrary: fc.constant(null) }),
}).chain((x) =>
  memoryArb(Number(x.cpus.numaNodes)).map((memory) => {
    const vm: Record<string, unknown> = { cpus: x.cpus, memory, vtl2: x.vtl2, vmbusRedirect: x.redirect };
    // VTL2-private chipset MMIO far above any generated RAM (the first 1 TiB boundary past 4 TiB).
    if (x.chipsetVtl2 !== null) vm.vtl2ChipsetMmio = { start: hex(0x400_0000_0000n), end: hex(0x400_0000_0000n + x.chipsetVtl2) };
    if (x.com) vm.comSerial = { ioPort: 0x3f8, irq: 4 };
    vm.bootargs = "console=ttyS0" + (x.bootargsPool !== null ? ` OPENHCL_ENABLE_VTL2_GPA_POOL=${x.bootargsPool}` : "");
    if (x.entropy !== null) vm.entropy = x.entropy;
    if (Object.keys(x.ext).length > 0) vm.hostExtensions = x.ext;
    const image: Record<string, unknown> = { name: "fuzz", arch: "x86_64", isolation: x.isolation, vm, commandLine: { policy: x.policy, text: x.words } };
    const binaries: Record<string, unknown> = {};
    if (x.sidecar) binaries.sidecarSize = "0x100000";
    if (x.kernelSize !== null && (x.isolation === "snp" || x.isolation === "tdx")) binaries.kernelSize = hex(x.kernelSize);
    if (Object.keys(binaries).length > 0) image.binaries = binaries;
    if (x.hv !== null) image.hv = x.hv;
    return image;
  }),
);

/** Draws one value of `arb` from the campaign's Rng (fast-check's generator fed by our PRNG). */
export function sample<T>(arb: fc.Arbitrary<T>, rng: Rng): T {
  return arb.generate(new fc.Random(rng), undefined).value;
}
