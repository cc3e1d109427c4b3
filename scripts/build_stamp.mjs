//! Build stamp: a hash of every build input, written after a full build, so `npm test` (pretest)
//! and `npm install` (prepare) build only when a source changed since the last build.
// Ports: none (build plumbing)
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Top-level entries that are not build inputs (outputs, tests, data, docs, tool state). */
const NOT_INPUTS = new Set([
  ".git", ".ci", "node_modules", "build", "dist", "coverage", "tmp", ".fuzz", "fuzz", "test-results",
  "test", "images", "docs", "README.md", "vitest.config.ts",
]);

/** Where the stamp lives (inside build/, so removing build/ forces a rebuild). */
export function stampPath(root) {
  return join(root, "build", ".stamp.json");
}

function walk(root, dir, out) {
  for (const name of readdirSync(dir).sort()) {
    if (dir === root && NOT_INPUTS.has(name)) continue;
    if (name.endsWith(".log")) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) walk(root, path, out);
    else if (st.isFile()) out.push(path);
  }
}

/** Hash of every build input: the files under the package root except NOT_INPUTS, plus `mode`. */
export function inputHash(root, mode) {
  const files = [];
  walk(root, root, files);
  const h = createHash("sha256").update(`mode ${mode}\n`);
  for (const f of files) h.update(`${relative(root, f)}\0`).update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

/** Every file under build/ and dist/ (relative paths), the stamp itself excluded. */
function outputs(root) {
  const files = [];
  for (const top of ["build", "dist"]) {
    const dir = join(root, top);
    if (existsSync(dir)) walk(dir, dir, files);
  }
  return files.map((f) => relative(root, f)).filter((f) => f !== relative(root, stampPath(root))).sort();
}

/** Records the inputs and outputs of the build that just finished. */
export function writeStamp(root, mode) {
  writeFileSync(stampPath(root), JSON.stringify({ hash: inputHash(root, mode), mode, outputs: outputs(root) }, null, 1) + "\n");
}

/** Why a build is needed, or null when the last full build is up to date and all its outputs exist. */
export function staleReason(root, mode) {
  const path = stampPath(root);
  if (!existsSync(path)) return "no previous build";
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return "unreadable build stamp";
  }
  if (stamp.hash !== inputHash(root, mode)) return "sources changed since the last build";
  const missing = (stamp.outputs ?? []).find((f) => !existsSync(join(root, f)));
  if (missing) return `${missing} is missing`;
  return null;
}
