//! Typed errors shared by the harness and the CLI, with the contract's failure kinds
//! ("panic" | "dt" | "input" | "internal") and the exit status each one ends the CLI with.
// Ports: none (hclboot's error kinds, /work/shared/CONTRACT.md)

/** Unusable input (missing file, invalid JSON or schema, out-of-range field, bad option): exit 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** What a DtError record from the boot core carries besides its message. */
export interface DtErrorDetails {
  /** The upstream `DtError` variant name. */
  variant?: string;
  /** The Display text of the variant's source error ("" when it has none). */
  source?: string;
  /** The Rust `{:?}` form of the error. */
  debug?: string;
}

/** A device-tree error the shim reported (a DtError variant): exit status 1. */
export class DtError extends Error {
  readonly variant: string;
  readonly source: string;
  readonly debug: string;
  /** The boot log up to the error (set by the boot driver that saw it). */
  log: string[] = [];
  constructor(message: string, details: DtErrorDetails = {}) {
    super(message);
    this.name = "DtError";
    this.variant = details.variant ?? "";
    this.source = details.source ?? "";
    this.debug = details.debug ?? "";
  }
}

/** A panic (or trap) inside the boot core, with the shim's message and its log so far: exit 1. */
export class ShimPanic extends Error {
  constructor(
    message: string,
    readonly log: string[],
  ) {
    super(message);
    this.name = "ShimPanic";
  }
}

/** A bug in hclboot itself (anything that is not one of the errors above): exit status 3. */
export class InternalError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "InternalError";
  }
}

/** The contract's failure kinds. */
export type FailureKind = "panic" | "dt" | "input" | "internal";

/** The failure kind of a thrown value: anything untyped is an internal error. */
export function failureKind(e: unknown): FailureKind {
  if (e instanceof InputError) return "input";
  if (e instanceof DtError) return "dt";
  if (e instanceof ShimPanic) return "panic";
  return "internal";
}

/** CLI exit statuses: 0 ok, 1 boot failure or finding, 2 bad input or options, 3 internal error. */
export const EXIT = { ok: 0, failure: 1, input: 2, internal: 3, interrupted: 130 } as const;

/** The exit status for a failure of `kind`. */
export function exitStatus(kind: FailureKind): number {
  return kind === "input" ? EXIT.input : kind === "internal" ? EXIT.internal : EXIT.failure;
}

/** True for the errors a boot reports as its result (input, dt, panic), false for bugs. */
export function isReportedError(e: unknown): e is InputError | DtError | ShimPanic {
  return e instanceof InputError || e instanceof DtError || e instanceof ShimPanic;
}
