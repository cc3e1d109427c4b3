//! The host side of one boot: guest memory for a resolved image, the VTL2 image loaded into it,
//! the hypervisor stub from the image's `hv` settings, then the whole shim (`boot_run`) and the
//! docs/CONTRACT.md boot object. Platform-neutral (no node:fs): the CLI and the playground share it.
// Ports: openhcl/openhcl_boot/src/main.rs (`shim_main` as the VMM starts it); what the VMM does
//        before it (membacking GuestMemory, vm/loader/src/paravisor.rs) comes from host/guest and
//        host/vtl2.

import { InputError, InternalError } from "../errors.js";
import { GuestMemory } from "../guest/guest_memory.js";
import { Hypervisor } from "../hv/hypervisor.js";
import { defaultHvConfig, type HvConfig } from "../hv/schema.js";
import { attachHypervisor } from "../hv/imports.js";
import { guestMemoryLayout, vtl2ImageInput } from "../image/inputs.js";
import type { ResolvedImage } from "../image/resolve.js";
import { loadVtl2Image, type Vtl2Image } from "../vtl2/load.js";
import { Shim, ShimPanic } from "../wasm/loader.js";
import { runBoot, bootOutputFrom, type BootResult as BootRunResult } from "../shim/boot.js";
import type { BootOutput, Failure } from "../contract.js";
import { errorToFailure } from "./failure.js";
import { defaultUpstream, type UpstreamPin } from "../upstream.js";
import { hostTreeGuest } from "./host_tree_guest.js";

/** One E820 entry of the kernel hand-off (x86). */
export interface E820Entry {
  addr: bigint;
  size: bigint;
  type: number;
}

/** Options of one boot. */
export interface BootImageOptions {
  /** The boot core instance; reused across boots (reset per boot). */
  shim: Shim;
  /**
   * Bytes for the start of the persisted-state region (a servicing boot), replacing the image's
   * own `persistedState` file; null forces a first boot.
   */
  persistedState?: Uint8Array | null;
}

/** A completed boot. */
export interface BootImageResult {
  /** Exactly the docs/CONTRACT.md `boot --json` object. */
  output: BootOutput;
  /** The device tree the shim wrote for the kernel. */
  kernelDtb: Uint8Array;
  /** The E820 map of the x86 boot parameters (empty on aarch64). */
  e820: E820Entry[];
  /** The guest memory after the boot (the shim wrote into it). */
  guest: GuestMemory;
  /** Where the VTL2 image was loaded and the shim parameters it carries. */
  vtl2: Vtl2Image;
  /** The raw boot core result (partition topology and hand-off). */
  result: BootRunResult;
}

/** Boot log lines written before a boot failed, by error object. */
const failedLogs = new WeakMap<object, string[]>();

/** The boot log up to the failure `e` of bootImage (empty when it failed before the shim ran). */
export function bootLogOf(e: unknown): string[] {
  if (typeof e === "object" && e !== null) {
    const log = failedLogs.get(e);
    if (log) return log;
    if (e instanceof ShimPanic) return e.log;
  }
  return [];
}

/** The contract's failure object for a failed boot, with `bootLog` (the log lines so far). */
export function bootFailure(e: unknown): Failure {
  return { ...errorToFailure(e), bootLog: bootLogOf(e) };
}

/** Fresh guest memory for a prepared boot, the VTL2 image loaded into it and the VM's processors. */
export interface PreparedGuest {
  guest: GuestMemory;
  vtl2: Vtl2Image;
  /** Hardware ids of the VM's processors by VP index (null: the hypervisor stub maps ids to themselves). */
  vpIds: bigint[] | null;
}

/**
 * Fresh guest memory for `r` with the VTL2 image loaded (persisted state as given) as the pin's
 * loader lays it out. `with` is the boot core (its pin, and its parser reads the tree of an image
 * naming a host device tree: host_tree_guest.ts) or just an upstream pin (VM images only).
 */
export function prepareGuest(r: ResolvedImage, persistedState?: Uint8Array | null, using?: Shim | UpstreamPin): PreparedGuest {
  const shim = typeof using === "object" ? using : undefined;
  const upstream: UpstreamPin = typeof using === "string" ? using : shim?.upstream ?? defaultUpstream();
  let layout = guestMemoryLayout(r);
  let vpIds: bigint[] | null = r.vm ? r.vm.vps.map((vp) => BigInt(vp.apicId)) : null;
  if (!layout) {
    if (!shim) throw new InternalError(`${r.path}: prepareGuest: an image naming a host device tree needs the boot core to read it`);
    const t = hostTreeGuest(r, shim);
    layout = t.layout;
    vpIds = t.vpIds;
  }
  let guest: GuestMemory;
  try {
    guest = GuestMemory.build(layout);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${r.path}: guest memory: ${e.message}`);
    throw new InputError(`${r.path}: guest memory: ${e instanceof Error ? e.message : String(e)}`);
  }
  const input = vtl2ImageInput(r);
  if (persistedState === null) delete input.persistedState;
  else if (persistedState !== undefined) input.persistedState = persistedState;
  input.upstream = upstream;
  return { guest, vtl2: loadVtl2Image(guest, input), vpIds };
}

// The default `hv` settings, parsed once (the stub only reads its configuration).
let defaultHv: HvConfig | undefined;

/** The hypervisor stub for `r`: its `hv` settings, and the VM's processors by hardware id (`vpIds`). */
export function hypervisorFor(r: ResolvedImage, vpIds: bigint[] | null = r.vm ? r.vm.vps.map((vp) => BigInt(vp.apicId)) : null): Hypervisor {
  const hv = new Hypervisor(r.image.hv ?? (defaultHv ??= defaultHvConfig()), r.arch);
  if (vpIds) hv.setVpTopology(vpIds);
  return hv;
}

/**
 * An image loaded once for many boots (`bootPrepared`): guest memory with the VTL2 image in it,
 * which every boot forks copy-on-write, and the hypervisor settings. Build it again when the
 * image changes.
 */
export interface PreparedImage {
  readonly image: ResolvedImage;
  readonly guest: GuestMemory;
  readonly vtl2: Vtl2Image;
  readonly hvConfig: HvConfig;
  /** The VM's processors by hardware id (for a host device tree: its CPUs; null when it does not parse). */
  readonly vpIds: bigint[] | null;
}

/**
 * Loads `r` for repeated boots (`persistedState` as for bootImage); throws InputError like
 * bootImage. `using` as for prepareGuest (an image naming a host device tree needs the boot core).
 */
export function prepareImage(r: ResolvedImage, persistedState?: Uint8Array | null, using?: Shim | UpstreamPin): PreparedImage {
  const { guest, vtl2, vpIds } = prepareGuest(r, persistedState, using);
  return { image: r, guest, vtl2, hvConfig: r.image.hv ?? (defaultHv ??= defaultHvConfig()), vpIds };
}

/**
 * Boots a prepared image on a fork of its guest memory (the prepared memory never changes), with a
 * fresh hypervisor stub: the same result as `bootImage` of the image, without loading it again.
 */
export function bootPrepared(p: PreparedImage, opts: { shim: Shim }): BootImageResult {
  const hv = new Hypervisor(p.hvConfig, p.image.arch);
  if (p.vpIds) hv.setVpTopology(p.vpIds);
  return runShim(p.image, p.guest.fork(), p.vtl2, hv, opts.shim);
}

/**
 * Boots `r`: guest memory, VTL2 image, hypervisor, shim. Throws InputError (unusable image),
 * DtError or ShimPanic (the shim failed); `bootLogOf(error)` gives the log lines so far.
 */
export function bootImage(r: ResolvedImage, opts: BootImageOptions): BootImageResult {
  const { guest, vtl2, vpIds } = prepareGuest(r, opts.persistedState, opts.shim);
  return runShim(r, guest, vtl2, hypervisorFor(r, vpIds), opts.shim);
}

// The shim over loaded guest memory and a hypervisor stub.
function runShim(r: ResolvedImage, guest: GuestMemory, vtl2: Vtl2Image, hv: Hypervisor, shim: Shim): BootImageResult {
  shim.reset();
  shim.setGuest(guest);
  attachHypervisor(shim, hv);
  let result: BootRunResult;
  try {
    result = runBoot(shim, { shimBase: vtl2.shimBase, rawOffset: vtl2.shimParamsOffset, arch: r.arch, hvIsolation: vtl2.hvIsolation });
  } catch (e) {
    if (typeof e === "object" && e !== null) failedLogs.set(e, e instanceof ShimPanic ? e.log : shim.log().slice());
    throw e;
  } finally {
    shim.setGuest(undefined);
  }
  return {
    output: bootOutputFrom(r.arch, result),
    kernelDtb: result.handoff.dtb,
    e820: result.handoff.e820,
    guest,
    vtl2,
    result,
  };
}
