//! The other modules' APIs that the partition topology code uses, gathered in one place. Parts
//! whose module has not landed yet are TEMPORARY stand-ins with the planned names (PREAMBLE.md);
//! when the real module lands, the stand-in here is replaced by a re-export.
// Ports: openhcl/openhcl_boot/src/cmdline.rs (parse, stand-in), host_params/mmio.rs,
//        host_params/dt/dma_hint.rs (explicit sizes only, stand-in), host_fdt_parser types.

import { panic } from "./runtime/panic";
import { log } from "./runtime/log";
import { MemoryRange } from "./memory_range";
import { RangeList } from "./range_list_standin";

// --- ranges (assembly/memory_range.ts once RangeList/walkRanges land) -------------------------
export { RangeList, RangeWalk, walkRanges, subtractRanges, WALK_NEITHER, WALK_LEFT, WALK_RIGHT, WALK_BOTH } from "./range_list_standin";

// --- host_fdt_parser types (assembly/host_fdt_parser.ts once it lands) ------------------------

/** One memory entry of the host memory map. */
export class MemoryEntry {
  constructor(public range: MemoryRange, public memType: u32, public vnode: u32) {}
}

/** A VMBus node: connection id and up to two mmio ranges. */
export class VmbusInfo {
  mmio: RangeList = new RangeList(2);
  constructor(public connectionId: u32) {}
}

/** GIC information (aarch64). */
export class GicInfo {
  distributorBase: u64 = 0;
  distributorSize: u64 = 0;
  redistributorsBase: u64 = 0;
  redistributorsSize: u64 = 0;
  redistributorStride: u64 = 0;
}

/** Host or VTL2 memory allocation mode, with the optional VTL2 sizes. */
export class MemoryAllocationMode {
  vtl2: bool = false;
  memorySize: u64 = 0;
  hasMemorySize: bool = false;
  mmioSize: u64 = 0;
  hasMmioSize: bool = false;
}

/** igvm_defs MemoryMapEntryType values. */
export const MEMORY_TYPE_MEMORY: u32 = 0;
export const MEMORY_TYPE_PLATFORM_RESERVED: u32 = 1;
export const MEMORY_TYPE_PERSISTENT: u32 = 2;
export const MEMORY_TYPE_VTL2_PROTECTABLE: u32 = 3;

/** `{:?}` of a MemoryMapEntryType (open_enum: name, or `MemoryMapEntryType(n)`). */
export function memoryMapEntryTypeName(t: u32): string {
  switch (t) {
    case 0: return "MEMORY";
    case 1: return "PLATFORM_RESERVED";
    case 2: return "PERSISTENT";
    case 3: return "VTL2_PROTECTABLE";
    case 4: return "SPECIFIC_PURPOSE";
    case 5: return "HIDDEN";
  }
  return "MemoryMapEntryType(" + t.toString() + ")";
}

/** STAND-IN for the parsed host device tree (planned API of assembly/host_fdt_parser.ts). */
export class ParsedDeviceTree {
  cpuCount: i32 = 0;
  cpuRegs: StaticArray<u64> = new StaticArray<u64>(2048);
  cpuVnodes: StaticArray<u32> = new StaticArray<u32>(2048);
  memoryCount: i32 = 0;
  memoryEntries: StaticArray<MemoryEntry | null> = new StaticArray<MemoryEntry | null>(1024);
  vmbusVtl0: VmbusInfo | null = null;
  vmbusVtl2: VmbusInfo | null = null;
  commandLine: string = "";
  com3SerialAvailable: bool = false;
  gic: GicInfo | null = null;
  pmuGsiv: u32 = 0;
  hasPmuGsiv: bool = false;
  memoryAllocationMode: MemoryAllocationMode = new MemoryAllocationMode();
  entropy: StaticArray<u8> = new StaticArray<u8>(256);
  entropyLen: i32 = 0;
  hasEntropy: bool = false;
  deviceDmaPageCount: u64 = 0;
  hasDeviceDmaPageCount: bool = false;
  nvmeKeepalive: bool = false;
  vtl0AliasMap: u64 = 0;
  hasVtl0AliasMap: bool = false;
  bootCpuidPhys: u32 = 0;

  /** APIC id / MPIDR of CPU i. */
  cpuReg(i: i32): u64 { return this.cpuRegs[i]; }
  /** NUMA node of CPU i. */
  cpuVnode(i: i32): u32 { return this.cpuVnodes[i]; }
  /** Memory entry i (sorted by start). */
  memory(i: i32): MemoryEntry { return this.memoryEntries[i]!; }
}

// --- cmdline.rs (assembly/cmdline.ts once it lands) -------------------------------------------

export const POOL_HEURISTICS: u32 = 0;
export const POOL_OFF: u32 = 1;
export const POOL_PAGES: u32 = 2;
export const TABLE_RELEASE: u32 = 0;
export const TABLE_DEBUG: u32 = 1;

/** Vtl2GpaPoolConfig: heuristics (with lookup table), off, or an explicit page count. */
export class Vtl2GpaPoolConfig {
  constructor(public kind: u32, public table: u32, public pages: u64) {}
  /** Upstream `From<&str>`. */
  static from(arg: string): Vtl2GpaPoolConfig {
    if (arg == "debug") return new Vtl2GpaPoolConfig(POOL_HEURISTICS, TABLE_DEBUG, 0);
    if (arg == "release") return new Vtl2GpaPoolConfig(POOL_HEURISTICS, TABLE_RELEASE, 0);
    if (arg == "off") return new Vtl2GpaPoolConfig(POOL_OFF, 0, 0);
    const n = parseRustU64(arg);
    return n == 0 ? new Vtl2GpaPoolConfig(POOL_OFF, 0, 0) : new Vtl2GpaPoolConfig(POOL_PAGES, 0, n);
  }
  /** `{:?}`. */
  debug(): string {
    if (this.kind == POOL_OFF) return "Off";
    if (this.kind == POOL_PAGES) return "Pages(" + this.pages.toString() + ")";
    return "Heuristics(" + (this.table == TABLE_DEBUG ? "Debug" : "Release") + ")";
  }
}

// `str::parse::<u64>`: optional '+', decimal digits, no overflow; 0 on failure.
function parseRustU64(s: string): u64 {
  let i = 0;
  if (s.length > 0 && s.charCodeAt(0) == 0x2b) i = 1;
  if (i >= s.length) return 0;
  let v: u64 = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return 0;
    const d = <u64>(c - 0x30);
    if (v > (U64.MAX_VALUE - d) / 10) return 0;
    v = v * 10 + d;
  }
  return v;
}

export const SIDECAR_ENABLED: u32 = 0;
export const SIDECAR_DISABLED_SERVICING: u32 = 1;
export const SIDECAR_DISABLED_COMMAND_LINE: u32 = 2;

/** STAND-IN for BootCommandLineOptions (cmdline.rs), with the same parse behavior. */
export class BootCommandLineOptions {
  confidentialDebug: bool = false;
  enableVtl2GpaPool: Vtl2GpaPoolConfig = new Vtl2GpaPoolConfig(POOL_HEURISTICS, TABLE_RELEASE, 0);
  sidecar: u32 = SIDECAR_ENABLED;
  sidecarEnableLogging: bool = false;
  disableNvmeKeepAlive: bool = true;
  vtl2GpaPoolNumaSplit: bool = false;

  /** `{:?}` of the sidecar options. */
  sidecarDebug(): string {
    if (this.sidecar == SIDECAR_DISABLED_SERVICING) return "DisabledServicing";
    if (this.sidecar == SIDECAR_DISABLED_COMMAND_LINE) return "DisabledCommandLine";
    return "Enabled { enable_logging: " + (this.sidecarEnableLogging ? "true" : "false") + ", cpu_threshold: Some(100) }";
  }

  /** Parses OpenHCL boot options out of a command line. */
  parse(cmdline: string): void {
    this.disableNvmeKeepAlive = true;
    let overrideCfg: Vtl2GpaPoolConfig | null = null;
    const args = splitWhitespace(cmdline);
    for (let k = 0; k < args.length; k++) {
      const arg = args[k];
      const eq = arg.indexOf("=");
      const value = eq >= 0 ? arg.substring(eq + 1) : "";
      if (arg.startsWith("OPENHCL_CONFIDENTIAL_DEBUG")) {
        if (eq >= 0 && value != "0") this.confidentialDebug = true;
      } else if (arg.startsWith("OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=")) {
        this.enableVtl2GpaPool = Vtl2GpaPoolConfig.from(value);
      } else if (arg.startsWith("OPENHCL_ENABLE_VTL2_GPA_POOL=")) {
        overrideCfg = Vtl2GpaPoolConfig.from(value);
      } else if (arg.startsWith("OPENHCL_SIDECAR=")) {
        const parts = value.split(",");
        for (let j = 0; j < parts.length; j++) {
          const p = parts[j];
          if (p == "off") this.sidecar = SIDECAR_DISABLED_COMMAND_LINE;
          else if (p == "on") { this.sidecar = SIDECAR_ENABLED; this.sidecarEnableLogging = false; }
          else if (p == "log") { this.sidecar = SIDECAR_ENABLED; this.sidecarEnableLogging = true; }
        }
      } else if (arg.startsWith("OPENHCL_DISABLE_NVME_KEEP_ALIVE=")) {
        if (value == "0") this.disableNvmeKeepAlive = false;
      } else if (arg.startsWith("OPENHCL_VTL2_GPA_POOL_NUMA=")) {
        if (value == "split") this.vtl2GpaPoolNumaSplit = true;
        else log("[WARN] Unknown value for OPENHCL_VTL2_GPA_POOL_NUMA: " + value);
      }
    }
    if (overrideCfg !== null) {
      this.enableVtl2GpaPool = overrideCfg;
      log("[INFO] Overriding VTL2 GPA pool config to " + overrideCfg.debug() + " from command line");
    }
  }
}

function isRustWhitespace(c: i32): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

function splitWhitespace(s: string): string[] {
  const out = new Array<string>();
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const ws = isRustWhitespace(s.charCodeAt(i));
    if (ws && start >= 0) { out.push(s.substring(start, i)); start = -1; }
    else if (!ws && start < 0) start = i;
  }
  if (start >= 0) out.push(s.substring(start));
  return out;
}

// --- dma_hint.rs (assembly/dma_hint.ts once it lands) -----------------------------------------

/**
 * STAND-IN for pick_private_pool_size: command line and device tree sizes as upstream; the
 * heuristics lookup table lives in assembly/dma_hint.ts and is not available here yet.
 * Returns the page count, or -1 for `None`.
 */
export function pickPrivatePoolSize(cfg: Vtl2GpaPoolConfig, hasDt: bool, dt: u64, vpCount: i32, memSize: u64): i64 {
  if (cfg.kind == POOL_OFF) {
    log("[INFO] vtl2 gpa pool disabled via command line");
    return -1;
  }
  if (cfg.kind == POOL_PAGES) {
    log("[INFO] vtl2 gpa pool enabled via command line with pages: " + cfg.pages.toString());
    return <i64>cfg.pages;
  }
  if (!hasDt || dt == 0) {
    log("[INFO] vtl2 gpa pool coming from heuristics table: " + (cfg.table == TABLE_DEBUG ? "Debug" : "Release"));
    panic("vtl2 gpa pool heuristics need assembly/dma_hint.ts, which is not merged yet (stand-in)");
  }
  log("[INFO] vtl2 gpa pool enabled via device tree with pages: " + dt.toString());
  return <i64>dt;
}

// --- mmio.rs (assembly/mmio.ts once it lands) -------------------------------------------------

const MMIO_HIGH_RANGE_START: u64 = 1 << 32;

/** Picks VTL2 mmio from the top of the highest VTL0 range above 4 GiB; null = NotEnoughVtl0Mmio. */
export function selectVtl2MmioRange(mmio: RangeList, vtl2Size: u64): MemoryRange | null {
  for (let i = mmio.length - 1; i >= 0; i--) {
    if (mmio.start(i) < MMIO_HIGH_RANGE_START) continue;
    if (mmio.end(i) - mmio.start(i) < vtl2Size) return null;
    return MemoryRange.new(mmio.end(i) - vtl2Size, mmio.end(i));
  }
  return null;
}
