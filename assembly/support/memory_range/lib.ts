//! The memory_range crate's surface: `MemoryRange`, the fixed-capacity range lists and the range
//! walks, re-exported from one path.
// Ports: vm/vmcore/memory_range/src/lib.rs (the crate root; the code is in the files it re-exports)

export * from "./memory_range";
export * from "./range_list";
export * from "./range_walk";
