//! Reads the partition description from the host device tree: applies the command line policy,
//! chooses between a first boot (topology from the host) and a servicing restore (topology from
//! persisted state), and fills PartitionInfo.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (PartitionInfo::read_from_dt,
//        read_persisted_region_header)

import { panic } from "../../../../rt/panic";
import { logInfo, logError } from "../../../../rt/log_level";
import { logOn } from "../../../../rt/log";
import { ParsedDeviceTree, parseDeviceTree } from "../../../../support/host_fdt_parser/lib";
import { BootCommandLineOptions, SidecarOptions, SIDECAR_ENABLED } from "../../../cmdline/cmdline";
import { AddressSpaceManager } from "../../../memory/memory";
import { COMMAND_LINE_SIZE } from "../../mod/partition_limits";
import {
  ShimParams, ISOLATION_NONE, COMMAND_LINE_POLICY_STATIC, COMMAND_LINE_POLICY_APPEND_CHOSEN,
} from "../../shim_params/shim_params";
import {
  PartitionInfo, PartitionTopology, DtError, DT_NO_DEVICE_TREE, DT_COMMAND_LINE_SIZE, DT_VTL0_VMBUS, DT_VTL2_VMBUS,
  setVmbusMmio,
} from "../../mod/partition_info";
import { topologyFromHostDt, memoryMapList } from "./host_topology";
import { topologyFromPersistedState } from "../persisted/persisted_restore";
import { PersistedStateHeader, readPersistedRegionHeader } from "../persisted/persisted_state";
import { SavedState } from "../persisted/saved_state";
import { sidecarOverridesForOutstandingIo, SIDECAR_IO_EXCLUDED, SIDECAR_IO_DISABLED } from "../persisted/persisted_topology";

/**
 * Upstream `read_from_dt`: parses the device tree area of the parameter region (a byte 0 at its
 * start means the host gave none) into `parsed`, then fills `storage` and the address space.
 */
export function readFromDt(
  params: ShimParams, parsed: ParsedDeviceTree, storage: PartitionInfo, addressSpace: AddressSpaceManager,
  options: BootCommandLineOptions, canTrustHost: bool,
): DtError | null {
  const dt = params.deviceTree();
  if (load<u8>(dt) == 0) {
    logError("host did not provide a device tree");
    return new DtError(DT_NO_DEVICE_TREE);
  }
  const perr = parseDeviceTree(dt, <u32>params.dtSize(), parsed);
  if (perr !== null) return DtError.deviceTree(perr);
  return readFromParsedDt(params, parsed, storage, addressSpace, options, canTrustHost, true);
}

/**
 * `read_from_dt` after the device tree has been parsed. `readHeader` false skips the persisted
 * header read from guest memory (a test record then passes none); a header given explicitly is
 * used via `readFromParsedDtWithHeader`.
 */
export function readFromParsedDt(
  params: ShimParams, parsed: ParsedDeviceTree, storage: PartitionInfo, addressSpace: AddressSpaceManager,
  options: BootCommandLineOptions, canTrustHost: bool, readHeader: bool,
): DtError | null {
  return readFromParsedDtWithHeader(params, parsed, storage, addressSpace, options, canTrustHost, readHeader, null);
}

/** As `readFromParsedDt`, with `explicitHeader` standing in for the guest read when not null. */
export function readFromParsedDtWithHeader(
  params: ShimParams, parsed: ParsedDeviceTree, storage: PartitionInfo, addressSpace: AddressSpaceManager,
  options: BootCommandLineOptions, canTrustHost: bool, readHeader: bool, explicitHeader: PersistedStateHeader | null,
): DtError | null {
  // The measured command line is always used.
  const text = params.commandLine().commandLine();
  if (text === null) panic("measured command line should be valid");
  let cmdline = text!;
  if (String.UTF8.byteLength(cmdline) > COMMAND_LINE_SIZE) return new DtError(DT_COMMAND_LINE_SIZE);

  const policy = params.commandLine().policy;
  if (policy == COMMAND_LINE_POLICY_STATIC) {
    // Nothing to add.
  } else if (policy == COMMAND_LINE_POLICY_APPEND_CHOSEN) {
    if (canTrustHost) {
      // Take our own options from the host command line, and pass it on to the kernel.
      const host = parsed.commandLine;
      options.parse(host);
      const appended = cmdline + " " + host;
      if (String.UTF8.byteLength(appended) > COMMAND_LINE_SIZE) return new DtError(DT_COMMAND_LINE_SIZE);
      cmdline = appended;
    }
  } else {
    panic("internal error: entered unreachable code");
  }
  storage.cmdline = cmdline;

  // Isolated guests never read the header (their pages may not be accepted yet).
  let header = explicitHeader;
  if (params.isolationType != ISOLATION_NONE) header = null;
  else if (header === null && readHeader) header = readPersistedRegionHeader(false, params.persistedState.start);
  if (logOn()) logInfo("read_from_dt: persisted_state_header present=" + (header !== null ? "true" : "false") +
    ", sidecar=" + options.sidecar.toDebugString());

  let topology: PartitionTopology;
  let savedState: SavedState | null = null;
  if (header !== null) {
    logInfo("found persisted state header");
    const persisted = topologyFromPersistedState(header, params, parsed, addressSpace);
    topology = persisted.topology;
    savedState = persisted.state;
  } else {
    topology = new PartitionTopology();
    const err = topologyFromHostDt(params, parsed, options, addressSpace, topology);
    if (err !== null) return err;
  }

  // On restore, CPUs with outstanding IO start in the kernel, not in sidecar. Upstream tests the
  // sidecar setting already in `storage` (still the default here), not the parsed options.
  const bootOptions = storage.bootOptions;
  if (savedState !== null) {
    const overrides = storage.sidecarCpuOverrides;
    const decision = sidecarOverridesForOutstandingIo(
      bootOptions.sidecar.kind == SIDECAR_ENABLED, <u32>parsed.cpuCount, savedState, overrides.sidecarStartsCpu,
    );
    if (decision == SIDECAR_IO_EXCLUDED) {
      overrides.perCpuStateSpecified = true;
    } else if (decision == SIDECAR_IO_DISABLED) {
      bootOptions.sidecar = SidecarOptions.disabledServicing();
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
  setVmbusMmio(storage.vmbusVtl0, topology.vtl0Mmio);
  const v2 = parsed.vmbusVtl2;
  if (v2 === null) return new DtError(DT_VTL2_VMBUS);
  storage.vmbusVtl2.connectionId = v2.connectionId;
  setVmbusMmio(storage.vmbusVtl2, topology.vtl2Mmio);

  // The alias map is only taken from a trusted host.
  if (canTrustHost) {
    storage.hasVtl0AliasMap = parsed.hasVtl0AliasMap;
    storage.vtl0AliasMap = parsed.vtl0AliasMap;
  }
  storage.isolation = params.isolationType;
  storage.bspReg = parsed.bootCpuidPhys;
  const cpus = parsed.cpuCount;
  if (<u32>cpus <= <u32>parsed.cpuRegs.length && <u32>(storage.cpuCount + cpus) <= <u32>storage.cpuRegs.length) {
    // Both tables hold them: one bulk copy per column.
    const at = <usize>storage.cpuCount;
    memory.copy(changetype<usize>(storage.cpuRegs) + (at << 3), changetype<usize>(parsed.cpuRegs), <usize>cpus << 3);
    memory.copy(changetype<usize>(storage.cpuVnodes) + (at << 2), changetype<usize>(parsed.cpuVnodes), <usize>cpus << 2);
    storage.cpuCount += cpus;
  } else {
    for (let i = 0; i < cpus; i++) {
      storage.cpuRegs[storage.cpuCount] = parsed.cpuReg(i);
      storage.cpuVnodes[storage.cpuCount] = parsed.cpuVnode(i);
      storage.cpuCount++;
    }
  }
  storage.com3SerialAvailable = parsed.com3SerialAvailable;
  storage.gic = parsed.gic;
  storage.hasPmuGsiv = parsed.hasPmuGsiv;
  storage.pmuGsiv = parsed.pmuGsiv;
  storage.hasEntropy = parsed.hasEntropy;
  storage.entropyLen = parsed.entropyLen;
  for (let i = 0; i < parsed.entropyLen; i++) storage.entropy[i] = parsed.entropyByte(i);
  storage.nvmeKeepalive = parsed.nvmeKeepalive;
  storage.bootOptions = options;
  return null;
}
