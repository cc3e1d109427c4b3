//! The boot shim's main flow up to the kernel jump: shim parameters from guest memory, static
//! command line options, trust in the host, the partition from the host device tree (or from
//! persisted state on a servicing boot), then the kernel hand-off.
// Ports: openhcl/openhcl_boot/src/main.rs (shim_main, shim_parameters)
//
// Not modelled (no observable output here): enlightened panic registration, boot logger setup,
// hypercall page initialization and the jump itself; setup_vtl2_memory runs in the hand-off
// (assembly/openhcl_boot/main/handoff.ts lists what of it and of setup_vtl2_vp is not modelled).

import { logPanicLine } from "../../rt/panic";
import { ShimParams, ISOLATION_NONE } from "../host_params/shim_params/shim_params";
import { BootCommandLineOptions } from "../cmdline/cmdline";
import { ParsedDeviceTree } from "../../support/host_fdt_parser/lib";
import { AddressSpaceManager } from "../memory/memory";
import { PartitionInfo, DtError } from "../host_params/mod/partition_info";
import { readFromDt } from "../host_params/dt/mod/read_from_dt";
import { runHandoff, getRefTime, Handoff } from "./handoff";

/** Everything one boot produced: the partition and address space, and the hand-off or a DtError. */
@final
export class BootOutcome {
  constructor(
    public params: ShimParams,
    public info: PartitionInfo,
    public space: AddressSpaceManager,
    /** Upstream panics with this error (`unable to read device tree params {:?}`); reported as kind "dt". */
    public dtError: DtError | null,
    public handoff: Handoff | null,
  ) {}
}

/**
 * Runs `shim_main` for a shim loaded at `shimBase` whose raw parameters sit at `rawOffset` from
 * it. `hvIsolation` is the hypervisor's VBS isolation privilege (x86_64). Panics as upstream does;
 * a DtError ends the boot with its upstream panic line in the log and is returned.
 */
export function shimMain(shimBase: u64, rawOffset: i64, arch: u32, hvIsolation: bool): BootOutcome {
  const p = ShimParams.read(shimBase, rawOffset, arch, hvIsolation);
  const bootReftime = getRefTime(p);

  // Options on the measured command line apply before the host is trusted with anything.
  const staticOptions = new BootCommandLineOptions();
  const text = p.commandLine().commandLine();
  if (text !== null) staticOptions.parse(text);
  const staticConfidentialDebug = staticOptions.confidentialDebug;
  const canTrustHost = p.isolationType == ISOLATION_NONE || staticConfidentialDebug;

  const info = new PartitionInfo();
  const space = new AddressSpaceManager();
  const parsed = new ParsedDeviceTree();
  const err = readFromDt(p, parsed, info, space, staticOptions, canTrustHost);
  if (err !== null) {
    logPanicLine("unable to read device tree params " + err.debug());
    return new BootOutcome(p, info, space, err, null);
  }

  const handoff = runHandoff(p, info, space, staticConfidentialDebug, bootReftime, p.initrdCrc32());
  return new BootOutcome(p, info, space, null, handoff);
}
