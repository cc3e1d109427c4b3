//! Names of MemoryVtlType values, as Rust's Debug of the open enum prints them.
// Ports: vm/loader/loader_defs/src/shim.rs (MemoryVtlType)

/** The variant name of a MemoryVtlType value, or the number for an unknown one. */
export function memoryVtlTypeName(t: u32): string {
  switch (t) {
    case 0: return "VTL0";
    case 1: return "VTL2_RAM";
    case 2: return "VTL2_CONFIG";
    case 3: return "VTL2_SIDECAR_IMAGE";
    case 4: return "VTL2_SIDECAR_NODE";
    case 5: return "VTL0_MMIO";
    case 6: return "VTL2_MMIO";
    case 7: return "VTL2_RESERVED";
    case 8: return "VTL2_GPA_POOL";
    case 9: return "VTL2_TDX_PAGE_TABLES";
    case 10: return "VTL2_BOOTSHIM_LOG_BUFFER";
    case 11: return "VTL2_PERSISTED_STATE_HEADER";
    case 12: return "VTL2_PERSISTED_STATE_PROTOBUF";
  }
  return t.toString();
}
