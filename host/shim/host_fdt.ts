//! Typed bindings for the boot core's device tree exports (assembly/abi/host_fdt.ts): the host
//! device tree as openhcl_boot parses it, a generic FDT dump, and the in-WASM timing loop.
// Ports: none (host binding of assembly/abi/host_fdt.ts)
import type { Shim } from "../wasm/loader.js";
import type { Reader } from "../wasm/codec.js";
import { HOST_FDT_RESULT } from "../wasm/records.js";
import { DtError } from "../errors.js";
import { benchClockMs } from "./bench.js";

/** A range [start, end). */
export interface Range {
  start: bigint;
  end: bigint;
}

/** One enabled CPU. */
export interface CpuEntry {
  reg: bigint;
  vnode: number;
}

/** One memory entry: range, igvm memory type and NUMA node. */
export interface MemoryEntry extends Range {
  igvmType: number;
  vnode: number;
}

/** A VMBus root node. */
export interface VmbusInfo {
  connectionId: number;
  mmio: Range[];
}

/** arm64 GICv3 layout. */
export interface GicInfo {
  distributorBase: bigint;
  distributorSize: bigint;
  redistributorsBase: bigint;
  redistributorsSize: bigint;
  redistributorStride: bigint;
}

/** OpenHCL's memory allocation mode. */
export type MemoryAllocationMode =
  | { mode: "host" }
  | { mode: "vtl2"; memorySize: bigint | null; mmioSize: bigint | null };

/** Decodes a memory allocation mode the boot core wrote with `outMemoryAllocationMode`. */
export function readMemoryAllocationMode(r: Reader): MemoryAllocationMode {
  const vtl2 = r.bool();
  const hasMem = r.bool();
  const mem = r.u64();
  const hasMmio = r.bool();
  const mmio = r.u64();
  return vtl2 ? { mode: "vtl2", memorySize: hasMem ? mem : null, mmioSize: hasMmio ? mmio : null } : { mode: "host" };
}

/** Everything openhcl_boot reads from the host device tree (upstream `ParsedDeviceTree`). */
export interface HostDeviceTree {
  deviceTreeSize: number;
  bootCpuidPhys: number;
  cpus: CpuEntry[];
  memory: MemoryEntry[];
  vmbusVtl0: VmbusInfo | null;
  vmbusVtl2: VmbusInfo | null;
  commandLine: string;
  com3Serial: boolean;
  gic: GicInfo | null;
  pmuGsiv: number | null;
  memoryAllocationMode: MemoryAllocationMode;
  entropy: Uint8Array | null;
  deviceDmaPageCount: bigint | null;
  nvmeKeepalive: boolean;
  vtl0AliasMap: bigint | null;
}

/** Outcome of a parse: the tree, or upstream's error (kind number, Display text; `{:?}` text on request). */
export type HostDtResult = { ok: true; tree: HostDeviceTree } | { ok: false; kind: number; message: string; debug?: string };

function readVmbus(r: Reader): VmbusInfo | null {
  if (!r.bool()) return null;
  const connectionId = r.u32();
  const n = r.u32();
  const mmio: Range[] = [];
  for (let i = 0; i < n; i++) mmio.push({ start: r.u64(), end: r.u64() });
  return { connectionId, mmio };
}

function readTree(r: Reader): HostDeviceTree {
  const deviceTreeSize = r.u32();
  const bootCpuidPhys = r.u32();
  const cpus: CpuEntry[] = [];
  for (let i = 0, n = r.u32(); i < n; i++) cpus.push({ reg: r.u64(), vnode: r.u32() });
  const memory: MemoryEntry[] = [];
  for (let i = 0, n = r.u32(); i < n; i++) memory.push({ start: r.u64(), end: r.u64(), igvmType: r.u32(), vnode: r.u32() });
  const vmbusVtl0 = readVmbus(r);
  const vmbusVtl2 = readVmbus(r);
  const commandLine = new TextDecoder().decode(r.bytesField());
  const com3Serial = r.bool();
  const gic = r.bool()
    ? {
        distributorBase: r.u64(),
        distributorSize: r.u64(),
        redistributorsBase: r.u64(),
        redistributorsSize: r.u64(),
        redistributorStride: r.u64(),
      }
    : null;
  const hasPmu = r.bool();
  const pmu = r.u32();
  const memoryAllocationMode = readMemoryAllocationMode(r);
  const hasEntropy = r.bool();
  const entropyBytes = r.bytesField();
  const hasDma = r.bool();
  const dma = r.u64();
  const nvmeKeepalive = r.bool();
  const hasAlias = r.bool();
  const alias = r.u64();
  return {
    deviceTreeSize,
    bootCpuidPhys,
    cpus,
    memory,
    vmbusVtl0,
    vmbusVtl2,
    commandLine,
    com3Serial,
    gic,
    pmuGsiv: hasPmu ? pmu : null,
    memoryAllocationMode,
    entropy: hasEntropy ? entropyBytes : null,
    deviceDmaPageCount: hasDma ? dma : null,
    nvmeKeepalive,
    vtl0AliasMap: hasAlias ? alias : null,
  };
}

/**
 * Parses a host device tree blob as openhcl_boot does. `upstreamOrder` forces upstream's lazy
 * walk instead of the single-pass one (same results; used to compare them); `debug` adds the
 * error's Rust `{:?}` text. A shim panic (as upstream's `expect` would) throws ShimPanic.
 */
export function tryParseHostDt(shim: Shim, blob: Uint8Array, opts: { upstreamOrder?: boolean; debug?: boolean } = {}): HostDtResult {
  shim.reset();
  const p = shim.put(blob);
  shim.call("host_fdt_parse", p, blob.length, opts.upstreamOrder ? 1 : 0);
  const r = shim.out().record(HOST_FDT_RESULT);
  if (!r.bool()) {
    const kind = r.u32();
    const message = r.str();
    const debug = r.str();
    r.end(HOST_FDT_RESULT.name);
    return opts.debug ? { ok: false, kind, message, debug } : { ok: false, kind, message };
  }
  const tree = readTree(r);
  r.end(HOST_FDT_RESULT.name);
  return { ok: true, tree };
}

/** Parses a host device tree blob; a parse error throws DtError with upstream's message. */
export function parseHostDt(shim: Shim, blob: Uint8Array): HostDeviceTree {
  const r = tryParseHostDt(shim, blob);
  if (!r.ok) throw new DtError(r.message);
  return r.tree;
}

/** A node of a generic FDT dump. */
export interface FdtDumpNode {
  name: string;
  properties: { name: string; data: Uint8Array }[];
  children: FdtDumpNode[];
}

/** A whole blob as the generic FDT parser sees it. */
export interface FdtDump {
  totalSize: number;
  bootCpuidPhys: number;
  reservations: { address: bigint; size: bigint }[];
  root: FdtDumpNode;
}

/** Walks any FDT blob with the generic parser; a parse error throws DtError with its text. */
export function dumpFdt(shim: Shim, blob: Uint8Array): FdtDump {
  shim.reset();
  const p = shim.put(blob);
  shim.call("fdt_dump", p, blob.length);
  const r = shim.out();
  if (!r.bool()) throw new DtError(r.str());
  const totalSize = r.u32();
  const bootCpuidPhys = r.u32();
  const reservations = [];
  for (let i = 0, n = r.u32(); i < n; i++) reservations.push({ address: r.u64(), size: r.u64() });
  const dec = new TextDecoder();
  const stack: FdtDumpNode[] = [];
  let root: FdtDumpNode | undefined;
  while (r.remaining > 0) {
    const tag = r.u8();
    if (tag === 1) {
      const node: FdtDumpNode = { name: dec.decode(r.bytesField()), properties: [], children: [] };
      if (stack.length > 0) stack[stack.length - 1].children.push(node);
      else root = node;
      stack.push(node);
    } else if (tag === 3) {
      const name = dec.decode(r.bytesField());
      stack[stack.length - 1].properties.push({ name, data: r.bytesField() });
    } else {
      stack.pop();
    }
  }
  return { totalSize, bootCpuidPhys, reservations, root: root! };
}

/** Parses `blob` `iterations` times inside WASM; returns the elapsed milliseconds (benchClockMs). */
export function benchHostDt(shim: Shim, blob: Uint8Array, iterations: number, upstreamOrder = false): number {
  shim.reset();
  const p = shim.put(blob);
  const t0 = benchClockMs();
  const cpus = shim.call<number>("host_fdt_bench", p, blob.length, iterations, upstreamOrder ? 1 : 0);
  const ms = benchClockMs() - t0;
  if (cpus < 0) throw new DtError("benchmark blob does not parse");
  return ms;
}
