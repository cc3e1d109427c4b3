//! hclboot's version and the upstream OpenVMM commit(s) its boot core ports (`hclboot --version`).
// Ports: none (package metadata; the pin is docs/CONTRACT.md's and README.md's)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package_root.js";
import { UPSTREAM_INFO, UPSTREAM_PINS, NEWEST_UPSTREAM, defaultUpstream } from "./upstream.js";

/** The OpenVMM commit the default (newest) boot core ports (microsoft/openvmm). */
export const UPSTREAM_COMMIT = UPSTREAM_INFO[NEWEST_UPSTREAM].commit;

/** The package version from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/** What `hclboot --version` prints: the package version and every upstream pin (the default marked). */
export function versionText(): string {
  const def = defaultUpstream();
  const pins = UPSTREAM_PINS.map((p) => `openvmm ${UPSTREAM_INFO[p].commit} (openhcl_boot port${p === def ? ", default" : ""})`);
  return [`hclboot ${packageVersion()}`, ...pins].join("\n");
}
