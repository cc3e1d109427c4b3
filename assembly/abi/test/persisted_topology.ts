//! WASM exports for the persisted-topology pieces (tests and the service command use them).
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (`topology_from_persisted_state`).

import { outBegin, outU8, outU32, outU64 } from "../../rt/out";
import { NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE } from "../../openhcl_boot/host_params/mod/partition_limits";
import { MemoryRange } from "../../support/memory_range/lib";
import { readPersistedRegionHeader } from "../../openhcl_boot/host_params/dt/persisted/persisted_state";
import {
  readPersistedSavedState, previousVtl2Ram, PersistedVtl2Ram, persistedRegion, checkProtobufRegion,
  savedPoolRanges, savedMmio, sidecarOverridesForOutstandingIo,
  VTL_TYPE_VTL0_MMIO, VTL_TYPE_VTL2_MMIO,
} from "../../openhcl_boot/host_params/dt/persisted/persisted_topology";

/**
 * Reads header and SavedState from the persisted region [start, end) in guest memory and writes:
 * u8 present; then VTL2 RAM (u32 n, n × {u64 start, u64 end, u32 igvm type, u32 vnode}),
 * persisted region (u64, u64), pool ranges, VTL0 MMIO, VTL2 MMIO (u32 n, n × {u64, u64}),
 * sidecar decision (u32) and the CPUs the kernel starts (u32 n, n × u32).
 */
export function persisted_topology_parts(start: u64, end: u64, heapStart: u64, heapSize: u64, cpuCount: u32, sidecarEnabled: u32): void {
  outBegin();
  const header = readPersistedRegionHeader(false, start);
  if (header === null) {
    outU8(0);
    return;
  }
  const persisted = MemoryRange.new(start, end);
  const state = readPersistedSavedState(header, persisted, heapStart, heapSize);
  const ram = new PersistedVtl2Ram();
  previousVtl2Ram(state, ram);
  const region = persistedRegion(state, checkProtobufRegion(header, persisted));
  outU8(1);
  outU32(<u32>ram.length);
  for (let i = 0; i < ram.length; i++) {
    outU64(ram.start[i]);
    outU64(ram.end[i]);
    outU32(<u32>ram.memType[i]);
    outU32(ram.vnode[i]);
  }
  outU64(region.start);
  outU64(region.end);
  const a = new StaticArray<u64>(state.memCount + 1);
  const b = new StaticArray<u64>(state.memCount + 1);
  writeRanges(a, b, savedPoolRanges(state, a, b));
  const c = new StaticArray<u64>(2);
  const d = new StaticArray<u64>(2);
  writeRanges(c, d, savedMmio(state, VTL_TYPE_VTL0_MMIO, c, d));
  writeRanges(c, d, savedMmio(state, VTL_TYPE_VTL2_MMIO, c, d));
  const starts = new StaticArray<bool>(<i32>NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE);
  for (let i = 0; i < starts.length; i++) starts[i] = true;
  outU32(<u32>sidecarOverridesForOutstandingIo(sidecarEnabled != 0, cpuCount, state, starts));
  let excluded: u32 = 0;
  for (let i = 0; i < starts.length; i++) if (!starts[i]) excluded++;
  outU32(excluded);
  for (let i = 0; i < starts.length; i++) if (!starts[i]) outU32(<u32>i);
}

function writeRanges(a: StaticArray<u64>, b: StaticArray<u64>, n: i32): void {
  outU32(<u32>n);
  for (let i = 0; i < n; i++) {
    outU64(a[i]);
    outU64(b[i]);
  }
}
