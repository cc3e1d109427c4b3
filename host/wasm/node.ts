//! Node-side WASM loading: finds build/hclboot.wasm (or the debug build) in the package and
//! compiles it once per process (every later loadShim only instantiates).
// Ports: none (host plumbing)
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Shim } from "./loader.js";
import { packageRoot } from "../package_root.js";
import { hvImports } from "../hv/imports.js";

const moduleCache = new Map<string, WebAssembly.Module>();

/** Path of the package root (host/package_root.ts). */
export { packageRoot };

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
