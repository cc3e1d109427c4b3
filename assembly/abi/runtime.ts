//! Exports of the runtime every host call sequence uses: reset, input allocation, the boot log and
//! one status block (where the result stream and the last panic message are).
// Ports: none (host plumbing of the boot core runtime)
export { arena_alloc } from "../rt/arena";
export { log_flush, log_set_enabled } from "../rt/log";

import { arena_reset } from "../rt/arena";
import { panic, panic_clear, panic_message_ptr, panic_message_len } from "../rt/panic";
import { outBegin, outU32, outU64, outStr, out_ptr, out_len } from "../rt/out";
import { log } from "../rt/log";

// The status block abi_status fills: four little-endian u32 (host/wasm/loader.ts reads them).
const STATUS: usize = memory.data(16);

/** Starts a call sequence: rewinds the arena and clears the panic message. */
export function abi_reset(): void {
  arena_reset();
  panic_clear();
}

/**
 * Fills the status block and returns its address: u32 result stream pointer, u32 result stream
 * length, u32 panic message pointer, u32 panic message length (0 when the last trap was no panic).
 */
export function abi_status(): usize {
  store<u32>(STATUS, <u32>out_ptr());
  store<u32>(STATUS, out_len(), 4);
  store<u32>(STATUS, <u32>panic_message_ptr(), 8);
  store<u32>(STATUS, panic_message_len(), 12);
  return STATUS;
}

/** Self-test of the call plumbing: logs, writes a record, or panics with a message on request. */
export function runtime_selftest(mode: u32, value: u64): void {
  outBegin();
  log("selftest " + mode.toString());
  if (mode == 1) panic("selftest panic value=0x" + value.toString(16));
  if (mode == 2) {
    const a = new StaticArray<u32>(2);
    const i = <i32>value;
    a[i] = 1; // out of bounds when value >= 2: AssemblyScript aborts, reported as a panic
  }
  outU32(mode);
  outU64(value);
  outStr("ok");
}
