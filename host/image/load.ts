//! Image loading from disk: reads an image file and the files it names (paths relative to the
//! image), then resolves it (host/image/resolve.ts). Every problem is an InputError.
// Ports: none (host plumbing)

import { readFileLimited, ReadFileError } from "./read_file.js";
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import type { Image } from "./schema.js";
import { parseImage, resolveImageWith, type ResolvedImage } from "./resolve.js";

export * from "./resolve.js";

/** Resolves an already validated image; relative paths are taken from `dir`. */
export function resolveImage(image: Image, dir: string, where = "<image>"): ResolvedImage {
  const r = resolveImageWith(
    image,
    (rel) => {
      try {
        return readFileLimited(resolve(dir, rel));
      } catch {
        return undefined;
      }
    },
    where,
  );
  if (r.hostDeviceTreeSource !== "generated") r.hostDeviceTreeSource = resolve(dir, r.hostDeviceTreeSource);
  return r;
}

/** Reads, validates and resolves the image file at `path`. */
export function loadImage(path: string): ResolvedImage {
  const abs = resolve(path);
  let text: string;
  try {
    text = new TextDecoder().decode(readFileLimited(abs));
  } catch (e) {
    const code = e instanceof ReadFileError ? e.code : ((e as NodeJS.ErrnoException).code ?? "");
    throw new InputError(`${path}: cannot read image${code ? ` (${code})` : ""}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: invalid JSON: ${(e as Error).message}`);
  }
  return resolveImage(parseImage(json, path), dirname(abs), path);
}
