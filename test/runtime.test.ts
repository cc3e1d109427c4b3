import { describe, it, expect, beforeAll } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import { Shim, ShimPanic } from "../host/wasm/loader.js";

describe("boot core call plumbing", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadShim();
  });

  it("returns a result stream and the boot log of one call", () => {
    shim.reset();
    shim.call("runtime_selftest", 0, 0x1234_5678_9abc_def0n);
    const r = shim.out();
    expect(r.u32()).toBe(0);
    expect(r.u64()).toBe(0x1234_5678_9abc_def0n);
    expect(r.str()).toBe("ok");
    expect(r.remaining).toBe(0);
    expect(shim.log()).toEqual(["selftest 0"]);
  });

  it("reports a shim panic with its exact message and the log written before it", () => {
    shim.reset();
    let err: unknown;
    try {
      shim.call("runtime_selftest", 1, 0xdeadn);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShimPanic);
    expect((err as ShimPanic).message).toBe("selftest panic value=0xdead");
    expect((err as ShimPanic).log).toEqual(["selftest 1", "[ERROR] panicked: selftest panic value=0xdead"]);
  });

  it("reports an AssemblyScript bounds failure as a panic, not a host crash", () => {
    shim.reset();
    expect(() => shim.call("runtime_selftest", 2, 5n)).toThrow(/Index out of range/);
    // the instance stays usable after a trap
    shim.reset();
    shim.call("runtime_selftest", 0, 1n);
    expect(shim.out().u32()).toBe(0);
  });

  it("does not grow memory over many calls (the arena is reset)", () => {
    shim.reset();
    shim.call("runtime_selftest", 0, 0n);
    const before = shim.memoryBytes();
    for (let i = 0; i < 20000; i++) {
      shim.reset();
      shim.call("runtime_selftest", 0, BigInt(i));
    }
    expect(shim.memoryBytes()).toBe(before);
  });
});
