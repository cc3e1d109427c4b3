//! What a fuzz target is: a generator, a mutator, a runner judged by the oracle, and reproducers.
// Ports: nothing upstream (fuzzing infrastructure).
import type { Shim } from "../wasm/loader.js";
import type { Rng } from "./rng.js";
import type { Verdict } from "./oracle.js";

/** Files that replay one finding, and the command that replays them. */
export interface Reproducer {
  /** File name (relative to the findings directory) → bytes; the first is the main file. */
  files: Record<string, Uint8Array>;
  /** Shell command (with `{dir}` for the findings directory) that replays the finding. */
  replay: string;
}

/** A fuzz target. Inputs must be plain data that `encode`/`decode` round-trip exactly. */
export interface Target<I = unknown> {
  /** Name used by `--target`. */
  readonly name: string;
  /** One line for `hclboot fuzz --help`. */
  readonly summary: string;
  /** Throws TargetUnavailable when the boot core lacks what the target calls. */
  prepare(shim: Shim): void;
  /** A fresh structured input. */
  generate(rng: Rng): I;
  /** A new input derived from a corpus input. */
  mutate(input: I, rng: Rng): I;
  /** Serializes an input (corpus files, reproducers). */
  encode(input: I): Uint8Array;
  /** Parses an encoded input; throws on bytes that are not one. */
  decode(bytes: Uint8Array): I;
  /** Runs one input on the boot core and judges it. Never throws for a bad input. */
  run(shim: Shim, input: I): Verdict;
  /** Candidate inputs smaller than `input` (for shrinking), most aggressive first. */
  shrink(input: I): Iterable<I>;
  /** Files that replay `input`. */
  reproducer(input: I, id: string): Reproducer;
  /** Whether the VMM could have sent `input` (default: hand-made). */
  validity?(input: I): "vmm" | "hand-made";
}

/** A target that the current build cannot run (its boot core module is not merged yet). */
export class TargetUnavailable extends Error {
  constructor(target: string, what: string) {
    super(`target ${target} not available in this build: ${what}`);
    this.name = "TargetUnavailable";
  }
}

/** Throws TargetUnavailable unless the boot core exports every name in `exports`. */
export function requireExports(shim: Shim, target: string, exports: readonly string[]): void {
  const missing = exports.filter((e) => typeof (shim.exports as Record<string, unknown>)[e] !== "function");
  if (missing.length > 0) throw new TargetUnavailable(target, `boot core has no export ${missing.join(", ")}`);
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** JSON with bigints as `{"u64": "0x…"}` (unambiguous, so a string "0x…" stays a string). */
export function encodeJson(value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? { u64: "0x" + v.toString(16) } : v), 1) + "\n");
}

/** Inverse of encodeJson. */
export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(fromUtf8.decode(bytes), (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.u64 === "string" ? BigInt(v.u64) : v,
  ) as T;
}

/** The default reproducer: `<id>.json` holding the target name and the input, replayed by `hclboot fuzz --replay`. */
export function jsonReproducer(target: string, input: unknown, id: string): Reproducer {
  const file = `${id}.json`;
  return {
    files: { [file]: encodeJson({ target, input }) },
    replay: `hclboot fuzz --replay {dir}/${file}`,
  };
}
