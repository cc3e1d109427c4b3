// Shared by the red-team tests: raw HTTP exchanges over loopback, a server over a scratch images
// folder, and a child-process CLI run with a bound on its time.
import { connect, type Socket } from "node:net";
import { request } from "node:http";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { defaultRoots } from "../../host/cli/serve.js";
import { createPlaygroundServer, listen, type PlaygroundServer } from "../../host/server/server.js";
import type { ServerLimits } from "../../host/server/limits.js";

export const root = join(__dirname, "..", "..");

/** A started server over `images` with `limits`; `port` is where it listens on 127.0.0.1. */
export async function startServer(images: string, limits: Partial<ServerLimits> = {}, allowHosts: string[] = []): Promise<{ server: PlaygroundServer; port: number }> {
  const server = createPlaygroundServer({ ...defaultRoots(), images }, { limits, allowHosts });
  return { server, port: await listen(server, 0, "127.0.0.1") };
}

/** One GET (or `method`) with explicit headers; resolves to status, headers and body. */
export function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", fail);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
    req.end();
  });
}

/** Sends `data` on a raw connection; resolves to everything the server wrote before closing (or `waitMs`). */
export function raw(port: number, data: string | Buffer, waitMs = 5000): Promise<{ text: string; closed: boolean }> {
  return new Promise((ok) => {
    const s = connect(port, "127.0.0.1");
    let text = "";
    const timer = setTimeout(() => {
      s.destroy();
      ok({ text, closed: false });
    }, waitMs);
    s.on("data", (d) => (text += d.toString("latin1")));
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      ok({ text, closed: true });
    });
    s.write(data);
  });
}

/** Opens a connection and sends `data` without finishing the request (a stuck client). */
export function stuck(port: number, data = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"): Promise<Socket> {
  return new Promise((ok) => {
    const s = connect(port, "127.0.0.1", () => {
      s.write(data);
      ok(s);
    });
    s.on("error", () => {});
  });
}

/** The server still answers the page. */
export async function alive(port: number): Promise<boolean> {
  const r = await get(port, "/");
  return r.status === 200 && r.body.toString().includes("<title>hclboot playground</title>");
}

/** Runs `node bin/hclboot.js ...args` (killed after `timeoutMs`); resolves to status, stdout, stderr. */
export function runCli(args: string[], timeoutMs = 30_000): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((ok) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(root, "bin", "hclboot.js"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      ok({ status, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/**
 * Runs the CLI's `main(args)` in a child that sends itself SIGINT `afterMs` after the command
 * started (its handler is installed by then); resolves like runCli.
 */
export function runInterrupted(args: string[], afterMs: number, timeoutMs = 60_000): ReturnType<typeof runCli> {
  const script = `
    const { main } = await import(${JSON.stringify(join(root, "dist", "cli.js"))});
    const run = main(${JSON.stringify(args)});
    setTimeout(() => process.kill(process.pid, "SIGINT"), ${afterMs});
    process.exitCode = await run;
    process.exit();
  `;
  return new Promise((ok) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"], cwd: root });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      ok({ status, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}
