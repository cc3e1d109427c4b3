//! Image loading from disk: reads an image file and the files it names (paths relative to the
//! image), then resolves it (host/image/resolve.ts). Every problem is an InputError.
// Ports: none (host plumbing)

import { readFileSync } from "node:fs";
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
        return new Uint8Array(readFileSync(resolve(dir, rel)));
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
    text = readFileSync(abs, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
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
