//! The fuzz targets by name (the registry `--target` chooses from).
// Ports: nothing upstream.
import type { Target } from "../target.js";
import { rangesTarget } from "./ranges.js";
import { cmdlineTarget } from "./cmdline.js";
import { dtTarget } from "./dt.js";
import { persistedTarget } from "./persisted.js";
import { bootTargetWith } from "./boot.js";
import { allocTargetFor } from "./alloc.js";

/** Names of every target, in `--help` order. */
export const TARGET_NAMES = ["ranges", "cmdline", "dt", "persisted", "boot", "alloc"] as const;

/** The target called `name`, seeded from `seeds` (byte targets, boot images); throws on an unknown name. */
export function getTarget(name: string, seeds: Uint8Array[] = []): Target<any> {
  switch (name) {
    case "ranges": return rangesTarget;
    case "cmdline": return cmdlineTarget;
    case "dt": return dtTarget(seeds);
    case "persisted": return persistedTarget(seeds);
    case "boot": return bootTargetWith(seeds);
    case "alloc": return allocTargetFor();
    default: throw new Error(`unknown fuzz target '${name}' (one of ${TARGET_NAMES.join(", ")})`);
  }
}

/** One-line summaries by name. */
export function targetSummaries(): [string, string][] {
  return TARGET_NAMES.map((n) => [n, getTarget(n).summary]);
}
