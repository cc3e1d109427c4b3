// Differential test of the VTL2 address space manager (assembly/openhcl_boot/memory/memory.ts) against the pinned
// upstream memory.rs's own outputs (test/fixtures/upstream_address_space.json; its header says how
// they were produced) on seeded random builder inputs and operation scripts: the same init result
// (error Display and Debug texts), the same allocated ranges, free/VTL2/reserved range lists and
// pool flag after every operation, or the same panic message.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { runAddressSpace, type InitResult, type OpResult } from "../host/shim/memory.js";
import { addressSpaceCase, addressSpaceCaseLine } from "./helpers/address_space_cases.js";
import { resultOrPanic } from "./helpers/panic.js";

type Init = true | [string, string];
type Outcome = { init: Init; results: (string | boolean | null | Init)[] } | { panic: string };
interface Fixture {
  seed: number;
  count: number;
  debugBuildDiffers: number[];
  cases: ({ in: string } & Outcome)[];
}
const oracle = JSON.parse(readFileSync(new URL("./fixtures/upstream_address_space.json", import.meta.url), "utf8")) as Fixture;

const h = (v: bigint) => v.toString(16);
const init = (r: InitResult): Init => (r.ok ? true : [r.message, r.debug]);
function result(r: OpResult): string | boolean | null | Init {
  switch (r.op) {
    case "allocate":
    case "allocateAligned":
      return r.range === null ? null : `${h(r.range.start)}-${h(r.range.end)}@${r.range.vnode}`;
    case "freeRanges":
      return r.ranges.map((x) => `${h(x.start)}-${h(x.end)}`).join(" ");
    case "vtl2Ranges":
    case "reservedVtl2Ranges":
      return r.ranges.map((x) => `${h(x.start)}-${h(x.end)}:${x.type}`).join(" ");
    case "hasVtl2Pool":
      return r.value;
    case "initAgain":
      return init(r.init);
  }
}

function ours(shim: Shim, i: number): Outcome {
  const c = addressSpaceCase(oracle.seed, i);
  return resultOrPanic(() => {
    const r = runAddressSpace(shim, c.spec, c.ops);
    return { init: init(r.init), results: r.results.map(result) };
  });
}

describe("upstream oracle: AddressSpaceManager (memory.rs) on seeded layouts and operation scripts", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("regenerates exactly the scenarios upstream was run on", () => {
    expect(oracle.cases.length).toBe(oracle.count);
    const drifted = oracle.cases
      .map((c, i) => (createHash("sha256").update(addressSpaceCaseLine(addressSpaceCase(oracle.seed, i))).digest("hex").slice(0, 12) === c.in ? -1 : i))
      .filter((i) => i >= 0);
    expect(drifted).toEqual([]);
  });

  it("builder init, allocations and range lists match upstream step by step, panics included", () => {
    const wrong: unknown[] = [];
    oracle.cases.forEach(({ in: _in, ...want }, i) => {
      const got = ours(shim, i);
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ case: i, scenario: addressSpaceCaseLine(addressSpaceCase(oracle.seed, i)), got, want });
    });
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("the scenarios reach every init error, successful and failed allocations, and upstream's panics", () => {
    const texts = oracle.cases.map((c) => ("panic" in c ? `panic ${c.panic.split(/[\n{]/)[0]}` : c.init === true ? "ok" : `error ${c.init[1].split(/[ {]/)[0]}`));
    const kinds = new Set(texts.map((t) => t.replace(/\d+/g, "N").trim()));
    for (const k of ["ok", "error RamLen", "error ReservedRangeOutsideBootshimUsed", "panic pool ranges already set on builder",
      "panic vtlN range MemoryRange", "panic right not sorted", "panic left not sorted", "panic assertion failed: alignment.is_power_of_two()",
      "panic assertion failed: offset <= self.len()", "panic ArrayVec: capacity exceeded in extend/from_iter"]) expect(kinds).toContain(k);
    const allocs = oracle.cases.flatMap((c) => ("results" in c ? c.results : [])).filter((r) => typeof r === "string" && r.includes("@"));
    expect(allocs.length).toBeGreaterThan(2500);
    expect(oracle.debugBuildDiffers).toEqual([]);
  });
});
