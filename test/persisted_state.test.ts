// Boot side of servicing: PersistedStateHeader read and the AssemblyScript SavedState decoder,
// checked against hand-written wire bytes (tags spelled out), protobufjs round trips and the exact
// failure text of mesh_protobuf / the shim's bump heap.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { decodeSavedState, tryDecodeSavedState, readPersistedRegionHeader, decodeSavedStateFromGuest } from "../host/shim/persisted_state.js";
import { encodeSavedState, decodeSavedStateJs, type SavedState } from "../host/persist/saved_state_proto.js";
import { shimPanicOf } from "./helpers/panic.js";

/** Bytes from a hex string that may contain spaces, newlines and `#` comments. */
function hx(s: string): Uint8Array {
  const clean = s.replace(/#[^\n]*/g, "").replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`bad hex ${s}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

const decodeFailed = (err: string) => `failed to decode protobuf: Error(ErrorInner { types: [], err: ${err} })`;

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

function plain(s: SavedState): SavedState {
  return { partitionMemory: s.partitionMemory, partitionMmio: s.partitionMmio, cpusWithMappedInterruptsNoIo: s.cpusWithMappedInterruptsNoIo, cpusWithOutstandingIo: s.cpusWithOutstandingIo };
}

describe("mesh_protobuf::decode::<SavedState> (hand-written wire bytes)", () => {
  it("decodes one memory entry with every field set", () => {
    const s = decodeSavedState(shim, hx(`
      0a 12          # field 1 (partition_memory), wire 2, 18 bytes
        0a 06        #   field 1 (range), message of 6 bytes
          08 80 20   #     field 1 (start) varint 0x1000
          10 80 40   #     field 2 (end) varint 0x2000
        10 01        #   field 2 (vnode) varint 1
        1a 02 08 01  #   field 3 (vtl_type) message { field1 = 1 (VTL2_RAM) }
        22 02 08 03  #   field 4 (igvm_type) message { field1 = 3 }
    `));
    expect(plain(s)).toEqual({
      partitionMemory: [{ start: 0x1000n, end: 0x2000n, vnode: 1, vtlType: 1, igvmType: 3 }],
      partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [],
    });
    expect(shim.log()).toEqual([
      "[INFO] decoding protobuf of size 20",
      "[INFO] Bump allocator: allocated 128 bytes in 1 allocations (65408 bytes free)",
      "[INFO] persisted state: cpus_with_mapped_interrupts_no_io=[], cpus_with_outstanding_io=[]",
    ]);
  });

  it("decodes an mmio entry with 64-bit varint addresses", () => {
    const s = decodeSavedState(shim, hx(`
      12 12                     # field 2 (partition_mmio), 18 bytes
        0a 0c                   #   field 1 (range), 12 bytes
          08 80 80 80 80 0f     #     start = 0xf000_0000
          10 80 80 80 80 10     #     end = 0x1_0000_0000
        12 02 08 05             #   field 2 (vtl_type) { field1 = 5 (VTL0_MMIO) }
    `));
    expect(s.partitionMmio).toEqual([{ start: 0xf000_0000n, end: 0x1_0000_0000n, vtlType: 5 }]);
  });

  it("reads a full 64-bit address (ten-byte varint)", () => {
    const s = decodeSavedState(shim, hx(`
      0a 0d 0a 0b                          # entry (13 bytes), range (11 bytes)
        10 80 e0 ff ff ff ff ff ff ff 01   # end = 0xffff_ffff_ffff_f000
    `));
    expect(s.partitionMemory[0]).toEqual({ start: 0n, end: 0xffff_ffff_ffff_f000n, vnode: 0, vtlType: 0, igvmType: 0 });
  });

  it("reads an empty repeated element as an all-zero entry (VTL0, range 0..0)", () => {
    const s = decodeSavedState(shim, hx(`0a 00  0a 00  12 00`));
    expect(s.partitionMemory).toEqual([
      { start: 0n, end: 0n, vnode: 0, vtlType: 0, igvmType: 0 },
      { start: 0n, end: 0n, vnode: 0, vtlType: 0, igvmType: 0 },
    ]);
    expect(s.partitionMmio).toEqual([{ start: 0n, end: 0n, vtlType: 0 }]);
  });

  it("accepts packed and unpacked CPU lists, mixed, in arrival order", () => {
    const s = decodeSavedState(shim, hx(`
      1a 03 01 ac 02   # field 3 packed: [1, 300]
      18 07            # field 3 unpacked: 7
      20 05            # field 4 unpacked: 5
      22 02 02 03      # field 4 packed: [2, 3]
      1a 00            # field 3 packed, empty
    `));
    expect(s.cpusWithMappedInterruptsNoIo).toEqual([1, 300, 7]);
    expect(s.cpusWithOutstandingIo).toEqual([5, 2, 3]);
    expect(shim.log()[2]).toBe("[INFO] persisted state: cpus_with_mapped_interrupts_no_io=[1, 300, 7], cpus_with_outstanding_io=[5, 2, 3]");
  });

  it("skips unknown fields of every wire type, at top level and inside entries", () => {
    const s = decodeSavedState(shim, hx(`
      78 2a                            # field 15 varint
      29 01 02 03 04 05 06 07 08       # field 5 fixed64
      35 01 02 03 04                   # field 6 fixed32
      3a 02 aa bb                      # field 7 bytes
      0a 0a                            # field 1 entry, 10 bytes
        48 07                          #   field 9 varint (unknown)
        10 02                          #   vnode = 2
        1a 04 08 08 10 09              #   vtl_type { field1 = 8, field 2 unknown }
      00 05                            # field 0 varint (unknown, number 0)
    `));
    expect(s.partitionMemory).toEqual([{ start: 0n, end: 0n, vnode: 2, vtlType: 8, igvmType: 0 }]);
  });

  it("truncates integers to the Rust field width instead of failing", () => {
    const s = decodeSavedState(shim, hx(`
      0a 10
        10 85 80 80 80 10     # vnode = 0x1_0000_0005 -> 5 (u32)
        22 04 08 81 80 04     # igvm_type field1 = 0x1_0001 -> 1 (u16)
        1a 02 08 0b           # vtl_type 11
      18 ff ff ff ff ff ff ff ff ff 01   # cpu id = u64::MAX (ten bytes) -> 0xffff_ffff
    `));
    expect(s.partitionMemory[0]).toEqual({ start: 0n, end: 0n, vnode: 5, vtlType: 11, igvmType: 1 });
    expect(s.cpusWithMappedInterruptsNoIo).toEqual([0xffff_ffff]);
    expect(shim.log()[2]).toBe("[INFO] persisted state: cpus_with_mapped_interrupts_no_io=[4294967295], cpus_with_outstanding_io=[]");
  });

  it("truncates the field number to u32 (key 0x8_0000_000a is field 1, wire 2)", () => {
    const s = decodeSavedState(shim, hx(`8a 80 80 80 80 01  02  10 04`));
    expect(s.partitionMemory).toEqual([{ start: 0n, end: 0n, vnode: 4, vtlType: 0, igvmType: 0 }]);
  });

  it("merges a nested message that appears twice", () => {
    const s = decodeSavedState(shim, hx(`
      0a 0a
        0a 03 08 80 20     # range { start = 0x1000 }
        0a 03 10 80 40     # range { end = 0x2000 } merges
    `));
    expect(s.partitionMemory[0].start).toBe(0x1000n);
    expect(s.partitionMemory[0].end).toBe(0x2000n);
  });

  it("keeps a reversed range as written (MemoryRange decode does not validate)", () => {
    const s = decodeSavedState(shim, hx(`0a 08 0a 06 08 80 40 10 80 20`));
    expect(s.partitionMemory[0]).toMatchObject({ start: 0x2000n, end: 0x1000n });
  });

  it("accepts mesh wire type 6 (message with zero resources) as a message", () => {
    const s = decodeSavedState(shim, hx(`0e 00 02 10 09   # field 1, wire 6, 0 resources, 2 bytes: vnode 9`));
    expect(s.partitionMemory[0].vnode).toBe(9);
  });

  it("decodes an empty payload to an empty state without allocating", () => {
    const s = decodeSavedState(shim, new Uint8Array(0));
    expect(plain(s)).toEqual({ partitionMemory: [], partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] });
    expect(shim.log().slice(0, 2)).toEqual(["[INFO] decoding protobuf of size 0", "[INFO] Bump allocator: allocated 0 bytes in 0 allocations (65536 bytes free)"]);
  });
});

describe("mesh_protobuf decode failures (the shim's expect message)", () => {
  const cases: [string, string, string][] = [
    ["truncated key varint", "80", "EofVarInt"],
    ["truncated value varint", "18 80", "EofVarInt"],
    ["length past the end", "0a 05 08 01", "EofByteArray"],
    ["huge length", "0a ff ff ff ff 0f", "EofByteArray"],
    ["eleven-byte varint", "18 ff ff ff ff ff ff ff ff ff ff 01", "VarIntTooBig"],
    ["wire type 3 (start group)", "0b", "UnknownWireType(3)"],
    ["wire type 4 (end group)", "0c", "UnknownWireType(4)"],
    ["unknown field with wire type 3", "7b", "UnknownWireType(3)"],
    ["wire type 7 (resource)", "0f", "MissingResource"],
    ["wire type 6 with a resource", "0e 01 00", "InvalidResourceRange"],
    ["truncated fixed64", "19 01 02", "EofFixed64"],
    ["truncated fixed32", "1d 01", "EofFixed32"],
    ["memory entry as a varint", "08 01", "ExpectedMessage"],
    ["mmio entry as fixed32", "15 00 00 00 00", "ExpectedMessage"],
    ["cpu id as fixed64", "21 00 00 00 00 00 00 00 00", "ExpectedVarInt"],
    ["cpu id as wire type 6 message", "1e 00 00", "ExpectedVarInt"],
    ["range as a varint", "0a 02 08 01", "ExpectedMessage"],
    ["vnode as bytes", "0a 02 12 00", "ExpectedVarInt"],
    ["range start as fixed64", "0a 0b 0a 09 09 00 00 00 00 00 00 00 00", "ExpectedVarInt"],
    ["vtl type field1 as bytes", "0a 04 1a 02 0a 00", "ExpectedVarInt"],
    ["truncated varint inside an entry", "0a 02 10 80", "EofVarInt"],
    ["truncated packed cpu list", "1a 02 01 80", "EofVarInt"],
    ["inner length past the entry", "0a 03 0a 05 08", "EofByteArray"],
  ];
  for (const [name, bytes, err] of cases) {
    it(`fails on ${name} with ${err}`, () => {
      const p = shimPanicOf(() => decodeSavedState(shim, hx(bytes)));
      expect(p.message).toBe(decodeFailed(err));
      expect(p.log[0]).toBe(`[INFO] decoding protobuf of size ${hx(bytes).length}`);
      expect(p.log.at(-1)).toBe(`[ERROR] panicked: ${decodeFailed(err)}`);
    });
  }

  it("reports the first failure even when a later field is also bad", () => {
    expect(shimPanicOf(() => decodeSavedState(shim, hx("0b 80"))).message).toBe(decodeFailed("UnknownWireType(3)"));
  });
});

describe("bump heap (bump_alloc.rs) limits on the decode", () => {
  const cpuList = (n: number) => {
    const body: number[] = [];
    for (let i = 0; i < n; i++) body.push(0x00); // cpu id 0, one byte each
    return Uint8Array.from([0x1a, ...varint(n), ...body]);
  };
  const emptyEntries = (n: number) => {
    const out = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) out[2 * i] = 0x0a;
    return out;
  };

  it("grows a Vec<u32> 4, 8, ... 8192 and fits 8192 ids in 16 pages", () => {
    const s = decodeSavedState(shim, cpuList(8192));
    expect(s.cpusWithMappedInterruptsNoIo.length).toBe(8192);
    expect(s.heap).toEqual({ allocated: 65520n, allocations: 12, free: 16n });
  });

  it("fails the 8193rd id with the allocation failure message", () => {
    expect(shimPanicOf(() => decodeSavedState(shim, cpuList(8193))).message).toBe("memory allocation of 65536 bytes failed");
  });

  it("fits 1024 memory entries (32 bytes each) and fails at 1025", () => {
    const s = decodeSavedState(shim, emptyEntries(1024));
    expect(s.heap).toEqual({ allocated: 65408n, allocations: 9, free: 128n });
    expect(shimPanicOf(() => decodeSavedState(shim, emptyEntries(1025))).message).toBe("memory allocation of 65536 bytes failed");
  });

  it("reserves the slot before checking the element's wire type", () => {
    // 1024 entries fill the heap to capacity 1024; a 1025th element needs a new buffer first.
    const bytes = Uint8Array.from([...emptyEntries(1024), 0x08, 0x01]);
    expect(shimPanicOf(() => decodeSavedState(shim, bytes)).message).toBe("memory allocation of 65536 bytes failed");
  });

  it("pads allocations to the element alignment from the heap's absolute address", () => {
    const s = decodeSavedState(shim, hx("1a 01 01  0a 00"), 0x1_0000n, 0x10_0004n);
    // u32 buffer 16 bytes at +0..+16 (align 4), entry buffer 128 bytes aligned to 8: +4 padding.
    expect(s.heap).toEqual({ allocated: 148n, allocations: 2, free: 0x1_0000n - 148n });
  });

  it("a larger heap holds more (decoding is bounded by the heap, not by hclboot)", () => {
    const s = decodeSavedState(shim, cpuList(8193), 0x2_0000n);
    expect(s.cpusWithMappedInterruptsNoIo.length).toBe(8193);
  });

  it("building the decode error itself can run out of heap (16 + 40 byte boxes)", () => {
    const bytes = Uint8Array.from([...cpuList(8192), 0x0b]);
    expect(shimPanicOf(() => decodeSavedState(shim, bytes)).message).toBe("memory allocation of 40 bytes failed");
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

describe("read_persisted_region_header", () => {
  const base = 0x8000_0000n;
  const page = new Uint8Array(4096);
  const guest = {
    read(gpa: bigint, dst: Uint8Array): boolean {
      if (gpa < base || gpa + BigInt(dst.length) > base + BigInt(page.length)) return false;
      dst.set(page.subarray(Number(gpa - base), Number(gpa - base) + dst.length));
      return true;
    },
    write(): boolean {
      return false;
    },
  };
  const header = hx(`
    4f 48 43 4c 50 48 44 52     # magic "OHCLPHDR"
    00 10 00 80 00 00 00 00     # protobuf_base 0x8000_1000
    00 30 01 00 00 00 00 00     # protobuf_region_len 0x1_3000
    14 00 00 00 00 00 00 00     # protobuf_payload_len 20
  `);

  it("returns the header when the magic is set", () => {
    page.fill(0);
    page.set(header, 0);
    shim.setGuest(guest);
    expect(readPersistedRegionHeader(shim, false, base)).toEqual({
      magic: 0x5244_4850_4c43_484fn, protobufBase: 0x8000_1000n, protobufRegionLen: 0x1_3000n, protobufPayloadLen: 20n,
    });
  });

  it("returns None without the magic (first boot)", () => {
    page.fill(0);
    page.set(header, 0);
    page[7] = 0x53; // "OHCLPHDS"
    shim.setGuest(guest);
    expect(readPersistedRegionHeader(shim, false, base)).toBeNull();
  });

  it("returns None on an isolated guest without reading memory", () => {
    page.fill(0);
    page.set(header, 0);
    shim.setGuest(undefined);
    expect(readPersistedRegionHeader(shim, true, base)).toBeNull();
  });

  it("reports unmapped header memory as a fault, not a trap without message", () => {
    shim.setGuest(guest);
    expect(shimPanicOf(() => readPersistedRegionHeader(shim, false, base + 0x1000n)).message).toBe("guest memory fault: read of 32 bytes at 0x80001000");
  });

  it("decodes the payload from guest memory at the protobuf base", () => {
    page.fill(0);
    page.set(hx("1a 03 01 ac 02"), 0x100);
    shim.setGuest(guest);
    const s = decodeSavedStateFromGuest(shim, base + 0x100n, 5n);
    expect(s.cpusWithMappedInterruptsNoIo).toEqual([1, 300]);
  });
});

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const savedStateArb: fc.Arbitrary<SavedState> = fc.record({
  partitionMemory: fc.array(fc.record({ start: u64, end: u64, vnode: u32, vtlType: u32, igvmType: fc.integer({ min: 0, max: 0xffff }) }), { maxLength: 40 }),
  partitionMmio: fc.array(fc.record({ start: u64, end: u64, vtlType: u32 }), { maxLength: 8 }),
  cpusWithMappedInterruptsNoIo: fc.array(u32, { maxLength: 64 }),
  cpusWithOutstandingIo: fc.array(u32, { maxLength: 64 }),
});

describe("protobufjs encode -> AssemblyScript decode (properties)", () => {
  it("decodes every protobufjs-encoded SavedState to the same values", () => {
    fc.assert(
      fc.property(savedStateArb, (state) => {
        const bytes = encodeSavedState(state);
        const got = decodeSavedState(shim, bytes);
        expect(plain(got)).toEqual(state);
        expect(shim.log()[2]).toBe(
          `[INFO] persisted state: cpus_with_mapped_interrupts_no_io=[${state.cpusWithMappedInterruptsNoIo.join(", ")}], cpus_with_outstanding_io=[${state.cpusWithOutstandingIo.join(", ")}]`,
        );
        expect(decodeSavedStateJs(bytes)).toEqual(state);
      }),
      { numRuns: 150 },
    );
  });

  it("a truncated encoding either decodes a prefix or fails with a mesh_protobuf message", () => {
    fc.assert(
      fc.property(savedStateArb, fc.nat(), (state, cut) => {
        const bytes = encodeSavedState(state);
        if (bytes.length === 0) return;
        const r = tryDecodeSavedState(shim, bytes.subarray(0, cut % bytes.length));
        if (!r.ok) expect(r.message).toMatch(/^failed to decode protobuf: Error\(ErrorInner \{ types: \[\], err: (EofVarInt|EofByteArray|EofFixed64|EofFixed32) \}\)$/);
      }),
      { numRuns: 150 },
    );
  });

  it("arbitrary bytes never trap without a message", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = tryDecodeSavedState(shim, bytes);
        if (!r.ok) expect(r.message).toMatch(/^(failed to decode protobuf: Error\(ErrorInner \{ types: \[\], err: [A-Za-z0-9]+(\(\d+\))? \}\)|memory allocation of \d+ bytes failed)$/);
      }),
      { numRuns: 400 },
    );
  });
});
