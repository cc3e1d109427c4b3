//! Browser-side WASM loading: fetches the boot core over HTTP, compiles it once, instantiates it.
// Ports: none (host plumbing; the browser counterpart of host/wasm/node.ts)
import { Shim } from "./loader.js";

const moduleCache = new Map<string, Promise<WebAssembly.Module>>();

/** Default URL of the compiled boot core, as `hclboot serve` publishes it. */
export const DEFAULT_WASM_URL = "hclboot.wasm";

/** Fetches and compiles (once per URL) the boot core; streaming when the server sends application/wasm. */
export function compileShim(url: string = DEFAULT_WASM_URL): Promise<WebAssembly.Module> {
  let mod = moduleCache.get(url);
  if (!mod) {
    mod = (async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`boot core not available: GET ${url} answered ${res.status} ${res.statusText}`);
      const type = res.headers.get("content-type") ?? "";
      if (type.startsWith("application/wasm") && typeof WebAssembly.compileStreaming === "function") {
        return WebAssembly.compileStreaming(res);
      }
      return WebAssembly.compile(await res.arrayBuffer());
    })();
    // a failed fetch must not poison the cache: the next call retries
    mod.catch(() => moduleCache.delete(url));
    moduleCache.set(url, mod);
  }
  return mod;
}

/** Compiles (once per URL) and instantiates the boot core in the browser. */
export async function loadShim(opts: { url?: string } = {}): Promise<Shim> {
  return Shim.create(await compileShim(opts.url ?? DEFAULT_WASM_URL));
}
