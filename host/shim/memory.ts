//! Binding for the address space manager script export (assembly/abi/memory.ts `memory_run`).
// Ports: none (host binding of assembly/abi/memory.ts)
import type { Shim } from "../wasm/loader.js";

/** A guest physical range, end exclusive. */
export interface Range {
  start: bigint;
  end: bigint;
}

/** MemoryVtlType names by value (loader_defs shim.rs). */
export const MEMORY_VTL_TYPE_NAMES = [
  "VTL0", "VTL2_RAM", "VTL2_CONFIG", "VTL2_SIDECAR_IMAGE", "VTL2_SIDECAR_NODE", "VTL0_MMIO", "VTL2_MMIO",
  "VTL2_RESERVED", "VTL2_GPA_POOL", "VTL2_TDX_PAGE_TABLES", "VTL2_BOOTSHIM_LOG_BUFFER",
  "VTL2_PERSISTED_STATE_HEADER", "VTL2_PERSISTED_STATE_PROTOBUF",
] as const;

/** ReservedMemoryType names by value (memory.rs). */
export const RESERVED_TYPE_NAMES = [
  "Vtl2Config", "Vtl2Reserved", "SidecarImage", "SidecarNode", "Vtl2GpaPool", "TdxPageTables",
  "BootshimLogBuffer", "PersistedStateHeader", "PersistedStatePayload",
] as const;

export type AllocationType = "GpaPool" | "SidecarNode" | "TdxPageTables";
export type AllocationPolicy = "LowMemory" | "HighMemory";

/** Builder inputs (AddressSpaceManagerBuilder::new + with_* calls). */
export interface BuilderSpec {
  vtl2Ram: (Range & { vnode: number })[];
  bootshimUsed: Range;
  persistedStateRegion: Range;
  vtl2Config: Range[];
  reservedRange?: Range;
  sidecarImage?: Range;
  logBuffer?: Range;
  /** One entry per with_pool_ranges call. */
  poolRanges?: Range[][];
}

/** One operation on the initialized manager. */
export type MemoryOp =
  | { op: "allocate"; vnode?: number; len: bigint; type: AllocationType; policy: AllocationPolicy }
  | { op: "allocateAligned"; vnode?: number; len: bigint; type: AllocationType; policy: AllocationPolicy; alignment: bigint }
  | { op: "freeRanges"; vnode: number }
  | { op: "vtl2Ranges" }
  | { op: "reservedVtl2Ranges" }
  | { op: "hasVtl2Pool" }
  | { op: "initAgain" };

export type InitResult = { ok: true } | { ok: false; message: string; debug: string };
export type OpResult =
  | { op: "allocate" | "allocateAligned"; range: (Range & { vnode: number }) | null }
  | { op: "freeRanges"; ranges: Range[] }
  | { op: "vtl2Ranges"; ranges: (Range & { type: string })[] }
  | { op: "reservedVtl2Ranges"; ranges: (Range & { type: string })[] }
  | { op: "hasVtl2Pool"; value: boolean }
  | { op: "initAgain"; init: InitResult };

class Writer {
  private parts: number[] = [];
  u8(v: number): void { this.parts.push(v & 0xff); }
  u32(v: number): void { for (let i = 0; i < 4; i++) this.parts.push((v >>> (8 * i)) & 0xff); }
  u64(v: bigint): void {
    const x = BigInt.asUintN(64, v);
    for (let i = 0n; i < 8n; i++) this.parts.push(Number((x >> (8n * i)) & 0xffn));
  }
  range(r: Range): void { this.u64(r.start); this.u64(r.end); }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    for (const x of b) this.parts.push(x);
  }
  bytes(): Uint8Array { return Uint8Array.from(this.parts); }
}
export { Writer as RecordWriter };

const TYPE_CODE: Record<AllocationType, number> = { GpaPool: 0, SidecarNode: 1, TdxPageTables: 2 };
const POLICY_CODE: Record<AllocationPolicy, number> = { LowMemory: 0, HighMemory: 1 };
const OP_CODE = { allocate: 1, allocateAligned: 2, freeRanges: 3, vtl2Ranges: 4, reservedVtl2Ranges: 5, hasVtl2Pool: 6, initAgain: 7 } as const;

/** Builds the builder, runs `ops`, and returns the init result and each op's result. Throws ShimPanic on a panic. */
export function runAddressSpace(shim: Shim, spec: BuilderSpec, ops: MemoryOp[]): { init: InitResult; results: OpResult[] } {
  const w = new Writer();
  w.u32(spec.vtl2Ram.length);
  for (const e of spec.vtl2Ram) { w.range(e); w.u32(e.vnode); }
  w.range(spec.bootshimUsed);
  w.range(spec.persistedStateRegion);
  w.u32(spec.vtl2Config.length);
  for (const r of spec.vtl2Config) w.range(r);
  for (const opt of [spec.reservedRange, spec.sidecarImage, spec.logBuffer]) {
    w.u8(opt ? 1 : 0);
    if (opt) w.range(opt);
  }
  const pools = spec.poolRanges ?? [];
  w.u32(pools.length);
  for (const set of pools) { w.u32(set.length); for (const r of set) w.range(r); }
  w.u32(ops.length);
  for (const op of ops) {
    w.u8(OP_CODE[op.op]);
    if (op.op === "allocate" || op.op === "allocateAligned") {
      w.u64(op.vnode === undefined ? -1n : BigInt(op.vnode));
      w.u64(op.len);
      w.u32(TYPE_CODE[op.type]);
      w.u32(POLICY_CODE[op.policy]);
      if (op.op === "allocateAligned") w.u64(op.alignment);
    } else if (op.op === "freeRanges") {
      w.u32(op.vnode);
    }
  }
  shim.reset();
  const bytes = w.bytes();
  const p = shim.put(bytes);
  shim.call("memory_run", p, bytes.length);
  const r = shim.out();
  const readInit = (): InitResult => (r.u8() === 0 ? { ok: true } : { ok: false, message: r.str(), debug: r.str() });
  const init = readInit();
  const results: OpResult[] = [];
  const list = (names?: readonly string[]) => {
    const n = r.u32();
    const out: (Range & { type: string; tag: number })[] = [];
    for (let i = 0; i < n; i++) {
      const start = r.u64(), end = r.u64(), tag = r.u32();
      out.push({ start, end, tag, type: names ? names[tag] ?? String(tag) : "" });
    }
    return out;
  };
  for (const op of ops) {
    if (op.op === "allocate" || op.op === "allocateAligned") {
      results.push({ op: op.op, range: r.u8() === 0 ? null : { start: r.u64(), end: r.u64(), vnode: r.u32() } });
    } else if (op.op === "freeRanges") {
      results.push({ op: op.op, ranges: list().map(({ start, end }) => ({ start, end })) });
    } else if (op.op === "vtl2Ranges") {
      results.push({ op: op.op, ranges: list(MEMORY_VTL_TYPE_NAMES).map(({ start, end, type }) => ({ start, end, type })) });
    } else if (op.op === "reservedVtl2Ranges") {
      results.push({ op: op.op, ranges: list(RESERVED_TYPE_NAMES).map(({ start, end, type }) => ({ start, end, type })) });
    } else if (op.op === "hasVtl2Pool") {
      results.push({ op: op.op, value: r.u8() !== 0 });
    } else {
      results.push({ op: op.op, init: readInit() });
    }
  }
  return { init, results };
}
