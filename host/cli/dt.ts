//! `hclboot dt FILE.dtb [--json]`: parses a host device tree as openhcl_boot does and prints what
//! it found (CONTRACT.md "dt --json output"), or upstream's error.
// Ports: none (hclboot's command line, /work/shared/CONTRACT.md `dt`)
import { parseArgs } from "node:util";
import { loadShim } from "../wasm/node.js";
import { hex } from "../wasm/codec.js";
import { InputError } from "../errors.js";
import { readInputFile } from "../image/read_file.js";
import { parseHostDt, type HostDeviceTree, type MemoryAllocationMode, type Range } from "../shim/host_fdt.js";
import { parseOrInput } from "./io.js";
import type { Command } from "./commands.js";

const range = (r: Range) => ({ start: hex(r.start), end: hex(r.end) });

/** The contract's JSON form of an allocation mode. */
export function allocationModeJson(m: MemoryAllocationMode): object {
  if (m.mode === "host") return { mode: "host" };
  return {
    mode: "vtl2",
    memorySize: m.memorySize === null ? null : hex(m.memorySize),
    mmioSize: m.mmioSize === null ? null : hex(m.mmioSize),
  };
}

/** The contract's `dt --json` object (memory is already sorted by start); extra fields follow. */
export function hostDtJson(t: HostDeviceTree): object {
  const vmbus = (v: HostDeviceTree["vmbusVtl0"]) => (v === null ? null : { connectionId: v.connectionId, mmio: v.mmio.map(range) });
  return {
    ok: true,
    bootCpuidPhys: t.bootCpuidPhys,
    // `reg` is a JSON number; past 2^53 it stays a bigint so `jsonText` prints it exactly
    cpus: t.cpus.map((c) => ({ reg: c.reg <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(c.reg) : c.reg, vnode: c.vnode })),
    memory: t.memory.map((m) => ({ start: hex(m.start), end: hex(m.end), vnode: m.vnode, igvmType: m.igvmType })),
    vmbusVtl0: vmbus(t.vmbusVtl0),
    vmbusVtl2: vmbus(t.vmbusVtl2),
    commandLine: t.commandLine,
    memoryAllocationMode: allocationModeJson(t.memoryAllocationMode),
    deviceDmaPageCount: t.deviceDmaPageCount === null ? null : hex(t.deviceDmaPageCount),
    entropy: t.entropy === null ? null : Buffer.from(t.entropy).toString("hex"),
    vtl0AliasMap: t.vtl0AliasMap === null ? null : hex(t.vtl0AliasMap),
    nvmeKeepalive: t.nvmeKeepalive,
    deviceTreeSize: t.deviceTreeSize,
    com3Serial: t.com3Serial,
    gic:
      t.gic === null
        ? null
        : {
            distributorBase: hex(t.gic.distributorBase),
            distributorSize: hex(t.gic.distributorSize),
            redistributorsBase: hex(t.gic.redistributorsBase),
            redistributorsSize: hex(t.gic.redistributorsSize),
            redistributorStride: hex(t.gic.redistributorStride),
          },
    pmuGsiv: t.pmuGsiv,
  };
}

/**
 * JSON text of `v` (2-space indent) in which bigints are printed as exact JSON integers (a u64
 * `reg` would lose precision as a double).
 */
export function jsonText(v: unknown): string {
  const marker = "\u0000u64:";
  const text = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${marker}${x}` : x), 2);
  return text.replace(/"\\u0000u64:(\d+)"/g, "$1");
}

const MEM_TYPES = ["MEMORY", "PLATFORM_RESERVED", "PERSISTENT", "VTL2_PROTECTABLE"];

/** Readable text form of a parsed host device tree. */
export function hostDtText(t: HostDeviceTree): string {
  const out: string[] = [];
  out.push(`device tree: ${t.deviceTreeSize} bytes, boot cpu ${t.bootCpuidPhys}`);
  const nodes = new Map<number, number>();
  for (const c of t.cpus) nodes.set(c.vnode, (nodes.get(c.vnode) ?? 0) + 1);
  out.push(`cpus: ${t.cpus.length} enabled (${[...nodes].map(([n, c]) => `node ${n}: ${c}`).join(", ") || "none"})`);
  if (t.cpus.length <= 16) for (const c of t.cpus) out.push(`  reg ${hex(c.reg)} vnode ${c.vnode}`);
  out.push(`memory: ${t.memory.length} entries`);
  for (const m of t.memory) {
    out.push(`  ${hex(m.start)}-${hex(m.end)} ${MEM_TYPES[m.igvmType] ?? `type ${m.igvmType}`} vnode ${m.vnode}`);
  }
  for (const [name, v] of [["vmbus vtl0", t.vmbusVtl0], ["vmbus vtl2", t.vmbusVtl2]] as const) {
    out.push(v === null ? `${name}: none` : `${name}: connection ${v.connectionId}, mmio ${v.mmio.map((r) => `${hex(r.start)}-${hex(r.end)}`).join(" ") || "none"}`);
  }
  out.push(`command line: ${JSON.stringify(t.commandLine)}`);
  const m = t.memoryAllocationMode;
  out.push(
    m.mode === "host"
      ? "memory allocation mode: host"
      : `memory allocation mode: vtl2 (memory size ${m.memorySize === null ? "unset" : hex(m.memorySize)}, mmio size ${m.mmioSize === null ? "unset" : hex(m.mmioSize)})`,
  );
  out.push(`device dma pages: ${t.deviceDmaPageCount === null ? "none" : hex(t.deviceDmaPageCount)}`);
  out.push(`entropy: ${t.entropy === null ? "none" : `${t.entropy.length} bytes`}`);
  out.push(`vtl0 alias map: ${t.vtl0AliasMap === null ? "none" : hex(t.vtl0AliasMap)}`);
  out.push(`nvme keep-alive: ${t.nvmeKeepalive}`);
  out.push(`com3 serial: ${t.com3Serial}`);
  if (t.gic !== null) {
    out.push(`gic: distributor ${hex(t.gic.distributorBase)}+${hex(t.gic.distributorSize)}, redistributors ${hex(t.gic.redistributorsBase)}+${hex(t.gic.redistributorsSize)} stride ${hex(t.gic.redistributorStride)}`);
  }
  if (t.pmuGsiv !== null) out.push(`pmu gsiv: ${t.pmuGsiv}`);
  return out.join("\n");
}

const HELP = `usage: hclboot dt FILE.dtb [--json]

Parses a host device tree blob as openhcl_boot does (host_fdt_parser with the shim's capacities:
2048 CPUs, 1024 memory ranges, 0x2000-byte command line, 256 entropy bytes) and prints what it
found: CPUs, memory entries, VMBus nodes, command line, allocation mode, entropy, ...
  --json   print the CONTRACT.md dt object (failures: the failure object)
Exit status: 0 parsed, 1 upstream's parse error (kind dt) or panic, 2 unreadable file or bad arguments.`;

const USAGE = "usage: hclboot dt FILE.dtb [--json]";

export const dtCommand: Command = {
  summary: "parse a host device tree blob as openhcl_boot does",
  async run(args) {
    const parsed = parseOrInput(() =>
      parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } }),
    );
    if (parsed.values.help) {
      console.log(HELP);
      return 0;
    }
    if (parsed.positionals.length !== 1) {
      throw new InputError(parsed.positionals.length === 0 ? `missing FILE.dtb (${USAGE})` : `dt takes exactly one FILE.dtb (${USAGE})`);
    }
    const blob = readInputFile(parsed.positionals[0]!, "dtb");
    const shim = await loadShim();
    const tree = parseHostDt(shim, blob);
    console.log(parsed.values.json ? jsonText(hostDtJson(tree)) : hostDtText(tree));
    return 0;
  },
};
