// The playground's shareable view hash, first image choice, and the map at 64 NUMA nodes and at
// phone width (pure functions; the browser checks are in test/e2e).
import { describe, it, expect, beforeAll } from "vitest";
import { join } from "node:path";
import type { BootOutput } from "../host/contract.js";
import { parseViewHash, viewHash, pickInitialImage, DEFAULT_IMAGE } from "../web/view_hash.js";
import { renderMap, legendLayout, nodeColor, NODE_COLORS, GEOMETRY } from "../web/map.js";
import { textOn } from "../host/bench/palette.js";
import { bootImage } from "../host/harness/boot.js";
import { loadImage } from "../host/image/load.js";
import { loadShim } from "../host/wasm/node.js";

const root = join(__dirname, "..");

describe("view hash", () => {
  it("round-trips image, servicing and zoom", () => {
    const v = { image: "sidecar-2048.json", kind: "service" as const, zoom: { start: 0x1000n, end: 0x221a00000n } };
    const h = viewHash(v);
    expect(h).toBe("#image=sidecar-2048.json&kind=service&zoom=0x1000-0x221a00000");
    expect(parseViewHash(h)).toEqual(v);
    expect(viewHash({ image: "small.json", kind: "boot" })).toBe("#image=small.json");
    expect(viewHash({})).toBe("");
  });

  it("carries edited JSON instead of the image name", () => {
    const json = JSON.stringify({ name: "x & y", vm: { cpus: { count: 2 } } });
    const h = viewHash({ image: "small.json", json });
    expect(h.startsWith("#json=")).toBe(true);
    expect(parseViewHash(h)).toEqual({ json });
  });

  it("ignores malformed zooms and unknown keys", () => {
    expect(parseViewHash("#image=a.json&zoom=0x10-0x5")).toEqual({ image: "a.json" });
    expect(parseViewHash("#zoom=12-0x20&kind=other&x=1")).toEqual({});
    expect(parseViewHash("")).toEqual({});
  });

  it("starts on small.json (x86_64), not on the first file or an aarch64 image", () => {
    expect(pickInitialImage(["aarch64.json", "fail-pool-too-large.json", "small.json"])).toBe(DEFAULT_IMAGE);
    expect(pickInitialImage(["aarch64.json", "typical.json"])).toBe("typical.json");
    expect(pickInitialImage(["aarch64.json", "small.json"], "aarch64.json")).toBe("aarch64.json");
    expect(pickInitialImage(["small.json"], "gone.json")).toBe("small.json");
    expect(pickInitialImage([])).toBe("");
  });
});

describe("map at 64 NUMA nodes (images/sidecar-2048.json)", () => {
  let boot: BootOutput;
  beforeAll(async () => {
    boot = bootImage(loadImage(join(root, "images", "sidecar-2048.json")), { shim: await loadShim() }).output as BootOutput;
  });

  it("gives each node its own colour and readable label text", () => {
    const { svg } = renderMap(boot, { width: 1240 });
    const byNode = new Map<string, string>();
    for (const m of svg.matchAll(/data-lane="partition"[^>]*data-vnode="(\d+)"[^>]*fill="(#[0-9A-Fa-f]{6})"/g)) byNode.set(m[1]!, m[2]!);
    expect(byNode.size).toBe(64);
    expect(new Set(byNode.values()).size).toBe(64);
    expect(NODE_COLORS).toHaveLength(64);
    expect(nodeColor(63)).not.toBe(nodeColor(7));
    expect(textOn("#F0E442")).toBe("#000000"); // yellow gets black text
    expect(textOn("#0072B2")).toBe("#ffffff");
  });

  it("thins the axis labels: vertical, never closer than the spacing", () => {
    const { svg } = renderMap(boot, { width: 1240 });
    const xs = [...svg.matchAll(/<text class="tick" x="([\d.]+)"[^>]*rotate\(-90/g)].map((m) => Number(m[1]));
    expect(xs.length).toBeGreaterThan(20);
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThanOrEqual(GEOMETRY.tickSpacing);
    // more boundaries than labels: some were thinned
    expect((svg.match(/<line [^>]*y2="[\d.]+" stroke="#333"\/>/g) ?? []).length).toBeGreaterThan(xs.length);
  });

  it("fits a 375 px page: short lane titles, legend inside the width", () => {
    const width = 375 - 32;
    const { svg, labelWidth } = renderMap(boot, { width });
    expect(labelWidth).toBe(GEOMETRY.narrowLabelWidth);
    expect(svg).toContain(">VTL0 RAM<");
    for (const m of svg.matchAll(/<g class="legend">(.*?)<\/g>/gs)) {
      for (const r of m[1]!.matchAll(/<rect x="(\d+)"/g)) expect(Number(r[1])).toBeLessThan(width - 60);
    }
    const layout = legendLayout(Array.from({ length: 64 }, (_, i) => ({ label: `RAM node ${i}`, color: nodeColor(i) })), width);
    expect(Math.max(...layout.placed.map((p) => p.x))).toBeLessThan(width);
    expect(layout.rows).toBeLessThan(64); // more than one column of nodes
  });
});
