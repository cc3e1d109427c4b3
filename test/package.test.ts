// The published package: what `npm pack` puts in the tarball, that its dependencies are exactly
// what the shipped code imports, and that the tarball installed into a fresh project (offline,
// from the npm cache) boots through the library API, types included, and through its bin.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boot, defaultImagePath, UPSTREAM_COMMIT } from "../host/index.js";

const root = join(__dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };

/** npm's environment without the variables `npm test` sets for its own run (npm_config_*, ...). */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, env: npmEnv(), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

/** Bare package names imported (statically or dynamically) by a JS or .d.ts file. */
function importedPackages(text: string): Set<string> {
  const names = new Set<string>();
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const re = /(?:^|[\s;])(?:import|export)\s*(?:[^"'();]*?\sfrom\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of code.matchAll(re)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("node:") || spec.startsWith("data:")) continue;
    const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
    if (builtinModules.includes(name) || !/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) continue; // builtins, generated code text
    names.add(name);
  }
  return names;
}

describe("package.json dependencies", () => {
  it("are exactly the packages dist/ imports (bundles and type declarations)", () => {
    const imported = new Set<string>();
    for (const f of files(join(root, "dist"))) {
      if (f.includes(`${join("dist", "web")}`)) continue; // the browser bundle is self-contained
      if (!/\.(js|d\.ts)$/.test(f)) continue;
      for (const name of importedPackages(readFileSync(f, "utf8"))) imported.add(name);
    }
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });

  it("the import scanner sees static, dynamic, type and re-export imports and skips builtins", () => {
    const names = importedPackages(
      'import a from "zod";\nimport { b } from "@scope/pkg/sub";\nexport * from "re-ex";\nimport type { T } from "types-only";\n' +
        'const m = await import("lazy");\nimport "side";\nimport fs from "fs";\nimport p from "node:path";\nimport x from "./local.js";\n// import c from "commented";',
    );
    expect([...names].sort()).toEqual(["@scope/pkg", "lazy", "re-ex", "side", "types-only", "zod"]);
  });
});

describe("npm pack", () => {
  let list: { path: string; size: number }[];
  beforeAll(() => {
    const r = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], root);
    list = (JSON.parse(r.stdout) as { files: { path: string; size: number }[] }[])[0]!.files;
  }, 120_000);

  it("ships what runs: bin, the bundles, their types, the release and coverage WASM, the images", () => {
    const paths = list.map((f) => f.path);
    for (const p of ["bin/hclboot.js", "dist/cli.js", "dist/index.js", "dist/fuzz-worker.js", "dist/types/index.d.ts", "dist/web/app.js", "dist/web/index.html", "build/hclboot.wasm", "build/upstream/1488a37/hclboot.wasm", "build/upstream/1488a37/hclboot.cov.wasm", "build/upstream/37a2806/hclboot.wasm", "build/upstream/37a2806/hclboot.cov.wasm", "images/small.json", "docs/CONTRACT.md", "package.json", "README.md"]) {
      expect(paths).toContain(p);
    }
  });

  it("leaves out sources, tests, source maps, .wat and the test/debug/base WASM builds", () => {
    const bad = list.map((f) => f.path).filter((p) => /\.(map|wat)$/.test(p) || /^(host|assembly|test|scripts|web|proto)\//.test(p) || /(debug|test|cov\.base)\.wasm$/.test(p) || p.endsWith(".stamp.json"));
    expect(bad).toEqual([]);
  });
});

describe("the packed tarball installed into a new project", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hclboot-pack-"));
    const r = run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], root);
    const tgz = join(dir, (JSON.parse(r.stdout) as { filename: string }[])[0]!.filename);
    const app = join(dir, "app");
    run("mkdir", ["-p", app], dir);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", type: "module", private: true }));
    // from the npm cache (filled by the clone's own npm install/ci) where it can; the registry is
    // asked only for metadata the cache lacks (npm ci caches tarballs, not package documents)
    run("npm", ["install", tgz, "--prefer-offline", "--no-audit", "--no-fund"], app);
    dir = app;
  }, 180_000);
  afterAll(() => {
    if (dir) rmSync(join(dir, ".."), { recursive: true, force: true });
  });

  it("boots through the library API exactly as the sources do", async () => {
    writeFileSync(
      join(dir, "boot.mjs"),
      'import { boot, defaultImagePath, UPSTREAM_COMMIT } from "hclboot";\n' +
        "const r = await boot(defaultImagePath());\n" +
        "console.log(JSON.stringify({ pin: UPSTREAM_COMMIT, ok: r.ok, r }));\n",
    );
    const out = JSON.parse(run(process.execPath, ["boot.mjs"], dir).stdout) as { pin: string; ok: boolean; r: unknown };
    expect(out.pin).toBe(UPSTREAM_COMMIT);
    expect(out.ok).toBe(true);
    const here = await boot(defaultImagePath());
    expect(out.r).toEqual(JSON.parse(JSON.stringify(here)));
  });

  it("its bin prints the version with the pin and boots the default image", () => {
    const bin = join(dir, "node_modules", ".bin", "hclboot");
    const v = run(bin, ["--version"], dir).stdout;
    expect(v).toContain(`hclboot ${pkg.version}`);
    expect(v).toContain(UPSTREAM_COMMIT);
    const b = JSON.parse(run(bin, ["boot", "--json"], dir).stdout) as { ok: boolean; cpuCount: number };
    expect(b.ok).toBe(true);
    expect(b.cpuCount).toBeGreaterThan(0);
  });

  it("its type declarations type a consumer (a wrong use is an error)", () => {
    writeFileSync(
      join(dir, "use.ts"),
      'import { boot, service, loadImage, type BootOutput, type Failure } from "hclboot";\n' +
        "const r: BootOutput | Failure = await boot(loadImage(\"x.json\"));\n" +
        "if (r.ok) { const t: string = r.addressSpace[0]!.type; console.log(t, r.cpuCount.toFixed(0)); }\n" +
        "else { const k: \"panic\" | \"dt\" | \"input\" | \"internal\" = r.error.kind; console.log(k); }\n" +
        "const s = await service(\"x.json\", { noIoCpus: [0] });\n" +
        "// @ts-expect-error cpuCount is a number, not a string\n" +
        "if (s.ok) { const c: string = s.first.cpuCount; console.log(c); }\n",
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: [], typeRoots: [join(root, "node_modules", "@types")], lib: ["ES2022", "DOM"] }, files: ["use.ts"] }),
    );
    const r = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: dir, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);
});

describe("the library API in the sources", () => {
  it("boot returns the failure object for an unusable image instead of throwing", async () => {
    const r = await boot(join(tmpdir(), "no-such-hclboot-image.json"));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe("input");
  });

  it("boot takes an image object with paths relative to `dir`", async () => {
    const image = JSON.parse(readFileSync(defaultImagePath(), "utf8")) as Record<string, unknown>;
    const r = await boot(image, { dir: join(root, "images") });
    expect(r).toEqual(await boot(defaultImagePath()));
  });
});
