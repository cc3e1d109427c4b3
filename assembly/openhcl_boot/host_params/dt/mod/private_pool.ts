//! Placement of the VTL2 private GPA pool: the whole pool on NUMA node 0 when it fits (what older
//! images expect), otherwise (or when forced) split evenly across the nodes of VTL2 ram.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (allocate_private_pool)

import { panic } from "../../../../rt/panic";
import { log, logOn } from "../../../../rt/log";
import { RangeList } from "../../../../support/memory_range/lib";
import { AddressSpaceManager, AllocationType, AllocationPolicy } from "../../../memory/memory";
import { MAX_NUMA_NODES, HV_PAGE_SIZE } from "../../mod/partition_limits";
import { tagVnode } from "../../mod/partition_info";
import { fmtRangeDebugPrettyHex, fmtOptionHexPretty, fmtHex } from "../../../../rt/fmt";
import { uniqueVnodes } from "./vnodes";
import { Vtl2GpaPoolConfig } from "../../../cmdline/cmdline";

/** Capacity of the free-range diagnostic string in the failure message. */
const FREE_RANGES_CAP: i32 = 2048;

// An ArrayString: each formatting piece is appended whole or fails (and the write stops there).
class BoundedString {
  s: string = "";
  len: i32 = 0;
  push(piece: string): bool {
    const n = String.UTF8.byteLength(piece);
    if (this.len + n > FREE_RANGES_CAP) return false;
    this.s += piece;
    this.len += n;
    return true;
  }
}

// `write!(s, "n{}:[{:#x?}, {:#x?}) ", node, start, end)`: the pieces Rust's formatter emits.
function writeFreeRange(b: BoundedString, node: u32, start: u64, end: u64): bool {
  return b.push("n") && b.push(node.toString()) && b.push(":[") && b.push("0x") && b.push(start.toString(16)) &&
    b.push(", ") && b.push("0x") && b.push(end.toString(16)) && b.push(") ");
}

// The pool inputs upstream's failure messages name (built only when one is reported).
function poolDetails(poolConfig: Vtl2GpaPoolConfig, hasDmaPages: bool, dmaPages: u64, vpCount: i32, memSize: u64): string {
  return "enable_vtl2_gpa_pool=" + poolConfig.toDebugString() + ", device_dma_page_count=" +
    fmtOptionHexPretty(hasDmaPages, dmaPages) + ", vp_count=" + vpCount.toString() + ", mem_size=" + fmtHex(memSize);
}

/**
 * Allocates `poolSizeBytes` of VTL2 GPA pool, top-down. Panics with upstream's messages (which
 * carry the pool config, DMA page count, VP count and memory size) when it cannot be placed.
 */
export function allocatePrivatePool(
  addressSpace: AddressSpaceManager, vtl2Ram: RangeList, poolSizeBytes: u64, forceNumaSplit: bool,
  poolConfig: Vtl2GpaPoolConfig, hasDmaPages: bool, dmaPages: u64, vpCount: i32, memSize: u64,
): void {
  // High memory downward, so a newer image's larger used range cannot overlap the pool.
  if (!forceNumaSplit) {
    const pool = addressSpace.allocate(0, poolSizeBytes, AllocationType.GpaPool, AllocationPolicy.HighMemory);
    if (pool !== null) {
      if (logOn()) log("[INFO] allocated VTL2 pool at " + fmtRangeDebugPrettyHex(pool.range.start, pool.range.end));
      return;
    }
    log("[INFO] node 0 cannot fit full pool, splitting across NUMA nodes");
  } else {
    log("[INFO] forcing VTL2 pool NUMA split across nodes");
  }

  const nodes = new StaticArray<u32>(MAX_NUMA_NODES);
  const nodeCount = uniqueVnodes(vtl2Ram, nodes);
  const numNodes = <u64>nodeCount;
  if (numNodes == 0) panic("attempt to divide by zero");
  // Page-aligned equal shares; the last node takes the remainder.
  const perNode = (poolSizeBytes / numNodes) & ~(HV_PAGE_SIZE - 1);
  const lastNode = poolSizeBytes - perNode * (numNodes - 1);
  let remaining = poolSizeBytes;

  if (perNode == 0) {
    panic("cannot split VTL2 pool of size " + fmtHex(poolSizeBytes) + " bytes across " + numNodes.toString() +
      " nodes, per node size " + fmtHex(perNode) + " bytes; " + poolDetails(poolConfig, hasDmaPages, dmaPages, vpCount, memSize));
  }

  const free = new RangeList(1024);
  for (let i = 0; i < nodeCount; i++) {
    if (remaining == 0) break;
    const vnode = nodes[i];
    const size = i == nodeCount - 1 ? lastNode : perNode;
    const pool = addressSpace.allocate(<i64>vnode, size, AllocationType.GpaPool, AllocationPolicy.HighMemory);
    if (pool !== null) {
      remaining -= pool.range.len;
      if (logOn()) log("[INFO] allocated VTL2 pool on node " + vnode.toString() + " at " + fmtRangeDebugPrettyHex(pool.range.start, pool.range.end));
    } else {
      const b = new BoundedString();
      for (let n = 0; n < nodeCount; n++) {
        addressSpace.freeRanges(nodes[n], free);
        for (let k = 0; k < free.length; k++) {
          if (!writeFreeRange(b, nodes[n], free.start(k), free.end(k))) {
            b.push("...");
            break;
          }
        }
      }
      let highest: u32 = 0;
      for (let k = 0; k < vtl2Ram.length; k++) {
        const v = tagVnode(vtl2Ram.tag(k));
        if (v > highest) highest = v;
      }
      panic("failed to allocate VTL2 pool on node " + vnode.toString() + ": need " + fmtHex(size) + " bytes, pool total " +
        fmtHex(poolSizeBytes) + " bytes (" + poolDetails(poolConfig, hasDmaPages, dmaPages, vpCount, memSize) + "), highest_numa_node=" + highest.toString() +
        ", free_ranges=[ " + b.s + "]");
    }
  }

  if (remaining != 0) {
    panic("assertion `left == right` failed: pool allocation arithmetic error: " + fmtHex(remaining) +
      " bytes unallocated\n  left: " + remaining.toString() + "\n right: 0");
  }
}
