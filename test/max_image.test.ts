// images/max.json is the largest 2048-CPU, 64-node topology that boots end to end: the binding
// limit is the kernel device tree the shim writes into its fixed 256 KiB buffer (main.rs
// FDT_SIZE, 262128 bytes after the 16-byte setup_data header), not the 64-page host device tree
// area. scripts/gen_images.mjs measures both limits; this checks them one range further.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadImage, parseImage, resolveImageWith } from "../host/image/load.js";
import { PARAVISOR_CONFIG_DEVICE_TREE_SIZE } from "../host/image/host_device_tree.js";
import { loadShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { bootImage, bootFailure } from "../host/harness/boot.js";
import { IMAGES } from "./helpers/boot.js";

const FDT_DATA_SIZE = 256 * 1024 - 16;
const GB = 1n << 30n;
const OUT_OF_SPACE = "called `Result::unwrap()` on an `Err` value: Fdt(OutOfSpace)";

let shim: Shim;
beforeAll(async () => {
  shim = await loadShim();
});

const json = (f: string) => JSON.parse(readFileSync(join(IMAGES, f), "utf8"));

/** images/<f> with one more 1 GiB RAM range (2 MiB above the last one, on the last node). */
function withOneMoreRange(f: string) {
  const j = json(f);
  const ranges = j.vm.memory.ranges;
  const start = BigInt(ranges[ranges.length - 1].end) + 2n * 1024n * 1024n;
  ranges.push({ start: "0x" + start.toString(16), end: "0x" + (start + GB).toString(16), vnode: 63 });
  return resolveImageWith(parseImage(j, f), () => undefined, f);
}

describe("images/max.json: the most RAM ranges that boot with 2048 CPUs on 64 NUMA nodes", () => {
  it("boots with 618 RAM ranges; its kernel device tree nearly fills the shim's buffer", () => {
    const r = loadImage(join(IMAGES, "max.json"));
    expect(r.vm!.vps.length).toBe(2048);
    expect(new Set(r.vm!.vps.map((v) => v.vnode)).size).toBe(64);
    expect(json("max.json").vm.memory.ranges.length).toBe(618);
    const b = bootImage(r, { shim });
    expect(b.output.partitionRam.length).toBeGreaterThanOrEqual(619); // the RAM ranges and VTL2's
    expect(b.kernelDtb.length).toBe(262012);
    expect(b.kernelDtb.length).toBeLessThanOrEqual(FDT_DATA_SIZE);
    expect(r.hostDeviceTree.length).toBeLessThan(PARAVISOR_CONFIG_DEVICE_TREE_SIZE);
  });

  it("one RAM range more: the host device tree still fits, the kernel device tree does not (Fdt(OutOfSpace))", () => {
    const r = withOneMoreRange("max.json");
    expect(r.hostDeviceTree.length).toBeLessThan(PARAVISOR_CONFIG_DEVICE_TREE_SIZE);
    let failure;
    try {
      bootImage(r, { shim });
    } catch (e) {
      failure = bootFailure(e).error;
    }
    expect(failure).toEqual({ kind: "panic", message: OUT_OF_SPACE });
  });

  it("fail-kernel-dt-overflow.json keeps the OutOfSpace demonstration at the host area's limit (816 ranges)", () => {
    expect(json("fail-kernel-dt-overflow.json").vm.memory.ranges.length).toBe(816);
    expect(loadImage(join(IMAGES, "fail-kernel-dt-overflow.json")).hostDeviceTree.length).toBe(262064);
    // one more no longer fits the 64-page area: test/host_device_tree.test.ts
  });
});
