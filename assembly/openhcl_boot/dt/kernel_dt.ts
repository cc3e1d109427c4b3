//! The device tree the OpenHCL kernel and usermode boot with: CPUs, VTL2 memory per NUMA node,
//! VMBus and sidecar nodes, boot times, and under /openhcl the isolation type, allocation mode,
//! alias map, every partition range tagged with its OpenHCL memory type, MMIO, accepted ranges
//! and entropy. The reserved VTL2 ranges form the /memreserve/ map.
// Ports: openhcl/openhcl_boot/src/dt.rs (write_dt)

import { panic } from "../../rt/panic";
import { RangeList, RangeWalker, WALK_LEFT, WALK_RIGHT, WALK_BOTH } from "../../support/memory_range/lib";
import { ShimParams, ISOLATION_NONE, ISOLATION_VBS, ISOLATION_SNP, ISOLATION_TDX, ARCH_AARCH64 } from "../host_params/shim_params/shim_params";
import { PartitionInfo, tagVnode, tagMemType } from "../host_params/mod/partition_info";
import { VmbusInfo } from "../../support/host_fdt_parser/lib";
import { AddressSpaceManager, MAX_ADDRESS_RANGES, MAX_RESERVED_MEM_RANGES } from "../memory/memory";
import { VTL0, VTL0_MMIO, VTL2_MMIO } from "../../support/loader_defs/memory_vtl_type";
import { SidecarConfig } from "../sidecar/sidecar";
import { FdtBuilder, FdtBuilderError, ReserveEntries } from "../../support/fdt/builder";
import { SIDECAR_PAGE_SIZE } from "../../support/sidecar_defs/sidecar_defs";
import { fmtRangeDebug } from "../../rt/fmt";

/** Kernel FDT buffer: 256 KiB minus the 16-byte setup_data header in front of it. */
export const FDT_SIZE: i32 = 256 * 1024;
export const FDT_DATA_SIZE: i32 = FDT_SIZE - 16;
const STRING_TABLE_CAP: i32 = 1024;

// aarch64 platform defaults.
const DEFAULT_GIC_DISTRIBUTOR_BASE: u64 = 0xffff_0000;
const DEFAULT_GIC_REDISTRIBUTORS_BASE: u64 = 0xeffe_e000;
const GIC_DISTRIBUTOR_SIZE: u64 = 0x1_0000;
const GIC_REDISTRIBUTOR_SIZE: u64 = 0x2_0000;
const VMBUS_PPI_OFFSET: u32 = 2;
const TIMER_INTID: u32 = 4;
const PMU_GSIV_INT_INDEX: u32 = 0x17 - 16;
const GIC_PHANDLE: u32 = 1;
const GIC_PPI: u32 = 1;
const IRQ_TYPE_EDGE_RISING: u32 = 1;
const IRQ_TYPE_LEVEL_LOW: u32 = 8;
const IRQ_TYPE_LEVEL_HIGH: u32 = 4;
/** x86 TDX reset vector page (wakeup mailbox). */
const RESET_VECTOR_PAGE: u64 = 0xffff_f000;

/** Reference times of the shim's start and end. */
@final
export class BootTimes {
  constructor(public start: u64, public end: u64) {}
}

/** Result of writing the device tree: blob size, or an error (upstream `DtError::Fdt`). */
@final
export class DtResult {
  constructor(public size: i32, public error: FdtBuilderError | null) {}
  /** Rust Debug of the error (`Fdt(OutOfSpace)`). */
  errorDebug(): string {
    const e = this.error;
    return "Fdt(" + (e !== null ? e.debug() : "") + ")";
  }
}

@inline function assertEqU64(left: u64, right: u64): void {
  if (left != right) {
    panic("assertion `left == right` failed\n  left: " + left.toString() + "\n right: " + right.toString());
  }
}

/** Property name ids shared by many nodes. */
class Names {
  addressCells: u32 = 0; sizeCells: u32 = 0; reg: u32 = 0; regNames: u32 = 0; deviceType: u32 = 0;
  status: u32 = 0; compatible: u32 = 0; ranges: u32 = 0; numaNodeId: u32 = 0; reftimeBootStart: u32 = 0;
  reftimeBootEnd: u32 = 0; reftimeSidecarStart: u32 = 0; reftimeSidecarEnd: u32 = 0; vtl: u32 = 0;
  connectionId: u32 = 0; dmaCoherent: u32 = 0; igvmType: u32 = 0; openhclMemory: u32 = 0;
  interruptParent: u32 = 0; interrupts: u32 = 0; enableMethod: u32 = 0;
}

function writeVmbus(b: FdtBuilder, n: Names, name: string, vtl: u32, info: VmbusInfo, aarch64: bool, scratch: StaticArray<u64>, cells: StaticArray<u32>): void {
  b.startNode(name)
    .addU32(n.addressCells, 2)
    .addU32(n.sizeCells, 2)
    .addNull(n.dmaCoherent)
    .addStr(n.compatible, "microsoft,vmbus")
    .addU32(n.vtl, vtl)
    .addU32(n.connectionId, info.connectionId);
  for (let i = 0; i < info.mmioCount; i++) {
    scratch[i * 3] = info.mmioStart(i);
    scratch[i * 3 + 1] = info.mmioStart(i);
    scratch[i * 3 + 2] = info.mmioEnd(i) - info.mmioStart(i);
  }
  b.addU64Array(n.ranges, scratch, info.mmioCount * 3);
  if (aarch64) {
    cells[0] = GIC_PPI;
    cells[1] = VMBUS_PPI_OFFSET;
    cells[2] = IRQ_TYPE_EDGE_RISING;
    b.addU32(n.interruptParent, GIC_PHANDLE).addU32Array(n.interrupts, cells, 3);
  }
  b.endNode();
}

/** Adds a `memory@<start>` node under /openhcl with a `memory-openhcl` device type. */
function openhclMemoryNode(b: FdtBuilder, n: Names, start: u64, end: u64, hasNode: bool, vnode: u32, igvmType: u32, vtlType: u32, reg: StaticArray<u64>): void {
  b.startNodeNum("memory@", start, true).addStr(n.deviceType, "memory-openhcl");
  reg[0] = start;
  reg[1] = end - start;
  b.addU64Array(n.reg, reg, 2);
  if (hasNode) b.addU32(n.numaNodeId, vnode).addU32(n.igvmType, igvmType);
  b.addU32(n.openhclMemory, vtlType).endNode();
}

/**
 * Writes the kernel device tree into `buf` (`cap` bytes). `cmdline` is used on aarch64 only
 * (/chosen bootargs). Linear in CPUs and ranges.
 */
export function writeDt(
  buf: usize, cap: i32, p: ShimParams, h: PartitionInfo, space: AddressSpaceManager, importedRegions: RangeList,
  initrdStart: u64, initrdEnd: u64, cmdline: string, sidecar: SidecarConfig | null, bootTimes: BootTimes | null,
): DtResult {
  // The reserved VTL2 ranges become /memreserve/ entries: RAM the kernel must not use.
  const reserved = new RangeList(MAX_ADDRESS_RANGES);
  space.reservedVtl2Ranges(reserved);
  const rsv = new ReserveEntries(MAX_RESERVED_MEM_RANGES);
  for (let i = 0; i < reserved.length; i++) {
    if (!rsv.push(reserved.start(i), reserved.end(i) - reserved.start(i))) panic("ArrayVec: capacity exceeded in extend/from_iter");
  }
  // Upstream's FDT buffer starts zeroed; the builder writes every byte of the blob itself
  // (padding and the unused string table as zeros), so the bytes past it need no clearing.
  const b = new FdtBuilder(buf, <u32>cap, STRING_TABLE_CAP, rsv);
  if (b.error !== null) return new DtResult(-1, b.error);
  const reg = new StaticArray<u64>(6);
  const cells = new StaticArray<u32>(3);

  const n = new Names();
  n.addressCells = b.addString("#address-cells");
  n.sizeCells = b.addString("#size-cells");
  n.reg = b.addString("reg");
  n.regNames = b.addString("reg-names");
  n.deviceType = b.addString("device_type");
  n.status = b.addString("status");
  n.compatible = b.addString("compatible");
  n.ranges = b.addString("ranges");
  n.numaNodeId = b.addString("numa-node-id");
  n.reftimeBootStart = b.addString("reftime_boot_start");
  n.reftimeBootEnd = b.addString("reftime_boot_end");
  n.reftimeSidecarStart = b.addString("reftime_sidecar_start");
  n.reftimeSidecarEnd = b.addString("reftime_sidecar_end");
  n.vtl = b.addString("microsoft,vtl");
  n.connectionId = b.addString("microsoft,message-connection-id");
  n.dmaCoherent = b.addString("dma-coherent");
  n.igvmType = b.addString("microsoft,igvm-type");
  n.openhclMemory = b.addString("openhcl,memory-type");
  n.interruptParent = b.addString("interrupt-parent");
  n.interrupts = b.addString("interrupts");
  n.enableMethod = b.addString("enable-method");

  const aarch64 = p.arch == ARCH_AARCH64;
  const numCpus = h.cpuCount;

  b.startNode("").addU32(n.addressCells, 2).addU32(n.sizeCells, 2).addStr(n.compatible, "microsoft,openvmm");
  if (bootTimes !== null) b.addU64(n.reftimeBootStart, bootTimes.start).addU64(n.reftimeBootEnd, bootTimes.end);
  if (sidecar !== null) b.addU64(n.reftimeSidecarStart, sidecar.startReftime).addU64(n.reftimeSidecarEnd, sidecar.endReftime);
  b.startNode("hypervisor").addStr(n.compatible, "microsoft,hyperv").endNode();

  if (!aarch64 && p.isolationType == ISOLATION_TDX) {
    b.startNode("reserved-memory").addU32(n.addressCells, 2).addU32(n.sizeCells, 1).addNull(n.ranges);
    b.startNodeNum("wakeup_table@", RESET_VECTOR_PAGE, true).addStr(n.compatible, "intel,wakeup-mailbox");
    cells[0] = 0;
    cells[1] = <u32>RESET_VECTOR_PAGE;
    cells[2] = 0x1000;
    b.addU32Array(n.reg, cells, 3).endNode();
    b.endNode();
  }

  // aarch64 always uses two address cells so large MPIDRs fit.
  b.startNode("cpus").addU32(n.addressCells, aarch64 ? 2 : 1).addU32(n.sizeCells, 0);
  for (let vp = 0; vp < numCpus; vp++) {
    b.startNodeNum("cpu@", <u64>(vp + 1), false).addStr(n.deviceType, "cpu").addU32(n.numaNodeId, unchecked(h.cpuVnodes[vp]));
    const r = unchecked(h.cpuRegs[vp]);
    if (aarch64) {
      b.addU64(n.reg, r).addStr(n.compatible, "arm,arm-v8");
      if (numCpus > 1) b.addStr(n.enableMethod, "psci");
      b.addStr(n.status, vp == 0 ? "okay" : "disabled");
    } else {
      b.addU32(n.reg, <u32>r).addStr(n.status, "okay");
    }
    b.endNode();
  }
  b.endNode();

  if (aarch64) {
    const pMethod = b.addString("method");
    const pCpuOff = b.addString("cpu_off");
    const pCpuOn = b.addString("cpu_on");
    b.startNode("psci").addStr(n.compatible, "arm,psci-0.2").addStr(pMethod, "hvc").addU32(pCpuOff, 1).addU32(pCpuOn, 2).endNode();
  }

  const ram = h.vtl2Ram;
  for (let i = 0; i < ram.length; i++) {
    const s = ram.start(i);
    b.startNodeNum("memory@", s, true).addStr(n.deviceType, "memory");
    reg[0] = s;
    reg[1] = ram.end(i) - s;
    b.addU64Array(n.reg, reg, 2).addU32(n.numaNodeId, tagVnode(ram.tag(i))).endNode();
  }

  // Upstream returns at the first builder error (`?`), so no later assertion may fire after one.
  if (!b.ok) return new DtResult(-1, b.error);

  if (aarch64) {
    // Legacy Hyper-V GIC addresses when the host does not describe the GIC.
    const redistSize = GIC_REDISTRIBUTOR_SIZE * <u64>numCpus;
    const g = h.gic;
    const distBase = g !== null ? g.gicDistributorBase : DEFAULT_GIC_DISTRIBUTOR_BASE;
    const distSize = g !== null ? g.gicDistributorSize : GIC_DISTRIBUTOR_SIZE;
    const redistBase = g !== null ? g.gicRedistributorsBase : DEFAULT_GIC_REDISTRIBUTORS_BASE;
    const redistSz = g !== null ? g.gicRedistributorsSize : redistSize;
    const stride = g !== null ? g.gicRedistributorStride : GIC_REDISTRIBUTOR_SIZE;
    assertEqU64(distSize, GIC_DISTRIBUTOR_SIZE);
    assertEqU64(redistSz, redistSize);
    assertEqU64(stride, GIC_REDISTRIBUTOR_SIZE);
    const pInterruptCells = b.addString("#interrupt-cells");
    const pRedistRegions = b.addString("#redistributor-regions");
    const pRedistStride = b.addString("redistributor-stride");
    const pInterruptController = b.addString("interrupt-controller");
    const pPhandle = b.addString("phandle");
    const pInterruptNames = b.addString("interrupt-names");
    const pAlwaysOn = b.addString("always-on");
    // Upstream names the node with the distributor base in decimal.
    b.startNodeNum("intc@", distBase, false).addStr(n.compatible, "arm,gic-v3").addU32(pRedistRegions, 1).addU64(pRedistStride, stride);
    reg[0] = distBase;
    reg[1] = distSize;
    reg[2] = redistBase;
    reg[3] = redistSz;
    b.addU64Array(n.reg, reg, 4).addU32(n.addressCells, 2).addU32(n.sizeCells, 2).addU32(pInterruptCells, 3)
      .addNull(pInterruptController).addU32(pPhandle, GIC_PHANDLE).addNull(n.ranges).endNode();

    cells[0] = GIC_PPI;
    cells[1] = TIMER_INTID;
    cells[2] = IRQ_TYPE_LEVEL_LOW;
    b.startNode("timer").addStr(n.compatible, "arm,armv8-timer").addU32(n.interruptParent, GIC_PHANDLE)
      .addStr(pInterruptNames, "virt").addU32Array(n.interrupts, cells, 3).addNull(pAlwaysOn).endNode();

    if (!b.ok) return new DtResult(-1, b.error);
    let pmuIndex = PMU_GSIV_INT_INDEX;
    if (h.hasPmuGsiv) {
      if (h.pmuGsiv < 16 || h.pmuGsiv >= 32) panic("PMU GSIV must be a PPI in [16, 32) range");
      pmuIndex = h.pmuGsiv - 16;
    }
    cells[0] = GIC_PPI;
    cells[1] = pmuIndex;
    cells[2] = IRQ_TYPE_LEVEL_HIGH;
    b.startNode("pmu").addStr(n.compatible, "arm,armv8-pmuv3").addU32Array(n.interrupts, cells, 3).endNode();
  }

  // VMBus must sit under a simple-bus for Linux.
  b.startNode("bus").addStr(n.compatible, "simple-bus").addU32(n.addressCells, 2).addU32(n.sizeCells, 2).addPropBytes(n.ranges, 0, 0);
  writeVmbus(b, n, "vmbus", 2, h.vmbusVtl2, aarch64, reg, cells);
  if (sidecar !== null) {
    for (let i = 0; i < sidecar.nodeCount; i++) {
      const ctrl = sidecar.controlPage(i);
      b.startNodeNum("sidecar@", ctrl, true).addStr(n.compatible, "microsoft,openhcl-sidecar");
      reg[0] = ctrl;
      reg[1] = SIDECAR_PAGE_SIZE;
      reg[2] = sidecar.shmemPagesBase(i);
      reg[3] = sidecar.shmemPagesSize(i);
      b.addU64Array(n.reg, reg, 4).addStrPair(n.regNames, "ctrl", "shmem").endNode();
    }
  }
  b.endNode();

  if (aarch64) {
    const pBootargs = b.addString("bootargs");
    const pInitrdStart = b.addString("linux,initrd-start");
    const pInitrdEnd = b.addString("linux,initrd-end");
    b.startNode("chosen").addStr(pBootargs, cmdline).addU64(pInitrdStart, initrdStart).addU64(pInitrdEnd, initrdEnd).endNode();
  }

  b.startNode("openhcl");
  const pIsolation = b.addString("isolation-type");
  const iso = h.isolation;
  b.addStr(pIsolation, iso == ISOLATION_NONE ? "none" : iso == ISOLATION_VBS ? "vbs" : iso == ISOLATION_SNP ? "snp" : iso == ISOLATION_TDX ? "tdx" : "cca");
  const pMode = b.addString("memory-allocation-mode");
  const mode = h.memoryAllocationMode;
  if (!mode.vtl2) {
    b.addStr(pMode, "host");
  } else {
    const pMemorySize = b.addString("memory-size");
    const pMmioSize = b.addString("mmio-size");
    b.addStr(pMode, "vtl2");
    if (mode.hasMemorySize) b.addU64(pMemorySize, mode.memorySize);
    if (mode.hasMmioSize) b.addU64(pMmioSize, mode.mmioSize);
  }
  if (h.hasVtl0AliasMap) {
    const pAlias = b.addString("vtl0-alias-map");
    b.addU64(pAlias, h.vtl0AliasMap);
  }

  // Every partition range, tagged VTL0 or with the VTL2 type that uses it.
  const vtl2 = new RangeList(MAX_ADDRESS_RANGES);
  space.vtl2Ranges(vtl2);
  if (!b.ok) return new DtResult(-1, b.error);
  walkPartitionRam(b, n, h.partitionRam, vtl2, reg);
  if (!b.ok) return new DtResult(-1, b.error);

  const v0 = h.vmbusVtl0;
  for (let i = 0; i < v0.mmioCount; i++) {
    openhclMemoryNode(b, n, v0.mmioStart(i), v0.mmioEnd(i), false, 0, 0, VTL0_MMIO, reg);
  }
  const v2 = h.vmbusVtl2;
  for (let i = 0; i < v2.mmioCount; i++) {
    openhclMemoryNode(b, n, v2.mmioStart(i), v2.mmioEnd(i), false, 0, 0, VTL2_MMIO, reg);
  }

  // Every imported region is accepted by now (pending ones were checked to be VTL2 RAM).
  const imp = importedRegions;
  for (let i = 0; i < imp.length; i++) {
    const s = imp.start(i);
    b.startNodeNum("accepted-memory@", s, true);
    reg[0] = s;
    reg[1] = imp.end(i) - s;
    b.addU64Array(n.reg, reg, 2).endNode();
  }

  if (h.hasEntropy) {
    b.startNode("entropy").addPropBytes(n.reg, changetype<usize>(h.entropy), <u32>h.entropyLen).endNode();
  }
  b.endNode(); // openhcl
  b.endNode(); // root
  const size = b.build(h.bspReg);
  return new DtResult(b.error === null ? <i32>size : -1, b.error);
}

/**
 * Walks partition RAM (left) against the merged VTL2 ranges (right) as upstream's `walk_ranges`
 * does (including its "left/right not sorted" assertions): partition-only pieces are VTL0 memory,
 * shared pieces carry the VTL2 type, a VTL2 piece outside partition RAM panics. Stops at the first
 * builder error, as upstream's `?` does, so no later piece can panic.
 */
function walkPartitionRam(b: FdtBuilder, n: Names, left: RangeList, right: RangeList, reg: StaticArray<u64>): void {
  const w = new RangeWalker(left, right);
  while (w.next()) {
    const k = w.kind;
    if (k == WALK_LEFT) {
      openhclMemoryNode(b, n, w.start, w.end, true, tagVnode(w.leftTag), tagMemType(w.leftTag), VTL0, reg);
    } else if (k == WALK_BOTH) {
      openhclMemoryNode(b, n, w.start, w.end, true, tagVnode(w.leftTag), tagMemType(w.leftTag), <u32>w.rightTag, reg);
    } else if (k == WALK_RIGHT) {
      panic("vtl2 range " + fmtRangeDebug(w.start, w.end) + " not contained in partition ram");
    }
    if (!b.ok) return;
  }
}
