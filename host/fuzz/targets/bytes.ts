//! Byte-input fuzz targets (host DTBs, SavedState payloads): seeds, mutation, judgement.
// Ports: nothing upstream (shared shape of the `dt` and `persisted` targets).
import { ShimPanic, type Shim } from "../../wasm/loader.js";
import { checkSame, judgeFailure, PASS, type Verdict } from "../oracle.js";
import { mutateBytes } from "../mutate.js";
import type { Rng } from "../rng.js";
import { shrinkBytes } from "../shrink.js";
import { TargetUnavailable, type Reproducer, type Target } from "../target.js";
import type { PluginResult } from "./plugins.js";

/** A runner over one byte input: the boot core's result, or its failure object. */
export type ByteRunner = (shim: Shim, bytes: Uint8Array) => PluginResult<unknown>;

/** What differs between byte targets. */
export interface ByteTargetSpec {
  name: string;
  summary: string;
  /** File extension of seeds and of reproducers. */
  ext: string;
  /** The wired runner, or undefined while the module is not merged. */
  runner: () => ByteRunner | undefined;
  /** What is missing when the runner is not wired. */
  missing: string;
  /** A format-aware mutation (e.g. protobuf wire level), used for half the mutations; null: not applicable. */
  structuredMutate?(bytes: Uint8Array, rng: Rng): Uint8Array | null;
  /** A synthetic input when there are no seeds (and now and then besides them). */
  synthesize(rng: Rng): Uint8Array;
  /**
   * A second opinion on the first run's outcome (another implementation, a reference decoder).
   * Returns a finding message (an `invariant` finding) or null; catches its own shim panics.
   */
  crossCheck?(shim: Shim, bytes: Uint8Array, first: PluginResult<unknown>): string | null;
  /** Reproducer files for `bytes` (written as `<id>.<ext>` plus whatever replays them). */
  reproducer(bytes: Uint8Array, id: string): Reproducer;
  /** A run ending at an upstream defect site is a finding (inputs a host could send). */
  defects?: boolean;
}

/** Runs `f`, turning a shim panic (or trap) into the failure object `hclboot` prints for it. */
export function capture<T>(f: () => PluginResult<T>): PluginResult<T> {
  try {
    return f();
  } catch (e) {
    if (e instanceof ShimPanic) return { ok: false, error: { kind: "panic", message: e.message } };
    throw e;
  }
}

/** JSON text of a result, bigints as hex and byte arrays as hex strings (for comparisons). */
export function resultText(r: PluginResult<unknown>): string {
  return JSON.stringify(r, (_k, v) =>
    typeof v === "bigint" ? "0x" + v.toString(16) : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v);
}

/** Builds a byte target: inputs are mutated seeds; a run must end ok or at an upstream failure site, the same way twice. */
export function byteTarget(spec: ByteTargetSpec, seeds: Uint8Array[] = []): Target<Uint8Array> & { seeds: Uint8Array[] } {
  const once = (shim: Shim, b: Uint8Array): { result: PluginResult<unknown> | null; text: string; verdict: Verdict } => {
    const run = spec.runner()!;
    try {
      const r = capture(() => run(shim, b));
      return { result: r, text: resultText(r), verdict: r.ok ? PASS : judgeFailure(r.error.message, spec.defects === true) };
    } catch (e) {
      return { result: null, text: "", verdict: { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) } };
    }
  };
  const mutate = (b: Uint8Array, rng: Rng): Uint8Array =>
    (spec.structuredMutate && rng.chance(0.5) ? spec.structuredMutate(b, rng) : null) ?? mutateBytes(b, rng, seeds).bytes;
  return {
    name: spec.name,
    summary: spec.summary,
    seeds,
    prepare(shim) {
      if (!spec.runner()) throw new TargetUnavailable(spec.name, spec.missing);
      shim.setLogging(false);
    },
    generate(rng) {
      const base = seeds.length > 0 && !rng.chance(0.05) ? rng.pick(seeds) : spec.synthesize(rng);
      return rng.chance(0.1) ? base : mutate(base, rng);
    },
    mutate,
    encode: (b) => b,
    decode: (b) => b,
    run(shim, b) {
      const first = once(shim, b);
      if (!first.verdict.ok) return first.verdict;
      if (spec.crossCheck && first.result) {
        let msg: string | null;
        try {
          msg = spec.crossCheck(shim, b, first.result);
        } catch (e) {
          return { ok: false, kind: "exception", message: `cross-check: ${String(e instanceof Error ? e.stack ?? e.message : e)}` };
        }
        if (msg) return { ok: false, kind: "invariant", message: msg };
      }
      const same = checkSame(first.text, once(shim, b).text);
      return same.ok ? first.verdict : same;
    },
    shrink: shrinkBytes,
    reproducer: spec.reproducer,
  };
}
