//! WASM exports for `hclboot bench`: each runs one boot phase N times on inputs decoded once, so
//! the host divides one call's elapsed time by N and measures the phase, not the JS↔WASM crossing.
//! The heap is rewound to a mark after every repetition (assembly/bench/arena_mark.ts).
// Ports: none (benchmark drivers for host_params/dt/mod.rs, sidecar.rs, main.rs, dt.rs)

import { arenaMark, arenaRewind } from "../bench/arena_mark";
import { RecordReader } from "../record_reader";
import { readShimParamsRecord, readParsed } from "../partition_record";
import { BootCommandLineOptions } from "../cmdline";
import { AddressSpaceManager } from "../memory";
import { ISOLATION_NONE, ShimParams } from "../shim_params";
import { PartitionInfo } from "../partition_info";
import { readFromParsedDtWithHeader } from "../read_from_dt";
import { decodeHandoffRecord, HandoffRecord } from "../handoff_record";
import { getRefTime } from "../handoff";
import { startSidecar, SidecarConfig } from "../sidecar";
import { buildKernelCommandLine, KernelCommandLineParams } from "../kernel_cmdline";
import { buildE820Map, writeBootParams, BOOT_PARAMS_SIZE } from "../boot_params";
import { writeDt, FDT_DATA_SIZE, BootTimes } from "../kernel_dt";
import { panic } from "../runtime/panic";

/** Hand-off phases `bench_handoff` can repeat. */
const PHASE_SIDECAR: u32 = 0;
const PHASE_KERNEL_CMDLINE: u32 = 1;
const PHASE_E820: u32 = 2;
const PHASE_KERNEL_DT: u32 = 3;

/**
 * Runs read_from_dt `iterations` times on the partition input record at `ptr` (host/shim/
 * partition.ts `encodePartitionRecord`, no persisted header): fresh PartitionInfo, address space
 * and options each time. Returns the address space entry count of the last run, or -1 when
 * read_from_dt returned an error.
 */
export function bench_read_from_dt(ptr: usize, len: u32, iterations: u32): i32 {
  const r = new RecordReader(ptr, <usize>len);
  const params = readShimParamsRecord(r);
  r.u8(); // device tree area's first byte
  r.bool(); // persisted header present
  r.bytes(32);
  const parsed = readParsed(r);
  let ranges: i32 = 0;
  const mark = arenaMark();
  for (let i: u32 = 0; i < iterations; i++) {
    const options = new BootCommandLineOptions();
    const text = params.commandLine().commandLine();
    if (text !== null) options.parse(text);
    const canTrustHost = params.isolationType == ISOLATION_NONE || options.confidentialDebug;
    const info = new PartitionInfo();
    const space = new AddressSpaceManager();
    const err = readFromParsedDtWithHeader(params, parsed, info, space, options, canTrustHost, false, null);
    ranges = err === null ? space.length : -1;
    arenaRewind(mark);
  }
  return ranges;
}

/** Copies the address space's entries (sidecar planning allocates from it). */
function copySpace(from: AddressSpaceManager, to: AddressSpaceManager): void {
  const n = <usize>from.length;
  memory.copy(changetype<usize>(to.starts), changetype<usize>(from.starts), n << 3);
  memory.copy(changetype<usize>(to.ends), changetype<usize>(from.ends), n << 3);
  memory.copy(changetype<usize>(to.vnodes), changetype<usize>(from.vnodes), n << 2);
  memory.copy(changetype<usize>(to.usages), changetype<usize>(from.usages), n << 2);
  to.length = from.length;
  to.vtl2Pool = from.vtl2Pool;
}

/** Kernel command line parameters as the hand-off sets them. */
function cmdlineParams(rec: HandoffRecord, sidecar: SidecarConfig | null): KernelCommandLineParams {
  const p = new KernelCommandLineParams();
  p.canTrustHost = rec.params.isolationType == ISOLATION_NONE || rec.staticConfidentialDebug;
  p.isConfidentialDebug = rec.staticConfidentialDebug || rec.info.bootOptions.confidentialDebug;
  p.sidecar = sidecar;
  p.vtl2PoolSupported = rec.space.hasVtl2Pool();
  return p;
}

/** Boot times as the hand-off records them (reference time before and after). */
function bootTimes(p: ShimParams): BootTimes | null {
  const t0 = getRefTime(p);
  const t1 = getRefTime(p);
  if (t0 === null) return null;
  return new BootTimes(t0.value, t1 !== null ? t1.value : 0);
}

/**
 * Runs one hand-off phase `iterations` times on the hand-off input record at `ptr`
 * (host/shim/handoff.ts `encodeHandoffInput`): 0 sidecar planning and start (the address space
 * is restored before every run), 1 kernel command line, 2 E820 map + boot_params page, 3 kernel
 * device tree. The phases after sidecar planning see its result, as in the hand-off. Returns a
 * size of the last result (sidecar nodes, command line bytes, E820 entries, DTB bytes) so the
 * work cannot be skipped, or -1 when the phase failed.
 */
export function bench_handoff(ptr: usize, len: u32, phase: u32, iterations: u32): i32 {
  const rec = decodeHandoffRecord(ptr, len);
  const p = rec.params;
  const h = rec.info;
  const space = rec.space;
  let result: i32 = 0;
  if (phase == PHASE_SIDECAR) {
    const saved = new AddressSpaceManager();
    copySpace(space, saved);
    const mark = arenaMark();
    for (let i: u32 = 0; i < iterations; i++) {
      copySpace(saved, space);
      const sc = startSidecar(p, h, space);
      result = sc === null ? 0 : sc.nodeCount;
      arenaRewind(mark);
    }
    return result;
  }
  const sidecar = startSidecar(p, h, space);
  const kp = cmdlineParams(rec, sidecar);
  const first = buildKernelCommandLine(p, h, kp);
  if (first === null) panic("called `Result::unwrap()` on an `Err` value: CommandLineTooLong");
  const cmdline = first!.toString();
  const times = bootTimes(p);
  const imported = p.importedRegionsList();
  const initrdStart = p.initrdBase;
  const initrdEnd = p.initrdBase + p.initrdSize;
  const dtb = __alloc(<usize>FDT_DATA_SIZE);
  const page = __alloc(<usize>BOOT_PARAMS_SIZE);
  const mark = arenaMark();
  for (let i: u32 = 0; i < iterations; i++) {
    if (phase == PHASE_KERNEL_CMDLINE) {
      const b = buildKernelCommandLine(p, h, kp);
      result = b === null ? -1 : b.len;
    } else if (phase == PHASE_E820) {
      const map = buildE820Map(space);
      writeBootParams(page, map, initrdStart, initrdEnd);
      result = map.length;
    } else if (phase == PHASE_KERNEL_DT) {
      const r = writeDt(dtb, FDT_DATA_SIZE, p, h, space, imported, initrdStart, initrdEnd, cmdline, sidecar, times);
      result = r.error !== null ? -1 : r.size;
    } else {
      panic("bench_handoff: unknown phase " + phase.toString());
    }
    arenaRewind(mark);
  }
  return result;
}
