//! WASM test driver of the generic FDT parser: dumps any blob's header, reservations, nodes and
//! properties in document order (decoded by host/shim/host_fdt.ts `dumpFdt`).
// Ports: support/fdt/src/parser.rs (Parser, Node, property and child iterators)

import { outBegin, outU8, outU32, outU64, outStr, outBytes } from "../../rt/out";
import { FdtParser, FdtNode, NodeIter } from "../../support/fdt/parser";
import { FdtError } from "../../support/fdt/error";

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
