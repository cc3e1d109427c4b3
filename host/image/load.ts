//! Image loading from disk: reads an image file and the files it names (paths relative to the
//! image), then resolves it (host/image/resolve.ts). Every problem is an InputError.
// Ports: none (host plumbing)

import { readInputFile, readInputText, ReadFileError, type InputKind } from "./read_file.js";
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import type { Image } from "./schema.js";
import { parseImage, resolveImageWith, type ResolvedImage } from "./resolve.js";

export * from "./resolve.js";

/** Resolves an already validated image; relative paths are taken from `dir`. */
export function resolveImage(image: Image, dir: string, where = "<image>"): ResolvedImage {
  const kinds = new Map<string, InputKind>();
  if (image.hostDeviceTree !== undefined) kinds.set(image.hostDeviceTree, "dtb");
  if (image.persistedState !== undefined) kinds.set(image.persistedState, "state");
  const r = resolveImageWith(
    image,
    (rel) => {
      try {
        return readInputFile(resolve(dir, rel), kinds.get(rel) ?? "dtb");
      } catch (e) {
        // A missing file keeps the resolver's own message ("FIELD: cannot read REL"); any other
        // reason (a directory, a FIFO, too large) is named with the file.
        if (e instanceof ReadFileError && e.code !== "ENOENT") throw new InputError(`${where}: cannot read ${rel}: ${e.reason}`);
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
  const text = readInputText(path, "image");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: invalid JSON: ${(e as Error).message}`);
  }
  return resolveImage(parseImage(json, path), dirname(abs), path);
}
