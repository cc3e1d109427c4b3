//! The shape of a failure-site table (one table per upstream pin, host/fuzz/sites/pin_*.ts).
// Ports: none (fuzzing data model).

/** Rejection: deliberate validation with its own text. Defect: a check believed unreachable. */
export type SiteClass = "rejection" | "defect";

/** One upstream failure site: the message it prints, where, and its class. */
export interface SiteSpec {
  /** Stable id (bucket keys and `--known` files use it). */
  id: string;
  /** Regular expression source of the message (anchored, `s` flag). */
  message: string;
  /** Upstream locations at the pin: [path, line, a fragment of that line]. */
  at: readonly (readonly [string, number, string])[];
  class: SiteClass;
  /** One line: why this class. */
  reason: string;
  /** Printed behind host_fdt_parser's "Parsing failed due to: " prefix. */
  hostFdt?: boolean;
  /** A message the site prints (tests check it classifies to this site). */
  example: string;
}
