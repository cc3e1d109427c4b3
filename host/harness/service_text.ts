//! The readable report of `hclboot service` (without --json): what usermode saved, both boots'
//! VTL2 address spaces, the verdict and the differences.
// Ports: none (presentation of the docs/CONTRACT.md service object)
import { formatSize, table } from "./boot_text.js";
import type { ServiceResult } from "./service.js";
import type { BootOutput } from "../contract.js";

function spaceTable(o: BootOutput): string[] {
  return table(
    ["start", "end", "size", "node", "type"],
    o.addressSpace.map((r) => {
      const n = BigInt(r.end) - BigInt(r.start);
      return [r.start, r.end, `0x${n.toString(16)} (${formatSize(n)})`, String(r.vnode), r.type];
    }),
  ).map((l) => `  ${l}`);
}

/** The readable report of a completed servicing round trip. */
export function serviceText(r: ServiceResult): string {
  const p = r.persisted;
  const out: string[] = [];
  out.push(
    `saved state: ${p.state.partitionMemory.length} memory and ${p.state.partitionMmio.length} MMIO entries, ` +
      `${p.payload.length}-byte protobuf at 0x${p.protobufGpa.toString(16)} (region 0x${p.protobufRegionLen.toString(16)} bytes), ` +
      `header at 0x${p.headerGpa.toString(16)}`,
  );
  if (r.placed !== p.image) out.push("  (tampered before the servicing boot)");
  out.push("");
  out.push("servicing boot log:");
  for (const l of r.output.second.bootLog) out.push(`  ${l}`);
  out.push("");
  out.push(`first boot: VTL2 address space (${r.output.first.addressSpace.length} ranges)`);
  out.push(...spaceTable(r.output.first));
  out.push("");
  out.push(`after servicing: VTL2 address space (${r.output.second.addressSpace.length} ranges)`);
  out.push(...spaceTable(r.output.second));
  out.push("");
  out.push(`servicing: topologies ${r.output.agree ? "agree" : "DISAGREE"} (VTL2 RAM, address space, VTL0/VTL2 MMIO, pool)`);
  for (const d of r.output.differences) out.push(`  ${d}`);
  return out.join("\n");
}
