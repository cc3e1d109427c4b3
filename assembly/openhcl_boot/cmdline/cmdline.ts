//! Boot command line options of openhcl_boot: the `OPENHCL_*` switches the shim itself reads
//! (confidential debug, VTL2 GPA pool, sidecar, NVMe keepalive, pool NUMA split).
// Ports: openhcl/openhcl_boot/src/cmdline.rs

import { logInfo, logWarn } from "../../rt/log_level";
import { logOn } from "../../rt/log";

/** underhill_confidentiality's OPENHCL_CONFIDENTIAL_DEBUG_ENV_VAR_NAME (matched as a prefix). */
export const OPENHCL_CONFIDENTIAL_DEBUG_ENV_VAR_NAME = "OPENHCL_CONFIDENTIAL_DEBUG";
/** Pool config from the IGVM manifest: `release`, `debug`, `off` or a page count. */
export const IGVM_VTL2_GPA_POOL_CONFIG = "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=";
/** Test override of the pool config; wins over IGVM_VTL2_GPA_POOL_CONFIG wherever it appears. */
export const ENABLE_VTL2_GPA_POOL = "OPENHCL_ENABLE_VTL2_GPA_POOL=";
/** Sidecar switches: comma-separated `off`, `on`, `log` (last one wins). */
export const SIDECAR = "OPENHCL_SIDECAR=";
/** `=0` re-enables NVMe keepalive; anything else leaves it disabled. */
export const DISABLE_NVME_KEEP_ALIVE = "OPENHCL_DISABLE_NVME_KEEP_ALIVE=";
/** `split` forces the pool to be split across NUMA nodes. */
export const VTL2_GPA_POOL_NUMA = "OPENHCL_VTL2_GPA_POOL_NUMA=";

/** Lookup table for pool-size heuristics: release (upstream `Vtl2GpaPoolLookupTable::Release`). */
export const LOOKUP_RELEASE: u32 = 0;
/** Lookup table for pool-size heuristics: debug (`Vtl2GpaPoolLookupTable::Debug`). */
export const LOOKUP_DEBUG: u32 = 1;

/** Debug name of a lookup table (`Release` / `Debug`). */
export function lookupTableName(table: u32): string {
  return table == LOOKUP_DEBUG ? "Debug" : "Release";
}

/** Pool config kind: size from heuristics or the device tree (`Heuristics(table)`). */
export const POOL_HEURISTICS: u32 = 0;
/** Pool config kind: pool disabled (`Off`). */
export const POOL_OFF: u32 = 1;
/** Pool config kind: explicit page count (`Pages(n)`). */
export const POOL_PAGES: u32 = 2;

/** How the VTL2 GPA pool is sized (upstream `Vtl2GpaPoolConfig`). */
@final
export class Vtl2GpaPoolConfig {
  constructor(
    /** POOL_HEURISTICS, POOL_OFF or POOL_PAGES. */
    public kind: u32,
    /** LOOKUP_RELEASE or LOOKUP_DEBUG (meaningful for POOL_HEURISTICS). */
    public table: u32,
    /** Page count (meaningful for POOL_PAGES, never 0 there). */
    public pages: u64,
  ) {}

  /** `Heuristics(table)`. */
  static heuristics(table: u32): Vtl2GpaPoolConfig {
    return new Vtl2GpaPoolConfig(POOL_HEURISTICS, table, 0);
  }

  /** `Off`. */
  static off(): Vtl2GpaPoolConfig {
    return new Vtl2GpaPoolConfig(POOL_OFF, LOOKUP_RELEASE, 0);
  }

  /** `Pages(n)`. */
  static withPages(pages: u64): Vtl2GpaPoolConfig {
    return new Vtl2GpaPoolConfig(POOL_PAGES, LOOKUP_RELEASE, pages);
  }

  /** Parses an option value: `debug`, `release`, `off`, else a page count (0 or unparsable: Off). */
  static fromArg(arg: string): Vtl2GpaPoolConfig {
    if (arg == "debug") return Vtl2GpaPoolConfig.heuristics(LOOKUP_DEBUG);
    if (arg == "release") return Vtl2GpaPoolConfig.heuristics(LOOKUP_RELEASE);
    if (arg == "off") return Vtl2GpaPoolConfig.off();
    const n = parseU64(arg);
    return n == 0 ? Vtl2GpaPoolConfig.off() : Vtl2GpaPoolConfig.withPages(n);
  }

  /** Value equality. */
  eq(other: Vtl2GpaPoolConfig): bool {
    if (this.kind != other.kind) return false;
    if (this.kind == POOL_HEURISTICS) return this.table == other.table;
    if (this.kind == POOL_PAGES) return this.pages == other.pages;
    return true;
  }

  /** Rust's derived Debug: `Heuristics(Release)`, `Off`, `Pages(512)`. */
  toDebugString(): string {
    if (this.kind == POOL_HEURISTICS) return "Heuristics(" + lookupTableName(this.table) + ")";
    if (this.kind == POOL_PAGES) return "Pages(" + this.pages.toString() + ")";
    return "Off";
  }
}

/** Parses like Rust's `str::parse::<u64>().unwrap_or(0)`: optional `+`, ASCII digits, no overflow. */
export function parseU64(s: string): u64 {
  const n = s.length;
  let i = 0;
  if (n == 0) return 0;
  if (s.charCodeAt(0) == 0x2b /* + */) {
    if (n == 1) return 0;
    i = 1;
  }
  let v: u64 = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return 0;
    const d = <u64>(c - 0x30);
    if (v > (u64.MAX_VALUE - d) / 10) return 0; // overflow is a parse error
    v = v * 10 + d;
  }
  return v;
}

/** Sidecar state: enabled (`Enabled { enable_logging, cpu_threshold }`). */
export const SIDECAR_ENABLED: u32 = 0;
/** Sidecar state: disabled because this is a servicing restore (`DisabledServicing`). */
export const SIDECAR_DISABLED_SERVICING: u32 = 1;
/** Sidecar state: disabled on the command line (`DisabledCommandLine`). */
export const SIDECAR_DISABLED_COMMAND_LINE: u32 = 2;

/** Sidecar options (upstream `SidecarOptions`). */
@final
export class SidecarOptions {
  /** Upstream `DEFAULT_CPU_THRESHOLD` (`Some(100)`). */
  static readonly DEFAULT_CPU_THRESHOLD: u32 = 100;

  constructor(
    /** SIDECAR_ENABLED, SIDECAR_DISABLED_SERVICING or SIDECAR_DISABLED_COMMAND_LINE. */
    public kind: u32,
    /** `enable_logging` (Enabled only). */
    public enableLogging: bool,
    /** `cpu_threshold` value (Enabled only, valid when hasCpuThreshold). */
    public cpuThreshold: u32,
    /** Whether `cpu_threshold` is `Some`. */
    public hasCpuThreshold: bool,
  ) {}

  /** `SidecarOptions::default()`: enabled, no logging, threshold 100. */
  static default(): SidecarOptions {
    return SidecarOptions.enabled(false);
  }

  /** `Enabled { enable_logging, cpu_threshold: DEFAULT_CPU_THRESHOLD }`. */
  static enabled(enableLogging: bool): SidecarOptions {
    return new SidecarOptions(SIDECAR_ENABLED, enableLogging, SidecarOptions.DEFAULT_CPU_THRESHOLD, true);
  }

  /** `DisabledServicing`. */
  static disabledServicing(): SidecarOptions {
    return new SidecarOptions(SIDECAR_DISABLED_SERVICING, false, 0, false);
  }

  /** `DisabledCommandLine`. */
  static disabledCommandLine(): SidecarOptions {
    return new SidecarOptions(SIDECAR_DISABLED_COMMAND_LINE, false, 0, false);
  }

  /** Value equality. */
  eq(other: SidecarOptions): bool {
    if (this.kind != other.kind) return false;
    if (this.kind != SIDECAR_ENABLED) return true;
    return (
      this.enableLogging == other.enableLogging &&
      this.hasCpuThreshold == other.hasCpuThreshold &&
      (!this.hasCpuThreshold || this.cpuThreshold == other.cpuThreshold)
    );
  }

  /** Rust's derived Debug, e.g. `Enabled { enable_logging: false, cpu_threshold: Some(100) }`. */
  toDebugString(): string {
    if (this.kind == SIDECAR_DISABLED_SERVICING) return "DisabledServicing";
    if (this.kind == SIDECAR_DISABLED_COMMAND_LINE) return "DisabledCommandLine";
    const t = this.hasCpuThreshold ? "Some(" + this.cpuThreshold.toString() + ")" : "None";
    return "Enabled { enable_logging: " + (this.enableLogging ? "true" : "false") + ", cpu_threshold: " + t + " }";
  }
}

/** Options openhcl_boot takes from its command lines (upstream `BootCommandLineOptions`). */
@final
export class BootCommandLineOptions {
  /** OPENHCL_CONFIDENTIAL_DEBUG given with a value other than `0`. */
  confidentialDebug: bool = false;
  /** VTL2 GPA pool sizing; default `Heuristics(Release)`. */
  enableVtl2GpaPool: Vtl2GpaPoolConfig = Vtl2GpaPoolConfig.heuristics(LOOKUP_RELEASE);
  /** Sidecar options; default enabled without logging, threshold 100. */
  sidecar: SidecarOptions = SidecarOptions.default();
  /** NVMe keepalive disabled; true by default and reset to true by every `parse`. */
  disableNvmeKeepAlive: bool = true;
  /** Split the pool evenly across NUMA nodes instead of trying node 0 first. */
  vtl2GpaPoolNumaSplit: bool = false;

  /** The defaults (upstream `BootCommandLineOptions::new`). */
  static new(): BootCommandLineOptions {
    return new BootCommandLineOptions();
  }

  /** Defaults updated by one command line (`new()` then `parse(cmdline)`). */
  static fromCommandLine(cmdline: string): BootCommandLineOptions {
    const o = new BootCommandLineOptions();
    o.parse(cmdline);
    return o;
  }

  /**
   * Updates these options from the whitespace-separated words of `cmdline`. Options not present
   * keep their current value, except `disableNvmeKeepAlive`, which starts over at true.
   */
  parse(cmdline: string): void {
    this.disableNvmeKeepAlive = true;
    let overrideConfig: Vtl2GpaPoolConfig | null = null;
    const n = cmdline.length;
    let i = 0;
    while (i < n) {
      while (i < n && isRustWhitespace(cmdline.charCodeAt(i))) i++;
      if (i >= n) break;
      const from = i;
      while (i < n && !isRustWhitespace(cmdline.charCodeAt(i))) i++;
      // Every option starts with "OPENHCL_": other words are skipped without copying them.
      if (cmdline.charCodeAt(from) != 0x4f) continue;
      const arg = cmdline.substring(from, i);
      const eq = arg.indexOf("=");
      const value: string | null = eq >= 0 ? arg.substring(eq + 1) : null;
      if (arg.startsWith(OPENHCL_CONFIDENTIAL_DEBUG_ENV_VAR_NAME)) {
        if (value !== null && value != "0") this.confidentialDebug = true;
      } else if (arg.startsWith(IGVM_VTL2_GPA_POOL_CONFIG)) {
        if (value !== null) this.enableVtl2GpaPool = Vtl2GpaPoolConfig.fromArg(value);
        else logWarn("Missing value for IGVM_VTL2_GPA_POOL_CONFIG argument");
      } else if (arg.startsWith(ENABLE_VTL2_GPA_POOL)) {
        if (value !== null) overrideConfig = Vtl2GpaPoolConfig.fromArg(value);
        else logWarn("Missing value for ENABLE_VTL2_GPA_POOL argument");
      } else if (arg.startsWith(SIDECAR)) {
        if (value !== null) this.parseSidecar(value);
      } else if (arg.startsWith(DISABLE_NVME_KEEP_ALIVE)) {
        if (value !== null && value == "0") this.disableNvmeKeepAlive = false;
      } else if (arg.startsWith(VTL2_GPA_POOL_NUMA)) {
        if (value !== null) {
          if (value == "split") this.vtl2GpaPoolNumaSplit = true;
          else if (logOn()) logWarn("Unknown value for OPENHCL_VTL2_GPA_POOL_NUMA: " + value);
        }
      }
    }
    if (overrideConfig !== null) {
      this.enableVtl2GpaPool = overrideConfig;
      if (logOn()) logInfo("Overriding VTL2 GPA pool config to " + overrideConfig.toDebugString() + " from command line");
    }
  }

  // Applies each comma-separated sidecar switch in order; unknown ones are ignored.
  private parseSidecar(value: string): void {
    let from = 0;
    for (;;) {
      let to = value.indexOf(",", from);
      const last = to < 0;
      if (last) to = value.length;
      const word = value.substring(from, to);
      if (word == "off") this.sidecar = SidecarOptions.disabledCommandLine();
      else if (word == "on") this.sidecar = SidecarOptions.enabled(false);
      else if (word == "log") this.sidecar = SidecarOptions.enabled(true);
      if (last) break;
      from = to + 1;
    }
  }

  /** Value equality of every option. */
  eq(other: BootCommandLineOptions): bool {
    return (
      this.confidentialDebug == other.confidentialDebug &&
      this.enableVtl2GpaPool.eq(other.enableVtl2GpaPool) &&
      this.sidecar.eq(other.sidecar) &&
      this.disableNvmeKeepAlive == other.disableNvmeKeepAlive &&
      this.vtl2GpaPoolNumaSplit == other.vtl2GpaPoolNumaSplit
    );
  }
}

/** Rust `char::is_whitespace` (Unicode White_Space) for a UTF-16 code unit; all are in the BMP. */
@inline
export function isRustWhitespace(c: i32): bool {
  if (c == 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  if (c < 0x85) return false;
  return (
    c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000
  );
}
