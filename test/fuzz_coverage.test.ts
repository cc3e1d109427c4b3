// Edge coverage of the instrumented boot core (host/fuzz/{instrument,coverage}.ts).
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { instrumentWasm, COVERAGE_MAP_BYTES } from "../host/fuzz/instrument.js";
import { coverageWasmPaths, loadCoverageShim, type Coverage } from "../host/fuzz/coverage.js";
import { parseBootCommandLine } from "../host/shim/cmdline.js";
import { flattenRanges } from "../host/shim/memory_range.js";
import { ShimPanic, type Shim } from "../host/wasm/loader.js";

let shim: Shim;
let cov: Coverage;
beforeAll(async () => {
  ({ shim, coverage: cov } = await loadCoverageShim());
});

const hitBy = (f: () => void): number => {
  cov.clear();
  try {
    f();
  } catch (e) {
    if (!(e instanceof ShimPanic)) throw e;
  }
  return cov.countHit();
};

describe("instrumentWasm", () => {
  it("adds counters to every function and exports the map size", () => {
    const r = instrumentWasm(readFileSync(coverageWasmPaths().base));
    expect(r.functions).toBeGreaterThan(20);
    expect(r.edges).toBeGreaterThan(r.functions);
    expect(r.edges).toBeLessThanOrEqual(COVERAGE_MAP_BYTES);
    const mod = new WebAssembly.Module(r.wasm);
    expect(WebAssembly.Module.exports(mod).map((e) => e.name)).toEqual(expect.arrayContaining(["__cov_edges", "__cov_map", "cmdline_parse"]));
  });
});

describe("Coverage", () => {
  it("counts no edges before a call and some after", () => {
    cov.clear();
    expect(cov.countHit()).toBe(0);
    expect(hitBy(() => parseBootCommandLine(shim, ""))).toBeGreaterThan(0);
  });
  it("counts more edges when a call takes a new branch", () => {
    const plain = hitBy(() => parseBootCommandLine(shim, "quiet"));
    const sidecar = hitBy(() => parseBootCommandLine(shim, "quiet OPENHCL_SIDECAR=off,log"));
    expect(sidecar).toBeGreaterThan(plain);
    const sorted = hitBy(() => flattenRanges(shim, [{ start: 0n, end: 0x1000n }, { start: 0x2000n, end: 0x3000n }]));
    const panics = hitBy(() => flattenRanges(shim, [{ start: 0x2000n, end: 0x3000n }, { start: 0n, end: 0x1000n }]));
    expect(panics).not.toBe(sorted);
  });
  it("reports novelty once per new (edge, hit-count bucket)", () => {
    hitBy(() => parseBootCommandLine(shim, "OPENHCL_VTL2_GPA_POOL_NUMA=split"));
    const first = cov.merge();
    hitBy(() => parseBootCommandLine(shim, "OPENHCL_VTL2_GPA_POOL_NUMA=split"));
    expect(cov.merge()).toBe(0);
    expect(first).toBeGreaterThanOrEqual(0);
    hitBy(() => parseBootCommandLine(shim, "OPENHCL_ENABLE_VTL2_GPA_POOL=512 OPENHCL_CONFIDENTIAL_DEBUG=1"));
    expect(cov.merge()).toBeGreaterThan(0);
    expect(cov.covered()).toBeGreaterThan(0);
    expect(cov.covered()).toBeLessThanOrEqual(cov.edges);
  });
  it("behaves like the release build (same results through the instrumented core)", () => {
    expect(parseBootCommandLine(shim, "OPENHCL_ENABLE_VTL2_GPA_POOL=512").poolDebug).toBe("Pages(512)");
  });
});
