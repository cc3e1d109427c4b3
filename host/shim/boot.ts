//! Binding for the whole-boot export (assembly/abi/boot.ts `boot_run`): runs shim_main over the
//! guest memory and hypervisor the caller attached, and decodes the partition and hand-off
//! results; assembles the docs/CONTRACT.md `boot --json` object from them.
// Ports: none (host binding of assembly/abi/boot.ts)
import type { Shim } from "../wasm/loader.js";
import type { BootOutput } from "../contract.js";
import { decodePartitionResult, partitionJson, type PartitionResult } from "./partition.js";
import { decodeHandoffResult, handoffJson, type HandoffResult } from "./handoff.js";
import { DtError } from "../errors.js";

/** Where the shim sits in guest memory and what the boot runs on. */
export interface BootLocation {
  /** Guest physical address the shim image was loaded at. */
  shimBase: bigint;
  /** Signed offset of ShimParamsRaw from `shimBase`. */
  rawOffset: bigint;
  arch: "x86_64" | "aarch64";
  /** The hypervisor reports VBS isolation (x86_64 CPUID partition privileges). */
  hvIsolation: boolean;
}

/** A completed boot: partition, hand-off and the boot log. */
export interface BootResult {
  partition: PartitionResult;
  handoff: HandoffResult;
  log: string[];
}

/**
 * Boots once: `shim.setGuest(gm)` and `attachHypervisor(shim, hv)` must have been called. Throws
 * DtError (kind "dt": the DtError's text, then ": " and its source's text) or ShimPanic.
 */
export function runBoot(shim: Shim, loc: BootLocation): BootResult {
  shim.reset();
  shim.call("boot_run", BigInt.asUintN(64, loc.shimBase), BigInt.asUintN(64, loc.rawOffset), loc.arch === "aarch64" ? 1 : 0, loc.hvIsolation ? 1 : 0);
  // Decoded completely before the next call into the boot core: read in place.
  const r = shim.outView();
  const log = shim.log().slice();
  let partition: PartitionResult;
  try {
    partition = decodePartitionResult(r);
  } catch (e) {
    if (e instanceof DtError) e.log = log;
    throw e;
  }
  const handoff = decodeHandoffResult(r);
  r.end("boot_run result stream");
  return { partition, handoff, log };
}

/** The docs/CONTRACT.md `boot --json` object of a completed boot. */
export function bootOutputFrom(arch: "x86_64" | "aarch64", result: BootResult): BootOutput {
  const p = partitionJson(result.partition);
  const h = handoffJson(result.handoff);
  return {
    ok: true,
    arch,
    isolation: p.isolation,
    memoryAllocationMode: p.memoryAllocationMode,
    cpuCount: p.cpuCount,
    vtl2Ram: p.vtl2Ram,
    partitionRam: p.partitionRam,
    vtl0Mmio: p.vtl0Mmio,
    vtl2Mmio: p.vtl2Mmio,
    addressSpace: p.addressSpace,
    sidecar: h.sidecar,
    kernelCommandLine: h.kernelCommandLine,
    bootLog: result.log,
  };
}
