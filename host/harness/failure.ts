//! Maps a thrown error to the contract's failure object: InputError → "input", DtError → "dt",
//! ShimPanic → "panic", anything else → "input". The CLI, the boot harness and the playground
//! share it.
// Ports: none (hclboot's own command-line contract, docs/CONTRACT.md)
import { InputError, DtError } from "../errors.js";
import { ShimPanic } from "../wasm/loader.js";
import { failure, type Failure } from "../contract.js";

/** The contract's failure object for a thrown error (no boot log). */
export function errorToFailure(e: unknown): Failure {
  if (e instanceof InputError) return failure("input", e.message);
  if (e instanceof DtError) return failure("dt", e.message);
  if (e instanceof ShimPanic) return failure("panic", e.message);
  return failure("input", e instanceof Error ? e.message : String(e));
}
