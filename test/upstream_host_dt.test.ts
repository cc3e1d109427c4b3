// Differential test of the host device tree parser against the pinned upstream code's own outputs
// (test/fixtures/upstream_host_dt.json; its header says how they were produced): every image's host
// device tree, the dts fixtures, targeted trees for each branch of ParsedDeviceTree::parse, and
// thousands of seeded mutations of them. Both our walks (single pass and upstream's lazy order)
// must give upstream's tree, or its exact error Display and Debug texts, or its panic message; the
// generic FDT walk must give the same nodes and properties or the same first error.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { loadTestShim } from "../host/wasm/node.js";
import { Shim, ShimPanic } from "../host/wasm/loader.js";
import { tryParseHostDt, dumpFdt, type HostDeviceTree, type FdtDumpNode } from "../host/shim/host_fdt.js";
import { hostDtJson } from "../host/cli/dt.js";
import { DtError } from "../host/errors.js";
import { targetedHostDtCases, mutatedHostDtCases, inPlaceMutatedHostDtCases } from "./helpers/host_dt_cases.js";
import { resultOrPanic } from "./helpers/panic.js";

interface Fixture {
  bases: { images: { name: string; gz: string }[]; dts: { name: string; gz: string }[]; targeted: string[] };
  mutations: { bytes: { count: number; seed: number }; inPlace: { count: number; seed: number } };
  debugBuildDiffers: number[];
  hostOutcomes: HostOutcome[];
  fdtOutcomes: FdtOutcome[];
  cases: [string, number, number][];
}
type HostOutcome = { ok: true } & Record<string, unknown> | { okSha: string; cpus: number; memory: number } | { err: string; debug: string } | { panic: string };
type FdtOutcome = { dumpSha: string; bytes: number } | { err: string } | { panic: string };

const oracle = JSON.parse(readFileSync(new URL("./fixtures/upstream_host_dt.json", import.meta.url), "utf8")) as Fixture;
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex").slice(0, 16);
const unzip = (x: { gz: string }) => new Uint8Array(gunzipSync(Buffer.from(x.gz, "base64")));

/** Every input in the fixture's case order, with a name saying where it came from. */
function inputs(): { name: string; blob: Uint8Array }[] {
  const targeted = targetedHostDtCases();
  const corpus = [
    ...oracle.bases.images.map((x) => ({ name: x.name, blob: unzip(x) })),
    ...oracle.bases.dts.map((x) => ({ name: x.name, blob: unzip(x) })),
    ...targeted.map((x) => ({ name: `targeted: ${x.name}`, blob: x.blob })),
  ];
  const blobs = corpus.map((x) => x.blob);
  const m = oracle.mutations;
  return [
    ...corpus,
    ...mutatedHostDtCases(blobs, m.bytes.count, m.bytes.seed).map((blob, i) => ({ name: `mutation ${i} of ${corpus[i % corpus.length]!.name}`, blob })),
    ...inPlaceMutatedHostDtCases(blobs, m.inPlace.count, m.inPlace.seed).map((blob, i) => ({ name: `in-place mutation ${i} of ${corpus[i % corpus.length]!.name}`, blob })),
  ];
}

/** Our tree in the fixture's form: `dt --json` fields, cpu reg as a decimal string. */
function treeOutcome(t: HostDeviceTree): HostOutcome {
  const j = { ...(hostDtJson(t) as Record<string, unknown>), cpus: t.cpus.map((c) => ({ reg: c.reg.toString(), vnode: c.vnode })) };
  const text = JSON.stringify(j);
  return text.length <= 1200 ? (j as unknown as HostOutcome) : { okSha: sha(text), cpus: t.cpus.length, memory: t.memory.length };
}

function hostOutcome(shim: Shim, blob: Uint8Array, upstreamOrder: boolean): HostOutcome {
  return resultOrPanic((): HostOutcome => {
    const r = tryParseHostDt(shim, blob, { upstreamOrder, debug: true });
    return r.ok ? treeOutcome(r.tree) : { err: r.message, debug: r.debug! };
  });
}

function dumpText(n: FdtDumpNode, out: string[]): void {
  out.push(`B${n.name}\n`);
  for (const p of n.properties) out.push(`P${p.name}=${Buffer.from(p.data).toString("hex")}\n`);
  for (const c of n.children) dumpText(c, out);
  out.push("E\n");
}

function fdtOutcome(shim: Shim, blob: Uint8Array): FdtOutcome {
  try {
    const d = dumpFdt(shim, blob);
    const out = [`${d.totalSize}|${d.bootCpuidPhys}|`, ...d.reservations.map((r) => `${r.address.toString(16)},${r.size.toString(16)};`), "\n"];
    dumpText(d.root, out);
    const text = out.join("");
    return { dumpSha: sha(text), bytes: Buffer.byteLength(text) };
  } catch (e) {
    if (e instanceof DtError) return { err: e.message };
    if (e instanceof ShimPanic) return { panic: e.message };
    throw e;
  }
}

describe("upstream oracle: host device tree (support/fdt + host_fdt_parser on images, dts, targeted and mutated blobs)", () => {
  let shim: Shim;
  const all = inputs();
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("regenerates exactly the inputs upstream was run on", () => {
    expect(all.length).toBe(oracle.cases.length);
    const drifted = all.filter((x, i) => sha(x.blob) !== oracle.cases[i]![0]).map((x) => x.name);
    expect(drifted).toEqual([]);
    expect(all.length).toBeGreaterThan(6000);
  });

  it("ParsedDeviceTree::parse: same tree, or the same error Display + Debug text, or the same panic (both walks)", () => {
    const wrong: unknown[] = [];
    all.forEach((x, i) => {
      const want = oracle.hostOutcomes[oracle.cases[i]![1]]!;
      for (const upstreamOrder of [false, true]) {
        const got = hostOutcome(shim, x.blob, upstreamOrder);
        if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ case: i, name: x.name, upstreamOrder, got, want });
      }
    });
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it("fdt::parser: the same nodes and properties, or the same first error", () => {
    const wrong: unknown[] = [];
    all.forEach((x, i) => {
      const want = oracle.fdtOutcomes[oracle.cases[i]![2]]!;
      const got = fdtOutcome(shim, x.blob);
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ case: i, name: x.name, got, want });
    });
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it("covers every upstream ErrorKind, trees that parse, and the wrapping-range panic", () => {
    const kinds = new Set(oracle.hostOutcomes.map((o) => ("debug" in o ? (o.debug as string).replace(/^Error\((\w+).*$/s, "$1") : "ok" in o || "okSha" in o ? "ok" : "panic")));
    expect([...kinds].sort()).toEqual([
      "CmdlineSize", "Dt", "MemoryRegOverlap", "MemoryRegUnaligned", "MultipleVmbusNode", "Node", "Prop", "PropInvalidStr",
      "PropInvalidU32", "PropMissing", "TooManyCpus", "TooManyMemoryEntries", "TooManyVmbusMmioRanges",
      "UnexpectedMemoryAllocationMode", "UnexpectedVmbusVtl", "VmbusMmioOverlapsRam", "VmbusMmioOverlapsVmbusMmio",
      "VmbusRangesChildParent", "VmbusRangesNotAligned", "ok", "panic",
    ]);
    // the only build-dependent outcomes are u64 additions that wrap in release and panic in debug
    for (const i of oracle.debugBuildDiffers) expect(oracle.hostOutcomes[oracle.cases[i]![1]]).toMatchObject({ panic: expect.stringMatching(/^valid range: InvalidMemoryRange/) });
  });
});
