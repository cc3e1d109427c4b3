//! Reads the partition description from the host device tree: applies the command line policy,
//! chooses between a first boot (topology from the host) and a servicing restore (topology from
//! persisted state), and fills PartitionInfo.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (PartitionInfo::read_from_dt,
//        read_persisted_region_header)

import { panic } from "./runtime/panic";
import { log } from "./runtime/log";
import {
  ParsedDeviceTree, BootCommandLineOptions, RangeList, VmbusInfo, SidecarOptions, SIDECAR_ENABLED, SIDECAR_DISABLED_SERVICING,
} from "./partition_deps";
import { AddressSpaceManager } from "./memory";
import { COMMAND_LINE_SIZE, NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE } from "./partition_limits";
import { PartitionInputs, ISOLATION_NONE, POLICY_STATIC, POLICY_APPEND_CHOSEN } from "./partition_inputs";
import {
  PartitionInfo, PartitionTopology, DtError, DT_NO_DEVICE_TREE, DT_COMMAND_LINE_SIZE, DT_VTL0_VMBUS, DT_VTL2_VMBUS,
} from "./partition_info";
import { topologyFromHostDt, memoryMapList } from "./host_topology";
import {
  PersistedStateHeader, PersistedPartitionTopology, topologyFromPersistedState, PERSISTED_STATE_MAGIC,
} from "./persisted_restore";

/** The header at the start of the persisted region, when the magic is set (non-isolated only). */
export function readPersistedRegionHeader(params: PartitionInputs, headerBytes: usize): PersistedStateHeader | null {
  // Isolated guests may not have these pages accepted; they never restore from them.
  if (params.isolation != ISOLATION_NONE) return null;
  if (headerBytes == 0) return null;
  const magic = load<u64>(headerBytes);
  if (magic != PERSISTED_STATE_MAGIC) return null;
  return new PersistedStateHeader(magic, load<u64>(headerBytes, 8), load<u64>(headerBytes, 16), load<u64>(headerBytes, 24));
}

/** True when the first byte of the host device tree area is zero (the host provided none). */
export function hostProvidedNoDeviceTree(firstByte: u8): DtError | null {
  if (firstByte == 0) {
    log("[ERROR] host did not provide a device tree");
    return new DtError(DT_NO_DEVICE_TREE);
  }
  return null;
}

/**
 * read_from_dt after the device tree has been parsed: fills `storage` and the address space.
 * `headerBytes` points at the 32 header bytes of the persisted region (0 when not read).
 */
export function readFromParsedDt(
  params: PartitionInputs, parsed: ParsedDeviceTree, storage: PartitionInfo, addressSpace: AddressSpaceManager,
  options: BootCommandLineOptions, canTrustHost: bool, headerBytes: usize,
): DtError | null {
  // The measured command line is always used.
  if (!params.commandLineValid) panic("measured command line should be valid");
  let cmdline = params.commandLine;
  if (String.UTF8.byteLength(cmdline) > COMMAND_LINE_SIZE) return new DtError(DT_COMMAND_LINE_SIZE);

  if (params.commandLinePolicy == POLICY_STATIC) {
    // Nothing to add.
  } else if (params.commandLinePolicy == POLICY_APPEND_CHOSEN) {
    if (canTrustHost) {
      // Take our own options from the host command line, and pass it on to the kernel.
      options.parse(parsed.commandLine);
      const appended = cmdline + " " + parsed.commandLine;
      if (String.UTF8.byteLength(appended) > COMMAND_LINE_SIZE) return new DtError(DT_COMMAND_LINE_SIZE);
      cmdline = appended;
    }
  } else {
    panic("internal error: entered unreachable code");
  }
  storage.cmdline = cmdline;

  const header = readPersistedRegionHeader(params, headerBytes);
  log("[INFO] read_from_dt: persisted_state_header present=" + (header !== null ? "true" : "false") +
    ", sidecar=" + options.sidecar.toDebugString());

  let topology: PartitionTopology;
  let outstandingIo = new StaticArray<u32>(0);
  if (header !== null) {
    log("[INFO] found persisted state header");
    const persisted = new PersistedPartitionTopology();
    const err = topologyFromPersistedState(header, params, parsed, addressSpace, persisted);
    if (err !== null) return err;
    topology = persisted.topology;
    outstandingIo = persisted.cpusWithOutstandingIo;
  } else {
    topology = new PartitionTopology();
    const err = topologyFromHostDt(params, parsed, options, addressSpace, topology);
    if (err !== null) return err;
  }

  // On restore, CPUs with outstanding IO start in the kernel, not in sidecar.
  if (options.sidecar.kind == SIDECAR_ENABLED && outstandingIo.length > 0) {
    let maxId: u32 = 0;
    for (let i = 0; i < outstandingIo.length; i++) if (outstandingIo[i] > maxId) maxId = outstandingIo[i];
    const overrides = storage.sidecarCpuOverrides;
    if (parsed.cpuCount <= NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE && <i32>maxId < NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE) {
      overrides.perCpuStateSpecified = true;
      let list = "[";
      for (let i = 0; i < outstandingIo.length; i++) {
        overrides.sidecarStartsCpu[outstandingIo[i]] = false;
        list += (i > 0 ? ", " : "") + outstandingIo[i].toString();
      }
      log("[INFO] sidecar: excluding CPUs " + list + "] due to outstanding IO");
    } else {
      log("[INFO] sidecar: disabling, too many CPUs for per-CPU state (max id " + maxId.toString() + ")");
      options.sidecar = SidecarOptions.disabledServicing();
    }
  }

  // Ram and allocation mode.
  storage.vtl2Ram.clear();
  for (let i = 0; i < topology.vtl2Ram.length; i++) {
    storage.vtl2Ram.push(topology.vtl2Ram.start(i), topology.vtl2Ram.end(i), topology.vtl2Ram.tag(i));
  }
  const map = memoryMapList(parsed);
  storage.partitionRam.clear();
  for (let i = 0; i < map.length; i++) storage.partitionRam.push(map.start(i), map.end(i), map.tag(i));
  storage.memoryAllocationMode = topology.memoryAllocationMode;

  // VMBus: connection ids from the host, mmio from the topology.
  const v0 = parsed.vmbusVtl0;
  if (v0 === null) return new DtError(DT_VTL0_VMBUS);
  storage.vmbusVtl0.connectionId = v0.connectionId;
  copyInto(topology.vtl0Mmio, storage.vmbusVtl0);
  const v2 = parsed.vmbusVtl2;
  if (v2 === null) return new DtError(DT_VTL2_VMBUS);
  storage.vmbusVtl2.connectionId = v2.connectionId;
  copyInto(topology.vtl2Mmio, storage.vmbusVtl2);

  // The alias map is only taken from a trusted host.
  if (canTrustHost) {
    storage.hasVtl0AliasMap = parsed.hasVtl0AliasMap;
    storage.vtl0AliasMap = parsed.vtl0AliasMap;
  }
  storage.isolation = params.isolation;
  storage.bspReg = parsed.bootCpuidPhys;
  for (let i = 0; i < parsed.cpuCount; i++) {
    storage.cpuRegs[storage.cpuCount] = parsed.cpuReg(i);
    storage.cpuVnodes[storage.cpuCount] = parsed.cpuVnode(i);
    storage.cpuCount++;
  }
  storage.com3SerialAvailable = parsed.com3SerialAvailable;
  storage.gic = parsed.gic;
  storage.hasPmuGsiv = parsed.hasPmuGsiv;
  storage.pmuGsiv = parsed.pmuGsiv;
  storage.hasEntropy = parsed.hasEntropy;
  storage.entropyLen = parsed.entropyLen;
  for (let i = 0; i < parsed.entropyLen; i++) storage.entropy[i] = parsed.entropy[i];
  storage.nvmeKeepalive = parsed.nvmeKeepalive;
  storage.bootOptions = options;
  return null;
}

function copyInto(from: RangeList, to: VmbusInfo): void {
  to.mmio.clear();
  for (let i = 0; i < from.length; i++) to.mmio.push(from.start(i), from.end(i), 0);
}
