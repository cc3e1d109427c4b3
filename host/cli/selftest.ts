//! `hclboot selftest`: loads the boot core and checks the call plumbing (log, records, panics).
// Ports: none (hclboot's command line)
import { parseArgs } from "node:util";
import { loadShim } from "../wasm/node.js";
import { runSelftest } from "../harness/selftest.js";
import { InputError } from "../errors.js";
import type { Command } from "./commands.js";

const HELP = `usage: hclboot selftest

Loads the WASM boot core (build/hclboot.wasm) and checks its call plumbing: the boot log, the
result stream and panics with their messages.
Exit status: 0 the boot core works, 1 it does not, 2 bad arguments.`;

export const selftestCommand: Command = {
  summary: "load the WASM boot core and check its call plumbing",
  async run(args) {
    let help: boolean | undefined;
    try {
      help = parseArgs({ args, options: { help: { type: "boolean", short: "h" } }, strict: true }).values.help;
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    if (help) {
      console.log(HELP);
      return 0;
    }
    const r = runSelftest(await loadShim());
    console.log(`boot core: ${r.ok ? "ok" : "BROKEN"} (${r.memoryBytes} bytes of linear memory)`);
    return r.ok ? 0 : 1;
  },
};
