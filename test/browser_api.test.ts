import { describe, it, expect } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bootImageJson, serviceImageJson, selftestJson, parseImage, referencedFiles } from "../host/harness/browser_api.js";
import { errorToFailure } from "../host/harness/failure.js";
import { bootImage } from "../host/harness/boot.js";
import { loadImage } from "../host/image/load.js";
import { InputError, DtError } from "../host/errors.js";
import { ShimPanic } from "../host/wasm/loader.js";

const api = { loadShim: () => loadShim() };
const dtImage = { name: "t", hostDeviceTree: "host.dtb" };
const images = join(__dirname, "..", "images");
const imageJson = (f: string) => JSON.parse(readFileSync(join(images, f), "utf8"));

describe("selftestJson", () => {
  it("runs the boot core self-test through the injected loader", async () => {
    const r = await selftestJson(api);
    expect(r).toMatchObject({ ok: true, records: true, panics: true, log: ["selftest 0"] });
  });

  it("turns a loader failure into an input failure with its message", async () => {
    const r = await selftestJson({ loadShim: () => Promise.reject(new Error("boot core not available: GET hclboot.wasm answered 404 Not Found")) });
    expect(r).toEqual({ ok: false, error: { kind: "input", message: "boot core not available: GET hclboot.wasm answered 404 Not Found" } });
  });
});

describe("parseImage", () => {
  it("names the field path of a schema error", () => {
    const r = parseImage({ hostDeviceTree: "a.dtb", shim: { memoryStart: "12" } });
    expect(r).toEqual({ ok: false, error: { kind: "input", message: "invalid image: shim.memoryStart: expected a 0x-prefixed hex string of at most 16 digits" } });
  });

  it("lists the files an image reads", () => {
    const im = parseImage({ hostDeviceTree: "a.dtb", persistedState: "state/p.bin" });
    expect("ok" in im).toBe(false);
    if (!("ok" in im)) expect(referencedFiles(im)).toEqual(["a.dtb", "state/p.bin"]);
  });
});

describe("bootImageJson", () => {
  it("rejects a non-object image as input", async () => {
    const r = await bootImageJson(42, {}, api);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.kind).toBe("input");
    expect(!r.ok && r.error.message).toMatch(/^invalid image: \(image\): /);
  });

  it("reports a file the image names but the caller did not supply", async () => {
    expect(await bootImageJson(dtImage, {}, api)).toEqual({ ok: false, error: { kind: "input", message: "file not found: host.dtb (named by the image)" } });
  });

  it("boots images/small.json exactly as the CLI harness does, instantiating the WASM once", async () => {
    let loads = 0;
    const counting = { loadShim: () => (loads++, loadShim()) };
    const r = await bootImageJson(imageJson("small.json"), {}, counting);
    const cli = bootImage(loadImage(join(images, "small.json")), { shim: await loadShim() }).output;
    expect(r).toEqual(cli);
    expect(r.ok && r.vtl2Ram).toEqual([{ start: "0x1c0000000", end: "0x1e0000000", vnode: 0, igvmType: 3 }]);
    expect(await bootImageJson(imageJson("pool.json"), {}, counting)).toMatchObject({ ok: true });
    expect(loads).toBe(1); // one instance, reused (reset per boot)
  });

  it("boots an image whose host device tree comes from the supplied files (aarch64)", async () => {
    const r = await bootImageJson(imageJson("aarch64.json"), { "aarch64.dtb": new Uint8Array(readFileSync(join(images, "aarch64.dtb"))) }, api);
    expect(r).toMatchObject({ ok: true, arch: "aarch64", cpuCount: 4 });
  });

  it("returns the shim's panic with the boot log so far", async () => {
    const want = imageJson("fail-vnode-exhausted.json").expect;
    const r = await bootImageJson(imageJson("fail-vnode-exhausted.json"), {}, api);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toEqual({ kind: want.kind, message: want.message });
      expect((r as { bootLog?: string[] }).bootLog?.length).toBeGreaterThan(0);
    }
  });

  it("reports a host device tree blob that is not a device tree", async () => {
    const r = await bootImageJson({ ...dtImage, shim: { memoryStart: "0x1c0000000", memorySize: "0x20000000" } }, { "host.dtb": new Uint8Array(8) }, api);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.kind).not.toBe("input");
  });

  it("never throws: a loader crash becomes a failure object", async () => {
    const r = await bootImageJson(dtImage, { "host.dtb": new Uint8Array(8) }, { loadShim: () => Promise.reject(new TypeError("fetch failed")) });
    expect(r).toEqual({ ok: false, error: { kind: "input", message: "fetch failed" } });
  });
});

describe("serviceImageJson", () => {
  it("validates like boot", async () => {
    expect(await serviceImageJson({ vm: imageJson("small.json").vm, hostDeviceTree: "x" }, {}, api)).toEqual({
      ok: false, error: { kind: "input", message: "invalid image: (image): an image needs exactly one of `vm` or `hostDeviceTree`" },
    });
    expect(await serviceImageJson(imageJson("small.json"), {}, api, { tamper: "nope" as never })).toEqual({
      ok: false, error: { kind: "input", message: 'tamper: expected one of magic, move-protobuf, truncate, garble, got "nope"' },
    });
  });

  it("round-trips images/pool-numa-split.json with the same topology", async () => {
    const r = await serviceImageJson(imageJson("pool-numa-split.json"), {}, api, { noIoCpus: "0-1" });
    expect(r).toMatchObject({ ok: true, agree: true, differences: [] });
    if (r.ok) expect(new Set(r.first.addressSpace.filter((a) => a.type === "VTL2_GPA_POOL").map((a) => a.vnode))).toEqual(new Set([0, 1]));
  });
});

describe("errorToFailure", () => {
  it("maps the error classes to the contract kinds", () => {
    expect(errorToFailure(new InputError("a"))).toEqual({ ok: false, error: { kind: "input", message: "a" } });
    expect(errorToFailure(new DtError("b"))).toEqual({ ok: false, error: { kind: "dt", message: "b" } });
    expect(errorToFailure(new ShimPanic("c", []))).toEqual({ ok: false, error: { kind: "panic", message: "c" } });
    expect(errorToFailure("d")).toEqual({ ok: false, error: { kind: "internal", message: "d" } }); // anything untyped is a bug
    expect(errorToFailure(new TypeError("e"))).toEqual({ ok: false, error: { kind: "internal", message: "e" } });
  });
});
