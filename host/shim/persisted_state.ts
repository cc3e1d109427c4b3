//! Typed bindings for the persisted-state exports (assembly/abi/persisted_state.ts).
// Ports: none (host binding of assembly/abi/persisted_state.ts and persisted_topology.ts)
import type { Shim } from "../wasm/loader.js";
import type { Reader } from "../wasm/codec.js";
import type { SavedState } from "../persist/saved_state_proto.js";
import { PERSISTED_HEADER_RESULT } from "../wasm/records.js";

/** The shim's bootshim heap size: 16 pages (vm/loader/src/paravisor.rs). */
export const SHIM_HEAP_SIZE = 16n * 4096n;

/** `PersistedStateHeader` as read by the shim. */
export interface PersistedStateHeader {
  magic: bigint;
  protobufBase: bigint;
  protobufRegionLen: bigint;
  protobufPayloadLen: bigint;
}

/** A decoded SavedState plus the bump-heap statistics the shim logs. */
export interface DecodedSavedState extends SavedState {
  heap: { allocated: bigint; allocations: number; free: bigint };
}

/** Reads the header at `start` from the shim's guest memory; null without magic or when isolated. */
export function readPersistedRegionHeader(shim: Shim, isolated: boolean, start: bigint): PersistedStateHeader | null {
  shim.reset();
  shim.call("persisted_header_read", isolated ? 1 : 0, start);
  const r = shim.out().record(PERSISTED_HEADER_RESULT);
  if (!r.bool()) {
    r.end(PERSISTED_HEADER_RESULT.name);
    return null;
  }
  const h = { magic: r.u64(), protobufBase: r.u64(), protobufRegionLen: r.u64(), protobufPayloadLen: r.u64() };
  r.end(PERSISTED_HEADER_RESULT.name);
  return h;
}

function readState(r: Reader): DecodedSavedState {
  const partitionMemory = [];
  for (let n = r.u32(), i = 0; i < n; i++) {
    partitionMemory.push({ start: r.u64(), end: r.u64(), vnode: r.u32(), vtlType: r.u32(), igvmType: r.u32() });
  }
  const partitionMmio = [];
  for (let n = r.u32(), i = 0; i < n; i++) partitionMmio.push({ start: r.u64(), end: r.u64(), vtlType: r.u32() });
  const noIo: number[] = [];
  for (let n = r.u32(), i = 0; i < n; i++) noIo.push(r.u32());
  const io: number[] = [];
  for (let n = r.u32(), i = 0; i < n; i++) io.push(r.u32());
  const heap = { allocated: r.u64(), allocations: r.u32(), free: r.u64() };
  return { partitionMemory, partitionMmio, cpusWithMappedInterruptsNoIo: noIo, cpusWithOutstandingIo: io, heap };
}

/**
 * Decodes payload bytes as openhcl_boot does (log lines in `shim.log()`); throws ShimPanic with
 * the shim's message on failure. `heapStart` only matters for alignment (page aligned upstream).
 */
export function decodeSavedState(shim: Shim, payload: Uint8Array, heapSize = SHIM_HEAP_SIZE, heapStart = 0x10_0000n): DecodedSavedState {
  shim.reset();
  const p = shim.put(payload);
  shim.call("saved_state_decode", p, payload.length, heapStart, heapSize);
  return readState(shim.out());
}

/** Decodes the payload at guest address `base` (the shim reads guest memory). */
export function decodeSavedStateFromGuest(shim: Shim, base: bigint, len: bigint, heapSize = SHIM_HEAP_SIZE, heapStart = 0x10_0000n): DecodedSavedState {
  shim.reset();
  shim.call("saved_state_decode_guest", base, len, heapStart, heapSize);
  return readState(shim.out());
}

/** Decode without panicking: the decoded state or the exact failure text. */
export function tryDecodeSavedState(shim: Shim, payload: Uint8Array, heapSize = SHIM_HEAP_SIZE, heapStart = 0x10_0000n): { ok: true; state: DecodedSavedState } | { ok: false; code: number; message: string } {
  shim.reset();
  const p = shim.put(payload);
  shim.call("saved_state_try_decode", p, payload.length, heapStart, heapSize);
  const r = shim.out();
  const code = r.u32();
  if (code !== 0) return { ok: false, code, message: r.str() };
  return { ok: true, state: readState(r) };
}

/** Result of `persisted_topology_parts`: what the next boot takes over from the saved state. */
export interface PersistedTopologyParts {
  vtl2Ram: { start: bigint; end: bigint; igvmType: number; vnode: number }[];
  persistedRegion: { start: bigint; end: bigint };
  poolRanges: { start: bigint; end: bigint }[];
  vtl0Mmio: { start: bigint; end: bigint }[];
  vtl2Mmio: { start: bigint; end: bigint }[];
  /** 0 nothing to do, 1 CPUs excluded from sidecar, 2 sidecar disabled. */
  sidecar: number;
  kernelStartedCpus: number[];
}

function ranges(r: Reader): { start: bigint; end: bigint }[] {
  const out = [];
  for (let n = r.u32(), i = 0; i < n; i++) out.push({ start: r.u64(), end: r.u64() });
  return out;
}

/** Runs the persisted-topology steps against the persisted region [start, end) in guest memory. */
export function persistedTopologyParts(
  shim: Shim,
  start: bigint,
  end: bigint,
  opts: { cpuCount?: number; sidecarEnabled?: boolean; heapSize?: bigint; heapStart?: bigint } = {},
): PersistedTopologyParts | null {
  shim.reset();
  shim.call("persisted_topology_parts", start, end, opts.heapStart ?? 0x10_0000n, opts.heapSize ?? SHIM_HEAP_SIZE, opts.cpuCount ?? 1, opts.sidecarEnabled ? 1 : 0);
  const r = shim.out();
  if (!r.bool()) return null;
  const vtl2Ram = [];
  for (let n = r.u32(), i = 0; i < n; i++) vtl2Ram.push({ start: r.u64(), end: r.u64(), igvmType: r.u32(), vnode: r.u32() });
  const persistedRegion = { start: r.u64(), end: r.u64() };
  const poolRanges = ranges(r);
  const vtl0Mmio = ranges(r);
  const vtl2Mmio = ranges(r);
  const sidecar = r.u32();
  const kernelStartedCpus: number[] = [];
  for (let n = r.u32(), i = 0; i < n; i++) kernelStartedCpus.push(r.u32());
  return { vtl2Ram, persistedRegion, poolRanges, vtl0Mmio, vtl2Mmio, sidecar, kernelStartedCpus };
}
