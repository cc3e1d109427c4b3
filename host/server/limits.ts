//! The playground server's limits and request checks: sizes, timeouts, connection caps, the Host
//! header allow-list (against DNS rebinding) and the security headers every response carries.
// Ports: none (hclboot's own front end)
import { isIP } from "node:net";

const MiB = 1024 * 1024;

/** Every limit of the server (README "Security and limits" lists them with their flags). */
export interface ServerLimits {
  /** Largest image file (*.json and the files images name) served or listed (`--max-image-bytes`). */
  maxImageBytes: number;
  /** Largest other file served (page, bundle, boot core, fixtures). */
  maxFileBytes: number;
  /** Largest request head (request line and headers); larger gets 431 (`--max-header-bytes`). */
  maxHeaderBytes: number;
  /** Longest request target; longer gets 414. */
  maxUrlBytes: number;
  /** Largest request body: the server takes none, so any body gets 413 and the connection closes. */
  maxBodyBytes: number;
  /** Connections open at once (`--max-connections`); more are closed on accept. */
  maxConnections: number;
  /** Connections open at once from one client address (`--max-connections-per-client`). */
  maxConnectionsPerClient: number;
  /** Requests answered on one keep-alive connection before it is closed. */
  maxRequestsPerConnection: number;
  /** Requests in progress at once; more get 503 with Retry-After. */
  maxInFlight: number;
  /** Time for a client to send its request head (slow headers are cut off), ms. */
  headersTimeoutMs: number;
  /** Time for a whole request, ms. */
  requestTimeoutMs: number;
  /** Idle time of a keep-alive connection, ms. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic for this long is closed (a stuck reader), ms. */
  socketTimeoutMs: number;
  /** Entries of the cache of served files (path, mtime, size) and their total bytes. */
  cacheBytes: number;
  /** How long shutdown (SIGTERM/SIGINT) waits for requests in progress before closing them, ms. */
  shutdownGraceMs: number;
}

/** The defaults. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxImageBytes: 16 * MiB,
  maxFileBytes: 64 * MiB,
  maxHeaderBytes: 16 * 1024,
  maxUrlBytes: 4096,
  maxBodyBytes: 0,
  maxConnections: 512,
  maxConnectionsPerClient: 256,
  maxRequestsPerConnection: 10_000,
  maxInFlight: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  socketTimeoutMs: 30_000,
  cacheBytes: 128 * MiB,
  shutdownGraceMs: 1_500,
};

/** The Host names the server answers by default (loopback only). */
export const DEFAULT_ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/** The host part of a Host header ("example:8080" → "example", "[::1]:80" → "[::1]"), lowercased. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) {
    const close = h.indexOf("]");
    return close < 0 ? h : h.slice(0, close + 1);
  }
  const colon = h.lastIndexOf(":");
  return colon < 0 ? h : h.slice(0, colon);
}

/** The allow-list entry for a bind address or an `--allow-host` value (IPv6 in brackets). */
export function allowEntry(name: string): string {
  const n = name.trim().toLowerCase();
  return isIP(n) === 6 ? `[${n}]` : n;
}

/** True when `header` (a request's Host) names one of `allowed`. */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined || header === "") return false;
  return allowed.has(hostName(header));
}

/** True for a loopback bind address. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || h === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The page's Content-Security-Policy: scripts, styles, fetches only from this origin; no frames,
 * no plugins, no form targets. The boot core needs 'wasm-unsafe-eval' (WebAssembly.compile), and
 * the servicing round trip 'unsafe-eval': protobufjs (host/persist) builds its encoders and
 * decoders with `Function` at run time.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};
