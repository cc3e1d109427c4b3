//! Fuzz target `persisted`: mutated persisted-state regions (header + SavedState protobuf).
// Ports: vm/loader/loader_defs/src/shim.rs (save_restore) as read by host_params/dt/mod.rs.
import type { Rng } from "../rng.js";
import { byteTarget } from "./bytes.js";
import { plugins } from "./plugins.js";

const HEADER_MAGIC = 0x5244485048434c4fn; // "OHCLPHDR" little-endian

/** A synthetic region: the header page (magic, protobuf base/len fields) and a few protobuf bytes. */
function synthesize(rng: Rng): Uint8Array {
  const b = new Uint8Array(0x2000);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, HEADER_MAGIC, true);
  v.setBigUint64(8, 0x1000n, true);
  v.setBigUint64(16, 0x1000n, true);
  v.setBigUint64(24, BigInt(rng.below(32)), true);
  for (let i = 0; i < 32; i++) b[0x1000 + i] = rng.below(256);
  return b;
}

/** Builds the `persisted` target over the given seed regions (images/ and the corpus). */
export const persistedTarget = (seeds: Uint8Array[] = []) =>
  byteTarget({
    name: "persisted",
    summary: "mutated persisted-state regions (header fields, protobuf lengths) from previous boots",
    ext: "bin",
    runner: () => plugins.persisted,
    missing: "the persisted-state decoder (assembly/persisted_state.ts) is not wired (providePersistedRunner)",
    synthesize,
    reproducer: (bytes, id) => ({ files: { [`${id}.bin`]: bytes }, replay: `hclboot fuzz --target persisted --replay {dir}/${id}.bin` }),
  }, seeds);
