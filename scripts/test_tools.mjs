//! The Debian tools the test suite needs besides Node: dtc (device-tree-compiler) for every test
//! that compiles .dts fixtures or decodes the blobs we write, and chromium for the playground's
//! end-to-end test. Found on PATH, so a PATH without them shows what a fresh machine does.
// Ports: none (test plumbing)
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The apt packages that provide the tools. */
export const APT_PACKAGES = { dtc: "device-tree-compiler", chromium: "chromium" };

/** The command that installs `packages` (as root: without sudo). */
export function installCommand(packages, root = process.getuid?.() === 0) {
  return `${root ? "" : "sudo "}apt-get install -y ${packages.join(" ")}`;
}

/** Full path of the executable `name` on `path` (default $PATH), or null. */
export function which(name, path = process.env.PATH ?? "") {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** The chromium the e2e test drives: $HCLBOOT_CHROMIUM, else `chromium` (Debian) or `chromium-browser` on PATH. */
export function findChromium(env = process.env) {
  if (env.HCLBOOT_CHROMIUM) return env.HCLBOOT_CHROMIUM;
  return which("chromium", env.PATH ?? "") ?? which("chromium-browser", env.PATH ?? "");
}
