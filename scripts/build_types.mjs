//! Type declarations of the library entry (host/index.ts -> dist/types/**.d.ts): tsc with the
//! project's compiler options, declarations only, for the files host/index.ts reaches.
// Ports: none (build plumbing)
import { join } from "node:path";

/** Emits dist/types/ (host/index.ts -> dist/types/index.d.ts); exits 1 on a type error. */
export async function buildTypes(root, say) {
  const ts = (await import("typescript")).default;
  const t0 = Date.now();
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const options = {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    // `npm run typecheck` checks types; the emit only needs declarations (several times faster)
    noCheck: true,
    rootDir: join(root, "host"),
    outDir: join(root, "dist", "types"),
  };
  const program = ts.createProgram([join(root, "host", "index.ts")], options);
  const result = program.emit();
  const diagnostics = [...program.getSyntacticDiagnostics(), ...result.diagnostics];
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
    console.error(ts.formatDiagnostics(diagnostics, host));
    console.error("type declarations failed");
    process.exit(1);
  }
  say(`built type declarations in ${Date.now() - t0} ms`);
}
