//! VTL2 image layout: where the OpenHCL loader places each part of the paravisor image in VTL2
//! memory (persisted state, bounce buffer, kernel, sidecar, shim, initrd, GDT, shim parameters,
//! command line, reserved pages, parameter region, log buffer, heap, page tables).
// Ports: vm/loader/src/paravisor.rs (load_openhcl_x64, load_openhcl_arm64: layout arithmetic)

import { InputError } from "../errors.js";
import { defaultUpstream, type UpstreamPin } from "../upstream.js";
import {
  HV_PAGE_SIZE,
  PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS,
  PARAVISOR_LOCAL_MAP_SIZE,
  PARAVISOR_LOCAL_MAP_VA,
  PARAVISOR_RESERVED_VTL2_PAGE_COUNT_MAX,
  vtl2ConfigRegionPageCount,
  PERSISTED_REGION_SIZE,
} from "./defs.js";

export type Arch = "x86_64" | "aarch64";
export type Isolation = "none" | "vbs" | "snp" | "tdx";

const LARGE_PAGE = 0x20_0000n;
const ONE_GB = 0x4000_0000n;

/** Sizes of the binaries the loader places (the real ELF files are not simulated). */
export interface Vtl2Binaries {
  /** Bytes the kernel occupies (page aligned up). Default 0xa00000 (10 MiB). */
  kernelSize?: bigint;
  /** Kernel entry point relative to its load address. Default 0. */
  kernelEntryOffset?: bigint;
  /** Bytes the boot shim image occupies (page aligned up). Default 0x40000. */
  shimSize?: bigint;
  /** Initrd contents (its CRC is recorded). Default none. */
  initrd?: Uint8Array;
  /** Bytes of the sidecar kernel (x86_64 only); 0 or absent means no sidecar. */
  sidecarSize?: bigint;
}

/** An absolute range [start, end). */
export interface Area {
  start: bigint;
  end: bigint;
}

/** Every area of the laid-out image (absolute addresses). */
export interface Vtl2Layout {
  arch: Arch;
  /** The upstream pin whose loader this layout follows (the parameter region size differs). */
  upstream: UpstreamPin;
  memory: Area;
  persistedState: Area;
  bounceBuffer: Area | null;
  kernel: Area;
  kernelEntry: bigint;
  sidecar: Area;
  sidecarEntry: bigint;
  shim: Area;
  initrd: Area | null;
  initrdSize: bigint;
  gdt: Area | null;
  shimParams: Area;
  commandLine: Area;
  reserved: Area | null;
  parameterRegion: Area;
  logBuffer: Area;
  heap: Area;
  pageTables: Area;
  /** End of what the loader populated (`used_end`). */
  usedEnd: bigint;
}

/** Rounds up to a multiple of `a` (a power of two). */
export function alignUp(v: bigint, a: bigint): bigint {
  return (v + a - 1n) & ~(a - 1n);
}

/** PDE tables needed to identity map [start, start+size) with 2 MiB pages (page_table x64). */
export function calculatePdeTableCount(start: bigint, size: bigint): bigint {
  const startUp = alignUp(start, ONE_GB);
  const end = start + size;
  const endDown = (end / ONE_GB) * ONE_GB;
  if (size < ONE_GB) return end > endDown && start < endDown ? 2n : 1n;
  let count = 0n;
  if (start !== startUp) count += 1n;
  if (endDown > startUp) count += (endDown - startUp) / ONE_GB;
  if (end > endDown) count += 1n;
  return count;
}

const area = (start: bigint, len: bigint): Area => ({ start, end: start + len });

/** Computes the image layout as the paravisor loader does; errors carry upstream's text. */
export function computeVtl2Layout(
  arch: Arch, isolation: Isolation, base: bigint, size: bigint, bin: Vtl2Binaries = {}, upstream: UpstreamPin = defaultUpstream(),
): Vtl2Layout {
  if (base % LARGE_PAGE !== 0n) throw new InputError(`vtl2Base: memory is unaligned: ${base}`);
  if (size % LARGE_PAGE !== 0n) throw new InputError(`vtl2Size: memory is unaligned: ${size}`);
  const kernelSize = alignUp(bin.kernelSize ?? 0xa0_0000n, HV_PAGE_SIZE);
  const shimSize = alignUp(bin.shimSize ?? 0x4_0000n, HV_PAGE_SIZE);
  const sidecarSize = alignUp(bin.sidecarSize ?? 0n, HV_PAGE_SIZE);
  const initrdLen = BigInt(bin.initrd?.length ?? 0);
  if (arch === "aarch64" && sidecarSize > 0n) throw new InputError("binaries.sidecarSize: the sidecar is loaded on x86_64 only");
  const hw = isolation === "snp" || isolation === "tdx";

  let off = base;
  const persistedState = area(off, PERSISTED_REGION_SIZE);
  off += PERSISTED_REGION_SIZE;
  let bounceBuffer: Area | null = null;
  if (arch === "x86_64" && hw) {
    bounceBuffer = area(off, LARGE_PAGE);
    off += LARGE_PAGE;
  }
  const kernel = area(off, kernelSize);
  const kernelEntry = off + (bin.kernelEntryOffset ?? 0n);
  off = kernel.end;

  let sidecar: Area;
  let sidecarEntry = 0n;
  let initrd: Area | null = null;
  let gdt: Area | null = null;
  let reserved: Area | null = null;
  let shim: Area;
  let shimParams: Area;
  let commandLine: Area;
  if (arch === "x86_64") {
    if (sidecarSize > 0n) {
      off = alignUp(off, LARGE_PAGE);
      sidecarEntry = off;
    }
    sidecar = area(off, sidecarSize);
    off += sidecarSize;
    shim = area(off, shimSize);
    off = shim.end;
    if (bin.initrd) {
      initrd = area(off, alignUp(initrdLen, HV_PAGE_SIZE));
      off = initrd.end;
    }
    gdt = area(off, HV_PAGE_SIZE);
    off += HV_PAGE_SIZE;
    shimParams = area(off, HV_PAGE_SIZE);
    off += HV_PAGE_SIZE;
    commandLine = area(off, HV_PAGE_SIZE);
    off += HV_PAGE_SIZE;
    reserved = area(off, PARAVISOR_RESERVED_VTL2_PAGE_COUNT_MAX * HV_PAGE_SIZE);
    off = reserved.end;
  } else {
    sidecar = area(0n, 0n);
    // The arm64 kernel loader puts the initrd at the next 2 MiB boundary after the kernel.
    if (bin.initrd) {
      initrd = area(alignUp(off, LARGE_PAGE), initrdLen);
      off = initrd.end;
    }
    off = alignUp(off, HV_PAGE_SIZE);
    shim = area(off, shimSize);
    off = shim.end;
    commandLine = area(off, HV_PAGE_SIZE);
    off += HV_PAGE_SIZE;
    shimParams = area(off, HV_PAGE_SIZE);
    off += HV_PAGE_SIZE;
  }
  // 61fd38fe6 (1488a37): the parameter region ends with the 256-page expected-hashes region.
  const parameterRegion = area(off, vtl2ConfigRegionPageCount(upstream) * HV_PAGE_SIZE);
  off = parameterRegion.end;
  const logBuffer = area(off, 2n * HV_PAGE_SIZE);
  off = logBuffer.end;
  const heap = area(off, 16n * HV_PAGE_SIZE);
  off = heap.end;

  let pageTablePages: bigint;
  if (arch === "x86_64") {
    const localMap = hw ? calculatePdeTableCount(PARAVISOR_LOCAL_MAP_VA, PARAVISOR_LOCAL_MAP_SIZE) : 0n;
    pageTablePages = 5n + calculatePdeTableCount(base, size) * 2n + localMap + (isolation === "tdx" ? 3n : 0n);
  } else {
    pageTablePages = 5n + 2n * 5n;
  }
  const pageTables = area(off, pageTablePages * HV_PAGE_SIZE);
  off = pageTables.end;

  if (off > base + size) throw new InputError(`vtl2Size: memory used: ${off - base} is greater than available`);
  // The arm64 loader rejects hardware isolation only when it builds the shim parameters, after
  // the memory check.
  if (arch === "aarch64" && (isolation === "snp" || isolation === "tdx")) {
    throw new InputError("isolation: only None and VBS are supported for ARM64");
  }

  return {
    arch,
    upstream,
    memory: area(base, size),
    persistedState,
    bounceBuffer,
    kernel,
    kernelEntry,
    sidecar,
    sidecarEntry,
    shim,
    initrd,
    initrdSize: initrdLen,
    gdt,
    shimParams,
    commandLine,
    reserved,
    parameterRegion,
    logBuffer,
    heap,
    pageTables,
    usedEnd: off,
  };
}

/** The maximum relocation GPA paravisor.rs declares for VTL2 (1 << 48). */
export const VTL2_MAXIMUM_RELOCATION_GPA = 1n << 48n;

/** Whether the file's loader declares VTL2 relocatable: x86_64 only when not isolated; aarch64 always. */
export function supportsRelocation(arch: Arch, isolation: Isolation): boolean {
  return arch === "aarch64" || isolation === "none";
}

/**
 * Rust's `Debug` of the relocation header the loader declares for `l` (igvm's
 * `IgvmRelocatableRegion`): VTL2 memory up to the end of the heap (page tables excluded), 2 MiB
 * alignment, 128 MiB .. 1 << 48, RIP relocated, GDTR relocated on x86_64 only, BSP, VTL2.
 */
export function relocatableRegionDebug(l: Vtl2Layout): string {
  const base = l.memory.start;
  return (
    `IgvmRelocatableRegion { base_gpa: ${base}, size: ${l.heap.end - base}, relocation_alignment: ${LARGE_PAGE}, ` +
    `minimum_relocation_gpa: ${PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS}, maximum_relocation_gpa: ${VTL2_MAXIMUM_RELOCATION_GPA}, ` +
    `is_vtl2: true, apply_rip_offset: true, apply_gdtr_offset: ${l.arch === "x86_64"}, vp_index: 0, vtl: Vtl2 }`
  );
}

/**
 * Moves a layout built at the file's base to `newBase` as OpenVMM's IGVM loader relocates it: the
 * whole image (and its page-table region) shifts by one offset, the sizes stay the file's. Throws
 * the loader's error when the file declares no relocation or the base breaks its header.
 */
export function relocateVtl2Layout(l: Vtl2Layout, isolation: Isolation, newBase: bigint): Vtl2Layout {
  const base = l.memory.start;
  if (newBase === base) return l;
  if (!supportsRelocation(l.arch, isolation)) throw new InputError("vtl2Base: relocation not supported in igvm file");
  const end = newBase + (l.heap.end - base);
  if (newBase % LARGE_PAGE !== 0n || newBase < PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS || end > VTL2_MAXIMUM_RELOCATION_GPA) {
    throw new InputError(`vtl2Base: relocated base address is not supported by relocation header ${relocatableRegionDebug(l)}`);
  }
  const off = newBase - base;
  const mv = (a: Area): Area => ({ start: a.start + off, end: a.end + off });
  const mvn = (a: Area | null): Area | null => (a ? mv(a) : null);
  return {
    ...l,
    memory: mv(l.memory),
    persistedState: mv(l.persistedState),
    bounceBuffer: mvn(l.bounceBuffer),
    kernel: mv(l.kernel),
    kernelEntry: l.kernelEntry + off,
    sidecar: mv(l.sidecar),
    sidecarEntry: l.sidecarEntry + off,
    shim: mv(l.shim),
    initrd: mvn(l.initrd),
    gdt: mvn(l.gdt),
    shimParams: mv(l.shimParams),
    commandLine: mv(l.commandLine),
    reserved: mvn(l.reserved),
    parameterRegion: mv(l.parameterRegion),
    logBuffer: mv(l.logBuffer),
    heap: mv(l.heap),
    pageTables: mv(l.pageTables),
    usedEnd: l.usedEnd + off,
  };
}
