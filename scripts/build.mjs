// Builds hclboot: assembly/ -> build/hclboot.wasm (release: -O3, stub runtime, only the exports the
// host's commands call), build/hclboot.test.wasm (the same plus the unit-test drivers, -O3),
// build/hclboot.debug.wasm (test surface, debug) and the coverage build for `hclboot fuzz`
// (test surface, build/hclboot.cov.wasm, edge counters added by host/fuzz/instrument.ts), then
// bundles host/ -> dist/ and the browser playground (web/ + the same host code) -> dist/web/.
// Usage: node scripts/build.mjs [--wasm-only] [--host-only] [--quiet]
import { readdirSync, mkdirSync, statSync, existsSync, copyFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const say = (m) => { if (!quiet) console.error(m); };

/**
 * The entry files of one WASM surface (their exports form its interface): the release module is
 * assembly/abi/*.ts (what the host's commands call); the test module adds assembly/abi/test/*.ts
 * (the unit-test drivers).
 */
function entries(surface) {
  const files = (sub) => {
    const dir = join(root, "assembly", ...sub);
    return readdirSync(dir).filter((f) => f.endsWith(".ts")).sort().map((f) => join("assembly", ...sub, f));
  };
  return surface === "release" ? files(["abi"]) : [...files(["abi"]), ...files(["abi", "test"])];
}

/** The asconfig.json targets and the surface each is built from. */
const TARGETS = [["release", "release"], ["test", "test"], ["debug", "test"], ["coverage", "test"]];

async function buildWasm() {
  const asc = (await import("assemblyscript/asc")).default;
  mkdirSync(join(root, "build"), { recursive: true });
  for (const [target, surface] of TARGETS) {
    const t0 = Date.now();
    const { error, stderr } = await asc.main(
      [...entries(surface), "--config", "asconfig.json", "--target", target],
      { stdout: process.stdout, stderr: process.stderr },
    );
    if (error) {
      console.error(`asc (${target}) failed: ${error.message}`);
      process.exit(1);
    }
    say(`built ${target} wasm (${surface} surface) in ${Date.now() - t0} ms`);
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
