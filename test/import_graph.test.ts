// Import graph of assembly/ and host/ (scripts/import_graph.mjs): no import cycles anywhere, and
// assembly/'s layers import downwards only (abi -> openhcl_boot -> support -> rt; rt imports
// nothing of ours). Also checks that every assembly/ file names what it is and what it ports.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { importGraph, cycles, layerViolations } from "../scripts/import_graph.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("import graph", () => {
  const graph = importGraph(["assembly", "host"]);

  it("sees the whole tree", () => {
    const files = [...graph.keys()];
    expect(files.filter((f) => f.startsWith("assembly/")).length).toBeGreaterThan(70);
    expect(files.filter((f) => f.startsWith("host/")).length).toBeGreaterThan(80);
    // Edges are resolved: the boot entry reaches shim_main through a relative import.
    expect(graph.get("assembly/abi/boot.ts")).toContain("assembly/openhcl_boot/main/shim_main.ts");
  });

  it("has no import cycle in assembly/ or host/", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("keeps assembly/'s layers one way (support never imports openhcl_boot, rt imports only rt)", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it("detects a cycle and the forbidden imports when they are there", () => {
    const g = new Map<string, string[]>([
      ["assembly/rt/a.ts", ["assembly/support/fdt/b.ts"]],
      ["assembly/support/fdt/b.ts", ["assembly/openhcl_boot/c.ts"]],
      ["assembly/openhcl_boot/c.ts", ["assembly/rt/a.ts"]],
      ["assembly/abi/d.ts", ["assembly/abi/d.ts"]],
      ["host/x.ts", []],
    ]);
    expect(cycles(g).map((c) => c.join(" ")).sort()).toEqual([
      "assembly/abi/d.ts",
      "assembly/openhcl_boot/c.ts assembly/rt/a.ts assembly/support/fdt/b.ts",
    ]);
    expect(layerViolations(g).map(([f, t]) => `${f} -> ${t}`)).toEqual([
      "assembly/rt/a.ts -> assembly/support/fdt/b.ts",
      "assembly/support/fdt/b.ts -> assembly/openhcl_boot/c.ts",
    ]);
  });

  it("gives every assembly/ file a `//!` summary and a `// Ports:` line", () => {
    const missing: string[] = [];
    for (const f of graph.keys()) {
      if (!f.startsWith("assembly/")) continue;
      const head = readFileSync(join(root, f), "utf8").split("\n").slice(0, 12);
      if (!head[0].startsWith("//! ") || !head.some((l) => l.startsWith("// Ports: "))) missing.push(f);
    }
    expect(missing).toEqual([]);
  });
});
