//! `hclboot selftest`: loads the boot core and checks the call plumbing (log, records, panics).
// Ports: none (hclboot's command line)
import { loadShim } from "../wasm/node.js";
import { runSelftest } from "../harness/selftest.js";
import type { Command } from "./commands.js";

export const selftestCommand: Command = {
  summary: "load the WASM boot core and check its call plumbing",
  async run() {
    const r = runSelftest(await loadShim());
    console.log(`boot core: ${r.ok ? "ok" : "BROKEN"} (${r.memoryBytes} bytes of linear memory)`);
    return r.ok ? 0 : 1;
  },
};
