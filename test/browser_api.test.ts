import { describe, it, expect } from "vitest";
import { loadShim } from "../host/wasm/node.js";
import { bootImageJson, serviceImageJson, selftestJson, parseImage, referencedFiles, errorToFailure, BOOT_FLOW_UNAVAILABLE } from "../host/harness/browser_api.js";
import { InputError, DtError } from "../host/errors.js";
import { ShimPanic } from "../host/wasm/loader.js";

const api = { loadShim: () => loadShim() };
const dtImage = { name: "t", hostDeviceTree: "host.dtb" };

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

  it("reports that the boot flow is not in this build once input and WASM check out (integration point)", async () => {
    let loads = 0;
    const r = await bootImageJson(dtImage, { "host.dtb": new Uint8Array(8) }, { loadShim: () => (loads++, loadShim()) });
    expect(r).toEqual({ ok: false, error: { kind: "input", message: BOOT_FLOW_UNAVAILABLE } });
    expect(loads).toBe(1); // the WASM was really instantiated
  });

  it("never throws: a loader crash becomes a failure object", async () => {
    const r = await bootImageJson(dtImage, { "host.dtb": new Uint8Array(8) }, { loadShim: () => Promise.reject(new TypeError("fetch failed")) });
    expect(r).toEqual({ ok: false, error: { kind: "input", message: "fetch failed" } });
  });
});

describe("serviceImageJson", () => {
  it("validates like boot and reports the missing boot flow", async () => {
    expect(await serviceImageJson({ vm: {}, hostDeviceTree: "x" }, {}, api)).toEqual({
      ok: false, error: { kind: "input", message: "invalid image: (image): an image needs exactly one of `vm` or `hostDeviceTree`" },
    });
    expect(await serviceImageJson({ vm: {} }, {}, api)).toEqual({ ok: false, error: { kind: "input", message: BOOT_FLOW_UNAVAILABLE } });
  });
});

describe("errorToFailure", () => {
  it("maps the error classes to the contract kinds", () => {
    expect(errorToFailure(new InputError("a"))).toEqual({ ok: false, error: { kind: "input", message: "a" } });
    expect(errorToFailure(new DtError("b"))).toEqual({ ok: false, error: { kind: "dt", message: "b" } });
    expect(errorToFailure(new ShimPanic("c", []))).toEqual({ ok: false, error: { kind: "panic", message: "c" } });
    expect(errorToFailure("d")).toEqual({ ok: false, error: { kind: "input", message: "d" } });
  });
});
