//! Hypervisor stub configuration (zod): what CPUID, the VTL, VSM capabilities, the hypercall page,
//! the reference clock and the sidecar entry point answer. The image schema takes it as key `hv`.
// Ports: none (hclboot image format, key `hv`)
import { z } from "zod";
import { hex64 } from "../image/hex64.js";

/** Per-image hypervisor stub settings; every key has a default. */
export const hvSchema = z
  .object({
    /** CPUID.1:ECX bit 21 (x2APIC); sidecar needs it. */
    x2apic: z.boolean().default(true),
    /** The VTL the shim runs in (2 under guest VSM). */
    vtl: z.union([z.literal(0), z.literal(2)]).default(2),
    /** VSM capabilities: whether the VTL0 alias map is available. */
    vtl0AliasMapAvailable: z.boolean().default(false),
    /** Status (HvError code) of the VSM capabilities register read; 0 = success. */
    vsmCapabilitiesStatus: z.number().int().min(0).max(0xffff).default(0),
    /** Physical address bits (CPUID 0x80000008 on x86, ID_AA64MMFR0_EL1 on aarch64). */
    physicalAddressBits: z.number().int().min(32).max(64).default(46),
    /** Guest physical address of the hypercall page. */
    hypercallPage: hex64.default(0x1000n),
    /** Reference clock: first value and step per read (100 ns units). */
    referenceTime: z.object({ start: hex64.default(0x1000000n), step: hex64.default(0x100n) }).strict().default({ start: 0x1000000n, step: 0x100n }),
    /** TDX TSC frequency, in multiples of 25 MHz (CPUID 0x15 EBX). */
    tscFrequency25MHz: z.number().int().min(0).default(100),
    /** VP index for each hardware id: identity unless overridden (hw id -> VP index). */
    vpIndexOverrides: z.record(z.string(), z.number().int().min(0)).default({}),
    /** HvError code the VP index lookup fails with after `vpIndexFailAfter` ids (0 = never). */
    vpIndexFailStatus: z.number().int().min(0).max(0xffff).default(0),
    vpIndexFailAfter: z.number().int().min(0).default(0),
    /** Sidecar entry point: fail with this error string instead of starting. */
    sidecarError: z.string().max(255).optional(),
  })
  .strict();

export type HvConfig = z.infer<typeof hvSchema>;

/** The default hypervisor (what an image without `hv` gets). */
export function defaultHvConfig(): HvConfig {
  return hvSchema.parse({});
}
