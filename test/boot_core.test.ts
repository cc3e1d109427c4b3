// The whole boot (main.rs shim_main up to the kernel jump) through real guest memory: an image is
// loaded with the VTL2 loader, the boot core reads ShimParams, the host device tree and the
// persisted state from guest memory. Expected values are derived here from the Rust rules applied
// to the loader's inputs (shim parameters, host device tree), not copied from a run.
import { describe, it, expect, beforeAll } from "vitest";
import { loadTestShim } from "../host/wasm/node.js";
import { Shim, ShimPanic } from "../host/wasm/loader.js";
import { attachHypervisor } from "../host/hv/imports.js";
import { Hypervisor } from "../host/hv/hypervisor.js";
import { runBoot, bootOutputFrom } from "../host/shim/boot.js";
import { parseHostDt } from "../host/shim/host_fdt.js";
import { vtl2CalculateDmaHint } from "../host/shim/dma_hint.js";
import { persistInputFromBoot, writePersistedInfo, type BootTopology } from "../host/persist/save.js";
import { DtError } from "../host/errors.js";
import { dtc, dtcDecode } from "./helpers/dtc.js";
import { load, boot, type Loaded } from "./helpers/boot.js";
import { KERNEL_BASE_PARAMETERS, KERNEL_X86_PARAMETERS } from "./helpers/handoff.js";
import { failureOf } from "./helpers/panic.js";

const PAGE = 0x1000n;
const VTL2_PROTECTABLE = 3;

const as = (start: bigint, end: bigint, type: string, vnode = 0) => ({ start, end, vnode, type });

/**
 * The address space read_from_dt builds for a host-mode, non-isolated first boot whose VTL2 RAM
 * is the single range [ramStart, ramEnd) on node 0: persisted header + 19 protobuf pages at the
 * persisted region's start (20 pages at first boot), the VTL2 reserved region, the parameter
 * region as VTL2_CONFIG except the 64 reclaimed device tree pages (40..104), the log buffer, and
 * the pool taken from the top of node 0 (AllocationPolicy::HighMemory). Everything else is RAM.
 */
function expectedAddressSpace(l: Loaded, ramStart: bigint, ramEnd: bigint, poolBytes: bigint) {
  const p = l.img.params;
  const ps = p.persistedState.start;
  const dtStart = p.parameterRegionStart + 40n * PAGE;
  const dtEnd = dtStart + 64n * PAGE;
  const reserved = [
    as(ps, ps + PAGE, "VTL2_PERSISTED_STATE_HEADER"),
    as(ps + PAGE, ps + 20n * PAGE, "VTL2_PERSISTED_STATE_PROTOBUF"),
    as(p.vtl2ReservedRegionStart, p.vtl2ReservedRegionStart + p.vtl2ReservedRegionSize, "VTL2_RESERVED"),
    as(p.parameterRegionStart, dtStart, "VTL2_CONFIG"),
    as(dtEnd, p.parameterRegionStart + p.parameterRegionSize, "VTL2_CONFIG"),
    as(p.logBuffer.start, p.logBuffer.end, "VTL2_BOOTSHIM_LOG_BUFFER"),
    as(ramEnd - poolBytes, ramEnd, "VTL2_GPA_POOL"),
  ].sort((a, b) => (a.start < b.start ? -1 : 1));
  // Fill the gaps with VTL2_RAM.
  const out: ReturnType<typeof as>[] = [];
  let at = ramStart;
  for (const r of reserved) {
    if (r.start > at) out.push(as(at, r.start, "VTL2_RAM"));
    out.push(r);
    at = r.end;
  }
  if (at < ramEnd) out.push(as(at, ramEnd, "VTL2_RAM"));
  return out;
}

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

describe("shim_main", () => {
  it("boots images/small.json: host-provided VTL2 RAM, MMIO from the host, pool on top of node 0", () => {
    const l = load("small.json");
    const host = parseHostDt(shim, l.r.hostDeviceTree);
    const res = boot(shim, l);
    const p = res.partition;
    const vtl2 = l.r.vm!.vtl2ImageRange;

    // Host mode, not isolated: VTL2 RAM is the host's VTL2_PROTECTABLE range, the VTL2 image.
    expect(p.memoryAllocationMode).toEqual({ mode: "host" });
    expect(p.vtl2Ram).toEqual([{ start: vtl2.start, end: vtl2.end, vnode: 0, igvmType: VTL2_PROTECTABLE }]);
    expect(p.vtl2Ram).toEqual(host.memory.filter((m) => m.igvmType === VTL2_PROTECTABLE).map(({ start, end, vnode, igvmType }) => ({ start, end, vnode, igvmType })));
    expect(p.cpuCount).toBe(4);
    // ... and MMIO is what the host gave each VMBus.
    expect(p.vtl0Mmio).toEqual(host.vmbusVtl0!.mmio);
    expect(p.vtl2Mmio).toEqual(host.vmbusVtl2!.mmio);
    expect(p.vtl2Mmio).toEqual([{ start: 0x1_8000_0000n, end: 0x1_c000_0000n }]); // the image's vtl2ChipsetMmio

    // Pool: the release heuristics for 4 VPs and 512 MiB of VTL2 RAM.
    const poolPages = vtl2CalculateDmaHint(shim, "release", 4, vtl2.end - vtl2.start);
    expect(poolPages).toBe(4096n);
    expect(p.addressSpace).toEqual(expectedAddressSpace(l, vtl2.start, vtl2.end, poolPages * PAGE));
    expect(p.hasVtl2Pool).toBe(true);

    // Kernel command line: no sidecar in the image, COM1 only (console=ttynull), keep-alive from
    // the host, the pool exists; the measured line is empty with policy append-chosen, so the
    // host's bootargs follow a space.
    expect(res.handoff.sidecar).toBeNull();
    expect(res.handoff.kernelCommandLine).toBe(
      KERNEL_BASE_PARAMETERS + KERNEL_X86_PARAMETERS + "swiotlb=1,1 console=ttynull OPENHCL_NVME_KEEP_ALIVE=disabled,host,privatepool " +
        "hv_vmbus.message_connection_id=0x4  console=ttyS0",
    );
    expect(res.log[0]).toBe("[INFO] read_from_dt: persisted_state_header present=false, sidecar=Enabled { enable_logging: false, cpu_threshold: Some(100) }");
    expect(res.log.at(-1)).toBe("[INFO] about to jump to kernel");

    // The kernel device tree carries the same topology (decoded by dtc).
    const dts = dtcDecode(res.handoff.dtb);
    expect(dts).toContain(`memory@${vtl2.start.toString(16)} {`);
    expect(dts).toContain('compatible = "microsoft,openvmm";');
  });

  it("boots images/typical.json: 64 CPUs on 2 nodes, VTL2 on node 0, larger pool", () => {
    const l = load("typical.json");
    const host = parseHostDt(shim, l.r.hostDeviceTree);
    const res = boot(shim, l);
    const p = res.partition;
    const vtl2 = l.r.vm!.vtl2ImageRange;
    expect(p.cpuCount).toBe(64);
    expect(p.vtl2Ram).toEqual([{ start: vtl2.start, end: vtl2.end, vnode: 0, igvmType: VTL2_PROTECTABLE }]);
    expect(p.partitionRam.map((e) => e.vnode)).toEqual(host.memory.map((m) => m.vnode));
    expect(new Set(p.partitionRam.map((e) => e.vnode))).toEqual(new Set([0, 1]));
    expect(p.vtl0Mmio).toEqual(host.vmbusVtl0!.mmio);
    expect(p.vtl2Mmio).toEqual([{ start: 0x40_8000_0000n, end: 0x40_c000_0000n }]);
    const poolPages = vtl2CalculateDmaHint(shim, "release", 64, vtl2.end - vtl2.start);
    expect(poolPages).toBe(8704n); // 34 MiB, extrapolated from the 64-VP rows
    expect(p.addressSpace).toEqual(expectedAddressSpace(l, vtl2.start, vtl2.end, poolPages * PAGE));
    expect(res.handoff.kernelCommandLine.endsWith("hv_vmbus.message_connection_id=0x4  console=ttyS0 earlyprintk=ttyS0")).toBe(true);
    // The contract object.
    const out = bootOutputFrom("x86_64", res);
    expect(out.ok).toBe(true);
    expect(out.cpuCount).toBe(64);
    expect(out.addressSpace.at(-1)).toEqual({ start: "0x" + (vtl2.end - poolPages * PAGE).toString(16), end: "0x" + vtl2.end.toString(16), vnode: 0, type: "VTL2_GPA_POOL" });
    expect(out.sidecar).toBeNull();
    expect(out.bootLog).toBe(res.log);
  });

  it("restores the same topology from the persisted state the first boot leaves (servicing round trip)", () => {
    const first = boot(shim, load("typical.json"));
    const topo = first.partition as unknown as BootTopology;
    const saved = writePersistedInfo(persistInputFromBoot(topo, [2], [5, 1]));
    // A fresh guest, the saved bytes at the start of the persisted region.
    const l = load("typical.json");
    expect(saved.headerGpa).toBe(l.img.params.persistedState.start);
    expect(l.gm.write(saved.headerGpa, saved.image)).toBe(true);
    const second = boot(shim, l);
    expect(second.log).toContain("[INFO] found persisted state header");
    expect(second.log).toContain("[INFO] reading topology from persisted state");
    expect(second.log).toContain("[INFO] persisted state: cpus_with_mapped_interrupts_no_io=[2], cpus_with_outstanding_io=[5, 1]");
    expect(second.partition.vtl2Ram).toEqual(first.partition.vtl2Ram);
    expect(second.partition.addressSpace).toEqual(first.partition.addressSpace);
    expect(second.partition.vtl0Mmio).toEqual(first.partition.vtl0Mmio);
    expect(second.partition.vtl2Mmio).toEqual(first.partition.vtl2Mmio);
    // CPUs with outstanding IO are kernel-started: sidecar per-CPU state is specified.
    expect(second.log).toContain("[INFO] sidecar: excluding CPUs [5, 1] due to outstanding IO");
    expect(second.partition.sidecarPerCpuStateSpecified).toBe(true);
  });

  it("panics with the host-mode assert_eq! when the saved VTL2 RAM differs from the host's", () => {
    const first = boot(shim, load("small.json"));
    const input = persistInputFromBoot(first.partition as unknown as BootTopology);
    // The saved pool claims node 1: the saved VTL2 RAM no longer merges into the host's one range.
    for (const e of input.partitionMemoryMap) if (e.kind === "memory" && e.vtlType === 8) e.vnode = 1;
    const saved = writePersistedInfo(input);
    const l = load("small.json");
    l.gm.write(saved.headerGpa, saved.image);
    const vtl2 = l.r.vm!.vtl2ImageRange;
    const pool = first.partition.addressSpace.at(-1)!.start;
    const entry = (start: bigint, end: bigint, vnode: number) =>
      `MemoryEntry { range: MemoryRange { start: ${start}, end: ${end} }, mem_type: VTL2_PROTECTABLE, vnode: ${vnode} }`;
    const e = failureOf(() => boot(shim, l));
    expect(e).toBeInstanceOf(ShimPanic);
    expect(e.message).toBe(
      "assertion `left == right` failed: vtl2 ram from persisted state does not match host provided ram\n" +
        `  left: [${entry(vtl2.start, pool, 0)}, ${entry(pool, vtl2.end, 1)}]\n` +
        ` right: [${entry(vtl2.start, vtl2.end, 0)}]`,
    );
  });

  it("reports a DtError as kind dt with the error's text, its source's text, and the upstream panic line in the log", () => {
    const l = load("small.json");
    // Corrupt the magic of the host device tree in the parameter region (page 40).
    const dtGpa = l.img.params.parameterRegionStart + 40n * PAGE;
    expect(l.gm.write(dtGpa, new Uint8Array([0xde, 0xad, 0xbe, 0xef]))).toBe(true);
    const e = failureOf(() => boot(shim, l));
    expect(e).toBeInstanceOf(DtError);
    expect(e.message).toBe("host provided device tree is invalid: Parsing failed due to: invalid device tree: FDT header magic field invalid");
    expect(shim.log().at(-1)).toBe("[ERROR] panicked: unable to read device tree params DeviceTree(Error(Dt(Error(HeaderMagic))))");

    // No device tree at all: the first byte of the area is zero.
    expect(l.gm.write(dtGpa, new Uint8Array([0]))).toBe(true);
    const e2 = failureOf(() => boot(shim, l));
    expect(e2).toBeInstanceOf(DtError);
    expect(e2.message).toBe("no device tree provided by host");
    expect(shim.log()).toEqual(["[ERROR] host did not provide a device tree", "[ERROR] panicked: unable to read device tree params NoDeviceTree"]);
  });

  it("prints the parser's error with Rust Debug in the panic line (missing property, unaligned memory)", () => {
    const tree = (props: string) => dtc(`/dts-v1/;
/ {
  #address-cells = <2>;
  #size-cells = <2>;
  memory@1001 { device_type = "memory"; reg = <0x0 0x1001 0x0 0x1000>; ${props} };
};`);
    const cases: [string, string, string][] = [
      ["", "memory@1001 did not have the following required property numa-node-id",
        'PropMissing { node_name: "memory@1001", prop_name: "numa-node-id" }'],
      ["numa-node-id = <0>;", "memory node memory@1001 contains 4K unaligned base 4097 or len 4096",
        'MemoryRegUnaligned { node_name: "memory@1001", base: 4097, len: 4096 }'],
    ];
    for (const [props, text, debug] of cases) {
      const l = load("small.json");
      expect(l.gm.write(l.img.params.parameterRegionStart + 40n * PAGE, tree(props))).toBe(true);
      const e = failureOf(() => boot(shim, l));
      expect(e).toBeInstanceOf(DtError);
      expect(e.message).toBe("host provided device tree is invalid: Parsing failed due to: " + text);
      expect(shim.log().at(-1)).toBe(`[ERROR] panicked: unable to read device tree params DeviceTree(Error(${debug}))`);
    }
  });

  it("panics when the initrd does not match its build-time CRC", () => {
    const l = load("small.json");
    // ShimParamsRaw.initrd_crc is at byte 32 of the raw struct.
    const crc = new Uint8Array([1, 0, 0, 0]);
    expect(l.gm.write(l.img.shimBase + l.img.shimParamsOffset + 32n, crc)).toBe(true);
    const e = failureOf(() => boot(shim, l));
    expect(e).toBeInstanceOf(ShimPanic);
    expect(e.message).toBe("assertion `left == right` failed: computed initrd crc does not match build time calculated crc\n  left: 0\n right: 1");
    expect((e as ShimPanic).log).toContain("[INFO] openhcl_boot: logging enabled");
  });

  it("does not grow WASM memory when the boot is repeated in one instance", async () => {
    const own = await loadTestShim();
    const l = load("typical.json");
    own.setGuest(l.gm);
    attachHypervisor(own, new Hypervisor(undefined, "x86_64"));
    const loc = { shimBase: l.img.shimBase, rawOffset: l.img.shimParamsOffset, arch: "x86_64" as const, hvIsolation: false };
    const first = runBoot(own, loc);
    const bytes = own.memoryBytes();
    for (let i = 0; i < 2000; i++) runBoot(own, loc);
    expect(own.memoryBytes()).toBe(bytes);
    expect(runBoot(own, loc).partition).toEqual(first.partition);
  });
});
