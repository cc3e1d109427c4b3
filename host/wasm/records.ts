//! The records that cross host <-> WASM, described once: each record's id, version and fields
//! (name, type, in wire order). Every record travels in an envelope (u16 id, u16 version, u32 body
//! length); a reader that consumes fewer or more bytes than the body is an internal error. The
//! schema walker here decodes and re-encodes any record from its table, which the tests use to
//! check both the AssemblyScript writers/readers (assembly/abi/records/) and the TypeScript ones
//! (host/shim/) against the table.
// Ports: none (host plumbing)
import { Reader, RecordError } from "./codec.js";

/** A field's wire type. Lists are a u32 count then the items; unions a u8 tag then that branch. */
export type FieldType =
  | "u8" | "u32" | "u64" | "str" | "bytes"
  | { fixed: number }
  | { struct: readonly Field[] }
  | { list: readonly Field[]; afterCount?: readonly Field[] }
  | { union: Readonly<Record<number, readonly Field[]>> };
/** One field: its name and wire type. */
export type Field = readonly [name: string, type: FieldType];

/** One record: envelope id and version, direction, and its fields in wire order. */
export interface RecordSchema {
  readonly name: string;
  readonly id: number;
  readonly version: number;
  /** Who writes it. */
  readonly writer: "host" | "wasm";
  readonly fields: readonly Field[];
}

/** Bytes of the envelope before a record's body. */
export const RECORD_HEADER_BYTES = 8;

const range: Field[] = [["start", "u64"], ["end", "u64"]];
const entry: Field[] = [["start", "u64"], ["end", "u64"], ["vnode", "u32"], ["memType", "u32"]];
const allocationMode: FieldType = {
  struct: [["vtl2", "u8"], ["hasMemorySize", "u8"], ["memorySize", "u64"], ["hasMmioSize", "u8"], ["mmioSize", "u64"]],
};

/** read_from_dt input: shim parameter values + the parsed host device tree (host/shim/partition.ts). */
export const PARTITION_INPUT: RecordSchema = {
  name: "partition input", id: 1, version: 1, writer: "host",
  fields: [
    ["memoryStart", "u64"], ["memorySize", "u64"], ["parameterRegionStart", "u64"], ["parameterRegionSize", "u64"],
    ["vtl2ReservedStart", "u64"], ["vtl2ReservedSize", "u64"], ["sidecarBase", "u64"], ["sidecarSize", "u64"],
    ["used", { struct: range }], ["logBuffer", { struct: range }], ["heap", { struct: range }], ["persistedState", { struct: range }],
    ["isolation", "u32"], ["commandLinePolicy", "u32"], ["commandLineValid", "u8"], ["commandLine", "str"],
    ["importedRegions", { list: [...range, ["accepted", "u8"]] }],
    ["dtFirstByte", "u8"], ["hasPersistedHeader", "u8"], ["persistedHeader", { fixed: 32 }],
    ["bootCpuidPhys", "u32"], ["cpus", { list: [["reg", "u64"], ["vnode", "u32"]] }],
    ["memory", { list: [...range, ["igvmType", "u32"], ["vnode", "u32"]] }],
    ["vmbusVtl0", { struct: [["present", "u8"], ["connectionId", "u32"], ["mmio", { list: range }]] }],
    ["vmbusVtl2", { struct: [["present", "u8"], ["connectionId", "u32"], ["mmio", { list: range }]] }],
    ["dtCommandLine", "str"], ["com3SerialAvailable", "u8"], ["memoryAllocationMode", allocationMode],
    ["hasDeviceDmaPageCount", "u8"], ["deviceDmaPageCount", "u64"], ["nvmeKeepalive", "u8"],
    ["hasVtl0AliasMap", "u8"], ["vtl0AliasMap", "u64"],
  ],
};

/** read_from_dt outcome: PartitionInfo + address space (tag 0) or a DtError (tag 1). */
export const PARTITION_RESULT: RecordSchema = {
  name: "partition result", id: 2, version: 1, writer: "wasm",
  fields: [["status", { union: {
    0: [
      ["isolation", "u32"], ["memoryAllocationMode", allocationMode], ["cpuCount", "u32"], ["bspReg", "u32"],
      ["vtl2Ram", { list: entry }], ["partitionRam", { list: entry }],
      ["vtl0Mmio", { list: range }], ["vtl2Mmio", { list: range }],
      ["vmbusVtl0ConnectionId", "u32"], ["vmbusVtl2ConnectionId", "u32"],
      ["addressSpace", { list: [...range, ["vnode", "u32"], ["vtlType", "u32"]] }],
      ["hasVtl2Pool", "u8"], ["cmdline", "str"], ["confidentialDebug", "u8"], ["enableVtl2GpaPool", "str"],
      ["sidecar", "str"], ["vtl2GpaPoolNumaSplit", "u8"], ["com3SerialAvailable", "u8"], ["nvmeKeepalive", "u8"],
      ["hasVtl0AliasMap", "u8"], ["vtl0AliasMap", "u64"], ["sidecarPerCpuStateSpecified", "u8"],
    ],
    1: [["message", "str"], ["variant", "str"], ["source", "str"], ["debug", "str"]],
  } }]],
};

/** Kernel hand-off input: PartitionInfo, address space and shim values (host/shim/handoff.ts). */
export const HANDOFF_INPUT: RecordSchema = {
  name: "handoff input", id: 3, version: 1, writer: "host",
  fields: [
    ["magic", "u32"], ["aarch64", "u8"], ["isolation", "u8"], ["staticConfidentialDebug", "u8"],
    ["bootConfidentialDebug", "u8"], ["sidecarMode", "u8"], ["sidecarLogging", "u8"], ["disableNvmeKeepAlive", "u8"],
    ["nvmeKeepalive", "u8"], ["com3SerialAvailable", "u8"], ["hasVtl0AliasMap", "u8"], ["vtl2AllocationMode", "u8"],
    ["hasMemorySize", "u8"], ["hasMmioSize", "u8"], ["hasGic", "u8"], ["hasPmuGsiv", "u8"], ["hasEntropy", "u8"],
    ["hasSidecarCpuOverrides", "u8"], ["hasInitrdBytes", "u8"], ["vtl2Pool", "u8"], ["reserved", "u8"],
    ["vtl0AliasMap", "u64"], ["memorySize", "u64"], ["mmioSize", "u64"], ["sidecarSize", "u64"],
    ["sidecarEntryAddress", "u64"], ["initrdBase", "u64"], ["initrdSize", "u64"], ["initrdCrc", "u32"],
    ["givenInitrdCrc", "u32"], ["bspReg", "u32"], ["pmuGsiv", "u32"], ["vmbusVtl2ConnectionId", "u32"],
    ["vmbusVtl0ConnectionId", "u32"],
    ["gic", { struct: [["distributorBase", "u64"], ["distributorSize", "u64"], ["redistributorsBase", "u64"],
      ["redistributorsSize", "u64"], ["redistributorStride", "u64"]] }],
    ["cpus", { list: [["reg", "u64"], ["vnode", "u32"], ["reserved", "u32"]] }],
    ["vtl2Ram", { list: entry }], ["partitionRam", { list: entry }],
    ["vmbusVtl2Mmio", { list: entry }], ["vmbusVtl0Mmio", { list: entry }], ["importedRegions", { list: entry }],
    ["addressSpace", { list: [...range, ["vnode", "u32"], ["usage", "u32"]] }],
    ["sidecarStartsCpu", { fixed: 400 }], ["entropy", "bytes"], ["cmdline", "bytes"], ["initrd", "bytes"],
    ["bounceBufferStart", "u64"], ["bounceBufferSize", "u64"],
  ],
};

/** Kernel hand-off outcome: sidecar plan, kernel command line, E820 map, boot_params, kernel DTB. */
export const HANDOFF_RESULT: RecordSchema = {
  name: "handoff result", id: 4, version: 1, writer: "wasm",
  fields: [
    ["sidecar", { union: {
      0: [],
      1: [
        ["nodes", { list: [["memoryBase", "u64"], ["memorySize", "u64"], ["baseVp", "u32"], ["vpCount", "u32"],
          ["controlPage", "u64"], ["shmemPagesBase", "u64"], ["shmemPagesSize", "u64"]] }],
        ["startReftime", "u64"], ["endReftime", "u64"],
      ],
    } }],
    ["kernelCommandLine", "str"],
    ["e820", { list: [["addr", "u64"], ["size", "u64"], ["type", "u32"]], afterCount: [["zeroPageCount", "u32"]] }],
    ["bootParams", "bytes"], ["dtb", "bytes"], ["hasVtl0AliasMap", "u8"], ["vtl0AliasMap", "u64"],
    ["hasBootTimes", "u8"], ["bootStart", "u64"], ["bootEnd", "u64"],
  ],
};

const vmbus: FieldType = { union: { 0: [], 1: [["connectionId", "u32"], ["mmio", { list: range }]] } };

/** Host device tree parse outcome: the ParsedDeviceTree (tag 1) or the parse error (tag 0). */
export const HOST_FDT_RESULT: RecordSchema = {
  name: "host_fdt result", id: 5, version: 1, writer: "wasm",
  fields: [["status", { union: {
    0: [["kind", "u32"], ["message", "str"], ["debug", "str"]],
    1: [
      ["deviceTreeSize", "u32"], ["bootCpuidPhys", "u32"], ["cpus", { list: [["reg", "u64"], ["vnode", "u32"]] }],
      ["memory", { list: [...range, ["igvmType", "u32"], ["vnode", "u32"]] }],
      ["vmbusVtl0", vmbus], ["vmbusVtl2", vmbus], ["commandLine", "bytes"], ["com3SerialAvailable", "u8"],
      ["gic", { union: { 0: [], 1: [["distributorBase", "u64"], ["distributorSize", "u64"], ["redistributorsBase", "u64"],
        ["redistributorsSize", "u64"], ["redistributorStride", "u64"]] } }],
      ["hasPmuGsiv", "u8"], ["pmuGsiv", "u32"], ["memoryAllocationMode", allocationMode],
      ["hasEntropy", "u8"], ["entropy", "bytes"], ["hasDeviceDmaPageCount", "u8"], ["deviceDmaPageCount", "u64"],
      ["nvmeKeepalive", "u8"], ["hasVtl0AliasMap", "u8"], ["vtl0AliasMap", "u64"],
    ],
  } }]],
};

/** The last run of a read_from_dt benchmark phase: VTL2 RAM (topology, tag 0) or the address space. */
export const BENCH_PHASE_RESULT: RecordSchema = {
  name: "bench phase result", id: 6, version: 1, writer: "wasm",
  fields: [["phase", { union: {
    0: [["vtl2Ram", { list: entry }]],
    1: [["addressSpace", { list: [...range, ["vnode", "u32"], ["vtlType", "u32"]] }], ["vtl2Pool", "u8"]],
  } }]],
};

/** ShimParams as the boot core reads them from guest memory (test driver `shim_params_read`). */
export const SHIM_PARAMS_RESULT: RecordSchema = {
  name: "shim params result", id: 7, version: 1, writer: "wasm",
  fields: [
    ["kernelEntryAddress", "u64"], ["cmdlineBase", "u64"], ["initrdBase", "u64"], ["initrdSize", "u64"],
    ["initrdCrc", "u32"], ["memoryStartAddress", "u64"], ["memorySize", "u64"], ["parameterRegionStart", "u64"],
    ["parameterRegionSize", "u64"], ["vtl2ReservedRegionStart", "u64"], ["vtl2ReservedRegionSize", "u64"],
    ["isolationType", "u32"], ["sidecarEntryAddress", "u64"], ["sidecarBase", "u64"], ["sidecarSize", "u64"],
    ["used", { struct: range }], ["bounceBuffer", { union: { 0: [], 1: range } }],
    ["logBuffer", { struct: range }], ["heap", { struct: range }], ["persistedState", { struct: range }],
    ["secretsStart", "u64"], ["cpuidStart", "u64"], ["dtStart", "u64"], ["dtSize", "u64"],
    ["commandLinePolicy", "u32"], ["staticCommandLineLen", "u32"], ["commandLineValid", "u8"], ["commandLine", "str"],
    ["importedRegions", { list: [...range, ["accepted", "u8"]] }], ["importedRegionsHash", "bytes"],
  ],
};

/** The persisted state header as read from guest memory (test driver `persisted_header_read`). */
export const PERSISTED_HEADER_RESULT: RecordSchema = {
  name: "persisted header result", id: 8, version: 1, writer: "wasm",
  fields: [["header", { union: {
    0: [],
    1: [["magic", "u64"], ["protobufBase", "u64"], ["protobufRegionLen", "u64"], ["protobufPayloadLen", "u64"]],
  } }]],
};

/** Every enveloped record. */
export const RECORDS: readonly RecordSchema[] = [
  PARTITION_INPUT, PARTITION_RESULT, HANDOFF_INPUT, HANDOFF_RESULT, HOST_FDT_RESULT, BENCH_PHASE_RESULT, SHIM_PARAMS_RESULT,
  PERSISTED_HEADER_RESULT,
];

/** Wraps an encoded body in its envelope (u16 id, u16 version, u32 length). */
export function envelope(schema: RecordSchema, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + body.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, schema.id, true);
  v.setUint16(2, schema.version, true);
  v.setUint32(4, body.length, true);
  out.set(body, RECORD_HEADER_BYTES);
  return out;
}

/** A decoded record value: field name -> number, bigint, string, bytes, list or nested value. */
export type RecordValue = { [name: string]: unknown };

function decodeFields(fields: readonly Field[], r: Reader): RecordValue {
  const o: RecordValue = {};
  for (const [name, t] of fields) o[name] = decodeType(t, r);
  return o;
}

function decodeType(t: FieldType, r: Reader): unknown {
  if (t === "u8") return r.u8();
  if (t === "u32") return r.u32();
  if (t === "u64") return r.u64();
  if (t === "str") return r.str();
  if (t === "bytes") return r.bytesField();
  if ("fixed" in t) return r.fixed(t.fixed);
  if ("struct" in t) return decodeFields(t.struct, r);
  if ("list" in t) {
    const n = r.u32();
    const after = t.afterCount ? decodeFields(t.afterCount, r) : {};
    const items: RecordValue[] = [];
    for (let i = 0; i < n; i++) items.push(decodeFields(t.list, r));
    return { ...after, items };
  }
  const tag = r.u8();
  const branch = t.union[tag];
  if (!branch) throw new RecordError(`record field: union tag ${tag} not in the schema`);
  return { tag, ...decodeFields(branch, r) };
}

/** Decodes one enveloped record by its schema from `r` (which advances past it). */
export function decodeRecord(schema: RecordSchema, r: Reader): RecordValue {
  const body = r.record(schema);
  const v = decodeFields(schema.fields, body);
  body.end(schema.name);
  return v;
}

/** Growable little-endian byte writer. */
class Bytes {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  len = 0;
  private room(n: number): number {
    if (this.len + n > this.buf.length) {
      const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      b.set(this.buf.subarray(0, this.len));
      this.buf = b;
      this.view = new DataView(b.buffer);
    }
    const at = this.len;
    this.len += n;
    return at;
  }
  // (room() first: it may replace the buffer and its view)
  u8(v: number): void { const at = this.room(1); this.view.setUint8(at, v); }
  u32(v: number): void { const at = this.room(4); this.view.setUint32(at, v, true); }
  u64(v: bigint): void { const at = this.room(8); this.view.setBigUint64(at, v, true); }
  raw(b: Uint8Array): void { const at = this.room(b.length); this.buf.set(b, at); }
  done(): Uint8Array { return this.buf.slice(0, this.len); }
}

function encodeFields(fields: readonly Field[], v: RecordValue, w: Bytes): void {
  for (const [name, t] of fields) encodeType(t, v[name], w);
}

function encodeType(t: FieldType, v: unknown, w: Bytes): void {
  if (t === "u8") return w.u8(v as number);
  if (t === "u32") return w.u32(v as number);
  if (t === "u64") return w.u64(v as bigint);
  if (t === "str") {
    const b = new TextEncoder().encode(v as string);
    w.u32(b.length);
    return w.raw(b);
  }
  if (t === "bytes") {
    w.u32((v as Uint8Array).length);
    return w.raw(v as Uint8Array);
  }
  if ("fixed" in t) return w.raw(v as Uint8Array);
  if ("struct" in t) return encodeFields(t.struct, v as RecordValue, w);
  if ("list" in t) {
    const o = v as RecordValue & { items: RecordValue[] };
    w.u32(o.items.length);
    if (t.afterCount) encodeFields(t.afterCount, o, w);
    for (const item of o.items) encodeFields(t.list, item, w);
    return;
  }
  const o = v as RecordValue & { tag: number };
  w.u8(o.tag);
  encodeFields(t.union[o.tag]!, o, w);
}

/** Encodes a record value by its schema, in its envelope. */
export function encodeRecord(schema: RecordSchema, v: RecordValue): Uint8Array {
  const w = new Bytes();
  encodeFields(schema.fields, v, w);
  return envelope(schema, w.done());
}
