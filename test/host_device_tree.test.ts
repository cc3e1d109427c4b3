import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildDeviceTree,
  buildMemoryMap,
  DeviceTreeBuildError,
  PARAVISOR_CONFIG_DEVICE_TREE_SIZE,
  type BuildDeviceTreeParams,
} from "../host/image/host_device_tree.js";
import { hostDeviceTreeFor, loadImage, parseImage, resolveVm } from "../host/image/load.js";
import { MemoryRange } from "../host/layout/memory_range.js";
import { buildX86Topology } from "../host/layout/processor_topology.js";
import { InputError } from "../host/errors.js";
import { countNodes, dtcDecode } from "./helpers/dtc.js";

const MB = 1n << 20n;
const GB = 1n << 30n;
const R = (s: bigint, e: bigint) => new MemoryRange(s, e);
const images = join(__dirname, "..", "images");

function params(over: Partial<BuildDeviceTreeParams> = {}): BuildDeviceTreeParams {
  return {
    vps: buildX86Topology({ count: 2, vpsPerSocket: 2 }),
    allRam: [{ range: R(0n, GB), vnode: 0 }],
    vtl2ProtectableRam: [R(128n * MB, 640n * MB)],
    vtl2BaseAddress: { type: "file" },
    commandLine: "console=ttyS0",
    withVmbusRedirect: false,
    comSerial: null,
    entropy: null,
    chipsetMmio: { low: R(0xf800_0000n, 0x1_0000_0000n), high: R(0x1_4000_0000n, 0x1_6000_0000n), vtl2: MemoryRange.EMPTY },
    ...over,
  };
}

const SMALL_DTS = `/dts-v1/;

/ {
	#address-cells = <0x02>;
	#size-cells = <0x02>;
	model = "microsoft,hyperv";

	cpus {
		#address-cells = <0x01>;
		#size-cells = <0x00>;

		cpu@1 {
			device_type = "cpu";
			reg = <0x00>;
			numa-node-id = <0x00>;
			status = "okay";
		};

		cpu@2 {
			device_type = "cpu";
			reg = <0x01>;
			numa-node-id = <0x00>;
			status = "okay";
		};
	};

	memory@28000000 {
		device_type = "memory";
		reg = <0x00 0x28000000 0x00 0x18000000>;
		microsoft,igvm-type = <0x00>;
		numa-node-id = <0x00>;
	};

	memory@8000000 {
		device_type = "memory";
		reg = <0x00 0x8000000 0x00 0x20000000>;
		microsoft,igvm-type = <0x03>;
		numa-node-id = <0x00>;
	};

	memory@0 {
		device_type = "memory";
		reg = <0x00 0x00 0x00 0x8000000>;
		microsoft,igvm-type = <0x00>;
		numa-node-id = <0x00>;
	};

	bus {
		compatible = "simple-bus";
		#address-cells = <0x02>;
		#size-cells = <0x02>;
		ranges;

		vmbus-vtl0@f8000000 {
			#address-cells = <0x02>;
			#size-cells = <0x02>;
			compatible = "microsoft,vmbus";
			ranges = <0x00 0xf8000000 0x00 0xf8000000 0x00 0x8000000 0x01 0x40000000 0x01 0x40000000 0x00 0x20000000>;
			microsoft,vtl = <0x00>;
			microsoft,message-connection-id = <0x01>;
		};

		vmbus-vtl2 {
			#address-cells = <0x02>;
			#size-cells = <0x02>;
			compatible = "microsoft,vmbus";
			ranges;
			microsoft,vtl = <0x02>;
			microsoft,message-connection-id = <0x04>;
		};
	};

	chosen {
		bootargs = "console=ttyS0";
	};

	openhcl {
		memory-allocation-mode = "host";

		keep-alive {
			device-types = "nvme";
		};
	};
};
`;

describe("build_device_tree", () => {
  it("writes OpenVMM's tree for 2 CPUs, 1 GiB, VTL2 at the file address", () => {
    const blob = buildDeviceTree(params());
    expect(dtcDecode(blob)).toBe(SMALL_DTS);
    // 1024-byte string table after the header and the one (0,0) reservation entry.
    const v = new DataView(blob.buffer, blob.byteOffset);
    expect([v.getUint32(16), v.getUint32(12), v.getUint32(8)]).toEqual([40, 56, 1080]);
    expect(v.getUint32(4)).toBe(blob.length);
  });

  it("sets boot_cpuid_phys to the BSP's APIC id and names CPUs by VP index + 1 in hex", () => {
    const vps = buildX86Topology({ count: 12, vpsPerSocket: 6, apicIdOffset: 16 });
    const blob = buildDeviceTree(params({ vps }));
    expect(new DataView(blob.buffer, blob.byteOffset).getUint32(28)).toBe(16);
    const dts = dtcDecode(blob);
    expect(dts).toContain("cpu@a {");
    expect(dts).toContain("cpu@c {");
    // socket 1 starts at APIC id 16 + 8 (6 VPs per socket reserve 8 ids)
    expect(dts).toMatch(/cpu@7 \{\n\t+device_type = "cpu";\n\t+reg = <0x18>;\n\t+numa-node-id = <0x01>;/);
  });

  it("uses connection id 0x800074 for VTL2 VMBus when VMBus is redirected", () => {
    expect(dtcDecode(buildDeviceTree(params({ withVmbusRedirect: true })))).toContain(
      "microsoft,message-connection-id = <0x800074>;",
    );
  });

  it("names vmbus-vtl2 after its private chipset MMIO", () => {
    const dts = dtcDecode(buildDeviceTree(params({ chipsetMmio: { ...params().chipsetMmio, vtl2: R(0x2_0000_0000n, 0x2_4000_0000n) } })));
    expect(dts).toContain("vmbus-vtl2@200000000 {");
    expect(dts).toContain("ranges = <0x02 0x00 0x02 0x00 0x00 0x40000000>;");
  });

  it("describes the COM port under a pio-bus", () => {
    const dts = dtcDecode(buildDeviceTree(params({ comSerial: { ioPort: 0x2f8, irq: 3 } })));
    expect(dts).toContain('serial@2f8 {\n\t\t\tcompatible = "ns16550";\n\t\t\tclock-frequency = <0x00>;\n\t\t\tcurrent-speed = <0x1c200>;');
    expect(dts).toContain("reg = <0x00 0x2f8 0x00 0x08>;\n\t\t\tinterrupts = <0x00 0x03>;");
  });

  it("reports VTL2 self-allocation with memory-size (when given) and a 128 MiB mmio-size", () => {
    const withSize = dtcDecode(buildDeviceTree(params({ vtl2BaseAddress: { type: "vtl2-allocate", size: GB } })));
    expect(withSize).toContain(
      'openhcl {\n\t\tmemory-size = <0x00 0x40000000>;\n\t\tmmio-size = <0x00 0x8000000>;\n\t\tmemory-allocation-mode = "vtl2";',
    );
    const noSize = dtcDecode(buildDeviceTree(params({ vtl2BaseAddress: { type: "vtl2-allocate", size: null } })));
    expect(noSize).toContain('openhcl {\n\t\tmmio-size = <0x00 0x8000000>;\n\t\tmemory-allocation-mode = "vtl2";');
    const layout = dtcDecode(buildDeviceTree(params({ vtl2BaseAddress: { type: "memory-layout", size: GB } })));
    expect(layout).toContain('openhcl {\n\t\tmemory-allocation-mode = "host";');
  });

  it("puts entropy bytes in openhcl/entropy reg, before keep-alive", () => {
    const dts = dtcDecode(buildDeviceTree(params({ entropy: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) })));
    expect(dts).toContain("entropy {\n\t\t\treg = <0x1020304 0x5060708>;\n\t\t};\n\n\t\tkeep-alive {");
  });

  it("writes Hyper-V host extensions only when asked", () => {
    const dts = dtcDecode(buildDeviceTree(params({ hostExtensions: { vtl0AliasMap: 1n << 46n, deviceDmaTotalPages: 0x800n } })));
    expect(dts).toContain('memory-allocation-mode = "host";\n\t\tvtl0-alias-map = <0x4000 0x00>;');
    expect(dts).toContain("device-dma {\n\t\t\ttotal-pages = <0x00 0x800>;");
    expect(dtcDecode(buildDeviceTree(params()))).not.toContain("vtl0-alias-map");
  });

  it("fails with the builder's out-of-space error past OpenVMM's 1 MiB buffer", () => {
    const allRam = Array.from({ length: 9000 }, (_, i) => ({ range: R(BigInt(i) * 2n * MB, BigInt(i) * 2n * MB + MB), vnode: 0 }));
    let err: unknown;
    try {
      buildDeviceTree(params({ vps: buildX86Topology({ count: 2048, vpsPerSocket: 32 }), allRam, vtl2ProtectableRam: [] }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceTreeBuildError);
    // upstream's Display is the `#[error]` text alone; the builder error is kept on the side
    expect((err as Error).message).toBe("building device tree for partition failed");
    expect((err as DeviceTreeBuildError).writerError.message).toBe("out of space");
  });
});

describe("build_memory_map", () => {
  it("splits RAM around the VTL2-protectable range and keeps each range's node", () => {
    const map = buildMemoryMap(
      [
        { range: R(0n, GB), vnode: 0 },
        { range: R(4n * GB, 6n * GB), vnode: 1 },
      ],
      [R(5n * GB, 5n * GB + 64n * MB), R(5n * GB + 32n * MB, 5n * GB + 128n * MB)],
    );
    expect(map.map((e) => [e.range.toString(), e.igvmType, e.vnode])).toEqual([
      ["0x0-0x40000000", 0, 0],
      ["0x100000000-0x140000000", 0, 1],
      ["0x140000000-0x148000000", 3, 1],
      ["0x148000000-0x180000000", 0, 1],
    ]);
  });

  it("treats a protectable range outside RAM as unreachable, as upstream does", () => {
    expect(() => buildMemoryMap([{ range: R(0n, GB), vnode: 0 }], [R(2n * GB, 3n * GB)])).toThrow(
      "internal error: entered unreachable code: vtl2 protectable range not in all RAM",
    );
  });
});

function inputError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  return "ok";
}

describe("image loader", () => {
  it.each([
    ["small.json", 4, 3],
    ["typical.json", 64, 4],
    ["vtl2-allocate.json", 8, 2],
    ["max.json", 2048, 817],
  ])("loads %s: %i CPUs and %i memory nodes, accepted by dtc", (file, cpus, mems) => {
    const img = loadImage(join(images, file));
    const dts = dtcDecode(img.hostDeviceTree);
    expect(countNodes(dts, "cpu@")).toBe(cpus);
    expect(countNodes(dts, "memory@")).toBe(mems);
    expect(img.hostDeviceTree.length).toBeLessThanOrEqual(PARAVISOR_CONFIG_DEVICE_TREE_SIZE);
  });

  it("places typical's RAM per node and its CPUs 32 per node", () => {
    const vm = loadImage(join(images, "typical.json")).vm!;
    expect(vm.memoryLayout.ram().map((r) => [r.range.toString(), r.vnode])).toEqual([
      ["0x0-0xf8000000", 0],
      ["0x100000000-0x2008000000", 0],
      ["0x2008000000-0x4008000000", 1],
    ]);
    expect(vm.vps.filter((v) => v.vnode === 1).map((v) => v.vpIndex)).toEqual(Array.from({ length: 32 }, (_, i) => 32 + i));
    expect(vm.vtl2ImageRange.toString()).toBe("0x40c0000000-0x40e0000000");
    expect(vm.memoryMap[vm.memoryMap.length - 1]!.igvmType).toBe(3);
  });

  it("max is the largest: one more RAM range no longer fits the 64-page area", () => {
    const json = JSON.parse(readFileSync(join(images, "max.json"), "utf8"));
    const ranges = json.vm.memory.ranges;
    const last = ranges[ranges.length - 1];
    const start = BigInt(last.end) + 2n * MB;
    ranges.push({ start: "0x" + start.toString(16), end: "0x" + (start + GB).toString(16), vnode: 63 });
    expect(inputError(() => hostDeviceTreeFor(resolveVm(parseImage(json).vm!)))).toBe(
      "<image>: vm: host device tree is 262172 bytes, larger than the 262144-byte (64 pages) device-tree parameter area: parameter too large for parameter area",
    );
  });

  it("rejects max-overflow with a clear input error naming the size", () => {
    expect(inputError(() => loadImage(join(images, "max-overflow.json")))).toMatch(
      /max-overflow\.json: vm: host device tree is 284528 bytes, larger than the 262144-byte \(64 pages\) device-tree parameter area/,
    );
  });

  const vm = (over: Record<string, unknown>) => ({ vm: { cpus: { count: 2 }, memory: { size: "0x40000000" }, ...over } });

  it.each([
    [{ vm: { cpus: { count: 4096 }, memory: { size: "0x40000000" } } }, /^<image>: vm\.cpus\.count: Too big/],
    [vm({ memory: { size: "0x40000000", nodeSizes: ["0x1000"] } }), /^<image>: vm\.memory: memory needs exactly one of/],
    [vm({ memory: { size: "0x1234" } }), /^<image>: vm\.memory: invalid memory size$/],
    [vm({ vtl2: { mode: "memory-layout", size: "0x20100000" } }), /^<image>: vm\.vtl2\.size: supplied vtl2 memory 537919488 is not aligned to 2MB$/],
    [
      vm({ vtl2: { mode: "memory-layout", size: "0x10000000" } }),
      /^<image>: vm\.vtl2\.size: supplied vtl2 memory 268435456 is smaller than igvm file VTL2 range 536870912$/,
    ],
    [
      { vm: { cpus: { count: 1 }, memory: { size: "0x10000000" }, vtl2: { mode: "file" } } },
      /^<image>: vm\.vtl2\.range: missing required memory range 0x10000000-0x28000000$/,
    ],
    [vm({ vtl2: { mode: "absolute" } }), /^<image>: vm\.vtl2\.range: absolute mode needs the VTL2 range$/],
    [vm({ cpus: { count: 4, numaNodeVps: [[0, 1], [1, 2, 3]] } }), /^<image>: vm\.cpus: node 1: VP 1 assigned to multiple nodes$/],
    [vm({ cpus: { count: 4, numaNodeVps: [[0, 1], [3]] } }), /^<image>: vm\.cpus: VP 2 not assigned to any NUMA node$/],
    [vm({ memory: { size: "0x40000000", mmioGaps: [{ start: "0x10000", end: "0x10800" }] } }), /^<image>: vm\.memory\.mmioGaps\.0: unaligned or invalid memory range: 0x10000-0x10800$/],
    [vm({ bootargs: "a\u0000b" }), /^<image>: vm\.bootargs: command line contains an embedded NUL byte at offset 1$/],
    [{ hostDeviceTree: "x.dtb", vm: { cpus: { count: 1 }, memory: { size: "0x40000000" } } }, /^<image>: \(image\): an image needs exactly one of/],
  ])("rejects bad VM descriptions with an input error naming the field (%#)", (json, re) => {
    expect(inputError(() => {
      const img = parseImage(json);
      return hostDeviceTreeFor(resolveVm(img.vm!));
    })).toMatch(re);
  });

  it("names the file when it is missing or not JSON", () => {
    expect(inputError(() => loadImage("/nonexistent/img.json"))).toBe("cannot read /nonexistent/img.json: no such file");
    expect(inputError(() => loadImage(join(__dirname, "helpers", "dtc.ts")))).toMatch(/dtc\.ts: invalid JSON: /);
  });

  it("prefixes the VTL2 framebuffer base to bootargs", () => {
    const v = resolveVm(parseImage(vm({ bootargs: "x", vtl2FramebufferGpaBase: "0x1000" })).vm!);
    expect(v.commandLine).toBe("OPENHCL_FRAMEBUFFER_GPA_BASE=4096 x");
  });
});

describe("host device tree invariants", () => {
  const vmArb = fc.record({
    count: fc.integer({ min: 1, max: 300 }),
    nodes: fc.integer({ min: 1, max: 8 }),
    nodeGb: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
    allocate: fc.boolean(),
    redirect: fc.boolean(),
    serial: fc.boolean(),
    apicIdOffset: fc.integer({ min: 0, max: 64 }),
  });

  it("dtc decodes every generated tree with one cpu@ per VP and one memory@ per map entry", () => {
    fc.assert(
      fc.property(vmArb, (a) => {
        const json = {
          vm: {
            cpus: { count: a.count, numaNodes: a.nodes, apicIdOffset: a.apicIdOffset },
            memory: { nodeSizes: a.nodeGb.map((g) => "0x" + (BigInt(g) * GB).toString(16)) },
            vtl2: a.allocate ? { mode: "vtl2-allocate" } : { mode: "memory-layout" },
            vmbusRedirect: a.redirect,
            ...(a.serial ? { comSerial: { ioPort: 0x3f8, irq: 4 } } : {}),
          },
        };
        const v = resolveVm(parseImage(json).vm!);
        const dts = dtcDecode(hostDeviceTreeFor(v));
        expect(countNodes(dts, "cpu@")).toBe(a.count);
        // memory-layout mode adds the VTL2 range as its own memory node above RAM.
        expect(countNodes(dts, "memory@")).toBe(v.memoryLayout.ram().length + (a.allocate ? 0 : 1));
        expect(countNodes(dts, "memory@")).toBe(v.memoryMap.length);
        const vnodes = [...dts.matchAll(/numa-node-id = <0x([0-9a-f]+)>/g)].map((m) => parseInt(m[1]!, 16));
        expect(Math.max(...vnodes)).toBeLessThan(Math.max(a.nodes, a.nodeGb.length));
        expect(dts.includes("memory-allocation-mode = \"vtl2\"")).toBe(a.allocate);
        expect(dts.includes("<0x800074>")).toBe(a.redirect);
      }),
      { numRuns: 40 },
    );
  });
});
