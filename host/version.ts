//! hclboot's version and the upstream OpenVMM commit(s) its boot core ports (`hclboot --version`).
// Ports: none (package metadata; the pin is docs/CONTRACT.md's and README.md's)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package_root.js";

/** The OpenVMM commit the boot core ports (microsoft/openvmm). */
export const UPSTREAM_COMMIT = "37a2806042dd2a3ea183f1dcdb3684e0b83d816f";

/** The package version from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/** What `hclboot --version` prints: the package version and the upstream pin. */
export function versionText(): string {
  return `hclboot ${packageVersion()}\nopenvmm ${UPSTREAM_COMMIT} (openhcl_boot port)`;
}
