//! Image resolution (platform-neutral, no file system): validates an image and resolves its VM
//! description into the memory layout, processor topology and host device tree OpenVMM would
//! produce, for the VTL2 loader. host/image/load.ts adds reading image files from disk.
// Ports: openvmm/openvmm_core/src/worker/vm_loaders/igvm.rs (`load_igvm_x86` inputs of the device
//        tree: all_ram, vtl2_protectable_ram, required-memory check, command line prefix)

import { InputError } from "../errors.js";
import { MemoryLayout, MemoryLayoutError, type MemoryRangeWithNode } from "../layout/memory_layout.js";
import { MemoryRange, subtractRanges } from "../layout/memory_range.js";
import {
  TopologyError,
  buildX86Topology,
  buildX86TopologyWithApicIds,
  resolveNumaVpAssignment,
  type X86Vp,
} from "../layout/processor_topology.js";
import {
  DeviceTreeBuildError,
  PARAVISOR_CONFIG_DEVICE_TREE_SIZE,
  PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES,
  buildDeviceTree,
  buildMemoryMap,
  type ChipsetMmioRanges,
  type HostExtensions,
  type MemoryMapEntry,
  type SerialInformation,
  type Vtl2BaseAddress,
} from "./host_device_tree.js";
import { imageSchema, type Image, type VmDescription } from "./schema.js";
import { PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS } from "../vtl2/defs.js";

const MB = 1024n * 1024n;
const GB = 1024n * MB;
const TWO_MB = 2n * MB;
const FOUR_GB = 4n * GB;
/** Default low MMIO gap: 128 MiB below 4 GiB (OpenVMM's x86 chipset low MMIO size). */
export const DEFAULT_LOW_MMIO = new MemoryRange(FOUR_GB - 128n * MB, FOUR_GB);
/** Default high MMIO gap size (OpenVMM's chipset high MMIO size). */
export const DEFAULT_HIGH_MMIO_SIZE = 512n * MB;
/** Entropy OpenVMM passes is 64 bytes; hclboot's default is the fixed bytes 00..3f. */
export const DEFAULT_ENTROPY = Uint8Array.from({ length: 64 }, (_, i) => i);

/** The VM description resolved into what OpenVMM hands its IGVM loader. */
export interface ResolvedVm {
  /** Processors in VP index order (VP 0 = BSP, its APIC id is the tree's boot_cpuid_phys). */
  vps: X86Vp[];
  /** The guest memory layout (RAM without the VTL2-only range, MMIO gaps, VTL2-only range). */
  memoryLayout: MemoryLayout;
  /** Layout RAM plus the layout's VTL2 range on node 0, sorted (upstream `all_ram`). */
  allRam: MemoryRangeWithNode[];
  /** RAM the host lets VTL2 protect (upstream `vtl2_protectable_ram`); empty in vtl2-allocate mode. */
  vtl2ProtectableRam: MemoryRange[];
  /** The VTL2 placement mode with its parameters. */
  vtl2BaseAddress: Vtl2BaseAddress;
  /** Where the VTL2 image (the IGVM file's VTL2 memory) is loaded. */
  vtl2ImageRange: MemoryRange;
  /** VTL0 low/high and VTL2-private chipset MMIO. */
  chipsetMmio: ChipsetMmioRanges;
  /** The IGVM memory map (the memory@ nodes, ascending). */
  memoryMap: MemoryMapEntry[];
  /** /chosen/bootargs as written (framebuffer prefix applied). */
  commandLine: string;
  withVmbusRedirect: boolean;
  comSerial: SerialInformation | null;
  entropy: Uint8Array | null;
  hostExtensions: HostExtensions;
}

/** A loaded image: validated fields, resolved VM (if any) and the host device tree blob. */
export interface ResolvedImage {
  /** Absolute path of the image file ("<inline>" when resolved from an object). */
  path: string;
  /** The validated image (zod output: hex strings already bigints, defaults applied). */
  image: Image;
  arch: Image["arch"];
  isolation: Image["isolation"];
  /** Null for images that name a `hostDeviceTree` blob. */
  vm: ResolvedVm | null;
  /** The host device tree blob (generated as OpenVMM would, or read from the image's file). */
  hostDeviceTree: Uint8Array;
  /** "generated", or the path of the blob that was read. */
  hostDeviceTreeSource: string;
  /** Contents of the image's `persistedState` file, if any. */
  persistedState: Uint8Array | null;
}

function fail(where: string, field: string, message: string): never {
  throw new InputError(`${where}: ${field}: ${message}`);
}

/** Bytes of an even-length hex string (validated by the schema). */
function hexBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function alignUp(v: bigint, a: bigint): bigint {
  return (v + a - 1n) & ~(a - 1n);
}

function range(r: { start: bigint; end: bigint }, where: string, field: string): MemoryRange {
  if (r.end > MemoryRange.MAX_ADDRESS) {
    fail(where, field, `memory range 0x${r.start.toString(16)}-0x${r.end.toString(16)} ends past the 64-bit address space`);
  }
  const m = MemoryRange.tryNew(r.start, r.end);
  if (!m) fail(where, field, `unaligned or invalid memory range: 0x${r.start.toString(16)}-0x${r.end.toString(16)}`);
  return m;
}

/** Resolves processors: APIC ids by the socket scheme or explicitly, vnodes by round-robin or lists. */
function resolveCpus(cpus: VmDescription["cpus"], where: string): X86Vp[] {
  const vpsPerSocket = cpus.vpsPerSocket ?? Math.ceil(cpus.count / cpus.numaNodes);
  try {
    const vps = cpus.apicIds
      ? buildX86TopologyWithApicIds(cpus.apicIds)
      : buildX86Topology({ count: cpus.count, vpsPerSocket, apicIdOffset: cpus.apicIdOffset });
    const vnodes = resolveNumaVpAssignment(
      cpus.numaNodeVps ? { kind: "explicit", nodes: cpus.numaNodeVps } : { kind: "fromTopology", nodeCount: cpus.numaNodes },
      cpus.count,
      vpsPerSocket,
    );
    vps.forEach((vp, i) => (vp.vnode = vnodes[i]!));
    return vps;
  } catch (e) {
    if (e instanceof TopologyError) fail(where, "vm.cpus", e.message);
    throw e;
  }
}

/** The default MMIO gaps: the low gap, and a high gap at the first GiB boundary after RAM. */
function defaultGaps(ramEnd: bigint): MemoryRange[] {
  const highStart = alignUp(ramEnd > FOUR_GB ? ramEnd : FOUR_GB, GB);
  return [DEFAULT_LOW_MMIO, new MemoryRange(highStart, highStart + DEFAULT_HIGH_MMIO_SIZE)];
}

/** Where RAM of `size` bytes placed from 0 around the default low gap ends. */
function ramEndAroundLowGap(size: bigint): bigint {
  return size > DEFAULT_LOW_MMIO.start ? size + DEFAULT_LOW_MMIO.len : size;
}

/** Resolves a VM description as OpenVMM's worker and IGVM loader would; throws InputError. */
export function resolveVm(vm: VmDescription, where = "<image>"): ResolvedVm {
  const vps = resolveCpus(vm.cpus, where);
  const mem = vm.memory;
  const ranges = mem.ranges?.map((r, i) => ({ range: range(r, where, `vm.memory.ranges.${i}`), vnode: r.vnode }));
  const total = mem.size ?? mem.nodeSizes?.reduce((a, b) => a + b, 0n) ?? 0n;
  const gaps = mem.mmioGaps
    ? mem.mmioGaps.map((g, i) => range(g, where, `vm.memory.mmioGaps.${i}`))
    : defaultGaps(ranges ? ranges[ranges.length - 1]!.range.end : ramEndAroundLowGap(total));
  const vtl2ChipsetMmio = vm.vtl2ChipsetMmio ? range(vm.vtl2ChipsetMmio, where, "vm.vtl2ChipsetMmio") : MemoryRange.EMPTY;
  const layoutGaps = vtl2ChipsetMmio.isEmpty() ? gaps : [...gaps, vtl2ChipsetMmio].sort(MemoryRange.compare);

  // VTL2 placement.
  const v = vm.vtl2;
  let vtl2Base: Vtl2BaseAddress;
  let layoutVtl2: MemoryRange | null = null;
  let imageRange: MemoryRange;
  const fileRange = () => new MemoryRange(PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS, PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS + v.igvmSize);
  switch (v.mode) {
    case "file":
      vtl2Base = { type: "file" };
      imageRange = v.range ? range(v.range, where, "vm.vtl2.range") : fileRange();
      break;
    case "absolute":
      if (!v.range) fail(where, "vm.vtl2.range", "absolute mode needs the VTL2 range");
      // Only the address counts: the relocated image keeps the file's VTL2 size.
      imageRange = range(v.range, where, "vm.vtl2.range");
      imageRange = range({ start: imageRange.start, end: imageRange.start + v.igvmSize }, where, "vm.vtl2.igvmSize");
      vtl2Base = { type: "absolute", address: imageRange.start };
      break;
    case "vtl2-allocate":
      vtl2Base = { type: "vtl2-allocate", size: v.size ?? null };
      imageRange = v.range ? range(v.range, where, "vm.vtl2.range") : fileRange();
      break;
    case "memory-layout": {
      let size = v.igvmSize;
      if (v.size !== undefined) {
        if (v.size % TWO_MB !== 0n) fail(where, "vm.vtl2.size", `supplied vtl2 memory ${v.size} is not aligned to 2MB`);
        if (v.size < v.igvmSize) {
          fail(where, "vm.vtl2.size", `supplied vtl2 memory ${v.size} is smaller than igvm file VTL2 range ${v.igvmSize}`);
        }
        size = v.size;
      }
      vtl2Base = { type: "memory-layout", size: v.size ?? null };
      if (v.range) {
        layoutVtl2 = range(v.range, where, "vm.vtl2.range");
      } else {
        const ramEnd = ranges ? ranges[ranges.length - 1]!.range.end : 0n;
        const top = [ramEnd, ramEndAroundLowGap(total), ...layoutGaps.map((g) => g.end)].reduce((a, b) => (a > b ? a : b));
        const start = alignUp(top, TWO_MB);
        if (start + size > MemoryRange.MAX_ADDRESS) {
          fail(where, "vm.vtl2", `no room for the 0x${size.toString(16)}-byte memory-layout VTL2 range above RAM and MMIO (it would end at 0x${(start + size).toString(16)}, past the 64-bit address space)`);
        }
        layoutVtl2 = new MemoryRange(start, start + size);
      }
      imageRange = layoutVtl2;
      break;
    }
  }

  let layout: MemoryLayout;
  try {
    if (ranges) {
      layout = layoutVtl2
        ? MemoryLayout.newFromResolvedRanges(ranges, layoutGaps, layoutVtl2)
        : MemoryLayout.newFromRanges(ranges, layoutGaps);
    } else if (mem.nodeSizes) {
      layout = MemoryLayout.newWithNuma(mem.nodeSizes, layoutGaps, layoutVtl2);
    } else {
      layout = MemoryLayout.new(mem.size!, layoutGaps, layoutVtl2);
    }
  } catch (e) {
    // MemoryLayoutError, or MemoryRange's assertion when a size wraps past 2^64 (upstream's
    // MemoryLayout panics there too): either way the memory description is unusable.
    if (e instanceof MemoryLayoutError) fail(where, "vm.memory", e.message);
    if (e instanceof Error && e.message.startsWith("assertion failed")) {
      fail(where, "vm.memory", `${e.message} (the RAM does not fit below 2^64)`);
    }
    throw e;
  }

  const allRam = [...layout.ram(), ...(layout.vtl2Range() ? [{ range: layout.vtl2Range()!, vnode: 0 }] : [])];
  allRam.sort((a, b) => MemoryRange.compare(a.range, b.range));
  // OpenVMM's loader refuses an IGVM file whose required memory is not all RAM.
  const missing = subtractRanges([imageRange], allRam.map((r) => r.range))[0];
  if (missing) fail(where, "vm.vtl2.range", `missing required memory range ${missing.toString()}`);
  const vtl2ProtectableRam = v.mode === "vtl2-allocate" ? [] : [imageRange];

  const entropy =
    vm.entropy === null ? null : vm.entropy === undefined ? DEFAULT_ENTROPY : hexBytes(vm.entropy);
  let commandLine = vm.bootargs;
  if (vm.vtl2FramebufferGpaBase !== undefined) commandLine = `OPENHCL_FRAMEBUFFER_GPA_BASE=${vm.vtl2FramebufferGpaBase} ${commandLine}`;
  const nul = commandLine.indexOf("\0");
  if (nul >= 0) fail(where, "vm.bootargs", `command line contains an embedded NUL byte at offset ${new TextEncoder().encode(commandLine.slice(0, nul)).length}`);

  const chipsetMmio: ChipsetMmioRanges = {
    low: vm.chipsetMmio?.low ? range(vm.chipsetMmio.low, where, "vm.chipsetMmio.low") : (gaps[0] ?? MemoryRange.EMPTY),
    high: vm.chipsetMmio?.high
      ? range(vm.chipsetMmio.high, where, "vm.chipsetMmio.high")
      : (gaps[1] ?? new MemoryRange(FOUR_GB, FOUR_GB)),
    vtl2: vtl2ChipsetMmio,
  };
  return {
    vps,
    memoryLayout: layout,
    allRam,
    vtl2ProtectableRam,
    vtl2BaseAddress: vtl2Base,
    vtl2ImageRange: imageRange,
    chipsetMmio,
    memoryMap: buildMemoryMap(allRam, vtl2ProtectableRam),
    commandLine,
    withVmbusRedirect: vm.vmbusRedirect,
    comSerial: vm.comSerial ?? null,
    entropy,
    hostExtensions: { ...vm.hostExtensions },
  };
}

/** The host device tree for a resolved VM; rejects a tree that does not fit the parameter area. */
export function hostDeviceTreeFor(vm: ResolvedVm, where = "<image>"): Uint8Array {
  let blob: Uint8Array;
  try {
    blob = buildDeviceTree(vm); // a ResolvedVm carries every BuildDeviceTreeParams field
  } catch (e) {
    if (e instanceof DeviceTreeBuildError) fail(where, "vm", e.message);
    throw e;
  }
  checkDeviceTreeFits(blob.length, where);
  return blob;
}

/**
 * Throws the InputError an OpenVMM host would hit (ParameterTooLarge) for a tree over 64 pages;
 * `field` is the image field the tree comes from (`vm`, or `hostDeviceTree` for a blob).
 */
export function checkDeviceTreeFits(size: number, where = "<image>", field = "vm"): void {
  if (size > PARAVISOR_CONFIG_DEVICE_TREE_SIZE) {
    fail(
      where,
      field,
      `host device tree is ${size} bytes, larger than the ${PARAVISOR_CONFIG_DEVICE_TREE_SIZE}-byte ` +
        `(${PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES} pages) device-tree parameter area: parameter too large for parameter area`,
    );
  }
}

/** Validates a parsed JSON value as an image; errors name the file and the field path. */
export function parseImage(value: unknown, where = "<image>"): Image {
  const r = imageSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join(".") : "(image)";
    fail(where, path, issue.message);
  }
  return r.data;
}

/**
 * Resolves a validated image; `readFile(relPath)` returns the bytes of a file the image names
 * (relative to the image), or undefined when it does not exist.
 */
export function resolveImageWith(
  image: Image,
  readFile: (relPath: string) => Uint8Array | undefined,
  where = "<image>",
): ResolvedImage {
  const read = (rel: string, field: string): Uint8Array => {
    const b = readFile(rel);
    if (!b) fail(where, field, `cannot read ${rel}`);
    return b;
  };
  let vm: ResolvedVm | null = null;
  let hostDeviceTree: Uint8Array;
  let source = "generated";
  if (image.vm) {
    vm = resolveVm(image.vm, where);
    hostDeviceTree = hostDeviceTreeFor(vm, where);
  } else {
    source = image.hostDeviceTree!;
    hostDeviceTree = read(source, "hostDeviceTree");
    checkDeviceTreeFits(hostDeviceTree.length, where, "hostDeviceTree");
  }
  const persistedState = image.persistedState ? read(image.persistedState, "persistedState") : null;
  return { path: where, image, arch: image.arch, isolation: image.isolation, vm, hostDeviceTree, hostDeviceTreeSource: source, persistedState };
}
