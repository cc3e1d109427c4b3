//! What the subcommands share for their own inputs and outputs: option parsing, output files
//! (failures are input errors, exit status 2), the one-line failure message, `--debug`, and the
//! SIGINT hook of long-running commands (summary so far, exit 130).
// Ports: none (hclboot's command line, docs/CONTRACT.md)
import { releaseEarlyInterrupt } from "./early_interrupt.js";
import { writeFileSync } from "node:fs";
import { InputError } from "../errors.js";
import type { Failure } from "../contract.js";

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

let debug = false;

/** Sets whether internal errors print their stack (`--debug` or HCLBOOT_DEBUG). */
export function setDebug(on: boolean): void {
  debug = on;
}

/** True under `--debug`. */
export function debugEnabled(): boolean {
  return debug;
}

/**
 * The one stderr line for a failure of `command`: `hclboot CMD: MESSAGE` (input),
 * `hclboot CMD: dt|panic: MESSAGE`, or an internal error asking for a report. A message that
 * already starts with `CMD: ` does not repeat it.
 */
export function failureLine(command: string, f: Failure): string {
  let message = f.error.message;
  while (message.startsWith(`${command}: `)) message = message.slice(command.length + 2);
  const prefix = `hclboot ${command}: `;
  switch (f.error.kind) {
    case "input":
      return prefix + message;
    case "internal":
      return `${prefix}internal error: ${message}\n` +
        `This is a bug in hclboot: please report it with the command line${debug ? "." : " (--debug prints the stack)."}`;
    default:
      return `${prefix}${f.error.kind}: ${message}`;
  }
}

/** What a long-running command hears when SIGINT arrives. */
export interface Interrupt {
  /** True once SIGINT has arrived. */
  readonly interrupted: boolean;
  /** Aborted on SIGINT (for APIs that take an AbortSignal). */
  readonly signal: AbortSignal;
  /** Removes the handler (the default SIGINT behaviour returns). */
  dispose(): void;
}

/**
 * Catches SIGINT while a command runs so it can print its summary so far and exit 130; a second
 * SIGINT exits at once with 130.
 */
export function onInterrupt(): Interrupt {
  const ctl = new AbortController();
  let count = 0;
  // a SIGINT while the command was loading counts as the first one
  if (releaseEarlyInterrupt()) {
    count = 1;
    process.stderr.write("\ninterrupted: finishing with the results so far (SIGINT again to quit now)\n");
    ctl.abort();
  }
  const handler = () => {
    count++;
    if (count > 1) process.exit(130);
    process.stderr.write("\ninterrupted: finishing with the results so far (SIGINT again to quit now)\n");
    ctl.abort();
  };
  process.on("SIGINT", handler);
  return {
    get interrupted() {
      return count > 0;
    },
    signal: ctl.signal,
    dispose: () => process.off("SIGINT", handler),
  };
}

/** For a long loop's progress callback: yields to the event loop (so SIGINT is seen), then false once interrupted. */
export async function keepGoing(intr: Interrupt): Promise<boolean> {
  await new Promise((r) => setImmediate(r));
  return !intr.interrupted;
}
