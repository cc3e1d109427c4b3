//! Fuzz target `persisted`: mutated SavedState payloads (the protobuf a previous boot left in the
//! persisted protobuf region) through the boot core's decoder, judged against protobufjs.
// Ports: vm/loader/loader_defs/src/shim.rs (save_restore) as openhcl_boot's host_params/dt/mod.rs
// decodes it (mesh_protobuf on the 16-page bump heap); reference decode in persisted_oracle.ts.
import { tryDecodeSavedState } from "../../shim/persisted_state.js";
import type { SavedState } from "../../persist/saved_state_proto.js";
import type { Shim } from "../../wasm/loader.js";
import { check } from "../oracle.js";
import type { Rng } from "../rng.js";
import { byteTarget, resultText } from "./bytes.js";
import { commonShape, referenceDecode } from "./persisted_oracle.js";
import { boringTopology, payloadFor, randomTopology } from "./persisted_seed.js";
import { PersistError } from "../../persist/save.js";
import { mutateWire } from "./protobuf_wire.js";
import { plugins, type PluginResult } from "./plugins.js";

/** Decodes a payload as openhcl_boot does: the SavedState (with heap use), or the shim's panic text. */
export function runSavedState(shim: Shim, payload: Uint8Array): PluginResult<unknown> {
  const r = tryDecodeSavedState(shim, payload);
  return r.ok ? { ok: true, value: r.state } : { ok: false, error: { kind: "panic", message: r.message } };
}

/** The SavedState fields of a decode (without the heap statistics). */
function fields(s: SavedState): SavedState {
  return {
    partitionMemory: s.partitionMemory,
    partitionMmio: s.partitionMmio,
    cpusWithMappedInterruptsNoIo: s.cpusWithMappedInterruptsNoIo,
    cpusWithOutstandingIo: s.cpusWithOutstandingIo,
  };
}

/** At most `n` characters of `s` (finding messages stay readable; reproducers hold the input). */
const clip = (s: string, n = 600): string => (s.length <= n ? s : `${s.slice(0, n)}… (${s.length} chars)`);

const ALLOC_FAILED = /^memory allocation of \d+ bytes failed$/;

/**
 * On payloads of the common wire shape that protobufjs accepts, the boot core must decode the
 * same values (or run out of shim heap). Outside that shape only the failure text is judged.
 */
export function compareWithProtobufjs(_shim: Shim, payload: Uint8Array, got: PluginResult<unknown>): string | null {
  if (!commonShape(payload)) return null;
  const want = referenceDecode(payload);
  const a = got.ok ? resultText({ ok: true, value: fields(got.value as SavedState) }) : resultText(got);
  if (!want) return check("persisted-protobufjs", false, () => `payload of the common wire shape rejected by protobufjs; boot core: ${clip(a)}`);
  if (!got.ok && ALLOC_FAILED.test(got.error.message)) return null; // the shim heap is smaller than protobufjs's
  const b = resultText({ ok: true, value: want });
  return check("persisted-protobufjs", a === b, () => `boot core and protobufjs decode differently:\n${clip(a)}\n--- protobufjs ---\n${clip(b)}`);
}

/** Builds the `persisted` target over the given seed payloads (saved topologies and the corpus). */
export const persistedTarget = (seeds: Uint8Array[] = []) =>
  byteTarget({
    name: "persisted",
    summary: "SavedState payloads saved from boot-like topologies, byte- and wire-mutated; decode equals protobufjs",
    ext: "bin",
    runner: () => plugins.persisted ?? runSavedState,
    missing: "the persisted-state decoder (assembly/openhcl_boot/host_params/dt/persisted/persisted_state.ts) is not wired (providePersistedRunner)",
    synthesize(rng: Rng) {
      try {
        return payloadFor(randomTopology(rng));
      } catch (e) {
        if (e instanceof PersistError) return payloadFor(boringTopology()); // a topology usermode would not save
        throw e;
      }
    },
    structuredMutate: mutateWire,
    crossCheck: compareWithProtobufjs,
    reproducer: (bytes, id) => ({ files: { [`${id}.bin`]: bytes }, replay: `hclboot fuzz --target persisted --replay {dir}/${id}.bin` }),
  }, seeds);
