//! Errors of the host device tree parser, with upstream's kinds and Display texts
//! (`Parsing failed due to: ...`).
// Ports: openhcl/host_fdt_parser/src/lib.rs (Error, ErrorKind)

import { FdtError } from "../fdt/error";
import { fmtRangeDebug, fmtStrDebug } from "../../rt/fmt";

/** Kinds of host device tree errors (upstream `ErrorKind`). */
export enum HostDtErrorKind {
  Dt = 0,
  Node = 1,
  PropMissing = 2,
  Prop = 3,
  TooManyCpus = 4,
  MemoryRegUnaligned = 5,
  MemoryRegOverlap = 6,
  TooManyMemoryEntries = 7,
  PropInvalidU32 = 8,
  PropInvalidStr = 9,
  UnexpectedVmbusVtl = 10,
  MultipleVmbusNode = 11,
  VmbusRangesChildParent = 12,
  VmbusRangesNotAligned = 13,
  TooManyVmbusMmioRanges = 14,
  VmbusMmioOverlapsRam = 15,
  VmbusMmioOverlapsVmbusMmio = 16,
  CmdlineSize = 17,
  UnexpectedMemoryAllocationMode = 18,
}

/** A host device tree error: its kind, the text of the wrapped `ErrorKind` and that kind's Rust Debug. */
export class HostDtParseError {
  constructor(public readonly kind: HostDtErrorKind, public readonly detail: string, private readonly kindDebug: string) {}

  /** Rust's derived `{:?}` of upstream `Error`: `Error(<ErrorKind Debug>)`. */
  debug(): string {
    return "Error(" + this.kindDebug + ")";
  }

  /** The Display text of upstream `Error`: `Parsing failed due to: <kind text>`. */
  message(): string {
    return "Parsing failed due to: " + this.detail;
  }
}

/**
 * `{:?}` of an igvm `MemoryMapEntryType` (an open enum over u16; open-enum 0.5.2 prints known
 * names, else `MemoryMapEntryType(n)`). igvm_defs 0.4.0 names 4 and 5 only with its `unstable`
 * feature, which nothing in openhcl_boot's own build enables, so they print as numbers.
 */
export function memTypeDebug(t: u32): string {
  if (t == 0) return "MEMORY";
  if (t == 1) return "PLATFORM_RESERVED";
  if (t == 2) return "PERSISTENT";
  if (t == 3) return "VTL2_PROTECTABLE";
  return "MemoryMapEntryType(" + t.toString() + ")";
}

/** `{:?}` of a host_fdt_parser `MemoryEntry`. */
export function memoryEntryDebug(start: u64, end: u64, memType: u32, vnode: u32): string {
  return "MemoryEntry { range: " + fmtRangeDebug(start, end) + ", mem_type: " + memTypeDebug(memType) + ", vnode: " + vnode.toString() + " }";
}

/** `Dt`: the blob failed header validation. */
export function errDt(fdt: FdtError): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.Dt, "invalid device tree: " + fdt.message(), "Dt(" + fdt.debug() + ")");
}

/** `Node`: a child node could not be split out of its parent. */
export function errNode(parent: string, fdt: FdtError): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.Node, "invalid device tree node with parent " + parent + ": " + fdt.message(),
    "Node { parent_name: " + fmtStrDebug(parent) + ", error: " + fdt.debug() + " }",
  );
}

/** `PropMissing`: a required property is absent. */
export function errPropMissing(node: string, prop: string): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.PropMissing, node + " did not have the following required property " + prop,
    "PropMissing { node_name: " + fmtStrDebug(node) + ", prop_name: " + fmtStrDebug(prop) + " }",
  );
}

/** `Prop`: a property could not be found or read. */
export function errProp(fdt: FdtError): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.Prop, "reading node property failed: " + fdt.message(), "Prop(" + fdt.debug() + ")");
}

/** `TooManyCpus`. */
export function errTooManyCpus(): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.TooManyCpus, "device tree contained more enabled CPUs than can be parsed", "TooManyCpus");
}

/** `MemoryRegUnaligned`. */
export function errMemoryRegUnaligned(node: string, base: u64, len: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.MemoryRegUnaligned,
    "memory node " + node + " contains 4K unaligned base " + base.toString() + " or len " + len.toString(),
    "MemoryRegUnaligned { node_name: " + fmtStrDebug(node) + ", base: " + base.toString() + ", len: " + len.toString() + " }",
  );
}

/** `MemoryRegOverlap`: the lower and upper entries (range, type, vnode). */
export function errMemoryRegOverlap(
  ls: u64, le: u64, lt: u32, lv: u32, us: u64, ue: u64, ut: u32, uv: u32,
): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.MemoryRegOverlap,
    "ram at " + ls.toString() + ".." + le.toString() + " of type " + memTypeDebug(lt) + " overlaps ram at " +
      us.toString() + ".." + ue.toString() + " of type " + memTypeDebug(ut),
    "MemoryRegOverlap { lower: " + memoryEntryDebug(ls, le, lt, lv) + ", upper: " + memoryEntryDebug(us, ue, ut, uv) + " }",
  );
}

/** `TooManyMemoryEntries`. */
export function errTooManyMemoryEntries(): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.TooManyMemoryEntries, "device tree contained more memory ranges than can be parsed", "TooManyMemoryEntries",
  );
}

/** `PropInvalidU32`. */
export function errPropInvalidU32(node: string, prop: string, expected: u32, actual: u32): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.PropInvalidU32,
    node + " had an invalid u32 value for " + prop + ": expected " + expected.toString() + ", actual " + actual.toString(),
    "PropInvalidU32 { node_name: " + fmtStrDebug(node) + ", prop_name: " + fmtStrDebug(prop) + ", expected: " +
      expected.toString() + ", actual: " + actual.toString() + " }",
  );
}

/** `PropInvalidStr`. */
export function errPropInvalidStr(node: string, prop: string, expected: string, actual: string): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.PropInvalidStr,
    node + " had an invalid str value for " + prop + ": expected " + expected + ", actual " + actual,
    "PropInvalidStr { node_name: " + fmtStrDebug(node) + ", prop_name: " + fmtStrDebug(prop) + ", expected: " +
      fmtStrDebug(expected) + ", actual: " + fmtStrDebug(actual) + " }",
  );
}

/** `UnexpectedVmbusVtl`. */
export function errUnexpectedVmbusVtl(node: string, vtl: u32): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.UnexpectedVmbusVtl, node + " has an unexpected vtl " + vtl.toString(),
    "UnexpectedVmbusVtl { node_name: " + fmtStrDebug(node) + ", vtl: " + vtl.toString() + " }",
  );
}

/** `MultipleVmbusNode`. */
export function errMultipleVmbusNode(node: string): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.MultipleVmbusNode, node + " specifies a duplicate vmbus node",
    "MultipleVmbusNode { node_name: " + fmtStrDebug(node) + " }",
  );
}

/** `VmbusRangesChildParent`. */
export function errVmbusRangesChildParent(node: string, child: u64, parent: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.VmbusRangesChildParent,
    "vmbus " + node + " ranges child base " + child.toString() + " does not match parent " + parent.toString(),
    "VmbusRangesChildParent { node_name: " + fmtStrDebug(node) + ", child_base: " + child.toString() + ", parent_base: " +
      parent.toString() + " }",
  );
}

/** `VmbusRangesNotAligned`. */
export function errVmbusRangesNotAligned(node: string, base: u64, len: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.VmbusRangesNotAligned,
    "vmbus " + node + " base " + base.toString() + " or len " + len.toString() + " not aligned to 4K",
    "VmbusRangesNotAligned { node_name: " + fmtStrDebug(node) + ", base: " + base.toString() + ", len: " + len.toString() + " }",
  );
}

/** `TooManyVmbusMmioRanges`. */
export function errTooManyVmbusMmioRanges(node: string, ranges: u32): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.TooManyVmbusMmioRanges,
    "vmbus " + node + " has more than 2 mmio ranges " + ranges.toString(),
    "TooManyVmbusMmioRanges { node_name: " + fmtStrDebug(node) + ", ranges: " + ranges.toString() + " }",
  );
}

/** `VmbusMmioOverlapsRam`: the mmio range and the ram entry (range, type, vnode). */
export function errVmbusMmioOverlapsRam(ms: u64, me: u64, rs: u64, re: u64, rt: u32, rv: u32): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.VmbusMmioOverlapsRam,
    "vmbus mmio at " + ms.toString() + ".." + me.toString() + " overlaps ram at " + rs.toString() + ".." + re.toString(),
    "VmbusMmioOverlapsRam { mmio: " + fmtRangeDebug(ms, me) + ", ram: " + memoryEntryDebug(rs, re, rt, rv) + " }",
  );
}

/** `VmbusMmioOverlapsVmbusMmio`. */
export function errVmbusMmioOverlapsVmbusMmio(as: u64, ae: u64, bs: u64, be: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.VmbusMmioOverlapsVmbusMmio,
    "vmbus mmio at " + as.toString() + ".." + ae.toString() + " overlaps vmbus mmio at " + bs.toString() + ".." + be.toString(),
    "VmbusMmioOverlapsVmbusMmio { mmio_a: " + fmtRangeDebug(as, ae) + ", mmio_b: " + fmtRangeDebug(bs, be) + " }",
  );
}

/** `CmdlineSize`. */
export function errCmdlineSize(): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.CmdlineSize, "commandline too small to parse /chosen bootargs", "CmdlineSize");
}

/** `UnexpectedMemoryAllocationMode`. */
export function errUnexpectedMemoryAllocationMode(mode: string): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.UnexpectedMemoryAllocationMode, "unexpected memory allocation mode: " + mode,
    "UnexpectedMemoryAllocationMode { mode: " + fmtStrDebug(mode) + " }",
  );
}
