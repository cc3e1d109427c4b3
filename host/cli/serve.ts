//! `hclboot serve`: a local HTTP server for the browser playground (page, bundle, WASM, images),
//! hardened for a hostile network and hostile files (host/server/).
// Ports: none (hclboot's own front end)
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { packageRoot, wasmPath } from "../wasm/node.js";
import { InputError } from "../errors.js";
import { parseOrInput } from "./io.js";
import { createPlaygroundServer, listen, type ServeRoots } from "../server/server.js";
import { DEFAULT_LIMITS, allowEntry, isLoopback, type ServerLimits } from "../server/limits.js";
import type { Command } from "./commands.js";

export { createPlaygroundServer, listen, type ServeRoots, type PlaygroundServer } from "../server/server.js";
export { listImages, type ImageListEntry } from "../server/image_index.js";
export { safeJoin } from "../server/files.js";

/** The default roots inside the package. */
export function defaultRoots(): ServeRoots {
  const root = packageRoot();
  return {
    web: join(root, "dist", "web"),
    wasm: wasmPath(),
    images: join(root, "images"),
    fixtures: join(root, "test", "fixtures", "boot"),
  };
}

const HELP = `usage: hclboot serve [--port N] [--host ADDR] [--images DIR] [--allow-host NAME]...
                    [--max-image-bytes N] [--max-header-bytes N] [--max-connections N]
                    [--max-connections-per-client N]

Serves the browser playground on http://ADDR:N/ (default 127.0.0.1:8080; --port 0 picks a free
port). The page boots images in the browser with the same WASM boot core as the CLI.
  --images DIR        boot images to offer (default: the package's images/); only regular files
                      inside DIR are served (symlinks leading out of it are refused)
  --host ADDR         address to bind (default 127.0.0.1, loopback only)
  --allow-host NAME   also answer requests whose Host header is NAME (default: only localhost,
                      127.0.0.1 and [::1], against DNS rebinding); repeatable
  --max-image-bytes N largest image file served or listed (default ${DEFAULT_LIMITS.maxImageBytes})
  --max-header-bytes N largest request head; larger gets 431 (default ${DEFAULT_LIMITS.maxHeaderBytes})
  --max-connections N connections open at once (default ${DEFAULT_LIMITS.maxConnections})
  --max-connections-per-client N  from one address (default ${DEFAULT_LIMITS.maxConnectionsPerClient})
SIGTERM or SIGINT stops it within 2 s, closing requests still in progress.`;

function positive(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new InputError(`--${flag} must be a positive whole number, got '${v}'`);
  return Number(v);
}

export const serveCommand: Command = {
  summary: "serve the browser playground on localhost",
  async run(args) {
    const v = parseOrInput(() =>
      parseArgs({
        args,
        options: {
          port: { type: "string", default: "8080" }, host: { type: "string", default: "127.0.0.1" }, images: { type: "string" },
          "allow-host": { type: "string", multiple: true }, "max-image-bytes": { type: "string" }, "max-header-bytes": { type: "string" },
          "max-connections": { type: "string" }, "max-connections-per-client": { type: "string" }, help: { type: "boolean", short: "h" },
        },
        strict: true,
      }).values,
    );
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    const port = Number(v.port);
    if (!/^\d+$/.test(v.port ?? "") || port > 65535) throw new InputError(`--port must be a number from 0 to 65535, got '${v.port}'`);
    const limits: Partial<ServerLimits> = {};
    const set = (k: keyof ServerLimits, flag: string) => {
      const n = positive(v[flag as keyof typeof v] as string | undefined, flag);
      if (n !== undefined) limits[k] = n;
    };
    set("maxImageBytes", "max-image-bytes");
    set("maxHeaderBytes", "max-header-bytes");
    set("maxConnections", "max-connections");
    set("maxConnectionsPerClient", "max-connections-per-client");
    const roots = defaultRoots();
    if (v.images !== undefined) {
      roots.images = resolve(v.images);
      let dir = false;
      try {
        dir = statSync(roots.images).isDirectory();
      } catch {
        // reported below
      }
      if (!dir) throw new InputError(`--images: ${v.images} is not a directory`);
    }
    for (const f of [join(roots.web, "app.js"), roots.wasm]) {
      if (!existsSync(f)) throw new InputError(`${f} is missing (run \`npm run build\`)`);
    }
    const host = v.host ?? "127.0.0.1";
    const allowHosts = [...(v["allow-host"] ?? [])];
    // A specific bind address is a name clients use; a wildcard is not.
    if (!["0.0.0.0", "::", "[::]"].includes(host)) allowHosts.push(allowEntry(host));
    const server = createPlaygroundServer(roots, { limits, allowHosts });
    let bound: number;
    try {
      bound = await listen(server, port, host);
    } catch (e) {
      throw new InputError(`cannot listen on ${host}:${port}: ${(e as Error).message}`);
    }
    if (!isLoopback(host)) console.error(`hclboot serve: warning: listening on ${host}, reachable from other machines`);
    console.log(`hclboot playground: http://${host.includes(":") ? `[${host}]` : host}:${bound}/`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        void server.shutdown().then(done);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    return 0;
  },
};
