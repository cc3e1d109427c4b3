//! Node-side WASM loading: finds build/hclboot.wasm (or the debug build) in the package and
//! compiles it once per process (every later loadShim only instantiates).
// Ports: none (host plumbing)
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Shim } from "./loader.js";
import { hvImports } from "../hv/imports.js";

const here = dirname(fileURLToPath(import.meta.url));
const moduleCache = new Map<string, WebAssembly.Module>();

let root: string | undefined;

/** Path of the package root: the nearest directory above this file holding hclboot's package.json
 * (works from host/ sources, from the dist/ bundle and its chunks, and from an installed package). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = here; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && isHclboot(pkg)) return (root = dir);
    if (dirname(dir) === dir) return (root = join(here, "..", ".."));
  }
}

function isHclboot(pkg: string): boolean {
  try {
    return (JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name === "hclboot";
  } catch {
    return false;
  }
}

/** Path of the compiled boot core. */
export function wasmPath(debug = false): string {
  return join(packageRoot(), "build", debug ? "hclboot.debug.wasm" : "hclboot.wasm");
}

/** Compiles (once per process) and instantiates the boot core. */
export async function loadShim(opts: { debug?: boolean } = {}): Promise<Shim> {
  const path = wasmPath(opts.debug);
  let mod = moduleCache.get(path);
  if (!mod) {
    if (!existsSync(path)) throw new Error(`boot core not built: ${path} is missing (run \`npm run build\`)`);
    mod = new WebAssembly.Module(readFileSync(path));
    moduleCache.set(path, mod);
  }
  return Shim.create(mod, [hvImports]);
}
