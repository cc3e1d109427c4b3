//! Error kinds shared by the harness and the CLI (CONTRACT.md: "panic" | "dt" | "input").
// Ports: none (hclboot's error kinds, docs/CONTRACT.md)

/** Unusable input (missing file, invalid JSON or schema, out-of-range field): exit status 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** A device-tree error the shim reported (a DtError variant): exit status 1. */
export class DtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DtError";
  }
}
