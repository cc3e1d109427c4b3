//! The subcommand table: one module per command, each loaded only when it runs (so `--help` and
//! one command do not load the packages of the others: fast-check, protobufjs, ...).
// Ports: none (hclboot's command line)

/** A subcommand: its one-line summary and its runner (resolves to the exit status). */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

/** A table entry: the summary for the usage text and the loader of the command module. */
export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}

/** Every subcommand by name (the summaries are checked against the modules in test/cli_start.test.ts). */
export const commands: Record<string, CommandEntry> = {
  selftest: { summary: "load the WASM boot core and check its call plumbing", load: async () => (await import("./selftest.js")).selftestCommand },
  dtb: { summary: "write an image's host device tree blob (-o OUT.dtb, default: stdout)", load: async () => (await import("./dtb.js")).dtbCommand },
  serve: { summary: "serve the browser playground on localhost", load: async () => (await import("./serve.js")).serveCommand },
  bench: { summary: "benchmark the boot phases over CPUs, NUMA nodes and RAM ranges", load: async () => (await import("./bench.js")).benchCommand },
  dt: { summary: "parse a host device tree blob as openhcl_boot does", load: async () => (await import("./dt.js")).dtCommand },
  boot: { summary: "boot an image (default images/small.json): boot log and memory map, or --json", load: async () => (await import("./boot.js")).bootCommand },
  service: { summary: "boot, persist, boot again (servicing) and compare the topologies", load: async () => (await import("./service.js")).serviceCommand },
  fuzz: { summary: "coverage-guided fuzzing of the boot core (findings become reproducers)", load: async () => (await import("./fuzz.js")).fuzzCommand },
  "diff-upstream": { summary: "boot an image on two upstream versions and print the differences", load: async () => (await import("./diff_upstream.js")).diffUpstreamCommand },
};
