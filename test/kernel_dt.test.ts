import { describe, it, expect, beforeAll } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { runHandoff, type HandoffInput } from "../host/shim/handoff.js";
import { partition, GB, hv, BOUNCE_BUFFER } from "./helpers/handoff.js";
import { dtcDecode } from "./helpers/dtc.js";
import { load, boot } from "./helpers/boot.js";
import { panicOf } from "./helpers/panic.js";

describe("write_dt", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadShim();
  });

  it("writes CPUs, VTL2 memory, VMBus, sidecar nodes, boot times and the /openhcl memory map", () => {
    const input: HandoffInput = { ...partition(64, 2), entropy: new Uint8Array([1, 2, 3, 4, 5]), vtl0AliasMap: 1n << 46n, importedRegions: [{ start: 0x1000n, end: 0x3000n, accepted: true }] };
    const r = runHandoff(shim, input, hv({ vtl0AliasMapAvailable: true, referenceTime: { start: "0x1000", step: "0x10" } }));
    const s = dtcDecode(r.dtb);
    expect(s).toContain('compatible = "microsoft,openvmm";');
    expect(s).toContain("reftime_boot_start = <0x00 0x1000>;");
    expect(s).toContain("reftime_sidecar_start = <0x00 0x1010>;");
    expect(s).toContain("reftime_sidecar_end = <0x00 0x1020>;");
    expect(s).toContain("reftime_boot_end = <0x00 0x1030>;");
    expect(s).toContain('hypervisor {\n\t\tcompatible = "microsoft,hyperv";');
    expect(s).toContain('cpu@1 {\n\t\t\tdevice_type = "cpu";\n\t\t\tnuma-node-id = <0x00>;\n\t\t\treg = <0x00>;\n\t\t\tstatus = "okay";');
    expect(s).toContain("cpu@64 {");
    expect(s).toContain('memory@40000000 {\n\t\tdevice_type = "memory";\n\t\treg = <0x00 0x40000000 0x00 0x1000000>;\n\t\tnuma-node-id = <0x00>;');
    expect(s).toContain('vmbus {\n\t\t\t#address-cells = <0x02>;\n\t\t\t#size-cells = <0x02>;\n\t\t\tdma-coherent;\n\t\t\tcompatible = "microsoft,vmbus";\n\t\t\tmicrosoft,vtl = <0x02>;\n\t\t\tmicrosoft,message-connection-id = <0x04>;\n\t\t\tranges = <0x0f 0xf0000000 0x0f 0xf0000000 0x00 0x10000000>;');
    const ctrl = r.sidecar!.nodes[1]!.controlPage;
    expect(s).toContain(`sidecar@${ctrl.toString(16)} {\n\t\t\tcompatible = "microsoft,openhcl-sidecar";`);
    expect(s).toContain('reg-names = "ctrl\\0shmem";');
    expect(s).toContain('isolation-type = "none";');
    expect(s).toContain('memory-allocation-mode = "host";');
    expect(s).toContain("vtl0-alias-map = <0x4000 0x00>;");
    // VTL0 memory below VTL2, the sidecar node memory tagged VTL2_SIDECAR_NODE (4), then VTL2 RAM (1)
    expect(s).toContain('memory@0 {\n\t\t\tdevice_type = "memory-openhcl";\n\t\t\treg = <0x00 0x00 0x00 0x40000000>;\n\t\t\tnuma-node-id = <0x00>;\n\t\t\tmicrosoft,igvm-type = <0x00>;\n\t\t\topenhcl,memory-type = <0x00>;');
    expect(s).toContain('memory@40000000 {\n\t\t\tdevice_type = "memory-openhcl";\n\t\t\treg = <0x00 0x40000000 0x00 0x1a1000>;\n\t\t\tnuma-node-id = <0x00>;\n\t\t\tmicrosoft,igvm-type = <0x06>;\n\t\t\topenhcl,memory-type = <0x04>;');
    expect(s).toContain('memory@401a1000 {\n\t\t\tdevice_type = "memory-openhcl";\n\t\t\treg = <0x00 0x401a1000 0x00 0xe5f000>;\n\t\t\tnuma-node-id = <0x00>;\n\t\t\tmicrosoft,igvm-type = <0x06>;\n\t\t\topenhcl,memory-type = <0x01>;');
    expect(s).toContain('memory@e0000000 {\n\t\t\tdevice_type = "memory-openhcl";\n\t\t\treg = <0x00 0xe0000000 0x00 0x10000000>;\n\t\t\topenhcl,memory-type = <0x05>;');
    expect(s).toContain("openhcl,memory-type = <0x06>;");
    expect(s).toContain("accepted-memory@1000 {\n\t\t\treg = <0x00 0x1000 0x00 0x2000>;");
    expect(s).toContain("entropy {\n\t\t\treg = [01 02 03 04 05];");
    // the sidecar node memory is in the reservation map
    expect(s).toContain(`/memreserve/\t0x0000000040000000 0x00000000001a1000;`);
  });

  it("writes 2048 CPUs (upstream fdt_cpu_scaling) within the 256 KiB buffer, in linear time", () => {
    const t0 = performance.now();
    const r = runHandoff(shim, partition(2048, 64), hv());
    const ms = performance.now() - t0;
    expect(r.dtb.length).toBeLessThan(256 * 1024 - 16);
    const s = dtcDecode(r.dtb);
    expect(s.match(/cpu@\d+ \{/g)!.length).toBe(2048);
    expect(s.match(/sidecar@[0-9a-f]+ \{/g)!.length).toBe(64);
    expect(ms).toBeLessThan(2000);
  });

  it("writes the TDX wakeup mailbox and the vtl2 allocation mode", () => {
    const r = runHandoff(shim, { ...partition(2, 1), isolation: "tdx", bounceBuffer: BOUNCE_BUFFER, memoryAllocationMode: { mode: "vtl2", memorySize: 0x4000_0000n, mmioSize: null } }, hv());
    const s = dtcDecode(r.dtb);
    expect(s).toContain('reserved-memory {\n\t\t#address-cells = <0x02>;\n\t\t#size-cells = <0x01>;\n\t\tranges;\n\n\t\twakeup_table@fffff000 {\n\t\t\tcompatible = "intel,wakeup-mailbox";\n\t\t\treg = <0x00 0xfffff000 0x1000>;');
    expect(s).toContain('isolation-type = "tdx";');
    expect(s).toContain('memory-allocation-mode = "vtl2";\n\t\tmemory-size = <0x00 0x40000000>;');
    expect(s).not.toContain("mmio-size");
  });

  it("panics when a VTL2 range lies outside partition RAM", () => {
    const input = partition(2, 1);
    input.partitionRam = [{ start: 0n, end: GB, vnode: 0, memType: 0 }];
    expect(() => runHandoff(shim, input, hv())).toThrow("vtl2 range MemoryRange { start: 1073741824, end: 1073852416 } not contained in partition ram");
  });

  it("panics with Fdt(OutOfSpace) when the tree does not fit in 256 KiB", () => {
    const input = partition(2048, 64);
    // 958 VTL0 partition ranges below VTL2 memory plus 168 accepted ranges (a full imported-regions
    // page) on top of 2048 CPUs
    const low = Array.from({ length: 958 }, (_, i) => ({ start: BigInt(i) * 0x10_0000n, end: BigInt(i + 1) * 0x10_0000n, vnode: 0, memType: 0 }));
    input.partitionRam = [...low, ...input.partitionRam.slice(1)];
    input.importedRegions = Array.from({ length: 168 }, (_, i) => ({ start: BigInt(i) * 0x1000n, end: BigInt(i + 1) * 0x1000n, accepted: true }));
    expect(() => runHandoff(shim, input)).toThrow("called `Result::unwrap()` on an `Err` value: Fdt(OutOfSpace)");
    input.importedRegions = input.importedRegions.slice(0, 16);
    input.partitionRam = [...low.slice(0, 300), ...input.partitionRam.slice(958)];
    expect(dtcDecode(runHandoff(shim, input).dtb)).toContain("memory@12b00000 {");
  });

  it("fills exactly the 256 KiB setup_data page minus its 16-byte header (262128 bytes), not one cell more", () => {
    // Upstream's Fdt is FDT_SIZE (256 KiB) with a 16-byte setup_data header in front of the blob
    // buffer. Grow the tree in /openhcl memory nodes until the next one would not fit, then pad with
    // the entropy node (28 bytes + the data rounded up to 4) to exactly 262128 bytes.
    const CAP = 256 * 1024 - 16;
    const base = partition(2048, 64);
    const withLow = (k: number, entropy?: number): HandoffInput => ({
      ...base,
      partitionRam: [
        ...Array.from({ length: k }, (_, i) => ({ start: BigInt(i) * 0x10_0000n, end: BigInt(i + 1) * 0x10_0000n, vnode: 0, memType: 0 })),
        ...base.partitionRam.slice(1),
      ],
      entropy: entropy === undefined ? null : new Uint8Array(entropy).fill(0xa5),
    });
    const size = (i: HandoffInput): number | null => {
      try {
        return runHandoff(shim, i).dtb.length;
      } catch (e) {
        expect(String(e)).toContain("Fdt(OutOfSpace)");
        return null;
      }
    };
    let k = 0;
    let step = 256;
    while (step >= 1) {
      if (size(withLow(k + step)) !== null) k += step;
      else step >>= 1;
    }
    let slack = CAP - size(withLow(k))!;
    while (slack < 28) slack = CAP - size(withLow(--k))!;
    expect(slack).toBeLessThanOrEqual(28 + 256);
    const e = slack - 28;
    expect(size(withLow(k, e))).toBe(CAP);
    expect(size(withLow(k, e + 1))).toBeNull();
  });

  it("images/fail-kernel-dt-overflow.json overflows the kernel device tree as the real shim would (Fdt(OutOfSpace))", () => {
    // 2048 x86 CPU nodes alone take 999 * 84 + 1049 * 88 bytes of structure (cpu@1..cpu@999 names
    // fit 8 bytes, cpu@1000.. need 12), and each of the 816 RAM ranges yields at least one
    // /openhcl memory node of >= 128 bytes: more than the 262128-byte buffer upstream has too.
    const l = load("fail-kernel-dt-overflow.json");
    const cpuBytes = 999 * 84 + 1049 * 88;
    expect(cpuBytes + 816 * 128).toBeGreaterThan(256 * 1024 - 16);
    expect(panicOf(() => boot(shim, l))).toBe("called `Result::unwrap()` on an `Err` value: Fdt(OutOfSpace)");
  });

  it("stops at the first builder error: a VTL2 range outside partition RAM after it does not panic", () => {
    // Upstream's `?` returns Fdt(OutOfSpace) from the walk before it reaches the VTL2-only piece.
    const input = partition(2048, 64);
    input.partitionRam = Array.from({ length: 958 }, (_, i) => ({ start: BigInt(i) * 0x10_0000n, end: BigInt(i + 1) * 0x10_0000n, vnode: 0, memType: 0 }));
    expect(() => runHandoff(shim, input)).toThrow("called `Result::unwrap()` on an `Err` value: Fdt(OutOfSpace)");
    // The same walk with room left reaches the VTL2 range and panics.
    input.partitionRam = input.partitionRam.slice(0, 10);
    expect(() => runHandoff(shim, input)).toThrow(/^vtl2 range MemoryRange \{ start: 1073741824, end: \d+ \} not contained in partition ram$/);
  });

  it("walks partition RAM against VTL2 ranges as walk_ranges does: unsorted partition RAM hits its assertion", () => {
    const input = partition(2, 1);
    input.partitionRam = [input.partitionRam[1]!, input.partitionRam[0]!, input.partitionRam[2]!];
    expect(() => runHandoff(shim, input, hv())).toThrow("left not sorted");
  });
});

describe("write_dt on aarch64", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadShim();
  });

  it("writes CPUs by MPIDR with PSCI, the default GIC, timer, PMU, VMBus interrupts and /chosen", () => {
    const input: HandoffInput = { ...partition(4, 1), arch: "aarch64", cmdline: "x=1" };
    input.cpus = input.cpus.map((c, i) => ({ ...c, reg: 0x100n * BigInt(i) }));
    const h = hv();
    h.setVpTopology(input.cpus.map((c) => BigInt(c.reg)));
    const r = runHandoff(shim, input, h);
    const s = dtcDecode(r.dtb);
    expect(s).toContain('cpu@1 {\n\t\t\tdevice_type = "cpu";\n\t\t\tnuma-node-id = <0x00>;\n\t\t\treg = <0x00 0x00>;\n\t\t\tcompatible = "arm,arm-v8";\n\t\t\tenable-method = "psci";\n\t\t\tstatus = "okay";');
    expect(s).toContain('cpu@2 {\n\t\t\tdevice_type = "cpu";\n\t\t\tnuma-node-id = <0x00>;\n\t\t\treg = <0x00 0x100>;\n\t\t\tcompatible = "arm,arm-v8";\n\t\t\tenable-method = "psci";\n\t\t\tstatus = "disabled";');
    expect(s).toContain('psci {\n\t\tcompatible = "arm,psci-0.2";\n\t\tmethod = "hvc";\n\t\tcpu_off = <0x01>;\n\t\tcpu_on = <0x02>;');
    expect(s).toContain(`intc@${0xffff0000} {\n\t\tcompatible = "arm,gic-v3";`);
    expect(s).toContain("reg = <0x00 0xffff0000 0x00 0x10000 0x00 0xeffee000 0x00 0x80000>;");
    expect(s).toContain('timer {\n\t\tcompatible = "arm,armv8-timer";\n\t\tinterrupt-parent = <0x01>;\n\t\tinterrupt-names = "virt";\n\t\tinterrupts = <0x01 0x04 0x08>;\n\t\talways-on;');
    expect(s).toContain('pmu {\n\t\tcompatible = "arm,armv8-pmuv3";\n\t\tinterrupts = <0x01 0x07 0x04>;');
    expect(s).toContain("interrupt-parent = <0x01>;\n\t\t\tinterrupts = <0x01 0x02 0x01>;");
    expect(s).toContain('chosen {\n\t\tbootargs = "' + r.kernelCommandLine + '";');
    expect(r.kernelCommandLine.endsWith("x=1")).toBe(true);
    expect(r.sidecar).toBeNull();
  });

  it("uses the host's PMU GSIV and panics outside the PPI range", () => {
    const ok = runHandoff(shim, { ...partition(1, 1), arch: "aarch64", pmuGsiv: 0x18 }, hv());
    expect(dtcDecode(ok.dtb)).toContain("interrupts = <0x01 0x08 0x04>;");
    expect(() => runHandoff(shim, { ...partition(1, 1), arch: "aarch64", pmuGsiv: 40 }, hv())).toThrow("PMU GSIV must be a PPI in [16, 32) range");
  });

  it("checks the host GIC sizes against the architecture's", () => {
    const gic = { distributorBase: 0x1000_0000n, distributorSize: 0x1_0000n, redistributorsBase: 0x2000_0000n, redistributorsSize: 0x2_0000n, redistributorStride: 0x2_0000n };
    const r = runHandoff(shim, { ...partition(1, 1), arch: "aarch64", gic }, hv());
    expect(dtcDecode(r.dtb)).toContain(`intc@${0x1000_0000} {`);
    expect(() => runHandoff(shim, { ...partition(2, 1), arch: "aarch64", gic }, hv())).toThrow("assertion `left == right` failed\n  left: 131072\n right: 262144");
  });

  it("returns Fdt(OutOfSpace) from the CPU nodes before the GIC and PMU assertions run", () => {
    // 2048 aarch64 CPU nodes (reg, compatible, enable-method, status) overflow the buffer; upstream's
    // `?` returns before checking the GIC sizes or the PMU GSIV. VTL 0 skips the VP index check.
    const gic = { distributorBase: 0x1000_0000n, distributorSize: 0x1000n, redistributorsBase: 0x2000_0000n, redistributorsSize: 0x2_0000n, redistributorStride: 0x2_0000n };
    const oos = "called `Result::unwrap()` on an `Err` value: Fdt(OutOfSpace)";
    expect(() => runHandoff(shim, { ...partition(2048, 64), arch: "aarch64", gic }, hv({ vtl: 0 }))).toThrow(oos);
    expect(() => runHandoff(shim, { ...partition(2048, 64), arch: "aarch64", pmuGsiv: 40 }, hv({ vtl: 0 }))).toThrow(oos);
    // With room, the same inputs reach the assertions.
    expect(() => runHandoff(shim, { ...partition(4, 1), arch: "aarch64", gic }, hv({ vtl: 0 }))).toThrow("assertion `left == right` failed\n  left: 4096\n right: 65536");
  });
});
