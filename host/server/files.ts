//! The files the playground server may send: a request path is joined under one root, resolved
//! with realpath (a symlink out of the root is refused), and read only when it is a regular file
//! within its size limit; reads are cached by (real path, mtime, size).
// Ports: none (hclboot's own front end)
import { realpath, stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { readRegularFile, ReadFileError } from "../image/read_file.js";

/** Resolves `rel` (URL-decoded) under `dir` lexically; null when it escapes the directory or is malformed. */
export function safeJoin(dir: string, rel: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const base = resolve(dir);
  const p = resolve(base, "." + sep + decoded);
  return p.startsWith(base + sep) ? p : null;
}

/** True when the real path `real` is the root `root` itself or inside it (both real paths). */
export function inside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Why a file was not sent: 404 (absent, outside its root, not a regular file) or 413 (too large). */
export class NotServed extends Error {
  constructor(
    readonly status: 404 | 413,
    message: string,
  ) {
    super(message);
  }
}

interface Cached {
  mtimeMs: number;
  size: number;
  bytes: Uint8Array;
}

/** Reads served files, with a byte-bounded cache keyed by real path and checked by mtime and size. */
export class FileStore {
  private readonly cache = new Map<string, Cached>();
  private cachedBytes = 0;
  private readonly realRoots = new Map<string, Promise<string | null>>();

  constructor(private readonly cacheLimit: number) {}

  /** The real path of a root (resolved once); null when it does not exist. */
  realRoot(root: string): Promise<string | null> {
    let r = this.realRoots.get(root);
    if (!r) {
      r = realpath(root).catch(() => null);
      this.realRoots.set(root, r);
    }
    return r;
  }

  /**
   * The bytes of `path`, which must resolve (symlinks followed) inside `root` and be a regular
   * file of at most `limit` bytes; throws NotServed otherwise.
   */
  async read(root: string, path: string, limit: number): Promise<Uint8Array> {
    const realRoot = await this.realRoot(root);
    if (realRoot === null) throw new NotServed(404, "not found");
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new NotServed(404, "not found");
    }
    if (!inside(realRoot, real)) throw new NotServed(404, "not found");
    let st;
    try {
      st = await stat(real);
    } catch {
      throw new NotServed(404, "not found");
    }
    if (!st.isFile()) throw new NotServed(404, "not found");
    if (st.size > limit) throw new NotServed(413, `file larger than the limit of ${limit} bytes`);
    const hit = this.cache.get(real);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.bytes;
    let file;
    try {
      file = await readRegularFile(real, limit);
    } catch (e) {
      if (e instanceof ReadFileError && e.code === "EFBIG") throw new NotServed(413, `file larger than the limit of ${limit} bytes`);
      throw new NotServed(404, "not found");
    }
    this.remember(real, { mtimeMs: file.mtimeMs, size: file.size, bytes: file.bytes });
    return file.bytes;
  }

  private remember(real: string, c: Cached): void {
    const old = this.cache.get(real);
    if (old) {
      this.cachedBytes -= old.bytes.length;
      this.cache.delete(real);
    }
    if (c.bytes.length > this.cacheLimit / 4) return; // big files are read each time
    // Oldest first out until the new entry fits.
    for (const [k, v] of this.cache) {
      if (this.cachedBytes + c.bytes.length <= this.cacheLimit) break;
      this.cache.delete(k);
      this.cachedBytes -= v.bytes.length;
    }
    this.cache.set(real, c);
    this.cachedBytes += c.bytes.length;
  }
}
