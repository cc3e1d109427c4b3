//! Fuzz target `cmdline`: random boot command lines through the boot core's parser vs a model.
// Ports: openhcl/openhcl_boot/src/cmdline.rs (BootCommandLineOptions::parse), judged by a small
// TypeScript model of its rules written here from the upstream behavior.
import { parseBootCommandLine, type BootCommandLineOptions, type SidecarOptions, type Vtl2GpaPoolConfig } from "../../shim/cmdline.js";
import { ShimPanic, type Shim } from "../../wasm/loader.js";
import { check, judgeFailure, PASS, type Verdict } from "../oracle.js";
import type { Rng } from "../rng.js";
import { decodeJson, encodeJson, jsonReproducer, requireExports, type Target } from "../target.js";
import { shrinkStructured } from "../shrink.js";

/** One `cmdline` input: the command lines parsed in order (measured, then host). */
export interface CmdlineInput {
  lines: string[];
}

/** Rust `char::is_whitespace` (Unicode White_Space). */
const WS = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);

function words(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (const ch of s) {
    if (WS.has(ch.codePointAt(0)!)) {
      if (cur) out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function poolFrom(arg: string): Vtl2GpaPoolConfig {
  if (arg === "debug") return { kind: "heuristics", table: "debug" };
  if (arg === "release") return { kind: "heuristics", table: "release" };
  if (arg === "off") return { kind: "off" };
  const m = /^\+?[0-9]+$/.exec(arg);
  const n = m ? BigInt(arg) : 0n;
  return n === 0n || n >= 1n << 64n ? { kind: "off" } : { kind: "pages", pages: n };
}

const DEFAULT_SIDECAR: SidecarOptions = { kind: "enabled", enableLogging: false, cpuThreshold: 100 };
const LOGGING_SIDECAR: SidecarOptions = { kind: "enabled", enableLogging: true, cpuThreshold: 100 };

/** The model: `BootCommandLineOptions::new()` then `parse` of each line. */
export function modelCmdline(lines: readonly string[]): Omit<BootCommandLineOptions, "poolDebug" | "sidecarDebug"> {
  const o = {
    confidentialDebug: false,
    enableVtl2GpaPool: { kind: "heuristics", table: "release" } as Vtl2GpaPoolConfig,
    sidecar: DEFAULT_SIDECAR as SidecarOptions,
    disableNvmeKeepAlive: true,
    vtl2GpaPoolNumaSplit: false,
  };
  for (const line of lines) {
    o.disableNvmeKeepAlive = true;
    let override: Vtl2GpaPoolConfig | null = null;
    for (const arg of words(line)) {
      const eq = arg.indexOf("=");
      const value = eq >= 0 ? arg.slice(eq + 1) : null;
      if (arg.startsWith("OPENHCL_CONFIDENTIAL_DEBUG")) {
        if (value !== null && value !== "0") o.confidentialDebug = true;
      } else if (arg.startsWith("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=")) {
        o.enableVtl2GpaPool = poolFrom(value!);
      } else if (arg.startsWith("OPENHCL_ENABLE_VTL2_GPA_POOL=")) {
        override = poolFrom(value!);
      } else if (arg.startsWith("OPENHCL_SIDECAR=")) {
        for (const w of value!.split(",")) {
          if (w === "off") o.sidecar = { kind: "disabledCommandLine" };
          else if (w === "on") o.sidecar = DEFAULT_SIDECAR;
          else if (w === "log") o.sidecar = LOGGING_SIDECAR;
        }
      } else if (arg.startsWith("OPENHCL_DISABLE_NVME_KEEP_ALIVE=")) {
        if (value === "0") o.disableNvmeKeepAlive = false;
      } else if (arg.startsWith("OPENHCL_VTL2_GPA_POOL_NUMA=")) {
        if (value === "split") o.vtl2GpaPoolNumaSplit = true;
      }
    }
    if (override) o.enableVtl2GpaPool = override;
  }
  return o;
}

/** Rust's derived Debug of the pool config and the sidecar options. */
export function debugStrings(o: Pick<BootCommandLineOptions, "enableVtl2GpaPool" | "sidecar">): [string, string] {
  const p = o.enableVtl2GpaPool;
  const pool = p.kind === "heuristics" ? `Heuristics(${p.table === "debug" ? "Debug" : "Release"})` : p.kind === "off" ? "Off" : `Pages(${p.pages})`;
  const s = o.sidecar;
  const sidecar = s.kind === "disabledServicing" ? "DisabledServicing" : s.kind === "disabledCommandLine" ? "DisabledCommandLine"
    : `Enabled { enable_logging: ${s.enableLogging}, cpu_threshold: ${s.cpuThreshold === null ? "None" : `Some(${s.cpuThreshold})`} }`;
  return [pool, sidecar];
}

const KEYS = ["OPENHCL_CONFIDENTIAL_DEBUG", "OPENHCL_CONFIDENTIAL_DEBUG=", "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=", "OPENHCL_ENABLE_VTL2_GPA_POOL=",
  "OPENHCL_ENABLE_VTL2_GPA_POOL", "OPENHCL_SIDECAR=", "OPENHCL_DISABLE_NVME_KEEP_ALIVE=", "OPENHCL_VTL2_GPA_POOL_NUMA=", "OPENHCL_", "console=", "quiet"];
const VALUES = ["", "0", "1", "debug", "release", "off", "on", "log", "split", "on,off", "off,log,", ",", "+7", "512",
  "18446744073709551615", "18446744073709551616", "-1", "0x10", "=", "é", "split "];
const SPACES = [" ", " ", "  ", "\t", "\n", "\u00a0", "\u2028", "\u3000", "\u200b", "\u0085"];

function word(rng: Rng): string {
  if (rng.chance(0.1)) {
    let s = "";
    for (let i = rng.below(6); i > 0; i--) s += String.fromCharCode(0x21 + rng.below(0x5e));
    return s;
  }
  return rng.pick(KEYS) + (rng.chance(0.8) ? rng.pick(VALUES) : String(rng.u32()));
}

function line(rng: Rng): string {
  let s = rng.chance(0.2) ? rng.pick(SPACES) : "";
  for (let i = rng.below(6); i > 0; i--) s += word(rng) + rng.pick(SPACES);
  return s;
}

/** Judges one input: result equals the model, Debug strings match, never a failure. */
export function judgeCmdline(shim: Shim, x: CmdlineInput): Verdict {
  let got: BootCommandLineOptions;
  try {
    got = parseBootCommandLine(shim, ...x.lines);
  } catch (e) {
    if (e instanceof ShimPanic) {
      const v = judgeFailure(e.message);
      return v.ok ? { ok: false, kind: "invariant", message: `cmdline parse failed: ${e.message}` } : v;
    }
    return { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) };
  }
  const want = modelCmdline(x.lines);
  const { poolDebug, sidecarDebug, ...fields } = got;
  const show = (v: unknown): string => JSON.stringify(v, (_k, b) => (typeof b === "bigint" ? b.toString() : b));
  const c1 = check("cmdline-model", show(fields) === show(want), () => `boot core ${show(fields)}, model ${show(want)}`);
  if (c1) return { ok: false, kind: "invariant", message: c1 };
  const [pd, sd] = debugStrings(want);
  const c2 = check("cmdline-debug", poolDebug === pd && sidecarDebug === sd, () => `Debug text ${poolDebug} / ${sidecarDebug}, expected ${pd} / ${sd}`);
  return c2 ? { ok: false, kind: "invariant", message: c2 } : PASS;
}

/** The `cmdline` target. */
export const cmdlineTarget: Target<CmdlineInput> = {
  name: "cmdline",
  summary: "boot command lines (OPENHCL_* switches, Unicode whitespace) vs a model of cmdline.rs",
  prepare(shim) {
    requireExports(shim, "cmdline", ["cmdline_parse"]);
    shim.setLogging(false);
  },
  generate: (rng) => ({ lines: rng.chance(0.5) ? [line(rng)] : [line(rng), line(rng)] }),
  mutate(x, rng) {
    const lines = x.lines.slice();
    const i = rng.below(Math.max(lines.length, 1));
    const l = lines[i] ?? "";
    switch (rng.below(4)) {
      case 0: lines[i] = l + rng.pick(SPACES) + word(rng); break;
      case 1: { const at = rng.below(l.length + 1); lines[i] = l.slice(0, at) + l.slice(at + 1 + rng.below(4)); break; }
      case 2: if (lines.length < 3) lines.push(line(rng)); break;
      default: lines[i] = word(rng) + rng.pick(SPACES) + l;
    }
    return { lines };
  },
  encode: (x) => encodeJson(x),
  decode(bytes) {
    const x = decodeJson<CmdlineInput>(bytes);
    if (!Array.isArray(x.lines) || !x.lines.every((l) => typeof l === "string")) throw new Error("not a cmdline input");
    return x;
  },
  run: judgeCmdline,
  shrink: (x) => shrinkStructured(x, (c) => Array.isArray(c.lines)),
  reproducer: (x, id) => jsonReproducer("cmdline", x, id),
};
