//! The package's root directory, found from this file's location (host/ sources, the dist/ bundle
//! and its chunks, or an installed package), without loading anything else.
// Ports: none (host plumbing)
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
let root: string | undefined;

/** Path of the package root: the nearest directory above this file holding hclboot's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = here; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && isHclboot(pkg)) return (root = dir);
    if (dirname(dir) === dir) return (root = join(here, ".."));
  }
}

function isHclboot(pkg: string): boolean {
  try {
    return (JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name === "hclboot";
  } catch {
    return false;
  }
}
