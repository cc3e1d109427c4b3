//! The `--upstream <short-sha>` option shared by boot, service, fuzz, bench and diff-upstream.
// Ports: none (hclboot's command line; the pins are in host/upstream.ts)
import { resolveUpstream, setDefaultUpstream, UPSTREAM_INFO, UPSTREAM_PINS, NEWEST_UPSTREAM, type UpstreamPin } from "../upstream.js";

/** The parseArgs entry of `--upstream`. */
export const UPSTREAM_OPTION = { upstream: { type: "string" } } as const;

/** Help text line of `--upstream`. */
export const UPSTREAM_HELP = `  --upstream SHA       upstream openvmm version to reproduce: ${UPSTREAM_PINS.map((p) => `${p} (${UPSTREAM_INFO[p].date})`).join(", ")}; default ${NEWEST_UPSTREAM} (or $HCLBOOT_UPSTREAM)`;

/** Resolves `--upstream` (InputError naming the known pins when unknown) and makes it this process's default. */
export function applyUpstream(value: string | undefined): UpstreamPin {
  const pin = resolveUpstream(value);
  setDefaultUpstream(pin);
  return pin;
}
