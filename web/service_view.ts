//! Servicing comparison of the playground: what stayed the same between the two boots of `service`.
// Ports: none (presentation of `hclboot service --json`)
import type { BootOutput, RangeJson } from "../host/contract.js";
import { formatSize, parseHex, xmlEscape } from "./map.js";

/** One compared aspect of the two boots. */
export interface ComparisonRow {
  what: string;
  same: boolean;
  first: string;
  second: string;
}

/** Canonical text of a list of ranges with extra fields (order kept: the contract sorts them). */
function canon(list: unknown[]): string {
  return JSON.stringify(list);
}

/** "N ranges, SIZE" summary of a range list. */
function summary(list: RangeJson[]): string {
  let total = 0n;
  for (const r of list) total += parseHex(r.end) - parseHex(r.start);
  return `${list.length} range${list.length === 1 ? "" : "s"}, ${formatSize(total)}`;
}

/** Compares the aspects the contract's `agree` covers (VTL2 RAM, address space, MMIO, pool) and a few more. */
export function compareBoots(first: BootOutput, second: BootOutput): ComparisonRow[] {
  const pool = (b: BootOutput) => b.addressSpace.filter((r) => r.type === "VTL2_GPA_POOL");
  const rows: ComparisonRow[] = [];
  const ranges = (what: string, a: RangeJson[], b: RangeJson[]) =>
    rows.push({ what, same: canon(a) === canon(b), first: summary(a), second: summary(b) });
  ranges("VTL2 RAM", first.vtl2Ram, second.vtl2Ram);
  ranges("VTL2 address space (ranges and types)", first.addressSpace, second.addressSpace);
  ranges("VTL0 MMIO", first.vtl0Mmio, second.vtl0Mmio);
  ranges("VTL2 MMIO", first.vtl2Mmio, second.vtl2Mmio);
  ranges("GPA pool", pool(first), pool(second));
  ranges("partition RAM", first.partitionRam, second.partitionRam);
  rows.push({ what: "CPU count", same: first.cpuCount === second.cpuCount, first: String(first.cpuCount), second: String(second.cpuCount) });
  const mode = (b: BootOutput) => JSON.stringify(b.memoryAllocationMode);
  rows.push({ what: "memory allocation mode", same: mode(first) === mode(second), first: mode(first), second: mode(second) });
  const sidecar = (b: BootOutput) => (b.sidecar ? `${b.sidecar.nodes.length} nodes` : "none");
  rows.push({ what: "sidecar", same: canon([first.sidecar]) === canon([second.sidecar]), first: sidecar(first), second: sidecar(second) });
  rows.push({ what: "kernel command line", same: first.kernelCommandLine === second.kernelCommandLine, first: first.kernelCommandLine, second: second.kernelCommandLine });
  return rows;
}

/** HTML table of comparison rows (escaped), with the contract's verdict and differences. */
export function comparisonHtml(rows: ComparisonRow[], agree: boolean, differences: string[]): string {
  const body = rows
    .map((r) => `<tr class="${r.same ? "same" : "differs"}"><td>${r.same ? "same" : "changed"}</td><td>${xmlEscape(r.what)}</td><td>${xmlEscape(r.first)}</td><td>${xmlEscape(r.second)}</td></tr>`)
    .join("");
  const diffs = differences.length ? `<ul class="differences">${differences.map((d) => `<li>${xmlEscape(d)}</li>`).join("")}</ul>` : "";
  return `<p class="verdict ${agree ? "agree" : "disagree"}">servicing: topologies ${agree ? "agree" : "DISAGREE"}</p>${diffs}` +
    `<table class="comparison"><thead><tr><th></th><th>what</th><th>first boot</th><th>after servicing</th></tr></thead><tbody>${body}</tbody></table>`;
}
