//! Partition topology restored from the persisted state region on a servicing boot: the VTL2 RAM,
//! persisted region, pool ranges and MMIO of the previous instance, checked against the host
//! (host allocation mode), and the address space rebuilt from them.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (topology_from_persisted_state)

import { panic } from "../../../../rt/panic";
import { MemoryRange, RangeList } from "../../../../support/memory_range/lib";
import { ParsedDeviceTree } from "../../../../support/host_fdt_parser/lib";
import { AddressSpaceManager, AddressSpaceManagerBuilder } from "../../../memory/memory";
import { ShimParams } from "../../shim_params/shim_params";
import { PartitionTopology, entryTag } from "../../mod/partition_info";
import { PersistedStateHeader } from "./persisted_state";
import { SavedState } from "./saved_state";
import {
  readPersistedSavedState, PersistedVtl2Ram, previousVtl2Ram, persistedRegion, savedPoolRanges, savedMmio,
} from "./persisted_topology";
import { VTL0_MMIO, VTL2_MMIO } from "../../../../support/loader_defs/memory_vtl_type";
import { parseHostVtl2Ram, memoryMapList, debugEntry, vtl2ConfigRanges, addCommonRanges } from "../mod/host_topology";

/** The restored topology plus the saved state (its CPU lists drive the sidecar overrides). */
export class PersistedPartitionTopology {
  constructor(public topology: PartitionTopology, public state: SavedState) {}
}

/** `{:?}` of a slice of MemoryEntry (tag = entryTag(memType, vnode)). */
function debugEntries(list: RangeList): string {
  let s = "[";
  for (let i = 0; i < list.length; i++) {
    if (i > 0) s += ", ";
    s += debugEntry(list.start(i), list.end(i), list.tag(i));
  }
  return s + "]";
}

function entriesEqual(a: RangeList, b: RangeList): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a.start(i) != b.start(i) || a.end(i) != b.end(i) || a.tag(i) != b.tag(i)) return false;
  }
  return true;
}

/**
 * Reads the topology from the persisted header and protobuf payload a previous instance wrote,
 * and initializes the address space from it. Panics with upstream's messages when the saved
 * state is inconsistent (region outside the persisted region, undecodable payload, RAM that does
 * not match the host's in host allocation mode, ...).
 */
export function topologyFromPersistedState(
  header: PersistedStateHeader, params: ShimParams, parsed: ParsedDeviceTree, addressSpace: AddressSpaceManager,
): PersistedPartitionTopology {
  // Logs, checks the protobuf region against the shim's persisted region, decodes on the heap.
  const state = readPersistedSavedState(header, params.persistedState, params.heap.start, params.heap.len);
  const protobufRegion = MemoryRange.new(header.protobufBase, header.protobufBase + header.protobufRegionLen);

  // The allocation mode is not saved: the host's current one applies.
  const mode = parsed.memoryAllocationMode;
  const topology = new PartitionTopology();
  topology.memoryAllocationMode = mode;

  // The previous instance's VTL2 RAM: every VTL2 RAM-type range, adjacent ones merged.
  const prev = new PersistedVtl2Ram();
  previousVtl2Ram(state, prev);
  const vtl2Ram = topology.vtl2Ram;
  for (let i = 0; i < prev.length; i++) {
    vtl2Ram.push(unchecked(prev.start[i]), unchecked(prev.end[i]), entryTag(<u32>unchecked(prev.memType[i]), unchecked(prev.vnode[i])));
  }

  // When the host placed VTL2 RAM, it must still be where the previous instance found it.
  if (!mode.vtl2) {
    const host = parseHostVtl2Ram(params, memoryMapList(parsed));
    if (!entriesEqual(vtl2Ram, host)) {
      panic(
        "assertion `left == right` failed: vtl2 ram from persisted state does not match host provided ram\n  left: " +
          debugEntries(vtl2Ram) + "\n right: " + debugEntries(host),
      );
    }
  }

  // Header page + protobuf region, reported as the persisted region again.
  const region = persistedRegion(state, protobufRegion);

  // The host device tree pages are reclaimed as ordinary RAM.
  const config = vtl2ConfigRanges(params);
  let builder = new AddressSpaceManagerBuilder(addressSpace, vtl2Ram, params.used, region, config);

  // The pool is the only allocation carried over from the previous instance.
  // Collected without a cap of their own: more than MAX_NUMA_NODES fail in withPoolRanges with
  // upstream's ArrayVec::extend panic.
  const cap = state.memCount > 0 ? state.memCount : 1;
  const poolStart = new StaticArray<u64>(cap);
  const poolEnd = new StaticArray<u64>(cap);
  const poolCount = savedPoolRanges(state, poolStart, poolEnd);
  const pool = new RangeList(poolCount);
  for (let i = 0; i < poolCount; i++) pool.push(unchecked(poolStart[i]), unchecked(poolEnd[i]), 0);
  builder = builder.withPoolRanges(pool);
  builder = addCommonRanges(params, builder);
  const err = builder.init();
  if (err !== null) panic("failed to initialize address space manager: " + err.debug());

  // MMIO as the previous instance used it.
  const mmioStart = new StaticArray<u64>(2);
  const mmioEnd = new StaticArray<u64>(2);
  // Upstream decodes these MemoryRanges without checking their invariants, so an unaligned
  // saved range is carried over as it is.
  let n = savedMmio(state, VTL0_MMIO, mmioStart, mmioEnd);
  for (let i = 0; i < n; i++) topology.vtl0Mmio.pushUnvalidated(mmioStart[i], mmioEnd[i], 0);
  n = savedMmio(state, VTL2_MMIO, mmioStart, mmioEnd);
  for (let i = 0; i < n; i++) topology.vtl2Mmio.pushUnvalidated(mmioStart[i], mmioEnd[i], 0);
  return new PersistedPartitionTopology(topology, state);
}
