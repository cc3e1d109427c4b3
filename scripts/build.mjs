// Builds hclboot: assembly/ -> build/hclboot.wasm (release: -O3, stub runtime, only the exports the
// host's commands call), build/hclboot.test.wasm (the same plus the unit-test drivers, -O3),
// build/hclboot.debug.wasm (test surface, debug) and the coverage build for `hclboot fuzz`
// (test surface, build/hclboot.cov.wasm, edge counters added by host/fuzz/instrument.ts), then
// bundles host/ -> dist/ and the browser playground (web/ + the same host code) -> dist/web/,
// and the library's type declarations -> dist/types/ (scripts/build_types.mjs).
// Usage: node scripts/build.mjs [--wasm-only] [--host-only] [--quiet] [--if-stale] [--debug]
//   --if-stale  do nothing when the last full build is up to date (scripts/build_stamp.mjs)
//   --debug     also emit source maps (never shipped: package.json "files" leaves them out)
import { readdirSync, mkdirSync, statSync, existsSync, copyFileSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { staleReason, writeStamp } from "./build_stamp.mjs";
import { buildTypes } from "./build_types.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const say = (m) => { if (!quiet) console.error(m); };
const debug = args.has("--debug");
const mode = debug ? "debug" : "release";

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

// One boot core per supported upstream pin (host/upstream.ts): asc introduces the integer constant
// UPSTREAM_PIN (0 = 37a2806, 1 = 1488a37) that assembly/rt/upstream.ts turns into named switches.
// build/upstream/<pin>/ holds each pin's release, test, debug and coverage builds; build/hclboot*.wasm
// are copies of the newest pin's (the default), which bin/, the playground and older callers load.
const PINS = [["1488a37", 1], ["37a2806", 0]];
const OUT = { release: "hclboot.wasm", test: "hclboot.test.wasm", debug: "hclboot.debug.wasm", coverage: "hclboot.cov.base.wasm" };

async function buildWasm() {
  const asc = (await import("assemblyscript/asc")).default;
  mkdirSync(join(root, "build"), { recursive: true });
  for (const [pin, index] of PINS) {
    const dir = join("build", "upstream", pin);
    mkdirSync(join(root, dir), { recursive: true });
    for (const [target, surface] of TARGETS) {
      const t0 = Date.now();
      const extra = ["--outFile", join(dir, OUT[target]), "--use", `UPSTREAM_PIN=${index}`];
      if (target === "release") extra.push("--textFile", index === 1 ? join("build", "hclboot.wat") : join(dir, "hclboot.wat"));
      const { error } = await asc.main(
        [...entries(surface), "--config", "asconfig.json", "--target", target, ...extra],
        { stdout: process.stdout, stderr: process.stderr },
      );
      if (error) {
        console.error(`asc (${target}, upstream ${pin}) failed: ${error.message}`);
        process.exit(1);
      }
      say(`built ${target} wasm (${surface} surface, upstream ${pin}) in ${Date.now() - t0} ms`);
    }
    await instrumentCoverage(dir);
  }
  const newest = join(root, "build", "upstream", PINS[0][0]);
  for (const f of [...Object.values(OUT), "hclboot.debug.wasm.map", "hclboot.cov.wasm"]) {
    if (existsSync(join(newest, f))) copyFileSync(join(newest, f), join(root, "build", f));
  }
}

/** Adds the fuzzer's edge counters to the coverage build (host/fuzz/instrument.ts). */
async function instrumentCoverage(dir) {
  const esbuild = await import("esbuild");
  const t0 = Date.now();
  const tool = join(root, "build", "instrument.mjs");
  await esbuild.build({
    entryPoints: [join(root, "host", "fuzz", "instrument.ts")], outfile: tool, bundle: true,
    platform: "node", format: "esm", packages: "external", logLevel: "error",
  });
  const { instrumentFile } = await import(pathToFileURL(tool).href);
  const edges = instrumentFile(join(root, dir, "hclboot.cov.base.wasm"), join(root, dir, "hclboot.cov.wasm"), true);
  say(`instrumented coverage wasm (${edges} edges) in ${Date.now() - t0} ms`);
}

async function buildHost() {
  const esbuild = await import("esbuild");
  const t0 = Date.now();
  await esbuild.build({
    entryPoints: {
      cli: join(root, "host", "cli", "main.ts"),
      "fuzz-worker": join(root, "host", "fuzz", "worker.ts"),
      index: join(root, "host", "index.ts"),
    },
    outdir: join(root, "dist"),
    bundle: true,
    // one chunk per lazily imported command, so a command loads only the packages it uses
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    // Packages are bundled too (no `packages: "external"`): resolving and loading zod's ~120 ES
    // modules cost ~35 ms of CPU on every command's start. Only resvg stays external (it reads its
    // .wasm from its own package). The package's "dependencies" are exactly the packages dist/
    // imports: resvg, plus those the type declarations (dist/types) import (test/package.test.ts).
    external: ["@resvg/resvg-wasm"],
    mainFields: ["module", "main"],
    // @wasmer/wasi's init() tests `typeof Request` / `instanceof Response` (its browser path); in Node
    // that touches the fetch globals, whose first use loads undici (~50 ms of every command's start).
    // The host never passes a Request or Response (nor uses fetch), so they are undefined here.
    define: { Request: "undefined", Response: "undefined" },
    sourcemap: debug,
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
    sourcemap: debug,
    // @wasmer/wasi decodes its embedded WASM with Node's Buffer: give the bundle a local stand-in
    inject: [join(root, "web", "buffer_shim.ts")],
    logLevel: "error",
  });
  for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "web", f), join(out, f));
  say(`built web bundle in ${Date.now() - t0} ms`);
}

process.chdir(root);
const full = !args.has("--host-only") && !args.has("--wasm-only");
if (args.has("--if-stale") && full) {
  const why = staleReason(root, mode);
  if (why === null) {
    say("build up to date (scripts/build_stamp.mjs)");
    process.exit(0);
  }
  say(`building: ${why}`);
}
if (!args.has("--host-only")) await buildWasm();
if (!args.has("--wasm-only")) {
  rmSync(join(root, "dist"), { recursive: true, force: true });
  await buildHost();
  await buildWeb();
  await buildTypes(root, say);
}
if (full) writeStamp(root, mode);
