// The two upstream pins side by side (docs/UPSTREAM.md): pin resolution, the behavior both boot
// cores share, and each 1488a37 change against 37a2806, named by upstream commit. Also the
// cross-version servicing round trips and `diff-upstream`.
import { describe, it, expect, beforeAll } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { loadImage } from "../host/image/load.js";
import { bootImage, prepareGuest, prepareImage, bootPrepared } from "../host/harness/boot.js";
import type { ShimPanic } from "../host/wasm/loader.js";
import { serviceImage } from "../host/harness/service.js";
import { diffUpstream } from "../host/harness/diff_upstream.js";
import { parseBootCommandLine } from "../host/shim/cmdline.js";
import { tryParseHostDt } from "../host/shim/host_fdt.js";
import { resolveUpstream, UPSTREAM_PINS, type UpstreamPin } from "../host/upstream.js";
import { InputError } from "../host/errors.js";
import { IMAGES } from "./helpers/boot.js";
import { dtcDecode } from "./helpers/dtc.js";
import { failureOf } from "./helpers/panic.js";

const OLD: UpstreamPin = "37a2806";
const NEW: UpstreamPin = "1488a37";
const shims = {} as Record<UpstreamPin, Shim>;
const testShims = {} as Record<UpstreamPin, Shim>;
const image = (name: string) => loadImage(join(IMAGES, name));
const boot = (pin: UpstreamPin, name: string) => bootImage(image(name), { shim: shims[pin] });

beforeAll(async () => {
  for (const pin of UPSTREAM_PINS) {
    shims[pin] = await loadShim({ upstream: pin });
    testShims[pin] = await loadShim({ upstream: pin, surface: "test" });
  }
});

describe("resolveUpstream", () => {
  it("accepts the short names and any 7+ digit prefix of the full commits", () => {
    expect(resolveUpstream("37a2806")).toBe(OLD);
    expect(resolveUpstream("1488A37B7CFE")).toBe(NEW);
    expect(resolveUpstream("37a2806042dd2a3ea183f1dcdb3684e0b83d816f")).toBe(OLD);
  });

  it("rejects an unknown version with an input error listing the known ones", () => {
    expect(() => resolveUpstream("deadbee")).toThrow(InputError);
    expect(() => resolveUpstream("37a28")).toThrow(
      '--upstream: unknown upstream version "37a28"; known: 1488a37 (1488a37b7cfe596c8fd72bbf7d2bb3af3f99aea6, 2026-08-21), 37a2806 (37a2806042dd2a3ea183f1dcdb3684e0b83d816f, 2026-06)',
    );
  });

  it("loads one boot core per pin, each knowing its pin", () => {
    expect(shims[OLD].upstream).toBe(OLD);
    expect(shims[NEW].upstream).toBe(NEW);
    expect(shims[OLD].exports).not.toBe(shims[NEW].exports);
  });
});

describe.each(UPSTREAM_PINS)("behavior both pins share (%s)", (pin) => {
  it("parses every image's host device tree as the other pin does", () => {
    for (const name of ["small.json", "typical.json", "aarch64.json", "sidecar-2048.json", "vtl2-allocate.json"]) {
      const dt = image(name).hostDeviceTree;
      expect(tryParseHostDt(testShims[pin], dt)).toEqual(tryParseHostDt(testShims[OLD], dt));
    }
  });

  it("parses boot command lines as the other pin does, NVMe keepalive aside (9174a491d)", () => {
    for (const line of ["", "OPENHCL_SIDECAR=off", "OPENHCL_SIDECAR=on,log", "OPENHCL_ENABLE_VTL2_GPA_POOL=512 OPENHCL_VTL2_GPA_POOL_NUMA=split", "OPENHCL_CONFIDENTIAL_DEBUG=1"]) {
      const { disableNvmeKeepAlive: _a, ...mine } = parseBootCommandLine(testShims[pin], line);
      const { disableNvmeKeepAlive: _b, ...old } = parseBootCommandLine(testShims[OLD], line);
      expect(mine).toEqual(old);
    }
  });

  it("keeps VTL2 RAM, partition RAM, MMIO and the pool of every booting image", () => {
    for (const name of ["small.json", "typical.json", "pool.json", "pool-numa-split.json", "vtl2-allocate.json", "vtl2-mmio-carved.json", "snp.json", "tdx.json", "aarch64.json"]) {
      const a = boot(pin, name).output;
      const b = boot(OLD, name).output;
      for (const f of ["vtl2Ram", "partitionRam", "vtl0Mmio", "vtl2Mmio", "cpuCount", "memoryAllocationMode"] as const) expect(a[f]).toEqual(b[f]);
      expect(a.addressSpace.filter((r) => r.type === "VTL2_GPA_POOL")).toEqual(b.addressSpace.filter((r) => r.type === "VTL2_GPA_POOL"));
    }
  });

  it("fails the same failing images with the same message where no layout address is in it", () => {
    for (const name of ["fail-vnode-exhausted.json", "fail-vtl2-mmio-too-small.json", "fail-vtl2-ram-below-measured.json"]) {
      expect(failureOf(() => boot(pin, name)).message).toBe(failureOf(() => boot(OLD, name)).message);
    }
  });
});

describe("61fd38fe6: the 256-page expected-hashes region (host layout and shim diagnostics)", () => {
  it("makes VTL2_CONFIG's parameter region 0x102000 bytes longer on 1488a37, moving what follows it", () => {
    const cfg = (pin: UpstreamPin) => boot(pin, "small.json").output.addressSpace.filter((r) => r.type === "VTL2_CONFIG").at(-1)!;
    expect(cfg(OLD)).toEqual({ start: "0x1c0caf000", end: "0x1c0cb1000", vnode: 0, type: "VTL2_CONFIG" });
    expect(cfg(NEW)).toEqual({ start: "0x1c0caf000", end: "0x1c0db1000", vnode: 0, type: "VTL2_CONFIG" });
  });

  it("writes the EPHS header and one SHA-384 per shared page, and lists the region as an accepted import", () => {
    const { guest, vtl2 } = prepareGuest(image("snp.json"), undefined, NEW);
    const pr = vtl2.params.parameterRegionStart;
    const head = new Uint8Array(16);
    guest.readAt(pr + 106n * 0x1000n, head);
    const dv = new DataView(head.buffer);
    expect([dv.getUint32(0, true), dv.getUint32(4, true), dv.getUint32(8, true)]).toEqual([0x53485045, 1, 2560]);
    expect(vtl2.importedRegions).toContainEqual({ basePageNumber: pr / 0x1000n + 106n, pageCount: 256n, accepted: true });
    const old = prepareGuest(image("snp.json"), undefined, OLD);
    expect(old.vtl2.importedRegions.length).toBe(vtl2.importedRegions.length - 1);
  });

  it("logs DIAG_EXPECTED_HASHES_META in setup_vtl2_memory of isolated x86 boots only", () => {
    expect(boot(NEW, "snp.json").output.bootLog).toContain("[INFO] DIAG_EXPECTED_HASHES_META loader_count=2560");
    expect(boot(NEW, "tdx.json").output.bootLog).toContain("[INFO] DIAG_EXPECTED_HASHES_META loader_count=2560");
    expect(boot(NEW, "small.json").output.bootLog.some((l) => l.includes("DIAG_"))).toBe(false);
    expect(boot(OLD, "snp.json").output.bootLog.some((l) => l.includes("DIAG_"))).toBe(false);
  });

  it("reports an imported-regions hash mismatch with the DIAG_* records before the panic", () => {
    const corrupt = (pin: UpstreamPin) => {
      const p = prepareImage(image("snp.json"), undefined, pin);
      // One byte of the kernel's second page (the kernel is the first pending region).
      p.guest.writeAt(p.vtl2.layout.kernel.start + 0x1034n, new Uint8Array([0x5a]));
      return failureOf(() => bootPrepared(p, { shim: shims[pin] })) as ShimPanic;
    };
    const now = corrupt(NEW);
    expect(now.message).toBe("Imported regions hash mismatch");
    const diag = now.log.filter((l) => l.startsWith("[ERROR] DIAG_"));
    expect(diag[0]).toMatch(/^\[ERROR\] DIAG_COMBINED_PHASE_C combined_phase_c=[0-9a-f]{96} expected=[0-9a-f]{96}$/);
    expect(diag[1]).toMatch(/^\[ERROR\] DIAG_VERDICT combined_phase_a differs from expected: phase_a=[0-9a-f]{96} expected=[0-9a-f]{96} \(host loaded incorrect data into shared pages\)$/);
    expect(diag[2]).toBe("[ERROR] DIAG_VERDICT all 5 tracked chunks unchanged phase_a -> phase_c (combined mismatch is likely a layout/order/hashing disagreement)");
    expect(diag[3]).toBe("[ERROR] DIAG_PAGE_HASH_SUMMARY shim_seen=2560 bad=1 loader_count=2560 overflow=false");
    expect(diag[4]).toBe("[ERROR] DIAG_PAGE_HASH_BITMAP total_pages=2560 bad=1 bitmap=02" + "0".repeat(638));
    expect(diag[5]).toBe("[ERROR] DIAG_PAGE_HASH_RANGES total_pages=2560 bad=1 ranges=0x1");
    expect(diag[6]).toMatch(/^\[ERROR\] DIAG_PAGE_HASH_BAD_BEGIN idx=1 gpa=0x[0-9a-f]+ shim_hash=[0-9a-f]{96} expected_hash=[0-9a-f]{96} len=0x1000$/);
    expect(diag[7]).toMatch(/^\[ERROR\] DIAG_PAGE_HASH_BAD_LINE idx=1 gpa=0x[0-9a-f]+ offset=0x0000 bytes=[0-9a-f]{128}$/);
    // The corrupted byte (offset 0x34) as the dump shows it; the next lines are at 0x0040, ...
    expect(diag[7]!.split("bytes=")[1]!.slice(0x34 * 2, 0x34 * 2 + 2)).toBe("5a");
    expect(diag[8]).toContain(" offset=0x0040 ");
    expect(diag[70]).toContain(" offset=0x0fc0 ");
    expect(diag.length).toBe(7 + 64 + 1);
    expect(diag.at(-1)).toMatch(/^\[ERROR\] DIAG_PAGE_HASH_BAD_END idx=1 gpa=0x[0-9a-f]+$/);
    expect(corrupt(OLD).log.some((l) => l.includes("DIAG_"))).toBe(false);
  });

  it("with confidential debug, an initrd CRC mismatch logs and panics with the diagnostic", () => {
    // The host command line is trusted on a non-isolated VM: OPENHCL_CONFIDENTIAL_DEBUG=1 turns the
    // diagnostic on. ShimParamsRaw.initrd_crc (byte 32 of the raw struct) is made wrong.
    const withCrc = (pin: UpstreamPin, confidential: boolean) => {
      const dir = mkdtempSync(join(tmpdir(), "hclboot-crc-"));
      const raw = JSON.parse(readFileSync(join(IMAGES, "small.json"), "utf8"));
      raw.vm.bootargs = confidential ? "OPENHCL_CONFIDENTIAL_DEBUG=1" : "";
      writeFileSync(join(dir, "i.json"), JSON.stringify(raw));
      const p = prepareImage(loadImage(join(dir, "i.json")), undefined, pin);
      p.guest.writeAt(p.vtl2.shimBase + p.vtl2.shimParamsOffset + 32n, new Uint8Array([1, 0, 0, 0]));
      return failureOf(() => bootPrepared(p, { shim: shims[pin] }));
    };
    const diag = withCrc(NEW, true) as ShimPanic;
    expect(diag.message).toMatch(
      /^initrd crc mismatch: iso=None base=0x[0-9a-f]+ size=0x0 exp=0x1 got=0x0 got2=0x0 head=\[\] tail=\[\] eighths=\[0x0,0x0,0x0,0x0,0x0,0x0,0x0,0x0\]$/,
    );
    expect(diag.log.at(-2)).toBe(`[ERROR] ${diag.message}`);
    expect(withCrc(NEW, false).message).toMatch(/^assertion `left == right` failed: computed initrd crc/);
    expect(withCrc(OLD, true).message).toMatch(/^assertion `left == right` failed: computed initrd crc/);
  });
});

describe("9174a491d: NVMe keepalive on by default", () => {
  it("starts enabled and is disabled only by a value other than 0 on 1488a37", () => {
    const d = (pin: UpstreamPin, ...lines: string[]) => parseBootCommandLine(testShims[pin], ...lines).disableNvmeKeepAlive;
    expect([d(OLD, ""), d(NEW, "")]).toEqual([true, false]);
    expect([d(OLD, "OPENHCL_DISABLE_NVME_KEEP_ALIVE=0"), d(NEW, "OPENHCL_DISABLE_NVME_KEEP_ALIVE=0")]).toEqual([false, false]);
    expect([d(OLD, "OPENHCL_DISABLE_NVME_KEEP_ALIVE=1"), d(NEW, "OPENHCL_DISABLE_NVME_KEEP_ALIVE=1")]).toEqual([true, true]);
  });

  it("drops `disabled,` from OPENHCL_NVME_KEEP_ALIVE= of a default boot", () => {
    expect(boot(OLD, "small.json").output.kernelCommandLine).toContain(" OPENHCL_NVME_KEEP_ALIVE=disabled,host,privatepool ");
    expect(boot(NEW, "small.json").output.kernelCommandLine).toContain(" OPENHCL_NVME_KEEP_ALIVE=host,privatepool ");
  });
});

describe("8aca5df3e + 103d1be96 + d61be5c43: sidecar on a servicing restore", () => {
  it("keeps mapped-interrupt CPUs off sidecar too (images/servicing-small.json saves [1] and [2])", () => {
    expect(boot(OLD, "servicing-small.json").output.bootLog).toContain("[INFO] sidecar: excluding CPUs [2] due to outstanding IO");
    expect(boot(NEW, "servicing-small.json").output.bootLog).toContain("[INFO] sidecar: excluding CPUs [1, 2] due to restored NVMe device state");
  });

  it("skips a node whose APs are all kernel-started and logs each created node and boot_cpus=", () => {
    const run = (pin: UpstreamPin) => serviceImage(image("sidecar-remote.json"), { shim: shims[pin], ioCpus: [3, 1, 2, 4, 5, 6, 7], noIoCpus: [2] }).output.second;
    const old = run(OLD);
    expect(old.sidecar!.nodes.map((n) => n.baseVp)).toEqual([0, 8]);
    const now = run(NEW);
    expect(now.sidecar!.nodes.map((n) => [n.baseVp, n.vpCount])).toEqual([[8, 8]]);
    expect(now.bootLog).toContain("[INFO] sidecar: node at base VP 0 (8 VPs) has no sidecar-started APs; kernel-starting all of them");
    expect(now.bootLog).toContain("[INFO] sidecar: created node index=0 base_vp=8 vp_count=8 vnode=1");
    expect(now.bootLog).toContain("[INFO] sidecar starting, 1 nodes, 16 cpus, 0x69000 total bytes");
    expect(now.bootLog).toContain("[INFO] sidecar: boot_cpus parameter: boot_cpus=0,1,2,3,4,5,6,7,8");
    expect(now.kernelCommandLine).toContain(" boot_cpus=0,1,2,3,4,5,6,7,8 ");
  });

  it("disables sidecar when every node is left empty", () => {
    const all = Array.from({ length: 16 }, (_, i) => i);
    const now = serviceImage(image("sidecar-remote.json"), { shim: shims[NEW], ioCpus: all }).output.second;
    expect(now.sidecar).toBeNull();
    expect(now.bootLog).toContain("[INFO] sidecar: no nodes have sidecar-started APs; disabling sidecar");
  });

  it("logs every node of a first boot with boot_cpus= (images/sidecar-2048.json: 64 nodes)", () => {
    const log = boot(NEW, "sidecar-2048.json").output.bootLog;
    expect(log.filter((l) => l.startsWith("[INFO] sidecar: created node index=")).length).toBe(64);
    expect(log.find((l) => l.startsWith("[INFO] sidecar: boot_cpus parameter: "))).toMatch(/^\[INFO\] sidecar: boot_cpus parameter: boot_cpus=0,32,64,/);
  });
});

describe("1ac787c2f + 0c806a773: COM3 as ComInfo (ns16550 speed, arm64 PL011)", () => {
  it("logs the serial configuration after `logging enabled` on 1488a37", () => {
    const log = boot(NEW, "small.json").output.bootLog;
    expect(log[log.indexOf("[INFO] openhcl_boot: logging enabled") + 1]).toBe("[INFO] serial configuration: None");
    expect(boot(OLD, "small.json").output.bootLog.some((l) => l.includes("serial configuration"))).toBe(false);
  });

  it("passes an arm,sbsa-uart to the kernel: console=ttyAMA0,<speed>, a serial node, the Pl011 log (any interrupt id)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hclboot-pl011-"));
    const dts = readFileSync(join(IMAGES, "aarch64.dts"), "utf8").replace(
      "cpus {",
      'serial@effe7000 { compatible = "arm,sbsa-uart"; reg = <0 0xeffe7000 0 0x1000>; interrupts = <0 7 4>; current-speed = <9600>; };\n\tcpus {',
    );
    writeFileSync(join(dir, "a.dtb"), execFileSync("dtc", ["-q", "-I", "dts", "-O", "dtb"], { input: dts }));
    const raw = JSON.parse(readFileSync(join(IMAGES, "aarch64.json"), "utf8"));
    raw.hostDeviceTree = "a.dtb";
    writeFileSync(join(dir, "i.json"), JSON.stringify(raw));
    const now = bootImage(loadImage(join(dir, "i.json")), { shim: shims[NEW] });
    expect(now.output.kernelCommandLine).toContain(" console=ttyAMA0,9600 ");
    expect(now.output.bootLog).toContain("[INFO] serial configuration: Pl011 {");
    expect(now.output.bootLog).toContain("    base: 0xeffe7000,");
    expect(now.output.bootLog).toContain("    intid: 0x7,");
    expect(now.output.bootLog).toContain("    current_speed: 0x2580,");
    const kdt = dtcDecode(now.kernelDtb);
    expect(kdt).toMatch(/serial@effe7000 \{\s+compatible = "arm,sbsa-uart";\s+reg = <0x00 0xeffe7000 0x00 0x1000>;\s+interrupt-parent = <0x01>;\s+interrupts = <0x00 0x07 0x04>;\s+current-speed = <0x2580>;\s+status = "okay";/);
    const old = bootImage(loadImage(join(dir, "i.json")), { shim: shims[OLD] });
    expect(old.output.kernelCommandLine).toContain(" console=ttynull ");
    expect(dtcDecode(old.kernelDtb)).not.toContain("serial@");
  });

  it("reports a PL011 node without current-speed as a device-tree error on 1488a37 only", () => {
    const dts = readFileSync(join(IMAGES, "aarch64.dts"), "utf8").replace("cpus {", 'uart { compatible = "arm,sbsa-uart"; reg = <0 0x1000 0 0x1000>; interrupts = <0 3 4>; };\n\tcpus {');
    const blob = new Uint8Array(execFileSync("dtc", ["-q", "-I", "dts", "-O", "dtb"], { input: dts }));
    const now = tryParseHostDt(testShims[NEW], blob);
    expect(now.ok).toBe(false);
    expect(!now.ok && now.message).toContain("current-speed");
    expect(tryParseHostDt(testShims[OLD], blob).ok).toBe(true);
  });

  it("uses the host's ns16550 speed in console=ttyS2,<speed> when the host is trusted", () => {
    const raw = JSON.parse(readFileSync(join(IMAGES, "small.json"), "utf8"));
    raw.vm.comSerial = { ioPort: 0x3e8, irq: 4 };
    const dir = mkdtempSync(join(tmpdir(), "hclboot-com3-"));
    writeFileSync(join(dir, "i.json"), JSON.stringify(raw));
    const now = bootImage(loadImage(join(dir, "i.json")), { shim: shims[NEW] }).output;
    const old = bootImage(loadImage(join(dir, "i.json")), { shim: shims[OLD] }).output;
    // OpenVMM writes current-speed = 115200, so both pins print the same console here.
    expect(now.kernelCommandLine).toContain(" console=ttyS2,115200 ");
    expect(old.kernelCommandLine).toContain(" console=ttyS2,115200 ");
    expect(now.bootLog).toContain("[INFO] serial configuration: Ns16550 {");
    expect(now.bootLog).toContain("    current_speed: 0x1c200,");
  });
});

describe("cross-version servicing (service --from A --to B)", () => {
  for (const [from, to] of [[OLD, NEW], [NEW, OLD]] as const) {
    it(`restores ${from} -> ${to}: VTL2 RAM, MMIO and pool kept, only the new image's own ranges move`, () => {
      for (const name of ["small.json", "typical.json", "pool.json", "vtl2-allocate.json", "aarch64.json"]) {
        const r = serviceImage(image(name), { shim: shims[from], restoreShim: shims[to] });
        const { first, second } = r.output;
        expect(second.vtl2Ram).toEqual(first.vtl2Ram);
        expect(second.vtl0Mmio).toEqual(first.vtl0Mmio);
        expect(second.vtl2Mmio).toEqual(first.vtl2Mmio);
        expect(second.addressSpace.filter((x) => x.type === "VTL2_GPA_POOL")).toEqual(first.addressSpace.filter((x) => x.type === "VTL2_GPA_POOL"));
        expect(second.bootLog).toContain("[INFO] found persisted state header");
        // The differences are the parameter region (1 MiB longer on 1488a37) and what follows it.
        const moved = new Set(r.output.differences.map((d) => d.replace(/^address space: \S+ (\S+) .*$/, "$1")));
        expect([...moved].sort()).toEqual(["VTL2_BOOTSHIM_LOG_BUFFER", "VTL2_CONFIG", "VTL2_RAM"]);
      }
    });
  }

  it("agrees on the same pin", () => {
    for (const pin of UPSTREAM_PINS) expect(serviceImage(image("small.json"), { shim: shims[pin], restoreShim: shims[pin] }).output.agree).toBe(true);
  });
});

describe("diffUpstream", () => {
  it("lists only what 1488a37 changes for images/small.json", () => {
    const d = diffUpstream(image("small.json"), shims[OLD], shims[NEW]);
    expect(d.outcome).toEqual({ a: "ok", b: "ok" });
    expect(d.identical).toBe(false);
    expect(d.differences.map((x) => x.field)).toEqual(["addressSpace", "kernelCommandLine", "bootLog"]);
    expect(d.differences[1]).toEqual({ field: "kernelCommandLine", onlyA: ["OPENHCL_NVME_KEEP_ALIVE=disabled,host,privatepool"], onlyB: ["OPENHCL_NVME_KEEP_ALIVE=host,privatepool"] });
    expect(d.differences[2]).toEqual({ field: "bootLog", onlyA: [], onlyB: ["[INFO] serial configuration: None"] });
  });

  it("is identical for one pin against itself, and compares failures by message", () => {
    expect(diffUpstream(image("typical.json"), shims[NEW], shims[NEW]).identical).toBe(true);
    const f = diffUpstream(image("fail-pool-too-large.json"), shims[OLD], shims[NEW]);
    expect(f.outcome).toEqual({ a: "panic", b: "panic" });
    expect(f.differences[0]!.field).toBe("error");
  });
});

