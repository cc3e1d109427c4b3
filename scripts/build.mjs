// Builds hclboot: assembly/ -> build/hclboot.wasm (release, -O3, stub runtime) and
// build/hclboot.debug.wasm (debug) and the coverage build for `hclboot fuzz` (build/hclboot.cov.wasm,
// edge counters added by host/fuzz/instrument.ts), then bundles host/ -> dist/ and the browser
// playground (web/ + the same host code) -> dist/web/ with esbuild.
// Usage: node scripts/build.mjs [--wasm-only] [--host-only] [--quiet]
import { readdirSync, mkdirSync, statSync, existsSync, copyFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const say = (m) => { if (!quiet) console.error(m); };

/** Every exported entry file: assembly/abi/*.ts (their exports form the WASM interface). */
function entries() {
  const dir = join(root, "assembly", "abi");
  return readdirSync(dir).filter((f) => f.endsWith(".ts")).sort().map((f) => join("assembly", "abi", f));
}

async function buildWasm() {
  const asc = (await import("assemblyscript/asc")).default;
  mkdirSync(join(root, "build"), { recursive: true });
  for (const target of ["release", "debug", "coverage"]) {
    const t0 = Date.now();
    const { error, stderr } = await asc.main(
      [...entries(), "--config", "asconfig.json", "--target", target],
      { stdout: process.stdout, stderr: process.stderr },
    );
    if (error) {
      console.error(`asc (${target}) failed: ${error.message}`);
      process.exit(1);
    }
    say(`built ${target} wasm in ${Date.now() - t0} ms`);
  }
  await instrumentCoverage();
}

/** Adds the fuzzer's edge counters to the coverage build (host/fuzz/instrument.ts). */
async function instrumentCoverage() {
  const esbuild = await import("esbuild");
  const t0 = Date.now();
  const tool = join(root, "build", "instrument.mjs");
  await esbuild.build({
    entryPoints: [join(root, "host", "fuzz", "instrument.ts")], outfile: tool, bundle: true,
    platform: "node", format: "esm", packages: "external", logLevel: "error",
  });
  const { instrumentFile } = await import(pathToFileURL(tool).href);
  const edges = instrumentFile(join(root, "build", "hclboot.cov.base.wasm"), join(root, "build", "hclboot.cov.wasm"), true);
  say(`instrumented coverage wasm (${edges} edges) in ${Date.now() - t0} ms`);
}

async function buildHost() {
  const esbuild = await import("esbuild");
  const t0 = Date.now();
  await esbuild.build({
    entryPoints: { cli: join(root, "host", "cli", "main.ts"), "fuzz-worker": join(root, "host", "fuzz", "worker.ts") },
    outdir: join(root, "dist"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "error",
  });
  say(`built host bundle in ${Date.now() - t0} ms`);
}

/** The playground: web/main.ts bundled for browsers (host code included), plus the page and CSS. */
async function buildWeb() {
  const esbuild = await import("esbuild");
  const t0 = Date.now();
  const out = join(root, "dist", "web");
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: [join(root, "web", "main.ts")],
    outfile: join(out, "app.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    // @wasmer/wasi decodes its embedded WASM with Node's Buffer: give the bundle a local stand-in
    inject: [join(root, "web", "buffer_shim.ts")],
    logLevel: "error",
  });
  for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "web", f), join(out, f));
  say(`built web bundle in ${Date.now() - t0} ms`);
}

process.chdir(root);
if (!args.has("--host-only")) await buildWasm();
if (!args.has("--wasm-only")) {
  await buildHost();
  await buildWeb();
}
