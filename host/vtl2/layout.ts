//! VTL2 image layout: where the OpenHCL loader places each part of the paravisor image in VTL2
//! memory (persisted state, bounce buffer, kernel, sidecar, shim, initrd, GDT, shim parameters,
//! command line, reserved pages, parameter region, log buffer, heap, page tables).
// Ports: vm/loader/src/paravisor.rs (load_openhcl_x64, load_openhcl_arm64: layout arithmetic)

import { InputError } from "../errors.js";
import {
  HV_PAGE_SIZE,
  PARAVISOR_LOCAL_MAP_SIZE,
  PARAVISOR_LOCAL_MAP_VA,
  PARAVISOR_RESERVED_VTL2_PAGE_COUNT_MAX,
  PARAVISOR_VTL2_CONFIG_REGION_PAGE_COUNT_MAX,
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
export function computeVtl2Layout(arch: Arch, isolation: Isolation, base: bigint, size: bigint, bin: Vtl2Binaries = {}): Vtl2Layout {
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
  const parameterRegion = area(off, PARAVISOR_VTL2_CONFIG_REGION_PAGE_COUNT_MAX * HV_PAGE_SIZE);
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
