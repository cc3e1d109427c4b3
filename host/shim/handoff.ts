//! Typed bindings for the kernel hand-off exports (assembly/abi/handoff.ts): encode the input
//! record, run the hand-off with a hypervisor stub attached, decode the sidecar nodes, kernel
//! command line, E820 map, boot_params page and kernel DTB.
// Ports: none (host binding of assembly/abi/handoff.ts)
import type { Shim } from "../wasm/loader.js";
import type { Reader } from "../wasm/codec.js";
import { envelope, HANDOFF_INPUT, HANDOFF_RESULT } from "../wasm/records.js";
import { hex } from "../wasm/codec.js";
import { attachHypervisor } from "../hv/imports.js";
import { Hypervisor } from "../hv/hypervisor.js";

const ISOLATION = { none: 0, vbs: 1, snp: 2, tdx: 3, cca: 4 } as const;
const SIDECAR_MODE = { enabled: 0, "disabled-command-line": 1, "disabled-servicing": 2 } as const;
/** MemoryVtlType names (loader_defs::shim). */
export const MEMORY_VTL_TYPES = [
  "VTL0", "VTL2_RAM", "VTL2_CONFIG", "VTL2_SIDECAR_IMAGE", "VTL2_SIDECAR_NODE", "VTL0_MMIO", "VTL2_MMIO",
  "VTL2_RESERVED", "VTL2_GPA_POOL", "VTL2_TDX_PAGE_TABLES", "VTL2_BOOTSHIM_LOG_BUFFER",
  "VTL2_PERSISTED_STATE_HEADER", "VTL2_PERSISTED_STATE_PROTOBUF",
] as const;
export type MemoryVtlTypeName = (typeof MEMORY_VTL_TYPES)[number];

/** A range with a NUMA node and IGVM memory type. */
export interface MemoryEntryIn { start: bigint; end: bigint; vnode?: number; memType?: number }
/** One VTL2 address-space range: free or used RAM, or a reserved MemoryVtlType. */
export interface AddressRangeIn { start: bigint; end: bigint; vnode?: number; usage: "free" | "used" | MemoryVtlTypeName }

/** Everything the hand-off reads (PartitionInfo, ShimParams and options, by upstream name). */
export interface HandoffInput {
  arch?: "x86_64" | "aarch64";
  isolation?: keyof typeof ISOLATION;
  staticConfidentialDebug?: boolean;
  bootConfidentialDebug?: boolean;
  sidecar?: keyof typeof SIDECAR_MODE;
  sidecarEnableLogging?: boolean;
  disableNvmeKeepAlive?: boolean;
  nvmeKeepalive?: boolean;
  com3SerialAvailable?: boolean;
  vtl0AliasMap?: bigint | null;
  memoryAllocationMode?: { mode: "host" } | { mode: "vtl2"; memorySize?: bigint | null; mmioSize?: bigint | null };
  gic?: { distributorBase: bigint; distributorSize: bigint; redistributorsBase: bigint; redistributorsSize: bigint; redistributorStride: bigint } | null;
  pmuGsiv?: number | null;
  entropy?: Uint8Array | null;
  sidecarSize?: bigint;
  sidecarEntryAddress?: bigint;
  /** The initrd: its bytes (CRC computed by the shim), or only its size and CRC. */
  initrd?: { base: bigint; bytes: Uint8Array; crc: number } | { base: bigint; size: bigint; crc: number };
  bspReg?: number;
  cpus: { reg: bigint | number; vnode?: number }[];
  vtl2Ram: MemoryEntryIn[];
  partitionRam: MemoryEntryIn[];
  vmbusVtl2?: { connectionId: number; mmio: { start: bigint; end: bigint }[] };
  vmbusVtl0?: { connectionId: number; mmio: { start: bigint; end: bigint }[] };
  importedRegions?: { start: bigint; end: bigint; accepted: boolean }[];
  addressSpace: AddressRangeIn[];
  /** True when the address space already holds a VTL2 GPA pool. */
  vtl2Pool?: boolean;
  /** Per-CPU sidecar start overrides (servicing restore), up to 400 CPUs; absent = not specified. */
  sidecarCpuOverrides?: boolean[] | null;
  /** ShimParams.bounce_buffer (SNP/TDX need one: 2 MiB aligned, at least 2 MiB); default none. */
  bounceBuffer?: { start: bigint; end: bigint } | null;
  /** PartitionInfo.cmdline: appended after the computed kernel parameters. */
  cmdline?: string;
}

/** One sidecar node as planned and as the sidecar reported it. */
export interface SidecarNode {
  memoryBase: bigint; memorySize: bigint; baseVp: number; vpCount: number;
  controlPage: bigint; shmemPagesBase: bigint; shmemPagesSize: bigint;
}

/** What the hand-off produced. */
export interface HandoffResult {
  sidecar: { nodes: SidecarNode[]; startReftime: bigint; endReftime: bigint } | null;
  kernelCommandLine: string;
  e820: { addr: bigint; size: bigint; type: number }[];
  e820ZeroPage: number;
  bootParams: Uint8Array | null;
  dtb: Uint8Array;
  vtl0AliasMap: bigint | null;
  bootTimes: { start: bigint; end: bigint } | null;
}

class Writer {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  len = 0;
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  u8(v: number | boolean): void { this.grow(1); this.view.setUint8(this.len, Number(v)); this.len += 1; }
  u32(v: number): void { this.grow(4); this.view.setUint32(this.len, v >>> 0, true); this.len += 4; }
  u64(v: bigint | number): void { this.grow(8); this.view.setBigUint64(this.len, BigInt.asUintN(64, BigInt(v)), true); this.len += 8; }
  bytes(b: Uint8Array): void { this.u32(b.length); this.grow(b.length); this.buf.set(b, this.len); this.len += b.length; }
  done(): Uint8Array { return this.buf.slice(0, this.len); }
}

function usageCode(u: AddressRangeIn["usage"]): number {
  if (u === "free") return 0xffff_ffff;
  if (u === "used") return 1;
  const i = MEMORY_VTL_TYPES.indexOf(u);
  if (i < 0) throw new Error(`unknown address usage ${u}`);
  return i;
}

/** Encodes the input record the boot core decodes (assembly/abi/records/handoff_record.ts). */
export function encodeHandoffInput(i: HandoffInput): Uint8Array {
  const w = new Writer();
  const mode = i.memoryAllocationMode ?? { mode: "host" };
  const vtl2 = mode.mode === "vtl2" ? mode : undefined;
  const initrd = i.initrd;
  const hasBytes = initrd !== undefined && "bytes" in initrd;
  w.u32(0x46464f48);
  w.u8(i.arch === "aarch64");
  w.u8(ISOLATION[i.isolation ?? "none"]);
  w.u8(i.staticConfidentialDebug ?? false);
  w.u8(i.bootConfidentialDebug ?? false);
  w.u8(SIDECAR_MODE[i.sidecar ?? "enabled"]);
  w.u8(i.sidecarEnableLogging ?? false);
  w.u8(i.disableNvmeKeepAlive ?? false);
  w.u8(i.nvmeKeepalive ?? false);
  w.u8(i.com3SerialAvailable ?? false);
  w.u8(i.vtl0AliasMap != null);
  w.u8(vtl2 !== undefined);
  w.u8(vtl2?.memorySize != null);
  w.u8(vtl2?.mmioSize != null);
  w.u8(i.gic != null);
  w.u8(i.pmuGsiv != null);
  w.u8(i.entropy != null);
  w.u8(i.sidecarCpuOverrides != null);
  w.u8(hasBytes);
  w.u8(i.vtl2Pool ?? false);
  w.u8(0);
  w.u64(i.vtl0AliasMap ?? 0n);
  w.u64(vtl2?.memorySize ?? 0n);
  w.u64(vtl2?.mmioSize ?? 0n);
  w.u64(i.sidecarSize ?? 0n);
  w.u64(i.sidecarEntryAddress ?? 0n);
  w.u64(initrd?.base ?? 0n);
  w.u64(initrd === undefined ? 0n : "bytes" in initrd ? BigInt(initrd.bytes.length) : initrd.size);
  w.u32(initrd?.crc ?? 0);
  w.u32(initrd?.crc ?? 0);
  w.u32(i.bspReg ?? Number(i.cpus[0]?.reg ?? 0));
  w.u32(i.pmuGsiv ?? 0);
  w.u32(i.vmbusVtl2?.connectionId ?? 0);
  w.u32(i.vmbusVtl0?.connectionId ?? 0);
  const g = i.gic;
  for (const v of [g?.distributorBase, g?.distributorSize, g?.redistributorsBase, g?.redistributorsSize, g?.redistributorStride]) w.u64(v ?? 0n);
  w.u32(i.cpus.length);
  for (const c of i.cpus) { w.u64(c.reg); w.u32(c.vnode ?? 0); w.u32(0); }
  const entries = (l: MemoryEntryIn[]) => { w.u32(l.length); for (const e of l) { w.u64(e.start); w.u64(e.end); w.u32(e.vnode ?? 0); w.u32(e.memType ?? 0); } };
  entries(i.vtl2Ram);
  entries(i.partitionRam);
  entries(i.vmbusVtl2?.mmio ?? []);
  entries(i.vmbusVtl0?.mmio ?? []);
  entries((i.importedRegions ?? []).map((r) => ({ start: r.start, end: r.end, vnode: r.accepted ? 1 : 0 })));
  w.u32(i.addressSpace.length);
  for (const r of i.addressSpace) { w.u64(r.start); w.u64(r.end); w.u32(r.vnode ?? 0); w.u32(usageCode(r.usage)); }
  for (let k = 0; k < 400; k++) w.u8(i.sidecarCpuOverrides ? (i.sidecarCpuOverrides[k] ?? true) : true);
  w.bytes(i.entropy ?? new Uint8Array(0));
  w.bytes(new TextEncoder().encode(i.cmdline ?? ""));
  w.bytes(hasBytes ? (initrd as { bytes: Uint8Array }).bytes : new Uint8Array(0));
  w.u64(i.bounceBuffer?.start ?? 0n);
  w.u64(i.bounceBuffer ? i.bounceBuffer.end - i.bounceBuffer.start : 0n);
  return envelope(HANDOFF_INPUT, w.done());
}

/** Runs the hand-off for `input` with `hv` as the hypervisor (a default one, knowing the VM's
 * CPUs in the order given, when omitted). */
export function runHandoff(shim: Shim, input: HandoffInput, hv?: Hypervisor): HandoffResult {
  if (hv === undefined) {
    hv = new Hypervisor(undefined, input.arch ?? "x86_64");
    hv.setVpTopology(input.cpus.map((c) => BigInt(c.reg)));
  }
  attachHypervisor(shim, hv);
  shim.reset();
  const bytes = encodeHandoffInput(input);
  const p = shim.put(bytes);
  shim.call("handoff_run", p, bytes.length);
  return decodeHandoffResult(shim.out());
}

/** Decodes a hand-off result record (assembly/abi/records/handoff_result.ts). */
export function decodeHandoffResult(stream: Reader): HandoffResult {
  const r = stream.record(HANDOFF_RESULT);
  let sidecar: HandoffResult["sidecar"] = null;
  if (r.u8() !== 0) {
    const n = r.u32();
    const nodes: SidecarNode[] = [];
    for (let k = 0; k < n; k++) {
      nodes.push({
        memoryBase: r.u64(), memorySize: r.u64(), baseVp: r.u32(), vpCount: r.u32(),
        controlPage: r.u64(), shmemPagesBase: r.u64(), shmemPagesSize: r.u64(),
      });
    }
    sidecar = { nodes, startReftime: r.u64(), endReftime: r.u64() };
  }
  const kernelCommandLine = r.str();
  const count = r.u32();
  const e820ZeroPage = r.u32();
  const e820 = [];
  for (let k = 0; k < count; k++) e820.push({ addr: r.u64(), size: r.u64(), type: r.u32() });
  const bp = r.bytesField();
  const dtb = r.bytesField();
  const hasAlias = r.u8() !== 0;
  const alias = r.u64();
  const hasTimes = r.u8() !== 0;
  const start = r.u64();
  const end = r.u64();
  r.end(HANDOFF_RESULT.name);
  return {
    sidecar, kernelCommandLine, e820, e820ZeroPage,
    bootParams: bp.length > 0 ? bp : null, dtb,
    vtl0AliasMap: hasAlias ? alias : null,
    bootTimes: hasTimes ? { start, end } : null,
  };
}

/** Splits CPUs (their vnodes, in order) into sidecar chunks: [first CPU, count] each. */
export function splitCpusByNode(shim: Shim, vnodes: number[]): [number, number][] {
  shim.reset();
  const b = new Uint8Array(vnodes.length * 4);
  const v = new DataView(b.buffer);
  vnodes.forEach((x, k) => v.setUint32(k * 4, x, true));
  const p = shim.put(b);
  shim.call("handoff_split_cpus", p, vnodes.length);
  const r = shim.out();
  const n = r.u32();
  const out: [number, number][] = [];
  for (let k = 0; k < n; k++) out.push([r.u32(), r.u32()]);
  return out;
}

/** CRC-32 of `bytes` as the shim computes it for the initrd check. */
export function crc32(shim: Shim, bytes: Uint8Array): number {
  shim.reset();
  const p = shim.put(bytes);
  return (shim.call<number>("handoff_crc32", p, bytes.length)) >>> 0;
}

/** Rust's `from_utf8` on `bytes` as the shim checks the sidecar's error: null when valid, else the `Utf8Error` Debug text. */
export function utf8Error(shim: Shim, bytes: Uint8Array): string | null {
  shim.reset();
  const p = shim.put(bytes);
  shim.call("handoff_utf8_error", p, bytes.length);
  const r = shim.out();
  return r.u8() !== 0 ? null : r.str();
}

/** The docs/CONTRACT.md `sidecar` and `kernelCommandLine` fields of `boot --json`. */
export function handoffJson(r: HandoffResult): { sidecar: { nodes: { memoryBase: string; memorySize: string; baseVp: number; vpCount: number }[] } | null; kernelCommandLine: string } {
  return {
    sidecar: r.sidecar === null ? null : {
      nodes: r.sidecar.nodes.map((n) => ({ memoryBase: hex(n.memoryBase), memorySize: hex(n.memorySize), baseVp: n.baseVp, vpCount: n.vpCount })),
    },
    kernelCommandLine: r.kernelCommandLine,
  };
}

/** The E820 map the shim builds from `input.addressSpace` (x86 build_e820_map alone). */
export function e820Map(shim: Shim, input: HandoffInput): { entries: { addr: bigint; size: bigint; type: number }[]; zeroPage: number } {
  shim.reset();
  const bytes = encodeHandoffInput(input);
  const p = shim.put(bytes);
  shim.call("handoff_e820", p, bytes.length);
  const r = shim.out();
  const n = r.u32();
  const zeroPage = r.u32();
  const entries = [];
  for (let k = 0; k < n; k++) entries.push({ addr: r.u64(), size: r.u64(), type: r.u32() });
  return { entries, zeroPage };
}
