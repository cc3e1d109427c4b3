//! Errors of the host device tree parser, with upstream's kinds and Display texts
//! (`Parsing failed due to: ...`).
// Ports: openhcl/host_fdt_parser/src/lib.rs (Error, ErrorKind)

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

/** A host device tree error: its kind and the text of the wrapped `ErrorKind`. */
export class HostDtParseError {
  constructor(public readonly kind: HostDtErrorKind, public readonly detail: string) {}

  /** The Display text of upstream `Error`: `Parsing failed due to: <kind text>`. */
  message(): string {
    return "Parsing failed due to: " + this.detail;
  }
}

/** `{:?}` of an igvm `MemoryMapEntryType` (an open enum over u16). */
export function memTypeDebug(t: u32): string {
  if (t == 0) return "MEMORY";
  if (t == 1) return "PLATFORM_RESERVED";
  if (t == 2) return "PERSISTENT";
  if (t == 3) return "VTL2_PROTECTABLE";
  return "MemoryMapEntryType(" + t.toString() + ")";
}

/** `Dt`: the blob failed header validation. */
export function errDt(fdt: string): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.Dt, "invalid device tree: " + fdt);
}

/** `Node`: a child node could not be split out of its parent. */
export function errNode(parent: string, fdt: string): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.Node, "invalid device tree node with parent " + parent + ": " + fdt);
}

/** `PropMissing`: a required property is absent. */
export function errPropMissing(node: string, prop: string): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.PropMissing, node + " did not have the following required property " + prop);
}

/** `Prop`: a property could not be found or read. */
export function errProp(fdt: string): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.Prop, "reading node property failed: " + fdt);
}

/** `TooManyCpus`. */
export function errTooManyCpus(): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.TooManyCpus, "device tree contained more enabled CPUs than can be parsed");
}

/** `MemoryRegUnaligned`. */
export function errMemoryRegUnaligned(node: string, base: u64, len: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.MemoryRegUnaligned,
    "memory node " + node + " contains 4K unaligned base " + base.toString() + " or len " + len.toString(),
  );
}

/** `MemoryRegOverlap`. */
export function errMemoryRegOverlap(
  ls: u64, le: u64, lt: u32, us: u64, ue: u64, ut: u32,
): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.MemoryRegOverlap,
    "ram at " + ls.toString() + ".." + le.toString() + " of type " + memTypeDebug(lt) + " overlaps ram at " +
      us.toString() + ".." + ue.toString() + " of type " + memTypeDebug(ut),
  );
}

/** `TooManyMemoryEntries`. */
export function errTooManyMemoryEntries(): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.TooManyMemoryEntries, "device tree contained more memory ranges than can be parsed");
}

/** `PropInvalidU32`. */
export function errPropInvalidU32(node: string, prop: string, expected: u32, actual: u32): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.PropInvalidU32,
    node + " had an invalid u32 value for " + prop + ": expected " + expected.toString() + ", actual " + actual.toString(),
  );
}

/** `PropInvalidStr`. */
export function errPropInvalidStr(node: string, prop: string, expected: string, actual: string): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.PropInvalidStr,
    node + " had an invalid str value for " + prop + ": expected " + expected + ", actual " + actual,
  );
}

/** `UnexpectedVmbusVtl`. */
export function errUnexpectedVmbusVtl(node: string, vtl: u32): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.UnexpectedVmbusVtl, node + " has an unexpected vtl " + vtl.toString());
}

/** `MultipleVmbusNode`. */
export function errMultipleVmbusNode(node: string): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.MultipleVmbusNode, node + " specifies a duplicate vmbus node");
}

/** `VmbusRangesChildParent`. */
export function errVmbusRangesChildParent(node: string, child: u64, parent: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.VmbusRangesChildParent,
    "vmbus " + node + " ranges child base " + child.toString() + " does not match parent " + parent.toString(),
  );
}

/** `VmbusRangesNotAligned`. */
export function errVmbusRangesNotAligned(node: string, base: u64, len: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.VmbusRangesNotAligned,
    "vmbus " + node + " base " + base.toString() + " or len " + len.toString() + " not aligned to 4K",
  );
}

/** `TooManyVmbusMmioRanges`. */
export function errTooManyVmbusMmioRanges(node: string, ranges: u32): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.TooManyVmbusMmioRanges,
    "vmbus " + node + " has more than 2 mmio ranges " + ranges.toString(),
  );
}

/** `VmbusMmioOverlapsRam`. */
export function errVmbusMmioOverlapsRam(ms: u64, me: u64, rs: u64, re: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.VmbusMmioOverlapsRam,
    "vmbus mmio at " + ms.toString() + ".." + me.toString() + " overlaps ram at " + rs.toString() + ".." + re.toString(),
  );
}

/** `VmbusMmioOverlapsVmbusMmio`. */
export function errVmbusMmioOverlapsVmbusMmio(as: u64, ae: u64, bs: u64, be: u64): HostDtParseError {
  return new HostDtParseError(
    HostDtErrorKind.VmbusMmioOverlapsVmbusMmio,
    "vmbus mmio at " + as.toString() + ".." + ae.toString() + " overlaps vmbus mmio at " + bs.toString() + ".." + be.toString(),
  );
}

/** `CmdlineSize`. */
export function errCmdlineSize(): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.CmdlineSize, "commandline too small to parse /chosen bootargs");
}

/** `UnexpectedMemoryAllocationMode`. */
export function errUnexpectedMemoryAllocationMode(mode: string): HostDtParseError {
  return new HostDtParseError(HostDtErrorKind.UnexpectedMemoryAllocationMode, "unexpected memory allocation mode: " + mode);
}
