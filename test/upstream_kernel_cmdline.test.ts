// Differential test of build_kernel_command_line (and the sidecar node split behind boot_cpus=)
// against the pinned upstream code's own outputs (test/fixtures/upstream_kernel_cmdline.json; its
// header says how they were produced) on seeded partitions: isolation types, confidential debug,
// COM3, NVMe keep-alive, private pool, sidecar modes, CPU/NUMA layouts, per-CPU sidecar overrides,
// VMBus connection ids and host command lines up to and past the 0x2000-byte limit.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { runHandoff } from "../host/shim/handoff.js";
import { hv } from "./helpers/handoff.js";
import { shimPanicOf } from "./helpers/panic.js";
import { kernelCmdlineCase } from "./helpers/kernel_cmdline_cases.js";

interface Fixture {
  seed: number;
  count: number;
  prefix: string;
  cases: ({ in: string; nodes: string } & ({ line: string } | { panic: string }))[];
}
const oracle = JSON.parse(readFileSync(new URL("./fixtures/upstream_kernel_cmdline.json", import.meta.url), "utf8")) as Fixture;

describe("build_kernel_command_line matches upstream", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadShim();
  });

  it("regenerates the recorded inputs", () => {
    expect(oracle.cases.length).toBe(oracle.count);
    const drift: number[] = [];
    for (let i = 0; i < oracle.count; i++) {
      const h = createHash("sha256").update(kernelCmdlineCase(oracle.seed, i).line).digest("hex").slice(0, 16);
      if (h !== oracle.cases[i].in) drift.push(i);
    }
    expect(drift).toEqual([]);
  });

  it(`gives upstream's command line, sidecar split or panic for ${oracle.count} cases`, () => {
    const bad: string[] = [];
    for (let i = 0; i < oracle.count; i++) {
      const want = oracle.cases[i];
      const { input } = kernelCmdlineCase(oracle.seed, i);
      let got: { line: string; nodes: string } | { panic: string; nodes: string };
      try {
        const r = runHandoff(shim, input, hv());
        const nodes = r.sidecar === null ? "" : r.sidecar.nodes.map((n) => `${n.baseVp}:${n.vpCount}`).join(" ");
        const full = r.kernelCommandLine;
        const host = input.cmdline ?? "";
        const ok = full.startsWith(oracle.prefix) && full.endsWith(host);
        got = { line: ok ? full.slice(oracle.prefix.length, full.length - host.length) : `<form> ${full}`, nodes };
      } catch (e) {
        got = { panic: shimPanicOf(() => { throw e; }).message, nodes: want.nodes };
      }
      const expected = "panic" in want ? { panic: want.panic, nodes: want.nodes } : { line: want.line, nodes: want.nodes };
      if (JSON.stringify(got) !== JSON.stringify(expected)) bad.push(`case ${i}: ours ${JSON.stringify(got)} upstream ${JSON.stringify(expected)}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(bad.length).toBe(0);
  });
});
