//! The upstream openvmm commits hclboot can reproduce (one boot core per pin), the default, and
//! `--upstream` resolution. Sits below every layer, like contract.ts and errors.ts.
// Ports: none (hclboot's version table; docs/UPSTREAM.md says what differs between the pins)

import { InputError } from "./errors.js";

/** Short names of the supported upstream pins, newest first. */
export const UPSTREAM_PINS = ["1488a37", "37a2806"] as const;

/** One supported upstream pin. */
export type UpstreamPin = (typeof UPSTREAM_PINS)[number];

/** What each pin is: the full openvmm commit, its date, and its index (0 = oldest, as the boot core's `UPSTREAM_PIN`). */
export const UPSTREAM_INFO: Record<UpstreamPin, { commit: string; date: string; index: number }> = {
  "37a2806": { commit: "37a2806042dd2a3ea183f1dcdb3684e0b83d816f", date: "2026-06", index: 0 },
  "1488a37": { commit: "1488a37b7cfe596c8fd72bbf7d2bb3af3f99aea6", date: "2026-08-21", index: 1 },
};

/** The pin used when none is named: the newest (or HCLBOOT_UPSTREAM from the environment when set). */
export const NEWEST_UPSTREAM: UpstreamPin = UPSTREAM_PINS[0];

/** The default pin of this process: HCLBOOT_UPSTREAM if it names a known pin, else the newest. */
export function defaultUpstream(): UpstreamPin {
  const env = typeof process !== "undefined" ? process.env?.HCLBOOT_UPSTREAM : undefined;
  return env ? resolveUpstream(env) : NEWEST_UPSTREAM;
}

/**
 * The pin a user named: a short name, or any prefix (7+ hex digits) of a pin's full commit.
 * Throws InputError naming the known pins otherwise.
 */
export function resolveUpstream(name: string | undefined): UpstreamPin {
  if (name === undefined || name === "") return defaultUpstream();
  const n = name.trim().toLowerCase();
  if (n.length >= 7) {
    for (const pin of UPSTREAM_PINS) if (UPSTREAM_INFO[pin].commit.startsWith(n)) return pin;
  }
  throw new InputError(
    `--upstream: unknown upstream version "${name}"; known: ${UPSTREAM_PINS.map((p) => `${p} (${UPSTREAM_INFO[p].commit}, ${UPSTREAM_INFO[p].date})`).join(", ")}`,
  );
}

/** True when `pin` includes the upstream change made at the pin `since` (pins are ordered by date). */
export function atLeast(pin: UpstreamPin, since: UpstreamPin): boolean {
  return UPSTREAM_INFO[pin].index >= UPSTREAM_INFO[since].index;
}

/** Makes `pin` this process's default (and its worker threads', which copy the environment). */
export function setDefaultUpstream(pin: UpstreamPin): void {
  process.env.HCLBOOT_UPSTREAM = pin;
}
