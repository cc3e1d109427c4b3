// Deterministic host device trees aimed at each branch of upstream's ParsedDeviceTree::parse
// (every ErrorKind, capacity edges, optional /openhcl children, arm64 nodes, bad strings). The
// upstream oracle test feeds them (and mutations of them) to both parsers.
import { Struct, StringTable, blob, be32, be64 } from "./dtc.js";
import { mutateBytes, BYTE_MUTATORS } from "../../host/fuzz/mutate.js";
import { Rng } from "../../host/fuzz/rng.js";

/** One named input blob. */
export interface DtCase {
  name: string;
  blob: Uint8Array;
}

const PAGE = 0x1000n;

/** What a tree holds; every part can be replaced by a case. */
interface Parts {
  cpuCells?: number | null;
  cpus?: (s: Struct) => void;
  memory?: (s: Struct) => void;
  chosen?: ((s: Struct) => void) | null;
  openhcl?: ((s: Struct) => void) | null;
  bus?: ((s: Struct) => void) | null;
  extra?: (s: Struct) => void;
}

function cpu(s: Struct, reg: number, vnode = 0, status = "okay"): void {
  s.begin(`cpu@${reg.toString(16)}`).u32("reg", reg).u32("numa-node-id", vnode).str("status", status).end();
}

function memNode(s: Struct, base: bigint, len: bigint, vnode = 0, igvmType: number | null = null): void {
  s.begin(`memory@${base.toString(16)}`);
  if (igvmType !== null) s.u32("microsoft,igvm-type", igvmType);
  s.u64("reg", base, len).u32("numa-node-id", vnode).end();
}

function vmbus(s: Struct, name: string, vtl: number, ranges: bigint[][] | null, connectionId: number | null = 4): void {
  s.begin(name).str("compatible", "microsoft,vmbus").u32("microsoft,vtl", vtl).u32("#address-cells", 2).u32("#size-cells", 2);
  if (ranges !== null) s.u64("ranges", ...ranges.flat());
  if (connectionId !== null) s.u32("microsoft,message-connection-id", connectionId);
  s.end();
}

function defaultBus(s: Struct): void {
  s.begin("bus").str("compatible", "simple-bus").prop("ranges", []).u32("#address-cells", 2).u32("#size-cells", 2);
  vmbus(s, "vmbus", 0, [[0xf0000000n, 0xf0000000n, 0x8000000n]]);
  vmbus(s, "vmbus-vtl2", 2, [[0xf8000000n, 0xf8000000n, 0x4000000n], [0x1000000000n, 0x1000000000n, 0x10000000n]], 5);
  s.end();
}

/** A whole tree from parts (defaults: 2 CPUs, 2 memory nodes, chosen, both VMBus roots). */
function tree(p: Parts): Uint8Array {
  const s = new Struct(new StringTable());
  s.begin("").u32("#address-cells", 2).u32("#size-cells", 2).str("model", "msft,openvmm");
  s.begin("cpus");
  if (p.cpuCells !== null) s.u32("#address-cells", p.cpuCells ?? 1);
  s.u32("#size-cells", 0);
  (p.cpus ?? ((t) => [0, 1].forEach((r) => cpu(t, r))))(s);
  s.end();
  (p.memory ?? ((t) => {
    memNode(t, 0n, 0x80000000n);
    memNode(t, 0x100000000n, 0x40000000n, 0, 3);
  }))(s);
  if (p.chosen !== null) {
    s.begin("chosen");
    (p.chosen ?? ((t) => t.str("bootargs", "console=ttyS0")))(s);
    s.end();
  }
  if (p.openhcl !== undefined && p.openhcl !== null) {
    s.begin("openhcl");
    p.openhcl(s);
    s.end();
  }
  if (p.bus !== null) (p.bus ?? defaultBus)(s);
  p.extra?.(s);
  s.end();
  return blob(s);
}

function bus(children: (s: Struct) => void, ranges: number[] = []): (s: Struct) => void {
  return (s) => {
    s.begin("bus").str("compatible", "simple-bus").prop("ranges", ranges).u32("#address-cells", 2).u32("#size-cells", 2);
    children(s);
    s.end();
  };
}

function gic(over: Partial<Record<string, number[] | null>> = {}): (s: Struct) => void {
  const props: [string, number[]][] = [
    ["compatible", [...Buffer.from("arm,gic-v3"), 0]],
    ["#redistributor-regions", be32(1)],
    ["#address-cells", be32(2)],
    ["#size-cells", be32(2)],
    ["#interrupt-cells", be32(3)],
    ["redistributor-stride", be64(0x20000n)],
    ["reg", [0xffff0000n, 0x10000n, 0xeffee000n, 0x200000n].flatMap(be64)],
  ];
  return (s) => {
    s.begin("intc@ffff0000");
    for (const [name, data] of props) {
      const d = name in over ? over[name] : data;
      if (d !== null && d !== undefined) s.prop(name, d);
    }
    s.end();
  };
}

function pmu(data: number[] | null): (s: Struct) => void {
  return (s) => {
    s.begin("pmu").str("compatible", "arm,armv8-pmuv3");
    if (data !== null) s.prop("interrupts", data);
    s.end();
  };
}

function ioBus(children: [string, bigint[] | null, number | null][]): (s: Struct) => void {
  return (s) => {
    s.begin("isa").str("compatible", "x86-pio-bus");
    for (const [compat, reg, speed] of children) {
      s.begin(`serial@${(reg?.[0] ?? 0n).toString(16)}`).str("compatible", compat);
      if (speed !== null) s.u32("current-speed", speed);
      if (reg !== null) s.u64("reg", ...reg);
      s.end();
    }
    s.end();
  };
}

/** The targeted cases, in a fixed order. */
export function targetedHostDtCases(): DtCase[] {
  const out: DtCase[] = [];
  const add = (name: string, p: Parts) => out.push({ name, blob: tree(p) });

  add("default", {});
  // cpus
  for (const cells of [0, 1, 2, 3]) {
    add(`cpus #address-cells ${cells}`, {
      cpuCells: cells,
      cpus: (s) => s.begin("cpu@0").prop("reg", cells === 2 ? be64(0x100000002n) : be32(7)).u32("numa-node-id", 1).str("status", "okay").end(),
    });
  }
  add("cpus without #address-cells", { cpuCells: null });
  add("cpu disabled and failed", { cpus: (s) => { cpu(s, 0); cpu(s, 1, 0, "disabled"); cpu(s, 2, 0, "fail"); cpu(s, 3, 1); } });
  add("cpu without status", { cpus: (s) => s.begin("cpu@0").u32("reg", 0).u32("numa-node-id", 0).end() });
  add("cpu status not a string", { cpus: (s) => s.begin("cpu@0").u32("reg", 0).u32("numa-node-id", 0).prop("status", [0x6f, 0x6b]).end() });
  add("cpu status bad utf8", { cpus: (s) => s.begin("cpu@0").u32("reg", 0).u32("numa-node-id", 0).prop("status", [0xff, 0xfe, 0]).end() });
  add("cpu without reg", { cpus: (s) => s.begin("cpu@0").u32("numa-node-id", 0).str("status", "okay").end() });
  add("cpu reg too short", { cpus: (s) => s.begin("cpu@0").prop("reg", [1, 2]).u32("numa-node-id", 0).str("status", "okay").end() });
  add("cpu reg empty", { cpus: (s) => s.begin("cpu@0").prop("reg", []).u32("numa-node-id", 0).str("status", "okay").end() });
  add("cpu reg u64 with one cell", { cpuCells: 2, cpus: (s) => cpu(s, 5) });
  add("cpu without numa-node-id", { cpus: (s) => s.begin("cpu@0").u32("reg", 0).str("status", "okay").end() });
  add("2048 cpus", { cpus: (s) => { for (let i = 0; i < 2048; i++) cpu(s, i, i % 4); } });
  add("2049 cpus", { cpus: (s) => { for (let i = 0; i < 2049; i++) cpu(s, i); } });
  add("2049 cpus, one disabled", { cpus: (s) => { for (let i = 0; i < 2049; i++) cpu(s, i, 0, i === 7 ? "disabled" : "okay"); } });
  add("cpu node is not a node", { cpus: (s) => s.u32("late", 1) });
  // memory
  add("memory unaligned base", { memory: (s) => memNode(s, 0x800n, 0x1000n) });
  add("memory unaligned len", { memory: (s) => memNode(s, 0x1000n, 0x1800n) });
  add("memory same start twice", { memory: (s) => { memNode(s, 0x1000n, 0x1000n); memNode(s, 0x1000n, 0x3000n, 1, 3); } });
  add("memory overlapping", { memory: (s) => { memNode(s, 0x1000n, 0x4000n, 0, 2); memNode(s, 0x3000n, 0x3000n, 1, 1); } });
  add("memory overlapping reversed", { memory: (s) => { memNode(s, 0x3000n, 0x3000n, 1, 7); memNode(s, 0x1000n, 0x4000n, 0, 0x10003); } });
  add("memory touching", { memory: (s) => { memNode(s, 0x2000n, 0x1000n); memNode(s, 0x1000n, 0x1000n); } });
  add("memory zero length", { memory: (s) => { memNode(s, 0x2000n, 0n); memNode(s, 0x2000n, 0n); } });
  add("memory zero length then range", { memory: (s) => { memNode(s, 0x2000n, 0n); memNode(s, 0x1000n, 0x4000n); } });
  add("memory wraps", { memory: (s) => memNode(s, 0xfffffffffffff000n, 0x2000n) });
  add("memory ends at 2^64", { memory: (s) => memNode(s, 0xfffffffffffff000n, 0x1000n) });
  add("memory types 4 5 and large", { memory: (s) => { memNode(s, 0n, PAGE, 0, 4); memNode(s, PAGE, PAGE, 0, 5); memNode(s, 2n * PAGE, PAGE, 0, 0x12345); } });
  add("memory igvm-type short", { memory: (s) => s.begin("memory@0").prop("microsoft,igvm-type", [0, 1]).u64("reg", 0n, PAGE).u32("numa-node-id", 0).end() });
  add("memory reg odd length", { memory: (s) => s.begin("memory@0").prop("reg", [...be64(0n), ...be64(PAGE), 1, 2, 3, 4]).u32("numa-node-id", 0).end() });
  add("memory reg 12 bytes", { memory: (s) => s.begin("memory@0").prop("reg", [...be64(0n), ...be32(1)]).u32("numa-node-id", 0).end() });
  add("memory without reg", { memory: (s) => s.begin("memory@0").u32("numa-node-id", 0).end() });
  add("memory without numa-node-id", { memory: (s) => s.begin("memory@0").u64("reg", 0n, PAGE).end() });
  add("memory multi-range node", { memory: (s) => s.begin("memory@0").u64("reg", 0x10000n, PAGE, 0n, PAGE, 0x5000n, 0x2000n).u32("numa-node-id", 3).end() });
  add("1024 memory ranges", { memory: (s) => s.begin("memory@0").u64("reg", ...Array.from({ length: 1024 }, (_, i) => [BigInt(i) * 2n * PAGE, PAGE]).flat()).u32("numa-node-id", 0).end() });
  add("1025 memory ranges", { memory: (s) => s.begin("memory@0").u64("reg", ...Array.from({ length: 1025 }, (_, i) => [BigInt(1024 - i) * 2n * PAGE, PAGE]).flat()).u32("numa-node-id", 0).end() });
  add("1025 memory ranges, duplicate last", { memory: (s) => s.begin("memory@0").u64("reg", ...Array.from({ length: 1025 }, (_, i) => [BigInt(Math.min(i, 1023)) * 2n * PAGE, PAGE]).flat()).u32("numa-node-id", 0).end() });
  add("memory overlaps vtl0 mmio", { memory: (s) => memNode(s, 0xf0000000n, PAGE) });
  add("memory overlaps vtl2 high mmio", { memory: (s) => memNode(s, 0x1000000000n, 0x20000000n, 1) });
  add("memory node name memory without @", { memory: (s) => { memNode(s, 0n, PAGE); s.begin("memory").u64("reg", 0x800n, 1n).end(); } });
  // chosen
  add("no chosen", { chosen: null });
  add("chosen without bootargs", { chosen: () => {} });
  add("bootargs not terminated", { chosen: (s) => s.prop("bootargs", [0x61, 0x62]) });
  add("bootargs bad utf8", { chosen: (s) => s.prop("bootargs", [0x61, 0xc3, 0x28, 0]) });
  add("bootargs truncated utf8", { chosen: (s) => s.prop("bootargs", [0x61, 0xe2, 0x82, 0]) });
  add("bootargs unicode", { chosen: (s) => s.str("bootargs", "a=\u00e9\u65e5 \"q\"\\ \u0001\t\u{1f600}") });
  add("bootargs embedded nul", { chosen: (s) => s.prop("bootargs", [0x61, 0, 0x62, 0]) });
  add("bootargs 8192 bytes", { chosen: (s) => s.str("bootargs", "x".repeat(8192)) });
  add("bootargs 8193 bytes", { chosen: (s) => s.str("bootargs", "y".repeat(8193)) });
  add("bootargs 8191 bytes then 2-byte char", { chosen: (s) => s.str("bootargs", "z".repeat(8191) + "\u00e9") });
  add("two chosen nodes", { extra: (s) => s.begin("chosen").str("bootargs", "second").end() });
  add("two chosen nodes overflowing", { chosen: (s) => s.str("bootargs", "a".repeat(5000)), extra: (s) => s.begin("chosen").str("bootargs", "b".repeat(4000)).end() });
  // openhcl
  const oh = (f: (s: Struct) => void): Parts => ({ openhcl: f });
  add("openhcl host", oh((s) => s.str("memory-allocation-mode", "host")));
  add("openhcl without mode", oh((s) => s.u64("memory-size", 0x1000n)));
  add("openhcl vtl2 bare", oh((s) => s.str("memory-allocation-mode", "vtl2")));
  add("openhcl vtl2 sizes", oh((s) => s.str("memory-allocation-mode", "vtl2").u64("memory-size", 0x20000000n).u64("mmio-size", 0x8000000n)));
  add("openhcl vtl2 memory-size short", oh((s) => s.str("memory-allocation-mode", "vtl2").u32("memory-size", 5)));
  add("openhcl vtl2 mmio-size 16 bytes", oh((s) => s.str("memory-allocation-mode", "vtl2").u64("mmio-size", 7n, 9n)));
  add("openhcl host ignores sizes", oh((s) => s.str("memory-allocation-mode", "host").u32("memory-size", 5)));
  add("openhcl bad mode", oh((s) => s.str("memory-allocation-mode", "guest")));
  add("openhcl empty mode", oh((s) => s.str("memory-allocation-mode", "")));
  add("openhcl mode not utf8", oh((s) => s.prop("memory-allocation-mode", [0x80, 0])));
  add("openhcl alias map", oh((s) => s.str("memory-allocation-mode", "host").u64("vtl0-alias-map", 0x800000000000n)));
  add("openhcl alias map short", oh((s) => s.str("memory-allocation-mode", "host").u32("vtl0-alias-map", 1)));
  add("openhcl children", oh((s) => {
    s.str("memory-allocation-mode", "vtl2").u64("memory-size", 0x40000000n);
    s.begin("entropy").prop("reg", Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)).end();
    s.begin("keep-alive").str("device-types", "nvme").end();
    s.begin("device-dma").u64("total-pages", 0x1234n).end();
    s.begin("unknown").u32("x", 1).end();
  }));
  add("entropy 256 bytes", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("entropy").prop("reg", Array.from({ length: 256 }, (_, i) => i)).end(); }));
  add("entropy 300 bytes", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("entropy").prop("reg", Array.from({ length: 300 }, (_, i) => 255 - (i & 0xff))).end(); }));
  add("entropy empty", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("entropy").prop("reg", []).end(); }));
  add("entropy without reg", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("entropy").end(); }));
  add("entropy twice", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("entropy").prop("reg", [1]).end(); s.begin("entropy").prop("reg", [2, 3]).end(); }));
  add("keep-alive other", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("keep-alive").str("device-types", "nvme,mana").end(); }));
  add("keep-alive bad string", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("keep-alive").prop("device-types", [0x6e, 0x76]).end(); }));
  add("keep-alive bad property name", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("keep-alive").prop(0xfff0, [1]).str("device-types", "nvme").end(); }));
  add("keep-alive then none", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("keep-alive").str("device-types", "nvme").end(); s.begin("keep-alive").end(); }));
  add("device-dma short", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("device-dma").u32("total-pages", 9).end(); }));
  add("device-dma two values", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("device-dma").u64("total-pages", 9n, 10n).end(); }));
  add("device-dma missing", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("device-dma").end(); }));
  add("openhcl child bad structure", oh((s) => { s.str("memory-allocation-mode", "host"); s.begin("entropy").end().u32("late", 1); }));
  // vmbus
  const vb = (f: (s: Struct) => void, ranges: number[] = []): Parts => ({ bus: bus(f, ranges) });
  add("simple-bus with non-empty ranges is skipped", vb((s) => vmbus(s, "vmbus", 7, null), be32(1)));
  add("simple-bus without ranges", { bus: (s) => { s.begin("bus").str("compatible", "simple-bus").begin("vmbus").end().end(); } });
  add("vmbus no ranges", vb((s) => vmbus(s, "vmbus", 0, null)));
  add("vmbus empty ranges", vb((s) => vmbus(s, "vmbus", 2, [])));
  add("vmbus vtl 1", vb((s) => vmbus(s, "vmbus", 1, null)));
  add("vmbus without vtl", vb((s) => s.begin("vmbus").str("compatible", "microsoft,vmbus").end()));
  add("vmbus duplicate vtl0", vb((s) => { vmbus(s, "vmbus", 0, null); vmbus(s, "vmbus-b", 0, null, 9); }));
  add("vmbus duplicate vtl2 second bad", vb((s) => { vmbus(s, "vmbus", 2, null); vmbus(s, "vmbus-b", 2, null, null); }));
  add("vmbus address-cells 1", vb((s) => s.begin("vmbus").str("compatible", "microsoft,vmbus").u32("microsoft,vtl", 0).u32("#address-cells", 1).u32("#size-cells", 2).end()));
  add("vmbus size-cells 1", vb((s) => s.begin("vmbus").str("compatible", "microsoft,vmbus").u32("microsoft,vtl", 0).u32("#address-cells", 2).u32("#size-cells", 1).end()));
  add("vmbus without size-cells", vb((s) => s.begin("vmbus").str("compatible", "microsoft,vmbus").u32("microsoft,vtl", 0).u32("#address-cells", 2).end()));
  add("vmbus three ranges", vb((s) => vmbus(s, "vmbus", 0, [[0n, 0n, PAGE], [PAGE, PAGE, PAGE], [2n * PAGE, 2n * PAGE, PAGE]])));
  add("vmbus ranges child != parent", vb((s) => vmbus(s, "vmbus", 0, [[0xf0000000n, 0xe0000000n, PAGE]])));
  add("vmbus ranges unaligned", vb((s) => vmbus(s, "vmbus", 0, [[0xf0000800n, 0xf0000800n, PAGE]])));
  add("vmbus ranges unaligned len", vb((s) => vmbus(s, "vmbus", 0, [[0xf0000000n, 0xf0000000n, 0x10n]])));
  add("vmbus ranges swapped", vb((s) => vmbus(s, "vmbus", 2, [[0x2000000000n, 0x2000000000n, PAGE], [0xf0000000n, 0xf0000000n, 0x1000000n]])));
  add("vmbus ranges overlap", vb((s) => vmbus(s, "vmbus", 2, [[0xf0000000n, 0xf0000000n, 0x10000n], [0xf0008000n, 0xf0008000n, PAGE]])));
  add("vmbus ranges wrap", vb((s) => vmbus(s, "vmbus", 0, [[0xfffffffffffff000n, 0xfffffffffffff000n, 0x2000n]])));
  add("vmbus ranges 4 bytes extra", vb((s) => s.begin("vmbus").str("compatible", "microsoft,vmbus").u32("microsoft,vtl", 0).u32("#address-cells", 2).u32("#size-cells", 2)
    .prop("ranges", [...[0xf0000000n, 0xf0000000n, PAGE].flatMap(be64), 0, 0, 0, 1]).u32("microsoft,message-connection-id", 1).end()));
  add("vmbus ranges 20 bytes", vb((s) => s.begin("vmbus").str("compatible", "microsoft,vmbus").u32("microsoft,vtl", 0).u32("#address-cells", 2).u32("#size-cells", 2)
    .prop("ranges", [...[0xf0000000n, 0xf0000000n].flatMap(be64), 0, 0, 0, 1]).u32("microsoft,message-connection-id", 1).end()));
  add("vmbus without connection id", vb((s) => vmbus(s, "vmbus", 0, [[0xf0000000n, 0xf0000000n, PAGE]], null)));
  add("vmbus vtl0 overlaps vtl2", vb((s) => { vmbus(s, "vmbus", 0, [[0xf0000000n, 0xf0000000n, 0x100000n]]); vmbus(s, "v2", 2, [[0xf0080000n, 0xf0080000n, 0x100000n]]); }));
  add("vmbus mmio overlaps ram", vb((s) => vmbus(s, "vmbus", 2, [[0x7ffff000n, 0x7ffff000n, 0x2000n]])));
  add("vmbus zero length range over ram", vb((s) => vmbus(s, "vmbus", 0, [[0x1000n, 0x1000n, 0n]])));
  add("vmbus compatible not a string", vb((s) => s.begin("vmbus").prop("compatible", [0x6d]).end()));
  add("vmbus bad child structure", vb((s) => { vmbus(s, "vmbus", 0, null); s.u32("late", 1); }));
  add("bus compatible not a string", { bus: (s) => s.begin("bus").prop("compatible", [0x73]).end() });
  // x86 io bus
  add("com3", { extra: ioBus([["ns16550", [0x3e8n, 8n], 115200]]) });
  add("com1 only", { extra: ioBus([["ns16550", [0x3f8n, 8n], 115200]]) });
  add("com3 other compatible", { extra: ioBus([["ns16550a", [0x3e8n, 8n], 115200]]) });
  add("io bus without speed", { extra: ioBus([["ns16550", [0x3e8n, 8n], null]]) });
  add("io bus without reg", { extra: ioBus([["ns16550", null, 9600]]) });
  add("io bus short reg", { extra: ioBus([["ns16550", [0x3e8n], 9600]]) });
  add("io bus speed short", { extra: (s) => s.begin("isa").str("compatible", "x86-pio-bus").begin("serial").prop("current-speed", [1]).end().end() });
  // arm64
  add("gic", { extra: gic() });
  add("gic and pmu", { extra: (s) => { gic()(s); pmu([...be32(1), ...be32(7), ...be32(4)])(s); } });
  add("gic wrong compatible", { extra: gic({ compatible: [...Buffer.from("arm,gic-v2"), 0] }) });
  add("gic without compatible", { extra: gic({ compatible: null }) });
  add("gic two redistributor regions", { extra: gic({ "#redistributor-regions": be32(2) }) });
  add("gic address-cells 1", { extra: gic({ "#address-cells": be32(1) }) });
  add("gic size-cells missing", { extra: gic({ "#size-cells": null }) });
  add("gic interrupt-cells 2", { extra: gic({ "#interrupt-cells": be32(2) }) });
  add("gic interrupt-cells empty", { extra: gic({ "#interrupt-cells": [] }) });
  add("gic without stride", { extra: gic({ "redistributor-stride": null }) });
  add("gic stride u32", { extra: gic({ "redistributor-stride": be32(0x20000) }) });
  add("gic reg 3 values", { extra: gic({ reg: [1n, 2n, 3n].flatMap(be64) }) });
  add("gic without reg", { extra: gic({ reg: null }) });
  add("gic twice", { extra: (s) => { gic()(s); s.begin("intc@1").str("compatible", "arm,gic-v3").end(); } });
  add("pmu ppi 15", { extra: pmu([...be32(1), ...be32(15), ...be32(4)]) });
  add("pmu ppi 16", { extra: pmu([...be32(1), ...be32(16), ...be32(4)]) });
  add("pmu spi", { extra: pmu([...be32(0), ...be32(3), ...be32(4)]) });
  add("pmu 8 bytes", { extra: pmu([...be32(1), ...be32(3)]) });
  add("pmu 13 bytes", { extra: pmu([...be32(1), ...be32(3), ...be32(4), 0]) });
  add("pmu without interrupts", { extra: pmu(null) });
  add("unknown compatible", { extra: (s) => s.begin("rtc").str("compatible", "motorola,mc146818").end() });
  add("compatible without nul", { extra: (s) => s.begin("rtc").prop("compatible", [0x61]).end() });
  add("node name bad utf8", { extra: (s) => s.begin([0x6e, 0xff]).end() });
  add("node name unterminated", { extra: (s) => { s.bytes.push(...be32(1), 0x61, 0x62, 0x63, 0x64); } });
  add("property name offset out of range", { chosen: (s) => s.prop(0x7fffffff, [1]) });

  // header-level damage of the default tree
  const base = tree({});
  const setU32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v);
  const hdr = (name: string, at: number, v: number) => {
    const b = base.slice();
    setU32(b, at, v);
    out.push({ name, blob: b });
  };
  hdr("bad magic", 0, 0xd00dfeee);
  hdr("totalsize too large", 4, base.length + 1);
  hdr("totalsize small", 4, 40);
  hdr("struct offset unaligned", 8, new DataView(base.buffer).getUint32(8) + 2);
  hdr("struct offset past end", 8, base.length + 8);
  hdr("strings offset past end", 12, base.length + 1);
  hdr("rsvmap offset past end", 16, base.length + 1);
  hdr("rsvmap offset at end", 16, base.length - 8);
  hdr("version 16", 20, 16);
  hdr("version 18", 20, 18);
  hdr("last comp version 17", 24, 17);
  hdr("boot cpu 0xffffffff", 28, 0xffffffff);
  hdr("strings size 0", 32, 0);
  hdr("struct size 0", 36, 0);
  hdr("struct size short by 4", 36, new DataView(base.buffer).getUint32(36) - 4);
  out.push({ name: "empty", blob: new Uint8Array(0) });
  out.push({ name: "header only", blob: base.slice(0, 40) });
  out.push({ name: "39 bytes", blob: base.slice(0, 39) });
  const withRsv = (() => {
    const s = new Struct(new StringTable());
    s.begin("").begin("chosen").str("bootargs", "r").end().end();
    return blob(s, { reservations: [[0x1000n, 0x2000n], [0n, 5n]] });
  })();
  out.push({ name: "memory reservations", blob: withRsv });
  return out;
}

/**
 * `count` mutations (host/fuzz/mutate.ts `mutateBytes`, up to 3 stacked mutators) of the corpus
 * blobs in turn: case i mutates corpus[i % corpus.length] with `new Rng(seed + i)`, splicing from
 * the whole corpus.
 */
export function mutatedHostDtCases(corpus: readonly Uint8Array[], count: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(mutateBytes(corpus[i % corpus.length]!, new Rng(seed + i), corpus).bytes);
  return out;
}

const IN_PLACE = BYTE_MUTATORS.filter((m) => ["bit-flip", "byte-set", "fdt-prop-length"].includes(m.name));

/**
 * `count` length-preserving mutations (1–3 of bit-flip, byte-set, fdt-prop-length from
 * host/fuzz/mutate.ts) of the corpus blobs in turn, with `new Rng(seed + i)`: the header mostly
 * survives, so these reach the node walk and the semantic checks.
 */
export function inPlaceMutatedHostDtCases(corpus: readonly Uint8Array[], count: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const rng = new Rng(seed + i);
    let b = corpus[i % corpus.length]!;
    for (let n = 1 + rng.below(3); n > 0; n--) b = rng.pick(IN_PLACE).apply(b, rng);
    out.push(b);
  }
  return out;
}
