//! Parameters fixed at IGVM build time (`ShimParams`), read out of guest memory relative to where
//! the boot shim was loaded: regions, isolation type, measured command line, host device tree and
//! the imported-regions list.
// Ports: openhcl/openhcl_boot/src/host_params/shim_params.rs (with arch/*/vsm.rs get_isolation_type)

import { MemoryRange, RangeList } from "../../../support/memory_range/lib";
import { panic } from "../../../rt/panic";
import { fmtInvalidRangeDebug } from "../../../rt/fmt";
import { guestRead } from "../../../rt/guest";
import { crc32Begin, crc32Update, crc32End } from "../../../support/crc32fast/crc32";

/** Hyper-V page size. */
export const HV_PAGE_SIZE: u64 = 0x1000;

/** Architectures the shim is built for (runtime choice here: one WASM serves both). */
export const ARCH_X86_64: u32 = 0;
export const ARCH_AARCH64: u32 = 1;

/** `IsolationType` of the partition. */
export const ISOLATION_NONE: u32 = 0;
export const ISOLATION_VBS: u32 = 1;
export const ISOLATION_SNP: u32 = 2;
export const ISOLATION_TDX: u32 = 3;
export const ISOLATION_CCA: u32 = 4;

/** `SupportedIsolationType` values written by the loader. */
export const SUPPORTED_ISOLATION_VBS: u32 = 1;
export const SUPPORTED_ISOLATION_SNP: u32 = 2;
export const SUPPORTED_ISOLATION_TDX: u32 = 3;

/** Parameter region page indices and sizes (loader_defs::paravisor). */
export const PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX: u64 = 40;
export const PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES: u64 = 64;
export const PARAVISOR_MEASURED_VTL2_CONFIG_ACCEPTED_MEMORY_PAGE_INDEX: u64 = 104;
export const PARAVISOR_RESERVED_VTL2_SNP_CPUID_PAGE_INDEX: u64 = 1;
export const PARAVISOR_RESERVED_VTL2_SNP_SECRETS_PAGE_INDEX: u64 = 3;

/** `ShimParamsRaw`: 25 fields, 192 bytes; byte offsets of each field. */
export const SHIM_PARAMS_RAW_SIZE: u32 = 192;
const O_KERNEL_ENTRY: usize = 0;
const O_CMDLINE: usize = 8;
const O_INITRD: usize = 16;
const O_INITRD_SIZE: usize = 24;
const O_INITRD_CRC: usize = 32;
const O_ISOLATION: usize = 36;
const O_MEMORY_START: usize = 40;
const O_MEMORY_SIZE: usize = 48;
const O_PARAM_REGION: usize = 56;
const O_PARAM_REGION_SIZE: usize = 64;
const O_RESERVED: usize = 72;
const O_RESERVED_SIZE: usize = 80;
const O_SIDECAR: usize = 88;
const O_SIDECAR_SIZE: usize = 96;
const O_SIDECAR_ENTRY: usize = 104;
const O_USED_START: usize = 112;
const O_USED_END: usize = 120;
const O_BOUNCE_START: usize = 128;
const O_BOUNCE_SIZE: usize = 136;
const O_LOG_START: usize = 144;
const O_LOG_SIZE: usize = 152;
const O_HEAP_START: usize = 160;
const O_HEAP_SIZE: usize = 168;
const O_PERSISTED_START: usize = 176;
const O_PERSISTED_SIZE: usize = 184;

/** `ParavisorCommandLine`: policy u16, length u16, 4092 bytes of text (one page). */
export const COMMAND_LINE_SIZE: u32 = 4092;
export const PARAVISOR_COMMAND_LINE_SIZE: u32 = 4096;
export const COMMAND_LINE_POLICY_STATIC: u16 = 0;
export const COMMAND_LINE_POLICY_APPEND_CHOSEN: u16 = 1;

/** Imported-regions page: a 48-byte SHA-384, then 24-byte descriptors (168 fit). */
export const IMPORTED_REGIONS_HEADER_SIZE: u32 = 48;
export const IMPORTED_REGION_DESCRIPTOR_SIZE: u32 = 24;
export const IMPORTED_REGIONS_MAX: u32 = (<u32>HV_PAGE_SIZE - IMPORTED_REGIONS_HEADER_SIZE) / IMPORTED_REGION_DESCRIPTOR_SIZE;

/** Rust's `Debug` of a `SupportedIsolationType` (open_enum: variant name, else the number). */
function supportedIsolationDebug(v: u32): string {
  if (v == SUPPORTED_ISOLATION_VBS) return "VBS";
  if (v == SUPPORTED_ISOLATION_SNP) return "SNP";
  if (v == SUPPORTED_ISOLATION_TDX) return "TDX";
  return v.toString();
}

/**
 * The partition's isolation type from the loader's supported type. On x86_64, VBS means "ask the
 * hypervisor": `hvIsolation` is what CPUID's partition privileges report.
 */
export function getIsolationType(supported: u32, arch: u32, hvIsolation: bool): u32 {
  if (arch == ARCH_AARCH64) {
    if (supported != SUPPORTED_ISOLATION_VBS) panic("unexpected isolation type " + supportedIsolationDebug(supported));
    return ISOLATION_NONE;
  }
  if (supported == SUPPORTED_ISOLATION_VBS) return hvIsolation ? ISOLATION_VBS : ISOLATION_NONE;
  if (supported == SUPPORTED_ISOLATION_SNP) return ISOLATION_SNP;
  if (supported == SUPPORTED_ISOLATION_TDX) return ISOLATION_TDX;
  panic("unexpected isolation type");
  return ISOLATION_NONE;
}

/** True for SNP, TDX and CCA (`IsolationType::is_hardware_isolated`). */
export function isHardwareIsolated(isolation: u32): bool {
  return isolation == ISOLATION_SNP || isolation == ISOLATION_TDX || isolation == ISOLATION_CCA;
}

/** True when `len` bytes at `p` are valid UTF-8 by Rust's rules (no overlongs, surrogates or > U+10FFFF). */
export function isValidUtf8(p: usize, len: u32): bool {
  let i: u32 = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(p + i);
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let n: u32;
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) n = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      n = 2;
      if (b0 == 0xe0) lo = 0xa0;
      else if (b0 == 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      n = 3;
      if (b0 == 0xf0) lo = 0x90;
      else if (b0 == 0xf4) hi = 0x8f;
    } else return false;
    if (i + n >= len) return false;
    const b1 = <u32>load<u8>(p + i + 1);
    if (b1 < lo || b1 > hi) return false;
    for (let k: u32 = 2; k <= n; k++) {
      const b = <u32>load<u8>(p + i + k);
      if (b < 0x80 || b > 0xbf) return false;
    }
    i += n + 1;
  }
  return true;
}

/** The measured command line page (`ParavisorCommandLine`), copied out of guest memory. */
@final
export class ParavisorCommandLine {
  constructor(
    /** `CommandLinePolicy` (0 static, 1 append chosen). */
    public readonly policy: u16,
    /** Declared length of the static command line. */
    public readonly staticCommandLineLen: u16,
    /** Pointer to the 4092 text bytes (arena copy). */
    public readonly text: usize,
  ) {}

  /** The static command line, or null when its bytes are not UTF-8; panics like the slice index when the length exceeds 4092. */
  commandLine(): string | null {
    const len = <u32>this.staticCommandLineLen;
    if (len > COMMAND_LINE_SIZE) {
      panic("range end index " + len.toString() + " out of range for slice of length " + COMMAND_LINE_SIZE.toString());
    }
    if (!isValidUtf8(this.text, len)) return null;
    return String.UTF8.decodeUnsafe(this.text, <usize>len);
  }
}

/** Iterator over the imported-regions descriptors; stops at the first with page count 0. */
@final
export class ImportedRegionIter {
  private index: u32 = 0;
  private done: bool = false;
  /** The current region (valid after `next()` returned true). */
  range: MemoryRange = MemoryRange.empty();
  /** Whether the current region was accepted during import. */
  accepted: bool = false;

  constructor(private readonly descriptors: usize, private readonly count: u32) {}

  /** Advances; false at the end of the list. */
  next(): bool {
    if (this.done || this.index >= this.count) return false;
    const d = this.descriptors + <usize>this.index * IMPORTED_REGION_DESCRIPTOR_SIZE;
    const basePage = load<u64>(d);
    const pageCount = load<u64>(d, 8);
    if (pageCount == 0) {
      this.done = true;
      return false;
    }
    const start = basePage * HV_PAGE_SIZE;
    const end = start + pageCount * HV_PAGE_SIZE;
    const r = MemoryRange.tryNew(start, end);
    if (r === null) {
      panic("page number conversion into addresses results in a valid address range: " + fmtInvalidRangeDebug(start, end));
    }
    this.range = changetype<MemoryRange>(r);
    this.accepted = load<u8>(d, 16) != 0;
    this.index++;
    return true;
  }
}

/** Offsets and sizes fixed at IGVM build time, made absolute from the shim base. */
@final
export class ShimParams {
  kernelEntryAddress: u64 = 0;
  cmdlineBase: u64 = 0;
  initrdBase: u64 = 0;
  initrdSize: u64 = 0;
  initrdCrc: u32 = 0;
  memoryStartAddress: u64 = 0;
  memorySize: u64 = 0;
  parameterRegionStart: u64 = 0;
  parameterRegionSize: u64 = 0;
  vtl2ReservedRegionStart: u64 = 0;
  vtl2ReservedRegionSize: u64 = 0;
  isolationType: u32 = ISOLATION_NONE;
  sidecarEntryAddress: u64 = 0;
  sidecarBase: u64 = 0;
  sidecarSize: u64 = 0;
  used: MemoryRange = MemoryRange.empty();
  bounceBuffer: MemoryRange | null = null;
  logBuffer: MemoryRange = MemoryRange.empty();
  heap: MemoryRange = MemoryRange.empty();
  persistedState: MemoryRange = MemoryRange.empty();
  /** Architecture the parameters were read for. */
  arch: u32 = ARCH_X86_64;
  /** The measured command line page once read (or given explicitly by a test record). */
  commandLinePage: usize = 0;
  /** The imported regions once read (tag 1 = accepted at launch), or given explicitly. */
  importedRegionList: RangeList | null = null;

  /**
   * Reads `ShimParamsRaw` at `shimBase + rawOffset` from guest memory and makes it absolute (the
   * shim's `shim_parameters`). `hvIsolation` is the hypervisor's VBS isolation privilege.
   */
  static read(shimBase: u64, rawOffset: i64 = 0, arch: u32 = ARCH_X86_64, hvIsolation: bool = false): ShimParams {
    const raw = __alloc(<usize>SHIM_PARAMS_RAW_SIZE);
    guestRead(shimBase + <u64>rawOffset, raw, SHIM_PARAMS_RAW_SIZE);
    return ShimParams.fromRaw(shimBase, raw, arch, hvIsolation);
  }

  /** Builds the parameters from a raw struct in linear memory (upstream `ShimParams::new`). */
  static fromRaw(shimBase: u64, raw: usize, arch: u32, hvIsolation: bool): ShimParams {
    const p = new ShimParams();
    p.arch = arch;
    p.isolationType = getIsolationType(load<u32>(raw + O_ISOLATION), arch, hvIsolation);
    const bounceSize = load<u64>(raw + O_BOUNCE_SIZE);
    if (bounceSize != 0) {
      const base = shimBase + load<u64>(raw + O_BOUNCE_START);
      p.bounceBuffer = MemoryRange.new(base, base + bounceSize);
    }
    const logBase = shimBase + load<u64>(raw + O_LOG_START);
    p.logBuffer = MemoryRange.new(logBase, logBase + load<u64>(raw + O_LOG_SIZE));
    const heapBase = shimBase + load<u64>(raw + O_HEAP_START);
    p.heap = MemoryRange.new(heapBase, heapBase + load<u64>(raw + O_HEAP_SIZE));
    const psBase = shimBase + load<u64>(raw + O_PERSISTED_START);
    p.persistedState = MemoryRange.new(psBase, psBase + load<u64>(raw + O_PERSISTED_SIZE));

    p.kernelEntryAddress = shimBase + load<u64>(raw + O_KERNEL_ENTRY);
    p.cmdlineBase = shimBase + load<u64>(raw + O_CMDLINE);
    p.initrdBase = shimBase + load<u64>(raw + O_INITRD);
    p.initrdSize = load<u64>(raw + O_INITRD_SIZE);
    p.initrdCrc = load<u32>(raw + O_INITRD_CRC);
    p.memoryStartAddress = shimBase + load<u64>(raw + O_MEMORY_START);
    p.memorySize = load<u64>(raw + O_MEMORY_SIZE);
    p.parameterRegionStart = shimBase + load<u64>(raw + O_PARAM_REGION);
    p.parameterRegionSize = load<u64>(raw + O_PARAM_REGION_SIZE);
    p.vtl2ReservedRegionStart = shimBase + load<u64>(raw + O_RESERVED);
    p.vtl2ReservedRegionSize = load<u64>(raw + O_RESERVED_SIZE);
    p.sidecarEntryAddress = shimBase + load<u64>(raw + O_SIDECAR_ENTRY);
    p.sidecarBase = shimBase + load<u64>(raw + O_SIDECAR);
    p.sidecarSize = load<u64>(raw + O_SIDECAR_SIZE);
    p.used = MemoryRange.new(shimBase + load<u64>(raw + O_USED_START), shimBase + load<u64>(raw + O_USED_END));
    return p;
  }

  /** Address of the SNP secrets page. */
  secretsStart(): u64 {
    return this.vtl2ReservedRegionStart + PARAVISOR_RESERVED_VTL2_SNP_SECRETS_PAGE_INDEX * HV_PAGE_SIZE;
  }

  /** Address of the SNP CPUID page. */
  cpuidStart(): u64 {
    return this.vtl2ReservedRegionStart + PARAVISOR_RESERVED_VTL2_SNP_CPUID_PAGE_INDEX * HV_PAGE_SIZE;
  }

  /** Address of the host-provided device tree. */
  dtStart(): u64 {
    return this.parameterRegionStart + PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX * HV_PAGE_SIZE;
  }

  /** Size of the device tree area (64 pages). */
  dtSize(): u64 {
    return PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES * HV_PAGE_SIZE;
  }

  /** The measured command line page, copied from guest memory (once). */
  commandLine(): ParavisorCommandLine {
    let page = this.commandLinePage;
    if (page == 0) {
      if (this.cmdlineBase == 0) panic("should always be non null");
      page = __alloc(<usize>PARAVISOR_COMMAND_LINE_SIZE);
      guestRead(this.cmdlineBase, page, PARAVISOR_COMMAND_LINE_SIZE);
      this.commandLinePage = page;
    }
    return new ParavisorCommandLine(load<u16>(page), load<u16>(page, 2), page + 4);
  }

  /** Gives the command line explicitly: policy, length and text (a test record, no guest read). */
  setCommandLine(policy: u16, text: usize, len: u32): void {
    if (len > COMMAND_LINE_SIZE) panic("hclboot: measured command line longer than " + COMMAND_LINE_SIZE.toString() + " bytes");
    const page = __alloc(<usize>PARAVISOR_COMMAND_LINE_SIZE);
    memory.fill(page, 0, <usize>PARAVISOR_COMMAND_LINE_SIZE);
    store<u16>(page, policy);
    store<u16>(page, <u16>len, 2);
    memory.copy(page + 4, text, <usize>len);
    this.commandLinePage = page;
  }

  /** The imported regions as a list (tag 1 = accepted at launch), read once from guest memory. */
  importedRegionsList(): RangeList {
    let list = this.importedRegionList;
    if (list === null) {
      const it = this.importedRegions();
      const l = new RangeList(<i32>IMPORTED_REGIONS_MAX);
      while (it.next()) l.push(it.range.start, it.range.end, it.accepted ? 1 : 0);
      this.importedRegionList = l;
      return l;
    }
    return list;
  }

  /** CRC-32 of the initrd in guest memory, read in fixed-size chunks (upstream `crc32fast::hash(p.initrd())`). */
  initrdCrc32(): u32 {
    const CHUNK: u64 = 0x10000;
    const buf = __alloc(<usize>CHUNK);
    let c = crc32Begin();
    let at = this.initrdBase;
    let left = this.initrdSize;
    while (left > 0) {
      const n = left < CHUNK ? left : CHUNK;
      guestRead(at, buf, <u32>n);
      c = crc32Update(c, buf, <usize>n);
      at += n;
      left -= n;
    }
    return crc32End(c);
  }

  /** The device tree area copied into the arena (dtSize() bytes; untrusted host data). */
  deviceTree(): usize {
    const len = <u32>this.dtSize();
    const buf = __alloc(<usize>len);
    guestRead(this.dtStart(), buf, len);
    return buf;
  }

  /** Iterator over the imported regions of the parameter region. */
  importedRegions(): ImportedRegionIter {
    const page = this.parameterRegionStart + PARAVISOR_MEASURED_VTL2_CONFIG_ACCEPTED_MEMORY_PAGE_INDEX * HV_PAGE_SIZE;
    if (!(page + HV_PAGE_SIZE <= this.parameterRegionStart + this.parameterRegionSize)) {
      panic(
        "assertion failed: imported_region_page_address + hvdef::HV_PAGE_SIZE <= self.parameter_region_start + self.parameter_region_size",
      );
    }
    const bytes = IMPORTED_REGIONS_MAX * IMPORTED_REGION_DESCRIPTOR_SIZE;
    const buf = __alloc(<usize>bytes);
    guestRead(page + <u64>IMPORTED_REGIONS_HEADER_SIZE, buf, bytes);
    return new ImportedRegionIter(buf, IMPORTED_REGIONS_MAX);
  }

  /** The SHA-384 of the unaccepted imported pages (48 bytes copied into the arena). */
  importedRegionsHash(): usize {
    const page = this.parameterRegionStart + PARAVISOR_MEASURED_VTL2_CONFIG_ACCEPTED_MEMORY_PAGE_INDEX * HV_PAGE_SIZE;
    const buf = __alloc(<usize>IMPORTED_REGIONS_HEADER_SIZE);
    guestRead(page, buf, IMPORTED_REGIONS_HEADER_SIZE);
    return buf;
  }
}
