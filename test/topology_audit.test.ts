// Regression tests from the exactness audit of the partition topology (memory.rs, host_params/dt):
// each case drives a branch where the order of upstream's lazy iterators, or the exact panic text,
// decides the outcome. Expected values are worked out from the Rust at the pinned commit.
import { describe, it, expect, beforeAll } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import { Shim, ShimPanic } from "../host/wasm/loader.js";
import { runAddressSpace, type Range } from "../host/shim/memory.js";

const r = (start: number | bigint, end: number | bigint): Range => ({ start: BigInt(start), end: BigInt(end) });
const ram = (start: number, end: number, vnode = 0) => ({ ...r(start, end), vnode });

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

function panicOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ShimPanic) return e.message;
    throw e;
  }
  throw new Error("expected a panic");
}

describe("AddressSpaceManagerBuilder::init walks lazily", () => {
  it("returns ReservedRangeOutsideBootshimUsed before reaching overlapping reserved ranges further up", () => {
    // Reserved, sorted: config 0x1000 (outside used), header 0x4000, payload 0x5000, reserved
    // 0x8000..0xa000, sidecar 0x9000..0xb000 (overlaps). The walk stops at the config piece and
    // returns the error; it never pulls the sidecar range, whose start is behind the walk.
    const { init } = runAddressSpace(shim, {
      vtl2Ram: [ram(0, 0x20000)], bootshimUsed: r(0x4000, 0x10000), persistedStateRegion: r(0x4000, 0x6000),
      vtl2Config: [r(0x1000, 0x2000)], reservedRange: r(0x8000, 0xa000), sidecarImage: r(0x9000, 0xb000),
    }, []);
    expect(init).toEqual({
      ok: false,
      message: "reserved range MemoryRange {\n    start: 0x1000,\n    end: 0x2000,\n}, type Vtl2Config outside of bootshim used " +
        "MemoryRange {\n    start: 0x4000,\n    end: 0x10000,\n}",
      debug: "ReservedRangeOutsideBootshimUsed { reserved: MemoryRange { start: 4096, end: 8192 }, typ: Vtl2Config, " +
        "bootshim_used: MemoryRange { start: 16384, end: 65536 } }",
    });
  });

  it("still asserts the order of reserved ranges it does reach", () => {
    // All inside the used range: the walk passes the reserved range [0x8000, 0xa000), then pulls
    // the sidecar image, which starts at 0x9000, behind the walk's position 0xa000.
    expect(panicOf(() => runAddressSpace(shim, {
      vtl2Ram: [ram(0, 0x20000)], bootshimUsed: r(0, 0x10000), persistedStateRegion: r(0x4000, 0x6000),
      vtl2Config: [], reservedRange: r(0x8000, 0xa000), sidecarImage: r(0x9000, 0xb000),
    }, []))).toBe("right not sorted");
  });

  it("panics on a used piece outside VTL2 ram before it would see that ram is unsorted", () => {
    // VTL2 ram out of order: [0x20000, 0x30000) then [0, 0x10000). At position 0 the walk looks at
    // the first ram range (starts after 0, fine) and the persisted header at 0: a used piece that
    // no ram holds. Upstream panics there; the unsorted second ram range is never pulled.
    expect(panicOf(() => runAddressSpace(shim, {
      vtl2Ram: [ram(0x20000, 0x30000), ram(0, 0x10000)], bootshimUsed: r(0, 0xf000),
      persistedStateRegion: r(0, 0x2000), vtl2Config: [],
    }, []))).toBe("vtl2 range MemoryRange {\n    start: 0x0,\n    end: 0x1000,\n} used by Reserved(PersistedStateHeader) not contained in vtl2 ram");
  });
});
