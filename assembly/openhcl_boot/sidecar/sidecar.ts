//! Sidecar planning: decides whether the sidecar kernel runs, splits the CPUs by NUMA node into
//! sidecar nodes of at most 32 CPUs, takes node memory from the VTL2 address space (falling back
//! to any node), fills SidecarParams, calls the sidecar entry point, and renders the sidecar part
//! of the kernel command line.
// Ports: openhcl/openhcl_boot/src/sidecar.rs

import { panic } from "../../rt/panic";
import { logInfo, logWarn } from "../../rt/log_level";
import { logOn } from "../../rt/log";
import { cpuid, hvHypercallPage, referenceTime, sidecarEntry } from "../../rt/hv";
import { uninitStaticArray } from "../../rt/storage";
import { MAX_CPU_COUNT, MAX_NUMA_NODES } from "../host_params/mod/partition_limits";
import { ShimParams, ISOLATION_NONE, ARCH_AARCH64 } from "../host_params/shim_params/shim_params";
import { SIDECAR_DISABLED_COMMAND_LINE, SIDECAR_DISABLED_SERVICING } from "../cmdline/cmdline";
import { AddressSpaceManager, AllocationType, AllocationPolicy, ANY_VNODE } from "../memory/memory";
import { PartitionInfo, tagVnode } from "../host_params/mod/partition_info";
import { CmdlineBuf } from "../main/cmdline_buf";
import {
  MAX_NODES, NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE, PerCpuState, requiredMemory, allocSidecarPage, writeNodeParams,
  outputError, PARAMS_HYPERCALL_PAGE, PARAMS_ENABLE_LOGGING, PARAMS_NODE_COUNT, PARAMS_INITIAL_STATE,
  PARAMS_STARTS_CPU, PARAMS_NODES, NODE_PARAMS_SIZE, OUTPUT_NODES, NODE_OUTPUT_SIZE,
} from "../../support/sidecar_defs/sidecar_defs";

/** Largest sidecar node: enough Linux CPUs remain to manage the sidecar VPs. */
export const MAX_SIDECAR_NODE_SIZE: i32 = 32;

/** A started sidecar: node parameters and outputs, per-CPU state, and the boot times. */
@final
export class SidecarConfig {
  constructor(
    public numCpus: i32,
    public perCpuState: PerCpuState,
    /** SidecarParams page (node i at PARAMS_NODES + 24 i). */
    public paramsPage: usize,
    /** SidecarOutput page (node i at OUTPUT_NODES + 24 i). */
    public outputPage: usize,
    public nodeCount: i32,
    public startReftime: u64,
    public endReftime: u64,
  ) {}

  /** Node `i`: memory base. */
  memoryBase(i: i32): u64 { return load<u64>(this.paramsPage + PARAMS_NODES + <usize>i * NODE_PARAMS_SIZE); }
  /** Node `i`: memory size. */
  memorySize(i: i32): u64 { return load<u64>(this.paramsPage + PARAMS_NODES + <usize>i * NODE_PARAMS_SIZE + 8); }
  /** Node `i`: first VP. */
  baseVp(i: i32): u32 { return load<u32>(this.paramsPage + PARAMS_NODES + <usize>i * NODE_PARAMS_SIZE + 16); }
  /** Node `i`: VP count. */
  vpCount(i: i32): u32 { return load<u32>(this.paramsPage + PARAMS_NODES + <usize>i * NODE_PARAMS_SIZE + 20); }
  /** Node `i` output: control page. */
  controlPage(i: i32): u64 { return load<u64>(this.outputPage + OUTPUT_NODES + <usize>i * NODE_OUTPUT_SIZE); }
  /** Node `i` output: shared-memory pages base. */
  shmemPagesBase(i: i32): u64 { return load<u64>(this.outputPage + OUTPUT_NODES + <usize>i * NODE_OUTPUT_SIZE + 8); }
  /** Node `i` output: shared-memory pages size. */
  shmemPagesSize(i: i32): u64 { return load<u64>(this.outputPage + OUTPUT_NODES + <usize>i * NODE_OUTPUT_SIZE + 16); }

  /**
   * Appends `boot_cpus=...`: with per-CPU overrides, every CPU sidecar must not start; otherwise
   * the base VP of each node. False when the buffer is full.
   */
  writeKernelCommandLine(buf: CmdlineBuf): bool {
    if (!buf.str("boot_cpus=")) return false;
    let first = true;
    if (this.perCpuState.perCpuStateSpecified) {
      if (this.numCpus > NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE) {
        panic("range end index " + this.numCpus.toString() + " out of range for slice of length " + NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE.toString());
      }
      for (let i = 0; i < this.numCpus; i++) {
        if (!unchecked(this.perCpuState.sidecarStartsCpu[i])) {
          if (!first && !buf.byte(0x2c)) return false;
          if (!buf.dec(<u64>i)) return false;
          first = false;
        }
      }
    } else {
      for (let n = 0; n < this.nodeCount; n++) {
        if (!first && !buf.byte(0x2c)) return false;
        if (!buf.dec(<u64>this.baseVp(n))) return false;
        first = false;
      }
    }
    return true;
  }
}

/** The CPU chunks sidecar nodes are made of: consecutive CPUs of one node, at most 32 each. */
@final
export class SidecarChunks {
  // Read below `length` only (not zeroed).
  first: StaticArray<i32> = uninitStaticArray<i32>(MAX_CPU_COUNT);
  count: StaticArray<i32> = uninitStaticArray<i32>(MAX_CPU_COUNT);
  length: i32 = 0;
}

/**
 * Splits CPUs into runs of equal vnode, then each run of L CPUs into ceil(L/32) chunks of
 * ceil(L / chunks) CPUs (the last one shorter). Linear in the CPU count.
 */
export function splitCpusByNode(vnodes: StaticArray<u32>, cpuCount: i32): SidecarChunks {
  const out = new SidecarChunks();
  let i = 0;
  while (i < cpuCount) {
    const v = unchecked(vnodes[i]);
    let j = i + 1;
    while (j < cpuCount && unchecked(vnodes[j]) == v) j++;
    const runLen = j - i;
    const chunks = (runLen + MAX_SIDECAR_NODE_SIZE - 1) / MAX_SIDECAR_NODE_SIZE;
    const size = (runLen + chunks - 1) / chunks;
    for (let s = i; s < j; s += size) {
      const k = out.length;
      unchecked((out.first[k] = s));
      unchecked((out.count[k] = min(size, j - s)));
      out.length = k + 1;
    }
    i = j;
  }
  return out;
}

/** Plans and starts the sidecar kernel; null when sidecar is not used (the log says why). */
export function startSidecar(p: ShimParams, h: PartitionInfo, space: AddressSpaceManager): SidecarConfig | null {
  if (p.arch == ARCH_AARCH64 || p.isolationType != ISOLATION_NONE) return null;

  if (p.sidecarSize == 0) {
    logInfo("sidecar: not present in image");
    return null;
  }

  const mode = h.bootOptions.sidecar;
  if (mode.kind == SIDECAR_DISABLED_COMMAND_LINE) {
    logInfo("sidecar: disabled via command line");
    return null;
  }
  if (mode.kind == SIDECAR_DISABLED_SERVICING) {
    logInfo("sidecar: disabled because this is a servicing restore");
    return null;
  }
  const paramsPage = allocSidecarPage();
  const outputPage = allocSidecarPage();
  store<u8>(paramsPage + PARAMS_ENABLE_LOGGING, mode.enableLogging ? 1 : 0);

  // The host must not name a NUMA node beyond what the shim supports.
  if (h.cpuCount == 0 && h.vtl2Ram.length == 0) panic("called `Option::unwrap()` on a `None` value");
  let maxVnode: u32 = 0;
  for (let i = 0; i < h.cpuCount; i++) maxVnode = max(maxVnode, unchecked(h.cpuVnodes[i]));
  for (let i = 0; i < h.vtl2Ram.length; i++) maxVnode = max(maxVnode, tagVnode(h.vtl2Ram.tag(i)));
  if (maxVnode >= <u32>MAX_NUMA_NODES) {
    if (logOn()) logWarn("sidecar: NUMA node " + maxVnode.toString() + " too large");
    return null;
  }

  // Sidecar talks to the kernel through the x2APIC (CPUID.1:ECX bit 21).
  if ((cpuid(1, 0).ecx & (1 << 21)) == 0) {
    logWarn("sidecar: x2apic not available; not using sidecar");
    return null;
  }

  const chunks = splitCpusByNode(h.cpuVnodes, h.cpuCount);
  let allSingle = true;
  for (let k = 0; k < chunks.length; k++) {
    if (unchecked(chunks.count[k]) != 1) {
      allSingle = false;
      break;
    }
  }
  if (allSingle) {
    logInfo("sidecar: all NUMA nodes have one CPU");
    return null;
  }
  const nodeCount = chunks.length;

  store<u64>(paramsPage + PARAMS_HYPERCALL_PAGE, hvHypercallPage());
  const state = new PerCpuState();
  state.perCpuStateSpecified = h.sidecarCpuOverrides.perCpuStateSpecified;
  for (let i = 0; i < NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) {
    unchecked((state.sidecarStartsCpu[i] = h.sidecarCpuOverrides.sidecarStartsCpu[i]));
  }

  let baseVp: u32 = 0;
  let totalRam: u64 = 0;
  let paramsNodeCount: u32 = 0;
  const zipped = min(nodeCount, MAX_NODES);
  for (let k = 0; k < zipped; k++) {
    const cpus = unchecked(chunks.count[k]);
    const requiredRam = requiredMemory(<u32>cpus);
    // Prefer memory on the node of the chunk's first CPU.
    const localVnode = unchecked(h.cpuVnodes[unchecked(chunks.first[k])]);
    let mem = space.allocate(<i64>localVnode, requiredRam, AllocationType.SidecarNode, AllocationPolicy.LowMemory);
    if (mem === null) {
      mem = space.allocate(ANY_VNODE, requiredRam, AllocationType.SidecarNode, AllocationPolicy.LowMemory);
      if (mem === null) {
        logWarn("sidecar: not enough memory for sidecar");
        return null;
      }
      if (logOn()) logWarn("sidecar: unable to allocate memory for sidecar node on node " + localVnode.toString() + ", falling back to node " + mem.vnode.toString());
    }
    writeNodeParams(paramsPage, k, mem.range.start, mem.range.len, baseVp, <u32>cpus);
    if (state.perCpuStateSpecified) {
      // The main kernel, not sidecar, starts each node's base VP.
      if (baseVp >= <u32>NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE) {
        panic("index out of bounds: the len is " + NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE.toString() + " but the index is " + baseVp.toString());
      }
      unchecked((state.sidecarStartsCpu[baseVp] = false));
      if (logOn()) logInfo("sidecar: per_cpu_state_specified=true, marking base_vp=" + baseVp.toString() + " as kernel-started");
    }
    baseVp += <u32>cpus;
    paramsNodeCount++;
    totalRam += requiredRam;
  }
  store<u32>(paramsPage + PARAMS_NODE_COUNT, paramsNodeCount);
  store<u8>(paramsPage + PARAMS_INITIAL_STATE, state.perCpuStateSpecified ? 1 : 0);
  for (let i = 0; i < NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) {
    store<u8>(paramsPage + PARAMS_STARTS_CPU + <usize>i, unchecked(state.sidecarStartsCpu[i]) ? 1 : 0);
  }

  const startReftime = referenceTime();
  if (logOn()) logInfo("sidecar starting, " + nodeCount.toString() + " nodes, " + h.cpuCount.toString() + " cpus, 0x" + totalRam.toString(16) + " total bytes");
  if (!sidecarEntry(paramsPage, outputPage)) {
    panic("failed to start sidecar: " + outputError(outputPage));
  }
  const endReftime = referenceTime();
  if (nodeCount > MAX_NODES) {
    panic("range end index " + nodeCount.toString() + " out of range for slice of length " + MAX_NODES.toString());
  }
  return new SidecarConfig(h.cpuCount, state, paramsPage, outputPage, nodeCount, startReftime, endReftime);
}
