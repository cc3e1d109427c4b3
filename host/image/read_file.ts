//! Bounded file reads for the CLI: a file, pipe or device (`/dev/stdin`) is read in chunks up to
//! a limit, so a never-ending input (`/dev/zero`) is an error instead of a hang.
// Ports: none (hclboot's command line)
import { closeSync, openSync, readSync } from "node:fs";

/** The most any hclboot input file may hold (images, device trees, persisted states). */
export const MAX_INPUT_FILE_BYTES = 256 * 1024 * 1024;

/** A file that could not be read: `code` is the Node error code, or "EFBIG" past the limit. */
export class ReadFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads all of `path`, at most `limit` bytes; throws ReadFileError (ENOENT, EISDIR, EFBIG, ...). */
export function readFileLimited(path: string, limit = MAX_INPUT_FILE_BYTES): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EIO";
    throw new ReadFileError(code, `${code}`);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "EIO";
        if (code === "EAGAIN") continue; // a non-blocking pipe with nothing yet
        throw new ReadFileError(code, `${code}`);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw new ReadFileError("EFBIG", `larger than ${limit} bytes`);
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } finally {
    closeSync(fd);
  }
}
