//! Binding for the partition topology export (assembly/abi/partition.ts): runs read_from_dt on
//! explicit shim parameter values + a parsed host device tree, and decodes the result into the
//! docs/CONTRACT.md `boot --json` fields.
// Ports: none (host binding of assembly/abi/partition.ts)
import type { Shim } from "../wasm/loader.js";
import type { Reader } from "../wasm/codec.js";
import { envelope, PARTITION_INPUT, PARTITION_RESULT } from "../wasm/records.js";
import { hex } from "../wasm/codec.js";
import { DtError } from "../errors.js";
import type { BootOutput } from "../contract.js";
import { RecordWriter, MEMORY_VTL_TYPE_NAMES, type Range } from "./memory.js";
import { readMemoryAllocationMode, type MemoryAllocationMode } from "./host_fdt.js";

export type Isolation = "none" | "vbs" | "snp" | "tdx";
const ISOLATION: Isolation[] = ["none", "vbs", "snp", "tdx"];

/** Shim parameters read_from_dt uses (absolute guest physical addresses). */
export interface ShimValues {
  memoryStart: bigint; memorySize: bigint;
  parameterRegionStart: bigint; parameterRegionSize: bigint;
  vtl2ReservedStart?: bigint; vtl2ReservedSize?: bigint;
  sidecarBase?: bigint; sidecarSize?: bigint;
  used: Range; logBuffer: Range; heap: Range; persistedState: Range;
  isolation?: Isolation;
  commandLine?: { policy: "static" | "append-chosen" | number; text: string; valid?: boolean };
  importedRegions?: (Range & { accepted: boolean })[];
}

/** The parsed host device tree fields read_from_dt consumes. */
export interface HostDtValues {
  bootCpuidPhys?: number;
  cpus: { reg: bigint; vnode: number }[];
  memory: (Range & { vnode: number; igvmType: number })[];
  vmbusVtl0: { connectionId: number; mmio: Range[] } | null;
  vmbusVtl2: { connectionId: number; mmio: Range[] } | null;
  commandLine?: string;
  com3SerialAvailable?: boolean;
  memoryAllocationMode?: { mode: "host" } | { mode: "vtl2"; memorySize?: bigint; mmioSize?: bigint };
  deviceDmaPageCount?: bigint;
  nvmeKeepalive?: boolean;
  vtl0AliasMap?: bigint;
}

/** Extra inputs: an empty device tree area (first byte 0) and persisted header bytes. */
export interface ReadOptions {
  noDeviceTree?: boolean;
  persistedHeader?: Uint8Array;
}

export interface RamEntry { start: bigint; end: bigint; vnode: number; igvmType: number }
export interface AddressSpaceEntry { start: bigint; end: bigint; vnode: number; type: string }

/** Decoded PartitionInfo + address space. */
export interface PartitionResult {
  isolation: Isolation;
  memoryAllocationMode: MemoryAllocationMode;
  cpuCount: number;
  bspReg: number;
  vtl2Ram: RamEntry[];
  partitionRam: RamEntry[];
  vtl0Mmio: Range[];
  vtl2Mmio: Range[];
  vmbusVtl0ConnectionId: number;
  vmbusVtl2ConnectionId: number;
  addressSpace: AddressSpaceEntry[];
  hasVtl2Pool: boolean;
  cmdline: string;
  bootOptions: { confidentialDebug: boolean; enableVtl2GpaPool: string; sidecar: string; vtl2GpaPoolNumaSplit: boolean };
  com3SerialAvailable: boolean;
  nvmeKeepalive: boolean;
  vtl0AliasMap: bigint | null;
  sidecarPerCpuStateSpecified: boolean;
}

/** Encodes the read_from_dt input record (decoded by assembly/abi/records/partition_record.ts). */
export function encodePartitionRecord(shim: ShimValues, dt: HostDtValues, opts: ReadOptions = {}): Uint8Array {
  const w = new RecordWriter();
  w.u64(shim.memoryStart); w.u64(shim.memorySize);
  w.u64(shim.parameterRegionStart); w.u64(shim.parameterRegionSize);
  w.u64(shim.vtl2ReservedStart ?? 0n); w.u64(shim.vtl2ReservedSize ?? 0n);
  w.u64(shim.sidecarBase ?? 0n); w.u64(shim.sidecarSize ?? 0n);
  w.range(shim.used); w.range(shim.logBuffer); w.range(shim.heap); w.range(shim.persistedState);
  w.u32(ISOLATION.indexOf(shim.isolation ?? "none"));
  const cl = shim.commandLine ?? { policy: "static", text: "" };
  w.u32(cl.policy === "static" ? 0 : cl.policy === "append-chosen" ? 1 : cl.policy);
  w.u8(cl.valid === false ? 0 : 1);
  w.str(cl.text);
  const imp = shim.importedRegions ?? [];
  w.u32(imp.length);
  for (const r of imp) { w.range(r); w.u8(r.accepted ? 1 : 0); }
  w.u8(opts.noDeviceTree ? 0 : 0xd0);
  const hdr = opts.persistedHeader;
  w.u8(hdr ? 1 : 0);
  for (let i = 0; i < 32; i++) w.u8(hdr?.[i] ?? 0);
  w.u32(dt.bootCpuidPhys ?? 0);
  w.u32(dt.cpus.length);
  for (const c of dt.cpus) { w.u64(c.reg); w.u32(c.vnode); }
  w.u32(dt.memory.length);
  for (const m of dt.memory) { w.range(m); w.u32(m.igvmType); w.u32(m.vnode); }
  for (const v of [dt.vmbusVtl0, dt.vmbusVtl2]) {
    w.u8(v ? 1 : 0);
    w.u32(v?.connectionId ?? 0);
    w.u32(v?.mmio.length ?? 0);
    for (const r of v?.mmio ?? []) w.range(r);
  }
  w.str(dt.commandLine ?? "");
  w.u8(dt.com3SerialAvailable ? 1 : 0);
  const mode = dt.memoryAllocationMode ?? { mode: "host" };
  w.u8(mode.mode === "vtl2" ? 1 : 0);
  const ms = mode.mode === "vtl2" ? mode.memorySize : undefined;
  const mm = mode.mode === "vtl2" ? mode.mmioSize : undefined;
  w.u8(ms !== undefined ? 1 : 0); w.u64(ms ?? 0n);
  w.u8(mm !== undefined ? 1 : 0); w.u64(mm ?? 0n);
  w.u8(dt.deviceDmaPageCount !== undefined ? 1 : 0); w.u64(dt.deviceDmaPageCount ?? 0n);
  w.u8(dt.nvmeKeepalive ? 1 : 0);
  w.u8(dt.vtl0AliasMap !== undefined ? 1 : 0); w.u64(dt.vtl0AliasMap ?? 0n);
  return envelope(PARTITION_INPUT, w.bytes());
}

function ramList(r: Reader): RamEntry[] {
  const n = r.u32();
  const out: RamEntry[] = [];
  for (let i = 0; i < n; i++) out.push({ start: r.u64(), end: r.u64(), vnode: r.u32(), igvmType: r.u32() });
  return out;
}

function rangeList(r: Reader): Range[] {
  const n = r.u32();
  const out: Range[] = [];
  for (let i = 0; i < n; i++) out.push({ start: r.u64(), end: r.u64() });
  return out;
}

/** Decodes a partition result record (assembly/abi/records/partition_result.ts); a DtError record throws DtError
 * (with its `variant`, `source` and Rust `debug`). */
export function decodePartitionResult(stream: Reader): PartitionResult {
  const r = stream.record(PARTITION_RESULT);
  if (r.u8() !== 0) {
    const message = r.str();
    const variant = r.str();
    const source = r.str();
    const debug = r.str();
    r.end(PARTITION_RESULT.name);
    // The contract's message: the DtError's Display, then its source's Display when it has one.
    throw new DtError(source !== "" ? `${message}: ${source}` : message, { variant, source, debug });
  }
  const isolation = ISOLATION[r.u32()] ?? "none";
  const memoryAllocationMode = readMemoryAllocationMode(r);
  const cpuCount = r.u32();
  const bspReg = r.u32();
  const vtl2Ram = ramList(r);
  const partitionRam = ramList(r);
  const vtl0Mmio = rangeList(r);
  const vtl2Mmio = rangeList(r);
  const vmbusVtl0ConnectionId = r.u32();
  const vmbusVtl2ConnectionId = r.u32();
  const n = r.u32();
  const addressSpace: AddressSpaceEntry[] = [];
  for (let i = 0; i < n; i++) {
    const start = r.u64(), end = r.u64(), vnode = r.u32(), t = r.u32();
    addressSpace.push({ start, end, vnode, type: MEMORY_VTL_TYPE_NAMES[t] ?? String(t) });
  }
  const hasVtl2Pool = r.bool();
  const cmdline = r.str();
  const bootOptions = { confidentialDebug: r.bool(), enableVtl2GpaPool: r.str(), sidecar: r.str(), vtl2GpaPoolNumaSplit: r.bool() };
  const com3SerialAvailable = r.bool();
  const nvmeKeepalive = r.bool();
  const hasAlias = r.bool();
  const alias = r.u64();
  const sidecarPerCpuStateSpecified = r.bool();
  r.end(PARTITION_RESULT.name);
  return {
    isolation, memoryAllocationMode, cpuCount, bspReg, vtl2Ram, partitionRam, vtl0Mmio, vtl2Mmio,
    vmbusVtl0ConnectionId, vmbusVtl2ConnectionId, addressSpace, hasVtl2Pool, cmdline, bootOptions,
    com3SerialAvailable, nvmeKeepalive, vtl0AliasMap: hasAlias ? alias : null, sidecarPerCpuStateSpecified,
  };
}

/** Runs read_from_dt on explicit values. Throws DtError (kind "dt") or ShimPanic (kind "panic"). */
export function readFromDtValues(shim: Shim, values: ShimValues, dt: HostDtValues, opts: ReadOptions = {}): PartitionResult {
  shim.reset();
  const bytes = encodePartitionRecord(values, dt, opts);
  const p = shim.put(bytes);
  shim.call("partition_read_from_record", p, bytes.length);
  return decodePartitionResult(shim.out());
}

/** The docs/CONTRACT.md `boot --json` fields read_from_dt provides. */
export type PartitionJson = Pick<BootOutput, "isolation" | "memoryAllocationMode" | "cpuCount" | "vtl2Ram" | "partitionRam" | "vtl0Mmio" | "vtl2Mmio" | "addressSpace">;

/** The docs/CONTRACT.md `boot --json` fields this module provides, with hex strings. */
export function partitionJson(p: PartitionResult): PartitionJson {
  const range = (r: Range) => ({ start: hex(r.start), end: hex(r.end) });
  const ram = (e: RamEntry) => ({ start: hex(e.start), end: hex(e.end), vnode: e.vnode, igvmType: e.igvmType });
  return {
    isolation: p.isolation,
    memoryAllocationMode: p.memoryAllocationMode.mode === "host"
      ? { mode: "host" }
      : {
          mode: "vtl2",
          memorySize: p.memoryAllocationMode.memorySize === null ? null : hex(p.memoryAllocationMode.memorySize),
          mmioSize: p.memoryAllocationMode.mmioSize === null ? null : hex(p.memoryAllocationMode.mmioSize),
        },
    cpuCount: p.cpuCount,
    vtl2Ram: p.vtl2Ram.map(ram),
    partitionRam: p.partitionRam.map(ram),
    vtl0Mmio: p.vtl0Mmio.map(range),
    vtl2Mmio: p.vtl2Mmio.map(range),
    addressSpace: p.addressSpace.map((e) => ({ start: hex(e.start), end: hex(e.end), vnode: e.vnode, type: e.type })),
  };
}
