import { describe, it, expect, beforeAll } from "vitest";
import { loadTestShim } from "../host/wasm/node.js";
import { Shim } from "../host/wasm/loader.js";
import { runHandoff, e820Map, type AddressRangeIn, type HandoffInput } from "../host/shim/handoff.js";
import { Hypervisor } from "../host/hv/hypervisor.js";
import { partition, MB } from "./helpers/handoff.js";

const PAGE = 0x1000n;
const RAM = 1;
const RESERVED = 2;

/** A partition whose VTL2 address space is exactly `space`, sidecar off. */
function withSpace(space: AddressRangeIn[]): HandoffInput {
  const ram = [{ start: space[0]!.start, end: space[space.length - 1]!.end, vnode: 0, memType: 6 }];
  return { ...partition(2, 1), sidecarSize: 0n, vtl2Ram: ram, partitionRam: ram, addressSpace: space };
}

const e820 = (r: { e820: { addr: bigint; size: bigint; type: number }[] }) => r.e820.map((e) => [e.addr, e.addr + e.size, e.type]);

describe("build_e820_map", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("reports persisted state and config as reserved and merges RAM (upstream test_e820_basic, no reclaim)", () => {
    const r = runHandoff(shim, withSpace([
      { start: MB, end: MB + PAGE, usage: "VTL2_PERSISTED_STATE_HEADER" },
      { start: MB + PAGE, end: MB + 4n * PAGE, usage: "VTL2_PERSISTED_STATE_PROTOBUF" },
      { start: MB + 4n * PAGE, end: 2n * MB, usage: "used" },
      { start: 2n * MB, end: 3n * MB, usage: "VTL2_CONFIG" },
      { start: 3n * MB, end: 4n * MB, usage: "free" },
    ]), new Hypervisor());
    expect(e820(r)).toEqual([
      [MB, MB + PAGE, RESERVED],
      [MB + PAGE, MB + 4n * PAGE, RESERVED],
      [MB + 4n * PAGE, 2n * MB, RAM],
      [2n * MB, 3n * MB, RESERVED],
      [3n * MB, 4n * MB, RAM],
    ]);
    expect(r.e820ZeroPage).toBe(5);
  });

  it("reports a reclaimed hole in the parameter region as RAM, and adjacent RAM ranges merged (test_e820_basic)", () => {
    const r = runHandoff(shim, withSpace([
      { start: MB, end: MB + PAGE, usage: "VTL2_PERSISTED_STATE_HEADER" },
      { start: MB + PAGE, end: MB + 4n * PAGE, usage: "VTL2_PERSISTED_STATE_PROTOBUF" },
      { start: MB + 4n * PAGE, end: 2n * MB, usage: "used" },
      { start: 2n * MB, end: 3n * MB, usage: "VTL2_CONFIG" },
      { start: 3n * MB, end: 4n * MB, usage: "free" },
      { start: 4n * MB, end: 5n * MB, usage: "VTL2_CONFIG" },
      { start: 5n * MB, end: 6n * MB, usage: "free" },
      { start: 6n * MB, end: 8n * MB, usage: "free" },
    ]), new Hypervisor());
    expect(e820(r)).toEqual([
      [MB, MB + PAGE, RESERVED],
      [MB + PAGE, MB + 4n * PAGE, RESERVED],
      [MB + 4n * PAGE, 2n * MB, RAM],
      [2n * MB, 3n * MB, RESERVED],
      [3n * MB, 4n * MB, RAM],
      [4n * MB, 5n * MB, RESERVED],
      [5n * MB, 8n * MB, RAM],
    ]);
  });

  it("spills past 128 entries into the E820_EXT block (upstream test_e820_huge)", () => {
    const space: AddressRangeIn[] = [
      { start: 0n, end: MB, usage: "VTL2_PERSISTED_STATE_HEADER" },
      { start: MB, end: 2n * MB, usage: "VTL2_CONFIG" },
    ];
    // alternating pool / sidecar allocations so adjacent ranges never merge
    for (let i = 0; i < 256; i++) {
      const s = BigInt(2 + i) * MB;
      space.push({ start: s, end: s + MB, usage: i % 2 === 0 ? "VTL2_GPA_POOL" : "VTL2_SIDECAR_NODE" });
    }
    space.push({ start: 258n * MB, end: 64n * 64n * MB, usage: "free" });
    const m = e820Map(shim, withSpace(space));
    expect(m.entries.length).toBe(259);
    expect(m.zeroPage).toBe(128);
    expect(m.entries[130]).toEqual({ addr: 130n * MB, size: MB, type: RESERVED });
    // write_dt then overflows its 134-entry reservation list, as upstream's ArrayVec does
    expect(() => runHandoff(shim, withSpace(space), new Hypervisor())).toThrow("ArrayVec: capacity exceeded in extend/from_iter");
  });

  it("fills the zero page with 128 entries and reports the pool on the command line", () => {
    const space: AddressRangeIn[] = [];
    for (let i = 0; i < 130; i++) {
      const s = BigInt(1 + i) * MB;
      space.push({ start: s, end: s + MB, usage: i % 2 === 0 ? "VTL2_GPA_POOL" : "free" });
    }
    const r = runHandoff(shim, withSpace(space), new Hypervisor());
    expect(r.e820.length).toBe(130);
    expect(r.e820ZeroPage).toBe(128);
    expect(r.bootParams![0x1e8]).toBe(128);
    expect(r.kernelCommandLine).toContain("OPENHCL_NVME_KEEP_ALIVE=nohost,privatepool ");
  });

  it("fills the zero page: loader type, subarch 1, initrd split into low and high halves, E820 table", () => {
    const input = withSpace([{ start: MB, end: 4n * MB, usage: "free" }]);
    input.initrd = { base: 0x1_2345_6000n, size: 0x1_0000_1000n, crc: 0 };
    const r = runHandoff(shim, input, new Hypervisor());
    const bp = new DataView(r.bootParams!.buffer, r.bootParams!.byteOffset);
    expect(r.bootParams!.length).toBe(4096);
    expect(bp.getUint8(0x210)).toBe(0xff);
    expect(bp.getUint32(0x23c, true)).toBe(1);
    expect(bp.getUint32(0x218, true)).toBe(0x2345_6000);
    expect(bp.getUint32(0x0c0, true)).toBe(1);
    expect(bp.getUint32(0x21c, true)).toBe(0x1000);
    expect(bp.getUint32(0x0c4, true)).toBe(1);
    expect(bp.getUint8(0x1e8)).toBe(1);
    expect(bp.getBigUint64(0x2d0, true)).toBe(MB);
    expect(bp.getBigUint64(0x2d8, true)).toBe(3n * MB);
    expect(bp.getUint32(0x2e0, true)).toBe(RAM);
  });

  it("writes no boot_params on aarch64", () => {
    const r = runHandoff(shim, { ...withSpace([{ start: MB, end: 4n * MB, usage: "free" }]), arch: "aarch64" }, new Hypervisor());
    expect(r.bootParams).toBeNull();
    expect(r.e820).toEqual([]);
  });
});
