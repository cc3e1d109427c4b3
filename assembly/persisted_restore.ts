//! Partition topology restored from the persisted state region on a servicing boot (entry point).
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (topology_from_persisted_state)
//
// PLACEHOLDER: the restore path needs the SavedState protobuf decoder (assembly/persisted_state.ts,
// persist developer). Until it lands this panics, so a servicing boot fails loudly, never silently.

import { panic } from "./runtime/panic";
import { ParsedDeviceTree } from "./partition_deps";
import { AddressSpaceManager } from "./memory";
import { PartitionInputs } from "./partition_inputs";
import { PartitionTopology, DtError } from "./partition_info";

/** The persisted state header (loader_defs shim.rs PersistedStateHeader, 32 bytes LE). */
export class PersistedStateHeader {
  constructor(public magic: u64, public protobufBase: u64, public protobufRegionLen: u64, public protobufPayloadLen: u64) {}
}

/** "OHCLPHDR" as a little-endian u64. */
export const PERSISTED_STATE_MAGIC: u64 = 0x5244_4850_4c43_484f;
/** Size of the header in bytes. */
export const PERSISTED_STATE_HEADER_SIZE: u32 = 32;

/** Topology plus the CPU lists the previous instance saved. */
export class PersistedPartitionTopology {
  topology: PartitionTopology = new PartitionTopology();
  cpusWithMappedInterruptsNoIo: StaticArray<u32> = new StaticArray<u32>(0);
  cpusWithOutstandingIo: StaticArray<u32> = new StaticArray<u32>(0);
}

/** Restores the topology from persisted state (not implemented yet: panics). */
export function topologyFromPersistedState(
  header: PersistedStateHeader, params: PartitionInputs, parsed: ParsedDeviceTree,
  addressSpace: AddressSpaceManager, out: PersistedPartitionTopology,
): DtError | null {
  panic("persisted state restore not implemented");
  return null;
}
