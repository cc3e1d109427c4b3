//! WASM exports for `hclboot bench`: each runs one boot phase N times on inputs decoded once, so
//! the host divides one call's elapsed time by N and measures the phase, not the JS↔WASM crossing.
//! The heap is rewound to a mark after every repetition (assembly/rt/arena_mark.ts).
// Ports: none (benchmark drivers for host_params/dt/mod.rs, sidecar.rs, main.rs, dt.rs)

import { arenaMark, arenaRewind } from "../rt/arena_mark";
import { RecordReader } from "./records/record_reader";
import { REC_PARTITION_INPUT, REC_PARTITION_INPUT_VERSION, REC_BENCH_PHASE_RESULT, REC_BENCH_PHASE_RESULT_VERSION } from "./records/envelope";
import { readShimParamsRecord, readParsed } from "./records/partition_record";
import { BootCommandLineOptions } from "../openhcl_boot/cmdline/cmdline";
import { AddressSpaceManager } from "../openhcl_boot/memory/memory";
import { ISOLATION_NONE, ShimParams } from "../openhcl_boot/host_params/shim_params/shim_params";
import { PartitionInfo, PartitionTopology, tagVnode, tagMemType } from "../openhcl_boot/host_params/mod/partition_info";
import { readFromParsedDtWithHeader } from "../openhcl_boot/host_params/dt/mod/read_from_dt";
import { hostTopologyRanges, initHostAddressSpace, allocateHostPool } from "../openhcl_boot/host_params/dt/mod/host_topology";
import { outAddressSpace } from "./records/partition_result";
import { RangeList } from "../support/memory_range/lib";
import { outBegin, outU8, outU32, outU64, outRecordBegin, outRecordEnd } from "../rt/out";
import { decodeHandoffRecord, HandoffRecord } from "./records/handoff_record";
import { getRefTime } from "../openhcl_boot/main/handoff";
import { startSidecar, SidecarConfig } from "../openhcl_boot/sidecar/sidecar";
import { buildKernelCommandLine, KernelCommandLineParams } from "../openhcl_boot/main/kernel_cmdline";
import { buildE820Map, writeBootParams, BOOT_PARAMS_SIZE } from "../openhcl_boot/main/boot_params";
import { writeDt, FDT_DATA_SIZE, BootTimes } from "../openhcl_boot/dt/kernel_dt";
import { panic } from "../rt/panic";

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
  const r = RecordReader.open(ptr, <usize>len, REC_PARTITION_INPUT, REC_PARTITION_INPUT_VERSION, "partition input");
  const params = readShimParamsRecord(r);
  r.u8(); // device tree area's first byte
  r.bool(); // persisted header present
  r.bytes(32);
  const parsed = readParsed(r);
  r.finish("partition input");
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

/** Parts of read_from_dt's first-boot topology `bench_read_from_dt_phase` can repeat. */
const PHASE_TOPOLOGY: u32 = 0;
const PHASE_ADDRESS_SPACE: u32 = 1;
const PHASE_POOL: u32 = 2;

/**
 * Runs one part of read_from_dt's first-boot topology (host_topology.ts) `iterations` times on the
 * partition input record at `ptr`, its inputs prepared by one whole read_from_dt first (the final
 * command line options): 0 topology (VTL2 ram, allocation mode, mmio: `hostTopologyRanges`),
 * 1 address space (`initHostAddressSpace` on the topology's VTL2 ram; the manager is emptied
 * before every run), 2 pool (`allocateHostPool` on the initialized manager, whose entries are
 * copied back before every run, which the time includes). With `emit`, writes the last run's
 * result to the out stream: phase 0 the VTL2 ram (u32 count, then start u64, end u64, vnode u32,
 * memType u32), phases 1 and 2 the address space as read_from_dt's result record writes it
 * (assembly/abi/records/partition_result.ts `outAddressSpace`) and the pool flag (u8). Returns the entry count of the last result, or -1 when
 * read_from_dt or the topology returned an error.
 */
export function bench_read_from_dt_phase(ptr: usize, len: u32, phase: u32, iterations: u32, emit: bool): i32 {
  outBegin();
  const r = RecordReader.open(ptr, <usize>len, REC_PARTITION_INPUT, REC_PARTITION_INPUT_VERSION, "partition input");
  const params = readShimParamsRecord(r);
  r.u8(); // device tree area's first byte
  r.bool(); // persisted header present
  r.bytes(32);
  const parsed = readParsed(r);
  r.finish("partition input");
  const options = new BootCommandLineOptions();
  const text = params.commandLine().commandLine();
  if (text !== null) options.parse(text);
  const canTrustHost = params.isolationType == ISOLATION_NONE || options.confidentialDebug;
  const info = new PartitionInfo();
  const whole = new AddressSpaceManager();
  if (readFromParsedDtWithHeader(params, parsed, info, whole, options, canTrustHost, false, null) !== null) return -1;
  const finalOptions = info.bootOptions;

  // The inputs of the later parts, produced by the earlier ones once.
  const topology = new PartitionTopology();
  if (hostTopologyRanges(params, parsed, topology) !== null) return -1;
  const vtl2Ram = topology.vtl2Ram;
  const space = new AddressSpaceManager();
  initHostAddressSpace(params, space, vtl2Ram);
  const initialized = new AddressSpaceManager();
  copySpace(space, initialized);

  let result: i32 = 0;
  let last: PartitionTopology = topology;
  const mark = arenaMark();
  for (let i: u32 = 0; i < iterations; i++) {
    if (phase == PHASE_TOPOLOGY) {
      const t = new PartitionTopology();
      if (hostTopologyRanges(params, parsed, t) !== null) return -1;
      result = t.vtl2Ram.length;
      if (emit && i + 1 == iterations) last = t;
    } else if (phase == PHASE_ADDRESS_SPACE) {
      space.length = 0;
      space.vtl2Pool = false;
      initHostAddressSpace(params, space, vtl2Ram);
      result = space.length;
    } else if (phase == PHASE_POOL) {
      copySpace(initialized, space);
      allocateHostPool(params, parsed, finalOptions, space, vtl2Ram);
      result = space.length;
    } else {
      panic("bench_read_from_dt_phase: unknown phase " + phase.toString());
    }
    if (emit && i + 1 == iterations) break; // keep the last result for the out stream
    arenaRewind(mark);
  }
  if (emit) {
    const rec = outRecordBegin(REC_BENCH_PHASE_RESULT, REC_BENCH_PHASE_RESULT_VERSION);
    outU8(phase == PHASE_TOPOLOGY ? 0 : 1);
    if (phase == PHASE_TOPOLOGY) outRamList(last.vtl2Ram);
    else outSpace(space);
    outRecordEnd(rec);
  }
  return result;
}

function outRamList(l: RangeList): void {
  outU32(<u32>l.length);
  for (let i = 0; i < l.length; i++) {
    outU64(l.start(i));
    outU64(l.end(i));
    outU32(tagVnode(l.tag(i)));
    outU32(tagMemType(l.tag(i)));
  }
}

function outSpace(s: AddressSpaceManager): void {
  outAddressSpace(s);
  outU8(s.vtl2Pool ? 1 : 0);
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
