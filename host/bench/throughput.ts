//! `hclboot bench --throughput`: whole boots per CPU second through the prepared-image path
//! (`bootPrepared`: image loaded once, each boot on a fork of its guest memory) for a small image,
//! a 4-range and a 1000-range VM, and through `bootImage` (fresh load per boot) for the small one.
// Ports: none (benchmark driver)

import { loadavg, cpus as hostCpus } from "node:os";
import { loadShim } from "../wasm/node.js";
import type { Shim } from "../wasm/loader.js";
import type { ResolvedImage } from "../image/resolve.js";
import { parseImage } from "../image/resolve.js";
import { resolveImage } from "../image/load.js";
import { prepareImage, bootPrepared, bootImage } from "../harness/boot.js";
import { benchImage } from "./sweep.js";
import { measure, timeJs, type Timing, type TimingOptions } from "./timing.js";

/** Samples of a throughput point: 9 calls of at least 10 ms each (90 ms of boots per point). */
export const THROUGHPUT_TIMING: TimingOptions = { sampleMs: 10, samples: 9 };

/** One measured image. */
export interface ThroughputPoint {
  name: string;
  path: "bootPrepared" | "bootImage";
  cpus: number;
  ranges: number;
  /** CPU time per boot (median and minimum over the samples). */
  medianNs: number;
  minNs: number;
  /** Boots per CPU second at the median. */
  bootsPerCpuSecond: number;
  iterations: number;
  samples: number;
  /** Set when the image does not boot (its error). */
  error?: string;
}

/** The `bench --throughput --json` document. */
export interface ThroughputJson {
  throughput: {
    /** Host load average (1, 5, 15 minutes) before and after, and the host's CPU count. */
    load: { before: number[]; after: number[]; cpus: number };
    points: ThroughputPoint[];
    /** Median 1000-range boot over median 4-range boot (prepared path). */
    rangeRatio: number | null;
  };
}

/** The sweep image of a 4-CPU, 1-node VM with `ranges` RAM ranges (host mode, sidecar, no pool). */
export function rangeImage(ranges: number): ResolvedImage {
  const where = `bench:4c-${ranges}r`;
  return resolveImage(parseImage(benchImage({ cpus: 4, nodes: 1, ranges, mode: "host", sidecar: true, pool: false, axis: "ranges" }), where), ".", where);
}

function point(shim: Shim, name: string, image: ResolvedImage, path: ThroughputPoint["path"], o: TimingOptions): ThroughputPoint {
  const cpus = image.vm?.vps.length ?? 0;
  const ranges = image.image.vm?.memory.ranges?.length ?? 0;
  const base = { name, path, cpus, ranges };
  let boot: () => unknown;
  try {
    if (path === "bootPrepared") {
      const p = prepareImage(image);
      boot = () => bootPrepared(p, { shim });
    } else {
      boot = () => bootImage(image, { shim });
    }
    boot();
  } catch (e) {
    return { ...base, medianNs: 0, minNs: 0, bootsPerCpuSecond: 0, iterations: 0, samples: 0, error: (e as Error).message };
  }
  const t: Timing = measure((n) => timeJs(boot, n), o);
  return { ...base, medianNs: t.medianNs, minNs: t.minNs, bootsPerCpuSecond: Math.round(1e9 / t.medianNs), iterations: t.iterations, samples: t.samples };
}

/** Measures the throughput points (logging off, as the phase sweep); `small` is images/small.json. */
export async function runThroughput(small: ResolvedImage, o: TimingOptions = THROUGHPUT_TIMING): Promise<ThroughputJson> {
  const before = loadavg();
  const shim = await loadShim();
  shim.setLogging(false);
  const four = rangeImage(4);
  const thousand = rangeImage(1000);
  const points = [
    point(shim, small.path, small, "bootPrepared", o),
    point(shim, "4 CPUs, 4 ranges", four, "bootPrepared", o),
    point(shim, "4 CPUs, 1000 ranges", thousand, "bootPrepared", o),
    point(shim, small.path, small, "bootImage", o),
  ];
  const [, p4, p1000] = points;
  const rangeRatio = p4!.error || p1000!.error ? null : Math.round((p1000!.medianNs / p4!.medianNs) * 100) / 100;
  const round = (l: number[]) => l.map((x) => Math.round(x * 100) / 100);
  return { throughput: { load: { before: round(before), after: round(loadavg()), cpus: hostCpus().length }, points, rangeRatio } };
}

/** The readable throughput report. */
export function throughputText(doc: ThroughputJson): string {
  const t = doc.throughput;
  const us = (ns: number) => (ns / 1000).toFixed(1);
  const lines = [
    `boot throughput (logging off; CPU time per boot, median of ${t.points[0]?.samples ?? 0} samples; load average ${t.load.before.join(" ")} -> ${t.load.after.join(" ")} on ${t.load.cpus} CPUs)`,
  ];
  for (const p of t.points) {
    const label = `${p.path} ${p.name}`.padEnd(44);
    lines.push(p.error ? `  ${label} error: ${p.error}` : `  ${label} ${us(p.medianNs).padStart(8)} µs (min ${us(p.minNs)})  ${p.bootsPerCpuSecond} boots per CPU second`);
  }
  if (t.rangeRatio !== null) lines.push(`  1000-range / 4-range boot: ${t.rangeRatio}×`);
  return lines.join("\n");
}
