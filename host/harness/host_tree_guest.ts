//! Guest memory of an image that names a host device tree instead of describing a VM: the VM a
//! VMM that wrote this tree would have built. Every memory range the tree describes is RAM (all
//! NUMA nodes, VTL0 and VTL2), its VMBus ranges are the MMIO gaps, and its enabled CPUs, in tree
//! order, are the VM's processors. The tree is read by the boot core's own parser, so guest
//! memory matches what the shim will see; a tree the shim rejects still reaches the shim.
// Ports: none (the VMM side of a host device tree: OpenVMM's membacking GuestMemory for the VM
//        the tree describes; the tree is read by openhcl/host_fdt_parser via host/shim/host_fdt.ts)

import { InputError } from "../errors.js";
import type { GuestMemoryLayout, RamRange } from "../guest/guest_memory.js";
import { vtl2ImageInput } from "../image/inputs.js";
import { PARAVISOR_CONFIG_DEVICE_TREE_SIZE } from "../image/host_device_tree.js";
import type { ResolvedImage } from "../image/resolve.js";
import { tryParseHostDt, type HostDeviceTree } from "../shim/host_fdt.js";
import { ShimPanic, type Shim } from "../wasm/loader.js";

const PAGE = 0x1000n;
const U64_LIMIT = 1n << 64n;
/** `microsoft,igvm-type` of memory the host lets VTL2 protect (MemoryMapEntryType::VTL2_PROTECTABLE). */
const VTL2_PROTECTABLE = 3;
/** How many ranges an error message lists before it abbreviates. */
const LISTED = 6;

interface Span {
  start: bigint;
  end: bigint;
}

/** Guest memory inputs of a host-device-tree image. */
export interface HostTreeGuest {
  /** RAM (every tree memory range, plus VTL2 memory where the tree leaves it out) and MMIO gaps. */
  layout: GuestMemoryLayout;
  /** Hardware ids (APIC id / MPIDR) of the VM's processors by VP index; null when the tree does not parse. */
  vpIds: bigint[] | null;
  /** The tree as the shim parses it; null when the shim will reject it (it then reports why). */
  tree: HostDeviceTree | null;
}

const hex = (v: bigint) => "0x" + v.toString(16);
const span = (s: Span) => `${hex(s.start)}-${hex(s.end)}`;

/** "a, b, c" of at most LISTED ranges, then how many more. */
function list(spans: Span[]): string {
  if (spans.length === 0) return "none";
  const shown = spans.slice(0, LISTED).map(span).join(", ");
  return spans.length > LISTED ? `${shown}, … (${spans.length} ranges)` : shown;
}

/**
 * The host device tree as the shim will read it: the blob at the start of the 64-page
 * device-tree area, zeros after it (the loader writes nothing else there). Null when the shim
 * will reject it: no tree (a zero first byte), a parse error or a parser panic.
 */
export function parseAsShimWill(shim: Shim, blob: Uint8Array): HostDeviceTree | null {
  if (blob.length === 0 || blob[0] === 0) return null;
  const area = new Uint8Array(Math.max(PARAVISOR_CONFIG_DEVICE_TREE_SIZE, blob.length));
  area.set(blob);
  try {
    const r = tryParseHostDt(shim, area);
    return r.ok ? r.tree : null;
  } catch (e) {
    if (e instanceof ShimPanic) return null;
    throw e;
  }
}

/** Sorted, merged union of page-aligned non-empty spans. */
function union(spans: Span[]): Span[] {
  const sorted = spans.filter((s) => s.start < s.end).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = s.end > last.end ? s.end : last.end;
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** True when `s` lies inside the union of `spans` (sorted and merged). */
function covered(s: Span, spans: Span[]): boolean {
  return spans.some((x) => x.start <= s.start && s.end <= x.end);
}

/** True when `s` shares an address with one of `spans`. */
function overlaps(s: Span, spans: Span[]): boolean {
  return spans.some((x) => x.start < s.end && s.start < x.end);
}

/**
 * Guest memory for a tree the shim will reject: VTL2 memory and the image's imported regions
 * (the VMM had RAM there to import them), so the loader writes its inputs and the shim reports
 * its own error about the tree.
 */
function unreadableTreeLayout(r: ResolvedImage, vtl2: Span): GuestMemoryLayout {
  const imported = (r.image.importedRegions ?? []).filter(
    (x) => x.start % PAGE === 0n && x.end % PAGE === 0n && x.start < x.end && x.end < U64_LIMIT,
  );
  const ram: RamRange[] = union([vtl2, ...imported]).map((s) => ({ ...s, vnode: 0 }));
  return { ram, mmio: [] };
}

/** An x86_64 image whose tree describes arm64-only hardware (GICv3, PMU): the VMM writes those only for arm64. */
function checkArch(r: ResolvedImage, tree: HostDeviceTree): void {
  if (r.arch !== "x86_64") return;
  const what = tree.gic
    ? `a GICv3 interrupt controller (distributor at ${hex(tree.gic.distributorBase)})`
    : tree.pmuGsiv !== null
      ? `an arm64 PMU (GSIV ${tree.pmuGsiv})`
      : null;
  if (what) {
    throw new InputError(`${r.path}: arch: the image says "x86_64" but its host device tree (${r.hostDeviceTreeSource}) describes ${what}, which only an aarch64 VM has`);
  }
}

/** The parts of `s` that no span of `spans` (sorted, merged) covers. */
function uncovered(s: Span, spans: Span[]): Span[] {
  const out: Span[] = [];
  let at = s.start;
  for (const x of spans) {
    if (x.end <= at || x.start >= s.end) continue;
    if (x.start > at) out.push({ start: at, end: x.start });
    at = x.end;
  }
  if (at < s.end) out.push({ start: at, end: s.end });
  return out;
}

/**
 * Checks the image's VTL2 memory (`shim.memoryStart`/`memorySize`) against the tree, as a VMM
 * that wrote the tree would have placed it, and returns the parts of it the tree does not
 * describe, which are backed as RAM too. Only a tree in host allocation mode that reports no VTL2
 * memory (igvm type 3) can leave parts out: the shim then uses the measured range, and itself
 * panics when that range is not partition RAM.
 */
function checkVtl2Memory(r: ResolvedImage, tree: HostDeviceTree, vtl2: Span, ram: Span[]): Span[] {
  const where = `${r.path}: shim.memoryStart: VTL2 memory ${span(vtl2)} (shim.memoryStart/memorySize)`;
  const protectable = union(tree.memory.filter((e) => e.igvmType === VTL2_PROTECTABLE));
  if (tree.memoryAllocationMode.mode === "vtl2") {
    // VTL2 allocates its own memory around the image: the image must sit in the VM's RAM.
    if (!covered(vtl2, ram)) {
      throw new InputError(`${where} is not RAM in the host device tree (memory-allocation-mode "vtl2"; its memory: ${list(ram)})`);
    }
    return [];
  }
  if (protectable.length > 0) {
    // The host reports the VTL2 memory it gives VTL2 (igvm type 3): the image lies inside it.
    if (!covered(vtl2, protectable)) {
      throw new InputError(`${where} is not inside the VTL2 memory its host device tree reports (microsoft,igvm-type 3: ${list(protectable)})`);
    }
    return [];
  }
  return uncovered(vtl2, ram);
}

/**
 * The guest memory layout and processors of a host-device-tree image, from its tree as the shim
 * parses it. Throws InputError where the tree and the image's other fields disagree (its `arch`,
 * its VTL2 memory); a tree the shim will reject gets VTL2 memory plus the imported regions.
 */
export function hostTreeGuest(r: ResolvedImage, shim: Shim): HostTreeGuest {
  const input = vtl2ImageInput(r);
  const vtl2: Span = { start: input.vtl2Base, end: input.vtl2Base + input.vtl2Size };
  const tree = parseAsShimWill(shim, r.hostDeviceTree);
  if (!tree) return { layout: unreadableTreeLayout(r, vtl2), vpIds: null, tree: null };
  checkArch(r, tree);

  // The parser sorts memory and refuses overlaps; empty entries describe no memory.
  const ram: RamRange[] = tree.memory.filter((e) => e.start < e.end).map((e) => ({ start: e.start, end: e.end, vnode: e.vnode }));
  // MMIO gaps: the VMBus ranges (the parser refuses ranges overlapping RAM or each other across
  // VTLs), whole pages of them, merged.
  const vmbus = [...(tree.vmbusVtl0?.mmio ?? []), ...(tree.vmbusVtl2?.mmio ?? [])];
  const mmio = union(vmbus.map((m) => ({ start: (m.start + PAGE - 1n) & ~(PAGE - 1n), end: m.end & ~(PAGE - 1n) })));
  const missing = checkVtl2Memory(r, tree, vtl2, union(ram));
  if (missing.length > 0) {
    if (overlaps(vtl2, mmio)) {
      throw new InputError(`${r.path}: shim.memoryStart: VTL2 memory ${span(vtl2)} (shim.memoryStart/memorySize) overlaps the host device tree's VMBus MMIO (${list(mmio)})`);
    }
    ram.push(...missing.map((m) => ({ ...m, vnode: 0 })));
    ram.sort((a, b) => (a.start < b.start ? -1 : 1));
  }
  return { layout: { ram, mmio }, vpIds: tree.cpus.map((c) => c.reg), tree };
}
