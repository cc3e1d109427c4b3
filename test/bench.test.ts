import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { main } from "../host/cli/main.js";
import { fitPowerLaw, fitTail, SUPERLINEAR_EXPONENT } from "../host/bench/fit.js";
import { compareRuns, compareText } from "../host/bench/compare.js";
import { renderSvg } from "../host/bench/svg.js";
import { benchImage, ramRanges, sweepConfigs, configLabel, type BenchConfig } from "../host/bench/sweep.js";
import { parseImage } from "../host/image/resolve.js";
import { measure, median } from "../host/bench/timing.js";
import { preparePoint, PHASES, type Prepared } from "../host/bench/phases.js";
import { runBench, cpuSeries } from "../host/bench/run.js";
import { scaling, type BenchJson, type ResultJson } from "../host/bench/report.js";
import { benchHandoff, benchHypervisor, benchReadFromDt, benchReadFromDtPhase } from "../host/shim/bench.js";

const point = (c: Partial<BenchConfig> & Pick<BenchConfig, "cpus" | "nodes" | "ranges">): BenchConfig => ({
  mode: "host", sidecar: true, pool: true, axis: "cpus", ...c,
});

/** Balanced-tag check of an XML document (no parser in Node): every open tag closes in order. */
function xmlBalanced(text: string): boolean {
  const stack: string[] = [];
  const body = text.replace(/<\?xml[^>]*\?>/, "");
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self === "/") continue;
    if (close === "/") {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0 && !/&(?!amp;|lt;|gt;|quot;)/.test(body);
}

describe("fitPowerLaw", () => {
  const xs = [16, 32, 64, 128, 256, 512, 1024, 2048];

  it("fits exponent 1 to linear cost", () => {
    const f = fitPowerLaw(xs.map((x) => ({ x, y: 300 * x })))!;
    expect(f.exponent).toBeCloseTo(1, 9);
    expect(f.coefficient).toBeCloseTo(300, 6);
    expect(f.r2).toBeCloseTo(1, 9);
  });

  it("fits exponent 2 to quadratic cost and flags it as superlinear", () => {
    const f = fitPowerLaw(xs.map((x) => ({ x, y: 5 * x * x })))!;
    expect(f.exponent).toBeCloseTo(2, 9);
    expect(f.exponent).toBeGreaterThan(SUPERLINEAR_EXPONENT);
  });

  it("fits about 1 to linear cost with ±5% noise", () => {
    const noise = [1.03, 0.97, 1.05, 0.95, 1.01, 0.99, 1.04, 0.96];
    const f = fitPowerLaw(xs.map((x, i) => ({ x, y: 100 * x * noise[i]! })))!;
    expect(Math.abs(f.exponent - 1)).toBeLessThan(0.05);
  });

  it("needs two distinct sizes and ignores non-positive values", () => {
    expect(fitPowerLaw([{ x: 4, y: 10 }])).toBeNull();
    expect(fitPowerLaw([{ x: 4, y: 10 }, { x: 4, y: 20 }])).toBeNull();
    expect(fitPowerLaw([{ x: 0, y: 10 }, { x: 2, y: 2 }, { x: 4, y: 4 }, { x: 8, y: -1 }])!.exponent).toBeCloseTo(1, 9);
  });

  it("fitTail fits only the large sizes, so fixed overhead does not hide the growth", () => {
    // 10 µs overhead + 2 ns · n²: whole-range fit is flattened, the tail shows the square.
    const pts = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048].map((x) => ({ x, y: 10_000 + 2 * x * x }));
    expect(fitPowerLaw(pts)!.exponent).toBeLessThan(1.5);
    expect(fitTail(pts, 256)!.exponent).toBeGreaterThan(1.8);
  });

  it("recovers any exponent from exact power-law data", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 1e4, noNaN: true }), (k, c) => {
        const f = fitPowerLaw(xs.map((x) => ({ x, y: c * x ** k })))!;
        return Math.abs(f.exponent - k) < 1e-9;
      }),
    );
  });
});

describe("measure", () => {
  it("calibrates repetitions until a call lasts sampleMs and reports per-repetition times", () => {
    const calls: number[] = [];
    // a fake clock: every repetition costs 0.01 ms, except the 3rd measured call (an outlier)
    const t = measure((n) => {
      calls.push(n);
      return n * 0.01 * (calls.length === 7 ? 3 : 1);
    }, { sampleMs: 1, samples: 5 });
    expect(t.iterations).toBeGreaterThanOrEqual(100);
    expect(t.samples).toBe(5);
    expect(t.medianNs).toBeCloseTo(10_000, 6);
    expect(t.minNs).toBeCloseTo(10_000, 6);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});

describe("compareRuns", () => {
  const doc = (scale: Record<string, number>): BenchJson => ({
    results: [64, 2048].map((cpus) => ({
      cpus, nodes: 4, ranges: 8, mode: "host", sidecar: true, pool: true, axis: "cpus", dtBytes: 1,
      phases: Object.fromEntries(Object.entries(scale).map(([p, s]) => [p, { medianNs: cpus * 100 * s, minNs: cpus * 90 * s }])),
    })) as ResultJson[],
    scaling: [],
  });

  it("detects a phase that got slower than the threshold", () => {
    const changes = compareRuns(doc({ dtParse: 1, e820: 1 }), doc({ dtParse: 2, e820: 1.05 }), 25);
    const parse = changes.find((c) => c.phase === "dtParse")!;
    expect(parse.changePct).toBeCloseTo(100, 6);
    expect(parse.regression).toBe(true);
    expect(parse.points).toBe(2);
    const e820 = changes.find((c) => c.phase === "e820")!;
    expect(e820.changePct).toBeCloseTo(5, 6);
    expect(e820.regression).toBe(false);
    expect(compareText(changes, 25)).toMatch(/dtParse\s+2\s+\+100\.0%.*REGRESSION/);
  });

  it("does not flag improvements and ignores points missing from the old run", () => {
    const old = doc({ readFromDt: 1 });
    old.results = old.results.slice(0, 1);
    const changes = compareRuns(old, doc({ readFromDt: 0.5 }), 10);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.points).toBe(1);
    expect(changes[0]!.changePct).toBeCloseTo(-50, 6);
    expect(changes[0]!.regression).toBe(false);
  });

  it("rejects a document without results", () => {
    expect(() => compareRuns({} as BenchJson, doc({}), 10)).toThrow("no results array");
  });
});

describe("renderSvg", () => {
  it("writes a well-formed document with one series and one legend entry per phase", () => {
    const series = PHASES.map((name, i) => ({ name, points: [1, 16, 256, 2048].map((x) => ({ x, y: (i + 1) * 100 * x })) }));
    const svg = renderSvg(series, "time vs CPUs <log-log> & more");
    expect(xmlBalanced(svg)).toBe(true);
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<g class="series"/g)).toHaveLength(PHASES.length);
    for (const p of PHASES) expect(svg).toContain(`data-phase="${p}"`);
    expect(svg.match(/<polyline /g)).toHaveLength(PHASES.length);
    // one marker per point in every series (shapes differ by series)
    for (const g of svg.split('<g class="series"').slice(1)) {
      expect(g.slice(0, g.indexOf("</g>")).match(/<(circle|rect|path) /g)).toHaveLength(4);
    }
    // few series: each is labelled at its line end too
    expect(svg.match(/<g class="direct-labels">/g)).toHaveLength(1);
    expect(svg).toContain("CPUs (log scale)");
    expect(svg).toContain("median time per run (log scale)");
    expect(svg).toContain("time vs CPUs &lt;log-log&gt; &amp; more");
    // x ticks are powers of two from 1 to 2048, y ticks decades
    for (const t of ["1", "2048"]) expect(svg).toContain(`>${t}</text>`);
    expect(svg).toContain(">100 ns</text>");
  });

  it("stays well-formed without points", () => {
    expect(xmlBalanced(renderSvg([], "empty"))).toBe(true);
  });
});

describe("sweep", () => {
  it("spreads RAM ranges over the nodes in ascending blocks with 2 MiB holes", () => {
    const r = ramRanges(4, 2);
    expect(r).toEqual([
      { start: "0x0", end: "0xf0000000", vnode: 0 },
      { start: "0x100000000", end: "0x140000000", vnode: 0 },
      { start: "0x140200000", end: "0x180200000", vnode: 1 },
      { start: "0x180400000", end: "0x1c0400000", vnode: 1 },
    ]);
  });

  it("describes every point as a valid image", () => {
    for (const c of sweepConfigs(true)) {
      const img = parseImage(benchImage(c));
      expect(img.vm!.cpus.count).toBe(c.cpus);
      expect(img.vm!.memory.ranges).toHaveLength(c.ranges);
      expect(img.vm!.vtl2.mode).toBe(c.mode === "host" ? "memory-layout" : "vtl2-allocate");
    }
    const split = sweepConfigs(true).find((c) => c.poolSplit)!;
    expect(parseImage(benchImage(split)).commandLine!.text).toBe("OPENHCL_ENABLE_VTL2_GPA_POOL=2048 OPENHCL_VTL2_GPA_POOL_NUMA=split");
    expect(parseImage(benchImage(point({ cpus: 8, nodes: 2, ranges: 2, sidecar: false }))).vm!.bootargs).toBe("console=ttyS0 OPENHCL_SIDECAR=off");
  });

  it("covers 1 … 2048 CPUs, 1 … 64 nodes, up to 1024 ranges, both modes, sidecar and pool on and off", () => {
    const full = sweepConfigs(false);
    expect(Math.min(...full.map((c) => c.cpus))).toBe(1);
    expect(Math.max(...full.map((c) => c.cpus))).toBe(2048);
    expect(new Set(full.map((c) => c.nodes))).toEqual(new Set([1, 2, 4, 8, 16, 32, 64]));
    expect(Math.max(...full.map((c) => c.ranges))).toBe(1024);
    expect(new Set(full.map((c) => `${c.mode}${c.sidecar}${c.pool}`)).size).toBe(8);
    expect(new Set(full.map(configLabel)).size).toBeGreaterThan(200);
    expect(sweepConfigs(true).length).toBeLessThan(40);
  });

  it("starts the RAM-range axis at 1 range (issue 7), every node with a range", () => {
    for (const quick of [true, false]) {
      const axis = sweepConfigs(quick).filter((c) => c.axis === "ranges");
      expect(axis[0]).toMatchObject({ cpus: 64, nodes: 1, ranges: 1 });
      expect(Math.max(...axis.map((c) => c.ranges))).toBe(1024);
      for (const c of axis) expect(c.nodes).toBe(Math.min(4, c.ranges));
    }
    expect(sweepConfigs(false).filter((c) => c.axis === "ranges" && c.ranges === 2).every((c) => c.nodes === 2)).toBe(true);
    expect(sweepConfigs(false).filter((c) => c.axis === "ranges")).toHaveLength(8 * 11);
    expect(ramRanges(1, 1)).toEqual([{ start: "0x0", end: "0xf0000000", vnode: 0 }]);
  });
});

describe("bench exports", () => {
  let shim: Shim;
  let p: Prepared;
  beforeAll(async () => {
    shim = await loadShim();
    shim.setLogging(false);
    const r = preparePoint(shim, point({ cpus: 64, nodes: 4, ranges: 8 }));
    if ("skipped" in r) throw new Error("unexpected skip");
    p = r;
  });

  it("each repeated hand-off phase produces what the whole hand-off produced", () => {
    const hv = () => benchHypervisor(p.cpuRegs);
    const h = p.handoff;
    expect(h.sidecar!.nodes.length).toBe(4);
    expect(benchHandoff(shim, p.handoffRecord, "sidecar", 3, hv()).result).toBe(4);
    expect(benchHandoff(shim, p.handoffRecord, "kernelCmdline", 3, hv()).result).toBe(new TextEncoder().encode(h.kernelCommandLine).length);
    expect(benchHandoff(shim, p.handoffRecord, "e820", 3, hv()).result).toBe(h.e820.length);
    expect(benchHandoff(shim, p.handoffRecord, "kernelDt", 3, hv()).result).toBe(h.dtb.length);
  });

  it("rewinds the arena after every repetition: memory does not grow with the repetition count", () => {
    benchReadFromDt(shim, p.partitionRecord, 2);
    benchHandoff(shim, p.handoffRecord, "kernelDt", 2, benchHypervisor(p.cpuRegs));
    const before = shim.memoryBytes();
    benchReadFromDt(shim, p.partitionRecord, 3000);
    benchHandoff(shim, p.handoffRecord, "kernelDt", 300, benchHypervisor(p.cpuRegs));
    benchHandoff(shim, p.handoffRecord, "sidecar", 3000, benchHypervisor(p.cpuRegs));
    expect(shim.memoryBytes()).toBe(before);
  });

  it("each timed part of read_from_dt reproduces the combined read_from_dt", () => {
    const cases = [
      point({ cpus: 64, nodes: 4, ranges: 8 }),
      point({ cpus: 64, nodes: 1, ranges: 1 }),
      point({ cpus: 64, nodes: 2, ranges: 2, mode: "vtl2" }),
      point({ cpus: 32, nodes: 4, ranges: 4, mode: "vtl2", poolSplit: true }),
      point({ cpus: 16, nodes: 4, ranges: 8, pool: false }),
    ];
    for (const c of cases) {
      const r = preparePoint(shim, c);
      if ("skipped" in r) throw new Error("unexpected skip");
      const whole = r.partition;
      const topo = benchReadFromDtPhase(shim, r.partitionRecord, "topology", 3, true).result!;
      expect(topo.ranges.map((e) => ({ start: e.start, end: e.end, vnode: e.vnode, igvmType: Number(e.type) }))).toEqual(whole.vtl2Ram);
      const pool = benchReadFromDtPhase(shim, r.partitionRecord, "pool", 3, true).result!;
      expect(pool.ranges).toEqual(whole.addressSpace);
      expect(pool.vtl2Pool).toBe(whole.hasVtl2Pool);
      if (c.pool) expect(whole.hasVtl2Pool).toBe(true);
      // The address space before the pool: the same ranges, with the pool still free VTL2 ram.
      const space = benchReadFromDtPhase(shim, r.partitionRecord, "addressSpace", 3, true).result!;
      expect(space.vtl2Pool).toBe(false);
      expect(space.ranges.some((e) => e.type === "VTL2_GPA_POOL")).toBe(false);
      if (!whole.hasVtl2Pool) expect(space.ranges).toEqual(whole.addressSpace);
      const nonPool = whole.addressSpace.filter((e) => e.type !== "VTL2_GPA_POOL" && e.type !== "VTL2_RAM");
      expect(space.ranges.filter((e) => e.type !== "VTL2_RAM")).toEqual(nonPool);
      const bytes = (l: { start: bigint; end: bigint }[]) => l.reduce((a, e) => a + (e.end - e.start), 0n);
      expect(bytes(space.ranges)).toBe(bytes(whole.addressSpace));
      const poolBytes = bytes(whole.addressSpace.filter((e) => e.type === "VTL2_GPA_POOL"));
      if (c.pool) expect(poolBytes).toBe(2048n * 4096n);
      expect(poolBytes > 0n).toBe(whole.hasVtl2Pool);
    }
  });

  it("the timed parts leave memory alone across repetitions and reject an unknown part", () => {
    for (const phase of ["topology", "addressSpace", "pool"] as const) benchReadFromDtPhase(shim, p.partitionRecord, phase, 2);
    const before = shim.memoryBytes();
    for (const phase of ["topology", "addressSpace", "pool"] as const) benchReadFromDtPhase(shim, p.partitionRecord, phase, 3000);
    expect(shim.memoryBytes()).toBe(before);
    shim.reset();
    const at = shim.put(p.partitionRecord);
    expect(() => shim.call("bench_read_from_dt_phase", at, p.partitionRecord.length, 7, 1, 0)).toThrow(/unknown phase 7/);
  });

  it("reports a host tree over the 64-page area as skipped", () => {
    const r = preparePoint(shim, point({ cpus: 2048, nodes: 64, ranges: 1024, axis: "limit" }));
    expect(r).toEqual({ skipped: "host device tree is 284528 bytes, over the 64-page area", dtBytes: 284528 });
  });
});

describe("runBench", () => {
  it("a tiny sweep produces the CONTRACT.md bench --json shape", async () => {
    const configs = [
      point({ cpus: 1, nodes: 1, ranges: 2 }),
      point({ cpus: 16, nodes: 2, ranges: 4 }),
      point({ cpus: 2048, nodes: 64, ranges: 1024, axis: "limit" }),
    ];
    const doc = await runBench(configs, { sampleMs: 0.05, samples: 3 });
    const json = JSON.parse(JSON.stringify(doc)) as BenchJson;
    expect(json.results).toHaveLength(3);
    for (const r of json.results.slice(0, 2)) {
      expect(typeof r.cpus).toBe("number");
      expect(typeof r.nodes).toBe("number");
      expect(typeof r.ranges).toBe("number");
      expect(Object.keys(r.phases)).toEqual([...PHASES]);
      for (const t of Object.values(r.phases)) {
        expect(Object.keys(t).sort()).toEqual(["ciHighNs", "ciLowNs", "iterations", "madPct", "maxNs", "medianNs", "minNs", "samplesNs"]);
        expect(t.minNs).toBeGreaterThan(0);
        expect(t.minNs).toBeLessThanOrEqual(t.medianNs);
        // min ≤ interval low ≤ median ≤ interval high ≤ max, over the 3 samples taken
        expect(t.samplesNs).toHaveLength(3);
        expect(t.ciLowNs!).toBeGreaterThanOrEqual(t.minNs);
        expect(t.ciLowNs!).toBeLessThanOrEqual(t.medianNs);
        expect(t.ciHighNs!).toBeGreaterThanOrEqual(t.medianNs);
        expect(t.ciHighNs!).toBeLessThanOrEqual(t.maxNs!);
        expect(t.medianNs).toBeCloseTo(median(t.samplesNs!), 0);
      }
    }
    expect(json.results.map((r) => [r.cpus, r.nodes, r.ranges])).toEqual([[1, 1, 2], [16, 2, 4], [2048, 64, 1024]]);
    expect(json.results[2]!.skipped).toMatch(/over the 64-page area/);
    expect(json.results[2]!.phases).toEqual({});
    expect(json.scaling.map((s) => s.phase)).toEqual([...PHASES]);
    for (const s of json.scaling) expect(typeof s.exponent === "number" || s.exponent === null).toBe(true);
    expect(json.stats).toMatchObject({ confidence: 0.95, resamples: 2000 });
    expect(json.scaling.find((s) => s.phase === "dtParse")!.exponent).not.toBeNull();
    expect(json.wasmMemoryBytes).toBeGreaterThan(0);
    expect(cpuSeries(json).map((s) => s.points.length)).toEqual(PHASES.map(() => 2));
  });

  it("measures the split read_from_dt phases at a 1-range point, each below the combined phase", async () => {
    const doc = await runBench([point({ cpus: 64, nodes: 1, ranges: 1, axis: "ranges" })], { sampleMs: 0.5, samples: 3 });
    const r = doc.results[0]!;
    expect(r.skipped ?? r.error).toBeUndefined();
    expect([r.cpus, r.nodes, r.ranges]).toEqual([64, 1, 1]);
    for (const k of ["readFromDt", "topology", "addressSpace", "pool"]) expect(r.phases[k]!.medianNs).toBeGreaterThan(0);
    // Each part is a strict subset of read_from_dt's work (min: the least disturbed sample).
    for (const k of ["topology", "addressSpace", "pool"]) expect(r.phases[k]!.minNs).toBeLessThan(r.phases.readFromDt!.medianNs);
  });

  it("scaling uses the base variant's CPU axis and flags superlinear phases", () => {
    const mk = (cpus: number, ns: number, mode: "host" | "vtl2" = "host"): ResultJson => ({
      cpus, nodes: 4, ranges: 8, mode, sidecar: true, pool: true, axis: "cpus", dtBytes: 1,
      phases: { kernelDt: { medianNs: ns, minNs: ns } },
    });
    const res = [16, 64, 256, 1024].flatMap((c) => [mk(c, c * c), mk(c, 5, "vtl2")]);
    const s = scaling(res).find((x) => x.phase === "kernelDt")!;
    expect(s.exponent).toBeCloseTo(2, 3);
    expect(s.superlinear).toBe(true);
  });
});

describe("hclboot bench arguments", () => {
  it("rejects --threshold without --compare and an unreadable --compare file (exit 2)", async () => {
    expect(await main(["bench", "--threshold", "5"])).toBe(2);
    expect(await main(["bench", "--compare", "/nonexistent/old.json"])).toBe(2);
    expect(await main(["bench", "--compare", "x.json", "--threshold", "-3"])).toBe(2);
  });
});
