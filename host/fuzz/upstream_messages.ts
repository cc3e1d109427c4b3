//! The failure sites a boot may legitimately end at: upstream panic and error messages as patterns.
// Ports: the panic!/assert!/expect and error Display texts of openhcl/openhcl_boot/src/{main.rs,
// memory.rs,sidecar.rs,host_params/dt/mod.rs,host_params/shim_params.rs}, openhcl/host_fdt_parser,
// support/fdt/src/parser.rs and vm/vmcore/memory_range (pinned commit of REFERENCE.md).
//
// A failed fuzz run is expected when its message matches one of these patterns; any other message
// (or a trap without one) is a finding. Formatted values (`{}`, `{:#x}`, `{:?}`) match `.*`.
// `Result::expect(msg)` prints `msg: <Debug of the error>`, hence the `(: .*)?` tails.

/** One failure site: where it is upstream and the message it prints. */
export interface FailureSite {
  /** Upstream file (and item) that prints the message. */
  site: string;
  /** The message, anchored. */
  pattern: RegExp;
}

const F = (site: string, source: string): FailureSite => ({ site, pattern: new RegExp(`^(?:${source})$`, "s") });

const DT = "openhcl/openhcl_boot/src/host_params/dt/mod.rs";
const MAIN = "openhcl/openhcl_boot/src/main.rs";
const MEM = "openhcl/openhcl_boot/src/memory.rs";
const HFP = "openhcl/host_fdt_parser/src/lib.rs";
const FDT = "support/fdt/src/parser.rs";
const MR = "vm/vmcore/memory_range/src/lib.rs";
const X64MEM = "openhcl/openhcl_boot/src/arch/x86_64/memory.rs";

/** Every upstream failure message the boot path can end with. */
export const FAILURE_SITES: readonly FailureSite[] = [
  // host_params/dt/mod.rs: DtError variants (reported with kind "dt").
  F(`${DT} DtError::NoDeviceTree`, "no device tree provided by host"),
  F(`${DT} DtError::HostDt`, "host provided device tree is invalid.*"),
  F(`${DT} DtError::CommandLineSize`, "commandline storage is too small to write the parsed command line"),
  F(`${DT} DtError::Vtl2Vmbus`, "device tree did not contain a vmbus node for VTL2"),
  F(`${DT} DtError::Vtl0Vmbus`, "device tree did not contain a vmbus node for VTL0"),
  F(`${DT} DtError::NotEnoughMmio`, "host provided high MMIO range is insufficient to cover VTL0 and VTL2"),
  F(`${DT} DtError::NotEnoughVtl0Mmio`, "host provided MMIO range is insufficient to cover VTL2"),
  // host_params/dt/mod.rs: panics.
  F(`${DT} pool split`, "cannot split VTL2 pool of size 0x[0-9a-f]+ bytes across \\d+ nodes, per node size 0x[0-9a-f]+ bytes; .*"),
  F(`${DT} pool allocation`, "failed to allocate VTL2 pool on node \\d+: need 0x[0-9a-f]+ bytes, pool total .*"),
  F(`${DT} pool arithmetic`, "assertion `left == right` failed: pool allocation arithmetic error: .*"),
  F(`${DT} vtl2 ram size`, "host provided vtl2 ram size [0-9a-f]+ is smaller than measured size [0-9a-f]+"),
  F(`${DT} used range`, "used file range .* is not reported as ram by host memmap"),
  F(`${DT} imported range`, "imported range .* overlaps vtl2 range and is not fully contained within vtl2 range"),
  F(`${DT} launch context`, "launch context range .* is not reported as ram by host memmap"),
  F(`${DT} required_mem`, "assertion failed: required_mem != 0"),
  F(`${DT} vnode exhausted`, "failed to allocate 0x[0-9a-f]+ for vnode 0x[0-9a-f]+, no memory remaining for vnode"),
  F(`${DT} vtl2 ram capacity`, "vtl2 ram should only be 64 big(: .*)?"),
  F(`${DT} vtl0 mmio count`, "assertion `left == right` failed: vtl0 mmio ranges are not 2 .*"),
  F(`${DT} range valid`, "range is valid(: .*)?"),
  F(`${DT} address space init`, "failed to initialize address space manager(: .*)?"),
  F(`${DT} protobuf region`, "protobuf region .* is not contained within the persisted state region .*"),
  F(`${DT} protobuf payload`, "protobuf payload len \\d+ is larger than region len \\d+"),
  F(`${DT} protobuf decode`, "failed to decode protobuf(: .*)?"),
  F(`${DT} persisted vtl2 ram`, "assertion `left == right` failed: vtl2 ram from persisted state does not match host provided ram.*"),
  F(`${DT} persisted header`, "persisted state header missing(: .*)?"),
  F(`${DT} persisted protobuf region`, "persisted state protobuf region missing(: .*)?"),
  F(`${DT} persisted region adjacency`, "assertion `left == right` failed.*"),
  F(`${DT} page aligned region`, "region is page aligned and the correct size(: .*)?"),
  F(`${DT} measured command line`, "measured command line should be valid(: .*)?"),
  F("openhcl/openhcl_boot/src/host_params/dt/bump_alloc.rs heap exhausted (handle_alloc_error)", "memory allocation of \\d+ bytes failed"),
  // memory.rs: AddressSpaceManager errors and panics.
  F(`${MEM} Error::RamLen`, "ram len \\d+ greater than maximum \\d+"),
  F(`${MEM} Error::AlreadyInitialized`, "already initialized"),
  F(`${MEM} Error::ReservedRangeOutsideBootshimUsed`, "reserved range .*, type .* outside of bootshim used .*"),
  F(`${MEM} pool ranges`, "pool ranges already set on builder"),
  F(`${MEM} vtl2 range`, "vtl2 range .* used by .* not contained in vtl2 ram"),
  // main.rs
  F(`${MAIN} vtl2 ram type`, "unexpected vtl2 ram type .* for range .*"),
  F(`${MAIN} e820`, "building e820 map must succeed(: .*)?"),
  F(`${MAIN} dt params`, "unable to read device tree params .*"),
  F(`${MAIN} no cpus`, "no cpus"),
  F(`${MAIN} preaccepted`, "range .* not in vtl2 ram was not preaccepted at launch"),
  F(`${MAIN} vp index`, "failed to get VP index for hardware ID 0x[0-9a-f]+: .*"),
  F(`${MAIN} vp index order`, "CPU hardware ID 0x[0-9a-f]+ does not correspond to VP index \\d+"),
  F(`${MAIN} arch`, "unsupported arch"),
  F(`${MAIN} kernel command line`, "called `Result::unwrap\\(\\)` on an `Err` value: CommandLineTooLong"),
  F(`${MAIN} kernel device tree (write_dt().unwrap())`, "called `Result::unwrap\\(\\)` on an `Err` value: Fdt\\(.*\\)"),
  F("openhcl/openhcl_boot/src/dt.rs", "should always fit(: .*)?|must be set on aarch64"),
  F(`${MAIN} vsm capabilities`, "failed to query vsm capabilities(: .*)?"),
  F("openhcl/openhcl_boot/src/arch/x86_64/mod.rs cpuid", "not implemented: can't trust host cpuid"),
  F("openhcl/openhcl_boot/src/arch/*/vsm.rs isolation", "unexpected isolation type.*"),
  F(`${MEM} valid index`, "valid index"),
  // arch/x86_64/memory.rs setup_vtl2_memory (imported region order, bounce buffer, TDX AP page
  // tables) and verify_imported_regions_hash.
  F(`${X64MEM} imported order`, "assertion failed: last_range_end\\.is_none\\(\\) \\|\\| imported_range\\.start\\(\\) > last_range_end\\.unwrap\\(\\)"),
  F(`${X64MEM} bounce buffer`, "assertion failed: bounce_buffer\\.start\\(\\) % X64_LARGE_PAGE_SIZE == 0|assertion failed: bounce_buffer\\.len\\(\\) >= X64_LARGE_PAGE_SIZE"),
  F(`${X64MEM} verify_imported_regions_hash`, "Imported regions hash mismatch"),
  F(`${X64MEM} TDX page tables`, "allocation of space for TDX page tables must succeed"),
  F(`${X64MEM} TDX page table builder`, "page table builder must return no error: (InvalidRange|UnsortedMappings|OverlappingMappings)"),
  F(`${X64MEM} TDX page table build`, "page table construction must succeed: NotEnoughMemory"),
  F(`${X64MEM} TDX hypercall page`, "assertion failed: free_buffer\\.is_multiple_of\\(X64_LARGE_PAGE_SIZE\\)"),
  F("openhcl/openhcl_boot/src/host_params/shim_params.rs non null", "should always be non null"),
  // Rust runtime checks at upstream expressions (slice/Vec indexing, division, ArrayVec::extend,
  // unreachable!): the boot core emits these texts only where the upstream expression would panic.
  F("core::panicking index (e.g. dt/mod.rs memory_per_node[vnode])", "index out of bounds: the len is \\d+ but the index is \\d+"),
  F("core::slice::index range (e.g. shim_params.rs command line)", "range end index \\d+ out of range for slice of length \\d+"),
  F("core::panicking division (e.g. dt/mod.rs vtl2_size / numa_node_count)", "attempt to divide by zero"),
  F("arrayvec ArrayVec::extend", "ArrayVec: capacity exceeded in extend/from_iter"),
  F("arrayvec ArrayVec::push (try_push().unwrap())", "called `Result::unwrap\\(\\)` on an `Err` value: CapacityError: insufficient capacity"),
  F("core::panicking unreachable!", "internal error: entered unreachable code"),
  // sidecar.rs, shim_params.rs
  F("openhcl/openhcl_boot/src/sidecar.rs start", "failed to start sidecar: .*"),
  F("openhcl/openhcl_boot/src/host_params/shim_params.rs imported region", "page number conversion into addresses results in a valid address range(: .*)?"),
  F("openhcl/openhcl_boot/src/host_params/shim_params.rs parameter region", "assertion failed: imported_region_page_address .*"),
  // host_fdt_parser: ErrorKind Display.
  F(`${HFP} ErrorKind::Dt`, "invalid device tree: .*"),
  F(`${HFP} ErrorKind::Node`, "invalid device tree node with parent .*: .*"),
  F(`${HFP} ErrorKind::PropMissing`, ".* did not have the following required property .*"),
  F(`${HFP} ErrorKind::Prop`, "reading node property failed: .*"),
  F(`${HFP} ErrorKind::TooManyCpus`, "device tree contained more enabled CPUs than can be parsed"),
  F(`${HFP} ErrorKind::MemoryRegUnaligned`, "memory node .* contains 4K unaligned base \\d+ or len \\d+"),
  F(`${HFP} ErrorKind::MemoryRegOverlap`, "ram at \\d+\\.\\.\\d+ of type .* overlaps ram at \\d+\\.\\.\\d+ of type .*"),
  F(`${HFP} ErrorKind::TooManyMemoryEntries`, "device tree contained more memory ranges than can be parsed"),
  F(`${HFP} ErrorKind::PropInvalidU32`, ".* had an invalid u32 value for .*: expected \\d+, actual \\d+"),
  F(`${HFP} ErrorKind::PropInvalidStr`, ".* had an invalid str value for .*: expected .*, actual .*"),
  F(`${HFP} ErrorKind::UnexpectedVmbusVtl`, ".* has an unexpected vtl \\d+"),
  F(`${HFP} ErrorKind::MultipleVmbusNode`, ".* specifies a duplicate vmbus node"),
  F(`${HFP} ErrorKind::VmbusRangesChildParent`, "vmbus .* ranges child base \\d+ does not match parent \\d+"),
  F(`${HFP} ErrorKind::VmbusRangesNotAligned`, "vmbus .* base \\d+ or len \\d+ not aligned to 4K"),
  F(`${HFP} ErrorKind::TooManyVmbusMmioRanges`, "vmbus .* has more than 2 mmio ranges \\d+"),
  F(`${HFP} ErrorKind::VmbusMmioOverlapsRam`, "vmbus mmio at \\d+\\.\\.\\d+ overlaps ram at \\d+\\.\\.\\d+"),
  F(`${HFP} ErrorKind::VmbusMmioOverlapsVmbusMmio`, "vmbus mmio at \\d+\\.\\.\\d+ overlaps vmbus mmio at \\d+\\.\\.\\d+"),
  F(`${HFP} ErrorKind::CmdlineSize`, "commandline too small to parse /chosen bootargs"),
  F(`${HFP} ErrorKind::UnexpectedMemoryAllocationMode`, "unexpected memory allocation mode: .*"),
  F(`${HFP} valid range`, "valid range(: .*)?"),
  // support/fdt parser: ErrorKind Display (as reached through host_fdt_parser's wrappers).
  F(`${FDT} ErrorKind`, "Buffer is not aligned to u32|Buffer too small for fixed FDT header|FDT header magic field invalid|" +
    "FDT header total size greater than provided buffer|FDT header version invalid|Structure block not contained within buffer|" +
    "Structure block offset is not aligned to u32|Memory reservation block not contained within buffer|" +
    "Memory reservation block did not end with an empty entry|Strings block not contained within buffer|No root node present|" +
    "More than one node at the root|FDT end token not present at end of structure block"),
  // vm/vmcore/memory_range: asserts and the walk's sortedness checks.
  F(`${MR} InvalidMemoryRange`, "unaligned or invalid memory range: 0x[0-9a-f]+-0x[0-9a-f]+"),
  F(`${MR} MemoryRange::new`, "assertion failed: range\\.start & \\(PAGE_SIZE - 1\\) == 0|assertion failed: range\\.end & \\(PAGE_SIZE - 1\\) == 0|assertion failed: range\\.start <= range\\.end"),
  F(`${MR} bounding_aligned`, "assertion failed: alignment\\.is_power_of_two\\(\\)|assertion failed: range\\.end <= u64::MAX - \\(alignment - 1\\)"),
  F(`${MR} from_4k_gpn_range`, "assertion failed: range\\.start <= MAX|assertion failed: range\\.end <= MAX"),
  F(`${MR} split_at_offset`, "assertion failed: offset <= self\\.len\\(\\)|assertion failed: offset\\.is_multiple_of\\(PAGE_SIZE\\)"),
  F(`${MR} walk_ranges`, "left not sorted|right not sorted"),
  F(`${MR} flatten/merge`, "ranges are not sorted|ranges overlap"),
];

/**
 * hclboot's own explicit capacity errors (a fixed-capacity list that upstream sizes by type, here
 * sized by the caller): expected where the caller asked for a small capacity.
 */
export const CAPACITY_SITES: readonly FailureSite[] = [
  F("assembly/support/memory_range/range_list.ts RangeList", "RangeList full: output needs more than its capacity of \\d+ ranges"),
  F("assembly/support/memory_range/range_list.ts RangeWalk", "RangeWalk full: walk produces more than its capacity of \\d+ ranges"),
];

/** host_fdt_parser's `Error` Display: this prefix, then the ErrorKind (or the fdt parser's error). */
export const HOST_FDT_ERROR_PREFIX = "Parsing failed due to: ";

/** The site a failure message belongs to, or null when no upstream (or capacity) site prints it. */
export function classifyFailure(message: string): FailureSite | null {
  if (message.startsWith(HOST_FDT_ERROR_PREFIX)) {
    const inner = message.slice(HOST_FDT_ERROR_PREFIX.length);
    const s = FAILURE_SITES.find((f) => (f.site.startsWith(HFP) || f.site.startsWith(FDT)) && f.pattern.test(inner));
    return s ? { site: `${HFP} Error (${s.site})`, pattern: s.pattern } : null;
  }
  for (const s of FAILURE_SITES) if (s.pattern.test(message)) return s;
  for (const s of CAPACITY_SITES) if (s.pattern.test(message)) return s;
  return null;
}
