import { describe, it, expect } from "vitest";
import type { ServiceOutput } from "../host/contract.js";
import { compareBoots, comparisonHtml } from "../web/service_view.js";
import { bootFixture } from "./helpers/fixtures.js";


describe("compareBoots", () => {
  it("reports every aspect the same when servicing kept the topology", () => {
    const s = bootFixture<ServiceOutput>("service-agree.json");
    const rows = compareBoots(s.first, s.second);
    expect(rows.every((r) => r.same)).toBe(true);
    expect(rows.map((r) => r.what)).toEqual([
      "VTL2 RAM", "VTL2 address space (ranges and types)", "VTL0 MMIO", "VTL2 MMIO", "GPA pool", "partition RAM",
      "CPU count", "memory allocation mode", "sidecar", "kernel command line",
    ]);
    expect(rows[0]).toEqual({ what: "VTL2 RAM", same: true, first: "2 ranges, 64 MiB", second: "2 ranges, 64 MiB" });
  });

  it("singles out the pool, the address space and the sidecar when the pool moved", () => {
    const s = bootFixture<ServiceOutput>("service-differ.json");
    const rows = compareBoots(s.first, s.second);
    expect(rows.filter((r) => !r.same).map((r) => r.what)).toEqual(["VTL2 address space (ranges and types)", "GPA pool", "sidecar"]);
    expect(rows.find((r) => r.what === "GPA pool")).toEqual({ what: "GPA pool", same: false, first: "1 range, 4 MiB", second: "1 range, 6 MiB" });
  });
});

describe("comparisonHtml", () => {
  it("shows the contract's verdict, its differences (escaped) and one row per aspect", () => {
    const s = bootFixture<ServiceOutput>("service-differ.json");
    const html = comparisonHtml(compareBoots(s.first, s.second), s.agree, [...s.differences, "<b>x</b>"]);
    expect(html).toContain("servicing: topologies DISAGREE");
    expect(html).toContain("<li>address space: VTL2_GPA_POOL 0x221c00000..0x222000000 became 0x221a00000..0x222000000</li>");
    expect(html).toContain("<li>&lt;b&gt;x&lt;/b&gt;</li>");
    expect(html.match(/<tr class="differs">/g)).toHaveLength(3);
    expect(html.match(/<tr class="same">/g)).toHaveLength(7);
  });
});
