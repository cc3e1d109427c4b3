//! The 64-bit hex-string field shared by the image and hypervisor schemas (its own module so
//! host/image/schema.ts can embed host/hv/schema.ts without an import cycle).
// Ports: none (hclboot image format, docs/CONTRACT.md: 64-bit quantities are 0x-prefixed hex strings)
import { z } from "zod";

const HEX_RE = /^0x[0-9a-fA-F]{1,16}$/;

/** A 64-bit value written as a 0x-prefixed hex string, parsed to bigint. */
export const hex64 = z
  .string()
  .regex(HEX_RE, "expected a 0x-prefixed hex string of at most 16 digits")
  .transform((s) => BigInt(s));
