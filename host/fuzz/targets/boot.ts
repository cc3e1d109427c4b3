//! Fuzz target `boot`: generated VM images booted end to end, judged by the range invariants.
// Ports: openhcl/openhcl_boot (the whole boot path); oracle in host/fuzz/oracle.ts.
import { ShimPanic } from "../../wasm/loader.js";
import { vmImageArb, sample } from "../arbitraries.js";
import { checkBootOutput, checkSame, judgeFailure, type Verdict } from "../oracle.js";
import { shrinkStructured } from "../shrink.js";
import { decodeJson, encodeJson, TargetUnavailable, type Target } from "../target.js";
import { plugins } from "./plugins.js";

/** A boot input is an image object (the JSON of an images/*.json file). */
export type BootInput = Record<string, unknown>;

/** The `boot` target. Each input boots twice: the outputs must be identical (determinism). */
export const bootTarget: Target<BootInput> = {
  name: "boot",
  summary: "generated VM images (memory maps, NUMA, VTL2 ranges, pools, sidecar, isolation) booted end to end",
  prepare(shim) {
    if (!plugins.boot) throw new TargetUnavailable("boot", "the boot harness (bootImage) is not wired (provideBootRunner)");
    shim.setLogging(true);
  },
  generate: (rng) => sample(vmImageArb, rng) as BootInput,
  mutate: (_x, rng) => sample(vmImageArb, rng) as BootInput,
  encode: (x) => encodeJson(x),
  decode: (b) => decodeJson<BootInput>(b),
  run(shim, image): Verdict {
    const once = (): { text: string; verdict: Verdict } => {
      try {
        const r = plugins.boot!(shim, image);
        if (!r.ok) return { text: JSON.stringify(r.error), verdict: judgeFailure(r.error.message) };
        return { text: JSON.stringify(r.value), verdict: checkBootOutput(r.value) };
      } catch (e) {
        if (e instanceof ShimPanic) return { text: e.message, verdict: judgeFailure(e.message) };
        return { text: "", verdict: { ok: false, kind: "exception", message: String(e instanceof Error ? e.stack ?? e.message : e) } };
      }
    };
    const first = once();
    if (!first.verdict.ok) return first.verdict;
    const same = checkSame(first.text, once().text);
    return same.ok ? first.verdict : same;
  },
  shrink: (x) => shrinkStructured(x),
  reproducer: (x, id) => ({ files: { [`${id}.json`]: encodeJson({ ...x, name: id }) }, replay: `hclboot boot {dir}/${id}.json` }),
};
