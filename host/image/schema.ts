//! Boot image schema (zod): an image describes one boot, either a VM (the host device tree is then
//! generated as OpenVMM would) or a host device tree blob. docs/CONTRACT.md fixes the shared keys.
// Ports: none (hclboot image format, docs/CONTRACT.md)
import { z } from "zod";

import { hex64 } from "./hex64.js";
import { hvSchema } from "../hv/schema.js";

export { hex64 };

/** An address range `{start, end}` (end exclusive). */
export const rangeSchema = z
  .object({ start: hex64, end: hex64 })
  .strict()
  .refine((r) => r.start <= r.end, { message: "range start is after its end" });

export const isolationSchema = z.enum(["none", "vbs", "snp", "tdx"]);
export const archSchema = z.enum(["x86_64", "aarch64"]);

/** Explicit shim parameters (absolute addresses), each overriding the image layout's default. */
export const shimSchema = z
  .object({
    memoryStart: hex64,
    memorySize: hex64,
    parameterRegionStart: hex64,
    parameterRegionSize: hex64,
    vtl2ReservedStart: hex64,
    vtl2ReservedSize: hex64,
    sidecarBase: hex64,
    sidecarSize: hex64,
    usedStart: hex64,
    usedEnd: hex64,
    logBufferStart: hex64,
    logBufferSize: hex64,
    heapStart: hex64,
    heapSize: hex64,
    persistedStateStart: hex64,
    persistedStateSize: hex64,
    bounceBufferStart: hex64,
    bounceBufferSize: hex64,
    isolation: isolationSchema,
  })
  .partial()
  .strict();

/** The measured (paravisor) command line and its policy. */
export const commandLineSchema = z
  .object({
    policy: z.enum(["static", "append-chosen"]).default("append-chosen"),
    text: z.string().default(""),
  })
  .strict();

/** An imported region descriptor. */
export const importedRegionSchema = z
  .object({ start: hex64, end: hex64, accepted: z.boolean() })
  .strict();

/** A non-negative integer that fits in 32 bits. */
const u32 = z.number().int().min(0).max(0xffff_ffff);

/** A RAM range on a NUMA node. */
export const nodeRangeSchema = z
  .object({ start: hex64, end: hex64, vnode: u32.default(0) })
  .strict()
  .refine((r) => r.start <= r.end, { message: "range start is after its end" });

/** Processors: count and APIC id scheme (or explicit APIC ids), and their NUMA assignment. */
export const cpusSchema = z
  .object({
    /** Number of VPs (1..2048). */
    count: z.number().int().min(1).max(2048),
    /** VPs per socket; default: count / numaNodes rounded up (one socket per node). */
    vpsPerSocket: z.number().int().min(1).max(32768).optional(),
    /** APIC id of the first socket's first VP (rounded down to a socket boundary). */
    apicIdOffset: u32.default(0),
    /** Explicit APIC id of each VP (VP index order); replaces the socket scheme. */
    apicIds: z.array(u32).optional(),
    /** NUMA nodes for socket round-robin assignment: vnode = (vp / vpsPerSocket) % numaNodes. */
    numaNodes: z.number().int().min(1).max(64).default(1),
    /** Explicit VP lists per node (node i = numaNodeVps[i]); replaces round-robin assignment. */
    numaNodeVps: z.array(z.array(z.number().int().min(0))).min(1).max(64).optional(),
  })
  .strict()
  .refine((c) => c.apicIds === undefined || c.apicIds.length === c.count, {
    message: "apicIds must have one entry per CPU",
    path: ["apicIds"],
  });

/** Guest RAM: a size, per-node sizes, or explicit ranges; plus the MMIO gaps. */
export const memorySchema = z
  .object({
    /** Total RAM, placed from 0 around the gaps, all on node 0 (MemoryLayout::new). */
    size: hex64.optional(),
    /** RAM per NUMA node, placed in node order around the gaps (MemoryLayout::new_with_numa). */
    nodeSizes: z.array(hex64).min(1).max(64).optional(),
    /** Explicit sorted RAM ranges with nodes (MemoryLayout::new_from_ranges). */
    ranges: z.array(nodeRangeSchema).min(1).max(4096).optional(),
    /** Sorted MMIO gaps; default: 128 MiB below 4 GiB and 512 MiB at the first GiB boundary after RAM. */
    mmioGaps: z.array(rangeSchema).max(16).optional(),
  })
  .strict()
  .refine((m) => [m.size, m.nodeSizes, m.ranges].filter((x) => x !== undefined).length === 1, {
    message: "memory needs exactly one of `size`, `nodeSizes` or `ranges`",
  });

/** VTL2 memory placement (OpenVMM `Vtl2BaseAddressType`). */
export const vtl2Schema = z
  .object({
    /**
     * file: VTL2 at the IGVM file's address; absolute: relocated to `range.start`; memory-layout:
     * a VTL2-only range above RAM and MMIO; vtl2-allocate: VTL2 allocates its own memory.
     */
    mode: z.enum(["file", "absolute", "memory-layout", "vtl2-allocate"]).default("memory-layout"),
    /** Where the VTL2 image lives; default depends on the mode (see README). */
    range: rangeSchema.optional(),
    /** Size override: the memory-layout range size, or vtl2-allocate's `memory-size`. */
    size: hex64.optional(),
    /** VTL2 memory the IGVM file requires (its VTL2-protectable RequiredMemory); default 512 MiB. */
    igvmSize: hex64.default(0x2000_0000n),
  })
  .strict();

/** The COM port described under the pio-bus. */
export const comSerialSchema = z
  .object({ ioPort: z.number().int().min(0).max(0xffff), irq: u32 })
  .strict();

/**
 * The VM description (host side). Owned by the image loader (host/image/); the host device tree
 * is generated from it as OpenVMM's `build_device_tree` would.
 */
export const vmSchema = z
  .object({
    cpus: cpusSchema,
    memory: memorySchema,
    vtl2: vtl2Schema.default({ mode: "memory-layout", igvmSize: 0x2000_0000n }),
    /** VTL0 chipset MMIO for the vmbus-vtl0 ranges; default: the first two MMIO gaps. */
    chipsetMmio: z.object({ low: rangeSchema.optional(), high: rangeSchema.optional() }).strict().optional(),
    /** VTL2-private chipset MMIO (vmbus-vtl2 ranges); added to the MMIO gaps. Default: none. */
    vtl2ChipsetMmio: rangeSchema.optional(),
    /** VMBus redirected to VTL2 (vmbus-vtl2 connection id 0x800074 instead of 4). */
    vmbusRedirect: z.boolean().default(false),
    /** COM serial port; omitted: no pio-bus node. */
    comSerial: comSerialSchema.optional(),
    /** The host command line (/chosen/bootargs). */
    bootargs: z.string().default(""),
    /** VTL2 framebuffer base: prefixes `OPENHCL_FRAMEBUFFER_GPA_BASE=<decimal> ` to bootargs. */
    vtl2FramebufferGpaBase: hex64.optional(),
    /** Entropy bytes as hex (no 0x), or null for none; default: 64 bytes 00 01 .. 3f. */
    entropy: z
      .string()
      .regex(/^([0-9a-fA-F]{2})*$/, "expected an even number of hex digits")
      .nullable()
      .optional(),
    /** Properties a Hyper-V host writes and OpenVMM does not (omitted by default). */
    hostExtensions: z.object({ vtl0AliasMap: hex64.optional(), deviceDmaTotalPages: hex64.optional() }).strict().optional(),
  })
  .strict();

export type VmDescription = z.infer<typeof vmSchema>;

/** What a failing image is expected to report (used by tests and documentation). */
export const expectSchema = z
  .object({
    ok: z.boolean(),
    kind: z.enum(["panic", "dt", "input"]).optional(),
    message: z.string().optional(),
  })
  .strict();

/** One boot image. */
export const imageSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    arch: archSchema.default("x86_64"),
    isolation: isolationSchema.default("none"),
    vm: vmSchema.optional(),
    hostDeviceTree: z.string().optional(),
    commandLine: commandLineSchema.optional(),
    shim: shimSchema.optional(),
    importedRegions: z.array(importedRegionSchema).optional(),
    persistedState: z.string().optional(),
    /** Sizes of the simulated VTL2 binaries (host/vtl2/layout.ts); sidecarSize > 0 puts a sidecar in the image. */
    binaries: z
      .object({ kernelSize: hex64.optional(), kernelEntryOffset: hex64.optional(), shimSize: hex64.optional(), sidecarSize: hex64.optional() })
      .strict()
      .optional(),
    /** Hypervisor stub settings (host/hv/schema.ts); omitted: the defaults. */
    hv: hvSchema.optional(),
    expect: expectSchema.optional(),
  })
  .strict()
  .refine((i) => (i.vm === undefined) !== (i.hostDeviceTree === undefined), {
    message: "an image needs exactly one of `vm` or `hostDeviceTree`",
  });

export type Image = z.infer<typeof imageSchema>;
