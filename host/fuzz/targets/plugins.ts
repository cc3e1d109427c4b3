//! Where boot-core modules that are merged later plug into the fuzzer (one setter per target).
// Ports: nothing upstream (wiring of host/fuzz/targets/{dt,persisted,boot}.ts).
import type { Shim } from "../../wasm/loader.js";
import type { BootOutput, Failure as FailureOutput } from "../../contract.js";

/** Outcome of running a boot-core entry on one input: its contract JSON, or the failure object. */
export type PluginResult<T> = { ok: true; value: T } | FailureOutput;

/** Parses a host device tree blob as `hclboot dt` does (CONTRACT `dt --json` object on success). */
export type DtRunner = (shim: Shim, dtb: Uint8Array) => PluginResult<unknown>;
/** Decodes a SavedState payload (the persisted protobuf region's bytes) into a JSON-able summary. */
export type PersistedRunner = (shim: Shim, region: Uint8Array) => PluginResult<unknown>;
/** Boots one image object (validated like an image file) and returns the CONTRACT boot output. */
export type BootRunner = (shim: Shim, image: unknown) => PluginResult<BootOutput>;

/**
 * Runner overrides. `dt` and `persisted` default to the boot core's parser and decoder
 * (host/fuzz/targets/dt.ts, persisted.ts); `boot` is undefined until the boot harness is wired
 * (the target then reports "not available in this build").
 */
export const plugins: { dt?: DtRunner; persisted?: PersistedRunner; boot?: BootRunner } = {};

/** Wires the host device-tree parser into the `dt` target. */
export function provideDtRunner(run: DtRunner): void {
  plugins.dt = run;
}

/** Wires the persisted-state decoder into the `persisted` target. */
export function providePersistedRunner(run: PersistedRunner): void {
  plugins.persisted = run;
}

/** Wires the boot harness (`bootImage(image)`) into the `boot` target. */
export function provideBootRunner(run: BootRunner): void {
  plugins.boot = run;
}
