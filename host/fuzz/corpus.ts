//! The fuzz corpus: a directory of inputs keyed by content hash, loaded at start and grown with
//! inputs that reached new coverage.
// Ports: nothing upstream.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync, statSync } from "node:fs";
import { readInputFile } from "../image/read_file.js";
import { join } from "node:path";

/** Content key of an input: the first 16 hex digits of its SHA-256. */
export function inputKey(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

/** A corpus directory (created on first save). */
export class Corpus {
  private readonly keys = new Set<string>();

  constructor(readonly dir: string) {}

  /** Every file's bytes (sorted by name, so a campaign's start is reproducible); remembers their keys. */
  load(): Uint8Array[] {
    if (!existsSync(this.dir)) return [];
    const out: Uint8Array[] = [];
    for (const name of readdirSync(this.dir).sort()) {
      const path = join(this.dir, name);
      if (!statSync(path).isFile() || name.startsWith(".")) continue;
      const bytes = readInputFile(path, "corpus");
      this.keys.add(inputKey(bytes));
      out.push(bytes);
    }
    return out;
  }

  /** Saves an input unless an identical one is there; returns true when it was new. */
  save(bytes: Uint8Array, ext = "bin"): boolean {
    const key = inputKey(bytes);
    if (this.keys.has(key)) return false;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, `${key}.${ext}`), bytes);
    this.keys.add(key);
    return true;
  }

  /** Number of distinct inputs known. */
  get size(): number {
    return this.keys.size;
  }
}

/** Seed files for byte targets: every file with extension `ext` under `dir` (recursively), sorted. */
export function seedFiles(dir: string, ext: string): Uint8Array[] {
  if (!existsSync(dir)) return [];
  const out: [string, Uint8Array][] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(`.${ext}`)) out.push([p, readInputFile(p, "corpus")]);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, b]) => b);
}
