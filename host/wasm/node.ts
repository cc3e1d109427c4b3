//! Node-side WASM loading: finds build/hclboot.wasm (or the debug build) next to the package.
// Ports: none (host plumbing)
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Shim } from "./loader.js";
import { hvImports } from "../hv/imports.js";
import { defaultUpstream, type UpstreamPin } from "../upstream.js";

const here = dirname(fileURLToPath(import.meta.url));
const moduleCache = new Map<string, WebAssembly.Module>();

/** Path of the package root (works from host/ sources and from the dist/ bundle). */
export function packageRoot(): string {
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "assembly"))) return dir;
    if (dirname(dir) === dir) return join(here, "..", "..");
  }
}

/** Path of the compiled boot core of one upstream pin (default: the process default, see host/upstream.ts). */
export function wasmPath(debug = false, upstream: UpstreamPin = defaultUpstream()): string {
  return join(packageRoot(), "build", "upstream", upstream, debug ? "hclboot.debug.wasm" : "hclboot.wasm");
}

/** Compiles (once per process and pin) and instantiates the boot core of `upstream` (default: the process default). */
export async function loadShim(opts: { debug?: boolean; upstream?: UpstreamPin } = {}): Promise<Shim> {
  const upstream = opts.upstream ?? defaultUpstream();
  const path = wasmPath(opts.debug, upstream);
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
