// `hclboot bench --soak` (host/bench/soak.ts): many whole boots in one instance, memory flat.
import { describe, it, expect, vi } from "vitest";
import { join } from "node:path";
import { loadImage } from "../host/image/load.js";
import { runSoak, soakText } from "../host/bench/soak.js";
import { main } from "../host/cli/main.js";

const dir = join(__dirname, "..", "images");

describe("runSoak", () => {
  it("boots small.json 300 times with flat WASM memory and identical output", async () => {
    const doc = await runSoak(loadImage(join(dir, "small.json")), 300);
    const s = doc.soak;
    expect(s.boots).toBe(300);
    expect(s.grew).toBe(false);
    expect(s.changed).toBe(false);
    expect(s.wasmMemoryBytes.after).toBe(s.wasmMemoryBytes.afterFirstBoot);
    expect(s.wasmMemoryBytes.afterFirstBoot).toBeGreaterThanOrEqual(s.wasmMemoryBytes.initial);
    expect(s.bootsPerSecond).toBeGreaterThan(0);
    expect(soakText(doc)).toContain("no growth after the first boot; last boot identical to the first");
  });

  it("soaks a failing image too (the failure repeats identically)", async () => {
    const doc = await runSoak(loadImage(join(dir, "fail-pool-too-large.json")), 20);
    expect(doc.soak.grew).toBe(false);
    expect(doc.soak.changed).toBe(false);
  });
});

describe("hclboot bench --soak arguments", () => {
  it("takes a count, or none (default 100000), and rejects bad counts and mixed modes (exit 2)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await main(["bench", "--soak", "5", "--json"])).toBe(0);
      const doc = JSON.parse(String(log.mock.calls.at(-1)![0]));
      expect(doc.soak.boots).toBe(5);
      expect(doc.soak.image).toMatch(/images[/\\]small\.json$/);
    } finally {
      log.mockRestore();
    }
    expect(await main(["bench", "--soak", "0"])).toBe(2);
    expect(await main(["bench", "--soak", "1.5"])).toBe(2);
    expect(await main(["bench", "--soak", "10", "--quick"])).toBe(2);
    expect(await main(["bench", "--image", "images/small.json"])).toBe(2);
  });
});
