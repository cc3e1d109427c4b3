//! Browser stand-in for the one Node `Buffer` call @wasmer/wasi makes: decoding its embedded WASM.
// Ports: none (bundling glue; esbuild injects it into the playground bundle only, never global)
//
// @wasmer/wasi's `init()` turns its inlined `data:application/wasm;base64,…` URI into bytes with
// `Buffer.from(data, "base64")`, which browsers lack. The web build (scripts/build.mjs) injects
// this module for free `Buffer` references, so the same loader code runs in Node and the browser.

/** The subset of Node's Buffer the bundle uses. */
export const Buffer = {
  /** Decodes a base64 or ASCII string to bytes. */
  from(data: string, encoding: string): Uint8Array {
    if (encoding === "base64") {
      const bin = atob(data);
      const out = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out;
    }
    if (encoding === "ascii") {
      const out = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = data.charCodeAt(i) & 0x7f;
      return out;
    }
    throw new Error(`Buffer.from: encoding '${encoding}' is not supported in the browser bundle`);
  },
};
