//! Partition topology from the host device tree: which ram VTL2 uses (host-provided, or carved
//! out per NUMA node by VTL2 itself), where VTL2 mmio lives, and the initial VTL2 address space.
// Ports: openhcl/openhcl_boot/src/host_params/dt/mod.rs (topology_from_host_dt,
//        parse_host_vtl2_ram, allocate_vtl2_ram, calculate_default_mmio_size, add_common_ranges)

import { panic } from "../../../../rt/panic";
import { log, logOn } from "../../../../rt/log";
import {
  MemoryRange, RangeList, RangeWalker, subtractRanges, WALK_LEFT, WALK_RIGHT, WALK_BOTH,
  fmtRangeListDebugHex, fmtRangeListDebugPrettyHex,
} from "../../../../support/memory_range/lib";
import { ParsedDeviceTree, MEMORY_TYPE_VTL2_PROTECTABLE } from "../../../../support/host_fdt_parser/lib";
import { memoryEntryDebug } from "../../../../support/host_fdt_parser/error";
import { BootCommandLineOptions } from "../../../cmdline/cmdline";
import { pickPrivatePoolSize } from "../dma_hint/dma_hint";
import { selectVtl2MmioRange } from "../../mmio/mmio";
import { AddressSpaceManager, AddressSpaceManagerBuilder, sortedByStart } from "../../../memory/memory";
import { MAX_NUMA_NODES, HV_PAGE_SIZE } from "../../mod/partition_limits";
import {
  ShimParams, ImportedRegionIter, IMPORTED_REGIONS_MAX, isHardwareIsolated, ISOLATION_NONE, ISOLATION_TDX,
} from "../../shim_params/shim_params";
import {
  PartitionTopology, DtError, DT_VTL0_VMBUS, DT_VTL2_VMBUS, DT_NOT_ENOUGH_VTL0_MMIO, DT_NOT_ENOUGH_VTL2_MMIO,
  entryTag, tagVnode, tagMemType, vmbusMmioList,
} from "../../mod/partition_info";
import {
  fmtRangeDebugPrettyHex, fmtInvalidRangeDebug, fmtHex, fmtHexBare,
} from "../../../../rt/fmt";
import { allocatePrivatePool } from "./private_pool";
import { uniqueVnodes } from "./vnodes";

/** Persisted state region size at first boot: 20 pages. */
export const PERSISTED_REGION_SIZE: u64 = 20 * 4096;
const CAPACITY_PANIC = "called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity";

/** The host memory map as a RangeList (tag = entryTag(memType, vnode)). */
export function memoryMapList(parsed: ParsedDeviceTree): RangeList {
  const out = new RangeList(parsed.memoryCount);
  for (let i = 0; i < parsed.memoryCount; i++) {
    out.push(parsed.memoryStart(i), parsed.memoryEnd(i), entryTag(parsed.memoryType(i), parsed.memoryVnode(i)));
  }
  return out;
}

/** `{:?}` of a MemoryEntry given as a range and entry tag. */
export function debugEntry(start: u64, end: u64, tag: u64): string {
  return memoryEntryDebug(start, end, tagMemType(tag), tagVnode(tag));
}

/** VTL2 ram from the host-provided VTL2_PROTECTABLE ranges (or the measured range). */
export function parseHostVtl2Ram(params: ShimParams, memory: RangeList): RangeList {
  const vtl2Ram = new RangeList(MAX_NUMA_NODES);
  if (isHardwareIsolated(params.isolationType)) {
    // Hardware isolated: the host gives the size, the file gives the base.
    let size: u64 = 0;
    for (let i = 0; i < memory.length; i++) {
      if (tagMemType(memory.tag(i)) == MEMORY_TYPE_VTL2_PROTECTABLE) size += memory.end(i) - memory.start(i);
    }
    if (logOn()) log("[INFO] host provided vtl2 ram size is " + fmtHexBare(size) + ", measured size is " + fmtHexBare(params.memorySize));
    if (params.memorySize > size) size = params.memorySize;
    const r = MemoryRange.new(params.memoryStartAddress, params.memoryStartAddress + size);
    vtl2Ram.push(r.start, r.end, entryTag(MEMORY_TYPE_VTL2_PROTECTABLE, 0));
  } else {
    for (let i = 0; i < memory.length; i++) {
      if (tagMemType(memory.tag(i)) == MEMORY_TYPE_VTL2_PROTECTABLE) {
        if (!vtl2Ram.push(memory.start(i), memory.end(i), memory.tag(i))) panic(CAPACITY_PANIC);
      }
    }
  }
  if (vtl2Ram.length == 0) {
    log("[INFO] using measured vtl2 ram");
    const start = params.memoryStartAddress;
    const end = params.memoryStartAddress + params.memorySize;
    if (MemoryRange.tryNew(start, end) === null) {
      panic("range is valid: " + fmtInvalidRangeDebug(start, end));
    }
    vtl2Ram.push(start, end, entryTag(MEMORY_TYPE_VTL2_PROTECTABLE, 0));
  }
  return vtl2Ram;
}

/** VTL2 ram chosen by VTL2 itself: the loaded image plus top-down allocations split per node. */
export function allocateVtl2Ram(params: ShimParams, map: RangeList, hasRamSize: bool, ramSize: u64): RangeList {
  const nodes = new StaticArray<u32>(MAX_NUMA_NODES);
  const nodeCount = uniqueVnodes(map, nodes);

  let vtl2Size = params.memorySize;
  if (hasRamSize) {
    if (ramSize < params.memorySize) {
      panic("host provided vtl2 ram size " + fmtHexBare(ramSize) + " is smaller than measured size " + fmtHexBare(params.memorySize));
    }
    vtl2Size = ramSize;
  }
  if (nodeCount == 0) panic("attempt to divide by zero");
  const ramPerNode = vtl2Size / <u64>nodeCount;

  // Memory still required per node, indexed by vnode (as upstream, vnodes must be 0..count).
  const perNode = new StaticArray<u64>(nodeCount);
  for (let i = 0; i < map.length; i++) {
    const v = tagVnode(map.tag(i));
    if (<i32>v >= nodeCount || <i32>v < 0) panic(indexPanic(nodeCount, v));
    perNode[v] = ramPerNode;
  }

  // The range the image was loaded into already counts as VTL2 ram. Both walks below run lazily
  // like upstream's iterators, so panics come in upstream's order.
  let vtl2Ram = new RangeList(MAX_NUMA_NODES);
  const freeAfterVtl2 = new RangeList(1024);
  const file = MemoryRange.new(params.memoryStartAddress, params.memoryStartAddress + params.memorySize);
  const fileList = new RangeList(1);
  fileList.push(file.start, file.end, 0);
  const walk = new RangeWalker(fileList, map);
  while (walk.next()) {
    const k = walk.kind;
    if (k == WALK_RIGHT) {
      if (!freeAfterVtl2.push(walk.start, walk.end, walk.rightTag)) panic(CAPACITY_PANIC);
    } else if (k == WALK_BOTH) {
      if (!vtl2Ram.push(walk.start, walk.end, walk.rightTag)) panic(CAPACITY_PANIC);
    } else if (k == WALK_LEFT) {
      panic("used file range " + fmtRangeDebugPrettyHex(walk.start, walk.end) + " is not reported as ram by host memmap");
    }
  }

  // Imported (launch context) ranges outside the image are not free either. Upstream filters the
  // imported regions inside the walk, so an import is read (and checked for straddling the image)
  // only when the walk needs it; `pullImports` replays the walk's left-side look-ahead for that.
  const source = new LaunchContextImports(params, file);
  const imported = new RangeList(<i32>IMPORTED_REGIONS_MAX);
  const free = new RangeList(1024);
  const walk2 = new RangeWalker(imported, freeAfterVtl2);
  let pos: u64 = 0;
  while (pos != MemoryRange.MAX_ADDRESS) {
    source.pullFor(pos, imported);
    if (!walk2.next()) break;
    pos = walk2.end;
    const k = walk2.kind;
    if (k == WALK_RIGHT) {
      if (!free.push(walk2.start, walk2.end, walk2.rightTag)) panic(CAPACITY_PANIC);
    } else if (k == WALK_LEFT) {
      // TDX: the reset vector page is pre-accepted but not reported as ram by the host.
      const s = walk2.start;
      const len = walk2.end - s;
      if (params.isolationType == ISOLATION_TDX && s / 4096 == 0xFFFFF && len == 0x1000) continue;
      panic("launch context range " + fmtRangeDebugPrettyHex(s, walk2.end) + " is not reported as ram by host memmap");
    }
  }

  // Subtract what the image already provides from each node's requirement.
  for (let i = 0; i < vtl2Ram.length; i++) {
    const tag = vtl2Ram.tag(i);
    const v = tagVnode(tag);
    if (<i32>v >= nodeCount) panic(indexPanic(nodeCount, v));
    const len = vtl2Ram.end(i) - vtl2Ram.start(i);
    const req = perNode[v];
    if (len > req) {
      if (logOn()) log("[WARN] entry " + debugEntry(vtl2Ram.start(i), vtl2Ram.end(i), tag) + " is larger than required " +
        req.toString() + " for vnode " + v.toString());
      perNode[v] = 0;
    } else {
      perNode[v] = req - len;
    }
  }

  // Allocate the rest per node, from the top of that node's free memory downward.
  const freeStarts = new StaticArray<u64>(free.length);
  const freeEnds = new StaticArray<u64>(free.length);
  for (let i = 0; i < free.length; i++) {
    freeStarts[i] = free.start(i);
    freeEnds[i] = free.end(i);
  }
  for (let node = 0; node < nodeCount; node++) {
    let required = perNode[node];
    if (required == 0) continue;
    for (let i = free.length - 1; i >= 0; i--) {
      const tag = free.tag(i);
      if (tagVnode(tag) == <u32>node && freeStarts[i] != freeEnds[i]) {
        const len = freeEnds[i] - freeStarts[i];
        const take = len < required ? len : required;
        const parts = new MemoryRange(freeStarts[i], freeEnds[i]).splitAtOffset(len - take);
        freeEnds[i] = parts.first.end;
        if (!vtl2Ram.push(parts.second.start, parts.second.end, entryTag(tagMemType(tag), <u32>node))) panic(CAPACITY_PANIC);
        required -= take;
        if (required == 0) break;
      }
    }
    if (required != 0) {
      panic("failed to allocate " + fmtHex(required) + " for vnode " + fmtHex(<u64>node) + ", no memory remaining for vnode");
    }
  }
  return sortedByStart(vtl2Ram);
}

/**
 * Upstream's `imported_regions()` filtered to the ranges outside the loaded image, pulled one at a
 * time: a range inside the image is skipped, one straddling its edge panics when it is reached.
 * Reads the descriptors from guest memory, or the explicit list a test record set.
 */
class LaunchContextImports {
  private list: RangeList | null;
  private iter: ImportedRegionIter | null = null;
  private index: i32 = 0;
  // 0: the walk needs the next range; 1: the last pulled range is current; 2: no more ranges.
  private state: i32 = 0;

  constructor(params: ShimParams, private file: MemoryRange) {
    this.list = params.importedRegionList;
    if (this.list === null) this.iter = params.importedRegions();
  }

  // The next imported range outside the image into `out`; false at the end.
  private nextOutside(out: RangeList): bool {
    while (true) {
      let start: u64;
      let end: u64;
      const list = this.list;
      if (list !== null) {
        if (this.index >= list.length) return false;
        start = list.start(this.index);
        end = list.end(this.index);
        this.index++;
      } else {
        const it = this.iter!;
        if (!it.next()) return false;
        start = it.range.start;
        end = it.range.end;
      }
      const r = new MemoryRange(start, end);
      if (this.file.contains(r)) continue;
      if (this.file.overlaps(r)) {
        panic("imported range " + fmtRangeDebugPrettyHex(start, end) + " overlaps vtl2 range and is not fully contained within vtl2 range");
      }
      if (!out.push(start, end, 0)) panic(CAPACITY_PANIC);
      return true;
    }
  }

  /**
   * The left-side look-ahead of one walk step at `pos`: drops the current range once the walk
   * is past it and pulls the next, asserting it starts at or after `pos` ("left not sorted").
   */
  pullFor(pos: u64, out: RangeList): void {
    while (true) {
      if (this.state == 0) {
        if (!this.nextOutside(out)) {
          this.state = 2;
        } else {
          if (out.start(out.length - 1) < pos) panic("left not sorted");
          this.state = 1;
        }
      }
      if (this.state == 2) return;
      const i = out.length - 1;
      if (out.start(i) != out.end(i) && out.end(i) > pos) return;
      this.state = 0;
    }
  }
}

function indexPanic(len: i32, index: u32): string {
  return "index out of bounds: the len is " + len.toString() + " but the index is " + index.toString();
}

/** Default VTL2 mmio size: half the high VTL0 mmio gap, clamped to [128 MiB, 1 GiB]. */
export function calculateDefaultMmioSize(parsed: ParsedDeviceTree, out: StaticArray<u64>): DtError | null {
  const vtl0Info = parsed.vmbusVtl0;
  if (vtl0Info === null) return new DtError(DT_VTL0_VMBUS);
  const vtl0 = new VmbusMmio(vmbusMmioList(vtl0Info));
  if (vtl0.mmio.length < 2) panic(indexPanic(vtl0.mmio.length, 1));
  let half = (vtl0.mmio.end(1) - vtl0.mmio.start(1)) / 2;
  const MIN: u64 = 128 * (1 << 20);
  const MAX: u64 = 1 << 30;
  if (half < MIN) half = MIN;
  if (half > MAX) half = MAX;
  out[0] = half;
  return null;
}

/** Adds the ranges every boot reserves: log buffer, VTL2 reserved region, sidecar image. */
export function addCommonRanges(params: ShimParams, builder: AddressSpaceManagerBuilder): AddressSpaceManagerBuilder {
  builder = builder.withLogBuffer(params.logBuffer);
  if (params.vtl2ReservedRegionSize != 0) {
    builder = builder.withReservedRange(MemoryRange.new(params.vtl2ReservedRegionStart, params.vtl2ReservedRegionStart + params.vtl2ReservedRegionSize));
  }
  if (params.sidecarSize != 0) {
    builder = builder.withSidecarImage(MemoryRange.new(params.sidecarBase, params.sidecarBase + params.sidecarSize));
  }
  return builder;
}

/** The VTL2 config ranges: the parameter region minus the (reclaimed) host device tree pages. */
export function vtl2ConfigRanges(params: ShimParams): RangeList {
  const reclaimBase = params.dtStart();
  const reclaimEnd = reclaimBase + params.dtSize();
  if (MemoryRange.tryNew(reclaimBase, reclaimEnd) === null) {
    panic("range is valid: " + fmtInvalidRangeDebug(reclaimBase, reclaimEnd));
  }
  if (logOn()) log("[INFO] reclaim device tree memory " + fmtHexBare(reclaimBase) + "-" + fmtHexBare(reclaimEnd));
  const config = MemoryRange.new(params.parameterRegionStart, params.parameterRegionStart + params.parameterRegionSize);
  const left = new RangeList(1);
  left.push(config.start, config.end, 0);
  const right = new RangeList(1);
  right.push(reclaimBase, reclaimEnd, 0);
  const out = new RangeList(2);
  subtractRanges(left, right, out);
  return out;
}

/**
 * Reads the topology from the host device tree and initializes the address space: the three
 * steps below in upstream's order (split so `hclboot bench` can time each one).
 */
export function topologyFromHostDt(
  params: ShimParams, parsed: ParsedDeviceTree, options: BootCommandLineOptions,
  addressSpace: AddressSpaceManager, out: PartitionTopology,
): DtError | null {
  const err = hostTopologyRanges(params, parsed, out);
  if (err !== null) return err;
  initHostAddressSpace(params, addressSpace, out.vtl2Ram);
  allocateHostPool(params, parsed, options, addressSpace, out.vtl2Ram);
  return null;
}

/** First step of topology_from_host_dt: VTL2 ram, allocation mode and VTL0/VTL2 mmio into `out`. */
export function hostTopologyRanges(params: ShimParams, parsed: ParsedDeviceTree, out: PartitionTopology): DtError | null {
  log("[INFO] reading topology from host device tree");
  const map = memoryMapList(parsed);
  const mode = parsed.memoryAllocationMode;
  const ram = mode.vtl2 ? allocateVtl2Ram(params, map, mode.hasMemorySize, mode.memorySize) : parseHostVtl2Ram(params, map);
  const vtl2Ram = out.vtl2Ram;
  vtl2Ram.clear();
  for (let i = 0; i < ram.length; i++) {
    if (!vtl2Ram.push(ram.start(i), ram.end(i), ram.tag(i))) panic("vtl2 ram should only be 64 big: CapacityError: insufficient capacity");
  }
  out.memoryAllocationMode = mode;

  // Isolated guests, or VTL2-allocation mode, decide VTL2 mmio here; otherwise the host did.
  if (params.isolationType != ISOLATION_NONE || mode.vtl2) {
    const hostSize: u64 = mode.vtl2 && mode.hasMmioSize ? mode.mmioSize : 0;
    const vtl2Info = parsed.vmbusVtl2;
    if (vtl2Info === null) return new DtError(DT_VTL2_VMBUS);
    const vmbusVtl2 = new VmbusMmio(vmbusMmioList(vtl2Info));
    let vtl2MmioSize: u64 = 0;
    for (let i = 0; i < vmbusVtl2.mmio.length; i++) vtl2MmioSize += vmbusVtl2.mmio.end(i) - vmbusVtl2.mmio.start(i);
    let mmioSize = hostSize;
    if (vtl2MmioSize == 0) {
      const d = new StaticArray<u64>(1);
      const err = calculateDefaultMmioSize(parsed, d);
      if (err !== null) return err;
      if (d[0] > mmioSize) mmioSize = d[0];
    }
    if (logOn()) log("[INFO] allocating vtl2 mmio size " + fmtHex(mmioSize) + " bytes");
    if (logOn()) log("[INFO] host provided vtl2 mmio ranges are " + fmtHex(vtl2MmioSize) + " bytes");
    const vtl0Info = parsed.vmbusVtl0;
    if (vtl0Info === null) return new DtError(DT_VTL0_VMBUS);
    const vmbusVtl0 = new VmbusMmio(vmbusMmioList(vtl0Info));
    if (vtl2MmioSize != 0) {
      if (vtl2MmioSize < mmioSize) return new DtError(DT_NOT_ENOUGH_VTL2_MMIO);
      if (logOn()) log("[INFO] using host provided vtl2 mmio: " + fmtRangeListDebugHex(vmbusVtl2.mmio));
      copyRanges(vmbusVtl0.mmio, out.vtl0Mmio);
      copyRanges(vmbusVtl2.mmio, out.vtl2Mmio);
    } else {
      log("[INFO] no vtl2 mmio provided by host, allocating from vtl0 mmio");
      const selected = selectVtl2MmioRange(vmbusVtl0.mmio, mmioSize);
      if (selected === null) return new DtError(DT_NOT_ENOUGH_VTL0_MMIO);
      const sel = new RangeList(1);
      sel.push(selected.start, selected.end, 0);
      const rest = new RangeList(4);
      subtractRanges(vmbusVtl0.mmio, sel, rest);
      if (rest.length > 2) panic("ArrayVec: capacity exceeded in extend/from_iter");
      copyRanges(rest, out.vtl0Mmio);
      out.vtl2Mmio.clear();
      out.vtl2Mmio.push(selected.start, selected.end, 0);
      if (out.vtl0Mmio.length != 2) {
        panic("assertion `left == right` failed: vtl0 mmio ranges are not 2 " + fmtRangeListDebugPrettyHex(out.vtl0Mmio) +
          "\n  left: " + out.vtl0Mmio.length.toString() + "\n right: 2");
      }
      if (logOn()) log("[INFO] vtl0 mmio: " + fmtRangeListDebugHex(out.vtl0Mmio) + ", vtl2 mmio: " + fmtRangeListDebugHex(out.vtl2Mmio));
    }
  } else {
    const v0 = parsed.vmbusVtl0;
    if (v0 === null) return new DtError(DT_VTL0_VMBUS);
    const v2 = parsed.vmbusVtl2;
    if (v2 === null) return new DtError(DT_VTL2_VMBUS);
    copyRanges(vmbusMmioList(v0), out.vtl0Mmio);
    copyRanges(vmbusMmioList(v2), out.vtl2Mmio);
  }
  return null;
}

/**
 * Second step: initializes the (empty) address space from the topology's VTL2 ram, the config
 * ranges (parameter region minus the reclaimed device tree), the persisted state region and the
 * shim's reserved ranges; panics as upstream's `expect` does.
 */
export function initHostAddressSpace(params: ShimParams, addressSpace: AddressSpaceManager, vtl2Ram: RangeList): void {
  const config = vtl2ConfigRanges(params);
  // 20 pages hold the worst-case encoded saved state with room to spare.
  const split = params.persistedState.splitAtOffset(PERSISTED_REGION_SIZE);
  if (logOn()) log("[INFO] persisted state region sized to " + fmtRangeDebugPrettyHex(split.first.start, split.first.end) + ", remainder " +
    fmtRangeDebugPrettyHex(split.second.start, split.second.end));

  let builder = new AddressSpaceManagerBuilder(addressSpace, vtl2Ram, params.used, split.first, config);
  builder = addCommonRanges(params, builder);
  const err = builder.init();
  if (err !== null) panic("failed to initialize address space manager: " + err.debug());
}

/** Third step: sizes and allocates the VTL2 GPA pool (non-isolated guests) in the address space. */
export function allocateHostPool(
  params: ShimParams, parsed: ParsedDeviceTree, options: BootCommandLineOptions, addressSpace: AddressSpaceManager,
  vtl2Ram: RangeList,
): void {
  if (params.isolationType == ISOLATION_NONE) {
    const cfg = options.enableVtl2GpaPool;
    let memSize: u64 = 0;
    for (let i = 0; i < vtl2Ram.length; i++) memSize += vtl2Ram.end(i) - vtl2Ram.start(i);
    const vpCount = parsed.cpuCount;
    const pool = pickPrivatePoolSize(cfg, parsed.deviceDmaPageCount, parsed.hasDeviceDmaPageCount, <u64>vpCount, memSize);
    if (pool.isSome) {
      allocatePrivatePool(addressSpace, vtl2Ram, pool.pages * HV_PAGE_SIZE, options.vtl2GpaPoolNumaSplit, cfg,
        parsed.hasDeviceDmaPageCount, parsed.deviceDmaPageCount, vpCount, memSize);
    }
  }
}

/** A VMBus node's mmio as a RangeList, for the range algorithms. */
class VmbusMmio {
  constructor(public mmio: RangeList) {}
}

function copyRanges(from: RangeList, to: RangeList): void {
  to.clear();
  for (let i = 0; i < from.length; i++) to.push(from.start(i), from.end(i), 0);
}
