// The release module (build/hclboot.wasm) against the test module (build/hclboot.test.wasm):
// the release exports only what the host's commands call (boot, dt, bench, selftest, runtime
// plumbing), at most 15; the test module has every release export plus the unit-test drivers;
// both boot every image to the same bytes.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadShim, loadTestShim, wasmPath, packageRoot } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { loadImage } from "../host/image/load.js";
import { prepareImage, bootPrepared } from "../host/harness/boot.js";

const exportsOf = (path: string) =>
  WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(path))).map((e) => `${e.kind} ${e.name}`).sort();

const RELEASE = [
  "function abi_reset", "function abi_status", "function arena_alloc", "function log_flush", "function log_set_enabled",
  "function runtime_selftest", "function boot_run", "function host_fdt_parse", "function host_fdt_bench",
  "function partition_read_from_record", "function handoff_run",
  "function bench_read_from_dt", "function bench_read_from_dt_phase", "function bench_handoff",
  "memory memory",
].sort();

describe("release module", () => {
  it("exports only what the host's commands call, at most 15", () => {
    const rel = exportsOf(wasmPath());
    expect(rel).toEqual(RELEASE);
    expect(rel.length).toBeLessThanOrEqual(15);
  });

  it("is a subset of the test module, which adds the unit-test drivers", () => {
    const rel = exportsOf(wasmPath());
    const test = exportsOf(wasmPath(false, "test"));
    expect(test).toEqual(expect.arrayContaining(rel));
    expect(test).toEqual(expect.arrayContaining(["function memory_run", "function range_walk", "function fdt_dump", "function cmdline_parse"]));
    expect(test.length).toBeGreaterThan(rel.length + 30);
  });

  it("names the test module when a driver is called on the release module", async () => {
    const shim = await loadShim();
    shim.reset();
    expect(() => shim.call("memory_run", 0, 0)).toThrow(/no export 'memory_run'.*hclboot\.test\.wasm/);
  });

  describe("boots every image to the same bytes as the test module", () => {
    let rel: Shim;
    let test: Shim;
    beforeAll(async () => {
      rel = await loadShim();
      test = await loadTestShim();
    });
    const dir = join(packageRoot(), "images");
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
      it(name, () => {
        let p;
        try {
          p = prepareImage(loadImage(join(dir, name)), undefined, rel); // a host-device-tree image needs a parser for its tree
        } catch (e) {
          // An image the host rejects before any boot (e.g. fail-host-dt-overflow.json) never reaches WASM.
          expect((e as Error).name).toBe("InputError");
          return;
        }
        const run = (shim: Shim) => {
          try {
            const r = bootPrepared(p, { shim });
            return { ok: true, output: JSON.stringify(r.output, (_k, v) => (typeof v === "bigint" ? v.toString() : v)), dtb: Buffer.from(r.kernelDtb).toString("hex"), log: shim.log().slice() };
          } catch (e) {
            return { ok: false, error: `${(e as Error).name}: ${(e as Error).message}` };
          }
        };
        expect(run(rel)).toEqual(run(test));
      });
    }
  });
});
