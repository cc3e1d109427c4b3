#!/usr/bin/env node
// hclboot command-line entry: builds on first use (fresh clone), then runs dist/cli.js.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const needed = [join(root, "dist", "cli.js"), join(root, "dist", "web", "app.js"), join(root, "build", "hclboot.wasm")];
if (!needed.every((f) => existsSync(f))) {
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "--quiet"], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error("hclboot: build failed (run `npm run build` to see why)");
    process.exit(2);
  }
}
const { main } = await import(pathToFileURL(join(root, "dist", "cli.js")).href);
process.exitCode = await main(process.argv.slice(2));
