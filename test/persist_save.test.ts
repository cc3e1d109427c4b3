// Save side of servicing (OpenHCL usermode's write_persisted_info): the .proto checked against
// hand-written wire bytes, the memory map usermode derives from a boot, the header layout, the
// tamper helpers, and the full save -> guest memory -> shim read path.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import { Shim, ShimPanic } from "../host/wasm/loader.js";
import { encodeSavedState, decodeSavedStateJs, type SavedState } from "../host/persist/saved_state_proto.js";
import {
  partitionMemoryMapFromBoot, persistInputFromBoot, writePersistedInfo, decodeHeader, encodeHeader,
  tamperMagic, tamperPayloadLen, tamperProtobufRegion, garblePayload, replacePayload, PersistError,
  PERSISTED_STATE_MAGIC, type BootTopology,
} from "../host/persist/save.js";
import { readPersistedRegionHeader, decodeSavedStateFromGuest } from "../host/shim/persisted_state.js";

function hx(s: string): string {
  return s.replace(/#[^\n]*/g, "").replace(/\s+/g, "").toLowerCase();
}
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const empty: SavedState = { partitionMemory: [], partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] };

describe("proto/openhcl_boot.proto encodes as mesh_protobuf::encode", () => {
  it("writes a memory entry as nested messages with tags 1..4", () => {
    const b = encodeSavedState({ ...empty, partitionMemory: [{ start: 0x1000n, end: 0x2000n, vnode: 1, vtlType: 1, igvmType: 3 }] });
    expect(toHex(b)).toBe(hx(`
      0a 12                # SavedState.partition_memory (1), 18 bytes
        0a 06 08 80 20 10 80 40   # range { start 0x1000, end 0x2000 }
        10 01              # vnode 1
        1a 02 08 01        # vtl_type { field1: 1 }
        22 02 08 03        # igvm_type { field1: 3 }
    `));
  });

  it("writes an mmio entry with field 2 and the vtl type as field 2 of the entry", () => {
    const b = encodeSavedState({ ...empty, partitionMmio: [{ start: 0xf000_0000n, end: 0x1_0000_0000n, vtlType: 6 }] });
    expect(toHex(b)).toBe(hx(`12 12  0a 0c 08 80 80 80 80 0f 10 80 80 80 80 10  12 02 08 06`));
  });

  it("writes CPU lists packed under tags 3 and 4", () => {
    const b = encodeSavedState({ ...empty, cpusWithMappedInterruptsNoIo: [1, 300], cpusWithOutstandingIo: [0] });
    expect(toHex(b)).toBe(hx(`1a 03 01 ac 02   22 01 00`));
  });

  it("omits zero scalars and empty messages but keeps every repeated element", () => {
    const b = encodeSavedState({
      ...empty,
      partitionMemory: [
        { start: 0n, end: 0n, vnode: 0, vtlType: 0, igvmType: 0 },
        { start: 0n, end: 0x1000n, vnode: 0, vtlType: 0, igvmType: 1 },
      ],
      partitionMmio: [{ start: 0n, end: 0n, vtlType: 0 }],
    });
    expect(toHex(b)).toBe(hx(`
      0a 00                        # all-default entry still written
      0a 09 0a 03 10 80 20 22 02 08 01   # range { end 0x1000 } and igvm_type 1 only
      12 00                        # all-default mmio entry
    `));
  });

  it("encodes the empty state as zero bytes", () => {
    expect(encodeSavedState(empty).length).toBe(0);
  });

  it("rejects values that do not fit the Rust field types", () => {
    expect(() => encodeSavedState({ ...empty, partitionMemory: [{ start: 0n, end: 0n, vnode: 0, vtlType: 0, igvmType: 0x1_0000 }] })).toThrow(/u16/);
    expect(() => encodeSavedState({ ...empty, cpusWithOutstandingIo: [-1] })).toThrow(/u32/);
    expect(() => encodeSavedState({ ...empty, partitionMmio: [{ start: 1n << 64n, end: 0n, vtlType: 5 }] })).toThrow(/u64/);
  });
});

// A small x86 layout: 2 GiB of RAM on two nodes, VTL2 at 0x4000_0000 with the persisted region
// (header page + 19 protobuf pages) at its start.
const GB = 0x4000_0000n;
const boot: BootTopology = {
  partitionRam: [
    { start: 0n, end: GB, vnode: 0, igvmType: 1 },
    { start: GB, end: 2n * GB, vnode: 1, igvmType: 1 },
  ],
  addressSpace: [
    { start: GB, end: GB + 0x1000n, vnode: 1, type: "VTL2_PERSISTED_STATE_HEADER" },
    { start: GB + 0x1000n, end: GB + 0x14000n, vnode: 1, type: "VTL2_PERSISTED_STATE_PROTOBUF" },
    { start: GB + 0x14000n, end: GB + 0x20_0000n, vnode: 1, type: "VTL2_CONFIG" },
    { start: GB + 0x20_0000n, end: GB + 0x100_0000n, vnode: 1, type: "VTL2_RAM" },
    { start: GB + 0x100_0000n, end: GB + 0x120_0000n, vnode: 1, type: "VTL2_GPA_POOL" },
  ],
  vtl0Mmio: [{ start: 0xf000_0000n, end: 0x1_0000_0000n }, { start: 0x10_0000_0000n, end: 0x20_0000_0000n }],
  vtl2Mmio: [{ start: 0xe000_0000n, end: 0xf000_0000n }],
};

describe("the memory map usermode reads (dt.rs walk of partition RAM against VTL2 ranges)", () => {
  it("splits RAM into VTL0 and typed VTL2 ranges, then adds MMIO, sorted by start", () => {
    const map = partitionMemoryMapFromBoot(boot);
    expect(map.map((e) => [e.kind, "0x" + e.start.toString(16), "0x" + e.end.toString(16), e.kind === "memory" ? e.vtlType : e.vtl])).toEqual([
      ["memory", "0x0", "0x40000000", 0],
      ["memory", "0x40000000", "0x40001000", 11],
      ["memory", "0x40001000", "0x40014000", 12],
      ["memory", "0x40014000", "0x40200000", 2],
      ["memory", "0x40200000", "0x41000000", 1],
      ["memory", "0x41000000", "0x41200000", 8],
      ["memory", "0x41200000", "0x80000000", 0],
      ["mmio", "0xe0000000", "0xf0000000", 2],
      ["mmio", "0xf0000000", "0x100000000", 0],
      ["mmio", "0x1000000000", "0x2000000000", 0],
    ]);
    expect(map.filter((e) => e.kind === "memory").map((e) => (e as { vnode: number }).vnode)).toEqual([0, 1, 1, 1, 1, 1, 1]);
  });

  it("splits a VTL2 range that spans two RAM entries at the RAM boundary", () => {
    const map = partitionMemoryMapFromBoot({ ...boot, addressSpace: [{ start: GB - 0x1000n, end: GB + 0x1000n, vnode: 0, type: "VTL2_RAM" }] });
    expect(map.filter((e) => e.kind === "memory").map((e) => [e.start, e.end, (e as { vnode: number }).vnode])).toEqual([
      [0n, GB - 0x1000n, 0], [GB - 0x1000n, GB, 0], [GB, GB + 0x1000n, 1], [GB + 0x1000n, 2n * GB, 1],
    ]);
  });

  it("fails like dt.rs when a VTL2 range is outside partition RAM", () => {
    expect(() => partitionMemoryMapFromBoot({ ...boot, addressSpace: [{ start: 2n * GB, end: 2n * GB + 0x1000n, vnode: 0, type: "VTL2_RAM" }] }))
      .toThrow("vtl2 range MemoryRange { start: 2147483648, end: 2147487744 } not contained in partition ram");
  });

  it("names only the walk piece outside partition RAM, in Debug form", () => {
    // [2G - 4K, 2G + 8K): the first 4K is under RAM (a Both piece), the rest is the Right piece.
    expect(() => partitionMemoryMapFromBoot({ ...boot, addressSpace: [{ start: 2n * GB - 0x1000n, end: 2n * GB + 0x2000n, vnode: 1, type: "VTL2_RAM" }] }))
      .toThrow("vtl2 range MemoryRange { start: 2147483648, end: 2147491840 } not contained in partition ram");
  });

  it("walks vtl2_ranges(): adjacent VTL2 ranges of one type merge even across NUMA nodes", () => {
    // The boot result splits VTL2_RAM where the node changes; the shim's walk sees one range.
    const map = partitionMemoryMapFromBoot({
      ...boot,
      addressSpace: [
        { start: GB + 0x10_0000n, end: GB + 0x20_0000n, vnode: 0, type: "VTL2_RAM" },
        { start: GB + 0x20_0000n, end: GB + 0x30_0000n, vnode: 1, type: "VTL2_RAM" },
        { start: GB + 0x30_0000n, end: GB + 0x40_0000n, vnode: 1, type: "VTL2_CONFIG" },
      ],
    });
    expect(map.filter((e) => e.kind === "memory").map((e) => [e.start, e.end, (e as { vtlType: number }).vtlType])).toEqual([
      [0n, GB, 0], [GB, GB + 0x10_0000n, 0], [GB + 0x10_0000n, GB + 0x30_0000n, 1], [GB + 0x30_0000n, GB + 0x40_0000n, 2], [GB + 0x40_0000n, 2n * GB, 0],
    ]);
  });

  it("fails like bootloader_fdt_parser on two VTL2_RESERVED ranges, before looking at the persisted ones", () => {
    const reserved = { ...boot, addressSpace: [
      ...boot.addressSpace.filter((r) => r.type !== "VTL2_PERSISTED_STATE_HEADER"),
      { start: GB + 0x200_0000n, end: GB + 0x200_1000n, vnode: 1, type: "VTL2_RESERVED" as const },
      { start: GB + 0x300_0000n, end: GB + 0x300_1000n, vnode: 1, type: "VTL2_RESERVED" as const },
    ] };
    expect(() => persistInputFromBoot(reserved)).toThrow("multiple VTL2 reserved ranges found");
  });

  it("fails like bootloader_fdt_parser without exactly one header and one protobuf range", () => {
    const noHeader = { ...boot, addressSpace: boot.addressSpace.filter((r) => r.type !== "VTL2_PERSISTED_STATE_HEADER") };
    expect(() => persistInputFromBoot(noHeader)).toThrow("no VTL2 persisted header range found");
    const twoRegions = { ...boot, addressSpace: [...boot.addressSpace, { start: GB + 0x200_0000n, end: GB + 0x200_1000n, vnode: 1, type: "VTL2_PERSISTED_STATE_PROTOBUF" as const }] };
    expect(() => persistInputFromBoot(twoRegions)).toThrow("multiple VTL2 persisted protobuf region ranges found");
  });
});

describe("write_persisted_info", () => {
  it("writes the header page and the payload at the protobuf region start", () => {
    const out = writePersistedInfo(persistInputFromBoot(boot, [3], [1, 2]));
    expect(out.headerGpa).toBe(GB);
    expect(out.protobufGpa).toBe(GB + 0x1000n);
    expect(out.protobufRegionLen).toBe(0x13000n);
    expect(toHex(out.header)).toBe(hx(`
      4f 48 43 4c 50 48 44 52     # "OHCLPHDR"
      00 10 00 40 00 00 00 00     # protobuf_base 0x4000_1000
      00 30 01 00 00 00 00 00     # protobuf_region_len 0x1_3000
    `) + out.payload.length.toString(16).padStart(2, "0") + "00000000000000");
    expect(out.image.length).toBe(0x1000 + out.payload.length);
    expect(toHex(out.image.subarray(0, 32))).toBe(toHex(out.header));
    expect(out.image.subarray(32, 0x1000).every((b) => b === 0)).toBe(true);
    expect(toHex(out.image.subarray(0x1000))).toBe(toHex(out.payload));
    expect(decodeSavedStateJs(out.payload)).toEqual(out.state);
    expect(out.state.partitionMemory.length).toBe(7);
    expect(out.state.partitionMmio.map((m) => m.vtlType)).toEqual([6, 5, 5]);
    expect(out.state.cpusWithMappedInterruptsNoIo).toEqual([3]);
    expect(out.state.cpusWithOutstandingIo).toEqual([1, 2]);
  });

  it("fails when the payload does not fit the protobuf region", () => {
    const input = persistInputFromBoot(boot);
    input.persistedProtobufRegion = { start: GB + 0x1000n, end: GB + 0x1010n };
    expect(() => writePersistedInfo(input)).toThrow(PersistError);
  });
});

describe("tamper helpers", () => {
  const out = writePersistedInfo(persistInputFromBoot(boot));
  it("corrupts only the magic", () => {
    const t = tamperMagic(out.image);
    expect(decodeHeader(t).magic).toBe(PERSISTED_STATE_MAGIC ^ 0xffn);
    expect(toHex(t.subarray(8))).toBe(toHex(out.image.subarray(8)));
  });
  it("moves the protobuf region and changes the payload length", () => {
    expect(decodeHeader(tamperProtobufRegion(out.image, 0x1234_0000n, 0x2000n))).toMatchObject({ protobufBase: 0x1234_0000n, protobufRegionLen: 0x2000n });
    expect(decodeHeader(tamperPayloadLen(out.image, 3n)).protobufPayloadLen).toBe(3n);
  });
  it("garbles and replaces payload bytes", () => {
    const g = garblePayload(out.image, 0x1000, 0, Uint8Array.of(0x0b));
    expect(g[0x1000]).toBe(0x0b);
    const r = replacePayload(out.image, 0x1000, Uint8Array.of(0x80));
    expect(r.length).toBe(0x1001);
    expect(decodeHeader(r).protobufPayloadLen).toBe(1n);
    expect(() => garblePayload(out.image, 0x1000, out.payload.length, Uint8Array.of(1))).toThrow(PersistError);
  });
});

describe("save -> guest memory -> openhcl_boot read", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  function place(image: Uint8Array, at: bigint): void {
    const mem = new Uint8Array(0x14000);
    mem.set(image.subarray(0, Math.min(image.length, mem.length)), 0);
    shim.setGuest({
      read(gpa, dst) {
        if (gpa < at || gpa + BigInt(dst.length) > at + BigInt(mem.length)) return false;
        dst.set(mem.subarray(Number(gpa - at), Number(gpa - at) + dst.length));
        return true;
      },
      write: () => false,
    });
  }

  it("the shim reads back exactly what usermode saved, with the shim's log lines", () => {
    const out = writePersistedInfo(persistInputFromBoot(boot, [4, 5], [6]));
    place(out.image, GB);
    const h = readPersistedRegionHeader(shim, false, GB)!;
    expect(h).toEqual({ magic: PERSISTED_STATE_MAGIC, protobufBase: GB + 0x1000n, protobufRegionLen: 0x13000n, protobufPayloadLen: BigInt(out.payload.length) });
    const s = decodeSavedStateFromGuest(shim, h.protobufBase, h.protobufPayloadLen);
    expect({ ...s, heap: undefined }).toEqual({ ...out.state, heap: undefined });
    expect(shim.log()).toEqual([
      `[INFO] decoding protobuf of size ${out.payload.length}`,
      // 7 entries: Vec caps 4 then 8 (128 + 256), 3 mmio: cap 4 (96), two u32 lists: 16 each.
      "[INFO] Bump allocator: allocated 512 bytes in 5 allocations (65024 bytes free)",
      "[INFO] persisted state: cpus_with_mapped_interrupts_no_io=[4, 5], cpus_with_outstanding_io=[6]",
    ]);
  });

  it("a corrupted magic reads as a first boot", () => {
    place(tamperMagic(writePersistedInfo(persistInputFromBoot(boot)).image), GB);
    expect(readPersistedRegionHeader(shim, false, GB)).toBeNull();
  });

  it("a truncated payload fails with the shim's decode panic", () => {
    const out = writePersistedInfo(persistInputFromBoot(boot));
    place(out.image, GB);
    let err: unknown;
    try {
      decodeSavedStateFromGuest(shim, GB + 0x1000n, BigInt(out.payload.length - 1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShimPanic);
    expect((err as ShimPanic).message).toMatch(/^failed to decode protobuf: Error\(ErrorInner \{ types: \[\], err: Eof(VarInt|ByteArray) \}\)$/);
  });

  it("round-trips arbitrary memory maps through header + payload (property)", () => {
    const rangeArb = fc.tuple(fc.bigInt({ min: 0n, max: 0xf_ffffn }), fc.bigInt({ min: 1n, max: 0x100n }));
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 30 }), fc.array(fc.nat({ max: 4096 }), { maxLength: 20 }), (ranges, cpus) => {
        let at = 0x100n;
        const map = ranges.map(([gap, pages], i) => {
          const start = (at + gap) * 0x1000n;
          at = at + gap + pages;
          return { kind: "memory" as const, start, end: start + pages * 0x1000n, vnode: i % 3, vtlType: i % 13, igvmType: i % 5 };
        });
        const input = { partitionMemoryMap: map, persistedHeader: { start: GB, end: GB + 0x1000n }, persistedProtobufRegion: { start: GB + 0x1000n, end: GB + 0x14000n }, cpusWithMappedInterruptsNoIo: cpus, cpusWithOutstandingIo: [] };
        const out = writePersistedInfo(input);
        place(out.image, GB);
        const h = readPersistedRegionHeader(shim, false, GB)!;
        const s = decodeSavedStateFromGuest(shim, h.protobufBase, h.protobufPayloadLen);
        expect(s.partitionMemory).toEqual(out.state.partitionMemory);
        expect(s.cpusWithMappedInterruptsNoIo).toEqual(cpus);
      }),
      { numRuns: 60 },
    );
  });

  it("encodeHeader/decodeHeader are inverse", () => {
    const h = { magic: 1n, protobufBase: 2n, protobufRegionLen: 3n, protobufPayloadLen: (1n << 64n) - 1n };
    expect(decodeHeader(encodeHeader(h))).toEqual(h);
  });
});

// An independent model of mesh_protobuf's writer for SavedState (protobuf.rs FieldWriter): a varint
// field is skipped when zero, a message field when its body is empty unless it is an element of a
// sequence, a packed field when it has no elements; fields in declaration order.
function meshEncode(state: SavedState): Uint8Array {
  const out: number[] = [];
  const varint = (to: number[], v: bigint) => {
    while (v > 0x7fn) {
      to.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    to.push(Number(v));
  };
  const key = (to: number[], n: number, wire: number) => varint(to, BigInt((n << 3) | wire));
  const varintField = (to: number[], n: number, v: bigint) => {
    if (v !== 0n) {
      key(to, n, 0);
      varint(to, v);
    }
  };
  const messageField = (to: number[], n: number, body: number[], inSequence: boolean) => {
    if (body.length > 0 || inSequence) {
      key(to, n, 2);
      varint(to, BigInt(body.length));
      to.push(...body);
    }
  };
  const range = (start: bigint, end: bigint) => {
    const b: number[] = [];
    varintField(b, 1, start);
    varintField(b, 2, end);
    return b;
  };
  const wrapper = (v: number) => {
    const b: number[] = [];
    varintField(b, 1, BigInt(v));
    return b;
  };
  for (const e of state.partitionMemory) {
    const b: number[] = [];
    messageField(b, 1, range(e.start, e.end), false);
    varintField(b, 2, BigInt(e.vnode));
    messageField(b, 3, wrapper(e.vtlType), false);
    messageField(b, 4, wrapper(e.igvmType), false);
    messageField(out, 1, b, true);
  }
  for (const e of state.partitionMmio) {
    const b: number[] = [];
    messageField(b, 1, range(e.start, e.end), false);
    messageField(b, 2, wrapper(e.vtlType), false);
    messageField(out, 2, b, true);
  }
  for (const [n, list] of [[3, state.cpusWithMappedInterruptsNoIo], [4, state.cpusWithOutstandingIo]] as const) {
    const b: number[] = [];
    for (const c of list) varint(b, BigInt(c));
    messageField(out, n, b, false);
  }
  return Uint8Array.from(out);
}

describe("encodeSavedState against a model of mesh_protobuf's FieldWriter (property)", () => {
  const zeroOr = <T>(zero: T, arb: fc.Arbitrary<T>) => fc.oneof(fc.constant(zero), arb);
  const u64 = zeroOr(0n, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
  const u32 = zeroOr(0, fc.integer({ min: 0, max: 0xffff_ffff }));
  const arb: fc.Arbitrary<SavedState> = fc.record({
    partitionMemory: fc.array(fc.record({ start: u64, end: u64, vnode: u32, vtlType: u32, igvmType: zeroOr(0, fc.integer({ min: 0, max: 0xffff })) }), { maxLength: 12 }),
    partitionMmio: fc.array(fc.record({ start: u64, end: u64, vtlType: u32 }), { maxLength: 6 }),
    cpusWithMappedInterruptsNoIo: fc.array(u32, { maxLength: 20 }),
    cpusWithOutstandingIo: fc.array(u32, { maxLength: 20 }),
  });
  it("writes byte-identical output for every SavedState, zero values included", () => {
    fc.assert(
      fc.property(arb, (state) => {
        expect(toHex(encodeSavedState(state))).toBe(toHex(meshEncode(state)));
      }),
      { numRuns: 300 },
    );
  });
});
