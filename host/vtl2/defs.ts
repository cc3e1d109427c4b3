//! VTL2 image definitions shared by the loader and the shim: parameter-region page indices,
//! sizes, and the byte layouts of `ShimParamsRaw`, `ParavisorCommandLine` and the imported-regions
//! page (repr(C), little-endian), with encoders.
// Ports: vm/loader/loader_defs/src/shim.rs, vm/loader/loader_defs/src/paravisor.rs

import { atLeast, type UpstreamPin } from "../upstream.js";

/** Hyper-V page size. */
export const HV_PAGE_SIZE = 0x1000n;

/** Parameter region: SLIT area (pages). */
export const PARAVISOR_CONFIG_SLIT_SIZE_PAGES = 20n;
/** Parameter region: PPTT area (pages). */
export const PARAVISOR_CONFIG_PPTT_SIZE_PAGES = 20n;
/** Parameter region: host device tree area (pages). */
export const PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES = 64n;
/** Page index of the SLIT within the parameter region. */
export const PARAVISOR_CONFIG_SLIT_PAGE_INDEX = 0n;
/** Page index of the PPTT within the parameter region. */
export const PARAVISOR_CONFIG_PPTT_PAGE_INDEX = PARAVISOR_CONFIG_SLIT_PAGE_INDEX + PARAVISOR_CONFIG_SLIT_SIZE_PAGES;
/** Page index of the host device tree within the parameter region (40). */
export const PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX = PARAVISOR_CONFIG_PPTT_PAGE_INDEX + PARAVISOR_CONFIG_PPTT_SIZE_PAGES;
/** Pages of the unmeasured part of the parameter region (104). */
export const PARAVISOR_UNMEASURED_VTL2_CONFIG_REGION_PAGE_COUNT_MAX =
  PARAVISOR_CONFIG_SLIT_SIZE_PAGES + PARAVISOR_CONFIG_PPTT_SIZE_PAGES + PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES;
/** Page index of the imported-regions (accepted memory) page (104). */
export const PARAVISOR_MEASURED_VTL2_CONFIG_ACCEPTED_MEMORY_PAGE_INDEX = PARAVISOR_UNMEASURED_VTL2_CONFIG_REGION_PAGE_COUNT_MAX;
/** Page index of the VTL2 measured config page (105). */
export const PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_INDEX = PARAVISOR_MEASURED_VTL2_CONFIG_ACCEPTED_MEMORY_PAGE_INDEX + 1n;
/** Pages of the whole parameter region at 37a2806 (106). */
export const PARAVISOR_VTL2_CONFIG_REGION_PAGE_COUNT_MAX = PARAVISOR_UNMEASURED_VTL2_CONFIG_REGION_PAGE_COUNT_MAX + 2n;
/** 61fd38fe6 (1488a37): pages of the loader's per-page expected-hashes region, after the measured config page. */
export const PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_SIZE_PAGES = 256n;
/** 61fd38fe6: page index of the expected-hashes region (106). */
export const PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_PAGE_INDEX = PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_INDEX + 1n;
/** "EPHS" little-endian, version 1: the expected-hashes region header. */
export const EXPECTED_PAGE_HASHES_MAGIC = 0x53485045;
export const EXPECTED_PAGE_HASHES_VERSION = 1;
/** Hashes the region holds: (256 pages - 16-byte header) / 48 bytes. */
export const EXPECTED_PAGE_HASH_MAX_COUNT = Number((PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_SIZE_PAGES * 4096n - 16n) / 48n);

/** Pages of the whole parameter region of `pin`: 106 at 37a2806, 362 at 1488a37 (61fd38fe6 adds the hashes region). */
export function vtl2ConfigRegionPageCount(pin: UpstreamPin): bigint {
  return atLeast(pin, "1488a37")
    ? PARAVISOR_VTL2_CONFIG_REGION_PAGE_COUNT_MAX + PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_HASHES_SIZE_PAGES
    : PARAVISOR_VTL2_CONFIG_REGION_PAGE_COUNT_MAX;
}

/** SNP reserved pages: VMSA at 0, CPUID at 1 (2 pages), secrets at 3; 4 pages in all. */
export const PARAVISOR_RESERVED_VTL2_SNP_VMSA_PAGE_INDEX = 0n;
export const PARAVISOR_RESERVED_VTL2_SNP_CPUID_PAGE_INDEX = 1n;
export const PARAVISOR_RESERVED_VTL2_SNP_SECRETS_PAGE_INDEX = 3n;
export const PARAVISOR_RESERVED_VTL2_PAGE_COUNT_MAX = 4n;

/** Where an unrelocated OpenHCL IGVM file loads VTL2 (128 MiB), and the lowest relocation base. */
export const PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS = 128n * 1024n * 1024n;
/** SNP/TDX local map VA and size. */
export const PARAVISOR_LOCAL_MAP_VA = 0x200000n;
export const PARAVISOR_LOCAL_MAP_SIZE = 0x200000n;
/** VTL0 measured config page: page 0 on x86_64, 16 MiB on aarch64. */
export const PARAVISOR_VTL0_MEASURED_CONFIG_BASE_PAGE_X64 = 0n;
export const PARAVISOR_VTL0_MEASURED_CONFIG_BASE_PAGE_AARCH64 = 16n << 8n;
/** "OHCLVTL2" little-endian: magic of the VTL2 measured config. */
export const PARAVISOR_MEASURED_VTL2_CONFIG_MAGIC = 0x4f48434c56544c32n;

/** Maximum measured (static) command line, bytes. */
export const COMMAND_LINE_SIZE = 4092;
/** Command line policies (upstream `CommandLinePolicy`). */
export const CommandLinePolicy = { STATIC: 0, APPEND_CHOSEN: 1 } as const;
/** Isolation types the shim supports (upstream `SupportedIsolationType`). */
export const SupportedIsolationType = { VBS: 1, SNP: 2, TDX: 3 } as const;

/** The persisted-state region the loader reserves at the bottom of VTL2 memory (2 MiB). */
export const PERSISTED_REGION_SIZE = 2n * 1024n * 1024n;
/** The part of it the shim sizes for the persisted state on a first boot (20 pages). */
export const PERSISTED_STATE_FIRST_BOOT_SIZE = 20n * 4096n;

type FieldType = "i64" | "u64" | "u32" | "u16" | "u8";
const SIZES: Record<FieldType, number> = { i64: 8, u64: 8, u32: 4, u16: 2, u8: 1 };

/** A field of a repr(C) struct: name (upstream spelling), type, array length. */
export interface Field {
  name: string;
  type: FieldType;
  count?: number;
}

/** A repr(C) layout computed from its declared fields: offsets, size (with tail padding). */
export interface StructLayout {
  fields: readonly Field[];
  offsets: Record<string, number>;
  size: number;
}

/** Lays out fields in declaration order with natural alignment, as repr(C) does. */
export function reprC(fields: readonly Field[]): StructLayout {
  let off = 0;
  let align = 1;
  const offsets: Record<string, number> = {};
  for (const f of fields) {
    const a = SIZES[f.type];
    off = Math.ceil(off / a) * a;
    offsets[f.name] = off;
    off += a * (f.count ?? 1);
    align = Math.max(align, a);
  }
  return { fields, offsets, size: Math.ceil(off / align) * align };
}

/** `ShimParamsRaw` (loader_defs::shim), in declaration order. */
export const SHIM_PARAMS_RAW = reprC([
  { name: "kernel_entry_offset", type: "i64" },
  { name: "cmdline_offset", type: "i64" },
  { name: "initrd_offset", type: "i64" },
  { name: "initrd_size", type: "u64" },
  { name: "initrd_crc", type: "u32" },
  { name: "supported_isolation_type", type: "u32" },
  { name: "memory_start_offset", type: "i64" },
  { name: "memory_size", type: "u64" },
  { name: "parameter_region_offset", type: "i64" },
  { name: "parameter_region_size", type: "u64" },
  { name: "vtl2_reserved_region_offset", type: "i64" },
  { name: "vtl2_reserved_region_size", type: "u64" },
  { name: "sidecar_offset", type: "i64" },
  { name: "sidecar_size", type: "u64" },
  { name: "sidecar_entry_offset", type: "i64" },
  { name: "used_start", type: "i64" },
  { name: "used_end", type: "i64" },
  { name: "bounce_buffer_start", type: "i64" },
  { name: "bounce_buffer_size", type: "u64" },
  { name: "log_buffer_start", type: "i64" },
  { name: "log_buffer_size", type: "u64" },
  { name: "heap_start_offset", type: "i64" },
  { name: "heap_size", type: "u64" },
  { name: "persisted_state_region_offset", type: "i64" },
  { name: "persisted_state_region_size", type: "u64" },
]);

/** `ParavisorCommandLine` (loader_defs::paravisor): one page. */
export const PARAVISOR_COMMAND_LINE = reprC([
  { name: "policy", type: "u16" },
  { name: "static_command_line_len", type: "u16" },
  { name: "static_command_line", type: "u8", count: COMMAND_LINE_SIZE },
]);

/** `ImportedRegionsPageHeader`: the SHA-384 of the unaccepted imported pages. */
export const IMPORTED_REGIONS_PAGE_HEADER = reprC([{ name: "sha384_hash", type: "u8", count: 48 }]);

/** `ImportedRegionDescriptor`: 24 bytes. */
export const IMPORTED_REGION_DESCRIPTOR = reprC([
  { name: "base_page_number", type: "u64" },
  { name: "page_count", type: "u64" },
  { name: "accepted", type: "u8" },
  { name: "padding", type: "u8", count: 7 },
]);

/** Descriptors that fit in the imported-regions page after its header (168). */
export const IMPORTED_REGIONS_MAX = Math.floor(
  (Number(HV_PAGE_SIZE) - IMPORTED_REGIONS_PAGE_HEADER.size) / IMPORTED_REGION_DESCRIPTOR.size,
);

/** Field values of `ShimParamsRaw` (offsets relative to the shim base, as signed 64-bit). */
export type ShimParamsRawValues = Record<(typeof SHIM_PARAMS_RAW.fields)[number]["name"], bigint>;

/** Encodes `ShimParamsRaw` little-endian. */
export function encodeShimParamsRaw(v: ShimParamsRawValues): Uint8Array {
  const out = new Uint8Array(SHIM_PARAMS_RAW.size);
  const dv = new DataView(out.buffer);
  for (const f of SHIM_PARAMS_RAW.fields) {
    const at = SHIM_PARAMS_RAW.offsets[f.name];
    const val = v[f.name];
    if (val === undefined) throw new Error(`ShimParamsRaw field ${f.name} missing`);
    if (f.type === "u32") dv.setUint32(at, Number(BigInt.asUintN(32, val)), true);
    else dv.setBigUint64(at, BigInt.asUintN(64, val), true);
  }
  return out;
}

/** Decodes `ShimParamsRaw` (i64 fields signed, u64/u32 unsigned). */
export function decodeShimParamsRaw(bytes: Uint8Array): ShimParamsRawValues {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, bigint> = {};
  for (const f of SHIM_PARAMS_RAW.fields) {
    const at = SHIM_PARAMS_RAW.offsets[f.name];
    out[f.name] =
      f.type === "u32" ? BigInt(dv.getUint32(at, true)) : f.type === "i64" ? dv.getBigInt64(at, true) : dv.getBigUint64(at, true);
  }
  return out as ShimParamsRawValues;
}

/** Encodes `ParavisorCommandLine`; the caller has checked the length. */
export function encodeParavisorCommandLine(policy: number, text: Uint8Array): Uint8Array {
  const out = new Uint8Array(PARAVISOR_COMMAND_LINE.size);
  const dv = new DataView(out.buffer);
  dv.setUint16(PARAVISOR_COMMAND_LINE.offsets.policy, policy, true);
  dv.setUint16(PARAVISOR_COMMAND_LINE.offsets.static_command_line_len, text.length, true);
  out.set(text, PARAVISOR_COMMAND_LINE.offsets.static_command_line);
  return out;
}

/** An imported region as descriptor values. */
export interface ImportedRegionDescriptor {
  basePageNumber: bigint;
  pageCount: bigint;
  accepted: boolean;
}

/** Encodes the imported-regions page: header hash, descriptors, zero terminator (if room). */
export function encodeImportedRegionsPage(hash: Uint8Array, regions: readonly ImportedRegionDescriptor[]): Uint8Array {
  if (hash.length !== 48) throw new Error("hash should be correct size");
  if (regions.length > IMPORTED_REGIONS_MAX) throw new Error(`more than ${IMPORTED_REGIONS_MAX} imported regions`);
  const out = new Uint8Array(Number(HV_PAGE_SIZE));
  const dv = new DataView(out.buffer);
  out.set(hash, IMPORTED_REGIONS_PAGE_HEADER.offsets.sha384_hash);
  const d = IMPORTED_REGION_DESCRIPTOR;
  regions.forEach((r, i) => {
    const at = IMPORTED_REGIONS_PAGE_HEADER.size + i * d.size;
    dv.setBigUint64(at + d.offsets.base_page_number, r.basePageNumber, true);
    dv.setBigUint64(at + d.offsets.page_count, r.pageCount, true);
    dv.setUint8(at + d.offsets.accepted, r.accepted ? 1 : 0);
  });
  return out;
}

/**
 * Encodes `ParavisorMeasuredVtl2Config` (magic, vTOM bit, padding; at 1488a37 also
 * `product_policy_size` and reserved, 4e6726821 — zero: hclboot builds no product policy).
 */
export function encodeMeasuredVtl2Config(vtomOffsetBit: number, pin: UpstreamPin = "37a2806"): Uint8Array {
  const out = new Uint8Array(atLeast(pin, "1488a37") ? 24 : 16);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, PARAVISOR_MEASURED_VTL2_CONFIG_MAGIC, true);
  dv.setUint8(8, vtomOffsetBit);
  return out;
}
