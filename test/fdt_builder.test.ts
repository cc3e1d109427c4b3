import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { FdtBuildScript, runFdtBuilder } from "../host/shim/fdt_builder.js";
import { FdtWriter, FdtWriterError } from "../host/fdt/writer.js";
import { dtcDecode } from "./helpers/dtc.js";
import { join } from "node:path";
import { loadImage } from "../host/image/load.js";
import { DEVICE_TREE_BUFFER_SIZE, DEVICE_TREE_STRING_TABLE_CAP, writeHostTree } from "../host/image/host_device_tree.js";
import { panicOf } from "./helpers/panic.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

/** The same calls recorded for WASM and replayed on the TS writer. */
type Call = (b: FdtBuildScript | FdtWriter, n: number[]) => void;

function both(bufferLen: number, cap: number, boot: number, names: string[], calls: Call[], res: { address: bigint; size: bigint }[] = []) {
  const script = new FdtBuildScript(bufferLen, cap, boot, res);
  const ids = names.map((n) => script.addString(n));
  for (const c of calls) c(script, ids);
  const wasm = runFdtBuilder(shim, script);
  let ts: Uint8Array | string;
  try {
    const w = new FdtWriter({ bufferSize: bufferLen, stringTableCap: cap, memoryReservations: res });
    const tids = names.map((n) => w.addString(n));
    for (const c of calls) c(w, tids);
    ts = w.build(boot);
  } catch (e) {
    if (!(e instanceof FdtWriterError)) throw e;
    ts = e.message;
  }
  return { wasm, ts };
}

const sample: Call[] = [
  (b, n) => b.startNode("").addU32(n[0]!, 2).addU32(n[1]!, 2).addStr(n[2]!, "microsoft,hyperv"),
  (b, n) => b.startNode("cpus").addU32(n[0]!, 1).addU32(n[1]!, 0),
  (b, n) => b.startNode("cpu@1").addStr(n[3]!, "cpu").addU32(n[4]!, 0).endNode(),
  (b) => b.endNode(),
  (b, n) => b.startNode("memory@0").addU64Array(n[4]!, [0n, 0x8000_0000n]).addNull(n[5]!).endNode(),
  (b, n) => b.startNode("list").addStrArray(n[6]!, ["a", "bc"]).addU32Array(n[7]!, [1, 2, 3]).addU64(n[8]!, 0x1_0000_0002n),
  (b, n) => b.addPropArray(n[9]!, [Uint8Array.of(0xde, 0xad), Uint8Array.of(0xbe, 0xef, 0x01)]).endNode(),
  (b) => b.endNode(),
];
const sampleNames = ["#address-cells", "#size-cells", "model", "device_type", "reg", "empty", "compatible", "cells", "big", "raw"];

const SAMPLE_DTS = `/dts-v1/;

/ {
	#address-cells = <0x02>;
	#size-cells = <0x02>;
	model = "microsoft,hyperv";

	cpus {
		#address-cells = <0x01>;
		#size-cells = <0x00>;

		cpu@1 {
			device_type = "cpu";
			reg = <0x00>;
		};
	};

	memory@0 {
		reg = <0x00 0x00 0x00 0x80000000>;
		empty;
	};

	list {
		compatible = "a\\0bc";
		cells = <0x01 0x02 0x03>;
		big = <0x01 0x02>;
		raw = [de ad be ef 01];
	};
};
`;

describe("Builder (WASM)", () => {
  it("writes a blob dtc decodes to the expected tree", () => {
    const { wasm, ts } = both(4096, 256, 0, sampleNames, sample);
    expect(wasm.status).toBe(0);
    expect(dtcDecode(wasm.blob)).toBe(SAMPLE_DTS);
    // The TS writer produces the very same bytes.
    expect(Buffer.from(wasm.blob).equals(Buffer.from(ts as Uint8Array))).toBe(true);
  });

  it("lays out header, reservation map, fixed string table and structure block as upstream", () => {
    const { wasm } = both(4096, 256, 7, sampleNames, sample);
    const v = new DataView(wasm.blob.buffer, wasm.blob.byteOffset);
    expect(v.getUint32(0)).toBe(0xd00dfeed);
    expect(v.getUint32(4)).toBe(wasm.blob.length);
    expect(v.getUint32(16)).toBe(40); // reservation map right after the header
    expect(v.getUint32(12)).toBe(56); // strings after the (0,0) sentinel
    expect(v.getUint32(8)).toBe(56 + 256); // struct block after the full string capacity
    expect(v.getUint32(20)).toBe(17);
    expect(v.getUint32(24)).toBe(16);
    expect(v.getUint32(28)).toBe(7);
    expect(v.getUint32(32)).toBe(sampleNames.reduce((a, s) => a + s.length + 1, 0));
    expect(v.getUint32(36)).toBe(wasm.blob.length - 312);
    expect(v.getUint32(36)).toBe(wasm.structSize);
  });

  it("writes an empty string list as a single NUL", () => {
    const { wasm } = both(1024, 64, 0, ["l"], [(b, n) => b.startNode("").addStrArray(n[0]!, []).endNode()]);
    expect(dtcDecode(wasm.blob)).toContain("l = [00];");
  });

  it("writes memory reservations that dtc shows as /memreserve/", () => {
    const res = [
      { address: 0x1000n, size: 0x2000n },
      { address: 0x3000n, size: 0x1000n },
    ];
    const { wasm, ts } = both(1024, 16, 0, [], [(b) => b.startNode("").endNode()], res);
    expect(wasm.status).toBe(0);
    const dts = dtcDecode(wasm.blob);
    expect(dts).toContain("/memreserve/\t0x0000000000001000 0x0000000000002000;");
    expect(dts).toContain("/memreserve/\t0x0000000000003000 0x0000000000001000;");
    expect(Buffer.from(wasm.blob).equals(Buffer.from(ts as Uint8Array))).toBe(true);
  });
});

describe("BubbleSortValidator::validate_memory_reservations", () => {
  const run = (res: { address: bigint; size: bigint }[]) => both(1024, 16, 0, [], [(b) => b.startNode("").endNode()], res);
  const e = (a: bigint, s: bigint) => ({ address: a, size: s });

  it("rejects overlapping reservations naming both entries", () => {
    const { wasm, ts } = run([e(100n, 50n), e(120n, 30n)]);
    const msg =
      "memory reservations overlap: ReserveEntry { address: U64(100), size: U64(50) } and ReserveEntry { address: U64(120), size: U64(30) }";
    expect([wasm.status, wasm.message]).toEqual([2, msg]);
    expect(ts).toBe(msg);
  });

  it("rejects a duplicate reservation", () => {
    const { wasm, ts } = run([e(100n, 50n), e(100n, 50n)]);
    const msg = "duplicate memory reservation: ReserveEntry { address: U64(100), size: U64(50) }";
    expect([wasm.status, wasm.message]).toEqual([3, msg]);
    expect(ts).toBe(msg);
  });

  it("rejects a (0, 0) reservation", () => {
    const { wasm, ts } = run([e(0n, 0n)]);
    expect([wasm.status, wasm.message]).toEqual([4, "zero-sized memory reservation"]);
    expect(ts).toBe("zero-sized memory reservation");
  });

  it("accepts disjoint and adjacent reservations", () => {
    expect(run([e(100n, 50n), e(200n, 50n)]).wasm.status).toBe(0);
    expect(run([e(100n, 50n), e(150n, 50n)]).wasm.status).toBe(0);
  });
});

describe("Builder errors", () => {
  it("runs out of space in the structure block", () => {
    const { wasm, ts } = both(400, 256, 0, sampleNames, sample);
    expect([wasm.status, wasm.message]).toEqual([1, "out of space"]);
    expect(ts).toBe("out of space");
  });

  it("runs out of space in the string table", () => {
    const { wasm, ts } = both(4096, 20, 0, sampleNames, sample);
    expect([wasm.status, wasm.message]).toEqual([1, "out of space"]);
    expect(ts).toBe("out of space");
  });

  it("fits exactly: a buffer of the blob's size works, one byte less does not", () => {
    const full = both(4096, 256, 0, sampleNames, sample).wasm.blob.length;
    expect(both(full, 256, 0, sampleNames, sample).wasm.status).toBe(0);
    expect(both(full - 1, 256, 0, sampleNames, sample).wasm.message).toBe("out of space");
  });

  it("panics like a slice index when the string table capacity exceeds the buffer", () => {
    const script = new FdtBuildScript(64, 1000);
    script.addString("abcdefghij");
    expect(panicOf(() => runFdtBuilder(shim, script))).toBe("range end index 66 out of range for slice of length 64");
    const exact = new FdtBuildScript(64, 1000);
    exact.addString("abcdefgh");
    expect(panicOf(() => runFdtBuilder(shim, exact))).toBe("index out of bounds: the len is 64 but the index is 64");
  });

  it("panics on end_node at the root (upstream rejects it at compile time)", () => {
    const script = new FdtBuildScript(1024, 16);
    script.endNode();
    expect(panicOf(() => runFdtBuilder(shim, script))).toBe("fdt builder: end_node without an open node");
  });
});

describe("Builder invariants", () => {
  const nameArb = fc.stringMatching(/^[a-z][a-z0-9,._+-]{0,20}$/);
  const propArb = fc.oneof(
    fc.record({ k: fc.constant("u32"), v: fc.integer({ min: 0, max: 0xffffffff }) }),
    fc.record({ k: fc.constant("u64"), v: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
    fc.record({ k: fc.constant("str"), v: fc.stringMatching(/^[ -~]{0,30}$/) }),
    fc.record({ k: fc.constant("arr"), v: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 6 }) }),
    fc.record({ k: fc.constant("null"), v: fc.constant(0) }),
  );
  const nodeArb = fc.array(fc.tuple(nameArb, fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 3 }), propArb), { maxLength: 4, selector: (t) => t[0] })), {
    maxLength: 8,
  });

  it("WASM and TS blobs are identical and dtc accepts them", () => {
    fc.assert(
      fc.property(nodeArb, (nodes) => {
        const names = ["p0", "p1", "p2", "p3"];
        const calls: Call[] = [(b) => b.startNode("")];
        nodes.forEach(([name, props], i) => {
          calls.push((b, n) => {
            b.startNode(`${name}@${i}`);
            for (const [pi, p] of props) {
              const id = n[pi]!;
              if (p.k === "u32") b.addU32(id, p.v as number);
              else if (p.k === "u64") b.addU64(id, p.v as bigint);
              else if (p.k === "str") b.addStr(id, p.v as string);
              else if (p.k === "arr") b.addU64Array(id, p.v as bigint[]);
              else b.addNull(id);
            }
            b.endNode();
          });
        });
        calls.push((b) => b.endNode());
        const { wasm, ts } = both(16384, 64, 3, names, calls);
        expect(wasm.status).toBe(0);
        expect(Buffer.from(wasm.blob).equals(Buffer.from(ts as Uint8Array))).toBe(true);
        dtcDecode(wasm.blob);
      }),
      { numRuns: 30 },
    );
  });
});

describe("Builder (WASM) on OpenVMM's host tree", () => {
  it.each(["small.json", "typical.json", "vtl2-allocate.json", "max.json"])(
    "writes the same bytes as the host writer for images/%s",
    (file) => {
      const img = loadImage(join(__dirname, "..", "images", file));
      const vm = img.vm!;
      const script = new FdtBuildScript(DEVICE_TREE_BUFFER_SIZE, DEVICE_TREE_STRING_TABLE_CAP, vm.vps[0]!.apicId);
      writeHostTree(script, vm);
      const r = runFdtBuilder(shim, script);
      expect(r.status).toBe(0);
      expect(Buffer.compare(Buffer.from(r.blob), Buffer.from(img.hostDeviceTree))).toBe(0);
    },
  );
});
