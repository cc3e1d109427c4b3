import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { vtl2CalculateDmaHint } from "../host/shim/dma_hint.js";
import { parseBootCommandLine } from "../host/shim/cmdline.js";
import * as R from "../host/shim/memory_range.js";
import { resultOrPanic } from "./helpers/panic.js";

// Outputs of the pinned upstream code itself (memory_range lib.rs, cmdline.rs, dma_hint.rs built
// with rustc 1.95 in release mode, log! lines captured as "[LEVEL] text", panics caught with their
// message) on generated inputs. Only the results are stored here.
type Tagged = [string, string, number];
type Res<T> = { ok: T } | { panic: string };
const oracle = JSON.parse(readFileSync(new URL("./fixtures/upstream_oracle.json", import.meta.url), "utf8")) as {
  dma: [number, number, string, string, string[]][];
  cmdline: [string[], boolean, string, string, boolean, boolean, string[]][];
  walk: [Tagged[], Tagged[], Res<[string, string, string, number, number][]>, Res<[string, string][]>, Res<Tagged[]>][];
  aligned: [string, string, string, string, Res<[string, string, string][]>][];
};

const tagged = (xs: Tagged[]) => xs.map(([s, e, t]) => ({ start: BigInt(s), end: BigInt(e), tag: BigInt(t) }));
function outcome<T>(f: () => T): { ok: T } | { panic: string } {
  return resultOrPanic(() => ({ ok: f() }));
}

describe("upstream oracle (pinned commit's own code on generated inputs)", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("vtl2_calculate_dma_hint: same pages and log lines for every (table, vp_count, mem_size)", () => {
    const wrong = oracle.dma.filter(([table, vp, mem, pages, logs]) => {
      const got = vtl2CalculateDmaHint(shim, table === 0 ? "release" : "debug", BigInt(vp), BigInt(mem));
      return got !== BigInt(pages) || JSON.stringify(shim.log()) !== JSON.stringify(logs);
    });
    expect(wrong).toEqual([]);
    expect(oracle.dma.length).toBeGreaterThan(1000);
  });

  it("BootCommandLineOptions::parse: same options, Debug texts and log lines", () => {
    const wrong = oracle.cmdline.filter(([lines, conf, pool, sidecar, nvme, numa, logs]) => {
      const o = parseBootCommandLine(shim, ...lines);
      return o.confidentialDebug !== conf || o.poolDebug !== pool || o.sidecarDebug !== sidecar ||
        o.disableNvmeKeepAlive !== nvme || o.vtl2GpaPoolNumaSplit !== numa || JSON.stringify(shim.log()) !== JSON.stringify(logs);
    });
    expect(wrong).toEqual([]);
  });

  it("walk_ranges, flatten_ranges, merge_adjacent_ranges: same pieces or the same panic", () => {
    const wrong = oracle.walk.filter(([a, b, walk, flat, merge]) => {
      const w = outcome(() => R.walkRanges(shim, tagged(a), tagged(b)).map((p) =>
        ["0x" + p.start.toString(16), "0x" + p.end.toString(16), p.kind, Number(p.leftTag), Number(p.rightTag)]));
      const f = outcome(() => R.flattenRanges(shim, tagged(a)).map((p) => ["0x" + p.start.toString(16), "0x" + p.end.toString(16)]));
      const m = outcome(() => R.mergeAdjacentRanges(shim, tagged(a)).map((p) =>
        ["0x" + p.start.toString(16), "0x" + p.end.toString(16), Number(p.tag)]));
      return JSON.stringify([w, f, m]) !== JSON.stringify([walk, flat, merge]);
    });
    expect(wrong).toEqual([]);
  });

  it("AlignedSubranges: same pieces and alignments for offsets and length limits", () => {
    const wrong = oracle.aligned.filter(([s, e, off, maxLen, expected]) => {
      const got = outcome(() => R.alignedSubranges(shim, { start: BigInt(s), end: BigInt(e) }, { offset: BigInt(off), maxLen: BigInt(maxLen), maxPieces: 301 })
        .map((p) => ["0x" + p.start.toString(16), "0x" + p.end.toString(16), "0x" + p.alignment.toString(16)]));
      return JSON.stringify(got) !== JSON.stringify(expected);
    });
    expect(wrong).toEqual([]);
  });
});
