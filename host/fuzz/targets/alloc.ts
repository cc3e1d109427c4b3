//! Fuzz target `alloc`: one prepared VM image per CPU count, and per run only the allocation inputs
//! patched in: the host memory map and NUMA split, VTL2 mode and size, VMBus/chipset MMIO, the
//! /chosen command line (pool, sidecar, NUMA split options), the DMA hint and a saved state,
//! written as a new host device tree (OpenVMM's builder) and persisted region into a fork of the
//! prepared guest memory. No image resolving or loading per run.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (the allocation inputs it reads), with the
// host tree built by host/image/host_device_tree.ts (OpenVMM's build_device_tree).
import fc from "fast-check";
import type { BootOutput } from "../../contract.js";
import { DtError } from "../../errors.js";
import { Hypervisor } from "../../hv/hypervisor.js";
import { attachHypervisor, hypervisorOf } from "../../hv/imports.js";
import { buildDeviceTree, DeviceTreeBuildError, PARAVISOR_CONFIG_DEVICE_TREE_SIZE, type BuildDeviceTreeParams } from "../../image/host_device_tree.js";
import { parseImage, resolveImageWith, type ResolvedVm } from "../../image/resolve.js";
import { prepareImage, type PreparedImage } from "../../harness/boot.js";
import { MemoryRange } from "../../layout/memory_range.js";
import { MemoryVtlType } from "../../persist/saved_state_proto.js";
import { writePersistedInfo, PersistError, type AddressRange } from "../../persist/save.js";
import { bootOutputFrom, runBoot } from "../../shim/boot.js";
import { ShimPanic, type Shim } from "../../wasm/loader.js";
import { sample } from "../arbitraries.js";
import { checkBootOutput, checkSame, judgeFailure, PASS, type Verdict } from "../oracle.js";
import { checkProperties, hasProperties } from "../properties.js";
import type { Rng } from "../rng.js";
import { shrinkStructured } from "../shrink.js";
import { decodeJson, encodeJson, jsonReproducer, type Target } from "../target.js";
import { poolConfigAfter } from "./boot_expect.js";
import { propertyResult } from "./boot_result.js";
import { editSavedState, savedStateEditArb, type SavedStateEdit } from "./service_gen.js";

const MB = 1n << 20n;
const GB = 1n << 30n;
const PAGE = 0x1000n;

/** The allocation inputs of one run (everything else comes from the prepared image). */
export interface AllocInput {
  /** Which prepared topology (CPU count) the run patches. */
  cpus: number;
  /** Guest RAM besides the VTL2 image range: [start, end, vnode], page aligned, inside the prepared RAM. */
  ram: [bigint, bigint, number][];
  /** NUMA node of each block of CPUs: CPUs are split evenly over this many nodes. */
  cpuNodes: number;
  mode: "memory-layout" | "vtl2-allocate";
  /** VTL2 size the host reports (null: none). */
  vtl2Size: bigint | null;
  /** VTL0 low/high and VTL2 chipset MMIO. */
  mmio: [bigint, bigint][];
  /** /chosen/bootargs. */
  bootargs: string;
  /** `openhcl/device-dma/total-pages`, or null. */
  dma: bigint | null;
  /** A saved state to restore from, built from this run's map (usermode-shaped), then edited. */
  saved: null | { noIo: number[]; io: number[]; edits: SavedStateEdit[] };
}

/** A topology the target keeps loaded: the prepared image and its VM. */
interface Base {
  prepared: PreparedImage;
  vm: ResolvedVm;
  /** RAM the prepared guest memory has (the universe generated maps are cut from). */
  universe: [bigint, bigint][];
  vtl2: MemoryRange;
  dtStart: bigint;
  persisted: { start: bigint; end: bigint };
}

/** CPU counts of the prepared topologies (small, then the 64 and 2048 CPU benches). */
export const ALLOC_CPU_COUNTS = [4, 64, 2048] as const;

const bases = new Map<number, Base>();

/** The prepared image for `cpus` CPUs (built once per process). */
export function allocBase(cpus: number): Base {
  let b = bases.get(cpus);
  if (b) return b;
  const image = parseImage({
    name: `alloc-${cpus}`, arch: "x86_64", isolation: "none",
    vm: { cpus: { count: cpus, numaNodes: Math.min(cpus, 4) }, memory: { size: "0x400000000" }, vtl2: { mode: "memory-layout" }, bootargs: "" },
    commandLine: { policy: "append-chosen", text: "" },
    binaries: { sidecarSize: "0x100000" },
  }, "<alloc base>");
  const r = resolveImageWith(image, () => undefined, "<alloc base>");
  const prepared = prepareImage(r);
  const vm = r.vm!;
  const universe = vm.memoryLayout.ram().map((x) => [x.range.start, x.range.end] as [bigint, bigint]);
  const pr = prepared.vtl2.params.parameterRegionStart;
  b = {
    prepared, vm, universe, vtl2: vm.vtl2ImageRange,
    dtStart: pr + 40n * PAGE, // PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX
    persisted: prepared.vtl2.params.persistedState,
  };
  bases.set(cpus, b);
  return b;
}

const pages = (min: bigint, max: bigint) => fc.bigInt(min / PAGE, max / PAGE).map((n) => n * PAGE);
const sizeArb = fc.oneof(pages(2n * MB, 4n * GB), fc.bigInt(1n, 8n).map((n) => n * GB), fc.bigInt(1n, 64n).map((n) => n * 2n * MB));

/** Arbitrary allocation inputs for a topology of `cpus` CPUs over `universe`. */
function allocArb(cpus: number, universe: readonly [bigint, bigint][]): fc.Arbitrary<AllocInput> {
  const piece = fc.record({ u: fc.nat({ max: universe.length - 1 }), at: fc.double({ min: 0, max: 1, noNaN: true }), len: sizeArb, vnode: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 64 })) });
  return fc.record({
    pieces: fc.oneof({ weight: 4, arbitrary: fc.array(piece, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(piece, { minLength: 5, maxLength: 80 }) }),
    cpuNodes: fc.integer({ min: 1, max: Math.min(cpus, 8) }),
    mode: fc.constantFrom("memory-layout" as const, "vtl2-allocate" as const),
    vtl2Size: fc.option(fc.oneof(pages(MB, 1n * GB), fc.bigInt(1n, 2048n).map((n) => n * 2n * MB), fc.bigInt(1n, 1n << 20n)), { freq: 2 }),
    mmioLow: fc.record({ len: pages(PAGE, 512n * MB), at: fc.bigInt(0n, 0x1fn) }),
    mmioHigh: fc.record({ len: pages(PAGE, 64n * GB), at: fc.bigInt(0n, 0xffn) }),
    mmioVtl2: fc.option(pages(PAGE, 4n * GB), { freq: 2 }),
    pool: fc.option(fc.oneof(fc.bigInt(0n, 1n << 14n).map(String), fc.constantFrom("debug", "release", "off", "18446744073709551615")), { freq: 2 }),
    sidecar: fc.option(fc.constantFrom("on", "off", "log"), { freq: 2 }),
    numaSplit: fc.boolean(),
    dma: fc.option(fc.oneof(fc.bigInt(0n, 1n << 16n), fc.constant((1n << 64n) - 1n)), { freq: 2 }),
    saved: fc.option(fc.record({
      noIo: fc.array(fc.nat({ max: 2 * cpus }), { maxLength: 6 }),
      io: fc.array(fc.nat({ max: 2 * cpus }), { maxLength: 6 }),
      edits: fc.oneof(fc.constant([] as SavedStateEdit[]), fc.array(savedStateEditArb, { minLength: 1, maxLength: 3 })),
    }), { freq: 4 }),
  }).map((x) => {
    const ram: [bigint, bigint, number][] = [];
    for (const p of x.pieces) {
      const [us, ue] = universe[p.u]!;
      const span = (ue - us) / PAGE;
      const start = us + (BigInt(Math.floor(p.at * Number(span))) * PAGE);
      const end = start + p.len > ue ? ue : start + p.len;
      if (end > start) ram.push([start, end, p.vnode]);
    }
    const words = ["console=ttyS0"];
    if (x.pool !== null) words.push(`OPENHCL_ENABLE_VTL2_GPA_POOL=${x.pool}`);
    if (x.sidecar !== null) words.push(`OPENHCL_SIDECAR=${x.sidecar}`);
    if (x.numaSplit) words.push("OPENHCL_VTL2_GPA_POOL_NUMA_SPLIT=1");
    const lowBase = 0xf800_0000n;
    const highBase = 0x40_0000_0000n;
    const mmio: [bigint, bigint][] = [
      [lowBase + x.mmioLow.at * PAGE, lowBase + x.mmioLow.at * PAGE + (x.mmioLow.len < 0x800_0000n - 0x20n * PAGE ? x.mmioLow.len : 0x100_0000n)],
      [highBase + x.mmioHigh.at * GB, highBase + x.mmioHigh.at * GB + x.mmioHigh.len],
      x.mmioVtl2 !== null ? [0x80_0000_0000n, 0x80_0000_0000n + x.mmioVtl2] : [0n, 0n],
    ];
    return {
      cpus, ram, cpuNodes: x.cpuNodes, mode: x.mode, vtl2Size: x.vtl2Size, mmio, bootargs: words.join(" "), dma: x.dma,
      saved: x.saved,
    };
  });
}

const arbs = new Map<number, fc.Arbitrary<AllocInput>>();
function arbFor(cpus: number): fc.Arbitrary<AllocInput> {
  let a = arbs.get(cpus);
  if (!a) arbs.set(cpus, (a = allocArb(cpus, allocBase(cpus).universe)));
  return a;
}

/** Sorted, disjoint RAM of the input (later pieces lose overlaps), with the VTL2 image range on node 0. */
function allRamOf(b: Base, x: AllocInput): { range: MemoryRange; vnode: number }[] {
  const taken: [bigint, bigint][] = [[b.vtl2.start, b.vtl2.end]];
  const out: { range: MemoryRange; vnode: number }[] = [{ range: b.vtl2, vnode: 0 }];
  for (const [s, e, vnode] of x.ram) {
    if (e <= s || (s & (PAGE - 1n)) !== 0n || (e & (PAGE - 1n)) !== 0n) continue;
    if (taken.some(([ts, te]) => s < te && ts < e)) continue;
    if (!b.universe.some(([us, ue]) => us <= s && e <= ue)) continue; // the prepared memory must back it
    taken.push([s, e]);
    out.push({ range: new MemoryRange(s, e), vnode });
  }
  return out.sort((p, q) => (p.range.start < q.range.start ? -1 : 1));
}

/** The host device tree of one run (OpenVMM's builder over the patched inputs), or null when it cannot be built. */
export function allocDeviceTree(b: Base, x: AllocInput): Uint8Array | null {
  const vps = b.vm.vps.map((vp, i) => ({ ...vp, vnode: Math.floor((i * x.cpuNodes) / b.vm.vps.length) }));
  const r = (p: [bigint, bigint]): MemoryRange => (p[1] > p[0] ? new MemoryRange(p[0], p[1]) : MemoryRange.EMPTY);
  const params: BuildDeviceTreeParams = {
    vps,
    allRam: allRamOf(b, x),
    vtl2ProtectableRam: x.mode === "memory-layout" ? [b.vtl2] : [],
    vtl2BaseAddress: x.mode === "memory-layout" ? { type: "memory-layout", size: x.vtl2Size } : { type: "vtl2-allocate", size: x.vtl2Size },
    commandLine: x.bootargs,
    withVmbusRedirect: false,
    comSerial: null,
    entropy: null,
    chipsetMmio: { low: r(x.mmio[0]!), high: r(x.mmio[1]!), vtl2: r(x.mmio[2] ?? [0n, 0n]) },
    hostExtensions: x.dma !== null ? { deviceDmaTotalPages: x.dma } : {},
  };
  try {
    const blob = buildDeviceTree(params);
    return blob.length <= PARAVISOR_CONFIG_DEVICE_TREE_SIZE ? blob : null;
  } catch (e) {
    if (e instanceof DeviceTreeBuildError || (e instanceof Error && /assertion failed|unreachable/.test(e.message))) return null; // the VMM would not build it
    throw e;
  }
}

/** The saved-state image of a run (usermode-shaped from this run's map), or null when usermode could not write it. */
function allocSavedState(b: Base, x: AllocInput): Uint8Array | null {
  if (!x.saved) return null;
  const ps = b.persisted;
  const header = { start: ps.start, end: ps.start + PAGE };
  const protobuf = { start: ps.start + PAGE, end: ps.start + 20n * PAGE < ps.end ? ps.start + 20n * PAGE : ps.end };
  const map: AddressRange[] = [];
  for (const { range, vnode } of allRamOf(b, x)) {
    if (range.start === b.vtl2.start) {
      // The VTL2 image range: persisted header and protobuf, the rest VTL2 RAM.
      map.push({ kind: "memory", start: range.start, end: header.start, vnode, vtlType: MemoryVtlType.VTL2_RAM, igvmType: 3 });
      map.push({ kind: "memory", start: header.start, end: header.end, vnode, vtlType: MemoryVtlType.VTL2_PERSISTED_STATE_HEADER, igvmType: 3 });
      map.push({ kind: "memory", start: protobuf.start, end: protobuf.end, vnode, vtlType: MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF, igvmType: 3 });
      map.push({ kind: "memory", start: protobuf.end, end: range.end, vnode, vtlType: MemoryVtlType.VTL2_RAM, igvmType: 3 });
    } else map.push({ kind: "memory", start: range.start, end: range.end, vnode, vtlType: MemoryVtlType.VTL0, igvmType: 0 });
  }
  for (const [i, [s, e]] of x.mmio.entries()) if (e > s) map.push({ kind: "mmio", start: s, end: e, vtl: i === 2 ? 2 : 0 });
  map.sort((p, q) => (p.start < q.start ? -1 : 1));
  const clean = map.filter((m) => m.end > m.start);
  try {
    const p = writePersistedInfo({ partitionMemoryMap: clean, persistedHeader: header, persistedProtobufRegion: protobuf, cpusWithMappedInterruptsNoIo: [...new Set(x.saved.noIo)].sort((a, c) => a - c), cpusWithOutstandingIo: [...new Set(x.saved.io)].sort((a, c) => a - c) });
    if (x.saved.edits.length === 0) return p.image;
    const st = editSavedState(p.state, x.saved.edits);
    return writePersistedInfo({ partitionMemoryMap: [...st.partitionMemory.map((m) => ({ kind: "memory" as const, ...m })), ...st.partitionMmio.map((m) => ({ kind: "mmio" as const, start: m.start, end: m.end, vtl: (m.vtlType === MemoryVtlType.VTL2_MMIO ? 2 : 0) as 0 | 2 }))], persistedHeader: header, persistedProtobufRegion: protobuf, cpusWithMappedInterruptsNoIo: st.cpusWithMappedInterruptsNoIo, cpusWithOutstandingIo: st.cpusWithOutstandingIo }).image;
  } catch (e) {
    if (e instanceof PersistError) return null;
    throw e;
  }
}

/** One boot of a patched fork: the output (and the sidecar record), or the failure verdict. */
export function allocBoot(shim: Shim, b: Base, x: AllocInput): { ok: true; output: BootOutput; sidecar: ReturnType<typeof hypervisorOf>["lastSidecarStart"] } | { ok: false; verdict: Verdict; text: string } {
  const dtb = allocDeviceTree(b, x);
  if (!dtb) return { ok: false, verdict: { ok: true, failedAt: "image loader: the VMM cannot build this host device tree" }, text: "" };
  const saved = allocSavedState(b, x);
  if (x.saved && !saved) return { ok: false, verdict: { ok: true, failedAt: "usermode could not save this layout" }, text: "" };
  const guest = b.prepared.guest.fork();
  guest.write(b.dtStart, dtb);
  if (saved) {
    if (BigInt(saved.length) > b.persisted.end - b.persisted.start) return { ok: false, verdict: { ok: true, failedAt: "saved state does not fit" }, text: "" };
    guest.write(b.persisted.start, saved);
  }
  const hv = new Hypervisor(b.prepared.hvConfig, "x86_64");
  if (b.prepared.vpIds) hv.setVpTopology(b.prepared.vpIds);
  shim.reset();
  shim.setGuest(guest);
  attachHypervisor(shim, hv);
  try {
    const v = b.prepared.vtl2;
    const result = runBoot(shim, { shimBase: v.shimBase, rawOffset: v.shimParamsOffset, arch: "x86_64", hvIsolation: v.hvIsolation });
    return { ok: true, output: bootOutputFrom("x86_64", result), sidecar: hv.lastSidecarStart };
  } catch (e) {
    if (e instanceof ShimPanic || e instanceof DtError) return { ok: false, verdict: judgeFailure(e.message, true), text: e.message };
    return { ok: false, verdict: { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) }, text: "" };
  } finally {
    shim.setGuest(undefined);
  }
}

let runCount = 0;

/** Judges one run: the boot-output invariants (pool size when fixed, MMIO in the host's ranges), determinism every 16th run, properties. */
export function judgeAlloc(shim: Shim, x: AllocInput): Verdict {
  if (!(ALLOC_CPU_COUNTS as readonly number[]).includes(x.cpus)) return { ok: true, failedAt: "image loader: unknown alloc topology" };
  const b = allocBase(x.cpus);
  const first = allocBoot(shim, b, x);
  const again = ++runCount % 16 === 0 ? allocBoot(shim, b, x) : null;
  if (!first.ok) {
    if (!first.verdict.ok) return first.verdict;
    if (again) {
      const same = checkSame(first.text, again.ok ? "(the boot completed)" : again.text);
      if (!same.ok) return same;
    }
    return first.verdict;
  }
  const config = poolConfigAfter(["", x.bootargs]);
  const poolBytes = x.saved ? undefined : config === "off" ? 0n : config !== "heuristics" ? config.pages * PAGE : x.dma ? x.dma * PAGE : undefined;
  const gaps = x.mmio.filter(([s, e]) => e > s).map(([s, e]) => ({ start: s, end: e }));
  const v = checkBootOutput(first.output, { ...(poolBytes !== undefined && poolBytes <= 0xffff_ffff_ffff_ffffn ? { poolBytes } : {}), ...(x.saved ? { restored: true } : { mmioGaps: gaps }) });
  if (!v.ok) return v;
  if (again) {
    const same = checkSame(JSON.stringify(first.output), again.ok ? JSON.stringify(again.output) : again.text);
    if (!same.ok) return same;
  }
  if (hasProperties()) {
    const p = checkProperties(x, propertyResult(first.output, first.sidecar, x.saved ? { savedState: null, first: null } : null));
    if (p) return p;
  }
  return PASS;
}

/** The `alloc` target (small topology; `allocTargetFor` picks another CPU count). */
export function allocTargetFor(cpus: number = ALLOC_CPU_COUNTS[0]): Target<AllocInput> {
  return {
    name: "alloc",
    summary: "allocation inputs (memory map, NUMA split, VTL2 mode/size, MMIO, pool/sidecar options, DMA hint, saved state) patched into one prepared image",
    prepare(shim) {
      shim.setLogging(false);
      allocBase(cpus);
    },
    generate: (rng: Rng) => sample(arbFor(cpus), rng),
    mutate(x, rng) {
      const y = sample(arbFor(cpus), rng);
      // Swap one field of the corpus input for a fresh one.
      const keys = ["ram", "cpuNodes", "mode", "vtl2Size", "mmio", "bootargs", "dma", "saved"] as const;
      const k = keys[rng.below(keys.length)]!;
      return { ...x, [k]: y[k] } as AllocInput;
    },
    encode: (x) => encodeJson(x),
    decode(bytes) {
      const x = decodeJson<AllocInput>(bytes);
      if (!x || typeof x !== "object" || !Array.isArray(x.ram) || !Array.isArray(x.mmio) || typeof x.bootargs !== "string") throw new Error("not an alloc input");
      return x;
    },
    run: judgeAlloc,
    shrink: (x) => shrinkStructured(x, (c) => Array.isArray(c.ram) && Array.isArray(c.mmio) && c.cpus === x.cpus),
    reproducer: (x, id) => jsonReproducer("alloc", x, id),
    validity: (x) => (x.saved && x.saved.edits.length > 0 ? "hand-made" : "vmm"),
  };
}
