//! The playground's HTTP server: routes (page, bundle, boot core, image list, images, fixtures),
//! the checks every request passes (method, Host allow-list, target length, no body), connection
//! caps, timeouts against slow clients, and a shutdown that ends within its grace period.
// Ports: none (hclboot's own front end)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { extname, join } from "node:path";
import { DEFAULT_ALLOWED_HOSTS, DEFAULT_LIMITS, SECURITY_HEADERS, allowEntry, hostAllowed, type ServerLimits } from "./limits.js";
import { FileStore, NotServed, safeJoin } from "./files.js";
import { ImageIndex } from "./image_index.js";

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

/** Server options beyond the roots. */
export interface ServerOptions {
  limits?: Partial<ServerLimits>;
  /** Host names answered besides localhost, 127.0.0.1 and [::1] (`--allow-host`). */
  allowHosts?: string[];
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
const TEXT = "text/plain; charset=utf-8";

/** The server and what shutting it down needs. */
export interface PlaygroundServer extends Server {
  /** Stops accepting, lets requests in progress finish for the grace period, then closes every connection. */
  shutdown(): Promise<void>;
}

/** Responses after which their connection is closed. */
const closeAfter = new WeakSet<ServerResponse>();

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, head: boolean, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = { ...SECURITY_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) };
  if (close) {
    headers.connection = "close";
    closeAfter.add(res);
  }
  res.writeHead(status, headers);
  res.end(head ? undefined : body);
}

/** A raw answer on a socket whose request could not be parsed (431, 400, 408). */
function rawAnswer(socket: Socket, status: number, reason: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${reason.toLowerCase()}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: ${TEXT}\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Creates (does not start) the playground server over `roots`. */
export function createPlaygroundServer(roots: ServeRoots, opts: ServerOptions = {}): PlaygroundServer {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const allowed = new Set([...DEFAULT_ALLOWED_HOSTS, ...(opts.allowHosts ?? []).map(allowEntry)]);
  const files = new FileStore(limits.cacheBytes);
  const index = new ImageIndex(roots.images, limits.maxImageBytes);
  let inFlight = 0;

  const serveFile = async (res: ServerResponse, root: string, path: string | null, limit: number, head: boolean) => {
    if (path === null) return send(res, 404, TEXT, "not found\n", head);
    try {
      const bytes = await files.read(root, path, limit);
      send(res, 200, TYPES[extname(path)] ?? "application/octet-stream", bytes, head);
    } catch (e) {
      if (e instanceof NotServed) return send(res, e.status, TEXT, `${e.message}\n`, head);
      throw e;
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string, head: boolean) => {
    if (path === "/" || path === "/index.html") return serveFile(res, roots.web, join(roots.web, "index.html"), limits.maxFileBytes, head);
    if (path === "/hclboot.wasm") return serveFile(res, roots.wasm, roots.wasm, limits.maxFileBytes, head);
    if (path === "/api/images") return send(res, 200, TYPES[".json"]!, JSON.stringify(await index.list()), head);
    if (path.startsWith("/images/")) return serveFile(res, roots.images, safeJoin(roots.images, path.slice(8)), limits.maxImageBytes, head);
    if (path.startsWith("/fixtures/")) return serveFile(res, roots.fixtures, safeJoin(roots.fixtures, path.slice(10)), limits.maxImageBytes, head);
    return serveFile(res, roots.web, safeJoin(roots.web, path.slice(1)), limits.maxFileBytes, head);
  };

  const requestsOn = new WeakMap<Socket, number>();
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would let a slow head live that long).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 2)),
    },
    (req, res) => {
      // A response that closes its connection (request limit reached, an error with a body left
      // unread) really closes it: Node would otherwise keep the socket open and answer 503s.
      const socket = req.socket;
      const n = (requestsOn.get(socket) ?? 0) + 1;
      requestsOn.set(socket, n);
      if (n >= limits.maxRequestsPerConnection) closeAfter.add(res);
      res.once("finish", () => {
        if (!closeAfter.has(res)) return;
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      });
      const head = req.method === "HEAD";
      const hasBody = (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0") || req.headers["transfer-encoding"] !== undefined;
      if (!hostAllowed(req.headers.host, allowed)) return send(res, 403, TEXT, "host not allowed (see --allow-host)\n", head, hasBody);
      if (req.method !== "GET" && !head) return send(res, 405, TEXT, "method not allowed\n", head, true);
      if (hasBody && Number(req.headers["content-length"] ?? Infinity) > limits.maxBodyBytes) return send(res, 413, TEXT, "request body not accepted\n", head, true);
      if ((req.url ?? "").length > limits.maxUrlBytes) return send(res, 414, TEXT, "request target too long\n", head);
      if (inFlight >= limits.maxInFlight) {
        res.setHeader("retry-after", "1");
        return send(res, 503, TEXT, "busy\n", head);
      }
      let path: string;
      try {
        path = new URL(req.url ?? "/", "http://localhost").pathname;
      } catch {
        return send(res, 400, TEXT, "bad request target\n", head);
      }
      inFlight++;
      route(req, res, path, head)
        .catch(() => send(res, 500, TEXT, "server error\n", head))
        .finally(() => inFlight--);
    },
  );
  server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
  server.maxConnections = limits.maxConnections;

  // Connections: per client address, and all of them for shutdown.
  const sockets = new Set<Socket>();
  const perClient = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const who = socket.remoteAddress ?? "";
    const n = (perClient.get(who) ?? 0) + 1;
    if (n > limits.maxConnectionsPerClient) return socket.destroy();
    perClient.set(who, n);
    sockets.add(socket);
    socket.setTimeout(limits.socketTimeoutMs, () => socket.destroy());
    socket.once("close", () => {
      sockets.delete(socket);
      const left = (perClient.get(who) ?? 1) - 1;
      if (left <= 0) perClient.delete(who);
      else perClient.set(who, left);
    });
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === "HPE_HEADER_OVERFLOW") return rawAnswer(socket, 431, "Request Header Fields Too Large");
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return rawAnswer(socket, 408, "Request Timeout");
    if (err.code === "ECONNRESET" || !socket.writable) return socket.destroy();
    rawAnswer(socket, 400, "Bad Request");
  });

  let closing: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    closing ??= new Promise<void>((done) => {
      const finish = () => {
        clearTimeout(timer);
        for (const s of sockets) s.destroy();
        done();
      };
      const timer = setTimeout(finish, limits.shutdownGraceMs);
      server.close(() => finish());
      server.closeIdleConnections();
    });
    return closing;
  };
  const playground = server as PlaygroundServer;
  playground.shutdown = shutdown;
  return playground;
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
