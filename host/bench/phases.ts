//! The measured boot phases of one sweep point: host device tree build (TypeScript), device tree
//! parse, read_from_dt (topology, address space, pool; also timed as its three parts), sidecar planning, kernel command line,
//! E820 map and kernel device tree (WASM, each repeated inside WASM by assembly/abi/bench.ts).
// Ports: none (benchmark driver over openhcl_boot's phases)

import { ShimPanic, type Shim } from "../wasm/loader.js";
import { InputError, DtError } from "../errors.js";
import { parseImage, resolveVm, checkDeviceTreeFits, type ResolvedVm } from "../image/resolve.js";
import { buildDeviceTree } from "../image/host_device_tree.js";
import { computeVtl2Layout } from "../vtl2/layout.js";
import { benchHostDt, parseHostDt, type HostDeviceTree } from "../shim/host_fdt.js";
import { encodePartitionRecord, readFromDtValues, type ShimValues, type HostDtValues, type PartitionResult } from "../shim/partition.js";
import { encodeHandoffInput, runHandoff, type HandoffInput, type HandoffResult, type AddressRangeIn, type MemoryVtlTypeName } from "../shim/handoff.js";
import { benchReadFromDt, benchReadFromDtPhase, benchHandoff, benchHypervisor, type HandoffPhase, type TopologyPhase } from "../shim/bench.js";
import { benchImage, configLabel, type BenchConfig } from "./sweep.js";
import { measureAll, timeJs, type Run, type Timing, type TimingOptions } from "./timing.js";

/** Phase names in boot order (the keys of `phases` in `bench --json`). */
export const PHASES = ["hostDtBuild", "dtParse", "readFromDt", "topology", "addressSpace", "pool", "sidecar", "kernelCmdline", "e820", "kernelDt"] as const;
export type PhaseName = (typeof PHASES)[number];

/** What each phase covers (for the table legend and the README). */
export const PHASE_DESCRIPTIONS: Record<PhaseName, string> = {
  hostDtBuild: "host device tree build (TypeScript, as OpenVMM)",
  dtParse: "host device tree parse (WASM host_fdt_parser)",
  readFromDt: "read_from_dt: topology, address space, VTL2 pool (WASM)",
  topology: "read_from_dt's topology: VTL2 ram, allocation mode, mmio (WASM)",
  addressSpace: "read_from_dt's address space manager init (WASM)",
  pool: "read_from_dt's VTL2 GPA pool sizing + allocation, incl. restoring the manager (WASM)",
  sidecar: "sidecar planning and start (WASM + hypervisor stub)",
  kernelCmdline: "kernel command line (WASM)",
  e820: "E820 map + boot_params page (WASM)",
  kernelDt: "kernel device tree (WASM)",
};

/** The sidecar image size the benchmark's VTL2 layout reserves (x86_64). */
const SIDECAR_IMAGE_SIZE = 0x10_0000n;

/** One measured sweep point. */
export interface PointResult {
  config: BenchConfig;
  /** Host device tree bytes. */
  dtBytes: number;
  /** Set when the point was not measured (e.g. the host tree does not fit 64 pages). */
  skipped?: string;
  /** Set when a phase failed (DtError, panic). */
  error?: string;
  phases: Partial<Record<PhaseName, Timing>>;
  /** Sidecar nodes the plan produced (0 = no sidecar). */
  sidecarNodes?: number;
}

/** Everything prepared for timing one point. */
export interface Prepared {
  vm: ResolvedVm;
  blob: Uint8Array;
  tree: HostDeviceTree;
  partitionRecord: Uint8Array;
  partition: PartitionResult;
  handoffRecord: Uint8Array;
  cpuRegs: bigint[];
  /** The whole hand-off run once on the same input (what the repeated phases reproduce). */
  handoff: HandoffResult;
}

function dtValues(t: HostDeviceTree): HostDtValues {
  return {
    bootCpuidPhys: t.bootCpuidPhys,
    cpus: t.cpus,
    memory: t.memory,
    vmbusVtl0: t.vmbusVtl0,
    vmbusVtl2: t.vmbusVtl2,
    commandLine: t.commandLine,
    com3SerialAvailable: t.com3Serial,
    memoryAllocationMode: t.memoryAllocationMode.mode === "host"
      ? { mode: "host" }
      : {
          mode: "vtl2",
          ...(t.memoryAllocationMode.memorySize !== null ? { memorySize: t.memoryAllocationMode.memorySize } : {}),
          ...(t.memoryAllocationMode.mmioSize !== null ? { mmioSize: t.memoryAllocationMode.mmioSize } : {}),
        },
    ...(t.deviceDmaPageCount !== null ? { deviceDmaPageCount: t.deviceDmaPageCount } : {}),
    nvmeKeepalive: t.nvmeKeepalive,
    ...(t.vtl0AliasMap !== null ? { vtl0AliasMap: t.vtl0AliasMap } : {}),
  };
}

/** Shim parameter values of the VTL2 image laid out in the VM's VTL2 range (as the loader does). */
function shimValues(vm: ResolvedVm, commandLine: { policy: "static" | "append-chosen"; text: string }): ShimValues {
  const r = vm.vtl2ImageRange;
  const l = computeVtl2Layout("x86_64", "none", r.start, r.len, { sidecarSize: SIDECAR_IMAGE_SIZE });
  return {
    memoryStart: l.memory.start,
    memorySize: l.memory.end - l.memory.start,
    parameterRegionStart: l.parameterRegion.start,
    parameterRegionSize: l.parameterRegion.end - l.parameterRegion.start,
    vtl2ReservedStart: l.reserved!.start,
    vtl2ReservedSize: l.reserved!.end - l.reserved!.start,
    sidecarBase: l.sidecar.start,
    sidecarSize: l.sidecar.end - l.sidecar.start,
    used: { start: l.memory.start, end: l.usedEnd },
    logBuffer: l.logBuffer,
    heap: l.heap,
    persistedState: l.persistedState,
    isolation: "none",
    commandLine,
  };
}

function sidecarMode(s: string): HandoffInput["sidecar"] {
  if (s.startsWith("DisabledCommandLine")) return "disabled-command-line";
  if (s.startsWith("DisabledServicing")) return "disabled-servicing";
  return "enabled";
}

/**
 * The hand-off input for a partition read from the device tree. Stand-in glue until the whole
 * boot runs in one export: free and used VTL2 RAM are not told apart in the partition result, so
 * all VTL2_RAM ranges are offered to sidecar planning as free.
 */
function handoffInput(p: PartitionResult, tree: HostDeviceTree, shim: ShimValues): HandoffInput {
  const addressSpace: AddressRangeIn[] = p.addressSpace.map((e) => ({
    start: e.start, end: e.end, vnode: e.vnode,
    usage: e.type === "VTL2_RAM" ? "free" : (e.type as MemoryVtlTypeName),
  }));
  return {
    arch: "x86_64",
    isolation: "none",
    sidecar: sidecarMode(p.bootOptions.sidecar),
    com3SerialAvailable: p.com3SerialAvailable,
    nvmeKeepalive: p.nvmeKeepalive,
    vtl0AliasMap: p.vtl0AliasMap,
    memoryAllocationMode: p.memoryAllocationMode,
    entropy: tree.entropy,
    sidecarSize: shim.sidecarSize ?? 0n,
    sidecarEntryAddress: shim.sidecarBase ?? 0n,
    initrd: { base: 0n, size: 0n, crc: 0 },
    bspReg: p.bspReg,
    cpus: tree.cpus.map((c) => ({ reg: c.reg, vnode: c.vnode })),
    vtl2Ram: p.vtl2Ram.map((e) => ({ start: e.start, end: e.end, vnode: e.vnode, memType: e.igvmType })),
    partitionRam: p.partitionRam.map((e) => ({ start: e.start, end: e.end, vnode: e.vnode, memType: e.igvmType })),
    vmbusVtl2: { connectionId: p.vmbusVtl2ConnectionId, mmio: p.vtl2Mmio },
    vmbusVtl0: { connectionId: p.vmbusVtl0ConnectionId, mmio: p.vtl0Mmio },
    addressSpace,
    vtl2Pool: p.hasVtl2Pool,
    cmdline: p.cmdline,
  };
}

function buildTree(vm: ResolvedVm): Uint8Array {
  return buildDeviceTree({
    vps: vm.vps,
    allRam: vm.allRam,
    vtl2ProtectableRam: vm.vtl2ProtectableRam,
    vtl2BaseAddress: vm.vtl2BaseAddress,
    commandLine: vm.commandLine,
    withVmbusRedirect: vm.withVmbusRedirect,
    comSerial: vm.comSerial,
    entropy: vm.entropy,
    chipsetMmio: vm.chipsetMmio,
    hostExtensions: vm.hostExtensions,
  });
}

/**
 * Resolves a point's image, builds and parses its host tree and runs read_from_dt and the whole
 * hand-off once (so a failing point reports the shim's own error); throws on failure.
 */
export function preparePoint(shim: Shim, c: BenchConfig): Prepared | { skipped: string; dtBytes: number } {
  const image = parseImage(benchImage(c), `bench:${c.cpus}c`);
  const vm = resolveVm(image.vm!, `bench:${c.cpus}c`);
  const blob = buildTree(vm);
  try {
    checkDeviceTreeFits(blob.length);
  } catch (e) {
    if (e instanceof InputError) return { skipped: `host device tree is ${blob.length} bytes, over the 64-page area`, dtBytes: blob.length };
    throw e;
  }
  const tree = parseHostDt(shim, blob);
  const values = shimValues(vm, { policy: image.commandLine?.policy ?? "append-chosen", text: image.commandLine?.text ?? "" });
  const dt = dtValues(tree);
  const partition = readFromDtValues(shim, values, dt);
  const partitionRecord = encodePartitionRecord(values, dt);
  const input = handoffInput(partition, tree, values);
  const cpuRegs = tree.cpus.map((c) => c.reg);
  const handoff = runHandoff(shim, input, benchHypervisor(cpuRegs));
  const handoffRecord = encodeHandoffInput(input);
  return { vm, blob, tree, partitionRecord, partition, handoffRecord, cpuRegs, handoff };
}

/** Measures every phase of one sweep point (phases of a failing point are reported as an error). */
export function measurePoint(shim: Shim, c: BenchConfig, o: TimingOptions): PointResult {
  let p: Prepared;
  try {
    const r = preparePoint(shim, c);
    if ("skipped" in r) return { config: c, dtBytes: r.dtBytes, skipped: r.skipped, phases: {} };
    p = r;
  } catch (e) {
    const kind = e instanceof ShimPanic ? "panic: " : e instanceof DtError ? "dt: " : "";
    return { config: c, dtBytes: 0, error: kind + (e as Error).message, phases: {} };
  }
  const phases: Partial<Record<PhaseName, Timing>> = {};
  const result: PointResult = { config: c, dtBytes: p.blob.length, phases, sidecarNodes: p.handoff.sidecar?.nodes.length ?? 0 };
  try {
    // every phase calibrated, then sampled round by round (timing.ts measureAll)
    const hv = () => benchHypervisor(p.cpuRegs);
    const runs: [PhaseName, Run][] = [
      ["hostDtBuild", (n) => timeJs(() => buildTree(p.vm), n)],
      ["dtParse", (n) => benchHostDt(shim, p.blob, n)],
      ["readFromDt", (n) => benchReadFromDt(shim, p.partitionRecord, n)],
      ...(["topology", "addressSpace", "pool"] as TopologyPhase[]).map((phase): [PhaseName, Run] =>
        [phase, (n) => benchReadFromDtPhase(shim, p.partitionRecord, phase, n).ms]),
      ...(["sidecar", "kernelCmdline", "e820", "kernelDt"] as HandoffPhase[]).map((phase): [PhaseName, Run] =>
        [phase, (n) => benchHandoff(shim, p.handoffRecord, phase, n, hv()).ms]),
    ];
    Object.assign(phases, measureAll(runs, { ...o, label: configLabel(c) }));
  } catch (e) {
    result.error = (e as Error).message;
  }
  return result;
}
