//! Node-side WASM loading: finds the boot core next to the package: build/hclboot.wasm (release:
//! what the commands call), build/hclboot.test.wasm (plus the unit-test drivers) or the debug build.
// Ports: none (host plumbing)
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Shim } from "./loader.js";
import { hvImports } from "../hv/imports.js";

const here = dirname(fileURLToPath(import.meta.url));
const moduleCache = new Map<string, WebAssembly.Module>();

/** Path of the package root (works from host/ sources and from the dist/ bundle). */
export function packageRoot(): string {
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "assembly"))) return dir;
    if (dirname(dir) === dir) return join(here, "..", "..");
  }
}

/** Which module: the release surface (the commands' exports) or the test surface (plus the drivers). */
export type WasmSurface = "release" | "test";

/** Path of the compiled boot core (the debug build has the test surface). */
export function wasmPath(debug = false, surface: WasmSurface = "release"): string {
  const file = debug ? "hclboot.debug.wasm" : surface === "test" ? "hclboot.test.wasm" : "hclboot.wasm";
  return join(packageRoot(), "build", file);
}

/** Compiles (once per process and module) and instantiates the boot core. */
export async function loadShim(opts: { debug?: boolean; surface?: WasmSurface } = {}): Promise<Shim> {
  const path = wasmPath(opts.debug, opts.surface);
  let mod = moduleCache.get(path);
  if (!mod) {
    if (!existsSync(path)) throw new Error(`boot core not built: ${path} is missing (run \`npm run build\`)`);
    mod = new WebAssembly.Module(readFileSync(path));
    moduleCache.set(path, mod);
  }
  return Shim.create(mod, [hvImports]);
}

/** The test module (build/hclboot.test.wasm): the release exports plus the unit-test drivers. */
export function loadTestShim(): Promise<Shim> {
  return loadShim({ surface: "test" });
}
