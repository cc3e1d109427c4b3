import { describe, it, expect } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../host/cli/main.js";
import { loadImage } from "../host/image/load.js";
import { dtcDecode } from "./helpers/dtc.js";

describe("hclboot dtb", () => {
  const dir = mkdtempSync(join(tmpdir(), "hclboot-dtb-"));

  it("writes the default image's (small) host device tree", async () => {
    const out = join(dir, "small.dtb");
    expect(await main(["dtb", "-o", out])).toBe(0);
    const blob = readFileSync(out);
    expect(Buffer.compare(blob, Buffer.from(loadImage(join(__dirname, "..", "images", "small.json")).hostDeviceTree))).toBe(0);
    expect(dtcDecode(blob)).toContain('model = "microsoft,hyperv";');
  });

  it("exits 2 with an input error for an image whose tree does not fit", async () => {
    expect(await main(["dtb", join(__dirname, "..", "images", "fail-host-dt-overflow.json"), "-o", join(dir, "x.dtb")])).toBe(2);
  });

  it("exits 2 for a missing image", async () => {
    expect(await main(["dtb", join(dir, "missing.json"), "-o", join(dir, "y.dtb")])).toBe(2);
  });
});
