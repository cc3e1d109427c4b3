//! The property names the host device tree parser looks for (ids, texts, byte table) and the
//! slots where the single-pass walk leaves the current node's properties for the handlers.
// Ports: openhcl/host_fdt_parser/src/lib.rs (the property names it passes to find_property)

// ---- property names the parser looks for ------------------------------------------------------
export const P_ADDRESS_CELLS: i32 = 0;
export const P_SIZE_CELLS: i32 = 1;
export const P_STATUS: i32 = 2;
export const P_REG: i32 = 3;
export const P_NUMA_NODE_ID: i32 = 4;
export const P_MEMORY_ALLOCATION_MODE: i32 = 5;
export const P_MEMORY_SIZE: i32 = 6;
export const P_MMIO_SIZE: i32 = 7;
export const P_VTL0_ALIAS_MAP: i32 = 8;
export const P_DEVICE_TYPES: i32 = 9;
export const P_TOTAL_PAGES: i32 = 10;
export const P_IGVM_TYPE: i32 = 11;
export const P_BOOTARGS: i32 = 12;
export const P_COMPATIBLE: i32 = 13;
export const P_REDISTRIBUTOR_REGIONS: i32 = 14;
export const P_INTERRUPT_CELLS: i32 = 15;
export const P_REDISTRIBUTOR_STRIDE: i32 = 16;
export const P_RANGES: i32 = 17;
export const P_VTL: i32 = 18;
export const P_CONNECTION_ID: i32 = 19;
export const P_CURRENT_SPEED: i32 = 20;
export const P_INTERRUPTS: i32 = 21;
/** Number of property names the parser looks for. */
export const PROP_NAME_COUNT: i32 = 22;

/** The name of property id `id`. */
export function propName(id: i32): string {
  switch (id) {
    case P_ADDRESS_CELLS: return "#address-cells";
    case P_SIZE_CELLS: return "#size-cells";
    case P_STATUS: return "status";
    case P_REG: return "reg";
    case P_NUMA_NODE_ID: return "numa-node-id";
    case P_MEMORY_ALLOCATION_MODE: return "memory-allocation-mode";
    case P_MEMORY_SIZE: return "memory-size";
    case P_MMIO_SIZE: return "mmio-size";
    case P_VTL0_ALIAS_MAP: return "vtl0-alias-map";
    case P_DEVICE_TYPES: return "device-types";
    case P_TOTAL_PAGES: return "total-pages";
    case P_IGVM_TYPE: return "microsoft,igvm-type";
    case P_BOOTARGS: return "bootargs";
    case P_COMPATIBLE: return "compatible";
    case P_REDISTRIBUTOR_REGIONS: return "#redistributor-regions";
    case P_INTERRUPT_CELLS: return "#interrupt-cells";
    case P_REDISTRIBUTOR_STRIDE: return "redistributor-stride";
    case P_RANGES: return "ranges";
    case P_VTL: return "microsoft,vtl";
    case P_CONNECTION_ID: return "microsoft,message-connection-id";
    case P_CURRENT_SPEED: return "current-speed";
    case P_INTERRUPTS: return "interrupts";
  }
  return "";
}

// The same names as UTF-8 bytes (one static block) with offsets and lengths, for byte compares.
const NAME_BYTES: usize = memory.data<u8>([35,97,100,100,114,101,115,115,45,99,101,108,108,115,35,115,105,122,101,45,99,101,108,108,115,115,116,97,116,117,115,114,101,103,110,117,109,97,45,110,111,100,101,45,105,100,109,101,109,111,114,121,45,97,108,108,111,99,97,116,105,111,110,45,109,111,100,101,109,101,109,111,114,121,45,115,105,122,101,109,109,105,111,45,115,105,122,101,118,116,108,48,45,97,108,105,97,115,45,109,97,112,100,101,118,105,99,101,45,116,121,112,101,115,116,111,116,97,108,45,112,97,103,101,115,109,105,99,114,111,115,111,102,116,44,105,103,118,109,45,116,121,112,101,98,111,111,116,97,114,103,115,99,111,109,112,97,116,105,98,108,101,35,114,101,100,105,115,116,114,105,98,117,116,111,114,45,114,101,103,105,111,110,115,35,105,110,116,101,114,114,117,112,116,45,99,101,108,108,115,114,101,100,105,115,116,114,105,98,117,116,111,114,45,115,116,114,105,100,101,114,97,110,103,101,115,109,105,99,114,111,115,111,102,116,44,118,116,108,109,105,99,114,111,115,111,102,116,44,109,101,115,115,97,103,101,45,99,111,110,110,101,99,116,105,111,110,45,105,100,99,117,114,114,101,110,116,45,115,112,101,101,100,105,110,116,101,114,114,117,112,116,115]);
const NAME_OFFS: usize = memory.data<u16>([0,14,25,31,34,46,68,79,88,102,114,125,144,152,162,184,200,220,226,239,270,283]);
const NAME_LENS: usize = memory.data<u8>([14,11,6,3,12,22,11,9,14,12,11,19,8,10,22,16,20,6,13,31,13,10]);

/** Id of the property name in `len` bytes at `ptr`, or -1 when the parser does not use it. */
export function propNameId(ptr: usize, len: u32): i32 {
  for (let id = 0; id < PROP_NAME_COUNT; id++) {
    if (<u32>load<u8>(NAME_LENS + <usize>id) != len) continue;
    const at = NAME_BYTES + <usize>load<u16>(NAME_OFFS + (<usize>id << 1));
    if (memory.compare(at, ptr, <usize>len) == 0) return id;
  }
  return -1;
}

// Properties collected by the single-pass walk for the node being handled: data pointer, length
// and the node generation that wrote them (a slot from an older node reads as missing).
export const SLOT_PTR: usize = memory.data(PROP_NAME_COUNT * 4);
export const SLOT_LEN: usize = memory.data(PROP_NAME_COUNT * 4);
export const SLOT_GEN: usize = memory.data(PROP_NAME_COUNT * 4);
let slotGeneration: u32 = 0;

/** True when the slots hold property `id` of the current node (at SLOT_PTR/SLOT_LEN). */
@inline export function slotFind(id: i32): bool {
  return load<u32>(SLOT_GEN + (<usize>id << 2)) == slotGeneration;
}

/** Starts collecting properties for a new node (older slots become stale). */
@inline export function slotsNewNode(): void {
  slotGeneration++;
}

/** Records property `id` of the current node unless an earlier one of that name was recorded. */
@inline export function slotRecord(id: i32, ptr: usize, len: u32): void {
  const o = <usize>id << 2;
  if (load<u32>(SLOT_GEN + o) != slotGeneration) {
    store<u32>(SLOT_GEN + o, slotGeneration);
    store<u32>(SLOT_PTR + o, <u32>ptr);
    store<u32>(SLOT_LEN + o, len);
  }
}

