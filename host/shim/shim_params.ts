//! Typed binding of assembly/abi/shim_params.ts: reads ShimParams through the boot core from the
//! guest memory attached to the Shim (shim.setGuest) and decodes every field.
// Ports: none (host binding of assembly/abi/shim_params.ts)
import type { Shim } from "../wasm/loader.js";
import type { Reader } from "../wasm/codec.js";
import type { ShimParamsAddresses, ImportedRegionInput } from "../vtl2/load.js";
import type { Area } from "../vtl2/layout.js";
import { SHIM_PARAMS_RESULT } from "../wasm/records.js";

/** Architecture codes of the boot core. */
export const ARCH_CODE = { x86_64: 0, aarch64: 1 } as const;
/** `IsolationType` names by code. */
export const ISOLATION_NAMES = ["none", "vbs", "snp", "tdx", "cca"] as const;

/** Everything the shim derives from its build-time parameters. */
export interface ShimParamsReadout extends ShimParamsAddresses {
  isolationType: (typeof ISOLATION_NAMES)[number];
  secretsStart: bigint;
  cpuidStart: bigint;
  dtStart: bigint;
  dtSize: bigint;
  commandLine: { policy: number; staticCommandLineLen: number; text: string | null };
  importedRegions: ImportedRegionInput[];
  importedRegionsHash: Uint8Array;
}

/** Where the shim finds its parameters and what the hypervisor reports. */
export interface ShimLocation {
  shimBase: bigint;
  /** Offset of ShimParamsRaw from the shim base (rsi / x0 at entry). */
  shimParamsOffset: bigint;
  arch: keyof typeof ARCH_CODE;
  /** CPUID reports VBS isolation. */
  hvIsolation: boolean;
}

function range(r: Reader): Area {
  return { start: r.u64(), end: r.u64() };
}

/** Runs `ShimParams.read` in the boot core and decodes all fields (throws ShimPanic on a panic). */
export function readShimParams(shim: Shim, at: ShimLocation): ShimParamsReadout {
  shim.reset();
  shim.call("shim_params_read", at.shimBase, BigInt.asIntN(64, at.shimParamsOffset), ARCH_CODE[at.arch], at.hvIsolation ? 1 : 0);
  const r = shim.out().record(SHIM_PARAMS_RESULT);
  const out: ShimParamsReadout = {
    kernelEntryAddress: r.u64(),
    cmdlineBase: r.u64(),
    initrdBase: r.u64(),
    initrdSize: r.u64(),
    initrdCrc: r.u32(),
    memoryStartAddress: r.u64(),
    memorySize: r.u64(),
    parameterRegionStart: r.u64(),
    parameterRegionSize: r.u64(),
    vtl2ReservedRegionStart: r.u64(),
    vtl2ReservedRegionSize: r.u64(),
    isolationType: ISOLATION_NAMES[r.u32()],
    sidecarEntryAddress: r.u64(),
    sidecarBase: r.u64(),
    sidecarSize: r.u64(),
    used: range(r),
    bounceBuffer: r.bool() ? range(r) : null,
    logBuffer: range(r),
    heap: range(r),
    persistedState: range(r),
    secretsStart: r.u64(),
    cpuidStart: r.u64(),
    dtStart: r.u64(),
    dtSize: r.u64(),
    commandLine: { policy: 0, staticCommandLineLen: 0, text: null },
    importedRegions: [],
    importedRegionsHash: new Uint8Array(0),
  };
  const policy = r.u32();
  const len = r.u32();
  const valid = r.bool();
  const text = r.str();
  out.commandLine = { policy, staticCommandLineLen: len, text: valid ? text : null };
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const rg = range(r);
    out.importedRegions.push({ ...rg, accepted: r.bool() });
  }
  out.importedRegionsHash = r.bytesField();
  r.end(SHIM_PARAMS_RESULT.name);
  return out;
}

/** Runs `ShimParams.deviceTree()` and returns the device tree area's bytes. */
export function readShimDeviceTree(shim: Shim, at: ShimLocation): Uint8Array {
  shim.reset();
  shim.call("shim_params_device_tree", at.shimBase, BigInt.asIntN(64, at.shimParamsOffset), ARCH_CODE[at.arch], at.hvIsolation ? 1 : 0);
  return shim.out().bytesField();
}
