//! WASM exports for `hclboot bench`: each runs one boot phase N times on inputs decoded once, so
//! the host divides one call's elapsed time by N and measures the phase, not the JS↔WASM crossing.
//! The heap is rewound to a mark after every repetition (assembly/bench/arena_mark.ts).
// Ports: none (benchmark drivers for host_params/dt/mod.rs, sidecar.rs, main.rs, dt.rs)

import { arenaMark, arenaRewind } from "../bench/arena_mark";
import { BootCommandLineOptions } from "../partition_deps";
import { decodePartitionRecord } from "../partition_record";
import { AddressSpaceManager } from "../memory";
import { ISOLATION_NONE } from "../partition_inputs";
import { PartitionInfo } from "../partition_info";
import { readFromParsedDt } from "../read_from_dt";
import { decodeHandoffInputs, HandoffInputs } from "../handoff_inputs";
import { AddressSpaceView } from "../address_space_view";
import { startSidecar, SidecarConfig } from "../sidecar";
import { buildKernelCommandLine, KernelCommandLineParams } from "../kernel_cmdline";
import { buildE820Map, writeBootParams, BOOT_PARAMS_SIZE } from "../boot_params";
import { writeDt, FDT_DATA_SIZE, BootTimes } from "../kernel_dt";
import { getRefTime } from "../handoff";
import { panic } from "../runtime/panic";

/** Hand-off phases `bench_handoff` can repeat. */
const PHASE_SIDECAR: u32 = 0;
const PHASE_KERNEL_CMDLINE: u32 = 1;
const PHASE_E820: u32 = 2;
const PHASE_KERNEL_DT: u32 = 3;

/**
 * Runs read_from_dt `iterations` times on the partition input record at `ptr` (see
 * host/shim/partition.ts): fresh PartitionInfo, address space and options each time. Returns the
 * number of address space ranges of the last run, or -1 when read_from_dt returned an error.
 */
export function bench_read_from_dt(ptr: usize, len: u32, iterations: u32): i32 {
  const rec = decodePartitionRecord(ptr, len);
  const params = rec.params;
  let ranges: i32 = 0;
  const mark = arenaMark();
  for (let i: u32 = 0; i < iterations; i++) {
    const options = new BootCommandLineOptions();
    if (params.commandLineValid) options.parse(params.commandLine);
    const canTrustHost = params.isolation == ISOLATION_NONE || options.confidentialDebug;
    const info = new PartitionInfo();
    const asm = new AddressSpaceManager();
    const err = readFromParsedDt(params, rec.parsed, info, asm, options, canTrustHost, rec.hasHeader ? rec.header : 0);
    ranges = err === null ? asm.length : -1;
    arenaRewind(mark);
  }
  return ranges;
}

/** Copies the address space's ranges (sidecar planning allocates from it). */
function copySpace(from: AddressSpaceView, to: AddressSpaceView): void {
  const n = <usize>from.length;
  memory.copy(changetype<usize>(to.starts), changetype<usize>(from.starts), n << 3);
  memory.copy(changetype<usize>(to.ends), changetype<usize>(from.ends), n << 3);
  memory.copy(changetype<usize>(to.vnodes), changetype<usize>(from.vnodes), n << 2);
  memory.copy(changetype<usize>(to.usages), changetype<usize>(from.usages), n << 2);
  to.length = from.length;
  to.vtl2Pool = from.vtl2Pool;
}

/** The sidecar plan the later phases see (as the hand-off computes it once). */
function planSidecar(h: HandoffInputs): SidecarConfig | null {
  return startSidecar(h);
}

function cmdlineParams(h: HandoffInputs, sidecar: SidecarConfig | null): KernelCommandLineParams {
  const p = new KernelCommandLineParams();
  p.canTrustHost = h.isolation == ISOLATION_NONE || h.staticConfidentialDebug;
  p.isConfidentialDebug = h.staticConfidentialDebug || h.bootConfidentialDebug;
  p.sidecar = sidecar;
  p.vtl2PoolSupported = h.addressSpace.hasVtl2Pool();
  return p;
}

/**
 * Runs one hand-off phase `iterations` times on the hand-off input record at `ptr` (see
 * host/shim/handoff.ts): 0 sidecar planning (the address space is restored before every run),
 * 1 kernel command line, 2 E820 map + boot_params page, 3 kernel device tree. The phases after
 * sidecar planning see its result, as in the hand-off. Returns a size of the last result
 * (sidecar nodes, command line bytes, E820 entries, DTB bytes) so the work cannot be skipped.
 */
export function bench_handoff(ptr: usize, len: u32, phase: u32, iterations: u32): i32 {
  const h = decodeHandoffInputs(ptr, len);
  let result: i32 = 0;
  if (phase == PHASE_SIDECAR) {
    const saved = new AddressSpaceView();
    copySpace(h.addressSpace, saved);
    const mark = arenaMark();
    for (let i: u32 = 0; i < iterations; i++) {
      copySpace(saved, h.addressSpace);
      const sc = startSidecar(h);
      result = sc === null ? 0 : sc.nodeCount;
      arenaRewind(mark);
    }
    return result;
  }
  const sidecar = planSidecar(h);
  const p = cmdlineParams(h, sidecar);
  const first = buildKernelCommandLine(h, p);
  if (first === null) panic("called `Result::unwrap()` on an `Err` value: CommandLineTooLong");
  const cmdline = first!.toString();
  // Boot times as the hand-off records them (reference time before and after).
  const t0 = getRefTime(h);
  const t1 = getRefTime(h);
  const bootTimes = t0 >= 0 ? new BootTimes(<u64>t0, t1 >= 0 ? <u64>t1 : 0) : null;
  const dtb = __alloc(<usize>FDT_DATA_SIZE);
  const page = __alloc(<usize>BOOT_PARAMS_SIZE);
  const mark = arenaMark();
  for (let i: u32 = 0; i < iterations; i++) {
    if (phase == PHASE_KERNEL_CMDLINE) {
      const b = buildKernelCommandLine(h, p);
      result = b === null ? -1 : b.len;
    } else if (phase == PHASE_E820) {
      const map = buildE820Map(h.addressSpace);
      writeBootParams(page, map, h.initrdBase, h.initrdBase + h.initrdSize);
      result = map.length;
    } else if (phase == PHASE_KERNEL_DT) {
      const r = writeDt(dtb, FDT_DATA_SIZE, h, h.addressSpace, h.initrdBase, h.initrdBase + h.initrdSize, cmdline, sidecar, bootTimes);
      result = r.error != 0 ? -1 : r.size;
    } else {
      panic("bench_handoff: unknown phase " + phase.toString());
    }
    arenaRewind(mark);
  }
  return result;
}
