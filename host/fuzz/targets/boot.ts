//! Fuzz target `boot`: generated VM images (and byte-mutated host device trees of generated VMs)
//! booted end to end, judged by the boot-output invariants, determinism and a servicing restore.
// Ports: openhcl/openhcl_boot (the whole boot path); oracle in host/fuzz/oracle.ts and boot_expect.ts.
import { DtError, InputError } from "../../errors.js";
import { bootImage, bootPrepared, prepareImage, type BootImageResult, type PreparedImage } from "../../harness/boot.js";
import { compareTopologies, mergeTouching, persistFrom } from "../../harness/service.js";
import type { BootOutput } from "../../contract.js";
import { vtl2ImageInput } from "../../image/inputs.js";
import { parseImage, resolveImageWith, type ResolvedImage } from "../../image/resolve.js";
import { ShimPanic, type Shim } from "../../wasm/loader.js";
import { vmImageArb, sample } from "../arbitraries.js";
import { mutateBytes } from "../mutate.js";
import { check, checkBootOutput, checkSame, judgeFailure, PASS, type Verdict } from "../oracle.js";
import type { Rng } from "../rng.js";
import { shrinkBytes, shrinkStructured } from "../shrink.js";
import { decodeJson, encodeJson, type Target } from "../target.js";
import { bootExpectations } from "./boot_expect.js";
import { plugins } from "./plugins.js";
import { hypervisorOf } from "../../hv/imports.js";
import type { SidecarStartRecord } from "../../hv/sidecar.js";
import { checkProperties, hasProperties } from "../properties.js";
import { propertyResult, savedStateOf, type PropertyResult } from "./boot_result.js";
import { editSavedState, serviceCpuLists, serviceSpecArb, withSavedState, type ServiceSpec } from "./service_gen.js";

/**
 * A boot input: an image object (as in images/*.json); for a `hostDeviceTree` image the blob, for
 * a servicing boot the persisted-state bytes (a previous boot's saved state), both as hex.
 */
export interface BootInput {
  image: Record<string, unknown>;
  dtb?: string;
  persisted?: string;
  /** Set when the host input is byte-mutated or hand-made (what was), unset for a VM the VMM could build. */
  handMade?: string;
  /** How the servicing restore's saved state is derived from the first boot (default: usermode's save, no CPU lists). */
  service?: ServiceSpec;
}

/** The file names a blob and a saved state have inside the image. */
const DTB_NAME = "fuzz.dtb";
const PERSISTED_NAME = "fuzz-persisted.bin";
const WHERE = "<fuzz image>";

const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

/** Validates and resolves an input's image (InputError when the image loader refuses it). */
export function resolveBootInput(x: BootInput): ResolvedImage {
  const files: Record<string, Uint8Array> = {};
  if (x.dtb !== undefined) files[DTB_NAME] = fromHex(x.dtb);
  if (x.persisted !== undefined) files[PERSISTED_NAME] = fromHex(x.persisted);
  return resolveImageWith(parseImage(x.image, WHERE), (rel) => files[rel], WHERE);
}

/**
 * A `hostDeviceTree` input from a VM input: the VM's generated tree (byte-mutated by the caller),
 * with the shim's memory where the VM would have put the VTL2 image. Null when the VM does not resolve.
 */
export function dtbInputFrom(x: BootInput): BootInput | null {
  let r: ResolvedImage;
  try {
    r = resolveBootInput(x);
  } catch {
    return null;
  }
  if (!r.vm) return null;
  const v = vtl2ImageInput(r);
  const { vm: _vm, ...rest } = x.image;
  // Without the VM, the hypervisor stub no longer knows the processors: tell it their VP indexes.
  const vpIndexOverrides = Object.fromEntries(r.vm.vps.map((vp, i) => [`0x${vp.apicId.toString(16)}`, i]));
  const hv = { ...((rest.hv as object | undefined) ?? {}), vpIndexOverrides };
  return {
    image: { ...rest, hv, hostDeviceTree: DTB_NAME, shim: { memoryStart: "0x" + v.vtl2Base.toString(16), memorySize: "0x" + v.vtl2Size.toString(16) } },
    dtb: toHex(r.hostDeviceTree),
  };
}

type Once = { ok: true; result: BootImageResult | null; output: BootOutput; sidecar?: SidecarStartRecord } | { ok: false; verdict: Verdict; text: string };

/**
 * One boot: the output, or the verdict on its failure (upstream site, loader refusal, trap,
 * exception). `prepared` is the input's image loaded once (its boots fork its guest memory); a
 * servicing boot passes its saved state instead and loads the image with it.
 */
function bootOnce(shim: Shim, r: ResolvedImage, x: BootInput, prepared: PreparedImage | null, persistedState?: Uint8Array): Once {
  try {
    if (plugins.boot) {
      const p = plugins.boot(shim, x.image);
      if (p.ok) return { ok: true, result: null, output: p.value };
      return { ok: false, verdict: judgeFailure(p.error.message, true), text: JSON.stringify(p.error) };
    }
    const b = prepared && !persistedState ? bootPrepared(prepared, { shim }) : bootImage(r, { shim, ...(persistedState ? { persistedState } : {}) });
    return { ok: true, result: b, output: b.output, ...(hasProperties() ? { sidecar: hypervisorOf(shim).lastSidecarStart } : {}) };
  } catch (e) {
    return failedOnce(e);
  }
}

/** The verdict on a boot (or image load) that threw. */
function failedOnce(e: unknown): Once & { ok: false } {
  if (e instanceof ShimPanic || e instanceof DtError) return { ok: false, verdict: judgeFailure(e.message, true), text: e.message };
  if (e instanceof InputError) return { ok: false, verdict: { ok: true, failedAt: `image loader: ${e.message.split("\n")[0]}` }, text: e.message };
  return { ok: false, verdict: { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) }, text: "" };
}

/**
 * The topology a restore must reproduce: VTL2 RAM, address space and MMIO with touching ranges of
 * the same node and type merged. The saved state describes VTL2 memory as usermode's map does, so
 * VTL2 RAM that the first boot assembled from adjacent pieces (the file range and allocations
 * around it) comes back as one range.
 */
export function mergedTopology(o: BootOutput): BootOutput {
  return {
    ...o,
    vtl2Ram: mergeTouching(o.vtl2Ram, (a, b) => a.vnode === b.vnode && a.igvmType === b.igvmType),
    addressSpace: mergeTouching(o.addressSpace, (a, b) => a.vnode === b.vnode && a.type === b.type),
    vtl0Mmio: mergeTouching(o.vtl0Mmio, () => true),
    vtl2Mmio: mergeTouching(o.vtl2Mmio, () => true),
  };
}

/** `o` with its sidecar node ranges typed as VTL2 RAM (what a restore without sidecar sees). */
function withoutSidecarNodes(o: BootOutput): BootOutput {
  return { ...o, addressSpace: o.addressSpace.map((a) => (a.type === "VTL2_SIDECAR_NODE" ? { ...a, type: "VTL2_RAM" } : a)) };
}

/**
 * The servicing restore: save the boot as usermode does, boot again from it; the second boot
 * must succeed with the same VTL2 RAM, address space, MMIO and pool (as `mergedTopology`).
 */
function checkRestore(shim: Shim, r: ResolvedImage, x: BootInput, first: BootImageResult, firstResult: PropertyResult | null): Verdict {
  let placed: Uint8Array;
  let saved: ReturnType<typeof persistFrom>;
  let state: ReturnType<typeof persistFrom>["state"];
  const spec = x.service;
  try {
    const cpus = spec ? serviceCpuLists(spec, first.output.cpuCount) : { noIo: [], io: [] };
    saved = persistFrom(first, cpus.noIo, cpus.io);
    state = saved.state;
    placed = saved.image;
    if (spec && spec.shape === "varied") {
      state = editSavedState(saved.state, spec.edits);
      placed = withSavedState(saved, state);
    }
  } catch (e) {
    if (e instanceof InputError) return PASS; // usermode could not save this layout (not the shim's doing)
    throw e;
  }
  const second = bootOnce(shim, r, x, null, placed);
  if (spec?.shape === "varied") {
    // An independently varied saved state: the restore must end at a rejection (or complete); no
    // topology comparison, since the state no longer describes the first boot.
    if (!second.ok) return second.verdict;
    const v = checkBootOutput(second.output, { restored: true });
    if (!v.ok) return v;
    if (hasProperties()) {
      const p = checkProperties(x, propertyResult(second.output, second.sidecar, { savedState: state, first: firstResult }));
      if (p) return p;
    }
    return PASS;
  }
  if (!second.ok) {
    if (!second.verdict.ok && second.verdict.kind !== "unknown-failure") return second.verdict;
    const c = check("service-restore", false, () => `the servicing boot from the first boot's saved state failed: ${second.text}`);
    return c ? { ok: false, kind: "invariant", message: c } : PASS;
  }
  // Sidecar is disabled on a servicing restore (SidecarOptions::DisabledServicing): the node
  // memory the first boot reserved for it comes back as VTL2 RAM.
  const firstSeen = second.output.sidecar === null ? withoutSidecarNodes(first.output) : first.output;
  const diffs = compareTopologies(mergedTopology(firstSeen), mergedTopology(second.output));
  const c = check("service-restore", diffs.length === 0, () => `the servicing boot rebuilt a different topology: ${diffs.slice(0, 6).join("; ")}`);
  if (c) return { ok: false, kind: "invariant", message: c };
  if (hasProperties()) {
    const p = checkProperties(x, propertyResult(second.output, second.sidecar, { savedState: state, first: firstResult }));
    if (p) return p;
  }
  return PASS;
}

/** Judges one input: invariants of the output, the same output twice, and a servicing restore. */
export function judgeBoot(shim: Shim, x: BootInput): Verdict {
  let r: ResolvedImage;
  try {
    r = resolveBootInput(x);
  } catch (e) {
    if (e instanceof InputError) return { ok: true, failedAt: `image loader: ${e.message.split("\n")[0]}` };
    return { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) };
  }
  // The image is loaded once: the first boot and the determinism re-run fork its guest memory.
  let prepared: PreparedImage | null = null;
  if (!plugins.boot) {
    try {
      prepared = prepareImage(r, undefined, shim);
    } catch (e) {
      return failedOnce(e).verdict; // the loader refused the image (or a host error)
    }
  }
  const first = bootOnce(shim, r, x, prepared);
  if (!first.ok) {
    if (!first.verdict.ok) return first.verdict;
    const again = bootOnce(shim, r, x, prepared);
    const same = checkSame(first.text, again.ok ? "(the boot completed)" : again.text);
    return same.ok ? first.verdict : same;
  }
  const v = checkBootOutput(first.output, bootExpectations(r));
  if (!v.ok) return v;
  const again = bootOnce(shim, r, x, prepared);
  const same = checkSame(JSON.stringify(first.output), again.ok ? JSON.stringify(again.output) : again.text);
  if (!same.ok) return same;
  let firstResult: PropertyResult | null = null;
  if (hasProperties()) {
    const restored = r.persistedState ? { savedState: savedStateOf(r.persistedState), first: null } : null;
    firstResult = propertyResult(first.output, first.sidecar, restored);
    const p = checkProperties(x, firstResult);
    if (p) return p;
  }
  if (first.result && r.isolation === "none" && !r.persistedState && r.vm) return checkRestore(shim, r, x, first.result, firstResult);
  return PASS;
}

/**
 * A servicing input: a non-isolated VM (sidecar on half the time, with at least one CPU per node)
 * whose restore reads a saved state as usermode writes it or independently varied.
 */
function generateServicing(rng: Rng): BootInput {
  const image = sample(vmImageArb, rng) as Record<string, unknown>;
  image.isolation = "none";
  const spec = sample(serviceSpecArb, rng);
  if (rng.chance(0.5)) {
    image.binaries = { ...((image.binaries as object | undefined) ?? {}), sidecarSize: "0x100000" };
    const cl = image.commandLine as { policy: string; text: string };
    image.commandLine = { ...cl, text: `${cl.text.replace(/OPENHCL_SIDECAR=\S*/g, "")} OPENHCL_SIDECAR=on`.trim() };
  }
  return { image, service: spec, ...(spec.shape === "varied" ? { handMade: "independently varied saved state" } : {}) };
}

/** Draws an input: a generated VM image, a servicing input (one in five), or (one in four of the rest) a byte-mutated host device tree of one. */
function generateVm(rng: Rng): BootInput {
  if (rng.chance(0.2)) return generateServicing(rng);
  const vm: BootInput = { image: sample(vmImageArb, rng) as Record<string, unknown> };
  if (!rng.chance(0.25)) return vm;
  const d = dtbInputFrom(vm);
  if (!d) return vm;
  return rng.chance(0.2) ? d : { ...d, dtb: toHex(mutateBytes(fromHex(d.dtb!), rng).bytes), handMade: "byte-mutated host device tree" };
}

/** A seed image with one part swapped for a generated one, or its blob / saved state byte-mutated. */
function mutateSeed(x: BootInput, rng: Rng): BootInput {
  if (x.persisted !== undefined && rng.chance(0.5)) return { ...x, persisted: toHex(mutateBytes(fromHex(x.persisted), rng).bytes), handMade: "byte-mutated saved state" };
  if (x.dtb !== undefined && rng.chance(0.7)) return { ...x, dtb: toHex(mutateBytes(fromHex(x.dtb), rng).bytes), handMade: "byte-mutated host device tree" };
  const donor = sample(vmImageArb, rng) as { vm: Record<string, unknown>; commandLine: unknown; isolation: unknown };
  const image = { ...x.image };
  const vm = image.vm ? { ...(image.vm as Record<string, unknown>) } : undefined;
  switch (rng.below(vm ? 5 : 2)) {
    case 0: image.commandLine = donor.commandLine; break;
    case 1: image.isolation = donor.isolation; break;
    case 2: vm!.cpus = donor.vm.cpus; break;
    case 3: vm!.vtl2 = donor.vm.vtl2; break;
    default: vm!.bootargs = `${String(vm!.bootargs ?? "")} ${String((donor.vm.bootargs as string | undefined) ?? "")}`.trim();
  }
  if (vm) image.vm = vm;
  return { ...x, image };
}

/** Builds the `boot` target; `seeds` are encoded inputs (images/*.json with their files, see seeds.ts). */
export function bootTargetWith(seeds: Uint8Array[] = []): Target<BootInput> {
  const pool: BootInput[] = [];
  for (const b of seeds) {
    try {
      pool.push(bootTarget.decode(b));
    } catch {
      // not a boot input
    }
  }
  const generate = (rng: Rng): BootInput => (pool.length > 0 && rng.chance(0.1) ? mutateSeed(rng.pick(pool), rng) : generateVm(rng));
  return { ...bootTarget, generate, mutate: (x, rng) => (rng.chance(0.5) ? mutateSeed(x, rng) : generate(rng)) };
}

/** The `boot` target. */
export const bootTarget: Target<BootInput> = {
  name: "boot",
  summary: "generated VM images (memory maps, NUMA, VTL2 modes, pools, sidecar, isolation, APIC ids) and mutated host DTBs booted end to end",
  prepare(shim) {
    shim.setLogging(true);
  },
  generate: generateVm,
  mutate: (x, rng) => (rng.chance(0.5) ? mutateSeed(x, rng) : generateVm(rng)),
  encode: (x) => encodeJson(x),
  decode(bytes) {
    const x = decodeJson<BootInput & { vm?: unknown }>(bytes);
    if (x && typeof x === "object" && x.image && typeof x.image === "object") return x;
    if (x && typeof x === "object" && (x.vm !== undefined || (x as { hostDeviceTree?: unknown }).hostDeviceTree !== undefined)) return { image: x as unknown as Record<string, unknown> };
    throw new Error("not a boot input");
  },
  run: judgeBoot,
  *shrink(x) {
    if (x.service) {
      // Without the servicing variation first (a finding of the first boot needs none).
      const { service: _s, handMade, ...rest } = x;
      yield handMade && handMade !== "independently varied saved state" ? { ...rest, handMade } : rest;
    }
    if (x.service && x.service.edits.length > 0) {
      for (let i = 0; i < x.service.edits.length; i++) yield { ...x, service: { ...x.service, edits: x.service.edits.filter((_, j) => j !== i) } };
    }
    if (x.service && (x.service.noIo.length > 0 || x.service.io.length > 0)) yield { ...x, service: { ...x.service, noIo: [], io: [] } };
    if (x.dtb !== undefined) for (const d of shrinkBytes(fromHex(x.dtb))) yield { ...x, dtb: toHex(d) };
    if (x.persisted !== undefined) for (const d of shrinkBytes(fromHex(x.persisted))) yield { ...x, persisted: toHex(d) };
    for (const image of shrinkStructured(x.image)) yield { ...x, image: image as Record<string, unknown> };
  },
  validity: (x) => (x.handMade ? "hand-made" : "vmm"),
  reproducer(x, id) {
    const files: Record<string, Uint8Array> = {};
    const image: Record<string, unknown> = { ...x.image, name: id };
    if (x.dtb !== undefined) image.hostDeviceTree = `${id}.dtb`;
    if (x.persisted !== undefined) image.persistedState = `${id}.persisted.bin`;
    files[`${id}.json`] = new TextEncoder().encode(JSON.stringify(image, null, 2) + "\n");
    if (x.dtb !== undefined) files[`${id}.dtb`] = fromHex(x.dtb);
    if (x.persisted !== undefined) files[`${id}.persisted.bin`] = fromHex(x.persisted);
    // A servicing input's saved-state variation is not part of an image: replay the raw input.
    return { files, replay: x.service ? `hclboot fuzz --replay {dir}/${id}` : `hclboot boot {dir}/${id}.json` };
  },
};
