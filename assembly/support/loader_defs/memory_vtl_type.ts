//! The memory type the boot shim reports to usermode for each range: which VTL it belongs to and
//! what it holds (ram, config, pool, persisted state, ...).
// Ports: vm/loader/loader_defs/src/shim.rs (MemoryVtlType)

/** This memory is for VTL0. */
export const VTL0: u32 = 0;
/** Regular VTL2 ram. */
export const VTL2_RAM: u32 = 1;
/** VTL2 config data (parameter region), reserved to the kernel. */
export const VTL2_CONFIG: u32 = 2;
/** The sidecar image. */
export const VTL2_SIDECAR_IMAGE: u32 = 3;
/** Per-node sidecar memory. */
export const VTL2_SIDECAR_NODE: u32 = 4;
/** VTL0 mmio. */
export const VTL0_MMIO: u32 = 5;
/** VTL2 mmio. */
export const VTL2_MMIO: u32 = 6;
/** VTL2 data the kernel and usermode must preserve (SNP VMSA, CPUID, secrets pages). */
export const VTL2_RESERVED: u32 = 7;
/** The persisted VTL2 GPA page pool. */
export const VTL2_GPA_POOL: u32 = 8;
/** TDX AP startup page tables. */
export const VTL2_TDX_PAGE_TABLES: u32 = 9;
/** In-memory boot shim log buffer. */
export const VTL2_BOOTSHIM_LOG_BUFFER: u32 = 10;
/** Persisted state header page. */
export const VTL2_PERSISTED_STATE_HEADER: u32 = 11;
/** Persisted state protobuf payload. */
export const VTL2_PERSISTED_STATE_PROTOBUF: u32 = 12;

/** The upstream `Debug` name of a MemoryVtlType value (open_enum: unknown values print the number). */
export function memoryVtlTypeName(t: u32): string {
  switch (t) {
    case VTL0: return "VTL0";
    case VTL2_RAM: return "VTL2_RAM";
    case VTL2_CONFIG: return "VTL2_CONFIG";
    case VTL2_SIDECAR_IMAGE: return "VTL2_SIDECAR_IMAGE";
    case VTL2_SIDECAR_NODE: return "VTL2_SIDECAR_NODE";
    case VTL0_MMIO: return "VTL0_MMIO";
    case VTL2_MMIO: return "VTL2_MMIO";
    case VTL2_RESERVED: return "VTL2_RESERVED";
    case VTL2_GPA_POOL: return "VTL2_GPA_POOL";
    case VTL2_TDX_PAGE_TABLES: return "VTL2_TDX_PAGE_TABLES";
    case VTL2_BOOTSHIM_LOG_BUFFER: return "VTL2_BOOTSHIM_LOG_BUFFER";
    case VTL2_PERSISTED_STATE_HEADER: return "VTL2_PERSISTED_STATE_HEADER";
    case VTL2_PERSISTED_STATE_PROTOBUF: return "VTL2_PERSISTED_STATE_PROTOBUF";
  }
  return t.toString();
}

/** True when the type describes ram (every type except the two mmio types). */
export function memoryVtlTypeIsRam(t: u32): bool {
  return t <= VTL2_PERSISTED_STATE_PROTOBUF && t != VTL0_MMIO && t != VTL2_MMIO;
}

/** True when the range belongs to VTL2 (every type except VTL0 and VTL0_MMIO). */
export function memoryVtlTypeIsVtl2(t: u32): bool {
  return t <= VTL2_PERSISTED_STATE_PROTOBUF && t != VTL0 && t != VTL0_MMIO;
}
