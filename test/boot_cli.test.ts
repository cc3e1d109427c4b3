// `hclboot boot` and `hclboot service` as users run them: spawned `node bin/hclboot.js`, exit
// statuses, the CONTRACT.md JSON shapes and the failure objects.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dtcDecode } from "./helpers/dtc.js";

const root = join(__dirname, "..");
const images = join(root, "images");
const tmp = mkdtempSync(join(tmpdir(), "hclboot-boot-cli-"));

/** Runs the CLI from a directory other than the package root (the default image must still be found). */
function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "bin", "hclboot.js"), ...args], { cwd: tmp, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HEX = /^0x(0|[1-9a-f][0-9a-f]*)$/;
const expectRange = (r: Record<string, unknown>) => {
  expect(r.start).toMatch(HEX);
  expect(r.end).toMatch(HEX);
  expect(BigInt(r.start as string) < BigInt(r.end as string)).toBe(true);
};
const imageExpect = (f: string) => JSON.parse(readFileSync(join(images, f), "utf8")).expect;

describe("hclboot boot", () => {
  it("boots the default image (small.json) from any directory: exit 0, log and memory map", () => {
    const r = run("boot");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^boot log:\n/);
    expect(r.stdout).toContain("\nx86_64, isolation none, 4 CPUs, memory allocation mode host\n");
    expect(r.stdout).toMatch(/\nVTL2 address space \(\d+ ranges\):\n  start +end +size +node +type\n/);
    expect(r.stdout).toContain("VTL2_PERSISTED_STATE_HEADER");
    expect(r.stdout).toContain("\nVTL2 MMIO:\n");
    expect(r.stdout).toContain("  0x180000000  0x1c0000000  0x40000000 (1 GiB)");
    expect(r.stdout).toContain("\nkernel command line:\n");
    expect(r.stdout).toMatch(/\nE820 \(\d+ entries\):\n/);
  });

  it("--json prints exactly the contract object with hex strings and numbers", () => {
    const r = run("boot", "--json");
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(Object.keys(o).sort()).toEqual([
      "addressSpace", "arch", "bootLog", "cpuCount", "isolation", "kernelCommandLine", "memoryAllocationMode", "ok",
      "partitionRam", "sidecar", "vtl0Mmio", "vtl2Mmio", "vtl2Ram",
    ]);
    expect(o).toMatchObject({ ok: true, arch: "x86_64", isolation: "none", memoryAllocationMode: { mode: "host" }, cpuCount: 4 });
    for (const e of [...o.vtl2Ram, ...o.partitionRam]) {
      expectRange(e);
      expect(typeof e.vnode).toBe("number");
      expect(typeof e.igvmType).toBe("number");
    }
    for (const e of [...o.vtl0Mmio, ...o.vtl2Mmio]) expectRange(e);
    expect(o.vtl2Mmio).toEqual([{ start: "0x180000000", end: "0x1c0000000" }]);
    for (const e of o.addressSpace) {
      expectRange(e);
      expect(typeof e.vnode).toBe("number");
      expect(e.type).toMatch(/^VTL2_[A-Z_]+$/);
    }
    expect(o.vtl2Ram).toEqual([{ start: "0x1c0000000", end: "0x1e0000000", vnode: 0, igvmType: 3 }]);
    expect(typeof o.kernelCommandLine).toBe("string");
    expect(o.bootLog.every((l: unknown) => typeof l === "string")).toBe(true);
    if (o.sidecar !== null) for (const n of o.sidecar.nodes) {
      expect(n.memoryBase).toMatch(HEX);
      expect(n.memorySize).toMatch(HEX);
      expect(typeof n.baseVp).toBe("number");
      expect(typeof n.vpCount).toBe("number");
    }
  });

  it("--kernel-dt writes the kernel device tree (dtc decodes it)", () => {
    const out = join(tmp, "kernel.dtb");
    const r = run("boot", join(images, "small.json"), "--kernel-dt", out);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^wrote the \d+-byte kernel device tree to /);
    expect(dtcDecode(readFileSync(out))).toContain("/dts-v1/;");
  });

  it("a missing image: exit 2, kind input", () => {
    const r = run("boot", "missing.json", "--json");
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { kind: "input", message: "cannot read missing.json: no such file" }, bootLog: [] });
  });

  it("invalid JSON: exit 2, kind input", () => {
    writeFileSync(join(tmp, "bad.json"), "{ not json");
    const r = run("boot", "bad.json", "--json");
    expect(r.status).toBe(2);
    const o = JSON.parse(r.stdout);
    expect(o.error.kind).toBe("input");
    expect(o.error.message).toMatch(/^bad\.json: invalid JSON: /);
  });

  it("a schema error: exit 2 naming the field; without --json on stderr", () => {
    writeFileSync(join(tmp, "schema.json"), JSON.stringify({ vm: { cpus: { count: 0 }, memory: { size: "0x100000000" } } }));
    const r = run("boot", "schema.json");
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^hclboot boot: schema\.json: vm\.cpus\.count: /);
  });

  it.each(["fail-vnode-exhausted.json", "fail-pool-too-large.json", "fail-vtl2-ram-below-measured.json"])(
    "%s: exit 1, kind panic, the exact upstream message and the log so far",
    (f) => {
      const want = imageExpect(f);
      const r = run("boot", join(images, f), "--json");
      expect(r.status).toBe(1);
      const o = JSON.parse(r.stdout);
      expect(o.ok).toBe(false);
      expect(o.error).toEqual({ kind: "panic", message: want.message });
      expect(o.bootLog.length).toBeGreaterThan(0);
      const t = run("boot", join(images, f));
      expect(t.status).toBe(1);
      expect(t.stderr).toContain(`hclboot boot: panic: ${want.message}\n`);
    },
  );
});

describe("hclboot service", () => {
  it("--json: both boots and agree:true for small.json", () => {
    const r = run("service", join(images, "small.json"), "--json", "--no-io-cpus", "1,3", "--io-cpus", "2");
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(Object.keys(o).sort()).toEqual(["agree", "differences", "first", "ok", "second"]);
    expect(o).toMatchObject({ ok: true, agree: true, differences: [] });
    expect(o.second.addressSpace).toEqual(o.first.addressSpace);
    expect(o.second.bootLog.some((l: string) => l.endsWith("reading topology from persisted state"))).toBe(true);
  });

  it("text: the saved state, both address spaces and the verdict", () => {
    const r = run("service", join(images, "pool-numa-split.json"));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^saved state: \d+ memory and \d+ MMIO entries, \d+-byte protobuf at 0x/);
    expect(r.stdout).toContain("\nfirst boot: VTL2 address space (");
    expect(r.stdout).toContain("\nafter servicing: VTL2 address space (");
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("servicing: topologies agree (VTL2 RAM, address space, VTL0/VTL2 MMIO, pool)");
  });

  it("--tamper magic: the servicing boot falls back to a first boot", () => {
    const r = run("service", join(images, "small.json"), "--json", "--tamper", "magic");
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.second.bootLog.some((l: string) => l.endsWith("reading topology from persisted state"))).toBe(false);
    expect(o.second.bootLog.some((l: string) => l.endsWith("reading topology from host device tree"))).toBe(true);
  });

  it.each([
    ["move-protobuf", "protobuf region MemoryRange {\n    start: 0x1c0200000,\n    end: 0x1c0213000,\n} is not contained within the persisted state region MemoryRange {\n    start: 0x1c0000000,\n    end: 0x1c0200000,\n}"],
    ["truncate", "failed to decode protobuf: Error(ErrorInner { types: [], err: EofByteArray })"],
    ["garble", "failed to decode protobuf: Error(ErrorInner { types: [], err: MissingResource })"],
  ])("--tamper %s: the servicing boot fails with the shim's message (exit 1)", (tamper, message) => {
    const r = run("service", join(images, "small.json"), "--json", "--tamper", tamper);
    expect(r.status).toBe(1);
    const o = JSON.parse(r.stdout);
    expect(o.error).toEqual({ kind: "panic", message });
    expect(o.bootLog.some((l: string) => l.endsWith("reading topology from persisted state"))).toBe(true);
  });

  it("--save-state writes the placed blob; images/servicing-small.bin is exactly that for small.json", () => {
    const out = join(tmp, "state.bin");
    const r = run("service", join(images, "small.json"), "--no-io-cpus", "1", "--io-cpus", "2", "--save-state", out);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`wrote the 4428-byte persisted state to ${out}\n`);
    const blob = readFileSync(out);
    expect(blob.readBigUInt64LE(0)).toBe(0x5244_4850_4c43_484fn); // "OHCLPHDR"
    expect(Buffer.compare(blob, readFileSync(join(images, "servicing-small.bin")))).toBe(0);
  });

  it("bad options: exit 2", () => {
    expect(run("service", join(images, "small.json"), "--tamper", "nope").status).toBe(2);
    expect(run("service", join(images, "small.json"), "--io-cpus", "x").status).toBe(2);
    expect(run("service").status).toBe(2);
  });
});
