// The generic FDT parser (support/fdt/src/parser.rs): header validation, node and property
// iteration, reads, and upstream's error texts; every blob dtc writes parses.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { dumpFdt, tryParseHostDt, type FdtDumpNode } from "../host/shim/host_fdt.js";
import { dtc, blob, be32, be64, Struct, StringTable, minimalTree } from "./helpers/dtc.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

/** The generic parser's error text for a blob. */
function dumpError(b: Uint8Array): string {
  try {
    dumpFdt(shim, b);
  } catch (e) {
    return (e as Error).message;
  }
  return "parsed";
}

/** Patches big-endian u32 `v` at byte `at` of a copy of `b`. */
function patch(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = b.slice();
  c.set(be32(v), at);
  return c;
}

describe("Parser::new", () => {
  const good = blob(minimalTree());

  it("accepts a well-formed blob and reports its header fields", () => {
    const d = dumpFdt(shim, blob(minimalTree(), { bootCpuidPhys: 7, reservations: [[0x1000n, 0x2000n]] }));
    expect(d.bootCpuidPhys).toBe(7);
    expect(d.reservations).toEqual([{ address: 0x1000n, size: 0x2000n }]);
  });

  const cases: [string, Uint8Array, string][] = [
    ["a buffer shorter than the header", good.slice(0, 39), "Buffer too small for fixed FDT header"],
    ["a bad magic", patch(good, 0, 0xd00dfeee), "FDT header magic field invalid"],
    ["a totalsize past the buffer", patch(good, 4, good.length + 1), "FDT header total size greater than provided buffer"],
    ["version 16", patch(good, 20, 16), "FDT header version invalid"],
    ["last_comp_version 17", patch(good, 24, 17), "FDT header version invalid"],
    ["a reservation map offset past the buffer", patch(good, 16, good.length + 1), "Memory reservation block not contained within buffer"],
    ["a reservation map without an empty entry", patch(good, 16, good.length - 8), "Memory reservation block did not end with an empty entry"],
    ["an unaligned structure block", patch(good, 8, 58), "Structure block offset is not aligned to u32"],
    ["a structure block past the buffer", patch(good, 36, good.length), "Structure block not contained within buffer"],
    ["a structure block without FDT_END", blob(minimalTree(), { noEnd: true }), "FDT end token not present at end of structure block"],
    ["a strings block past the buffer", patch(good, 32, good.length), "Strings block not contained within buffer"],
  ];
  for (const [what, b, msg] of cases) {
    it(`rejects ${what}`, () => {
      expect(dumpError(b)).toBe(msg);
      const r = tryParseHostDt(shim, b);
      expect(r).toEqual({ ok: false, kind: 0, message: `Parsing failed due to: invalid device tree: ${msg}` });
    });
  }

  it("checks blocks against the buffer, not totalsize, and does not reject overlapping blocks", () => {
    // strings block pointed at the structure block: upstream accepts it (names resolve there)
    const s = new Struct(new StringTable());
    s.begin("").end();
    const b = blob(s);
    const overlapped = patch(patch(b, 12, 56), 32, 4);
    expect(dumpFdt(shim, overlapped).root.name).toBe("");
  });

  it("rejects every truncation of a valid blob with a one-line error", () => {
    for (let n = 0; n < good.length; n++) {
      const msg = dumpError(good.slice(0, n));
      expect(msg).toBe(n < 40 ? "Buffer too small for fixed FDT header" : "FDT header total size greater than provided buffer");
    }
  });
});

describe("Parser::root", () => {
  it("reports a structure block without nodes", () => {
    const s = new Struct(new StringTable());
    s.nop();
    expect(dumpError(blob(s))).toBe("No root node present");
  });

  it("reports a second root node", () => {
    const s = new Struct(new StringTable());
    s.begin("").end().begin("again").end();
    expect(dumpError(blob(s))).toBe("More than one node at the root");
  });

  it("reports an unreadable token after the root as a second root", () => {
    const s = new Struct(new StringTable());
    s.begin("").end().token(0x77);
    expect(dumpError(blob(s))).toBe("More than one node at the root");
  });

  it("reports a property before any node", () => {
    const s = new Struct(new StringTable());
    s.u32("x", 1).begin("").end();
    expect(dumpError(blob(s))).toBe("Unexpected token when parsing begin node 3");
  });

  it("reports FDT_END inside a node's properties", () => {
    const s = new Struct(new StringTable());
    s.begin("").u32("a", 1).token(9).end();
    expect(dumpError(blob(s))).toBe("Unexpected token when parsing node properties 9");
  });

  it("reports FDT_END among children", () => {
    const s = new Struct(new StringTable());
    s.begin("").begin("c").end().token(9).end();
    expect(dumpError(blob(s))).toBe("Unexpected token when parsing children nodes 9");
  });

  it("reports an unknown token", () => {
    const s = new Struct(new StringTable());
    s.begin("").token(5).end();
    expect(dumpError(blob(s))).toBe("Unable to parse FDT token when parsing nodes Unknown FDT token 5");
  });

  it("reports a node that never ends", () => {
    const s = new Struct(new StringTable());
    s.begin("").begin("open");
    expect(dumpError(blob(s))).toBe("Unable to parse FDT token when parsing nodes Buffer too small to read token");
  });

  it("reports a property length past the block", () => {
    const s = new Struct(new StringTable());
    s.begin("").prop("p", [1, 2, 3, 4], 0x1000).end();
    expect(dumpError(blob(s))).toBe(
      "Unable to parse FDT token when parsing nodes Buffer too small to read property data encoded in property header",
    );
  });

  it("reports a property length of 0xffffffff without wrapping", () => {
    const s = new Struct(new StringTable());
    s.begin("").prop("p", [], 0xffffffff).end();
    expect(dumpError(blob(s))).toMatch(/Buffer too small to read property data encoded in property header$/);
  });

  it("reports a truncated property header", () => {
    const s = new Struct(new StringTable());
    s.begin("").token(3).token(0);
    expect(dumpError(blob(s))).toBe("Unable to parse FDT token when parsing nodes Buffer too small to read property header");
  });

  it("reports an unterminated node name", () => {
    const s = new Struct(new StringTable());
    s.token(1);
    s.bytes.push(0x61, 0x62, 0x63, 0x64);
    const b = blob(s, { noEnd: true });
    // FDT_END (the last 4 bytes) is stripped before names are read, so the name has no NUL
    const withEnd = new Uint8Array([...b.slice(0, b.length), ...be32(9)]);
    const fixed = patch(patch(withEnd, 4, withEnd.length), 36, s.bytes.length + 4);
    expect(dumpError(fixed)).toBe("Unable to parse FDT token when parsing nodes Node name is not valid No null terminator found");
  });

  it("reports a node name that is not UTF-8 with Rust's Utf8Error text", () => {
    const s = new Struct(new StringTable());
    s.begin([0x61, 0xc3]).end();
    expect(dumpError(blob(s))).toBe(
      "Unable to parse FDT token when parsing nodes Node name is not valid String is not utf8 incomplete utf-8 byte sequence from index 1",
    );
    const t = new Struct(new StringTable());
    t.begin([0x61, 0x62, 0xe2, 0x28, 0xa1]).end();
    expect(dumpError(blob(t))).toBe(
      "Unable to parse FDT token when parsing nodes Node name is not valid String is not utf8 invalid utf-8 sequence of 1 bytes from index 2",
    );
  });

  it("handles deep nesting without recursion limits", () => {
    const s = new Struct(new StringTable());
    s.begin("");
    for (let i = 0; i < 3000; i++) s.begin("n");
    for (let i = 0; i < 3000; i++) s.end();
    s.end();
    let depth = 0;
    let n: FdtDumpNode = dumpFdt(shim, blob(s)).root;
    while (n.children.length) {
      n = n.children[0];
      depth++;
    }
    expect(depth).toBe(3000);
  });

  it("reports unbalanced nesting", () => {
    const s = new Struct(new StringTable());
    s.begin("").begin("a").begin("b").end().end();
    expect(dumpError(blob(s))).toBe("Unable to parse FDT token when parsing nodes Buffer too small to read token");
  });
});

describe("PropertyIter", () => {
  it("reports a name offset past the strings block", () => {
    const s = new Struct(new StringTable());
    s.begin("").begin("cpus").prop(500, []).end().end();
    expect(dumpError(blob(s))).toBe("Property name string is not a valid string for node cpus: Invalid string block offset");
  });

  it("reports a name without a terminator", () => {
    const st = new StringTable();
    const s = new Struct(st);
    s.begin("").prop(0, []).end();
    st.bytes.push(0x61, 0x62); // strings block "ab" without NUL
    expect(dumpError(blob(s))).toBe("Property name string is not a valid string for node : No null terminator found");
  });

  it("reads a name offset equal to the block size as an unterminated string", () => {
    const st = new StringTable();
    const s = new Struct(st);
    st.offset("a");
    s.begin("").prop(2, []).end();
    expect(dumpError(blob(s))).toBe("Property name string is not a valid string for node : No null terminator found");
  });
});

/** Node model for the port of upstream's test_simple_dt. */
function toDts(n: FdtDumpNode, indent = ""): string {
  const props = n.properties.map((p) => `${indent}\t${p.name} = [${[...p.data].map((x) => x.toString(16).padStart(2, "0")).join(" ")}];\n`);
  const kids = n.children.map((c) => toDts(c, indent + "\t"));
  return `${indent}${n.name === "" ? "/" : n.name} {\n${props.join("")}${kids.join("")}${indent}};\n`;
}

describe("test_simple_dt (upstream round trip, built with dtc)", () => {
  it("reads back root properties, ten cpu nodes, a reservation and the boot cpu", () => {
    const cpus = Array.from({ length: 10 }, (_, i) => `cpu@${i} { reg = <${i + 10}>; };`).join("\n");
    const b = dtc(
      `/dts-v1/;\n/memreserve/ 1024 2048;\n/ {
        prop-a = /bits/ 64 <0x123456789abcdef>;
        test,prop-b = [];
        reg = <0xabcdef>;
        Awesome,super-prop = "this is a string!";
        prop-list = /bits/ 64 <1 2 3 4 5>;
        cpus { Awesome,super-prop = "super"; ${cpus} };
      };`,
      0,
    );
    const d = dumpFdt(shim, b);
    expect(d.bootCpuidPhys).toBe(0);
    expect(d.reservations).toEqual([{ address: 1024n, size: 2048n }]);
    const root = d.root;
    expect(root.name).toBe("");
    expect(root.properties.map((p) => p.name)).toEqual(["prop-a", "test,prop-b", "reg", "Awesome,super-prop", "prop-list"]);
    expect([...root.properties[0].data]).toEqual(be64(0x123456789abcdefn));
    expect(root.properties[1].data.length).toBe(0);
    expect([...root.properties[2].data]).toEqual(be32(0xabcdef));
    expect(Buffer.from(root.properties[3].data).toString()).toBe("this is a string!\0");
    expect([...root.properties[4].data]).toEqual([1n, 2n, 3n, 4n, 5n].flatMap(be64));
    expect(root.children.map((c) => c.name)).toEqual(["cpus"]);
    const cpuNodes = root.children[0].children;
    expect(cpuNodes.map((c) => c.name)).toEqual(Array.from({ length: 10 }, (_, i) => `cpu@${i}`));
    expect(cpuNodes.map((c) => [...c.properties[0].data])).toEqual(Array.from({ length: 10 }, (_, i) => be32(i + 10)));
  });
});

describe("every blob dtc writes parses", () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9,._+-]{0,12}$/);
  const prop = fc.record({ name, data: fc.uint8Array({ maxLength: 24 }) });
  const node: fc.Memo<FdtDumpNode> = fc.memo((d) =>
    fc.record({
      name: fc.tuple(name, fc.option(fc.integer({ min: 0, max: 0xffff }))).map(([n, a]) => (a === null ? n : `${n}@${a.toString(16)}`)),
      properties: fc.uniqueArray(prop, { selector: (p) => p.name, maxLength: 5 }),
      children: d > 1 ? fc.uniqueArray(node(d - 1), { selector: (c) => c.name, maxLength: 3 }) : fc.constant([]),
    }),
  );

  it("reads back the nodes and properties of random dtc blobs exactly", () => {
    fc.assert(
      fc.property(node(4), fc.integer({ min: 0, max: 1000 }), (root, boot) => {
        const r = { ...root, name: "" };
        const b = dtc(`/dts-v1/;\n${toDts(r)}`, boot);
        const d = dumpFdt(shim, b);
        expect(d.bootCpuidPhys).toBe(boot);
        const norm = (n: FdtDumpNode): unknown => ({
          name: n.name,
          props: n.properties.map((p) => [p.name, [...p.data]]),
          kids: n.children.map(norm),
        });
        expect(norm(d.root)).toEqual(norm(r));
      }),
      { numRuns: 40 },
    );
  });
});
