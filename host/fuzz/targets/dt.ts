//! Fuzz target `dt`: mutated host device tree blobs through the boot core's host DT parser, with
//! the single-pass walk checked against the upstream-order walk on every input.
// Ports: openhcl/host_fdt_parser/src/lib.rs and support/fdt/src/parser.rs (failures must be theirs).
import { tryParseHostDt } from "../../shim/host_fdt.js";
import type { Shim } from "../../wasm/loader.js";
import { check } from "../oracle.js";
import { encodeJson } from "../target.js";
import type { Rng } from "../rng.js";
import { byteTarget, capture, resultText } from "./bytes.js";
import { plugins, type PluginResult } from "./plugins.js";

/** A minimal well-formed FDT (header, empty reservation map, root node with no properties). */
export function minimalFdt(bootCpuidPhys = 0): Uint8Array {
  const struct = [0x1, 0x0, 0x2, 0x9]; // BEGIN_NODE "" (padded), END_NODE, END
  const off = 40;
  const rsv = off;
  const structOff = rsv + 16;
  const structLen = struct.length * 4;
  const stringsOff = structOff + structLen;
  const total = stringsOff;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  [0xd00dfeed, total, structOff, stringsOff, rsv, 17, 16, bootCpuidPhys, 0, structLen].forEach((x, i) => v.setUint32(i * 4, x));
  struct.forEach((t, i) => v.setUint32(structOff + i * 4, t));
  return b;
}

/** Parses `dtb` as openhcl_boot does: the parsed tree, or upstream's error text (kind "dt"). */
export function parseDtForFuzz(shim: Shim, dtb: Uint8Array, upstreamOrder = false): PluginResult<unknown> {
  const r = tryParseHostDt(shim, dtb, { upstreamOrder });
  return r.ok ? { ok: true, value: r.tree } : { ok: false, error: { kind: "dt", message: r.message } };
}

/** The default `dt` runner: the single-pass walk (what `hclboot dt` and the boot use). */
export const runHostDt = (shim: Shim, dtb: Uint8Array): PluginResult<unknown> => parseDtForFuzz(shim, dtb, false);

/** The upstream-order walk must give exactly the first run's result (tree, error text or panic). */
export function compareWalks(shim: Shim, dtb: Uint8Array, fast: PluginResult<unknown>): string | null {
  const slow = capture(() => parseDtForFuzz(shim, dtb, true));
  const a = resultText(fast);
  const b = resultText(slow);
  return check("dt-walk-order", a === b, () => `single-pass walk and upstream-order walk disagree:\n${a}\n--- upstream order ---\n${b}`);
}

/** Builds the `dt` target over the given seed blobs (images/, test/fixtures/dts and the corpus). */
export const dtTarget = (seeds: Uint8Array[] = []) =>
  byteTarget({
    name: "dt",
    summary: "mutated host device tree blobs (header fields, property lengths, truncation, splicing); both walk orders agree",
    ext: "dtb",
    runner: () => plugins.dt ?? runHostDt,
    missing: "the host device-tree parser (assembly/support/host_fdt_parser/host_fdt_parser.ts) is not wired (provideDtRunner)",
    synthesize: (rng: Rng) => minimalFdt(rng.below(4)),
    crossCheck: compareWalks,
    reproducer(bytes, id) {
      // The blob, and an image naming it so `hclboot boot` replays the boot that reads it (VTL2
      // memory at the IGVM file's default base: the shim parses the host tree before it checks it).
      const image = { name: id, hostDeviceTree: `${id}.dtb`, shim: { memoryStart: "0x8000000", memorySize: "0x2000000" } };
      return {
        files: { [`${id}.dtb`]: bytes, [`${id}.json`]: encodeJson(image) },
        replay: `hclboot fuzz --target dt --replay {dir}/${id}.dtb`,
      };
    },
  }, seeds);
