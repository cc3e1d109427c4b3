// Seeded random read_from_dt inputs for the upstream oracle test: shim parameters (VTL2 image
// range, used range with parameter region / heap / log buffer / persisted state / reserved /
// sidecar inside, isolation, measured command line and policy, imported regions) and the parsed
// host device tree fields (NUMA memory map with or without VTL2_PROTECTABLE ranges, host or vtl2
// allocation mode with optional sizes, VMBus MMIO, host command line, DMA hint, alias map).
// Mostly well formed, with a share of inputs that make upstream fail (missing VMBus nodes, too
// little MMIO, a VTL2 size below the measured one, memory nodes too small, bad imported regions).
import { Rng } from "../../host/fuzz/rng.js";
import type { ShimValues, HostDtValues, Isolation } from "../../host/shim/partition.js";
import type { Range } from "../../host/shim/memory.js";
import type { Shim } from "../../host/wasm/loader.js";
import type { ResolvedImage } from "../../host/image/load.js";
import { prepareGuest } from "../../host/harness/boot.js";
import { readShimParams } from "../../host/shim/shim_params.js";
import { parseHostDt } from "../../host/shim/host_fdt.js";
import { readFromDtValues } from "../../host/shim/partition.js";
import { ShimPanic } from "../../host/wasm/loader.js";
import { DtError } from "../../host/errors.js";
import { PersistError, persistInputFromBoot, writePersistedInfo, tamperMagic, tamperProtobufRegion, tamperPayloadLen, garblePayload, type BootTopology } from "../../host/persist/save.js";

const PAGE = 0x1000n;
const MB = 0x100000n;
const GB = 0x40000000n;
const MEMORY = 0;
const VTL2_PROTECTABLE = 3;
/** Parameter region: 104 unmeasured pages (device tree at page 40, 64 pages), then 2 measured pages. */
const PARAMETER_REGION_SIZE = 0x6a000n;

/** One read_from_dt input; `persisted` is placed at the start of the persisted-state region. */
export interface ReadFromDtCase {
  shim: ShimValues;
  dt: HostDtValues;
  persisted?: Uint8Array;
}

const r = (start: bigint, end: bigint): Range => ({ start, end });

const OPTIONS = [
  "", "", "", "OPENHCL_ENABLE_VTL2_GPA_POOL=512", "OPENHCL_ENABLE_VTL2_GPA_POOL=debug", "OPENHCL_ENABLE_VTL2_GPA_POOL=release",
  "OPENHCL_ENABLE_VTL2_GPA_POOL=off", "OPENHCL_ENABLE_VTL2_GPA_POOL=4096", "OPENHCL_ENABLE_VTL2_GPA_POOL=0", "OPENHCL_ENABLE_VTL2_GPA_POOL",
  "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug", "OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=100000", "OPENHCL_VTL2_GPA_POOL_NUMA=split",
  "OPENHCL_VTL2_GPA_POOL_NUMA=no", "OPENHCL_SIDECAR=off", "OPENHCL_SIDECAR=on,log", "OPENHCL_CONFIDENTIAL_DEBUG=1",
  "OPENHCL_DISABLE_NVME_KEEP_ALIVE=0", "console=ttyS0 quiet",
];

function cmdline(rng: Rng): string {
  const parts: string[] = [];
  for (let n = rng.int(0, 3); n > 0; n--) parts.push(rng.pick(OPTIONS));
  return parts.join(" ").trim();
}

/** The `i`th case of a run seeded with `seed`. */
export function readFromDtCase(seed: number, i: number): ReadFromDtCase {
  const rng = new Rng(seed + i);
  const isolation: Isolation = rng.pick(["none", "none", "none", "none", "none", "vbs", "snp", "tdx"]);
  const nodes = rng.pick([1, 1, 1, 2, 2, 3, 4]);
  const vtl2 = rng.chance(0.4);

  // VTL2 image: below 4 GB on node 0
  const memoryStart = BigInt(rng.int(2, 24)) * 0x2000000n;
  const memorySize = BigInt(rng.pick([8, 16, 16, 32, 64])) * MB;
  const usedLen = rng.chance(0.9) ? BigInt(rng.int(4, Number(memorySize / MB) / 2)) * MB : memorySize;
  const used = r(memoryStart, memoryStart + usedLen);
  let at = memoryStart + PARAMETER_REGION_SIZE;
  const next = (len: bigint) => {
    const x = r(at, at + len);
    at += len;
    return x;
  };
  const heap = next(BigInt(rng.int(1, 16)) * 0x10000n);
  const logBuffer = next(0x10000n);
  const persistedState = next(rng.chance(0.97) ? BigInt(rng.int(1, 4)) * MB : 0x10000n);
  const shim: ShimValues = {
    memoryStart, memorySize, parameterRegionStart: memoryStart, parameterRegionSize: PARAMETER_REGION_SIZE,
    used, logBuffer, heap, persistedState, isolation,
    commandLine: { policy: rng.chance(0.6) ? "append-chosen" : "static", text: cmdline(rng), valid: rng.chance(0.99) },
  };
  if (rng.chance(0.3)) {
    const x = next(BigInt(rng.int(1, 8)) * PAGE);
    shim.vtl2ReservedStart = x.start;
    shim.vtl2ReservedSize = x.end - x.start;
  }
  if (rng.chance(0.3)) {
    const x = next(BigInt(rng.int(1, 16)) * 0x10000n);
    shim.sidecarBase = x.start;
    shim.sidecarSize = x.end - x.start;
  }
  if (at > used.end) shim.used = r(memoryStart, at + (rng.chance(0.9) ? 0n : MB));

  // partition memory: the low 2 GB then high memory, split into per-node chunks
  const lowEnd = 0x80000000n;
  const highLen = BigInt(rng.int(1, 8)) * GB;
  const chunks: Range[] = [r(0n, lowEnd), r(0x100000000n, 0x100000000n + highLen)];
  const memory: (Range & { vnode: number; igvmType: number })[] = [];
  const perNode: Range[][] = Array.from({ length: nodes }, () => []);
  if (nodes === 1) perNode[0] = chunks;
  else {
    perNode[0] = [chunks[0]!];
    const step = (highLen / BigInt(nodes - 1)) & ~(2n * MB - 1n);
    for (let n = 1; n < nodes; n++) {
      const s = chunks[1]!.start + BigInt(n - 1) * step;
      perNode[n] = [r(s, n === nodes - 1 ? chunks[1]!.end : s + step)];
    }
  }
  // host mode: the host marks VTL2's memory as VTL2_PROTECTABLE (size at least the image, or none)
  const protectable: (Range & { vnode: number })[] = [];
  if (!vtl2 && rng.chance(0.85)) {
    const len = rng.chance(0.8) ? memorySize : memorySize + BigInt(rng.int(1, 32)) * MB;
    protectable.push({ ...r(memoryStart, memoryStart + len), vnode: 0 });
    if (nodes > 1 && rng.chance(0.3)) {
      const base = perNode[1]![0]!.end - 64n * MB;
      protectable.push({ ...r(base, base + 32n * MB), vnode: 1 });
    }
  }
  for (let n = 0; n < nodes; n++) {
    for (const c of perNode[n]!) {
      let s = c.start;
      for (const p of protectable) {
        if (p.start >= c.start && p.end <= c.end) {
          if (p.start > s) memory.push({ ...r(s, p.start), vnode: n, igvmType: MEMORY });
          memory.push({ ...p, igvmType: VTL2_PROTECTABLE });
          s = p.end;
        }
      }
      if (s < c.end) memory.push({ ...r(s, c.end), vnode: n, igvmType: MEMORY });
    }
  }
  memory.sort((a, b) => (a.start < b.start ? -1 : 1));
  if (vtl2 && rng.chance(0.05)) {
    // a node whose memory is too small for its share
    const k = memory.findIndex((m) => m.vnode === nodes - 1);
    memory[k] = { ...memory[k]!, end: memory[k]!.start + 2n * MB };
  }

  // imported regions (isolated images import their own range; sometimes something else too)
  if (isolation !== "none" && rng.chance(0.5)) {
    shim.importedRegions = [{ ...r(memoryStart, memoryStart + memorySize), accepted: true }];
    if (rng.chance(0.3)) shim.importedRegions.push({ ...r(memoryStart + memorySize + 32n * MB, memoryStart + memorySize + 34n * MB), accepted: false });
    if (rng.chance(0.05)) shim.importedRegions.push({ ...r(memoryStart + memorySize - PAGE, memoryStart + memorySize + PAGE), accepted: false });
  }

  // VMBus mmio: a low gap below 4 GB and a high gap above memory
  const lowGap = r(0xf0000000n, 0xf0000000n + BigInt(rng.pick([64, 128, 256])) * MB);
  const highStart = 0x1000000000n + BigInt(rng.int(0, 4)) * 0x1000000000n;
  const highGap = r(highStart, highStart + BigInt(rng.pick([128, 256, 512, 1024, 4096])) * MB);
  const v0shape = rng.below(20);
  const vmbusVtl0 = v0shape === 0 ? null : { connectionId: rng.int(1, 5), mmio: v0shape === 1 ? [lowGap] : v0shape === 2 ? [] : [lowGap, highGap] };
  const v2shape = rng.below(12);
  const vmbusVtl2 = v2shape === 0 ? null : {
    connectionId: rng.int(1, 5),
    mmio: v2shape < 6 ? [] : v2shape < 10 ? [r(highGap.end, highGap.end + BigInt(rng.pick([64, 128, 256])) * MB)]
      : [r(0xe0000000n, 0xe8000000n), r(highGap.end + GB, highGap.end + GB + 128n * MB)],
  };

  const cpuCount = rng.int(1, 12);
  const dt: HostDtValues = {
    bootCpuidPhys: 0,
    cpus: Array.from({ length: cpuCount }, (_, k) => ({ reg: BigInt(k), vnode: k % nodes })),
    memory,
    vmbusVtl0,
    vmbusVtl2,
    commandLine: cmdline(rng),
    com3SerialAvailable: rng.chance(0.2),
    memoryAllocationMode: vtl2
      ? {
          mode: "vtl2",
          memorySize: rng.chance(0.7) ? (rng.chance(0.9) ? memorySize + BigInt(rng.int(0, 64)) * 2n * MB : memorySize - 2n * MB) : undefined,
          mmioSize: rng.chance(0.6) ? BigInt(rng.pick([0, 64, 128, 256, 512, 2048])) * MB : undefined,
        }
      : { mode: "host" },
  };
  if (rng.chance(0.3)) dt.deviceDmaPageCount = BigInt(rng.pick([0, 1, 512, 4096, 100000, 1000000]));
  if (rng.chance(0.2)) dt.nvmeKeepalive = true;
  if (rng.chance(0.2)) dt.vtl0AliasMap = 0x800000000000n;
  return { shim, dt };
}

const hexText = (s: string) => (s === "" ? "-" : Buffer.from(s, "utf8").toString("hex"));

/** The case as one line of decimal tokens (the form the upstream driver read). */
export function readFromDtCaseLine(c: ReadFromDtCase): string {
  const t: (string | number | bigint)[] = [];
  const rr = (x: Range) => t.push(x.start, x.end);
  const s = c.shim;
  t.push(s.memoryStart, s.memorySize, s.parameterRegionStart, s.parameterRegionSize, s.vtl2ReservedStart ?? 0n, s.vtl2ReservedSize ?? 0n,
    s.sidecarBase ?? 0n, s.sidecarSize ?? 0n);
  rr(s.used); rr(s.logBuffer); rr(s.heap); rr(s.persistedState);
  t.push(["none", "vbs", "snp", "tdx"].indexOf(s.isolation ?? "none"));
  const cl = s.commandLine ?? { policy: "static", text: "" };
  t.push(cl.policy === "static" ? 0 : cl.policy === "append-chosen" ? 1 : cl.policy, cl.valid === false ? 0 : 1, hexText(cl.text));
  const imp = s.importedRegions ?? [];
  t.push(imp.length);
  for (const x of imp) (rr(x), t.push(x.accepted ? 1 : 0));
  const d = c.dt;
  t.push(d.bootCpuidPhys ?? 0, d.cpus.length);
  for (const x of d.cpus) t.push(x.reg, x.vnode);
  t.push(d.memory.length);
  for (const m of d.memory) (rr(m), t.push(m.igvmType, m.vnode));
  for (const v of [d.vmbusVtl0, d.vmbusVtl2]) {
    t.push(v ? 1 : 0, v?.connectionId ?? 0, v?.mmio.length ?? 0);
    for (const x of v?.mmio ?? []) rr(x);
  }
  t.push(hexText(d.commandLine ?? ""), d.com3SerialAvailable ? 1 : 0);
  const mode = d.memoryAllocationMode ?? { mode: "host" };
  const ms = mode.mode === "vtl2" ? mode.memorySize : undefined;
  const mm = mode.mode === "vtl2" ? mode.mmioSize : undefined;
  t.push(mode.mode === "vtl2" ? 1 : 0, ms !== undefined ? 1 : 0, ms ?? 0n, mm !== undefined ? 1 : 0, mm ?? 0n);
  t.push(d.deviceDmaPageCount !== undefined ? 1 : 0, d.deviceDmaPageCount ?? 0n, d.nvmeKeepalive ? 1 : 0);
  t.push(d.vtl0AliasMap !== undefined ? 1 : 0, d.vtl0AliasMap ?? 0n);
  if (c.persisted) t.push(c.persisted.length === 0 ? "-" : Buffer.from(c.persisted).toString("hex"));
  return t.join(" ");
}

/**
 * read_from_dt's inputs for a boot image, as the boot core sees them: ShimParams read through
 * guest memory after the VTL2 image is loaded, and the image's host device tree as parsed. Null
 * for an image booting from persisted state (a different upstream path) or one that fails earlier.
 */
export function imageReadFromDtCase(shim: Shim, r: ResolvedImage): ReadFromDtCase | null {
  if (r.persistedState) return null;
  let p;
  let tree;
  try {
    const { guest, vtl2 } = prepareGuest(r, undefined, shim);
    shim.reset();
    shim.setGuest(guest);
    try {
      p = readShimParams(shim, { shimBase: vtl2.shimBase, shimParamsOffset: vtl2.shimParamsOffset, arch: r.arch, hvIsolation: vtl2.hvIsolation });
    } finally {
      shim.setGuest(undefined);
    }
    tree = parseHostDt(shim, r.hostDeviceTree);
  } catch {
    return null;
  }
  if (p.isolationType === "cca") return null;
  const policy = p.commandLine.policy === 0 ? "static" : p.commandLine.policy === 1 ? "append-chosen" : p.commandLine.policy;
  const s: ShimValues = {
    memoryStart: p.memoryStartAddress, memorySize: p.memorySize,
    parameterRegionStart: p.parameterRegionStart, parameterRegionSize: p.parameterRegionSize,
    vtl2ReservedStart: p.vtl2ReservedRegionStart, vtl2ReservedSize: p.vtl2ReservedRegionSize,
    sidecarBase: p.sidecarBase, sidecarSize: p.sidecarSize,
    used: p.used, logBuffer: p.logBuffer, heap: p.heap, persistedState: p.persistedState,
    isolation: p.isolationType,
    commandLine: { policy, text: p.commandLine.text ?? "", valid: p.commandLine.text !== null },
    importedRegions: p.importedRegions,
  };
  const m = tree.memoryAllocationMode;
  const dt: HostDtValues = {
    bootCpuidPhys: tree.bootCpuidPhys,
    cpus: tree.cpus,
    memory: tree.memory.map((e) => ({ start: e.start, end: e.end, vnode: e.vnode, igvmType: e.igvmType })),
    vmbusVtl0: tree.vmbusVtl0,
    vmbusVtl2: tree.vmbusVtl2,
    commandLine: tree.commandLine,
    com3SerialAvailable: tree.com3Serial,
    memoryAllocationMode: m.mode === "host" ? { mode: "host" }
      : { mode: "vtl2", memorySize: m.memorySize ?? undefined, mmioSize: m.mmioSize ?? undefined },
    deviceDmaPageCount: tree.deviceDmaPageCount ?? undefined,
    nvmeKeepalive: tree.nvmeKeepalive,
    vtl0AliasMap: tree.vtl0AliasMap ?? undefined,
  };
  return { shim: s, dt };
}

/**
 * A servicing boot: the `i`th first boot (readFromDtCase(seed, j) for the first j from 3i on that
 * boots, not isolated) saved as usermode would (host/persist/save.ts, random CPU lists), then
 * often damaged (magic, protobuf region, payload length, payload bytes) or booted against a
 * changed host device tree. `shim` runs the first boot.
 */
export function persistedReadFromDtCase(shim: Shim, seed: number, i: number): ReadFromDtCase {
  const rng = new Rng(seed ^ 0x5a5a5a5a ^ i);
  for (let j = 3 * i; j < 3 * i + 1000; j++) {
    const c = readFromDtCase(seed, j);
    if ((c.shim.isolation ?? "none") !== "none") continue;
    let first;
    try {
      first = readFromDtValues(shim, c.shim, c.dt);
    } catch (e) {
      if (e instanceof ShimPanic || e instanceof DtError) continue;
      throw e;
    }
    const ids = (n: number, max: number) => Array.from({ length: n }, () => rng.below(max));
    const io = rng.chance(0.4) ? ids(rng.int(1, 3), rng.chance(0.2) ? 500 : c.dt.cpus.length) : [];
    const boot: BootTopology = {
      partitionRam: first.partitionRam,
      addressSpace: first.addressSpace as BootTopology["addressSpace"],
      vtl0Mmio: first.vtl0Mmio,
      vtl2Mmio: first.vtl2Mmio,
    };
    let img;
    try {
      img = writePersistedInfo(persistInputFromBoot(boot, ids(rng.int(0, 2), c.dt.cpus.length), io));
    } catch (e) {
      if (e instanceof PersistError) continue;
      throw e;
    }
    let image = img.image;
    const off = Number(img.protobufGpa - img.headerGpa);
    const dt: HostDtValues = { ...c.dt };
    switch (rng.below(16)) {
      case 0: image = tamperMagic(image); break;
      case 1: image = tamperProtobufRegion(image, c.shim.persistedState.end); break;
      case 2: image = tamperPayloadLen(image, img.protobufRegionLen + 1n); break;
      case 3: image = tamperPayloadLen(image, BigInt(rng.below(img.payload.length))); break;
      case 4: case 5: {
        const at = rng.below(Math.max(1, img.payload.length));
        image = garblePayload(image, off, Math.min(at, img.payload.length - 1), Uint8Array.of(rng.pick([0, 0xff, 0x80, 0x7f, rng.below(256)])));
        break;
      }
      case 6:
        dt.memory = dt.memory.map((m) => (m.igvmType === 3 ? { ...m, end: m.end - 0x200000n } : m));
        break;
      case 7:
        dt.memoryAllocationMode = dt.memoryAllocationMode?.mode === "host" ? { mode: "vtl2" } : { mode: "host" };
        break;
      default:
        break;
    }
    return { shim: c.shim, dt, persisted: image };
  }
  throw new Error(`no first boot found for persisted case ${i}`);
}
