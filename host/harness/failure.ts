//! Maps a thrown error to the contract's failure object: InputError → "input", DtError → "dt",
//! ShimPanic → "panic", anything else → "internal" (a bug in hclboot). The CLI, the boot harness
//! and the playground share it.
// Ports: none (hclboot's own command-line contract, /work/shared/CONTRACT.md)
import { failureKind } from "../errors.js";
import { failure, type Failure } from "../contract.js";

/** The contract's failure object for a thrown error (no boot log). */
export function errorToFailure(e: unknown): Failure {
  return failure(failureKind(e), e instanceof Error ? e.message : String(e));
}
