import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { parseBootCommandLine, type BootCommandLineOptions, type Vtl2GpaPoolConfig } from "../host/shim/cmdline.js";

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

const DEFAULTS = {
  confidentialDebug: false,
  enableVtl2GpaPool: { kind: "heuristics", table: "release" } as Vtl2GpaPoolConfig,
  sidecar: { kind: "enabled", enableLogging: false, cpuThreshold: 100 },
  disableNvmeKeepAlive: true,
  vtl2GpaPoolNumaSplit: false,
};
const opts = (line: string) => {
  const { poolDebug: _p, sidecarDebug: _s, ...rest } = parseBootCommandLine(shim, line);
  return rest;
};
const pool = (line: string) => parseBootCommandLine(shim, line).enableVtl2GpaPool;

describe("BootCommandLineOptions::new", () => {
  it("defaults to release heuristics, sidecar on with threshold 100, NVMe keepalive disabled", () => {
    const o = parseBootCommandLine(shim);
    expect(o.poolDebug).toBe("Heuristics(Release)");
    expect(o.sidecarDebug).toBe("Enabled { enable_logging: false, cpu_threshold: Some(100) }");
    expect(opts("")).toEqual(DEFAULTS);
  });
});

describe("BootCommandLineOptions::parse — VTL2 GPA pool (upstream test_vtl2_gpa_pool_parsing)", () => {
  const table: [string, Vtl2GpaPoolConfig][] = [
    ["", { kind: "heuristics", table: "release" }],
    ["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=1", { kind: "pages", pages: 1n }],
    ["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=0", { kind: "off" }],
    ["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=asdf", { kind: "off" }],
    ["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=512", { kind: "pages", pages: 512n }],
    ["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off", { kind: "off" }],
    ["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug", { kind: "heuristics", table: "debug" }],
    ["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=release", { kind: "heuristics", table: "release" }],
    ["OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=release OPENHCL_ENABLE_VTL2_GPA_POOL=debug", { kind: "heuristics", table: "debug" }],
  ];
  for (const [line, want] of table) {
    it(`reads ${JSON.stringify(line)}`, () => {
      expect(pool(line)).toEqual(want);
    });
  }
  it("lets OPENHCL_ENABLE_VTL2_GPA_POOL win even when it comes first, and logs the override", () => {
    const o = parseBootCommandLine(shim, "OPENHCL_ENABLE_VTL2_GPA_POOL=300 OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug");
    expect(o.enableVtl2GpaPool).toEqual({ kind: "pages", pages: 300n });
    expect(shim.log()).toEqual(["[INFO] Overriding VTL2 GPA pool config to Pages(300) from command line"]);
  });
  it("parses page counts as Rust's u64 FromStr does: leading +, no -, overflow is Off", () => {
    expect(pool("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=+7")).toEqual({ kind: "pages", pages: 7n });
    expect(pool("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=+")).toEqual({ kind: "off" });
    expect(pool("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=-1")).toEqual({ kind: "off" });
    expect(pool("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=18446744073709551615")).toEqual({ kind: "pages", pages: 18446744073709551615n });
    expect(pool("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=18446744073709551616")).toEqual({ kind: "off" });
    expect(pool("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=")).toEqual({ kind: "off" });
    expect(pool("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=0x10")).toEqual({ kind: "off" });
  });
  it("splits the value at the first '=' only", () => {
    expect(pool("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=5=6")).toEqual({ kind: "off" });
  });
});

describe("BootCommandLineOptions::parse — sidecar (upstream test_sidecar_parsing)", () => {
  it("on enables without logging", () => {
    expect(opts("OPENHCL_SIDECAR=on")).toEqual(DEFAULTS);
  });
  it("off disables on the command line", () => {
    expect(opts("OPENHCL_SIDECAR=off")).toEqual({ ...DEFAULTS, sidecar: { kind: "disabledCommandLine" } });
    expect(parseBootCommandLine(shim, "OPENHCL_SIDECAR=off").sidecarDebug).toBe("DisabledCommandLine");
  });
  it("the last switch of a comma list wins (on,off)", () => {
    expect(opts("OPENHCL_SIDECAR=on,off")).toEqual({ ...DEFAULTS, sidecar: { kind: "disabledCommandLine" } });
  });
  it("log enables logging (on,log and log)", () => {
    const want = { ...DEFAULTS, sidecar: { kind: "enabled", enableLogging: true, cpuThreshold: 100 } };
    expect(opts("OPENHCL_SIDECAR=on,log")).toEqual(want);
    expect(opts("OPENHCL_SIDECAR=log")).toEqual(want);
  });
  it("ignores unknown switches and empty items", () => {
    expect(opts("OPENHCL_SIDECAR=off,,bogus")).toEqual({ ...DEFAULTS, sidecar: { kind: "disabledCommandLine" } });
  });
});

describe("BootCommandLineOptions::parse — other switches", () => {
  it("confidential debug matches any word starting with the name whose value is not 0", () => {
    expect(opts("OPENHCL_CONFIDENTIAL_DEBUG=1").confidentialDebug).toBe(true);
    expect(opts("OPENHCL_CONFIDENTIAL_DEBUGGING=yes").confidentialDebug).toBe(true);
    expect(opts("OPENHCL_CONFIDENTIAL_DEBUG=").confidentialDebug).toBe(true);
    expect(opts("OPENHCL_CONFIDENTIAL_DEBUG=0").confidentialDebug).toBe(false);
    expect(opts("OPENHCL_CONFIDENTIAL_DEBUG").confidentialDebug).toBe(false);
    // once set, a later =0 does not clear it
    expect(opts("OPENHCL_CONFIDENTIAL_DEBUG=1 OPENHCL_CONFIDENTIAL_DEBUG=0").confidentialDebug).toBe(true);
  });
  it("NVMe keepalive is re-enabled only by =0, and every parse starts from disabled", () => {
    expect(opts("OPENHCL_DISABLE_NVME_KEEP_ALIVE=0").disableNvmeKeepAlive).toBe(false);
    expect(opts("OPENHCL_DISABLE_NVME_KEEP_ALIVE=1").disableNvmeKeepAlive).toBe(true);
    expect(parseBootCommandLine(shim, "OPENHCL_DISABLE_NVME_KEEP_ALIVE=0", "").disableNvmeKeepAlive).toBe(true);
  });
  it("pool NUMA split accepts only 'split' and warns about other values", () => {
    expect(opts("OPENHCL_VTL2_GPA_POOL_NUMA=split").vtl2GpaPoolNumaSplit).toBe(true);
    const o = parseBootCommandLine(shim, "OPENHCL_VTL2_GPA_POOL_NUMA=even");
    expect(o.vtl2GpaPoolNumaSplit).toBe(false);
    expect(shim.log()).toEqual(["[WARN] Unknown value for OPENHCL_VTL2_GPA_POOL_NUMA: even"]);
  });
  it("keeps earlier options across command lines (measured, then host)", () => {
    const o = parseBootCommandLine(shim, "OPENHCL_SIDECAR=off OPENHCL_CONFIDENTIAL_DEBUG=1", "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=9");
    expect(o.sidecar).toEqual({ kind: "disabledCommandLine" });
    expect(o.confidentialDebug).toBe(true);
    expect(o.enableVtl2GpaPool).toEqual({ kind: "pages", pages: 9n });
  });
  it("splits on Unicode whitespace like str::split_whitespace", () => {
    expect(opts("foo\tOPENHCL_SIDECAR=off\u00a0OPENHCL_VTL2_GPA_POOL_NUMA=split\u3000bar").sidecar).toEqual({ kind: "disabledCommandLine" });
    expect(opts("x\u2003OPENHCL_VTL2_GPA_POOL_NUMA=split\n").vtl2GpaPoolNumaSplit).toBe(true);
    // a non-breaking zero-width joiner is not whitespace: the word does not start with the name
    expect(opts("\u200dOPENHCL_SIDECAR=off").sidecar).toEqual(DEFAULTS.sidecar);
  });
});

// ---- property: random command lines against a TypeScript model of parse ----

function modelParse(lines: string[]): Omit<BootCommandLineOptions, "poolDebug" | "sidecarDebug"> {
  const o = structuredClone(DEFAULTS) as Omit<BootCommandLineOptions, "poolDebug" | "sidecarDebug">;
  const fromArg = (v: string): Vtl2GpaPoolConfig => {
    if (v === "debug" || v === "release") return { kind: "heuristics", table: v };
    if (v === "off") return { kind: "off" };
    const m = /^\+?([0-9]+)$/.exec(v);
    const n = m ? BigInt(m[1]!) : 0n;
    return n === 0n || n >= 1n << 64n ? { kind: "off" } : { kind: "pages", pages: n };
  };
  for (const line of lines) {
    o.disableNvmeKeepAlive = true;
    let override: Vtl2GpaPoolConfig | undefined;
    for (const w of line.split(/[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u).filter((x) => x.length > 0)) {
      const eq = w.indexOf("=");
      const v = eq >= 0 ? w.slice(eq + 1) : undefined;
      if (w.startsWith("OPENHCL_CONFIDENTIAL_DEBUG")) {
        if (v !== undefined && v !== "0") o.confidentialDebug = true;
      } else if (w.startsWith("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=")) o.enableVtl2GpaPool = fromArg(v!);
      else if (w.startsWith("OPENHCL_ENABLE_VTL2_GPA_POOL=")) override = fromArg(v!);
      else if (w.startsWith("OPENHCL_SIDECAR=")) {
        for (const s of v!.split(",")) {
          if (s === "off") o.sidecar = { kind: "disabledCommandLine" };
          if (s === "on" || s === "log") o.sidecar = { kind: "enabled", enableLogging: s === "log", cpuThreshold: 100 };
        }
      } else if (w.startsWith("OPENHCL_DISABLE_NVME_KEEP_ALIVE=")) {
        if (v === "0") o.disableNvmeKeepAlive = false;
      } else if (w.startsWith("OPENHCL_VTL2_GPA_POOL_NUMA=")) {
        if (v === "split") o.vtl2GpaPoolNumaSplit = true;
      }
    }
    if (override) o.enableVtl2GpaPool = override;
  }
  return o;
}

const word = fc.oneof(
  fc.constantFrom("OPENHCL_CONFIDENTIAL_DEBUG", "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG", "OPENHCL_ENABLE_VTL2_GPA_POOL", "OPENHCL_SIDECAR",
    "OPENHCL_DISABLE_NVME_KEEP_ALIVE", "OPENHCL_VTL2_GPA_POOL_NUMA", "console", "OPENHCL_CONFIDENTIAL_DEBUGX")
    .chain((k) => fc.option(fc.constantFrom("0", "1", "debug", "release", "off", "on", "log", "on,log", "log,off", "split", "", "+12", "99999999999999999999", "a=b"), { nil: undefined })
      .map((v) => (v === undefined ? k : `${k}=${v}`))),
  fc.string({ maxLength: 6 }),
);
const line = fc.array(fc.tuple(word, fc.constantFrom(" ", "  ", "\t", "\n", "\u00a0", "\u2029", "\u0085", "\ufeff", "\u200b")), { maxLength: 6 })
  .map((ws) => ws.map(([w, sep]) => w + sep).join(""));

describe("BootCommandLineOptions::parse properties", () => {
  it("matches the TypeScript model on random command lines", () => {
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 2 }), (lines) => {
      const { poolDebug: _p, sidecarDebug: _s, ...got } = parseBootCommandLine(shim, ...lines);
      expect(got).toEqual(modelParse(lines));
    }), { numRuns: 300 });
  });
});
