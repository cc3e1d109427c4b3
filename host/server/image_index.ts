//! GET /api/images: the images folder's *.json with their names and descriptions, cached per
//! file by (mtime, size) so a listing re-reads only what changed. Only regular files inside the
//! folder (after realpath) within the image size limit are read; the rest are listed with an error.
// Ports: none (hclboot's own front end)
import { readdir, realpath, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { readRegularFile } from "../image/read_file.js";
import { inside } from "./files.js";

/** One entry of GET /api/images. */
export interface ImageListEntry {
  file: string;
  name: string;
  description?: string;
  /** Set when the file cannot be offered (invalid JSON, not a regular file, too large). */
  error?: string;
}

/** At most this many images are listed (sorted by file name); the listing's size stays bounded. */
export const MAX_LISTED_IMAGES = 1000;
/** Longest name / description kept in the listing (characters). */
export const MAX_NAME_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 2000;

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) + "…" : s);

/** The image listing of one folder, with its per-file cache. */
export class ImageIndex {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; entry: ImageListEntry }>();

  constructor(
    private readonly dir: string,
    private readonly maxImageBytes: number,
  ) {}

  /** The listing (sorted by file name); an absent folder lists nothing. */
  async list(): Promise<ImageListEntry[]> {
    let root: string;
    let files: string[];
    try {
      root = await realpath(this.dir);
      files = (await readdir(root)).filter((f) => f.endsWith(".json")).sort().slice(0, MAX_LISTED_IMAGES);
    } catch {
      return [];
    }
    const seen = new Set(files);
    for (const k of this.cache.keys()) if (!seen.has(k)) this.cache.delete(k);
    // A few files at a time, so a big folder does not open a thousand descriptors at once.
    const out: ImageListEntry[] = [];
    for (let i = 0; i < files.length; i += 32) out.push(...(await Promise.all(files.slice(i, i + 32).map((f) => this.entry(root, f)))));
    return out;
  }

  private async entry(root: string, file: string): Promise<ImageListEntry> {
    const entry: ImageListEntry = { file, name: basename(file, ".json") };
    const path = join(root, file);
    let st;
    let real: string;
    try {
      real = await realpath(path);
      if (!inside(root, real)) return { ...entry, error: "outside the images folder" };
      st = await stat(real);
    } catch {
      return { ...entry, error: "cannot read the file" };
    }
    if (!st.isFile()) return { ...entry, error: "not a regular file" };
    if (st.size > this.maxImageBytes) return { ...entry, error: `larger than the limit of ${this.maxImageBytes} bytes (--max-image-bytes)` };
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.entry;
    try {
      const f = await readRegularFile(real, this.maxImageBytes);
      try {
        const obj = JSON.parse(new TextDecoder().decode(f.bytes)) as Record<string, unknown>;
        if (typeof obj.name === "string") entry.name = clip(obj.name, MAX_NAME_CHARS);
        if (typeof obj.description === "string") entry.description = clip(obj.description, MAX_DESCRIPTION_CHARS);
      } catch (e) {
        entry.error = `invalid JSON: ${(e as Error).message}`;
      }
      this.cache.set(file, { mtimeMs: f.mtimeMs, size: f.size, entry });
    } catch (e) {
      entry.error = (e as Error).message.replace(`cannot read ${real}: `, "");
    }
    return entry;
  }
}

/** Lists `dir`'s images once (no cache kept), with the default image size limit. */
export async function listImages(dir: string, maxImageBytes = 16 * 1024 * 1024): Promise<ImageListEntry[]> {
  return new ImageIndex(dir, maxImageBytes).list();
}
