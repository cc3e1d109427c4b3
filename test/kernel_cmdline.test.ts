import { describe, it, expect, beforeAll } from "vitest";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { runHandoff, crc32 } from "../host/shim/handoff.js";
import { partition, hv, BOUNCE_BUFFER, KERNEL_BASE_PARAMETERS, KERNEL_X86_PARAMETERS } from "./helpers/handoff.js";
import { shimPanicOf } from "./helpers/panic.js";

describe("build_kernel_command_line", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("writes the exact line for a plain x86 partition without sidecar", () => {
    const r = runHandoff(shim, { ...partition(2, 1), sidecarSize: 0n, cmdline: "foo=bar" }, hv());
    expect(r.kernelCommandLine).toBe(
      KERNEL_BASE_PARAMETERS + KERNEL_X86_PARAMETERS + "swiotlb=1,1 console=ttynull OPENHCL_NVME_KEEP_ALIVE=nohost,noprivatepool " +
        "hv_vmbus.message_connection_id=0x4 foo=bar",
    );
  });

  it("uses ttyS2 when COM3 is available and the host is trusted, and lists sidecar base VPs", () => {
    const r = runHandoff(shim, { ...partition(64, 2), com3SerialAvailable: true, nvmeKeepalive: true, vtl2Pool: true }, hv());
    expect(r.kernelCommandLine).toBe(
      KERNEL_BASE_PARAMETERS + KERNEL_X86_PARAMETERS + "swiotlb=1,1 console=ttyS2,115200 OPENHCL_NVME_KEEP_ALIVE=host,privatepool boot_cpus=0,32 " +
        "hv_vmbus.message_connection_id=0x4 ",
    );
  });

  it("marks confidential, confidential debug and disabled keep-alive; swiotlb grows when hardware isolated", () => {
    const r = runHandoff(
      shim,
      { ...partition(2, 1), isolation: "snp", com3SerialAvailable: true, staticConfidentialDebug: true, disableNvmeKeepAlive: true },
      hv(),
    );
    expect(r.kernelCommandLine).toBe(
      KERNEL_BASE_PARAMETERS + KERNEL_X86_PARAMETERS + "swiotlb=4096,1 console=ttyS2,115200 OPENHCL_CONFIDENTIAL=1 OPENHCL_CONFIDENTIAL_DEBUG=1 " +
        "OPENHCL_NVME_KEEP_ALIVE=disabled,nohost,noprivatepool hv_vmbus.message_connection_id=0x4 ",
    );
  });

  it("does not trust the host console when isolated without confidential debug", () => {
    const r = runHandoff(shim, { ...partition(2, 1), isolation: "tdx", bounceBuffer: BOUNCE_BUFFER, com3SerialAvailable: true, bootConfidentialDebug: true }, hv());
    expect(r.kernelCommandLine).toContain("swiotlb=4096,1 console=ttynull OPENHCL_CONFIDENTIAL=1 OPENHCL_CONFIDENTIAL_DEBUG=1 ");
  });

  it("has no x86 parameters on aarch64", () => {
    const r = runHandoff(shim, { ...partition(2, 1), arch: "aarch64" }, hv());
    expect(r.kernelCommandLine).toBe(KERNEL_BASE_PARAMETERS + "swiotlb=1,1 console=ttynull OPENHCL_NVME_KEEP_ALIVE=nohost,noprivatepool hv_vmbus.message_connection_id=0x4 ");
  });

  it("panics with CommandLineTooLong past 0x2000 bytes", () => {
    const e = shimPanicOf(() => runHandoff(shim, { ...partition(2, 1), cmdline: "x".repeat(0x2000) }, hv()));
    expect(e.message).toBe("called `Result::unwrap()` on an `Err` value: CommandLineTooLong");
  });
});

describe("shim_main checks after read_from_dt", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("panics with `no cpus` for an empty CPU list", () => {
    expect(shimPanicOf(() => runHandoff(shim, { ...partition(2, 1), cpus: [] }, hv())).message).toBe("no cpus");
  });

  it("derives the VTL0 alias map from the physical address bits when VSM offers it", () => {
    const r = runHandoff(shim, partition(2, 1), hv({ vtl0AliasMapAvailable: true, physicalAddressBits: 46 }));
    expect(r.vtl0AliasMap).toBe(1n << 45n);
    const kept = runHandoff(shim, { ...partition(2, 1), vtl0AliasMap: 1n << 40n }, hv({ vtl0AliasMapAvailable: true }));
    expect(kept.vtl0AliasMap).toBe(1n << 40n);
  });

  it("drops a host alias map when VSM does not offer it, or outside VTL2", () => {
    expect(runHandoff(shim, { ...partition(2, 1), vtl0AliasMap: 1n << 40n }, hv()).vtl0AliasMap).toBeNull();
    expect(runHandoff(shim, { ...partition(2, 1), vtl0AliasMap: 1n << 40n }, hv({ vtl: 0, vtl0AliasMapAvailable: true })).vtl0AliasMap).toBeNull();
  });

  it("derives the aarch64 alias map from ID_AA64MMFR0_EL1", () => {
    const r = runHandoff(shim, { ...partition(2, 1), arch: "aarch64" }, hv({ vtl0AliasMapAvailable: true, physicalAddressBits: 48 }));
    expect(r.vtl0AliasMap).toBe(1n << 47n);
  });

  it("panics when the VSM capabilities read fails", () => {
    const e = shimPanicOf(() => runHandoff(shim, partition(2, 1), hv({ vsmCapabilitiesStatus: 5 })));
    expect(e.message).toBe("failed to query vsm capabilities: InvalidParameter");
  });

  it("panics when a VP index does not match the CPU's position", () => {
    const e = shimPanicOf(() => runHandoff(shim, partition(4, 1), hv({ vpIndexOverrides: { "2": 3 } })));
    expect(e.message).toBe("CPU hardware ID 0x2 does not correspond to VP index 3");
  });

  it("panics with the hypervisor's error when the VP index lookup fails", () => {
    const e = shimPanicOf(() => runHandoff(shim, partition(4, 1), hv({ vpIndexFailStatus: 0x0e, vpIndexFailAfter: 2 })));
    expect(e.message).toBe("failed to get VP index for hardware ID 0x2: Invalid VP index");
  });

  it("looks VP indexes up 512 ids per hypercall; aarch64's 64-bit ids overflow the input page past 510", () => {
    // 512 x86 APIC ids (u32) fit the input page behind the 16-byte header; 511 MPIDRs (u64) do not.
    expect(() => runHandoff(shim, partition(2048, 64))).not.toThrow();
    expect(() => runHandoff(shim, { ...partition(510, 1), arch: "aarch64" })).not.toThrow();
    const e = shimPanicOf(() => runHandoff(shim, { ...partition(511, 1), arch: "aarch64" }));
    expect(e.message).toBe("called `Result::unwrap()` on an `Err` value: SizeError");
    // The failing id is found across calls: the 601st id sits in the second call of 512.
    const f = shimPanicOf(() => runHandoff(shim, partition(2048, 64), hv({ vpIndexFailStatus: 0x0e, vpIndexFailAfter: 600 })));
    expect(f.message).toBe("failed to get VP index for hardware ID 0x258: Invalid VP index");
  });

  it("fails the lookup of an APIC id the VM does not have with InvalidParameter, as OpenVMM's hypervisor does", () => {
    const h = hv();
    h.setVpTopology([0n, 1n, 2n, 5n]);
    const e = shimPanicOf(() => runHandoff(shim, partition(4, 1), h));
    expect(e.message).toBe("failed to get VP index for hardware ID 0x3: Invalid parameter");
    // x86 hardware ids are the low 32 bits of each CPU's reg, on both sides.
    const input = partition(4, 1);
    input.cpus[2] = { reg: 0x1_0000_0002n, vnode: 0 };
    expect(() => runHandoff(shim, input)).not.toThrow();
  });

  it("skips the VP index check outside VTL2", () => {
    expect(() => runHandoff(shim, partition(4, 1), hv({ vtl: 0, vpIndexOverrides: { "2": 3 } }))).not.toThrow();
  });

  it("checks the initrd CRC over the image's bytes", () => {
    const bytes = new TextEncoder().encode("123456789");
    expect(crc32(shim, bytes)).toBe(0xcbf43926);
    expect(() => runHandoff(shim, { ...partition(2, 1), initrd: { base: 0x800000n, bytes, crc: 0xcbf43926 } }, hv())).not.toThrow();
    const e = shimPanicOf(() => runHandoff(shim, { ...partition(2, 1), initrd: { base: 0x800000n, bytes, crc: 1 } }, hv()));
    expect(e.message).toBe(
      "assertion `left == right` failed: computed initrd crc does not match build time calculated crc\n  left: 3421780262\n right: 1",
    );
  });

  it("panics when an imported region outside VTL2 RAM was not accepted", () => {
    const input = partition(2, 1);
    input.importedRegions = [
      { start: 0x1000n, end: 0x3000n, accepted: true },
      { start: 0x4000_0000n, end: 0x4000_2000n, accepted: false },
    ];
    expect(() => runHandoff(shim, input, hv())).not.toThrow();
    input.importedRegions.splice(1, 0, { start: 0x3000_0000n, end: 0x3000_2000n, accepted: false });
    const e = shimPanicOf(() => runHandoff(shim, input, hv()));
    expect(e.message).toBe("range MemoryRange {\n    start: 0x30000000,\n    end: 0x30002000,\n} not in vtl2 ram was not preaccepted at launch");
  });

  it("asserts strictly increasing imported regions on isolated x86 partitions first (setup_vtl2_memory)", () => {
    const input = partition(2, 1);
    input.importedRegions = [
      { start: 0x4000_0000n, end: 0x4000_2000n, accepted: false },
      { start: 0x1000n, end: 0x3000n, accepted: true },
    ];
    // Non-isolated: only the later walk sees the order.
    expect(shimPanicOf(() => runHandoff(shim, input, hv())).message).toBe("right not sorted");
    for (const isolation of ["snp", "tdx"] as const) {
      expect(shimPanicOf(() => runHandoff(shim, { ...input, isolation }, hv())).message).toBe(
        "assertion failed: last_range_end.is_none() || imported_range.start() > last_range_end.unwrap()",
      );
    }
    // VBS first walks VTL2 RAM against the accepted regions only: sorted here, so the order assertion fires.
    expect(shimPanicOf(() => runHandoff(shim, { ...input, isolation: "vbs" }, hv())).message).toBe(
      "assertion failed: last_range_end.is_none() || imported_range.start() > last_range_end.unwrap()",
    );
    // Adjacent regions are in order; aarch64 does not check.
    input.importedRegions = [
      { start: 0x1000n, end: 0x3000n, accepted: true },
      { start: 0x3000n, end: 0x5000n, accepted: true },
    ];
    expect(() => runHandoff(shim, { ...input, isolation: "snp" }, hv())).not.toThrow();
  });

  it("walks the imported regions as walk_ranges does: unsorted ones hit its assertion", () => {
    // Upstream walks VTL2 RAM against the imported regions with walk_ranges, which asserts each
    // range starts at or after the position the walk reached when it pulls that range.
    const input = partition(2, 1);
    input.importedRegions = [
      { start: 0x4000_0000n, end: 0x4000_2000n, accepted: false },
      { start: 0x1000n, end: 0x3000n, accepted: true },
    ];
    expect(shimPanicOf(() => runHandoff(shim, input, hv())).message).toBe("right not sorted");
    // An unaccepted piece outside RAM seen before the unsorted range panics first.
    input.importedRegions = [
      { start: 0x2000_0000n, end: 0x2000_1000n, accepted: false },
      { start: 0x1000n, end: 0x3000n, accepted: true },
    ];
    expect(shimPanicOf(() => runHandoff(shim, input, hv())).message).toBe(
      "range MemoryRange {\n    start: 0x20000000,\n    end: 0x20001000,\n} not in vtl2 ram was not preaccepted at launch",
    );
    // Overlapping regions are unsorted too; a pending part inside VTL2 RAM is fine.
    input.importedRegions = [
      { start: 0x4000_0000n, end: 0x4000_4000n, accepted: false },
      { start: 0x4000_2000n, end: 0x4000_6000n, accepted: true },
    ];
    expect(shimPanicOf(() => runHandoff(shim, input, hv())).message).toBe("right not sorted");
  });

  it("records boot times from the reference clock and logs the hand-off", () => {
    const r = runHandoff(shim, { ...partition(2, 1), sidecarSize: 0n }, hv({ referenceTime: { start: "0x100", step: "0x10" } }));
    expect(r.bootTimes).toEqual({ start: 0x100n, end: 0x110n });
    expect(shim.log()).toEqual(["[INFO] openhcl_boot: logging enabled", "[INFO] sidecar: not present in image", "[INFO] uninitializing hypercalls", "[INFO] about to jump to kernel"]);
    expect(runHandoff(shim, { ...partition(2, 1), isolation: "snp" }, hv()).bootTimes).toBeNull();
  });

  it("keeps boot times whose reference time has the top bit set (upstream's Option<u64> has no sentinel)", () => {
    const r = runHandoff(shim, { ...partition(2, 1), sidecarSize: 0n }, hv({ referenceTime: { start: "0xfffffffffffffff0", step: "0x8" } }));
    expect(r.bootTimes).toEqual({ start: 0xffff_ffff_ffff_fff0n, end: 0xffff_ffff_ffff_fff8n });
    // TDX: the TSC count (in 100 ns) past 2^63 is still a time; a zero TSC frequency is none.
    const tdx = runHandoff(shim, { ...partition(2, 1), isolation: "tdx", bounceBuffer: BOUNCE_BUFFER }, hv({ tscFrequency25MHz: 1 }));
    expect(tdx.bootTimes).toEqual({ start: (0x1_0000_0000n * 10_000_000n) / 25_000_000n, end: (0x1_0000_03e8n * 10_000_000n) / 25_000_000n });
    expect(runHandoff(shim, { ...partition(2, 1), isolation: "tdx", bounceBuffer: BOUNCE_BUFFER }, hv({ tscFrequency25MHz: 0 })).bootTimes).toBeNull();
  });
});
