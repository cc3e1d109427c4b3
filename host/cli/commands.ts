//! The subcommand table: one module per command.
// Ports: none (hclboot's command line)
import { selftestCommand } from "./selftest.js";
import { dtbCommand } from "./dtb.js";
import { serveCommand } from "./serve.js";
import { benchCommand } from "./bench.js";
import { dtCommand } from "./dt.js";
import { bootCommand } from "./boot.js";
import { serviceCommand } from "./service.js";
import { fuzzCommand } from "./fuzz.js";
import { diffUpstreamCommand } from "./diff_upstream.js";

/** A subcommand: its one-line summary and its runner (resolves to the exit status). */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

/** Every subcommand by name. */
export const commands: Record<string, Command> = {
  selftest: selftestCommand,
  dtb: dtbCommand,
  serve: serveCommand,
  bench: benchCommand,
  dt: dtCommand,
  boot: bootCommand,
  service: serviceCommand,
  fuzz: fuzzCommand,
  "diff-upstream": diffUpstreamCommand,
};
