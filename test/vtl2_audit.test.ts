// Regression tests from the exactness audit of the host-side VTL2 image construction against
// vm/loader/src/paravisor.rs, igvmfilegen's imported-regions page and OpenVMM's IGVM loader.
import { describe, it, expect } from "vitest";
import { computeVtl2Layout } from "../host/vtl2/layout.js";
import { InputError } from "../host/errors.js";

const MB = 0x10_0000n;
const VTL2 = 0x1_0000_0000n;

describe("load_openhcl_arm64 layout (audit)", () => {
  it("places the initrd at the first 2 MiB boundary after the kernel (InitrdAddressType::AfterKernel)", () => {
    const initrd = new Uint8Array(0x1234);
    const l = computeVtl2Layout("aarch64", "none", VTL2, 64n * MB, { kernelSize: 0x30_1000n, initrd });
    // kernel 2 MiB .. 2 MiB + 0x301000; the next 2 MiB boundary is 6 MiB.
    expect(l.kernel).toEqual({ start: VTL2 + 2n * MB, end: VTL2 + 2n * MB + 0x30_1000n });
    expect(l.initrd).toEqual({ start: VTL2 + 6n * MB, end: VTL2 + 6n * MB + 0x1234n });
    // The shim follows the initrd's end, page aligned.
    expect(l.shim.start).toBe(VTL2 + 6n * MB + 0x2000n);
  });

  it("reports missing memory before refusing hardware isolation (the isolation panic comes later)", () => {
    expect(() => computeVtl2Layout("aarch64", "snp", VTL2, 2n * MB)).toThrow(
      new InputError("vtl2Size: memory used: 13422592 is greater than available"),
    );
    expect(() => computeVtl2Layout("aarch64", "tdx", VTL2, 64n * MB)).toThrow(
      new InputError("isolation: only None and VBS are supported for ARM64"),
    );
  });
});
