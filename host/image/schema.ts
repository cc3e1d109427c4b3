// Boot image schema (zod): an image describes one boot, either a VM (the host device tree is then
// generated as OpenVMM would) or a host device tree blob. CONTRACT.md fixes the shared keys.
import { z } from "zod";

const HEX_RE = /^0x[0-9a-fA-F]{1,16}$/;

/** A 64-bit value written as a 0x-prefixed hex string, parsed to bigint. */
export const hex64 = z
  .string()
  .regex(HEX_RE, "expected a 0x-prefixed hex string of at most 16 digits")
  .transform((s) => BigInt(s));

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

/**
 * The VM description (host side). Owned by the image loader (host/image/); the host device tree
 * is generated from it as OpenVMM's `build_device_tree` would.
 */
export const vmSchema = z.object({}).passthrough();

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
    expect: expectSchema.optional(),
  })
  .strict()
  .refine((i) => (i.vm === undefined) !== (i.hostDeviceTree === undefined), {
    message: "an image needs exactly one of `vm` or `hostDeviceTree`",
  });

export type Image = z.infer<typeof imageSchema>;
