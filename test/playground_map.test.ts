import { describe, it, expect } from "vitest";
import type { BootOutput, ServiceOutput } from "../host/contract.js";
import {
  mapItems, renderMap, tooltipText, formatSize, parseHex, itemColor, legendEntries, domainOf,
  GEOMETRY, NODE_COLORS, TYPE_COLORS, xmlEscape,
} from "../web/map.js";
import { bootFixture } from "./helpers/fixtures.js";

const twoNodes = bootFixture<BootOutput>("x64-two-nodes-sidecar.json");
const aarch64 = bootFixture<BootOutput>("aarch64-vtl2-mode.json");

/** The rect.range elements of an SVG as attribute maps. */
function rects(svg: string, cls = "range"): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(/<rect ([^>]*)>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    if ((attrs.class ?? "").split(" ").includes(cls)) out.push(attrs);
  }
  return out;
}

describe("formatSize", () => {
  it("prints binary units with up to two decimals", () => {
    expect(formatSize(17n)).toBe("17 B");
    expect(formatSize(0x1000n)).toBe("4 KiB");
    expect(formatSize(0x5000n)).toBe("20 KiB");
    expect(formatSize(1536n)).toBe("1.5 KiB");
    expect(formatSize(0x1_8000_0000n)).toBe("6 GiB");
    expect(formatSize(0x4000_0000_0000n)).toBe("64 TiB");
    expect(formatSize(0xffff_ffff_ffff_ffffn)).toBe("15.99 EiB"); // truncated, never rounded up
  });
});

describe("parseHex", () => {
  it("accepts contract hex and names the field on bad input", () => {
    expect(parseHex("0x221a00000")).toBe(0x221a00000n);
    expect(() => parseHex("221a00000", "addressSpace[3].start")).toThrow('addressSpace[3].start: expected a 0x-prefixed hex string, got "221a00000"');
    expect(() => parseHex(12, "x")).toThrow("x: expected a 0x-prefixed hex string, got 12");
  });
});

describe("mapItems", () => {
  it("puts every contract range into its lane", () => {
    const items = mapItems(twoNodes);
    const count = (lane: string) => items.filter((i) => i.lane === lane).length;
    expect([count("partition"), count("mmio"), count("vtl2ram"), count("vtl2"), count("sidecar")]).toEqual([3, 4, 2, 11, 2]);
    expect(items.filter((i) => i.lane === "mmio").map((i) => i.type)).toEqual(["VTL0_MMIO", "VTL0_MMIO", "VTL2_MMIO", "VTL2_MMIO"]);
  });

  it("gives a sidecar node the NUMA node of the VTL2 range holding its memory", () => {
    const sc = mapItems(twoNodes).filter((i) => i.lane === "sidecar");
    expect(sc.map((i) => [i.start, i.end, i.vnode, i.note])).toEqual([
      [0x221a00000n, 0x221c00000n, 0, "sidecar node 0: VPs 0..=7 (8)"],
      [0x223e00000n, 0x224000000n, 1, "sidecar node 1: VPs 8..=15 (8)"],
    ]);
  });

  it("reports the field of a malformed address", () => {
    const bad = { ...twoNodes, addressSpace: [{ start: "12", end: "0x2000", vnode: 0, type: "VTL2_RAM" }] };
    expect(() => mapItems(bad)).toThrow("addressSpace[0].start: expected a 0x-prefixed hex string");
  });

  it("spans the whole space in its domain", () => {
    expect(domainOf(mapItems(twoNodes))).toEqual({ start: 0n, end: 0x4000000000n });
    expect(domainOf([])).toBeNull();
  });
});

describe("tooltipText", () => {
  it("shows start, end, size, node and type", () => {
    const header = mapItems(twoNodes).find((i) => i.type === "VTL2_PERSISTED_STATE_HEADER")!;
    expect(tooltipText(header)).toBe(
      "start 0x221108000\nend   0x221109000\nsize  0x1000 (4 KiB)\nnode  0\ntype  VTL2_PERSISTED_STATE_HEADER",
    );
    const mmio = mapItems(twoNodes).find((i) => i.type === "VTL2_MMIO")!;
    expect(tooltipText(mmio)).toBe("start 0xf8000000\nend   0xfc000000\nsize  0x4000000 (64 MiB)\nnode  -\ntype  VTL2_MMIO");
  });
});

describe("renderMap", () => {
  const { svg, drawn, scale } = renderMap(twoNodes, { width: 1100 });
  const rs = rects(svg);

  it("draws one rect per range with its exact bounds, lane, type and node", () => {
    expect(rs).toHaveLength(22);
    const space = rs.filter((r) => r["data-lane"] === "vtl2");
    expect(space.map((r) => [r["data-start"], r["data-end"], r["data-type"], r["data-vnode"]])).toEqual(
      twoNodes.addressSpace.map((a) => [a.start, a.end, a.type, String(a.vnode)]),
    );
    expect(drawn).toHaveLength(22);
  });

  it("places lanes on their rows and ranges left to right without overlap", () => {
    for (const [i, lane] of ["partition", "mmio", "vtl2ram", "vtl2", "sidecar"].entries()) {
      const row = rs.filter((r) => r["data-lane"] === lane);
      expect(new Set(row.map((r) => r.y))).toEqual(new Set([String(GEOMETRY.top + i * (GEOMETRY.laneHeight + GEOMETRY.laneGap))]));
      const byStart = [...row].sort((a, b) => (parseHex(a["data-start"]) < parseHex(b["data-start"]) ? -1 : 1));
      for (let k = 1; k < byStart.length; k++) {
        const prevEnd = Number(byStart[k - 1].x) + Number(byStart[k - 1].width);
        expect(Number(byStart[k].x)).toBeGreaterThanOrEqual(prevEnd - 0.11);
      }
    }
  });

  it("draws adjacent VTL2 ranges touching (one boundary, one x)", () => {
    const space = rs.filter((r) => r["data-lane"] === "vtl2");
    for (let k = 1; k < space.length; k++) {
      expect(Math.abs(Number(space[k - 1].x) + Number(space[k - 1].width) - Number(space[k].x))).toBeLessThanOrEqual(0.11);
    }
  });

  it("keeps the one-page persisted-state header visible (at least 7 px) in a 256 GiB space", () => {
    const header = rs.find((r) => r["data-type"] === "VTL2_PERSISTED_STATE_HEADER")!;
    expect(Number(header.width)).toBeGreaterThanOrEqual(7);
    // and a larger range is never narrower than it
    const pool = rs.find((r) => r["data-type"] === "VTL2_GPA_POOL")!;
    expect(Number(pool.width)).toBeGreaterThan(Number(header.width));
  });

  it("colors RAM by NUMA node and VTL2 ranges by type", () => {
    const part = rs.filter((r) => r["data-lane"] === "partition");
    expect(part.map((r) => r.fill)).toEqual([NODE_COLORS[0], NODE_COLORS[0], NODE_COLORS[1]]);
    for (const r of rs.filter((r) => r["data-lane"] === "vtl2")) expect(r.fill).toBe(TYPE_COLORS[r["data-type"]]);
    expect(itemColor({ lane: "vtl2", start: 0n, end: 1n, vnode: 0, type: "SOMETHING_NEW" })).toBe("#444444");
  });

  it("compresses the holes no range covers into hatched gaps", () => {
    const gaps = rects(svg, "gap").map((g) => [g["data-start"], g["data-end"]]);
    expect(gaps).toEqual([
      ["0xfc000000", "0x100000000"],
      ["0x224000000", "0x3f00000000"],
    ]);
    expect(scale!.pieces.filter((p) => !p.covered)).toHaveLength(2);
  });

  it("embeds the tooltip text as each rect's title", () => {
    expect(svg).toContain("<title>start 0x221108000\nend   0x221109000\nsize  0x1000 (4 KiB)\nnode  0\ntype  VTL2_PERSISTED_STATE_HEADER</title>");
  });

  it("labels the axis with boundary addresses and lists the legend", () => {
    expect(svg).toContain(">0x0</text>");
    expect(svg).toContain(">0x4000000000</text>");
    expect(legendEntries(drawn).map((e) => e.label)).toEqual([
      "RAM node 0", "RAM node 1", "VTL0_MMIO", "VTL2_BOOTSHIM_LOG_BUFFER", "VTL2_CONFIG", "VTL2_GPA_POOL",
      "VTL2_MMIO", "VTL2_PERSISTED_STATE_HEADER", "VTL2_PERSISTED_STATE_PROTOBUF", "VTL2_RAM",
      "VTL2_SIDECAR_IMAGE", "VTL2_SIDECAR_NODE",
    ]);
    expect(svg).toContain(">VTL2_GPA_POOL</text>");
  });
});

describe("renderMap zoomed", () => {
  it("shows only the ranges in the window, clipped, over the full width", () => {
    const { svg, scale } = renderMap(twoNodes, { width: 1100, zoom: { start: 0x221000000n, end: 0x221200000n } });
    const rs = rects(svg);
    expect(rs.map((r) => `${r["data-lane"]}:${r["data-type"]}`)).toEqual([
      "vtl2ram:RAM", "vtl2:VTL2_SIDECAR_IMAGE", "vtl2:VTL2_BOOTSHIM_LOG_BUFFER", "vtl2:VTL2_PERSISTED_STATE_HEADER",
      "vtl2:VTL2_PERSISTED_STATE_PROTOBUF", "vtl2:VTL2_RAM",
    ]);
    // the VTL2 RAM range covers the window: drawn across the whole map, tooltip keeps its real bounds
    const ram = rs[0];
    expect(Number(ram.x)).toBe(GEOMETRY.labelWidth);
    expect(Number(ram.width)).toBeCloseTo(1100 - GEOMETRY.labelWidth - 10, 1);
    expect(ram["data-start"]).toBe("0x220000000");
    expect([scale!.lo, scale!.hi]).toEqual([0x221000000n, 0x221200000n]);
    expect(rects(svg, "gap")).toHaveLength(0);
  });

  it("says so when the window holds no range", () => {
    const { svg, drawn } = renderMap(twoNodes, { zoom: { start: 0x5000000000n, end: 0x6000000000n } });
    expect(drawn).toHaveLength(0);
    expect(rects(svg)).toHaveLength(0);
    expect(svg).not.toContain("no ranges"); // the scale still exists: the window itself is one gap
    expect(rects(svg, "gap")).toHaveLength(1);
  });
});

describe("renderMap edge cases", () => {
  it("renders an empty result as 'no ranges'", () => {
    const empty: BootOutput = { ...aarch64, vtl2Ram: [], partitionRam: [], vtl0Mmio: [], vtl2Mmio: [], addressSpace: [], sidecar: null };
    const r = renderMap(empty);
    expect(r.svg).toContain(">no ranges</text>");
    expect(r.scale).toBeNull();
  });

  it("escapes type names in attributes and text", () => {
    expect(xmlEscape(`<a href="x">&</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    const odd: BootOutput = { ...aarch64, addressSpace: [{ start: "0x7c000000", end: "0x80000000", vnode: 0, type: "<X>" }] };
    const { svg } = renderMap(odd);
    expect(svg).toContain('data-type="&lt;X&gt;"');
    expect(svg).not.toContain("<X>");
  });

  it("renders a one-node VTL2-mode aarch64 boot", () => {
    const rs = rects(renderMap(aarch64).svg);
    expect(rs.map((r) => [r["data-lane"], r["data-start"], r["data-end"]])).toEqual([
      ["partition", "0x0", "0x80000000"],
      ["mmio", "0xc0000000", "0xf0000000"],
      ["mmio", "0xf0000000", "0xf8000000"],
      ["vtl2ram", "0x7c000000", "0x80000000"],
      ["vtl2", "0x7c000000", "0x7c005000"],
      ["vtl2", "0x7c005000", "0x80000000"],
    ]);
  });
});

describe("renderMap compared with the first boot", () => {
  it("marks exactly the ranges that moved during servicing", () => {
    const svc = bootFixture<ServiceOutput>("service-differ.json");
    const rs = rects(renderMap(svc.second, { compareWith: svc.first }).svg);
    const changed = rs.filter((r) => r.class.split(" ").includes("changed"));
    expect(changed.map((r) => `${r["data-lane"]}:${r["data-type"]}:${r["data-start"]}`)).toEqual([
      "vtl2:VTL2_RAM:0x221118000", "vtl2:VTL2_SIDECAR_NODE:0x221800000", "vtl2:VTL2_GPA_POOL:0x221a00000",
      "sidecar:VTL2_SIDECAR_NODE:0x221800000",
    ]);
    expect(changed.every((r) => r.stroke === "#d00000")).toBe(true);
  });

  it("marks nothing when servicing kept everything", () => {
    const svc = bootFixture<ServiceOutput>("service-agree.json");
    expect(renderMap(svc.second, { compareWith: svc.first }).svg).not.toContain("changed");
  });
});
