//! The host_fdt_parser crate's surface: `ParsedDeviceTree` and its parts, the parse errors, and
//! `parse`, the entry that walks a blob into a `ParsedDeviceTree`.
// Ports: openhcl/host_fdt_parser/src/lib.rs (the crate root; `ParsedDeviceTree::parse`)
//
// The types live in host_fdt_parser.ts and the walk in walk.ts; this root ties them together so
// the walk's files can import the types without importing the walk back.

import { HostDtParseError } from "./error";
import { ParsedDeviceTree } from "./host_fdt_parser";
import { parseHostDeviceTree } from "./walk";

export * from "./host_fdt_parser";
export { parseHostDeviceTree } from "./walk";

/**
 * Parses the blob of `len` bytes at `ptr` into `storage` (upstream `ParsedDeviceTree::parse`);
 * null on success. `storage` is cleared first, so one instance can be reused.
 */
export function parseDeviceTree(ptr: usize, len: u32, storage: ParsedDeviceTree): HostDtParseError | null {
  return parseHostDeviceTree(ptr, len, storage, false);
}
