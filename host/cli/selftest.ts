// `hclboot selftest`: loads the boot core and checks the call plumbing (log, records, panics).
import { loadShim } from "../wasm/node.js";
import { ShimPanic } from "../wasm/loader.js";
import type { Command } from "./commands.js";

export const selftestCommand: Command = {
  summary: "load the WASM boot core and check its call plumbing",
  async run() {
    const shim = await loadShim();
    shim.reset();
    shim.call("runtime_selftest", 0, 7n);
    const r = shim.out();
    const ok = r.u32() === 0 && r.u64() === 7n && r.str() === "ok";
    let panicked = false;
    try {
      shim.reset();
      shim.call("runtime_selftest", 1, 0xabcn);
    } catch (e) {
      panicked = e instanceof ShimPanic && e.message === "selftest panic value=0xabc";
    }
    console.log(`boot core: ${ok && panicked ? "ok" : "BROKEN"} (${shim.memoryBytes()} bytes of linear memory)`);
    return ok && panicked ? 0 : 1;
  },
};
