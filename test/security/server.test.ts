// Red-team tests of `hclboot serve` (host/server/): escapes from the served folders (symlinks,
// traversal in every spelling), hostile files (FIFOs, devices, oversize images), hostile clients
// (foreign Host headers, huge heads, bodies, slow or stuck requests, too many connections) and
// shutdown with a stuck request. Every case checks a clear answer and a live server afterwards.
// Loopback only, bounded loops.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, readFileSync, utimesSync, truncateSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { alive, get, raw, root, startServer, stuck } from "./helpers.js";
import type { PlaygroundServer } from "../../host/server/server.js";
import { hostName, hostAllowed, CONTENT_SECURITY_POLICY } from "../../host/server/limits.js";
import { bootImageJson } from "../../host/harness/browser_api.js";
import { loadShim as loadBrowserShim } from "../../host/wasm/browser.js";

const MAX_IMAGE = 64 * 1024;
const small = readFileSync(join(root, "images", "small.json"));

describe("hclboot serve under attack", () => {
  let server: PlaygroundServer;
  let port: number;
  const base = mkdtempSync(join(tmpdir(), "hclboot-redteam-"));
  const images = join(base, "images");
  const secret = join(base, "secret.txt");

  beforeAll(async () => {
    mkdirSync(images);
    writeFileSync(secret, "TOP SECRET\n");
    writeFileSync(join(images, "small.json"), small);
    mkdirSync(join(images, "sub"));
    writeFileSync(join(images, "sub", "inner.json"), '{"name":"inner"}');
    symlinkSync(secret, join(images, "leak.json")); // a link out of the folder
    symlinkSync(base, join(images, "up")); // a folder link out of it
    symlinkSync(join(images, "sub", "inner.json"), join(images, "alias.json")); // a link inside it
    symlinkSync("/dev/zero", join(images, "zero.json"));
    execFileSync("mkfifo", [join(images, "fifo.json")]);
    writeFileSync(join(images, "big.json"), "");
    truncateSync(join(images, "big.json"), MAX_IMAGE + 1);
    ({ server, port } = await startServer(images, { maxImageBytes: MAX_IMAGE, headersTimeoutMs: 1000, requestTimeoutMs: 2000, maxConnectionsPerClient: 40 }, ["playground.test"]));
  });
  afterAll(() => server.shutdown());

  it("never serves a file through a symlink leading out of the images folder", async () => {
    for (const p of ["/images/leak.json", "/images/up/secret.txt", "/images/up/images/../secret.txt"]) {
      const r = await get(port, p);
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toContain("SECRET");
    }
    expect((await get(port, "/images/alias.json")).body.toString()).toBe('{"name":"inner"}'); // inside: fine
    expect(await alive(port)).toBe(true);
  });

  it.each([
    "/images/../../secret.txt", "/images/..%2f..%2fsecret.txt", "/images/%2e%2e/%2e%2e/secret.txt", "/images/%2E%2E%2F%2E%2E%2Fsecret.txt",
    "/images/%252e%252e%252fsecret.txt", "/images/..%5c..%5csecret.txt", "/images//etc/passwd", "/images/%2fetc%2fpasswd",
    "/images/small.json%00.txt", "/images/%00", "/..%2f..%2f..%2fetc/passwd", "/fixtures/..%2f..%2f..%2fpackage.json", "/images/%E0%A4%A",
  ])("refuses the traversal %s (404) and stays up", async (p) => {
    const r = await get(port, p);
    expect(r.status).toBe(404);
    expect(r.body.toString()).toBe("not found\n");
    expect(await alive(port)).toBe(true);
  });

  it("refuses an absolute-form request target pointing elsewhere", async () => {
    const r = await raw(port, `GET http://127.0.0.1:${port}/images/../../secret.txt HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 404 /);
  });

  it("answers only loopback Host names and --allow-host ones (DNS rebinding)", async () => {
    expect((await get(port, "/", { host: "evil.example" })).status).toBe(403);
    expect((await get(port, "/", { host: "evil.example:80" })).status).toBe(403);
    expect((await get(port, "/", { host: "127.0.0.1.evil.example" })).status).toBe(403);
    expect((await get(port, "/", { host: "localhost.evil.example" })).status).toBe(403);
    expect((await get(port, "/api/images", { host: "evil.example" })).body.toString()).toBe("host not allowed (see --allow-host)\n");
    for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, "127.0.0.1", `playground.test:${port}`]) {
      expect((await get(port, "/", { host })).status, host).toBe(200);
    }
    const noHost = await raw(port, "GET / HTTP/1.0\r\n\r\n");
    expect(noHost.text).toMatch(/^HTTP\/1\.1 (400|403) /);
    expect(hostName("[::1]:8080")).toBe("[::1]");
    expect(hostAllowed(undefined, new Set(["localhost"]))).toBe(false);
  });

  it("lists FIFOs, devices, links out and oversize images with an error, without opening them", async () => {
    const t0 = Date.now();
    const list = (await (await fetch(`http://127.0.0.1:${port}/api/images`)).json()) as { file: string; error?: string }[];
    expect(Date.now() - t0).toBeLessThan(5000);
    const byFile = Object.fromEntries(list.map((e) => [e.file, e.error ?? "ok"]));
    expect(byFile).toEqual({
      "alias.json": "ok",
      "big.json": `larger than the limit of ${MAX_IMAGE} bytes (--max-image-bytes)`,
      "fifo.json": "not a regular file",
      "leak.json": "outside the images folder",
      "small.json": "ok",
      "zero.json": "outside the images folder",
    });
  });

  it("does not hang on a FIFO or a device, and refuses an image over --max-image-bytes with 413", async () => {
    expect((await get(port, "/images/fifo.json")).status).toBe(404);
    expect((await get(port, "/images/zero.json")).status).toBe(404);
    const big = await get(port, "/images/big.json");
    expect(big.status).toBe(413);
    expect(big.body.toString()).toBe(`file larger than the limit of ${MAX_IMAGE} bytes\n`);
    expect(await alive(port)).toBe(true);
  });

  it("re-reads an image only when its mtime or size changed (cached index)", async () => {
    const f = join(images, "sub", "..", "cached.json");
    writeFileSync(f, '{"name":"one"}');
    utimesSync(f, 1_700_000_000, 1_700_000_000);
    const name = async () => ((await (await fetch(`http://127.0.0.1:${port}/api/images`)).json()) as { file: string; name: string }[]).find((e) => e.file === "cached.json")!.name;
    expect(await name()).toBe("one");
    writeFileSync(f, '{"name":"two"}'); // same size; put the old mtime back: the cached entry stays
    utimesSync(f, 1_700_000_000, 1_700_000_000);
    expect(await name()).toBe("one");
    writeFileSync(f, '{"name":"three"}'); // new size: read again
    expect(await name()).toBe("three");
  });

  it("answers a 100 KB request head with 431 and a long target with 414", async () => {
    const r = await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const long = await get(port, `/${"a".repeat(5000)}`);
    expect(long.status).toBe(414);
    expect(await alive(port)).toBe(true);
  });

  it("takes no request bodies: 405 for POST, 413 for a GET with a body, and closes the connection", async () => {
    const post = await raw(port, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000\r\n\r\nxxxx`);
    expect(post.text).toMatch(/^HTTP\/1\.1 405 /);
    expect(post.text.toLowerCase()).toContain("connection: close");
    expect(post.closed).toBe(true);
    const withBody = await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello`);
    expect(withBody.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(await alive(port)).toBe(true);
  });

  it("answers malformed requests with 400", async () => {
    for (const junk of ["\x00\x01\x02garbage\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n"]) {
      const r = await raw(port, junk);
      expect(r.text, JSON.stringify(junk)).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect(await alive(port)).toBe(true);
  });

  it("cuts off a slow request head (slowloris) and keeps serving others meanwhile", async () => {
    const t0 = Date.now();
    const slow = await stuck(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1");
    let answer = "";
    slow.on("data", (d) => (answer += d));
    const closed = new Promise<number>((done) => slow.once("close", () => done(Date.now() - t0)));
    expect(await alive(port)).toBe(true);
    expect(await closed).toBeLessThan(5000); // headersTimeout 1 s (+ Node's check interval)
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it("caps connections per client and stays up for the rest", async () => {
    const socks: Socket[] = [];
    for (let i = 0; i < 60; i++) socks.push(await stuck(port, ""));
    await new Promise((r) => setTimeout(r, 300));
    const open = socks.filter((s) => !s.destroyed && s.readyState === "open").length;
    expect(open).toBeLessThanOrEqual(40);
    for (const s of socks) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(await alive(port)).toBe(true);
  });

  it("serves many concurrent clients (bounded) with no errors", async () => {
    const paths = ["/", "/app.js", "/api/images", "/images/small.json", "/hclboot.wasm"];
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => get(port, paths[i % paths.length]!)));
    expect(rs.map((r) => r.status)).toEqual(rs.map(() => 200));
  });

  it("feeds concurrent boots: boot core and image fetched from the server, booted at once", async () => {
    const url = `http://127.0.0.1:${port}`;
    const image = JSON.parse((await get(port, "/images/small.json")).body.toString());
    const results = await Promise.all(
      Array.from({ length: 6 }, () => bootImageJson(image, {}, { loadShim: () => loadBrowserShim({ url: `${url}/hclboot.wasm` }) })),
    );
    for (const r of results) expect(r.ok).toBe(true);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await alive(port)).toBe(true);
  });

  it("sends the security headers the page works with (CSP, nosniff, no framing)", async () => {
    const r = await get(port, "/");
    expect(r.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["x-frame-options"]).toBe("DENY");
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
    expect((await get(port, "/nope")).headers["x-content-type-options"]).toBe("nosniff"); // errors too
  });
});

describe("hclboot serve per-connection and in-flight limits", () => {
  it("closes a keep-alive connection after its request limit, answering the requests it took", async () => {
    const images = mkdtempSync(join(tmpdir(), "hclboot-redteam-perconn-"));
    const { server, port } = await startServer(images, { maxRequestsPerConnection: 2 });
    const one = "GET /api/images HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const r = await raw(port, one.repeat(3));
    expect(r.text.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(r.text.toLowerCase()).toContain("connection: close");
    expect(r.closed).toBe(true);
    expect(await alive(port)).toBe(true);
    await server.shutdown();
  });
});

describe("hclboot serve shutdown", () => {
  it("shutdown() ends within its grace period even with stuck requests", async () => {
    const images = mkdtempSync(join(tmpdir(), "hclboot-redteam-stop-"));
    const { server, port } = await startServer(images, { shutdownGraceMs: 500 });
    const socks = [await stuck(port), await stuck(port, "")];
    const closed = socks.map((s) => new Promise<void>((done) => s.once("close", () => done())));
    const t0 = Date.now();
    await server.shutdown();
    await Promise.all(closed);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("`hclboot serve` over a FIFO image exits 0 within 2 s of %s with a stuck request", async (sig) => {
    const images = mkdtempSync(join(tmpdir(), "hclboot-redteam-fifo-"));
    execFileSync("mkfifo", [join(images, "fifo.json")]);
    const child = spawn(process.execPath, [join(root, "bin", "hclboot.js"), "serve", "--port", "0", "--images", images], { stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<number>((ok, fail) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = /:(\d+)\/\n/.exec(out);
        if (m) ok(Number(m[1]));
      });
      child.once("exit", (c) => fail(new Error(`exited ${c}`)));
    });
    expect((await get(port, "/images/fifo.json")).status).toBe(404);
    expect(JSON.parse((await get(port, "/api/images")).body.toString())).toEqual([{ file: "fifo.json", name: "fifo", error: "not a regular file" }]);
    expect(await alive(port)).toBe(true);
    const s = await stuck(port);
    const t0 = Date.now();
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    child.kill(sig);
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    s.destroy();
  });
});
