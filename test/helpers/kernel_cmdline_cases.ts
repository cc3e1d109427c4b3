//! Seeded inputs for the build_kernel_command_line oracle test: partition flags, CPU/NUMA
//! layouts (sidecar node splits), per-CPU sidecar overrides and host command lines, as hand-off
//! inputs for our WASM and as one text line each for the upstream driver.
import type { HandoffInput, MemoryEntryIn, AddressRangeIn } from "../../host/shim/handoff.js";
import { BOUNCE_BUFFER, GB, MB } from "./handoff.js";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ISO = ["none", "vbs", "snp", "tdx"] as const;
const MODES = ["enabled", "disabled-command-line", "disabled-servicing"] as const;
/** Length of the fixed parameters before the console (x86, swiotlb=1,1): used to aim long lines at the 0x2000 limit. */
const FIXED_LEN = 1000;

export interface KernelCmdlineCase { input: HandoffInput; line: string }

/** Case `i` of the stream for `seed`. */
export function kernelCmdlineCase(seed: number, i: number): KernelCmdlineCase {
  const r = rng(seed * 1_000_003 + i);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const bit = (p = 0.5) => r() < p;
  const iso = r() < 0.55 ? 0 : 1 + Math.floor(r() * 3);
  const [sdbg, bdbg, com3, dis, ka, pool] = [bit(0.3), bit(0.3), bit(), bit(0.3), bit(), bit()];
  const mode = r() < 0.7 ? 0 : 1 + Math.floor(r() * 2);
  const conn = bit(0.3) ? 4 : Math.floor(r() * 0x1_0000_0000);
  // CPUs in runs of one vnode (a vnode may come back after another one).
  const n = bit(0.15) ? 1 + Math.floor(r() * 4) : 1 + Math.floor(r() * 100);
  const vnodes: number[] = [];
  const single = bit(0.1);
  while (vnodes.length < n) {
    const v = Math.floor(r() * 4);
    const run = single ? 1 : 1 + Math.floor(r() * (bit(0.3) ? 80 : 12));
    for (let k = 0; k < run && vnodes.length < n; k++) vnodes.push(v);
  }
  let overrides: boolean[] | null = null;
  if (bit(0.25)) {
    const p = r() * 0.5;
    overrides = Array.from({ length: n }, () => !bit(p));
  }
  let cmdline = "";
  const kind = Math.floor(r() * 7);
  if (kind === 1) cmdline = "foo=bar";
  else if (kind === 2) cmdline = "hv_vmbus.message_connection_id=0x9 console=ttyS0";
  else if (kind === 3) cmdline = "OPENHCL_X=ü€ ✓ ";
  else if (kind === 4 || kind === 5) {
    const target = 0x2000 - FIXED_LEN - Math.floor(r() * 400) + 200;
    cmdline = "a".repeat(Math.max(0, Math.min(0x2000, target)));
  } else if (kind === 6) cmdline = Array.from({ length: 1 + Math.floor(r() * 20) }, () => pick(["x=1", "quiet", "b=c,d", "OPENHCL_SIDECAR=off"])).join(" ");

  const nodes = 4;
  const perNode = 64n * MB;
  const vtl2Ram: MemoryEntryIn[] = [];
  const addressSpace: AddressRangeIn[] = [];
  for (let v = 0; v < nodes; v++) {
    const start = GB + BigInt(v) * perNode;
    vtl2Ram.push({ start, end: start + perNode, vnode: v, memType: 6 });
    addressSpace.push({ start, end: start + perNode, vnode: v, usage: "free" });
  }
  const ramEnd = GB + BigInt(nodes) * perNode;
  const input: HandoffInput = {
    isolation: ISO[iso], staticConfidentialDebug: sdbg, bootConfidentialDebug: bdbg, com3SerialAvailable: com3,
    disableNvmeKeepAlive: dis, nvmeKeepalive: ka, vtl2Pool: pool, sidecar: MODES[mode],
    cpus: vnodes.map((vnode, reg) => ({ reg, vnode })),
    vtl2Ram,
    partitionRam: [{ start: 0n, end: GB, vnode: 0, memType: 0 }, ...vtl2Ram.map((e) => ({ ...e })), { start: ramEnd, end: ramEnd + 4n * GB, vnode: 0, memType: 0 }],
    addressSpace,
    vmbusVtl2: { connectionId: conn, mmio: [{ start: 0xf_f000_0000n, end: 0x10_0000_0000n }] },
    vmbusVtl0: { connectionId: 1, mmio: [{ start: 0xe000_0000n, end: 0xf000_0000n }] },
    sidecarSize: 0x10_0000n, sidecarEntryAddress: 0x20_0000n,
    initrd: { base: 0x4000_0000n, size: 0n, crc: 0 },
    sidecarCpuOverrides: overrides,
    bounceBuffer: iso >= 2 ? BOUNCE_BUFFER : null,
    cmdline,
  };
  const b = (x: boolean) => (x ? "1" : "0");
  const falses = overrides === null ? "-" : overrides.flatMap((s, k) => (s ? [] : [k])).join(",") || "*";
  const hexLine = cmdline === "" ? "-" : Buffer.from(cmdline, "utf8").toString("hex");
  const line = [iso, b(sdbg), b(bdbg), b(com3), b(dis), b(ka), b(pool), mode, conn.toString(16), vnodes.join(","), falses, hexLine].join(" ");
  return { input, line };
}
