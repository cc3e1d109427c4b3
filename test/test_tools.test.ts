// npm test's pre-test check (scripts/check-test-tools.mjs) on a machine without dtc or chromium,
// simulated with a PATH that lacks them, and the build stamp that makes npm test build once.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findChromium, which } from "../scripts/test_tools.mjs";
import { staleReason, writeStamp } from "../scripts/build_stamp.mjs";

const root = join(__dirname, "..");

/** A PATH directory holding only the named fake executables. */
function fakePath(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "hclboot-path-"));
  for (const n of names) {
    writeFileSync(join(dir, n), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, n), 0o755);
  }
  return dir;
}

function check(path: string, extra: Record<string, string> = {}) {
  const env: Record<string, string> = { PATH: path, ...extra };
  return spawnSync(process.execPath, [join(root, "scripts", "check-test-tools.mjs")], { env, encoding: "utf8" });
}

describe("check-test-tools", () => {
  it("without dtc: stops with exit 1 and the exact install command (and npm run setup)", () => {
    const r = check(fakePath([]));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/(sudo )?apt-get install -y device-tree-compiler chromium\n/);
    expect(r.stderr).toContain("npm run setup");
  });

  it("with dtc but without chromium: exit 0 and says loudly that only the e2e suite is skipped", () => {
    const r = check(fakePath(["dtc"]));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("e2e suite (test/e2e/) is SKIPPED");
    expect(r.stderr).toMatch(/apt-get install -y chromium\n/);
  });

  it("without chromium and HCLBOOT_E2E_REQUIRED (CI): exit 1", () => {
    const r = check(fakePath(["dtc"]), { HCLBOOT_E2E_REQUIRED: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("HCLBOOT_E2E_REQUIRED");
  });

  it("with both: silent, exit 0", () => {
    const r = check(fakePath(["dtc", "chromium"]));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("which/findChromium honour PATH and HCLBOOT_CHROMIUM", () => {
    const p = fakePath(["chromium-browser"]);
    expect(which("dtc", p)).toBeNull();
    expect(findChromium({ PATH: p })).toBe(join(p, "chromium-browser"));
    expect(findChromium({ PATH: p, HCLBOOT_CHROMIUM: "/opt/c" })).toBe("/opt/c");
  });
});

describe("build stamp", () => {
  it("is up to date after a build, stale after a source change, a mode change or a lost output", () => {
    const dir = mkdtempSync(join(tmpdir(), "hclboot-stamp-"));
    try {
      for (const d of ["host", "build", "dist", "test"]) mkdirSync(join(dir, d));
      writeFileSync(join(dir, "host", "a.ts"), "a");
      writeFileSync(join(dir, "build", "x.wasm"), "x");
      expect(staleReason(dir, "release")).toBe("no previous build");
      writeStamp(dir, "release");
      expect(staleReason(dir, "release")).toBeNull();
      writeFileSync(join(dir, "test", "t.test.ts"), "t"); // tests are not build inputs
      expect(staleReason(dir, "release")).toBeNull();
      expect(staleReason(dir, "debug")).toBe("sources changed since the last build");
      writeFileSync(join(dir, "host", "a.ts"), "b");
      expect(staleReason(dir, "release")).toBe("sources changed since the last build");
      writeStamp(dir, "release");
      rmSync(join(dir, "build", "x.wasm"));
      expect(staleReason(dir, "release")).toBe(`${join("build", "x.wasm")} is missing`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
