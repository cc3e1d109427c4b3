//! The failure sites a boot may end at, per upstream pin, and the classifier that maps a failure
//! message to its site and class (rejection or defect).
// Ports: the panic/error texts of openhcl_boot and its crates (tables in host/fuzz/sites/pin_*.ts).
//
// A failed run whose message matches a *rejection* site is an expected end (the shim refused an
// input on purpose). One that matches a *defect* site (an assertion or runtime check the author
// believed could not fire) is a finding of kind `upstream-defect` in the whole-boot targets,
// whatever the port does, because the real shim would die there too. A message no site prints is
// an `unknown-failure` finding (a port bug). Formatted values (`{}`, `{:#x}`, `{:?}`) match `.*`;
// `Result::expect(msg)` prints `msg: <Debug of the error>`, hence the `(: .*)?` tails.
import { SITES_37A2806 } from "./sites/pin_37a2806.js";
import type { SiteClass, SiteSpec } from "./sites/types.js";

export type { SiteClass, SiteSpec } from "./sites/types.js";

/** The pin the port follows (REFERENCE.md). */
export const CURRENT_PIN = "37a2806042dd2a3ea183f1dcdb3684e0b83d816f";

/** Site tables by full upstream commit. A second pin adds its own table here. */
export const PIN_SITES: Record<string, readonly SiteSpec[]> = {
  [CURRENT_PIN]: SITES_37A2806,
};

/** One classified failure site. */
export interface FailureSite {
  /** Stable id of the site (e.g. `dt.pool-split`). */
  id: string;
  /** Upstream file and item, for humans: `path:line` of its first location and the id. */
  site: string;
  /** Every upstream `path:line` of the site. */
  at: string[];
  class: SiteClass;
  reason: string;
  pattern: RegExp;
}

/** hclboot's own explicit capacity errors (ranges target: the caller sized the output). */
export const CAPACITY_SITES: readonly FailureSite[] = [
  { id: "hclboot.RangeList-full", site: "assembly/support/memory_range/range_list.ts RangeList", at: [], class: "rejection", reason: "output capacity chosen by the caller", pattern: /^(?:RangeList full: output needs more than its capacity of \d+ ranges)$/s },
  { id: "hclboot.RangeWalk-full", site: "assembly/support/memory_range/range_list.ts RangeWalk", at: [], class: "rejection", reason: "output capacity chosen by the caller", pattern: /^(?:RangeWalk full: walk produces more than its capacity of \d+ ranges)$/s },
];

/** host_fdt_parser's `Error` Display: this prefix, then the ErrorKind (or the fdt parser's error). */
export const HOST_FDT_ERROR_PREFIX = "Parsing failed due to: ";

const compiled = new Map<string, FailureSite[]>();

/** The compiled sites of `pin` (throws for a pin without a table). */
export function sitesFor(pin: string = CURRENT_PIN): FailureSite[] {
  let c = compiled.get(pin);
  if (c) return c;
  const table = PIN_SITES[pin];
  if (!table) throw new Error(`no failure-site table for upstream pin ${pin} (known: ${Object.keys(PIN_SITES).join(", ")})`);
  c = table.map((s) => ({
    id: s.id,
    site: `${s.at[0] ? `${s.at[0][0]}:${s.at[0][1]}` : "(no location)"} ${s.id}`,
    at: s.at.map(([p, l]) => `${p}:${l}`),
    class: s.class,
    reason: s.reason,
    pattern: new RegExp(`^(?:${s.message})$`, "s"),
    hostFdt: s.hostFdt === true,
  }));
  compiled.set(pin, c);
  return c;
}

/** The site a failure message belongs to, or null when no upstream (or capacity) site prints it. */
export function classifyFailure(message: string, pin: string = CURRENT_PIN): FailureSite | null {
  const sites = sitesFor(pin) as (FailureSite & { hostFdt: boolean })[];
  if (message.startsWith(HOST_FDT_ERROR_PREFIX)) {
    const inner = message.slice(HOST_FDT_ERROR_PREFIX.length);
    const s = sites.find((f) => f.hostFdt && f.pattern.test(inner));
    return s ? { ...s, site: `host_fdt_parser Error (${s.site})` } : null;
  }
  for (const s of sites) if (s.pattern.test(message)) return s;
  for (const s of CAPACITY_SITES) if (s.pattern.test(message)) return s;
  return null;
}
