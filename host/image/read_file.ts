//! The one bounded file reader for every hclboot input file (images, device trees, persisted
//! states, fuzz reproducers and corpus entries, bench documents, the files an image names, the
//! files the playground server sends): regular files only (a FIFO, device or directory is refused
//! before a byte is read), at most a limit per kind, and the file's name in every error.
// Ports: none (hclboot's command line)
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { InputError } from "../errors.js";

const MiB = 1024 * 1024;

/** The kinds of input file, each with its own size limit (bytes). */
export const INPUT_LIMITS = {
  /** A boot image (JSON). */
  image: 16 * MiB,
  /** A device tree blob (`dt FILE.dtb`, an image's `hostDeviceTree`). */
  dtb: 16 * MiB,
  /** A persisted state (an image's `persistedState`). */
  state: 16 * MiB,
  /** A fuzz reproducer (`fuzz --replay`). */
  reproducer: 16 * MiB,
  /** One fuzz corpus entry. */
  corpus: 4 * MiB,
  /** A `bench --json` document (`bench --compare`). */
  bench: 64 * MiB,
  /** A file the playground server sends (page, bundle, boot core, fixtures). */
  served: 64 * MiB,
} as const;

/** A kind of input file (see INPUT_LIMITS). */
export type InputKind = keyof typeof INPUT_LIMITS;

/** The largest limit of any kind (what a caller without a kind gets). */
export const MAX_INPUT_FILE_BYTES = Math.max(...Object.values(INPUT_LIMITS));

/**
 * A file that could not be read: an input error whose message names the file and the reason.
 * `code` is the Node error code, "EFBIG" past the limit, or "ENOTREG" for a FIFO, device, socket.
 */
export class ReadFileError extends InputError {
  constructor(
    readonly code: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read ${path}: ${reason}`);
    this.name = "ReadFileError";
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "is a directory",
  EACCES: "permission denied",
  ENOTDIR: "a path component is not a directory",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the name is too long",
};

function systemError(path: string, e: unknown): ReadFileError {
  const code = (e as NodeJS.ErrnoException).code ?? "EIO";
  return new ReadFileError(code, path, REASONS[code] ?? code);
}

function fileType(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/** The error for a file that is not regular (`st`), or for one over `limit` bytes. */
function checkStat(path: string, st: Stats, limit: number): void {
  if (st.isDirectory()) throw new ReadFileError("EISDIR", path, "is a directory");
  if (!st.isFile()) throw new ReadFileError("ENOTREG", path, `not a regular file (${fileType(st)})`);
  if (st.size > limit) throw tooLarge(path, limit);
}

const tooLarge = (path: string, limit: number) => new ReadFileError("EFBIG", path, `larger than the limit of ${limit} bytes`);

// Non-blocking so that opening a FIFO does not wait for a writer before fstat refuses it.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Reads all of the regular file `path`, at most `limit` bytes (default: the limit of `kind`);
 * throws ReadFileError (an InputError naming the file) otherwise.
 */
export function readInputFile(path: string, kind: InputKind, limit: number = INPUT_LIMITS[kind]): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    throw systemError(path, e);
  }
  try {
    let st: Stats;
    try {
      st = fstatSync(fd);
    } catch (e) {
      throw systemError(path, e);
    }
    checkStat(path, st, limit);
    // The file may grow between fstat and read: read at most limit + 1 bytes, whatever fstat said
    // (the first chunk is sized from fstat, so a file that does not grow is read in one call).
    const chunks: Buffer[] = [];
    let total = 0;
    let size = Math.min(limit + 1, st.size + 1);
    for (;;) {
      const chunk = Buffer.allocUnsafe(size);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        throw systemError(path, e);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw tooLarge(path, limit);
      size = Math.min(MiB, limit + 1 - total);
    }
    // A copy of exactly `total` bytes in its own ArrayBuffer (never a view of Node's buffer pool).
    return new Uint8Array(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
  } finally {
    closeSync(fd);
  }
}

/** readInputFile as UTF-8 text. */
export function readInputText(path: string, kind: InputKind, limit?: number): string {
  return new TextDecoder().decode(readInputFile(path, kind, limit));
}

/** What readRegularFile returns: the bytes and the file's modification time and size. */
export interface RegularFile {
  bytes: Uint8Array;
  mtimeMs: number;
  size: number;
}

/**
 * Async form for the server: opens `path` non-blocking, refuses anything but a regular file of at
 * most `limit` bytes (ReadFileError), then reads it.
 */
export async function readRegularFile(path: string, limit: number): Promise<RegularFile> {
  let h;
  try {
    h = await open(path, OPEN_FLAGS);
  } catch (e) {
    throw systemError(path, e);
  }
  try {
    const st = await h.stat();
    checkStat(path, st, limit);
    const buf = Buffer.allocUnsafe(Math.min(limit + 1, st.size + 1));
    let total = 0;
    for (;;) {
      const { bytesRead } = await h.read(buf, total, buf.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total === buf.length) break;
    }
    // One byte more than fstat said means the file grew while being read: refuse a moving target
    // past the limit, else send what fstat promised.
    if (total > limit) throw tooLarge(path, limit);
    return { bytes: buf.subarray(0, Math.min(total, st.size)), mtimeMs: st.mtimeMs, size: st.size };
  } catch (e) {
    if (e instanceof ReadFileError) throw e;
    throw systemError(path, e);
  } finally {
    await h.close();
  }
}
