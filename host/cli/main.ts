//! hclboot CLI: parses the command line and dispatches to one command module per subcommand.
// Ports: none (hclboot's command line, docs/CONTRACT.md)
import { holdEarlyInterrupt, releaseEarlyInterrupt, earlyInterruptPending } from "./early_interrupt.js";
import { exitStatus } from "../errors.js";
import type { Failure } from "../contract.js";
import { errorToFailure } from "../harness/failure.js";
import { failureLine, setDebug, debugEnabled } from "./io.js";
import { commands, type CommandEntry } from "./commands.js";

const USAGE = `usage: hclboot <command> [args]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join("\n")}

Run \`hclboot <command> --help\` for a command's options. --debug (any command) prints the stack
of an internal error. \`hclboot --version\`: the version and the OpenVMM commit the boot core ports.

Exit status: 0 ok, 1 boot failure or finding, 2 bad input or options, 3 internal error (a bug in
hclboot: please report it), 130 interrupted (SIGINT).`;

/** Maps an error to the contract's failure object and exit status (0/1/2/3, see USAGE). */
export function classify(e: unknown): { failure: Failure; status: number } {
  const failure = errorToFailure(e);
  return { failure, status: exitStatus(failure.error.kind) };
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  setDebug(argv.includes("--debug") || !!process.env.HCLBOOT_DEBUG);
  const [name, ...rest] = argv.filter((a) => a !== "--debug");
  if (!name) {
    // no command is a usage error: the usage goes to stderr, exit 2
    console.error(USAGE);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return 0;
  }
  if (name === "--version" || name === "-V") {
    console.log((await import("../version.js")).versionText());
    return 0;
  }
  const entry: CommandEntry | undefined = commands[name];
  if (!entry) {
    console.error(`hclboot: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const json = rest.includes("--json");
  holdEarlyInterrupt();
  try {
    const cmd = await entry.load();
    // no SIGINT while loading: Node's default returns for the command (it installs its own handler)
    if (!earlyInterruptPending()) releaseEarlyInterrupt();
    const status = await cmd.run(rest);
    // a SIGINT no handler of the command took over still ends the run as interrupted
    return releaseEarlyInterrupt() ? 130 : status;
  } catch (e) {
    const { failure, status } = classify(e);
    if (json) console.log(JSON.stringify(failure, null, 2));
    else console.error(failureLine(name, failure));
    if (failure.error.kind === "internal" && debugEnabled()) console.error(e);
    releaseEarlyInterrupt();
    return status;
  }
}
