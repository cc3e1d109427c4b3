//! Exports of the runtime every host call sequence uses: arena, log, panic and result stream.
// Ports: none (host plumbing of the boot core runtime)
export { arena_reset, arena_alloc, memory_bytes } from "../rt/arena";
export { log_flush, log_set_enabled } from "../rt/log";
export { panic_clear, panic_message_ptr, panic_message_len } from "../rt/panic";
export { out_ptr, out_len } from "../rt/out";

import { panic } from "../rt/panic";
import { outBegin, outU32, outU64, outStr } from "../rt/out";
import { log } from "../rt/log";

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
