//! WASM exports of the FDT parser and the host device tree parser: parse a blob and write the
//! result as one record (decoded by host/shim/host_fdt.ts), dump a blob's nodes, and a timing loop.
// Ports: openhcl/host_fdt_parser/src/lib.rs, support/fdt/src/parser.rs (entry points only)

import { outBegin, outU8, outU32, outU64, outStr, outBytes } from "../rt/out";
import { ParsedDeviceTree, VmbusInfo, outMemoryAllocationMode } from "../support/host_fdt_parser/host_fdt_parser";
import { parseHostDeviceTree } from "../support/host_fdt_parser/walk";
import { FdtParser, FdtNode, NodeIter } from "../support/fdt/parser";
import { FdtError } from "../support/fdt/error";

function writeVmbus(v: VmbusInfo | null): void {
  if (v === null) {
    outU8(0);
    return;
  }
  outU8(1);
  outU32(v.connectionId);
  outU32(<u32>v.mmioCount);
  for (let i = 0; i < v.mmioCount; i++) {
    outU64(v.mmioStart(i));
    outU64(v.mmioEnd(i));
  }
}

function writeTree(t: ParsedDeviceTree): void {
  outU8(1);
  outU32(t.deviceTreeSize);
  outU32(t.bootCpuidPhys);
  outU32(<u32>t.cpuCount);
  for (let i = 0; i < t.cpuCount; i++) {
    outU64(unchecked(t.cpuRegs[i]));
    outU32(unchecked(t.cpuVnodes[i]));
  }
  outU32(<u32>t.memoryCount);
  for (let i = 0; i < t.memoryCount; i++) {
    outU64(unchecked(t.memStarts[i]));
    outU64(unchecked(t.memEnds[i]));
    outU32(unchecked(t.memTypes[i]));
    outU32(unchecked(t.memVnodes[i]));
  }
  writeVmbus(t.vmbusVtl0);
  writeVmbus(t.vmbusVtl2);
  outBytes(changetype<usize>(t.commandLineBytes), <u32>t.commandLineLen);
  outU8(t.com3SerialAvailable ? 1 : 0);
  const gic = t.gic;
  if (gic === null) {
    outU8(0);
  } else {
    outU8(1);
    outU64(gic.gicDistributorBase);
    outU64(gic.gicDistributorSize);
    outU64(gic.gicRedistributorsBase);
    outU64(gic.gicRedistributorsSize);
    outU64(gic.gicRedistributorStride);
  }
  outU8(t.hasPmuGsiv ? 1 : 0);
  outU32(t.pmuGsiv);
  outMemoryAllocationMode(t.memoryAllocationMode);
  outU8(t.hasEntropy ? 1 : 0);
  outBytes(changetype<usize>(t.entropyBytes), <u32>t.entropyLen);
  outU8(t.hasDeviceDmaPageCount ? 1 : 0);
  outU64(t.deviceDmaPageCount);
  outU8(t.nvmeKeepalive ? 1 : 0);
  outU8(t.hasVtl0AliasMap ? 1 : 0);
  outU64(t.vtl0AliasMap);
}

/**
 * Parses the host device tree at `ptr`/`len` as openhcl_boot does. Record: u8 1 and the tree, or
 * u8 0, u32 error kind, the error's Display text and its Debug text. `upstreamOrder` != 0 forces upstream's lazy
 * walk (for comparison). Returns 1 when parsed, 0 on a parse error.
 */
export function host_fdt_parse(ptr: usize, len: u32, upstreamOrder: u32): u32 {
  outBegin();
  const tree = new ParsedDeviceTree();
  const e = parseHostDeviceTree(ptr, len, tree, upstreamOrder != 0);
  if (e !== null) {
    outU8(0);
    outU32(<u32>e.kind);
    outStr(e.message());
    outStr(e.debug());
    return 0;
  }
  writeTree(tree);
  return 1;
}

/** Parses the blob `iterations` times into one storage (timing loop); returns the CPU count. */
export function host_fdt_bench(ptr: usize, len: u32, iterations: u32, upstreamOrder: u32): i32 {
  const tree = new ParsedDeviceTree();
  let cpus: i32 = 0;
  for (let i: u32 = 0; i < iterations; i++) {
    const e = parseHostDeviceTree(ptr, len, tree, upstreamOrder != 0);
    cpus = e === null ? tree.cpuCount : -1;
  }
  return cpus;
}

function dumpFail(e: FdtError): u32 {
  outBegin();
  outU8(0);
  outStr(e.message());
  return 0;
}

/**
 * Walks any FDT blob with the generic parser (root, then each node's properties and children in
 * order). Record: u8 1, u32 totalsize, u32 boot_cpuid_phys, u32 reservation count and
 * (u64 address, u64 size) pairs, then the nodes as u8 1 + name, u8 3 + property name + data,
 * u8 2 (end of node); or u8 0 and the first error's text. Returns 1 or 0.
 */
export function fdt_dump(ptr: usize, len: u32): u32 {
  outBegin();
  const p = new FdtParser();
  const e = p.init(ptr, len);
  if (e !== null) return dumpFail(e);
  const root = p.root();
  if (root === null) return dumpFail(p.error!);
  outU8(1);
  outU32(p.totalSize);
  outU32(p.bootCpuidPhys);
  outU32(p.rsvCount);
  for (let i: u32 = 0; i < p.rsvCount; i++) {
    outU64(p.reservationAddress(i));
    outU64(p.reservationSize(i));
  }
  // explicit stack: nesting depth is bounded only by the blob
  const stack = new Array<NodeIter>();
  let node: FdtNode | null = root;
  while (true) {
    if (node !== null) {
      outU8(1);
      outBytes(node.namePtr, node.nameLen);
      const props = node.properties();
      while (true) {
        const prop = props.next();
        if (prop === null) break;
        outU8(3);
        outBytes(prop.namePtr, prop.nameLen);
        outBytes(prop.dataPtr, prop.dataLen);
      }
      if (props.error !== null) return dumpFail(props.error!);
      stack.push(node.children());
    }
    if (stack.length == 0) break;
    const top = stack[stack.length - 1];
    node = top.next();
    if (node === null) {
      if (top.error !== null) return dumpFail(top.error!);
      stack.pop();
      outU8(2);
    }
  }
  return 1;
}
