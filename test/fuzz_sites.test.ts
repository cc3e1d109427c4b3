// Failure-site tables (host/fuzz/sites/): every line reference checked against the upstream
// mirror (when present), every example classified to its own site, and the class decides the verdict.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyFailure, CURRENT_PIN, HOST_FDT_ERROR_PREFIX, PIN_SITES } from "../host/fuzz/upstream_messages.js";
import { judgeFailure } from "../host/fuzz/oracle.js";

const MIRROR = "/work/.mirror/microsoft+openvmm/repo";

describe("site tables: upstream line references", () => {
  for (const [pin, sites] of Object.entries(PIN_SITES)) {
    it.skipIf(!existsSync(MIRROR))(`every at [path, line, fragment] of pin ${pin.slice(0, 7)} matches the upstream file`, () => {
      const files = new Map<string, string[]>();
      const bad: string[] = [];
      for (const s of sites) for (const [path, line, fragment] of s.at) {
        if (!files.has(path)) files.set(path, execFileSync("git", ["-C", MIRROR, "show", `${pin}:${path}`], { encoding: "utf8", maxBuffer: 1 << 26 }).split("\n"));
        const text = files.get(path)![line - 1] ?? "";
        if (!text.includes(fragment)) bad.push(`${s.id}: ${path}:${line} is "${text.trim()}", expected it to contain "${fragment}"`);
      }
      expect(bad).toEqual([]);
    });
  }
});

describe("site tables: classification", () => {
  const sites = PIN_SITES[CURRENT_PIN]!;
  it("has unique ids, a class and a reason for every site", () => {
    expect(new Set(sites.map((s) => s.id)).size).toBe(sites.length);
    for (const s of sites) {
      expect(["rejection", "defect"]).toContain(s.class);
      expect(s.reason.length).toBeGreaterThan(5);
      expect(s.at.length).toBeGreaterThan(0);
    }
  });
  for (const s of sites) {
    const msg = s.hostFdt ? HOST_FDT_ERROR_PREFIX + s.example : s.example;
    it(`${s.id} (${s.class}): its example classifies to it, and ${s.class === "defect" ? "fires as an upstream-defect finding" : "is an expected end"}`, () => {
      expect(classifyFailure(msg)?.id).toBe(s.id);
      const v = judgeFailure(msg, true);
      if (s.class === "defect") expect(v).toMatchObject({ ok: false, kind: "upstream-defect", site: s.id });
      else expect(v).toMatchObject({ ok: true, site: s.id });
      // Unit targets (ranges, cmdline) call functions outside their contract on purpose: never a finding.
      expect(judgeFailure(msg, false).ok).toBe(true);
    });
  }
  it("names the upstream file:line in a defect finding", () => {
    const v = judgeFailure("vtl2 range 0x0..0x1000 not contained in partition ram", true);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.message).toBe("upstream defect (kdt.vtl2-range-not-partition-ram at openhcl/openhcl_boot/src/dt.rs:588): vtl2 range 0x0..0x1000 not contained in partition ram");
  });
  it("throws for a pin without a table", () => {
    expect(() => classifyFailure("no cpus", "0".repeat(40))).toThrow(/no failure-site table/);
  });
});
