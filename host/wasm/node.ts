//! Node-side WASM loading: finds the boot core in the package: build/hclboot.wasm (release:
//! what the commands call), build/hclboot.test.wasm (plus the unit-test drivers) or the debug
//! build, and compiles each once per process (every later loadShim only instantiates).
// Ports: none (host plumbing)
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Shim } from "./loader.js";
import { packageRoot } from "../package_root.js";
import { hvImports } from "../hv/imports.js";
import { defaultUpstream, type UpstreamPin } from "../upstream.js";

const moduleCache = new Map<string, WebAssembly.Module>();

/** Path of the package root (host/package_root.ts). */
export { packageRoot };

/** Which module: the release surface (the commands' exports) or the test surface (plus the drivers). */
export type WasmSurface = "release" | "test";

/**
 * Path of the compiled boot core of one upstream pin (default: the process default, see
 * host/upstream.ts); the debug build has the test surface.
 */
export function wasmPath(debug = false, surface: WasmSurface = "release", upstream: UpstreamPin = defaultUpstream()): string {
  const file = debug ? "hclboot.debug.wasm" : surface === "test" ? "hclboot.test.wasm" : "hclboot.wasm";
  return join(packageRoot(), "build", "upstream", upstream, file);
}

/** Compiles (once per process, module and pin) and instantiates the boot core of `upstream` (default: the process default). */
export async function loadShim(opts: { debug?: boolean; surface?: WasmSurface; upstream?: UpstreamPin } = {}): Promise<Shim> {
  const upstream = opts.upstream ?? defaultUpstream();
  const path = wasmPath(opts.debug, opts.surface, upstream);
  let mod = moduleCache.get(path);
  if (!mod) {
    if (!existsSync(path)) throw new Error(`boot core not built: ${path} is missing (run \`npm run build\`)`);
    mod = new WebAssembly.Module(readFileSync(path));
    moduleCache.set(path, mod);
  }
  const shim = await Shim.create(mod, [hvImports]);
  shim.upstream = upstream;
  return shim;
}

/** The test module (build/hclboot.test.wasm): the release exports plus the unit-test drivers. */
export function loadTestShim(): Promise<Shim> {
  return loadShim({ surface: "test" });
}
