//! `bench --shard I/N` and `bench --merge`: splits a sweep's points deterministically over N
//! runs (point k goes to shard k mod N + 1, so every shard gets small and large points) and
//! merges the shards' `--json` documents back into one, in the sweep's order, with the scaling
//! fits recomputed over all points.
// Ports: none (benchmark support)

import { pointKey, scaling, STATS, type BenchJson } from "./report.js";

/** One shard of a sweep: `index` in 1 … `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `I/N` (1 ≤ I ≤ N); throws a message naming the problem. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard: expected I/N (e.g. 2/4), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`--shard: I must be in 1 … N, got '${text}'`);
  return { index, count };
}

/** The points of `configs` that shard `s` measures (point k belongs to shard k mod N + 1). */
export function shardPoints<T>(configs: readonly T[], s: Shard): T[] {
  return configs.filter((_, k) => k % s.count === s.index - 1);
}

/** One input of a merge: the file it came from and its document. */
export interface MergeInput {
  file: string;
  doc: BenchJson;
}

/**
 * Merges shard documents (or whole documents of disjoint points): all shards of one split must be
 * present once; a point measured twice is an error. Throws naming the file and the problem.
 */
export function mergeDocs(inputs: readonly MergeInput[]): BenchJson {
  if (inputs.length === 0) throw new Error("--merge: no input documents");
  for (const { file, doc } of inputs) {
    if (!doc || !Array.isArray(doc.results)) throw new Error(`--merge: ${file} is not a bench --json document: no results array`);
  }
  const quick = new Set(inputs.map((i) => i.doc.quick ?? false));
  if (quick.size > 1) throw new Error("--merge: mixes --quick and full sweeps");
  const sharded = inputs.filter((i) => i.doc.shard);
  let results: BenchJson["results"];
  if (sharded.length > 0) {
    if (sharded.length !== inputs.length) throw new Error(`--merge: ${inputs.find((i) => !i.doc.shard)!.file} is not a shard, the others are`);
    const count = inputs[0]!.doc.shard!.count;
    const total = inputs[0]!.doc.shard!.sweepPoints;
    const byIndex = new Map<number, MergeInput>();
    for (const i of inputs) {
      const s = i.doc.shard!;
      if (s.count !== count || s.sweepPoints !== total) throw new Error(`--merge: ${i.file} is shard ${s.index}/${s.count} of ${s.sweepPoints} points, not of the same split as ${inputs[0]!.file} (${count} shards of ${total} points)`);
      if (byIndex.has(s.index)) throw new Error(`--merge: shard ${s.index}/${count} given twice (${byIndex.get(s.index)!.file} and ${i.file})`);
      const want = Math.floor((total - s.index) / count) + 1;
      if (i.doc.results.length !== want) throw new Error(`--merge: ${i.file} (shard ${s.index}/${count}) has ${i.doc.results.length} points, expected ${want}`);
      byIndex.set(s.index, i);
    }
    const missing = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !byIndex.has(k));
    if (missing.length) throw new Error(`--merge: missing shard${missing.length > 1 ? "s" : ""} ${missing.map((k) => `${k}/${count}`).join(", ")}`);
    // point k of the sweep is the (k div N)-th point of shard k mod N + 1
    results = Array.from({ length: total }, (_, k) => byIndex.get((k % count) + 1)!.doc.results[Math.floor(k / count)]!);
  } else {
    results = inputs.flatMap((i) => i.doc.results);
  }
  const seen = new Map<string, number>();
  results.forEach((r, k) => {
    const key = pointKey(r);
    if (seen.has(key)) throw new Error(`--merge: point ${key} appears twice`);
    seen.set(key, k);
  });
  const memory = inputs.map((i) => i.doc.wasmMemoryBytes).filter((v): v is number => typeof v === "number");
  const seconds = inputs.reduce((s, i) => s + (i.doc.seconds ?? 0), 0);
  const first = inputs[0]!.doc;
  return {
    results,
    scaling: scaling(results),
    ...(first.coldStart ? { coldStart: first.coldStart } : {}),
    ...(memory.length ? { wasmMemoryBytes: Math.max(...memory) } : {}),
    quick: first.quick ?? false,
    seconds: Math.round(seconds * 10) / 10,
    stats: STATS,
    merged: { shards: inputs.length, files: inputs.map((i) => i.file) },
  };
}
