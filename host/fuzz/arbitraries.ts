//! fast-check arbitraries for boot images: VM descriptions with memory maps, VTL2 ranges,
//! allocation modes, pool requests, sidecar, isolation, CPUs and APIC ids.
// Ports: the input space of openhcl_boot's host_params/dt/mod.rs (capacities from REFERENCE.md);
// the image shape is host/image/schema.ts. The `vm` part of an image is owned by the image loader
// (host/image/): everything that depends on its exact field names is in `vmDescription` below.
import fc from "fast-check";
import type { Rng } from "./rng.js";

/** no_std capacities the generator deliberately reaches and exceeds. */
export const CAPS = { cpus: 2048, numaNodes: 64, partitionRamRanges: 1024, vtl2RamRanges: 64, commandLine: 4092 } as const;

const MB = 1n << 20n;
const GB = 1n << 30n;
const PAGE = 0x1000n;

const hex = (v: bigint): string => "0x" + v.toString(16);

/** A size in pages, biased toward MiB/GiB multiples and odd page counts. */
const size = (max: bigint): fc.Arbitrary<bigint> =>
  fc.oneof(
    fc.bigInt(1n, max / MB).map((n) => n * MB),
    fc.bigInt(1n, max / GB > 0n ? max / GB : 1n).map((n) => n * GB),
    fc.bigInt(1n, max / PAGE).map((n) => n * PAGE),
  );

/** One RAM range of the guest memory map: gap before it, size, NUMA node. */
const ramRange = (nodes: number) => fc.record({ gap: fc.oneof(fc.constant(0n), size(4n * GB)), size: size(64n * GB), vnode: fc.nat({ max: nodes - 1 }) });

/** Memory maps: a few big ranges (common), or many small ones up to and beyond the capacity. */
export const memoryMapArb = fc.integer({ min: 1, max: CAPS.numaNodes + 1 }).chain((nodes) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.array(ramRange(Math.min(nodes, 4)), { minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(ramRange(nodes), { minLength: 60, maxLength: CAPS.partitionRamRanges + 4 }) },
  ).map((ranges) => {
    let at = 0n;
    return ranges.map((r) => {
      const start = at + r.gap;
      at = start + r.size;
      return { start: hex(start), end: hex(at), vnode: r.vnode };
    });
  }),
);

/** CPU topology: count up to and past MAX_CPU_COUNT; APIC ids dense, sparse or duplicated. */
export const cpusArb = fc.record({
  count: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 64 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: CAPS.cpus + 2 }) }),
  apicIds: fc.constantFrom("dense", "sparse", "duplicate"),
  vnodes: fc.integer({ min: 1, max: 4 }),
});

/** MMIO gaps: the usual low/high pair, or odd ones (empty, overlapping RAM, one only). */
export const mmioGapsArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant([{ start: hex(0xf000_0000n), end: hex(0x1_0000_0000n) }, { start: hex(0xfc_0000_0000n), end: hex(0x100_0000_0000n) }]) },
  { weight: 1, arbitrary: fc.array(fc.record({ start: fc.bigInt(0n, 1n << 40n), len: size(64n * GB) }), { maxLength: 3 }).map((gs) => gs.map((g) => ({ start: hex(g.start & ~(PAGE - 1n)), end: hex((g.start & ~(PAGE - 1n)) + g.len) }))) },
);

/** Memory allocation mode from the host device tree: host, or VTL2 with optional memory/mmio sizes. */
export const allocationModeArb = fc.oneof(
  fc.constant({ mode: "host" as const }),
  fc.record({ mode: fc.constant("vtl2" as const), memorySize: fc.option(size(8n * GB).map(hex)), mmioSize: fc.option(size(4n * GB).map(hex)) }),
);

/** Pool requests: through the command line (OPENHCL_ENABLE_VTL2_GPA_POOL=...) and the DMA hint property. */
export const poolRequestArb = fc.record({
  cmdline: fc.option(fc.oneof(fc.constantFrom("debug", "release", "off", "0"), fc.bigInt(1n, 1n << 20n).map(String))),
  igvmConfig: fc.option(fc.constantFrom("debug", "release", "off", "512")),
  numaSplit: fc.boolean(),
  deviceDmaPageCount: fc.option(fc.oneof(fc.bigInt(0n, 1n << 16n), fc.constant((1n << 64n) - 1n)).map(hex)),
});

/** The `vm` object of an image. Field names follow the image loader; adapt here if they change. */
export const vmDescription = fc.record({
  memory: memoryMapArb,
  cpus: cpusArb,
  mmioGaps: mmioGapsArb,
  memoryAllocationMode: allocationModeArb,
  vtl2Ram: fc.option(fc.array(fc.record({ start: fc.bigInt(0n, 1n << 36n).map((v) => hex(v & ~(PAGE - 1n))), size: size(GB).map(hex) }), { maxLength: CAPS.vtl2RamRanges + 2 })),
  deviceDmaPageCount: fc.option(fc.bigInt(0n, 1n << 16n).map(hex)),
  sidecar: fc.boolean(),
});

/** A whole boot image (host/image/schema.ts) describing a VM. */
export const vmImageArb = fc.record({
  arch: fc.constantFrom("x86_64" as const, "aarch64" as const),
  isolation: fc.constantFrom("none" as const, "vbs" as const, "snp" as const, "tdx" as const),
  vm: vmDescription,
  pool: poolRequestArb,
  sidecarSwitch: fc.option(fc.constantFrom("on", "off", "log")),
}).map(({ arch, isolation, vm, pool, sidecarSwitch }) => {
  const words: string[] = [];
  if (pool.cmdline !== null) words.push(`OPENHCL_ENABLE_VTL2_GPA_POOL=${pool.cmdline}`);
  if (pool.igvmConfig !== null) words.push(`OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=${pool.igvmConfig}`);
  if (pool.numaSplit) words.push("OPENHCL_VTL2_GPA_POOL_NUMA=split");
  if (sidecarSwitch !== null) words.push(`OPENHCL_SIDECAR=${sidecarSwitch}`);
  return {
    name: "fuzz",
    arch,
    isolation,
    vm: { ...vm, deviceDmaPageCount: pool.deviceDmaPageCount ?? vm.deviceDmaPageCount },
    commandLine: { policy: "append-chosen" as const, text: words.join(" ") },
  };
});

/** Draws one value of `arb` from the campaign's Rng (fast-check's generator fed by our PRNG). */
export function sample<T>(arb: fc.Arbitrary<T>, rng: Rng): T {
  return arb.generate(new fc.Random(rng), undefined).value;
}
