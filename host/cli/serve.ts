//! `hclboot serve`: a local HTTP server for the browser playground (page, bundle, WASM, images).
// Ports: none (hclboot's own front end)
import { createServer, type Server, type IncomingMessage, type ServerResponse } from "node:http";
import { readFile, readdir, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve, sep, extname, basename } from "node:path";
import { parseArgs } from "node:util";
import { packageRoot, wasmPath } from "../wasm/node.js";
import { NEWEST_UPSTREAM } from "../upstream.js";
import { InputError } from "../errors.js";
import { parseOrInput } from "./io.js";
import type { Command } from "./commands.js";

/** Where the server takes its files from. */
export interface ServeRoots {
  /** Built page: index.html, app.js, style.css (dist/web). */
  web: string;
  /** The compiled boot core. */
  wasm: string;
  /** Boot images (*.json) and the files they name. */
  images: string;
  /** Contract JSON objects for the `?fixture=` debug hook (test/fixtures/boot), if present. */
  fixtures: string;
}

/** The default roots inside the package. */
export function defaultRoots(): ServeRoots {
  const root = packageRoot();
  return {
    web: join(root, "dist", "web"),
    // The page lays out the VTL2 image as the newest pin does (host/upstream.ts), so it gets that boot core.
    wasm: wasmPath(false, "release", NEWEST_UPSTREAM),
    images: join(root, "images"),
    fixtures: join(root, "test", "fixtures", "boot"),
  };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".dts": "text/plain; charset=utf-8",
};

/** One entry of GET /api/images. */
export interface ImageListEntry {
  file: string;
  name: string;
  description?: string;
  /** Set when the file is not valid JSON (the page still lists it). */
  error?: string;
}

/** Lists images/*.json with their names and descriptions (sorted by file name). */
export async function listImages(dir: string): Promise<ImageListEntry[]> {
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const out: ImageListEntry[] = [];
  for (const file of files) {
    const entry: ImageListEntry = { file, name: basename(file, ".json") };
    try {
      const obj = JSON.parse(await readFile(join(dir, file), "utf8")) as Record<string, unknown>;
      if (typeof obj.name === "string") entry.name = obj.name;
      if (typeof obj.description === "string") entry.description = obj.description;
    } catch (e) {
      entry.error = `invalid JSON: ${(e as Error).message}`;
    }
    out.push(entry);
  }
  return out;
}

/** Resolves `rel` (URL-decoded) under `dir`; null when it escapes the directory or is malformed. */
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

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, head: boolean): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

async function sendFile(res: ServerResponse, path: string | null, head: boolean): Promise<void> {
  if (path && existsSync(path) && (await stat(path)).isFile()) {
    send(res, 200, TYPES[extname(path)] ?? "application/octet-stream", await readFile(path), head);
  } else {
    send(res, 404, "text/plain; charset=utf-8", "not found\n", head);
  }
}

/** Creates (does not start) the playground server over `roots`. */
export function createPlaygroundServer(roots: ServeRoots = defaultRoots()): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) return send(res, 405, "text/plain; charset=utf-8", "method not allowed\n", head);
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const handle = async () => {
      if (path === "/" || path === "/index.html") return sendFile(res, join(roots.web, "index.html"), head);
      if (path === "/hclboot.wasm") return sendFile(res, roots.wasm, head);
      if (path === "/api/images") return send(res, 200, TYPES[".json"], JSON.stringify(await listImages(roots.images)), head);
      if (path.startsWith("/images/")) return sendFile(res, safeJoin(roots.images, path.slice("/images/".length)), head);
      if (path.startsWith("/fixtures/")) return sendFile(res, safeJoin(roots.fixtures, path.slice("/fixtures/".length)), head);
      return sendFile(res, safeJoin(roots.web, path.slice(1)), head);
    };
    handle().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `server error: ${(e as Error).message}\n`, head);
      else res.end();
    });
  });
}

/** Starts the server on host:port (0 = any free port); resolves to the bound port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      const addr = server.address();
      ok(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}

const HELP = `usage: hclboot serve [--port N] [--host ADDR] [--images DIR]

Serves the browser playground on http://ADDR:N/ (default 127.0.0.1:8080; --port 0 picks a free
port). The page boots images in the browser with the same WASM boot core as the CLI.
  --images DIR   boot images to offer (default: the package's images/)`;

export const serveCommand: Command = {
  summary: "serve the browser playground on localhost",
  async run(args) {
    const v = parseOrInput(() =>
      parseArgs({
        args,
        options: { port: { type: "string", default: "8080" }, host: { type: "string", default: "127.0.0.1" }, images: { type: "string" }, help: { type: "boolean", short: "h" } },
        strict: true,
      }).values,
    );
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    const port = Number(v.port);
    if (!/^\d+$/.test(v.port ?? "") || port > 65535) throw new InputError(`--port must be a number from 0 to 65535, got '${v.port}'`);
    const roots = defaultRoots();
    if (v.images !== undefined) {
      roots.images = resolve(v.images);
      if (!existsSync(roots.images) || !(await stat(roots.images)).isDirectory()) {
        throw new InputError(`--images: ${v.images} is not a directory`);
      }
    }
    for (const f of [join(roots.web, "app.js"), roots.wasm]) {
      if (!existsSync(f)) throw new InputError(`${f} is missing (run \`npm run build\`)`);
    }
    const server = createPlaygroundServer(roots);
    let bound: number;
    try {
      bound = await listen(server, port, v.host ?? "127.0.0.1");
    } catch (e) {
      throw new InputError(`cannot listen on ${v.host}:${port}: ${(e as Error).message}`);
    }
    console.log(`hclboot playground: http://${v.host}:${bound}/`);
    await new Promise<void>((done) => {
      const stop = () => server.close(() => done());
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return 0;
  },
};
