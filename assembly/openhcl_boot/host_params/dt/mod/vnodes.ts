//! The sorted set of NUMA nodes (vnodes) a list of memory entries spans: a fixed-capacity
//! sorted insert, as the shim's `ArrayVec<u32, MAX_NUMA_NODES>` of node ids behaves.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (the vnode sets of topology_from_host_dt
//        and allocate_private_pool)

import { panic } from "../../../../rt/panic";
import { RangeList } from "../../../../support/memory_range/lib";
import { MAX_NUMA_NODES } from "../../mod/partition_limits";
import { tagVnode } from "../../mod/partition_info";

const CAPACITY_PANIC = "called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity";

// Inserts `v` into the sorted unique set (binary search insert, ArrayVec capacity MAX_NUMA_NODES).
function insertNode(nodes: StaticArray<u32>, count: i32, v: u32): i32 {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  if (lo < count && nodes[lo] == v) return count;
  if (count >= MAX_NUMA_NODES) panic(CAPACITY_PANIC);
  for (let j = count; j > lo; j--) nodes[j] = nodes[j - 1];
  nodes[lo] = v;
  return count + 1;
}

/** Sorted unique vnodes of a memory entry list; returns the count. */
export function uniqueVnodes(entries: RangeList, nodes: StaticArray<u32>): i32 {
  let count = 0;
  for (let i = 0; i < entries.length; i++) count = insertNode(nodes, count, tagVnode(entries.tag(i)));
  return count;
}
