//! What the `boot` oracle knows from a boot image before booting it: the exact VTL2 GPA pool size
//! when the command line or the host's DMA hint fixes it, and the host's MMIO gaps.
// Ports: openhcl/openhcl_boot/src/cmdline.rs (`Vtl2GpaPoolConfig` from a string, `parse` per line),
//        openhcl/openhcl_boot/src/host_params/dt/dma_hint.rs (`pick_private_pool_size` precedence),
//        openhcl/openhcl_boot/src/host_params/dt/mod.rs (pool only for non-isolated first boots).
import type { ResolvedImage } from "../../image/resolve.js";
import type { BootExpectations } from "../oracle.js";

const POOL = "OPENHCL_ENABLE_VTL2_GPA_POOL=";
const PAGE = 0x1000n;

/** `Vtl2GpaPoolConfig::from(value)`: a page count, "off" (also 0 or unparsable), or the heuristics. */
export function poolConfig(value: string): { pages: bigint } | "off" | "heuristics" {
  if (value === "debug" || value === "release") return "heuristics";
  if (value === "off") return "off";
  // Rust's u64::from_str: an optional '+', then decimal digits, at most u64::MAX.
  if (!/^\+?[0-9]+$/.test(value)) return "off";
  const n = BigInt(value.replace(/^\+/, ""));
  return n === 0n || n > 0xffff_ffff_ffff_ffffn ? "off" : { pages: n };
}

const IGVM_POOL = "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=";
type PoolConfig = ReturnType<typeof poolConfig>;

/**
 * The pool config after `BootCommandLineOptions::parse` of each line in turn (the measured line,
 * then /chosen/bootargs unless the policy is static): within a line an IGVM_VTL2_GPA_POOL_CONFIG
 * word sets it where it stands and the last ENABLE_VTL2_GPA_POOL word overrides it at the end.
 */
export function poolConfigAfter(lines: readonly string[]): PoolConfig {
  let config: PoolConfig = "heuristics";
  for (const line of lines) {
    let override: PoolConfig | undefined;
    for (const w of line.split(/\s+/)) {
      if (w.startsWith(IGVM_POOL)) config = poolConfig(w.slice(w.indexOf("=") + 1));
      else if (w.startsWith(POOL)) override = poolConfig(w.slice(w.indexOf("=") + 1));
    }
    if (override !== undefined) config = override;
  }
  return config;
}

/**
 * The pool size the boot must reserve, when the image fixes it: a page count or "off" from the
 * command line, else the host's DMA hint pages when nonzero. Undefined when the heuristics table
 * decides, when isolated, or for a servicing boot.
 */
export function expectedPoolBytes(r: ResolvedImage): bigint | undefined {
  if (r.isolation !== "none" || r.persistedState || !r.vm) return undefined;
  const lines = [r.image.commandLine?.text ?? ""];
  if (r.image.commandLine?.policy !== "static") lines.push(r.vm.commandLine);
  const config = poolConfigAfter(lines);
  if (config === "off") return 0n;
  if (config !== "heuristics") return config.pages * PAGE <= 0xffff_ffff_ffff_ffffn ? config.pages * PAGE : undefined;
  const dma = r.vm.hostExtensions.deviceDmaTotalPages;
  return dma !== undefined && dma !== 0n && dma * PAGE <= 0xffff_ffff_ffff_ffffn ? dma * PAGE : undefined;
}

/** The oracle's expectations for a resolved image: pool size and the host's MMIO gaps. */
export function bootExpectations(r: ResolvedImage): BootExpectations {
  const e: BootExpectations = {};
  const pool = expectedPoolBytes(r);
  if (pool !== undefined) e.poolBytes = pool;
  if (r.vm) e.mmioGaps = r.vm.memoryLayout.mmio().map((g) => ({ start: g.start, end: g.end }));
  return e;
}
