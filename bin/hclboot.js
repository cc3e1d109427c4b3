#!/usr/bin/env node
// hclboot command-line entry: builds on first use (fresh clone), then runs dist/cli.js.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const needed = [join(root, "dist", "cli.js"), join(root, "dist", "web", "app.js"), join(root, "build", "hclboot.wasm")];
if (!needed.every((f) => existsSync(f))) {
  const build = join(root, "scripts", "build.mjs");
  if (!existsSync(build)) {
    // an installed package always ships its build; without it, it is damaged
    console.error(`hclboot: ${needed.find((f) => !existsSync(f))} is missing: reinstall hclboot`);
    process.exit(2);
  }
  const { spawnSync } = await import("node:child_process");
  const r = spawnSync(process.execPath, [build, "--quiet"], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error("hclboot: build failed (run `npm run build` to see why)");
    process.exit(2);
  }
}
const { main } = await import(pathToFileURL(join(root, "dist", "cli.js")).href);
process.exitCode = await main(process.argv.slice(2));
