//! Edge-coverage map of the instrumented boot core: clear, read, count and novelty per run.
// Ports: nothing upstream (host side of host/fuzz/instrument.ts, AFL-style hit-count buckets).
import { hvImports } from "../hv/imports.js";
import { readFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Shim } from "../wasm/loader.js";
import { packageRoot } from "../wasm/node.js";
import { defaultUpstream, type UpstreamPin } from "../upstream.js";

/** AFL hit-count bucket of a counter value (1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128-255 → one bit each). */
const BUCKET = new Uint8Array(256);
for (let v = 1; v < 256; v++) BUCKET[v] = v === 1 ? 1 : v === 2 ? 2 : v === 3 ? 4 : v < 8 ? 8 : v < 16 ? 16 : v < 32 ? 32 : v < 128 ? 64 : 128;

/** Paths of the coverage build of one upstream pin (default: the process default): the compiled base and the instrumented module. */
export function coverageWasmPaths(upstream: UpstreamPin = defaultUpstream()): { base: string; instrumented: string } {
  const build = join(packageRoot(), "build", "upstream", upstream);
  return { base: join(build, "hclboot.cov.base.wasm"), instrumented: join(build, "hclboot.cov.wasm") };
}

const covModules = new Map<UpstreamPin, WebAssembly.Module>();

/** Compiles (once per process and pin) the coverage build of the boot core. The build instruments it
 * (scripts/build.mjs), so the fuzzer never loads binaryen; a stale or missing build is an error. */
export function coverageModule(upstream: UpstreamPin = defaultUpstream()): WebAssembly.Module {
  let covModule = covModules.get(upstream);
  if (covModule) return covModule;
  const { base, instrumented } = coverageWasmPaths(upstream);
  if (!existsSync(instrumented)) throw new Error(`coverage build missing: ${instrumented} (run \`npm run build\`)`);
  if (existsSync(base) && statSync(base).mtimeMs > statSync(instrumented).mtimeMs) {
    throw new Error(`coverage build out of date: ${base} is newer than ${instrumented} (run \`npm run build\`)`);
  }
  covModule = new WebAssembly.Module(readFileSync(instrumented));
  covModules.set(upstream, covModule);
  return covModule;
}

/** The coverage map of one instrumented boot core instance, plus the campaign's seen-edge state. */
export class Coverage {
  /** Number of edge counters in the build. */
  readonly edges: number;
  /** Bucket bits seen so far for each edge (the "virgin" map, inverted). */
  readonly seen: Uint8Array;
  private readonly base: number;
  private hitEdges = 0;

  constructor(private readonly shim: Shim) {
    const ex = shim.exports as Record<string, any>;
    if (!(ex.__cov_edges instanceof WebAssembly.Global)) throw new Error("boot core is not the coverage build (no __cov_edges export)");
    this.edges = ex.__cov_edges.value as number;
    this.base = ex.__cov_map.value as number;
    this.seen = new Uint8Array(this.edges);
  }

  /** Counters of the last run (a live view into WASM memory). */
  map(): Uint8Array {
    return new Uint8Array(this.shim.exports.memory.buffer, this.base, this.edges);
  }

  /** Zeroes the counters before a run. */
  clear(): void {
    this.map().fill(0);
  }

  /** Edges with a non-zero counter in the last run. */
  countHit(): number {
    const m = this.map();
    let n = 0;
    for (let i = 0; i < m.length; i++) if (m[i] !== 0) n++;
    return n;
  }

  /** Folds the last run into the seen state; returns how many (edge, bucket) pairs were new. */
  merge(): number {
    const m = this.map();
    const seen = this.seen;
    const words = new Uint32Array(m.buffer, m.byteOffset, m.length >>> 2);
    let novel = 0;
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0) continue;
      for (let i = w << 2, end = i + 4; i < end; i++) novel += this.fold(m, seen, i);
    }
    for (let i = words.length << 2; i < m.length; i++) novel += this.fold(m, seen, i);
    return novel;
  }

  private fold(m: Uint8Array, seen: Uint8Array, i: number): number {
    const v = m[i]!;
    if (v === 0) return 0;
    const b = BUCKET[v]!;
    const s = seen[i]!;
    if ((s & b) !== 0) return 0;
    if (s === 0) this.hitEdges++;
    seen[i] = s | b;
    return 1;
  }

  /** Edges hit at least once over all merged runs. */
  covered(): number {
    return this.hitEdges;
  }

  /** Adds another seen map (e.g. from a worker) into this one; returns the covered edge count. */
  absorb(other: Uint8Array): number {
    for (let i = 0; i < this.edges && i < other.length; i++) {
      const o = other[i]!;
      if (o === 0) continue;
      if (this.seen[i] === 0) this.hitEdges++;
      this.seen[i] = this.seen[i]! | o;
    }
    return this.hitEdges;
  }
}

/** A fresh instance of the coverage build with its map. */
export async function loadCoverageShim(): Promise<{ shim: Shim; coverage: Coverage }> {
  const shim = await Shim.create(coverageModule(), [hvImports]);
  return { shim, coverage: new Coverage(shim) };
}
