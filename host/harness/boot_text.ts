//! The readable report of `hclboot boot` (without --json): boot log, VTL2 address space table,
//! MMIO, partition RAM summary, sidecar nodes, kernel command line and the E820 table.
// Ports: none (presentation of the docs/CONTRACT.md boot object)
import type { BootOutput, RangeJson } from "../contract.js";
import type { E820Entry } from "./boot.js";

const UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** A byte count in the largest unit it reaches: exact ("20 KiB") or with two decimals ("15.98 MiB"). */
export function formatSize(n: bigint): string {
  let u = 0;
  while (u + 1 < UNITS.length && n >= 1n << BigInt(10 * (u + 1))) u++;
  const unit = 1n << BigInt(10 * u);
  if (n % unit === 0n) return `${n / unit} ${UNITS[u]}`;
  const hundredths = (n * 100n + unit / 2n) / unit;
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")} ${UNITS[u]}`;
}

/** `0x…` of a bigint. */
function hx(v: bigint): string {
  return "0x" + v.toString(16);
}

/** Size of a contract range. */
function len(r: RangeJson): bigint {
  return BigInt(r.end) - BigInt(r.start);
}

/** A left-aligned text table with a header row and a dashed rule. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i + 1 < cells.length ? c.padEnd(widths[i]!) : c)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** E820 type names (Linux `E820_TYPE_*`). */
export const E820_TYPE_NAMES: Record<number, string> = { 1: "RAM", 2: "RESERVED", 3: "ACPI", 4: "NVS", 5: "UNUSABLE", 7: "PMEM", 12: "PRAM" };

function rangeRows(list: RangeJson[]): string[][] {
  return list.map((r) => [r.start, r.end, `${hx(len(r))} (${formatSize(len(r))})`]);
}

/** The readable report of a completed boot. */
export function bootText(o: BootOutput, e820: E820Entry[]): string {
  const out: string[] = [];
  out.push("boot log:");
  for (const l of o.bootLog) out.push(`  ${l}`);
  out.push("");
  const mode = o.memoryAllocationMode;
  const modeText = mode.mode === "host" ? "host" : `vtl2 (memory-size ${mode.memorySize ?? "none"}, mmio-size ${mode.mmioSize ?? "none"})`;
  out.push(`${o.arch}, isolation ${o.isolation}, ${o.cpuCount} CPUs, memory allocation mode ${modeText}`);
  out.push("");

  out.push(`VTL2 address space (${o.addressSpace.length} ranges):`);
  out.push(...table(["start", "end", "size", "node", "type"], o.addressSpace.map((r) => [r.start, r.end, `${hx(len(r))} (${formatSize(len(r))})`, String(r.vnode), r.type])).map((l) => `  ${l}`));
  out.push("");
  const vtl2Total = o.vtl2Ram.reduce((s, r) => s + len(r), 0n);
  out.push(`VTL2 RAM: ${o.vtl2Ram.length} range(s), ${formatSize(vtl2Total)}`);
  out.push(...table(["start", "end", "size", "node"], o.vtl2Ram.map((r) => [r.start, r.end, `${hx(len(r))} (${formatSize(len(r))})`, String(r.vnode)])).map((l) => `  ${l}`));
  out.push("");
  for (const [name, list] of [["VTL0 MMIO", o.vtl0Mmio], ["VTL2 MMIO", o.vtl2Mmio]] as const) {
    if (list.length === 0) {
      out.push(`${name}: none`);
    } else {
      out.push(`${name}:`);
      out.push(...table(["start", "end", "size"], rangeRows(list)).map((l) => `  ${l}`));
    }
    out.push("");
  }

  const byNode = new Map<number, { ranges: number; bytes: bigint }>();
  for (const r of o.partitionRam) {
    const n = byNode.get(r.vnode) ?? { ranges: 0, bytes: 0n };
    n.ranges++;
    n.bytes += len(r);
    byNode.set(r.vnode, n);
  }
  const ramTotal = o.partitionRam.reduce((s, r) => s + len(r), 0n);
  // The host's memory map includes VTL2's own RAM (IGVM type VTL2_PROTECTABLE in host mode):
  // name that part, so e.g. 256 GiB of guest RAM plus 512 MiB of VTL2 RAM is not a bare "256.50 GiB".
  const inVtl2 = (r: RangeJson) => o.vtl2Ram.some((v) => BigInt(v.start) <= BigInt(r.start) && BigInt(r.end) <= BigInt(v.end));
  const vtl2Part = o.partitionRam.filter(inVtl2).reduce((s, r) => s + len(r), 0n);
  const split = vtl2Part > 0n ? ` (${formatSize(ramTotal - vtl2Part)} VTL0 RAM + ${formatSize(vtl2Part)} VTL2 RAM)` : "";
  out.push(`partition RAM: ${o.partitionRam.length} range(s), ${formatSize(ramTotal)}${split} on ${byNode.size} node(s)`);
  const nodes = [...byNode.entries()].sort((a, b) => a[0] - b[0]);
  out.push(...table(["node", "ranges", "size"], nodes.map(([n, v]) => [String(n), String(v.ranges), `${hx(v.bytes)} (${formatSize(v.bytes)})`])).map((l) => `  ${l}`));
  out.push("");

  if (o.sidecar === null) {
    out.push("sidecar: none");
  } else {
    out.push(`sidecar: ${o.sidecar.nodes.length} node(s)`);
    out.push(
      ...table(["node", "memory base", "memory size", "base VP", "VPs"], o.sidecar.nodes.map((n, i) => [
        String(i), n.memoryBase, `${n.memorySize} (${formatSize(BigInt(n.memorySize))})`, String(n.baseVp), String(n.vpCount),
      ])).map((l) => `  ${l}`),
    );
  }
  out.push("");
  out.push("kernel command line:");
  out.push(`  ${o.kernelCommandLine}`);
  out.push("");
  if (e820.length === 0) {
    out.push("E820: none (no x86 boot parameters)");
  } else {
    out.push(`E820 (${e820.length} entries):`);
    out.push(
      ...table(["start", "end", "size", "type"], e820.map((e) => [
        hx(e.addr), hx(e.addr + e.size), `${hx(e.size)} (${formatSize(e.size)})`, `${e.type} ${E820_TYPE_NAMES[e.type] ?? "?"}`.trim(),
      ])).map((l) => `  ${l}`),
    );
  }
  return out.join("\n");
}
