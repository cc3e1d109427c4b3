//! The device tree OpenVMM writes for OpenHCL (the IGVM device-tree parameter): CPUs, the memory
//! map with IGVM types and NUMA nodes, the VMBus roots, serial, chosen/bootargs and the openhcl node.
// Ports: openvmm/openvmm_core/src/worker/vm_loaders/igvm.rs (`build_device_tree`, `build_memory_map`)

import { FdtWriter, FdtWriterError } from "../fdt/writer.js";
import { MemoryRange, flattenRanges, walkRanges } from "../layout/memory_range.js";
import type { MemoryRangeWithNode } from "../layout/memory_layout.js";
import type { X86Vp } from "../layout/processor_topology.js";

/** 4 KiB hypervisor page. */
export const HV_PAGE_SIZE = 0x1000;
/** OpenVMM builds the tree in a buffer of 256 pages. */
export const DEVICE_TREE_BUFFER_SIZE = HV_PAGE_SIZE * 256;
/** OpenVMM's string table capacity for the host tree. */
export const DEVICE_TREE_STRING_TABLE_CAP = 1024;
/** Pages of the device-tree parameter area in the OpenHCL IGVM file (loader_defs paravisor.rs). */
export const PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES = 64;
/** Bytes of the device-tree parameter area. */
export const PARAVISOR_CONFIG_DEVICE_TREE_SIZE = PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES * HV_PAGE_SIZE;
/** The VTL2 VMBus connection id when VMBus is redirected to VTL2. */
export const VMBUS_REDIRECT_CONNECTION_ID = 0x800074;
/** The MMIO size OpenVMM reports in VTL2 self-allocation mode (128 MiB). */
export const VTL2_ALLOCATE_MMIO_SIZE = 128n * 1024n * 1024n;

/** IGVM memory map entry types (igvm_defs `MemoryMapEntryType`). */
export const IGVM_MEMORY = 0;
export const IGVM_VTL2_PROTECTABLE = 3;

/** Where VTL2 is loaded (openvmm_defs `Vtl2BaseAddressType`). */
export type Vtl2BaseAddress =
  | { type: "file" }
  | { type: "absolute"; address: bigint }
  | { type: "memory-layout"; size: bigint | null }
  | { type: "vtl2-allocate"; size: bigint | null };

/** The COM port OpenVMM describes under the pio-bus. */
export interface SerialInformation {
  ioPort: number;
  irq: number;
}

/** Chipset MMIO ranges (OpenVMM `ChipsetMmioRanges`): VTL0 low/high and VTL2-private. */
export interface ChipsetMmioRanges {
  low: MemoryRange;
  high: MemoryRange;
  vtl2: MemoryRange;
}

/**
 * Properties a Hyper-V host adds that OpenVMM does not write. Absent by default, so the blob is
 * OpenVMM's; each one present is written where the boot shim's host tree parser reads it.
 */
export interface HostExtensions {
  /** `openhcl/vtl0-alias-map` (u64). */
  vtl0AliasMap?: bigint;
  /** `openhcl/device-dma/total-pages` (u64). */
  deviceDmaTotalPages?: bigint;
}

/** Inputs of `buildDeviceTree` (upstream `BuildDeviceTreeParams`). */
export interface BuildDeviceTreeParams {
  /** Processors in VP index order; VP 0 is the BSP. */
  vps: readonly X86Vp[];
  /** All RAM (layout RAM plus the layout's VTL2 range on node 0), sorted by start. */
  allRam: readonly MemoryRangeWithNode[];
  /** RAM VTL2 may protect, sorted by start. */
  vtl2ProtectableRam: readonly MemoryRange[];
  vtl2BaseAddress: Vtl2BaseAddress;
  commandLine: string;
  withVmbusRedirect: boolean;
  comSerial: SerialInformation | null;
  entropy: Uint8Array | null;
  chipsetMmio: ChipsetMmioRanges;
  hostExtensions?: HostExtensions;
}

/** One entry of the IGVM memory map, with the NUMA node carried on the side. */
export interface MemoryMapEntry {
  range: MemoryRange;
  igvmType: number;
  vnode: number;
}

/**
 * The device tree could not be built (upstream `Error::DeviceTree`). Its Display text is only
 * upstream's `#[error]` string (the wrapped builder error is not a `source`); the builder's error
 * stays available as `writerError`.
 */
export class DeviceTreeBuildError extends Error {
  constructor(readonly writerError: FdtWriterError) {
    super("building device tree for partition failed");
    this.name = "DeviceTreeBuildError";
  }
}

/**
 * The memory map reported to VTL2: RAM split where VTL2-protectable ranges begin and end, the
 * protectable parts typed VTL2_PROTECTABLE, the rest MEMORY. A protectable range outside RAM is an
 * invariant violation (upstream `unreachable!`).
 */
export function buildMemoryMap(
  allRam: readonly MemoryRangeWithNode[],
  vtl2ProtectableRam: readonly MemoryRange[],
): MemoryMapEntry[] {
  const out: MemoryMapEntry[] = [];
  const walk = walkRanges(
    allRam.map((r) => [r.range, r.vnode] as const),
    flattenRanges(vtl2ProtectableRam).map((r) => [r, null] as const),
  );
  for (const [range, c] of walk) {
    switch (c.kind) {
      case "neither":
        break;
      case "left":
        out.push({ range, igvmType: IGVM_MEMORY, vnode: c.left });
        break;
      case "right":
        throw new Error("internal error: entered unreachable code: vtl2 protectable range not in all RAM");
      case "both":
        out.push({ range, igvmType: IGVM_VTL2_PROTECTABLE, vnode: c.left });
        break;
    }
  }
  return out;
}

/** Builds the host device tree blob exactly as OpenVMM's `build_device_tree` lays it out. */
export function buildDeviceTree(params: BuildDeviceTreeParams): Uint8Array {
  try {
    return writeTree(params);
  } catch (e) {
    if (e instanceof FdtWriterError) throw new DeviceTreeBuildError(e);
    throw e;
  }
}

/** The builder calls `writeHostTree` makes (the host writer, or a recorder for the WASM builder). */
export interface FdtSink {
  addString(s: string): number;
  startNode(name: string): this;
  endNode(): this;
  addU32(name: number, v: number): this;
  addU64(name: number, v: bigint): this;
  addU64Array(name: number, v: readonly bigint[]): this;
  addStr(name: number, s: string): this;
  addPropArray(name: number, parts: readonly Uint8Array[]): this;
}

function writeTree(p: BuildDeviceTreeParams): Uint8Array {
  const w = new FdtWriter({ bufferSize: DEVICE_TREE_BUFFER_SIZE, stringTableCap: DEVICE_TREE_STRING_TABLE_CAP });
  writeHostTree(w, p);
  return w.build(p.vps[0]!.apicId);
}

/** Makes every builder call of OpenVMM's `build_device_tree` on `w`, up to (not including) build. */
export function writeHostTree(w: FdtSink, p: BuildDeviceTreeParams): void {
  const { low, high, vtl2: vtl2Mmio } = p.chipsetMmio;
  const addressCells = w.addString("#address-cells");
  const sizeCells = w.addString("#size-cells");
  const model = w.addString("model");
  const reg = w.addString("reg");
  const ranges = w.addString("ranges");
  const deviceType = w.addString("device_type");
  const status = w.addString("status");
  const igvmType = w.addString("microsoft,igvm-type");
  const compatible = w.addString("compatible");
  const numaNodeId = w.addString("numa-node-id");
  const connectionId = w.addString("microsoft,message-connection-id");
  const vtl = w.addString("microsoft,vtl");
  const bootargs = w.addString("bootargs");
  const clockFrequency = w.addString("clock-frequency");
  const currentSpeed = w.addString("current-speed");
  const interrupts = w.addString("interrupts");

  w.startNode("").addU32(addressCells, 2).addU32(sizeCells, 2).addStr(model, "microsoft,hyperv");
  w.startNode("cpus").addU32(addressCells, 1).addU32(sizeCells, 0);
  for (const vp of p.vps) {
    // The node unit address is VP index + 1, in hex (OpenVMM's naming).
    w.startNode(`cpu@${(vp.vpIndex + 1).toString(16)}`)
      .addStr(deviceType, "cpu")
      .addU32(reg, vp.apicId)
      .addU32(numaNodeId, vp.vnode)
      .addStr(status, "okay")
      .endNode();
  }
  w.endNode();

  // Memory nodes go out in reverse order so the guest's parser must sort them.
  const map = buildMemoryMap(p.allRam, p.vtl2ProtectableRam);
  for (let i = map.length - 1; i >= 0; i--) {
    const e = map[i]!;
    w.startNode(`memory@${e.range.start.toString(16)}`)
      .addStr(deviceType, "memory")
      .addU64Array(reg, [e.range.start, e.range.len])
      .addU32(igvmType, e.igvmType)
      .addU32(numaNodeId, e.vnode)
      .endNode();
  }

  // VMBus roots live under a simple-bus.
  w.startNode("bus").addStr(compatible, "simple-bus").addU32(addressCells, 2).addU32(sizeCells, 2).addPropArray(ranges, []);
  const rangesVtl0 = [low, high].flatMap((r) => [r.start, r.start, r.len]);
  const rangesVtl2 = vtl2Mmio.isEmpty() ? [] : [vtl2Mmio.start, vtl2Mmio.start, vtl2Mmio.len];
  w.startNode(rangesVtl0.length === 0 ? "vmbus-vtl0" : `vmbus-vtl0@${rangesVtl0[0]!.toString(16)}`)
    .addU32(addressCells, 2)
    .addU32(sizeCells, 2)
    .addStr(compatible, "microsoft,vmbus")
    .addU64Array(ranges, rangesVtl0)
    .addU32(vtl, 0)
    .addU32(connectionId, 1)
    .endNode();
  w.startNode(rangesVtl2.length === 0 ? "vmbus-vtl2" : `vmbus-vtl2@${rangesVtl2[0]!.toString(16)}`)
    .addU32(addressCells, 2)
    .addU32(sizeCells, 2)
    .addStr(compatible, "microsoft,vmbus")
    .addU64Array(ranges, rangesVtl2)
    .addU32(vtl, 2)
    .addU32(connectionId, p.withVmbusRedirect ? VMBUS_REDIRECT_CONNECTION_ID : 4)
    .endNode();
  w.endNode();

  if (p.comSerial) {
    const { ioPort, irq } = p.comSerial;
    w.startNode("pio-bus")
      .addStr(compatible, "x86-pio-bus")
      .addU32(addressCells, 1)
      .addU32(sizeCells, 1)
      .addPropArray(ranges, []);
    w.startNode(`serial@${ioPort.toString(16)}`)
      .addStr(compatible, "ns16550")
      .addU32(clockFrequency, 0)
      .addU32(currentSpeed, 115200)
      .addU64Array(reg, [BigInt(ioPort), 8n])
      .addU64Array(interrupts, [BigInt(irq)])
      .endNode();
    w.endNode();
  }

  w.startNode("chosen").addStr(bootargs, p.commandLine).endNode();

  const allocationMode = w.addString("memory-allocation-mode");
  const memorySize = w.addString("memory-size");
  const mmioSize = w.addString("mmio-size");
  const deviceTypes = w.addString("device-types");
  const ext = p.hostExtensions ?? {};
  const aliasMap = ext.vtl0AliasMap !== undefined ? w.addString("vtl0-alias-map") : -1;
  const totalPages = ext.deviceDmaTotalPages !== undefined ? w.addString("total-pages") : -1;
  w.startNode("openhcl");
  let mode = "host";
  if (p.vtl2BaseAddress.type === "vtl2-allocate") {
    if (p.vtl2BaseAddress.size !== null) w.addU64(memorySize, p.vtl2BaseAddress.size);
    w.addU64(mmioSize, VTL2_ALLOCATE_MMIO_SIZE);
    mode = "vtl2";
  }
  w.addStr(allocationMode, mode);
  if (ext.vtl0AliasMap !== undefined) w.addU64(aliasMap, ext.vtl0AliasMap);
  if (p.entropy) w.startNode("entropy").addPropArray(reg, [p.entropy]).endNode();
  // OpenVMM supports NVMe keep-alive.
  w.startNode("keep-alive").addStr(deviceTypes, "nvme").endNode();
  if (ext.deviceDmaTotalPages !== undefined) {
    w.startNode("device-dma").addU64(totalPages, ext.deviceDmaTotalPages).endNode();
  }
  w.endNode();

  w.endNode();
}
