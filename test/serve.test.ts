import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { createPlaygroundServer, defaultRoots, listen, listImages, safeJoin, serveCommand } from "../host/cli/serve.js";
import { InputError } from "../host/errors.js";
import { loadShim as loadBrowserShim, compileShim } from "../host/wasm/browser.js";
import { runSelftest } from "../host/harness/selftest.js";

describe("hclboot serve", () => {
  let server: Server;
  let base: string;
  const images = mkdtempSync(join(tmpdir(), "hclboot-serve-"));
  beforeAll(async () => {
    writeFileSync(join(images, "b.json"), JSON.stringify({ name: "two-node", description: "2 NUMA nodes", vm: {} }));
    writeFileSync(join(images, "a.json"), "{ not json");
    writeFileSync(join(images, "notes.txt"), "x");
    mkdirSync(join(images, "blobs"));
    writeFileSync(join(images, "blobs", "host.dtb"), new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]));
    server = createPlaygroundServer({ ...defaultRoots(), images });
    base = `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("serves the page, the bundle and the boot core", async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("<title>hclboot playground</title>");
    const app = await fetch(`${base}/app.js`);
    expect(app.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const wasm = await fetch(`${base}/hclboot.wasm`);
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    const bytes = new Uint8Array(await wasm.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
    expect(bytes.length).toBe(readFileSync(defaultRoots().wasm).length);
  });

  it("lists the images (names, descriptions, unreadable ones flagged)", async () => {
    const list = await (await fetch(`${base}/api/images`)).json();
    expect(list).toEqual([
      { file: "a.json", name: "a", error: expect.stringMatching(/^invalid JSON: /) },
      { file: "b.json", name: "two-node", description: "2 NUMA nodes" },
    ]);
    expect(await listImages(join(images, "missing"))).toEqual([]);
  });

  it("serves image files, also in subfolders, byte for byte", async () => {
    const r = await fetch(`${base}/images/blobs/host.dtb`);
    expect(r.status).toBe(200);
    expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([0xd0, 0x0d, 0xfe, 0xed]);
  });

  it("serves the fixtures of the ?fixture= hook", async () => {
    const r = await fetch(`${base}/fixtures/panic-persisted-header.json`);
    expect(await r.json()).toEqual({ ok: false, error: { kind: "panic", message: "persisted state header missing" } });
  });

  it("refuses paths outside its folders and unknown files", async () => {
    expect((await fetch(`${base}/images/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/images/%2e%2e/b.json`)).status).toBe(404);
    expect((await fetch(`${base}/images/%E0%A4%A`)).status).toBe(404);
    expect((await fetch(`${base}/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/images/blobs`)).status).toBe(404); // a folder is not a file
    expect(safeJoin("/srv/x", "..%2fy")).toBeNull();
    expect(safeJoin("/srv/x", "a/b.json")).toBe("/srv/x/a/b.json");
  });

  it("answers only GET and HEAD", async () => {
    expect((await fetch(`${base}/`, { method: "POST", body: "x" })).status).toBe(405);
    const head = await fetch(`${base}/api/images`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("feeds the browser loader (host/wasm/browser.ts): fetch, compile once, instantiate", async () => {
    const url = `${base}/hclboot.wasm`;
    const shim = await loadBrowserShim({ url });
    expect(runSelftest(shim)).toMatchObject({ ok: true, log: ["selftest 0"] });
    expect(compileShim(url)).toBe(compileShim(url)); // one compile per URL
    const other = await loadBrowserShim({ url });
    expect(other).not.toBe(shim); // but a new instance each time
  });

  it("reports a missing boot core by URL and status, and retries later", async () => {
    const url = `${base}/nope.wasm`;
    await expect(loadBrowserShim({ url })).rejects.toThrow(`boot core not available: GET ${url} answered 404 Not Found`);
    const first = compileShim(url);
    await expect(first).rejects.toThrow(/answered 404/);
    const again = compileShim(url); // a failure is not cached: this is a new fetch
    expect(again).not.toBe(first);
    await expect(again).rejects.toThrow(/answered 404/);
  });

  it("rejects a bad --port as input", async () => {
    await expect(serveCommand.run(["--port", "http"])).rejects.toThrow(new InputError("--port must be a number from 0 to 65535, got 'http'"));
    await expect(serveCommand.run(["--port", "70000"])).rejects.toThrow(InputError);
    await expect(serveCommand.run(["--bogus"])).rejects.toThrow(/^Unknown option '--bogus'/);
  });

  it("rejects an --images folder that does not exist (or is a file) before listening", async () => {
    const missing = join(images, "missing");
    await expect(serveCommand.run(["--port", "0", "--images", missing])).rejects.toThrow(new InputError(`--images: ${missing} is not a directory`));
    const file = join(images, "notes.txt");
    await expect(serveCommand.run(["--port", "0", "--images", file])).rejects.toThrow(new InputError(`--images: ${file} is not a directory`));
  });
});
