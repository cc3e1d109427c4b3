// Regression tests from the exactness audit of the device-tree code against upstream
// (support/fdt, openhcl/host_fdt_parser): each case failed before its fix.
import { describe, it, expect, beforeAll } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { tryParseHostDt } from "../host/shim/host_fdt.js";
import { blob, Struct, StringTable } from "./helpers/dtc.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

describe("ParsedDeviceTree::parse (state across calls)", () => {
  it("does not reuse a property name resolved in an earlier blob's strings block", () => {
    // Blob A: "reg" sits at offset 100 of a long strings block.
    const a = new StringTable();
    a.offset("x".repeat(99));
    const regOff = a.offset("reg");
    expect(regOff).toBe(100);
    const sa = new Struct(a);
    sa.begin("").begin("memory@0").prop(regOff, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0]).u32("numa-node-id", 0).end().end();
    const ra = tryParseHostDt(shim, blob(sa));
    expect(ra.ok).toBe(true);

    // Blob B: the same name offset lies past its (short) strings block, so upstream fails the
    // property search with an invalid name offset.
    const b = new StringTable();
    const sb = new Struct(b);
    sb.begin("").begin("memory@0").prop(regOff, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0]).u32("numa-node-id", 0).end().end();
    expect(b.bytes.length).toBeLessThan(regOff);
    const expected =
      "Parsing failed due to: reading node property failed: Property name string is not a valid string for node memory@0: Invalid string block offset";
    const fast = tryParseHostDt(shim, blob(sb));
    const slow = tryParseHostDt(shim, blob(sb), { upstreamOrder: true });
    expect(slow).toEqual({ ok: false, kind: 3, message: expected });
    expect(fast).toEqual(slow);
  });
});

describe("host FdtWriter (fdt::builder on the host)", () => {
  it("checks reservation overlap with wrapping u64 sums, as upstream's release build does", async () => {
    const { FdtWriter } = await import("../host/fdt/writer.js");
    // Both ends wrap (to 0 and to 0x1000): upstream's `base1 < base2 + size2` is false, so it
    // reports no overlap although the two ranges share the page at 0xffff_ffff_ffff_f000.
    const a = { address: 0xffff_ffff_ffff_e000n, size: 0x2000n };
    const b = { address: 0xffff_ffff_ffff_f000n, size: 0x2000n };
    expect(() => new FdtWriter({ bufferSize: 4096, stringTableCap: 64, memoryReservations: [a, b] })).not.toThrow();
    // Without wrapping they are reported, in upstream's order and Debug format.
    const c = { address: 0x1000n, size: 0x2000n };
    const d = { address: 0x2000n, size: 0x1000n };
    expect(() => new FdtWriter({ bufferSize: 4096, stringTableCap: 64, memoryReservations: [c, d] })).toThrow(
      "memory reservations overlap: ReserveEntry { address: U64(4096), size: U64(8192) } and ReserveEntry { address: U64(8192), size: U64(4096) }",
    );
  });

  it("panics with Rust's index message when the NUL of a string lands just past the buffer", async () => {
    const { FdtWriter } = await import("../host/fdt/writer.js");
    // header 40 + one empty reservation 16: strings start at 56; a 4-byte name ends at 60 = len.
    const w = new FdtWriter({ bufferSize: 60, stringTableCap: 64 });
    expect(() => w.addString("abcd")).toThrow("index out of bounds: the len is 60 but the index is 60");
    const w2 = new FdtWriter({ bufferSize: 60, stringTableCap: 64 });
    expect(() => w2.addString("abcde")).toThrow("range end index 61 out of range for slice of length 60");
  });
});

describe("MemoryLayout (vm_topology memory.rs)", () => {
  const GB = 1n << 30n;
  const MAXRAM = (1n << 64n) - 0x1000n;

  it("new: RAM running past the top of the address space hits MemoryRange::new's assertion", async () => {
    const { MemoryLayout, MemoryLayoutError } = await import("../host/layout/memory_layout.js");
    const { MemoryRange } = await import("../host/layout/memory_range.js");
    let err: unknown;
    try {
      MemoryLayout.new(MAXRAM, [new MemoryRange(GB, 2n * GB)], null);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(MemoryLayoutError);
    expect((err as Error).message).toBe("assertion failed: range.start <= range.end");
  });

  it("newWithNuma: RAM that does not fit below MAX_ADDRESS is left unplaced, not an error", async () => {
    const { MemoryLayout } = await import("../host/layout/memory_layout.js");
    const { MemoryRange } = await import("../host/layout/memory_range.js");
    const l = MemoryLayout.newWithNuma([MAXRAM], [new MemoryRange(GB, 2n * GB)], null);
    expect(l.ram().map((r) => [r.range.start, r.range.end, r.vnode])).toEqual([
      [0n, GB, 0],
      [2n * GB, MemoryRange.MAX_ADDRESS, 0],
    ]);
  });

  it("newFromResolvedRanges: empty MMIO placeholders are ignored by the combined check", async () => {
    const { MemoryLayout } = await import("../host/layout/memory_layout.js");
    const { MemoryRange } = await import("../host/layout/memory_range.js");
    const gaps = [new MemoryRange(GB, 2n * GB), MemoryRange.EMPTY];
    const l = MemoryLayout.newFromResolvedRanges([{ range: new MemoryRange(0n, GB), vnode: 0 }], gaps, null);
    expect(l.mmio()).toEqual(gaps);
    expect(l.ramSize()).toBe(GB);
  });
});

describe("TopologyBuilder<X86Topology>::build", () => {
  it("computes APIC ids in wrapping u32 arithmetic", async () => {
    const { buildX86Topology } = await import("../host/layout/processor_topology.js");
    // socket_offset = 0xffffffff; VP 1 is socket 0xffffffff + 1, which wraps to 0.
    const vps = buildX86Topology({ count: 2, vpsPerSocket: 1, apicIdOffset: 0xffffffff });
    expect(vps.map((v) => v.apicId)).toEqual([0xffffffff, 0]);
  });
});

describe("MemoryMapEntryType Debug (igvm_defs 0.4.0 without `unstable`, open-enum 0.5.2)", () => {
  it("prints the four stable names and any other value as MemoryMapEntryType(n)", () => {
    const names: string[] = [];
    for (const t of [0, 1, 2, 3, 4, 5, 0xffff]) {
      const s = new Struct(new StringTable());
      s.begin("");
      s.begin("memory@0").u64("reg", 0n, 0x1000n).u32("numa-node-id", 0).u32("microsoft,igvm-type", 2).end();
      s.begin("memory@0x").u64("reg", 0n, 0x1000n).u32("numa-node-id", 0).u32("microsoft,igvm-type", t).end();
      s.end();
      const r = tryParseHostDt(shim, blob(s));
      expect(r.ok).toBe(false);
      if (!r.ok) names.push(r.message.replace(/^.* of type /, ""));
    }
    expect(names).toEqual([
      "MEMORY", "PLATFORM_RESERVED", "PERSISTENT", "VTL2_PROTECTABLE",
      "MemoryMapEntryType(4)", "MemoryMapEntryType(5)", "MemoryMapEntryType(65535)",
    ]);
  });
});

describe("hclboot dt --json", () => {
  it("prints a CPU reg past 2^53 as the exact JSON integer", async () => {
    const { hostDtJson, jsonText } = await import("../host/cli/dt.js");
    const { parseHostDt } = await import("../host/shim/host_fdt.js");
    const s = new Struct(new StringTable());
    s.begin("").begin("cpus").u32("#address-cells", 2).u32("#size-cells", 0);
    s.begin("cpu@1").u64("reg", (1n << 53n) + 1n).u32("numa-node-id", 0).str("status", "okay").end();
    s.begin("cpu@2").u64("reg", 7n).u32("numa-node-id", 0).str("status", "okay").end();
    s.end().end();
    const text = jsonText(hostDtJson(parseHostDt(shim, blob(s))));
    expect(text).toContain('"reg": 9007199254740993,');
    expect(text).toContain('"reg": 7,');
    expect(JSON.parse(text).cpus[1]).toEqual({ reg: 7, vnode: 0 });
  });
});
