//! VTL2 image loader: writes the paravisor's boot inputs into guest memory (shim parameters,
//! measured command line, host device tree, imported-regions page, persisted-state region) and
//! returns the shim base and the parameter values the shim will see.
// Ports: vm/loader/src/paravisor.rs (what load_openhcl_x64/arm64 import) and the imported-regions
// page of vm/loader/igvmfilegen/src/file_loader.rs; docs/CONTRACT.md `shim` keys override any value.

import { createSha384, crc32 } from "./digest.js";
import { InputError } from "../errors.js";
import type { GuestMemory } from "../guest/guest_memory.js";
import {
  COMMAND_LINE_SIZE,
  CommandLinePolicy,
  HV_PAGE_SIZE,
  IMPORTED_REGIONS_MAX,
  PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX,
  PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES,
  PARAVISOR_MEASURED_VTL2_CONFIG_ACCEPTED_MEMORY_PAGE_INDEX,
  PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_INDEX,
  PERSISTED_STATE_FIRST_BOOT_SIZE,
  SupportedIsolationType,
  encodeImportedRegionsPage,
  encodeMeasuredVtl2Config,
  encodeParavisorCommandLine,
  encodeShimParamsRaw,
  type ImportedRegionDescriptor,
  type ShimParamsRawValues,
} from "./defs.js";
import { computeVtl2Layout, relocateVtl2Layout, type Arch, type Isolation, type Vtl2Binaries, type Vtl2Layout, type Area } from "./layout.js";
import { TDX_RESET_PAGE, defaultImportedRegions } from "./imported.js";
import { encodeExpectedPageHashes, expectedPageHashesArea } from "./page_hashes.js";
import { atLeast, defaultUpstream, type UpstreamPin } from "../upstream.js";

/** docs/CONTRACT.md `shim` overrides: absolute addresses and sizes, plus the isolation type. */
export interface ShimOverrides {
  memoryStart?: bigint;
  memorySize?: bigint;
  parameterRegionStart?: bigint;
  parameterRegionSize?: bigint;
  vtl2ReservedStart?: bigint;
  vtl2ReservedSize?: bigint;
  sidecarBase?: bigint;
  sidecarSize?: bigint;
  usedStart?: bigint;
  usedEnd?: bigint;
  logBufferStart?: bigint;
  logBufferSize?: bigint;
  heapStart?: bigint;
  heapSize?: bigint;
  persistedStateStart?: bigint;
  persistedStateSize?: bigint;
  bounceBufferStart?: bigint;
  bounceBufferSize?: bigint;
  isolation?: Isolation;
}

/** An imported region as the image gives it. */
export interface ImportedRegionInput {
  start: bigint;
  end: bigint;
  accepted: boolean;
}

/** Everything the VTL2 loader needs from the resolved image. */
export interface Vtl2ImageInput {
  arch: Arch;
  isolation: Isolation;
  /** VTL2 memory base and size (2 MiB aligned); the size is the IGVM file's VTL2 memory size. */
  vtl2Base: bigint;
  vtl2Size: bigint;
  /**
   * The VTL2 base the IGVM file was built for (default: `vtl2Base`). When it differs, the image is
   * laid out there and relocated to `vtl2Base` as OpenVMM's IGVM loader does (same offsets and
   * sizes, the imported-regions page keeps the file's page numbers).
   */
  fileBase?: bigint;
  /** Host device tree blob placed at page 40 of the parameter region (empty: none). */
  hostDeviceTree: Uint8Array;
  /** Measured command line; default policy append-chosen, empty text. */
  commandLine?: { policy: "static" | "append-chosen"; text: string };
  /** Imported regions; default: the pages the loader imports, as the IGVM builder lists them. */
  importedRegions?: ImportedRegionInput[];
  /** Bytes placed at the start of the persisted-state region (servicing boot). */
  persistedState?: Uint8Array;
  /** Absolute overrides of any computed shim parameter. */
  shim?: ShimOverrides;
  /** Sizes of the simulated kernel/shim/initrd/sidecar binaries. */
  binaries?: Vtl2Binaries;
  /** Whose loader to follow (default: the process default pin, host/upstream.ts). */
  upstream?: UpstreamPin;
}

/**
 * The addresses and sizes upstream `ShimParams::new` derives from `ShimParamsRaw`: what the loader
 * computes (`ShimParamsValues`) and what the boot core reads back (host/shim/shim_params.ts) share them.
 */
export interface ShimParamsAddresses {
  kernelEntryAddress: bigint;
  cmdlineBase: bigint;
  initrdBase: bigint;
  initrdSize: bigint;
  initrdCrc: number;
  memoryStartAddress: bigint;
  memorySize: bigint;
  parameterRegionStart: bigint;
  parameterRegionSize: bigint;
  vtl2ReservedRegionStart: bigint;
  vtl2ReservedRegionSize: bigint;
  sidecarEntryAddress: bigint;
  sidecarBase: bigint;
  sidecarSize: bigint;
  used: Area;
  bounceBuffer: Area | null;
  logBuffer: Area;
  heap: Area;
  persistedState: Area;
}

/** Absolute shim parameters as upstream `ShimParams::new` derives them (for display and tests). */
export interface ShimParamsValues extends ShimParamsAddresses {
  supportedIsolationType: number;
}

/** The loaded image. */
export interface Vtl2Image {
  /** Load address of the shim image (`__ehdr_start`). */
  shimBase: bigint;
  /** Offset of `ShimParamsRaw` from the shim base (the value the loader puts in rsi / x0). */
  shimParamsOffset: bigint;
  /** Whether the hypervisor's CPUID reports VBS isolation (None and VBS share SupportedIsolationType VBS). */
  hvIsolation: boolean;
  layout: Vtl2Layout;
  raw: ShimParamsRawValues;
  params: ShimParamsValues;
  importedRegions: ImportedRegionDescriptor[];
}

const U64 = (v: bigint) => BigInt.asUintN(64, v);
const hexs = (v: bigint) => "0x" + v.toString(16);

function isolationCode(iso: Isolation): number {
  return iso === "snp" ? SupportedIsolationType.SNP : iso === "tdx" ? SupportedIsolationType.TDX : SupportedIsolationType.VBS;
}

/** Derives the absolute values the shim computes from the raw struct (wrapping, like upstream). */
export function shimParamsFromRaw(shimBase: bigint, raw: ShimParamsRawValues): ShimParamsValues {
  const at = (off: bigint) => U64(shimBase + off);
  const rng = (off: bigint, len: bigint): Area => ({ start: at(off), end: U64(at(off) + len) });
  return {
    kernelEntryAddress: at(raw.kernel_entry_offset),
    cmdlineBase: at(raw.cmdline_offset),
    initrdBase: at(raw.initrd_offset),
    initrdSize: raw.initrd_size,
    initrdCrc: Number(raw.initrd_crc),
    memoryStartAddress: at(raw.memory_start_offset),
    memorySize: raw.memory_size,
    parameterRegionStart: at(raw.parameter_region_offset),
    parameterRegionSize: raw.parameter_region_size,
    vtl2ReservedRegionStart: at(raw.vtl2_reserved_region_offset),
    vtl2ReservedRegionSize: raw.vtl2_reserved_region_size,
    supportedIsolationType: Number(raw.supported_isolation_type),
    sidecarEntryAddress: at(raw.sidecar_entry_offset),
    sidecarBase: at(raw.sidecar_offset),
    sidecarSize: raw.sidecar_size,
    used: { start: at(raw.used_start), end: at(raw.used_end) },
    bounceBuffer: raw.bounce_buffer_size === 0n ? null : rng(raw.bounce_buffer_start, raw.bounce_buffer_size),
    logBuffer: rng(raw.log_buffer_start, raw.log_buffer_size),
    heap: rng(raw.heap_start_offset, raw.heap_size),
    persistedState: rng(raw.persisted_state_region_offset, raw.persisted_state_region_size),
  };
}

/** The raw values the loader computes for `layout`, before overrides. */
function rawFromLayout(l: Vtl2Layout, isolation: Isolation, initrdCrc: number): ShimParamsRawValues {
  const rel = (addr: bigint) => BigInt.asIntN(64, addr - l.shim.start);
  const x86 = l.arch === "x86_64";
  return {
    kernel_entry_offset: rel(l.kernelEntry),
    cmdline_offset: rel(l.commandLine.start),
    initrd_offset: rel(l.initrd ? l.initrd.start : 0n),
    initrd_size: l.initrdSize,
    initrd_crc: BigInt(initrdCrc),
    supported_isolation_type: BigInt(isolationCode(isolation)),
    memory_start_offset: rel(l.memory.start),
    memory_size: l.memory.end - l.memory.start,
    parameter_region_offset: rel(l.parameterRegion.start),
    parameter_region_size: l.parameterRegion.end - l.parameterRegion.start,
    vtl2_reserved_region_offset: x86 ? rel(l.reserved!.start) : 0n,
    vtl2_reserved_region_size: x86 ? l.reserved!.end - l.reserved!.start : 0n,
    sidecar_offset: x86 ? rel(l.sidecar.start) : 0n,
    sidecar_size: l.sidecar.end - l.sidecar.start,
    sidecar_entry_offset: x86 ? rel(l.sidecarEntry) : 0n,
    used_start: rel(l.memory.start),
    used_end: rel(l.usedEnd),
    bounce_buffer_start: l.bounceBuffer ? rel(l.bounceBuffer.start) : 0n,
    bounce_buffer_size: l.bounceBuffer ? l.bounceBuffer.end - l.bounceBuffer.start : 0n,
    log_buffer_start: rel(l.logBuffer.start),
    log_buffer_size: l.logBuffer.end - l.logBuffer.start,
    heap_start_offset: rel(l.heap.start),
    heap_size: l.heap.end - l.heap.start,
    persisted_state_region_offset: rel(l.persistedState.start),
    persisted_state_region_size: l.persistedState.end - l.persistedState.start,
  };
}

/** Applies docs/CONTRACT.md `shim` overrides (absolute values) to the raw struct. */
function applyOverrides(raw: ShimParamsRawValues, shimBase: bigint, o: ShimOverrides): ShimParamsRawValues {
  const rel = (addr: bigint) => BigInt.asIntN(64, addr - shimBase);
  const r = { ...raw };
  const addr = (k: keyof ShimOverrides, f: keyof ShimParamsRawValues) => {
    const v = o[k];
    if (v !== undefined) r[f] = rel(v as bigint);
  };
  const size = (k: keyof ShimOverrides, f: keyof ShimParamsRawValues) => {
    const v = o[k];
    if (v !== undefined) r[f] = v as bigint;
  };
  addr("memoryStart", "memory_start_offset");
  size("memorySize", "memory_size");
  addr("parameterRegionStart", "parameter_region_offset");
  size("parameterRegionSize", "parameter_region_size");
  addr("vtl2ReservedStart", "vtl2_reserved_region_offset");
  size("vtl2ReservedSize", "vtl2_reserved_region_size");
  addr("sidecarBase", "sidecar_offset");
  size("sidecarSize", "sidecar_size");
  addr("usedStart", "used_start");
  addr("usedEnd", "used_end");
  addr("logBufferStart", "log_buffer_start");
  size("logBufferSize", "log_buffer_size");
  addr("heapStart", "heap_start_offset");
  size("heapSize", "heap_size");
  addr("persistedStateStart", "persisted_state_region_offset");
  size("persistedStateSize", "persisted_state_region_size");
  addr("bounceBufferStart", "bounce_buffer_start");
  size("bounceBufferSize", "bounce_buffer_size");
  if (o.isolation !== undefined) r.supported_isolation_type = BigInt(isolationCode(o.isolation));
  return r;
}

/** Writes `bytes` at `gpa`, which must lie inside VTL2 memory; otherwise InputError naming `field`. */
function place(gm: GuestMemory, vtl2: Area, field: string, what: string, gpa: bigint, bytes: Uint8Array): void {
  const end = gpa + BigInt(bytes.length);
  if (gpa < vtl2.start || end > vtl2.end) {
    throw new InputError(`${field}: the ${what} at ${hexs(gpa)}-${hexs(end)} lies outside VTL2 memory ${hexs(vtl2.start)}-${hexs(vtl2.end)}`);
  }
  if (!gm.write(gpa, bytes)) throw new InputError(`${field}: the ${what} at ${hexs(gpa)}-${hexs(end)} is not writable guest RAM`);
}

/** As `place` for `len` zero bytes (pages never written stay unmaterialized: they read as zeros). */
function placeZeros(gm: GuestMemory, vtl2: Area, field: string, what: string, gpa: bigint, len: bigint): void {
  const end = gpa + len;
  if (gpa < vtl2.start || end > vtl2.end) {
    throw new InputError(`${field}: the ${what} at ${hexs(gpa)}-${hexs(end)} lies outside VTL2 memory ${hexs(vtl2.start)}-${hexs(vtl2.end)}`);
  }
  if (!gm.zero(gpa, len)) throw new InputError(`${field}: the ${what} at ${hexs(gpa)}-${hexs(end)} is not writable guest RAM`);
}

/**
 * Checks the image's imported regions and turns them into descriptors. A region must be guest RAM
 * (the VMM writes its pages), inside VTL2 memory or not: the shim itself checks that a region
 * outside VTL2 RAM was accepted at launch. The one exception is TDX's reset page (0xfffff), which
 * every TDX image imports accepted although the host reports no RAM there.
 */
function importedDescriptors(gm: GuestMemory, regions: ImportedRegionInput[], isolation: Isolation): ImportedRegionDescriptor[] {
  if (regions.length > IMPORTED_REGIONS_MAX) {
    throw new InputError(`importedRegions: ${regions.length} regions do not fit the imported-regions page (at most ${IMPORTED_REGIONS_MAX})`);
  }
  return regions.map((r, i) => {
    const f = `importedRegions[${i}]`;
    if (r.start % HV_PAGE_SIZE !== 0n || r.end % HV_PAGE_SIZE !== 0n) throw new InputError(`${f}: ${hexs(r.start)}-${hexs(r.end)} is not page aligned`);
    if (r.end <= r.start) throw new InputError(`${f}: ${hexs(r.start)}-${hexs(r.end)} is empty (a zero page count ends the list)`);
    const resetPage = isolation === "tdx" && r.accepted && r.start === TDX_RESET_PAGE * HV_PAGE_SIZE && r.end === r.start + HV_PAGE_SIZE;
    if (!resetPage && !gm.isBacked(r.start, r.end - r.start)) throw new InputError(`${f}: ${hexs(r.start)}-${hexs(r.end)} is not guest RAM`);
    return { basePageNumber: r.start / HV_PAGE_SIZE, pageCount: (r.end - r.start) / HV_PAGE_SIZE, accepted: r.accepted };
  });
}

/** SHA-384 of no bytes (every imported region accepted: the usual case). */
let emptyHash: Uint8Array | undefined;

/** SHA-384 of N zero bytes by N (shared pages nothing was written to: the usual isolated case). */
const zeroHashes = new Map<number, Uint8Array>();
const ZERO_CHUNK = 1 << 20;
let zeroChunk: Uint8Array | undefined;

/** SHA-384 of `len` zero bytes (memoized). */
function zeroHash(len: number): Uint8Array {
  let d = zeroHashes.get(len);
  if (!d) {
    const h = createSha384();
    const z = (zeroChunk ??= new Uint8Array(ZERO_CHUNK));
    for (let at = 0; at < len; at += ZERO_CHUNK) h.update(at + ZERO_CHUNK <= len ? z : z.subarray(0, len - at));
    d = h.digest();
    if (zeroHashes.size < 64) zeroHashes.set(len, d);
  }
  return d.slice();
}

/** True when the first `count` words are zero (chunks are whole pages, so whole words). */
function allZero(words: Int32Array, count: number): boolean {
  let or = 0;
  for (let i = 0; i < count; i++) or |= words[i]!;
  return or === 0;
}

/**
 * SHA-384 over the contents of the unaccepted imported pages in address order (IGVM builder).
 * Pages are read a chunk at a time; when every byte is zero (nothing was loaded there) the digest
 * is the memoized hash of that many zero bytes, the same value without hashing again.
 */
function sharedPagesHash(gm: GuestMemory, regions: ImportedRegionDescriptor[]): Uint8Array {
  const shared = regions.filter((r) => !r.accepted).sort((a, b) => (a.basePageNumber < b.basePageNumber ? -1 : 1));
  if (shared.length === 0) return (emptyHash ??= createSha384().digest()).slice();
  const z = (zeroChunk ??= new Uint8Array(ZERO_CHUNK));
  const buf = new Uint8Array(ZERO_CHUNK);
  const words = new Int32Array(buf.buffer);
  let h: ReturnType<typeof createSha384> | undefined;
  let total = 0;
  for (const r of shared) {
    const end = (r.basePageNumber + r.pageCount) * HV_PAGE_SIZE;
    for (let at = r.basePageNumber * HV_PAGE_SIZE; at < end; ) {
      const n = Number(end - at < BigInt(ZERO_CHUNK) ? end - at : BigInt(ZERO_CHUNK));
      const chunk = buf.subarray(0, n);
      gm.readAt(at, chunk);
      if (!h && allZero(words, n >> 2)) {
        total += n;
      } else {
        if (!h) {
          // The first nonzero byte: hash the zeros so far, then everything from here on.
          h = createSha384();
          for (let left = total; left > 0; left -= Math.min(left, ZERO_CHUNK)) h.update(z.subarray(0, Math.min(left, ZERO_CHUNK)));
        }
        h.update(chunk);
      }
      at += BigInt(n);
    }
  }
  return h ? h.digest() : zeroHash(total);
}

/** Lays out the VTL2 image and writes its boot inputs into `gm`. */
export function loadVtl2Image(gm: GuestMemory, input: Vtl2ImageInput): Vtl2Image {
  // The file's layout (what ShimParamsRaw and the imported-regions page record), then where it is loaded.
  const upstream = input.upstream ?? defaultUpstream();
  const built = computeVtl2Layout(input.arch, input.isolation, input.fileBase ?? input.vtl2Base, input.vtl2Size, input.binaries, upstream);
  const l = relocateVtl2Layout(built, input.isolation, input.vtl2Base);
  const vtl2 = l.memory;
  if (!gm.isBacked(vtl2.start, vtl2.end - vtl2.start)) {
    throw new InputError(`vtl2Base: VTL2 memory ${hexs(vtl2.start)}-${hexs(vtl2.end)} is not RAM in the memory layout`);
  }

  const cmd = input.commandLine ?? { policy: "append-chosen", text: "" };
  const cmdBytes = new TextEncoder().encode(cmd.text);
  if (cmdBytes.length > COMMAND_LINE_SIZE) throw new InputError(`commandLine.text: command line too large: ${cmdBytes.length}`);
  const dtArea = PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES * HV_PAGE_SIZE;
  if (BigInt(input.hostDeviceTree.length) > dtArea) {
    throw new InputError(`hostDeviceTree: ${input.hostDeviceTree.length} bytes do not fit the ${hexs(dtArea)}-byte device tree area of the parameter region`);
  }

  const initrd = input.binaries?.initrd ?? new Uint8Array(0);
  const raw = applyOverrides(rawFromLayout(built, input.isolation, crc32(initrd)), l.shim.start, input.shim ?? {});
  const params = shimParamsFromRaw(l.shim.start, raw);
  const isolation = input.shim?.isolation ?? input.isolation;

  // Persisted state: the servicing payload, or zeros over the part a first boot uses.
  // A first boot finds that part zeroed (when it lies in VTL2 memory; an override may move it).
  const ps = params.persistedState;
  if (input.persistedState) {
    if (BigInt(input.persistedState.length) > ps.end - ps.start) {
      throw new InputError(`persistedState: ${input.persistedState.length} bytes do not fit the persisted-state region of ${hexs(ps.end - ps.start)} bytes`);
    }
    place(gm, vtl2, "shim.persistedStateStart", "persisted-state region", ps.start, input.persistedState);
  } else if (ps.start >= vtl2.start && ps.start + PERSISTED_STATE_FIRST_BOOT_SIZE <= vtl2.end) {
    placeZeros(gm, vtl2, "shim.persistedStateStart", "persisted-state region", ps.start, PERSISTED_STATE_FIRST_BOOT_SIZE);
  }

  if (l.initrd && initrd.length > 0) place(gm, vtl2, "binaries.initrd", "initrd", l.initrd.start, initrd);
  const paramsPage = new Uint8Array(Number(HV_PAGE_SIZE));
  paramsPage.set(encodeShimParamsRaw(raw));
  place(gm, vtl2, "vtl2Base", "shim parameters page", l.shimParams.start, paramsPage);
  const policy = cmd.policy === "static" ? CommandLinePolicy.STATIC : CommandLinePolicy.APPEND_CHOSEN;
  place(gm, vtl2, "vtl2Base", "command line page", l.commandLine.start, encodeParavisorCommandLine(policy, cmdBytes));

  const pr = params.parameterRegionStart;
  const dtStart = pr + PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX * HV_PAGE_SIZE;
  // An empty blob leaves a zero first byte: the shim's "host did not provide a device tree".
  const dtBytes = input.hostDeviceTree.length > 0 ? input.hostDeviceTree : new Uint8Array(1);
  place(gm, vtl2, "shim.parameterRegionStart", "device tree area", dtStart, dtBytes);
  const vtomBit = 0; // the simulated partition has no vTOM
  place(gm, vtl2, "shim.parameterRegionStart", "VTL2 measured config page", pr + PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_INDEX * HV_PAGE_SIZE, encodeMeasuredVtl2Config(vtomBit, upstream));

  const importedPage = pr + PARAVISOR_MEASURED_VTL2_CONFIG_ACCEPTED_MEMORY_PAGE_INDEX * HV_PAGE_SIZE;
  // The page's contents are file data: a relocated image keeps the file's page numbers.
  const fileImportedPage = built.parameterRegion.start / HV_PAGE_SIZE + PARAVISOR_MEASURED_VTL2_CONFIG_ACCEPTED_MEMORY_PAGE_INDEX;
  const regions = input.importedRegions
    ? importedDescriptors(gm, input.importedRegions, input.shim?.isolation ?? input.isolation)
    : defaultImportedRegions(gm, built, input.isolation, fileImportedPage);
  const hash = sharedPagesHash(gm, regions);
  if (atLeast(upstream, "1488a37")) {
    // 61fd38fe6: the per-page expected hashes go into their own measured region.
    place(gm, vtl2, "shim.parameterRegionStart", "expected-page-hashes region", expectedPageHashesArea(pr / HV_PAGE_SIZE).start, encodeExpectedPageHashes(gm, regions));
  }
  place(gm, vtl2, "shim.parameterRegionStart", "imported-regions page", importedPage, encodeImportedRegionsPage(hash, regions));

  return {
    shimBase: l.shim.start,
    shimParamsOffset: l.shimParams.start - l.shim.start,
    hvIsolation: isolation === "vbs",
    layout: l,
    raw,
    params,
    importedRegions: regions,
  };
}
