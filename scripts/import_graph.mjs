// Import graph of assembly/ and host/: every relative `import`/`export ... from` (not type-only)
// between our own TypeScript files, its cycles (strongly connected components), and the layering rules of
// assembly/ (support crates never import openhcl_boot or abi; rt imports only rt).
// Usage: node scripts/import_graph.mjs [--quiet]  (exit 1 on a cycle or a layering violation)
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join, dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Every .ts file under `dir` (relative to the repo root), sorted. */
function tsFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(join(root, d)).sort()) {
      const p = join(d, name);
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

// `import type` / `export type` lines are erased by TypeScript and are not edges: a type-only
// reference back (e.g. host/cli's subcommands naming the `Command` interface) is no load cycle.
const IMPORT_RE = /^\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm;

/** The repo-relative files `file` imports (relative specifiers only), resolved like TypeScript. */
function importsOf(file) {
  const text = readFileSync(join(root, file), "utf8");
  const deps = new Set();
  for (const m of text.matchAll(IMPORT_RE)) {
    if (m[1]) continue;
    const spec = m[2];
    if (!spec.startsWith(".")) continue;
    const base = resolve(join(root, dirname(file)), spec.replace(/\.(js|ts)$/, ""));
    for (const cand of [base + ".ts", join(base, "index.ts")]) {
      if (existsSync(cand)) { deps.add(relative(root, cand)); break; }
    }
  }
  return [...deps].sort();
}

/** The import graph of the given top folders: file -> imported files. */
export function importGraph(dirs = ["assembly", "host"]) {
  const graph = new Map();
  for (const d of dirs) for (const f of tsFiles(d)) graph.set(f, importsOf(f));
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** The layer of an assembly/ file: its first folder (abi, openhcl_boot, support, rt), else null. */
function layer(file) {
  const parts = file.split(/[\\/]/);
  return parts[0] === "assembly" && parts.length > 2 ? parts[1] : null;
}

/** What each assembly/ layer may import besides itself. */
const ALLOWED = { rt: [], support: ["rt"], openhcl_boot: ["support", "rt"], abi: ["openhcl_boot", "support", "rt"] };

/** Imports that break assembly/'s layering: [from, to] pairs. */
export function layerViolations(graph) {
  const bad = [];
  for (const [from, deps] of graph) {
    const lf = layer(from);
    if (!from.startsWith("assembly")) continue;
    for (const to of deps) {
      const lt = layer(to);
      if (lf === null || lt === null || !(lf in ALLOWED)) { bad.push([from, to, "file outside the layer folders"]); continue; }
      if (lt !== lf && !ALLOWED[lf].includes(lt)) bad.push([from, to, `${lf} may not import ${lt}`]);
    }
  }
  return bad;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const quiet = process.argv.includes("--quiet");
  const graph = importGraph();
  const cyc = cycles(graph);
  const bad = layerViolations(graph);
  for (const c of cyc) console.log(`cycle: ${c.join(" <-> ")}`);
  for (const [f, t, why] of bad) console.log(`layering: ${f} -> ${t} (${why})`);
  if (!quiet) console.log(`${graph.size} files, ${[...graph.values()].reduce((n, d) => n + d.length, 0)} imports, ${cyc.length} cycles, ${bad.length} layering violations`);
  process.exit(cyc.length || bad.length ? 1 : 0);
}
