import { describe, it, expect } from "vitest";
import { FdtWriter, FdtWriterError, validateMemoryReservations } from "../host/fdt/writer.js";
import { dtcDecode } from "./helpers/dtc.js";

describe("FdtWriter", () => {
  it("writes a blob dtc decodes to the expected text", () => {
    const w = new FdtWriter({ bufferSize: 2048, stringTableCap: 64, memoryReservations: [{ address: 0x10000n, size: 0x1000n }] });
    const compatible = w.addString("compatible");
    const reg = w.addString("reg");
    w.startNode("").addStrArray(compatible, ["a,b", "c"]).startNode("dev@1000").addU64Array(reg, [0x1000n, 0x20n]).endNode().endNode();
    expect(dtcDecode(w.build(0))).toBe(
      `/dts-v1/;\n\n/memreserve/\t0x0000000000010000 0x0000000000001000;\n/ {\n\tcompatible = "a,b\\0c";\n\n\tdev@1000 {\n\t\treg = <0x00 0x1000 0x00 0x20>;\n\t};\n};\n`,
    );
  });

  it("returns string ids as string table offsets", () => {
    const w = new FdtWriter({ bufferSize: 256, stringTableCap: 32 });
    expect([w.addString("a"), w.addString("bcd"), w.addString("")]).toEqual([0, 2, 6]);
    expect(() => w.addString("x".repeat(25))).toThrow(new FdtWriterError("OutOfSpace", "out of space"));
  });

  it("refuses properties outside a node and unbalanced nodes (upstream: compile-time errors)", () => {
    const w = new FdtWriter({ bufferSize: 256, stringTableCap: 8 });
    const p = w.addString("p");
    expect(() => w.addU32(p, 1)).toThrow("fdt writer: property outside a node");
    expect(() => w.endNode()).toThrow("fdt writer: end_node without an open node");
    w.startNode("");
    expect(() => w.build(0)).toThrow("fdt writer: build with an open node");
  });
});

describe("validate_memory_reservations (TS)", () => {
  it("reports the first problem in upstream's order", () => {
    expect(() => validateMemoryReservations([{ address: 5n, size: 5n }, { address: 0n, size: 0n }])).toThrow(
      "zero-sized memory reservation",
    );
    expect(() =>
      validateMemoryReservations([
        { address: 0n, size: 10n },
        { address: 100n, size: 10n },
        { address: 5n, size: 10n },
      ]),
    ).toThrow("memory reservations overlap: ReserveEntry { address: U64(0), size: U64(10) } and ReserveEntry { address: U64(5), size: U64(10) }");
  });
});
