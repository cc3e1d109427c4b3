//! Corpus minimization (`hclboot fuzz --merge DIR [MORE...]`, libFuzzer's `-merge=1`): runs every
//! input of the directories smallest first and keeps in DIR only those that add coverage.
// Ports: nothing upstream (libFuzzer merge semantics, single pass).
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { readInputFile } from "../image/read_file.js";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { Corpus, inputKey } from "./corpus.js";
import { loadCoverageShim } from "./coverage.js";
import { loadProperties } from "./properties.js";
import { getTarget } from "./targets/index.js";
import { targetSeeds } from "./seeds.js";

/** What a merge did. */
export interface MergeResult {
  target: string;
  /** Distinct inputs read, kept in the output directory, and files removed from it. */
  inputs: number;
  kept: number;
  removed: number;
  /** Edges the kept inputs cover. */
  edges: number;
}

const EXT: Record<string, string> = { dt: "dtb", persisted: "bin" };

/** Merges `sources` into `out` (itself included), keeping the inputs that add coverage. */
export async function mergeCorpora(targetName: string, out: string, sources: readonly string[]): Promise<MergeResult> {
  for (const d of sources) if (!existsSync(d)) throw new InputError(`corpus directory not found: ${d}`);
  const files: { path: string | null; bytes: Uint8Array; key: string }[] = [];
  const seenKeys = new Set<string>();
  for (const dir of [out, ...sources]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (name.startsWith(".") || !statSync(path).isFile()) continue;
      const bytes = readInputFile(path, "corpus");
      const key = inputKey(bytes);
      if (dir === out) files.push({ path, bytes, key });
      else if (!seenKeys.has(key)) files.push({ path: null, bytes, key });
      seenKeys.add(key);
    }
  }
  const target = getTarget(targetName, targetSeeds(targetName));
  const { shim, coverage } = await loadCoverageShim();
  target.prepare(shim);
  await loadProperties([]);
  // Smallest first, so a small input is kept over a large one reaching the same edges.
  const order = [...files].sort((a, b) => a.bytes.length - b.bytes.length || (a.key < b.key ? -1 : 1));
  const keep = new Set<string>();
  const ext = EXT[targetName] ?? "json";
  const corpus = new Corpus(out);
  corpus.load();
  for (const f of order) {
    if (keep.has(f.key)) continue;
    let input: unknown;
    try {
      input = target.decode(f.bytes);
    } catch {
      continue; // not an input of this target
    }
    coverage.clear();
    try {
      target.run(shim, input);
    } catch {
      // a host exception still ran code: its coverage counts
    }
    if (coverage.merge() > 0) {
      keep.add(f.key);
      corpus.save(f.bytes, ext);
    }
  }
  let removed = 0;
  for (const f of files) {
    if (f.path !== null && !keep.has(f.key)) {
      rmSync(f.path);
      removed++;
    }
  }
  return { target: targetName, inputs: seenKeys.size, kept: keep.size, removed, edges: coverage.covered() };
}
