//! Boot core self-test: proves the WASM instance runs (result stream, boot log, panic reporting).
// Ports: none (host plumbing check shared by `hclboot selftest` and the browser playground)
import { Shim, ShimPanic } from "../wasm/loader.js";

/** What the self-test saw. */
export interface SelftestResult {
  ok: boolean;
  /** The record round trip (u32, u64, string) came back intact. */
  records: boolean;
  /** A requested panic came back as a ShimPanic with its exact message. */
  panics: boolean;
  /** Boot log lines of the successful call. */
  log: string[];
  /** Bytes of WASM linear memory in use afterwards. */
  memoryBytes: number;
}

/** Runs `runtime_selftest` twice (a record round trip, then a requested panic) on `shim`. */
export function runSelftest(shim: Shim): SelftestResult {
  shim.reset();
  shim.call("runtime_selftest", 0, 7n);
  const r = shim.out();
  const records = r.u32() === 0 && r.u64() === 7n && r.str() === "ok" && r.remaining === 0;
  const log = shim.log().slice();
  let panics = false;
  try {
    shim.reset();
    shim.call("runtime_selftest", 1, 0xabcn);
  } catch (e) {
    panics = e instanceof ShimPanic && e.message === "selftest panic value=0xabc";
  }
  shim.reset();
  return { ok: records && panics, records, panics, log, memoryBytes: shim.memoryBytes() };
}
