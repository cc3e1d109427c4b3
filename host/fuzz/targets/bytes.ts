//! Byte-input fuzz targets (host DTBs, persisted-state regions): seeds, mutation, judgement.
// Ports: nothing upstream (shared shape of the `dt` and `persisted` targets).
import { ShimPanic, type Shim } from "../../wasm/loader.js";
import { checkSame, judgeFailure, PASS, type Verdict } from "../oracle.js";
import { mutateBytes } from "../mutate.js";
import type { Rng } from "../rng.js";
import { shrinkBytes } from "../shrink.js";
import { TargetUnavailable, type Reproducer, type Target } from "../target.js";
import type { PluginResult } from "./plugins.js";

/** What differs between byte targets. */
export interface ByteTargetSpec {
  name: string;
  summary: string;
  /** File extension of seeds in images/ and of reproducers. */
  ext: string;
  /** The wired runner, or undefined while the module is not merged. */
  runner: () => ((shim: Shim, bytes: Uint8Array) => PluginResult<unknown>) | undefined;
  /** What is missing when the runner is not wired. */
  missing: string;
  /** A synthetic input when there are no seeds. */
  synthesize(rng: Rng): Uint8Array;
  /** Reproducer files for `bytes` (written as `<id>.<ext>` plus whatever replays them). */
  reproducer(bytes: Uint8Array, id: string): Reproducer;
}

/** Builds a byte target: inputs are mutated seeds; a run must end ok or at an upstream failure site, the same way twice. */
export function byteTarget(spec: ByteTargetSpec, seeds: Uint8Array[] = []): Target<Uint8Array> & { seeds: Uint8Array[] } {
  const once = (shim: Shim, b: Uint8Array): { text: string; verdict: Verdict } => {
    const run = spec.runner()!;
    try {
      const r = run(shim, b);
      if (r.ok) return { text: JSON.stringify(r.value), verdict: PASS };
      return { text: JSON.stringify(r.error), verdict: judgeFailure(r.error.message) };
    } catch (e) {
      if (e instanceof ShimPanic) return { text: e.message, verdict: judgeFailure(e.message) };
      return { text: "", verdict: { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) } };
    }
  };
  return {
    name: spec.name,
    summary: spec.summary,
    seeds,
    prepare(shim) {
      if (!spec.runner()) throw new TargetUnavailable(spec.name, spec.missing);
      shim.setLogging(false);
    },
    generate(rng) {
      const base = seeds.length > 0 ? rng.pick(seeds) : spec.synthesize(rng);
      return rng.chance(0.1) ? base : mutateBytes(base, rng, seeds).bytes;
    },
    mutate: (b, rng) => mutateBytes(b, rng, seeds).bytes,
    encode: (b) => b,
    decode: (b) => b,
    run(shim, b) {
      const first = once(shim, b);
      if (!first.verdict.ok) return first.verdict;
      const second = once(shim, b);
      return checkSame(first.text, second.text).ok ? first.verdict : checkSame(first.text, second.text);
    },
    shrink: shrinkBytes,
    reproducer: spec.reproducer,
  };
}
