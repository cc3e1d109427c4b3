//! What the subcommands share for their own inputs and outputs: option parsing and output files,
//! whose failures are input errors (exit status 2).
// Ports: none (hclboot's command line, docs/CONTRACT.md)
import { writeFileSync } from "node:fs";
import { InputError } from "../errors.js";

/** Runs a command-line parse; a bad option becomes an input error (exit 2). */
export function parseOrInput<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

/** Writes `bytes` to the file `path`; a failure becomes an input error naming the file. */
export function writeOutput(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
