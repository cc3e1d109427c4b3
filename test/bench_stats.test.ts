// Bench statistics on synthetic sample sets (no timing): intervals, compare verdicts, exponent
// intervals, shard/merge, native ratios, the palette and the plot; plus the CLI's new options.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rng, seedFor, median, bootstrapMedian, bootstrapMedianClustered, clustersOf, summarize, exponentInterval, mad, quantileSorted } from "../host/bench/stats.js";
import { combineRuns } from "../host/bench/processes.js";
import { compareRuns, compareText, isRegression } from "../host/bench/compare.js";
import { scaling, pointKey, STATS, type BenchJson, type ResultJson } from "../host/bench/report.js";
import { parseShard, shardPoints, mergeDocs } from "../host/bench/shard.js";
import { parseNative, nativeRatios, nativeText } from "../host/bench/native.js";
import { palette, deltaE, OKABE_ITO, seriesColor } from "../host/bench/palette.js";
import { renderSvg, spreadLabels, DIRECT_LABEL_MAX } from "../host/bench/svg.js";
import { svgToPng } from "../host/bench/png.js";
import { sweepConfigs } from "../host/bench/sweep.js";
import { measure, measureAll, parseSlowHook, slowFactor, slowed } from "../host/bench/timing.js";
import { main } from "../host/cli/main.js";

/** `n` samples around `center`: ±`noise` uniform jitter plus, one time in ten, a 3× outlier (load). */
function samples(next: () => number, center: number, noise: number, n: number): number[] {
  return Array.from({ length: n }, () => center * (1 + noise * (2 * next() - 1)) * (next() < 0.1 ? 3 : 1));
}

/** A bench document of `points` points × phases whose samples come from `gen(point, phase)`. */
function doc(points: number, phases: string[], gen: (point: number, phase: string) => number[]): BenchJson {
  const results: ResultJson[] = [];
  for (let k = 0; k < points; k++) {
    const cpus = 2 ** k;
    const r: ResultJson = { cpus, nodes: 4, ranges: 8, mode: "host", sidecar: true, pool: true, axis: "cpus", dtBytes: 1, phases: {} };
    for (const p of phases) {
      const s = gen(k, p);
      const t = summarize(s, `${cpus}/${p}`);
      r.phases[p] = { ...t, samplesNs: s, iterations: 1 };
    }
    results.push(r);
  }
  return { results, scaling: scaling(results), stats: STATS };
}

describe("bootstrap intervals", () => {
  it("are deterministic for a seed and differ between seeds", () => {
    const s = samples(rng(1), 1000, 0.2, 9);
    expect(bootstrapMedian(s, 7)).toEqual(bootstrapMedian(s, 7));
    expect(rng(3)()).toBe(rng(3)());
    expect(seedFor("a")).not.toBe(seedFor("b"));
    expect(summarize(s, "x")).toEqual(summarize(s, "x"));
  });

  it("hold the median, lie within the samples and narrow with more samples", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
      const next = rng(seed);
      const s = samples(next, 5000, 0.3, 9);
      const ci = bootstrapMedian(s, seed);
      const m = median(s);
      return ci.lo <= m && m <= ci.hi && ci.lo >= Math.min(...s) && ci.hi <= Math.max(...s);
    }), { numRuns: 50 });
    const next = rng(11);
    const few = samples(next, 1000, 0.3, 7);
    const many = samples(next, 1000, 0.3, 201);
    const w = (c: { lo: number; hi: number }) => c.hi - c.lo;
    expect(w(bootstrapMedian(many, 1))).toBeLessThan(w(bootstrapMedian(few, 1)));
  });

  it("covers the true median about 95% of the time", () => {
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const next = rng(1000 + t);
      // symmetric noise around 1000: the true median is 1000
      const s = Array.from({ length: 15 }, () => 1000 * (1 + 0.2 * (2 * next() - 1)));
      const ci = bootstrapMedian(s, t, 0.95, 1000);
      if (ci.lo <= 1000 && 1000 <= ci.hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
  });

  it("summarizes min, max, spread and one-sample sets", () => {
    const t = summarize([10, 12, 11, 30, 9], "p");
    expect([t.minNs, t.medianNs, t.maxNs]).toEqual([9, 11, 30]);
    expect(t.madPct).toBeCloseTo((mad([10, 12, 11, 30, 9]) / 11) * 100, 9);
    expect(summarize([42], "p")).toMatchObject({ medianNs: 42, ciLowNs: 42, ciHighNs: 42, madPct: 0 });
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(() => bootstrapMedian([], 1)).toThrow("no samples");
  });
});

describe("compareRuns verdicts (synthetic samples)", () => {
  const phases = ["dtParse", "kernelDt", "sidecar"];

  it("self vs self: zero change and no regression", () => {
    const a = doc(12, phases, (k, p) => samples(rng(seedFor(`${k}${p}`)), 1000 * 2 ** k, 0.3, 9));
    const changes = compareRuns(a, a);
    expect(changes.map((c) => c.phase)).toEqual(["dtParse", "sidecar", "kernelDt"]);
    for (const c of changes) {
      expect(c.changePct).toBeCloseTo(0, 9);
      expect(c.regression).toBe(false);
      expect(c.separated).toBe(false);
    }
    expect(compareText(changes, 5)).toMatch(/no regression$/);
  });

  it("two runs of the same noisy distribution (±30%, 10% outliers at 3×): never a regression", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), (seed) => {
      const next = rng(seed);
      const a = doc(12, phases, (k) => samples(next, 1000 * 2 ** k, 0.3, 9));
      const b = doc(12, phases, (k) => samples(next, 1000 * 2 ** k, 0.3, 9));
      return compareRuns(a, b, 5).every((c) => !c.regression);
    }), { numRuns: 12 });
  });

  it("a deliberately slowed phase (+40%) is flagged; the other phases are not", () => {
    const next = rng(5);
    const a = doc(12, phases, (k) => samples(next, 1000 * 2 ** k, 0.3, 9));
    const b = doc(12, phases, (k, p) => samples(next, 1000 * 2 ** k * (p === "kernelDt" ? 1.4 : 1), 0.3, 9));
    const changes = compareRuns(a, b, 5);
    const kdt = changes.find((c) => c.phase === "kernelDt")!;
    expect(kdt.regression).toBe(true);
    expect(kdt.changeLowPct).toBeGreaterThan(0);
    expect(kdt.changePct).toBeGreaterThan(20);
    expect(changes.filter((c) => c.regression).map((c) => c.phase)).toEqual(["kernelDt"]);
    expect(compareText(changes, 5)).toMatch(/kernelDt .*REGRESSION/);
    expect(compareText(changes, 5)).toMatch(/regression in kernelDt$/);
  });

  it("a change the intervals resolve but below the threshold is not a regression", () => {
    const next = rng(9);
    const tight = (center: number) => Array.from({ length: 31 }, () => center * (1 + 0.002 * (2 * next() - 1)));
    const a = doc(12, ["e820"], (k) => tight(1000 * 2 ** k));
    const b = doc(12, ["e820"], (k) => tight(1030 * 2 ** k));
    const c = compareRuns(a, b, 5)[0]!;
    expect(c.separated).toBe(true);
    expect(c.changePct).toBeCloseTo(3, 0);
    expect(c.regression).toBe(false);
    expect(compareText([c], 5)).toMatch(/slower, not beyond the threshold/);
    expect(compareRuns(a, b, 1)[0]!.regression).toBe(true);
  });

  it("a change above the threshold whose intervals overlap is not a regression", () => {
    const old = { lowNs: 800, medianNs: 1000, highNs: 1500 };
    const now = { lowNs: 1100, medianNs: 1200, highNs: 1900 };
    expect(isRegression(old, now, 5)).toBe(false);
    expect(isRegression(old, { lowNs: 1600, medianNs: 1700, highNs: 1900 }, 5)).toBe(true);
    expect(isRegression(old, { lowNs: 1600, medianNs: 1700, highNs: 1900 }, 80)).toBe(false);
  });

  it("reads documents from before the statistics (no intervals) as zero-width intervals", () => {
    const mk = (ns: number): BenchJson => ({
      results: [{ cpus: 4, nodes: 1, ranges: 2, mode: "host", sidecar: true, pool: true, axis: "cpus", dtBytes: 1, phases: { dtParse: { medianNs: ns, minNs: ns } } }],
      scaling: [],
    });
    expect(compareRuns(mk(1000), mk(1100), 5)[0]!.regression).toBe(true);
    expect(compareRuns(mk(1000), mk(1040), 5)[0]!.regression).toBe(false);
  });
});

describe("samples from several processes (each with its own offset)", () => {
  /** `k` processes × `m` samples: process p is off by offsets[p] (a fixed factor), ±1% noise within. */
  const procSamples = (next: () => number, center: number, offsets: number[], m: number) =>
    offsets.flatMap((o) => Array.from({ length: m }, () => center * o * (1 + 0.01 * (2 * next() - 1))));
  /** A document measured in `offsets.length` processes. */
  const procDoc = (next: () => number, points: number, scale: (k: number) => number, offsets: number[]): BenchJson => {
    const d = doc(points, ["addressSpace"], (k) => procSamples(next, 1000 * 2 ** k * scale(k), offsets, 3));
    for (const r of d.results) for (const [p, t] of Object.entries(r.phases)) r.phases[p] = { ...t, ...summarize(t.samplesNs!, `${r.cpus}/${p}`, offsets.length) };
    return { ...d, processes: offsets.length };
  };

  it("splits samples into per-process blocks", () => {
    expect(clustersOf([1, 2, 3, 4, 5, 6], 3)).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(clustersOf([1, 2, 3, 4, 5], 3)).toEqual([[1, 2, 3, 4, 5]]);
    expect(clustersOf([1, 2], 1)).toEqual([[1, 2]]);
  });

  it("widens the interval by the spread between processes, which one process cannot show", () => {
    const next = rng(4);
    const s = procSamples(next, 1000, [0.92, 1.0, 1.08], 15);
    const flat = bootstrapMedian(s, 1);
    const byProcess = bootstrapMedianClustered(s, 3, 1);
    expect(byProcess.hi - byProcess.lo).toBeGreaterThan(flat.hi - flat.lo);
    expect(byProcess.lo).toBeLessThan(960);
    expect(byProcess.hi).toBeGreaterThan(1040);
  });

  it("self vs self across processes offset by up to ±9%: no regression; +40% in every process: flagged", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), (seed) => {
      const next = rng(seed);
      const offsets = () => [0, 1, 2].map(() => 1 + 0.09 * (2 * next() - 1));
      const a = procDoc(next, 10, () => 1, offsets());
      const b = procDoc(next, 10, () => 1, offsets());
      const slow = procDoc(next, 10, () => 1.4, offsets());
      return !compareRuns(a, b, 5)[0]!.regression && compareRuns(a, slow, 5)[0]!.regression;
    }), { numRuns: 10 });
  });

  it("one process each, a 9% per-process offset is (wrongly but unavoidably) a resolved change", () => {
    const next = rng(8);
    const a = procDoc(next, 10, () => 1, [1]);
    const b = procDoc(next, 10, () => 1, [1.09]);
    expect(compareRuns(a, b, 5)[0]!.regression).toBe(true); // why --processes defaults to 3
  });

  it("combineRuns pools the processes' samples per point in process order", () => {
    const mk = (v: number): BenchJson => doc(3, ["e820", "kernelDt"], (k) => [v * (k + 1), v * (k + 1) + 1, v * (k + 1) + 2]);
    const c = combineRuns([mk(100), mk(110), mk(120)]);
    expect(c.processes).toBe(3);
    expect(c.results[0]!.phases.e820!.samplesNs).toEqual([100, 101, 102, 110, 111, 112, 120, 121, 122]);
    expect(c.results[0]!.phases.e820!.medianNs).toBe(111);
    expect(c.results[0]!.phases.e820!.minNs).toBe(100);
    expect(c.results[0]!.phases.e820!.maxNs).toBe(122);
    expect(c.scaling.map((x) => x.phase)).toEqual(["e820", "kernelDt"]);
    const other = mk(100);
    other.results[1]!.cpus = 999;
    expect(() => combineRuns([mk(100), other])).toThrow("different points");
  });
});

describe("exponent intervals and the superlinear flag", () => {
  const xs = [128, 256, 512, 1024, 2048];
  const pts = (f: (x: number) => number, noise: number, seed: number) => {
    const next = rng(seed);
    return xs.map((x) => ({ x, samples: samples(next, f(x), noise, 9) }));
  };

  it("linear cost: the interval holds 1; quadratic: it lies above 1", () => {
    const lin = exponentInterval(pts((x) => 100 * x, 0.1, 1), "lin")!;
    expect(lin.lo).toBeLessThan(1);
    expect(lin.hi).toBeGreaterThan(1);
    const sq = exponentInterval(pts((x) => x * x, 0.1, 2), "sq")!;
    expect(sq.lo).toBeGreaterThan(1.5);
  });

  it("scaling: 1.2 from three noisy points is not called superlinear, 1.2 from five clean points is", () => {
    const mk = (cpus: number[], f: (x: number) => number, noise: number): ResultJson[] => {
      const next = rng(42);
      return cpus.map((c) => {
        const s = samples(next, f(c), noise, 9);
        return { cpus: c, nodes: 4, ranges: 8, mode: "host", sidecar: true, pool: true, axis: "cpus", dtBytes: 1, phases: { hostDtBuild: { ...summarize(s, String(c)), samplesNs: s } } } as ResultJson;
      });
    };
    // noisy: 0.4 µs per CPU plus a disturbed top point, 3 points (a --quick sweep's tail)
    const noisy = scaling(mk([256, 1024, 2048], (x) => 400 * x * (x === 2048 ? 1.35 : 1), 0.2)).find((s) => s.phase === "hostDtBuild")!;
    expect(noisy.exponent!).toBeGreaterThan(1.1);
    expect(noisy.exponentLow!).toBeLessThan(1);
    expect(noisy.superlinear).toBe(false);
    const clean = scaling(mk([128, 256, 512, 1024, 2048], (x) => 10 * x ** 1.2, 0.01)).find((s) => s.phase === "hostDtBuild")!;
    expect(clean.exponentLow!).toBeGreaterThan(1);
    expect(clean.superlinear).toBe(true);
  });
});

describe("--shard and --merge", () => {
  it("parses I/N and rejects the rest", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/4", "5/4", "1/0", "a/b", "2", "-1/3"]) expect(() => parseShard(bad)).toThrow(/--shard/);
  });

  it("splits the sweep into disjoint shards that together hold every point once", () => {
    const all = sweepConfigs(false);
    for (const n of [1, 2, 3, 7]) {
      const parts = Array.from({ length: n }, (_, i) => shardPoints(all, { index: i + 1, count: n }));
      expect(parts.flat()).toHaveLength(all.length);
      expect(new Set(parts.flat())).toEqual(new Set(all));
      expect(shardPoints(all, { index: 1, count: n })).toEqual(parts[0]); // deterministic
    }
  });

  it("merges shards back into the unsharded order with the fits recomputed", () => {
    const whole = doc(10, ["kernelDt"], (k) => samples(rng(k + 1), 100 * 2 ** k, 0.05, 9));
    const n = 3;
    const shards = Array.from({ length: n }, (_, i) => {
      const results = shardPoints(whole.results, { index: i + 1, count: n });
      return { file: `s${i + 1}.json`, doc: { results, scaling: scaling(results), shard: { index: i + 1, count: n, sweepPoints: 10 }, seconds: 1, wasmMemoryBytes: 100 * (i + 1) } as BenchJson };
    });
    const merged = mergeDocs([shards[2]!, shards[0]!, shards[1]!]);
    expect(merged.results.map(pointKey)).toEqual(whole.results.map(pointKey));
    expect(merged.scaling).toEqual(whole.scaling);
    expect(merged.merged).toEqual({ shards: 3, files: ["s3.json", "s1.json", "s2.json"] });
    expect(merged.wasmMemoryBytes).toBe(300);
    expect(merged.seconds).toBe(3);
    expect(() => mergeDocs([shards[0]!, shards[1]!])).toThrow("--merge: missing shard 3/3");
    expect(() => mergeDocs([shards[0]!, shards[0]!, shards[1]!])).toThrow("shard 1/3 given twice");
    expect(() => mergeDocs([shards[0]!, { file: "w.json", doc: whole }])).toThrow("w.json is not a shard");
    expect(() => mergeDocs([{ file: "w.json", doc: whole }, { file: "w2.json", doc: whole }])).toThrow(/appears twice/);
    expect(() => mergeDocs([{ file: "x.json", doc: {} as BenchJson }])).toThrow("x.json is not a bench --json document");
  });
});

describe("--native", () => {
  const measured = doc(3, ["dtParse", "readFromDt"], (k) => [1000 * (k + 1)]);

  it("reports WASM/native per point and phase, sums a+b phases, lists what matched nothing", () => {
    const n = nativeRatios(measured.results, parseNative({
      source: "openhcl_boot bench",
      results: [
        { cpus: 1, nodes: 4, ranges: 8, phases: { dtParse: 4000, "dtParse+readFromDt": { medianNs: 8000 } } },
        { cpus: 2, nodes: 4, ranges: 8, mode: "vtl2", phases: { dtParse: 1 } },
        { cpus: 4, nodes: 4, ranges: 8, phases: { kernelDt: 1 } },
      ],
    }));
    expect(n.points).toEqual([
      { cpus: 1, nodes: 4, ranges: 8, mode: "host", sidecar: true, pool: true, phase: "dtParse", wasmNs: 1000, nativeNs: 4000, ratio: 0.25 },
      { cpus: 1, nodes: 4, ranges: 8, mode: "host", sidecar: true, pool: true, phase: "dtParse+readFromDt", wasmNs: 2000, nativeNs: 8000, ratio: 0.25 },
    ]);
    expect(n.phases).toEqual([{ phase: "dtParse", points: 1, ratio: 0.25 }, { phase: "dtParse+readFromDt", points: 1, ratio: 0.25 }]);
    expect(n.unmatched).toEqual(["2c-4n-8r-vtl2 dtParse", "4c-4n-8r-host kernelDt"]);
    expect(nativeText(n)).toMatch(/dtParse: geometric mean ratio 0\.25 over 1 point/);
  });

  it("rejects a malformed file naming the field", () => {
    expect(() => parseNative({})).toThrow("native: expected an object with a results array");
    expect(() => parseNative({ results: [{ cpus: 0, nodes: 1, ranges: 1, phases: {} }] })).toThrow("native.results[0].cpus");
    expect(() => parseNative({ results: [{ cpus: 1, nodes: 1, ranges: 1, phases: { dtParse: -3 } }] })).toThrow("native.results[0].phases.dtParse");
    expect(() => parseNative({ results: [{ cpus: 1, nodes: 1, ranges: 1, mode: "x", phases: {} }] })).toThrow("native.results[0].mode");
  });

  it("accepts the example file in test/fixtures", () => {
    const f = parseNative(JSON.parse(readFileSync(join(__dirname, "fixtures", "bench-native-upstream.json"), "utf8")));
    expect(f.entries.length).toBeGreaterThanOrEqual(3);
  });
});

describe("palette and plot", () => {
  it("64 distinct colours, Okabe-Ito first, every pair clearly apart", () => {
    const p = palette();
    expect(p).toHaveLength(64);
    expect(p.slice(0, 8)).toEqual([...OKABE_ITO]);
    expect(new Set(p).size).toBe(64);
    let min = Infinity;
    for (let i = 0; i < p.length; i++) for (let j = 0; j < i; j++) min = Math.min(min, deltaE(p[i]!, p[j]!));
    expect(min).toBeGreaterThan(20);
    expect(seriesColor(64)).toBe(p[0]);
  });

  it("scales to 64 series: one legend entry and one colour each, legend rows instead of direct labels", () => {
    const series = Array.from({ length: 64 }, (_, i) => ({ name: `node ${i}`, points: [1, 2, 4].map((x) => ({ x, y: 1000 + i * 10 + x })) }));
    const svg = renderSvg(series, "64 series");
    expect(svg.match(/<g class="legend-entry"/g)).toHaveLength(64);
    const colours = [...svg.matchAll(/<g class="series" data-phase="[^"]*" stroke="(#[0-9A-F]{6})"/g)].map((m) => m[1]);
    expect(new Set(colours).size).toBe(64);
    expect(svg).not.toContain("direct-labels");
    expect(series.length).toBeGreaterThan(DIRECT_LABEL_MAX);
    // the data spans less than a decade on both axes: linear axes
    expect(svg).not.toContain("log scale");
  });

  it("draws a min-max band per series and log axes over decades", () => {
    const svg = renderSvg([{ name: "kernelDt", points: [1, 64, 2048].map((x) => ({ x, y: 100 * x, lo: 90 * x, hi: 150 * x })) }], "band");
    expect(svg.match(/<polygon class="band" data-phase="kernelDt"/g)).toHaveLength(1);
    expect(svg).toContain("CPUs (log scale)");
    expect(svg).toContain("median time per run (log scale)");
  });

  it("spreads direct labels so none are closer than the gap", () => {
    const ys = spreadLabels([100, 101, 102, 300, 299], 14, 50, 400);
    const sorted = [...ys].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(14 - 1e-9);
  });

  it("renders the chart as a PNG of the SVG's size (resvg-wasm)", async () => {
    const svg = renderSvg([{ name: "dtParse", points: [1, 16, 256].map((x) => ({ x, y: 50 * x })) }], "png");
    const png = await svgToPng(svg);
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBe(900); // IHDR width
    expect(view.getUint32(20)).toBe(Number(/height="(\d+)"/.exec(svg)![1]));
  });
});

describe("timing and the HCLBOOT_BENCH_SLOW test hook", () => {
  it("interleaves phases round by round and keeps every sample", () => {
    const order: string[] = [];
    const t = measureAll([["a", (n) => (order.push("a"), n * 0.01)], ["b", (n) => (order.push("b"), n * 0.02)]], { sampleMs: 0.5, samples: 4 });
    expect(t.a!.samplesNs).toHaveLength(4);
    expect(t.b!.medianNs).toBeCloseTo(20_000, 6);
    // after each phase's calibration, the samples alternate a, b, a, b …
    expect(order.slice(-8)).toEqual(["a", "b", "a", "b", "a", "b", "a", "b"]);
    expect(measure((n) => n * 0.01, { sampleMs: 0.5, samples: 3 }).samples).toBe(3);
  });

  it("parses the hook and slows a body by its factor on the bench clock", () => {
    expect(parseSlowHook("kernelDt:3, dtParse")).toEqual(new Map([["kernelDt", 3], ["dtParse", 2]]));
    expect(slowFactor("e820", "kernelDt:3")).toBe(1);
    expect(() => parseSlowHook("kernelDt:0.5")).toThrow("HCLBOOT_BENCH_SLOW");
    expect(() => parseSlowHook("kernelDt:x")).toThrow("HCLBOOT_BENCH_SLOW");
    // the body reports 3 ms (without taking them); the wrapper spins until the bench clock shows 2 × 3 ms
    const fast = (n: number) => n;
    expect(slowed(fast, 1)).toBe(fast);
    expect(slowed(fast, 2)(3)).toBeGreaterThanOrEqual(6);
  });
});

describe("hclboot bench: shard, merge, native and hook arguments", () => {
  const dir = mkdtempSync(join(tmpdir(), "hclboot-bench-"));
  const write = (name: string, value: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(value));
    return p;
  };

  it("merges shard files into -o OUT (exit 0) and rejects incomplete or bad input (exit 2)", async () => {
    const whole = doc(4, ["kernelDt"], (k) => [100 * 2 ** k, 110 * 2 ** k, 105 * 2 ** k]);
    const s = (i: number) => write(`s${i}.json`, { ...whole, results: shardPoints(whole.results, { index: i, count: 2 }), shard: { index: i, count: 2, sweepPoints: 4 } });
    const out = join(dir, "merged.json");
    expect(await main(["bench", "--merge", s(1), s(2), "-o", out, "--svg", join(dir, "m.svg")])).toBe(0);
    const merged = JSON.parse(readFileSync(out, "utf8")) as BenchJson;
    expect(merged.results.map(pointKey)).toEqual(whole.results.map(pointKey));
    expect(existsSync(join(dir, "m.svg"))).toBe(true);
    // compare of the merged document with itself: no regression
    expect(await main(["bench", "--merge", s(1), s(2), "-o", join(dir, "m2.json"), "--compare", out])).toBe(0);
    expect(await main(["bench", "--merge", s(1), "-o", join(dir, "x.json")])).toBe(2);
    expect(await main(["bench", "--merge"])).toBe(2);
    expect(await main(["bench", "--merge", s(1), s(2), "--shard", "1/2"])).toBe(2);
    expect(await main(["bench", s(1)])).toBe(2);
  });

  it("reports native ratios on a merged document and rejects a bad --native file", async () => {
    const whole = doc(2, ["dtParse"], (k) => [1000 * (k + 1)]);
    const s1 = write("n1.json", { ...whole, results: [whole.results[0]], shard: { index: 1, count: 2, sweepPoints: 2 } });
    const s2 = write("n2.json", { ...whole, results: [whole.results[1]], shard: { index: 2, count: 2, sweepPoints: 2 } });
    const native = write("native.json", { results: [{ cpus: 2, nodes: 4, ranges: 8, phases: { dtParse: 4000 } }] });
    const out = join(dir, "nm.json");
    expect(await main(["bench", "--merge", s1, s2, "--native", native, "-o", out])).toBe(0);
    expect((JSON.parse(readFileSync(out, "utf8")) as BenchJson).native!.phases).toEqual([{ phase: "dtParse", points: 1, ratio: 0.5 }]);
    expect(await main(["bench", "--merge", s1, s2, "--native", write("bad.json", { results: [{}] })])).toBe(2);
    expect(await main(["bench", "--native", join(dir, "missing.json")])).toBe(2);
  });

  it("rejects a bad --shard, --processes, --samples and HCLBOOT_BENCH_SLOW before the sweep (exit 2)", async () => {
    expect(await main(["bench", "--shard", "3/2"])).toBe(2);
    expect(await main(["bench", "--processes", "0"])).toBe(2);
    expect(await main(["bench", "--samples", "x"])).toBe(2);
    expect(await main(["bench", "--merge", "a.json", "--processes", "2"])).toBe(2);
    const saved = process.env.HCLBOOT_BENCH_SLOW;
    try {
      process.env.HCLBOOT_BENCH_SLOW = "noSuchPhase:2";
      expect(await main(["bench", "--quick"])).toBe(2);
      process.env.HCLBOOT_BENCH_SLOW = "kernelDt:0";
      expect(await main(["bench", "--quick"])).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.HCLBOOT_BENCH_SLOW;
      else process.env.HCLBOOT_BENCH_SLOW = saved;
    }
  });
});
