// The one host <-> WASM boundary (host/wasm/records.ts): every enveloped record — partition
// input/result, hand-off input/result, host_fdt result, bench phase result, shim params and
// persisted header (test drivers) — is decoded by its schema table from real
// bytes (written by the TypeScript encoders or by the boot core), must consume exactly its body,
// and re-encodes to the same bytes. The AssemblyScript ids/versions match the table, and a reader
// on either side that would consume fewer or more bytes than written fails as an internal error.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadShim, loadTestShim, packageRoot } from "../host/wasm/node.js";
import { Shim, ShimPanic } from "../host/wasm/loader.js";
import { InternalError } from "../host/errors.js";
import { Reader, RecordError } from "../host/wasm/codec.js";
import {
  RECORDS, PARTITION_INPUT, PARTITION_RESULT, HANDOFF_INPUT, HANDOFF_RESULT, HOST_FDT_RESULT, BENCH_PHASE_RESULT, SHIM_PARAMS_RESULT, PERSISTED_HEADER_RESULT, RECORD_HEADER_BYTES,
  decodeRecord, encodeRecord, envelope, type RecordSchema,
} from "../host/wasm/records.js";
import { loadImage } from "../host/image/load.js";
import { prepareImage, bootPrepared } from "../host/harness/boot.js";
import { preparePoint, type Prepared } from "../host/bench/phases.js";
import type { BenchConfig } from "../host/bench/sweep.js";
import { decodePartitionResult } from "../host/shim/partition.js";
import { decodeHandoffResult } from "../host/shim/handoff.js";

const root = packageRoot();

/** Decodes `bytes` (one record) by its schema, checks nothing is left, and re-encodes it. */
function roundTrip(schema: RecordSchema, bytes: Uint8Array): void {
  const r = new Reader(bytes);
  const v = decodeRecord(schema, r);
  expect(r.remaining).toBe(0);
  expect(Buffer.from(encodeRecord(schema, v)).equals(Buffer.from(bytes))).toBe(true);
}

/** Splits a result stream into its enveloped records. */
function records(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const v = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  for (let at = 0; at < stream.length;) {
    const n = RECORD_HEADER_BYTES + v.getUint32(at + 4, true);
    out.push(stream.slice(at, at + n));
    at += n;
  }
  return out;
}

/** `bytes` with its body grown by one zero byte (envelope length updated). */
function grown(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  new DataView(out.buffer).setUint32(4, bytes.length + 1 - RECORD_HEADER_BYTES, true);
  return out;
}

/** `bytes` with its body cut by `n` bytes (envelope length updated). */
function cut(bytes: Uint8Array, n = 1): Uint8Array {
  const out = bytes.slice(0, bytes.length - n);
  new DataView(out.buffer).setUint32(4, out.length - RECORD_HEADER_BYTES, true);
  return out;
}

describe("record schema table", () => {
  it("has one id per record, and the boot core's ids and versions are the table's", () => {
    expect(new Set(RECORDS.map((r) => r.id)).size).toBe(RECORDS.length);
    const text = readFileSync(join(root, "assembly/abi/records/envelope.ts"), "utf8");
    const consts = new Map([...text.matchAll(/export const (REC_[A-Z_]+): u16 = (\d+);/g)].map((m) => [m[1]!, Number(m[2])]));
    const asName = (s: RecordSchema) => "REC_" + s.name.toUpperCase().replace(/[^A-Z]+/g, "_");
    for (const s of RECORDS) {
      expect(consts.get(asName(s)), s.name).toBe(s.id);
      expect(consts.get(asName(s) + "_VERSION"), s.name).toBe(s.version);
    }
    expect(consts.size).toBe(RECORDS.length * 2);
  });
});

describe("every record round-trips through its schema", () => {
  let shim: Shim;
  const streams: Uint8Array[] = [];
  const shimParams: Uint8Array[] = [];
  const persistedHeaders: Uint8Array[] = [];
  beforeAll(async () => {
    shim = await loadShim();
    const test = await loadTestShim();
    const dir = join(root, "images");
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
      let p;
      try {
        p = prepareImage(loadImage(join(dir, name)));
      } catch {
        continue; // rejected before any boot
      }
      test.reset();
      test.setGuest(p.guest);
      const arch = p.image.arch === "aarch64" ? 1 : 0;
      test.call("shim_params_read", p.vtl2.shimBase, BigInt.asIntN(64, p.vtl2.shimParamsOffset), arch, p.vtl2.hvIsolation ? 1 : 0);
      const sp = test.out().whole();
      shimParams.push(sp);
      const v = decodeRecord(SHIM_PARAMS_RESULT, new Reader(sp)) as { isolationType: number; persistedState: { start: bigint } };
      for (const isolated of [0, 1]) {
        test.reset();
        test.call("persisted_header_read", isolated, v.persistedState.start);
        persistedHeaders.push(test.out().whole());
      }
      test.setGuest(undefined);
      try {
        bootPrepared(p, { shim });
      } catch (e) {
        if (e instanceof ShimPanic) continue; // a panic writes no result
      }
      streams.push(shim.out().whole());
    }
  });

  it("boot_run result streams: a partition result, then (when it succeeded) a hand-off result", () => {
    let ok = 0, dtErrors = 0;
    for (const s of streams) {
      const [partition, handoff, ...rest] = records(s);
      expect(rest).toEqual([]);
      roundTrip(PARTITION_RESULT, partition!);
      if (handoff) {
        roundTrip(HANDOFF_RESULT, handoff);
        ok++;
      } else {
        expect(decodeRecord(PARTITION_RESULT, new Reader(partition!)).status).toMatchObject({ tag: 1 });
        dtErrors++;
      }
    }
    expect(ok).toBeGreaterThan(10);
    expect(dtErrors).toBeGreaterThan(0);
  });

  it("shim params results of every image", () => {
    expect(shimParams.length).toBeGreaterThan(10);
    for (const b of shimParams) roundTrip(SHIM_PARAMS_RESULT, b);
  });

  it("persisted header results (present, and absent on an isolated VM)", () => {
    const tags = new Set<number>();
    for (const b of persistedHeaders) {
      roundTrip(PERSISTED_HEADER_RESULT, b);
      tags.add((decodeRecord(PERSISTED_HEADER_RESULT, new Reader(b)).header as { tag: number }).tag);
    }
    expect([...tags].sort()).toEqual([0, 1]);
  });

  const point = (c: Partial<BenchConfig>): BenchConfig => ({ cpus: 8, nodes: 2, ranges: 4, mode: "host", sidecar: true, pool: true, axis: "cpus", ...c });
  const configs = [point({}), point({ cpus: 64, nodes: 4, ranges: 8, mode: "vtl2" }), point({ cpus: 1, nodes: 1, ranges: 1, sidecar: false, pool: false })];

  it("partition and hand-off input records from the host encoders, and host_fdt results", () => {
    for (const c of configs) {
      const p = preparePoint(shim, c) as Prepared;
      expect("skipped" in p).toBe(false);
      roundTrip(PARTITION_INPUT, p.partitionRecord);
      roundTrip(HANDOFF_INPUT, p.handoffRecord);
      shim.reset();
      shim.call("host_fdt_parse", shim.put(p.blob), p.blob.length, 0);
      roundTrip(HOST_FDT_RESULT, shim.out().whole());
      for (const phase of [0, 1, 2]) { // topology, address space, pool (host/shim/bench.ts TOPOLOGY_PHASES)
        shim.reset();
        expect(shim.call<number>("bench_read_from_dt_phase", shim.put(p.partitionRecord), p.partitionRecord.length, phase, 2, 1)).toBeGreaterThan(0);
        const rec = shim.out().whole();
        roundTrip(BENCH_PHASE_RESULT, rec);
        expect(decodeRecord(BENCH_PHASE_RESULT, new Reader(rec)).phase).toMatchObject({ tag: phase === 0 ? 0 : 1 });
      }
    }
    // The error branch: a blob that is not a device tree.
    shim.reset();
    const junk = new Uint8Array(64).fill(7);
    shim.call("host_fdt_parse", shim.put(junk), junk.length, 0);
    const err = shim.out().whole();
    roundTrip(HOST_FDT_RESULT, err);
    expect(decodeRecord(HOST_FDT_RESULT, new Reader(err)).status).toMatchObject({ tag: 0 });
  });
});

describe("a reader that consumes fewer or more bytes than written is an internal error", () => {
  let shim: Shim;
  let p: Prepared;
  beforeAll(async () => {
    shim = await loadShim();
    p = preparePoint(shim, { cpus: 8, nodes: 2, ranges: 4, mode: "host", sidecar: true, pool: true, axis: "cpus" }) as Prepared;
  });

  const runPartition = (bytes: Uint8Array) => {
    shim.reset();
    shim.call("partition_read_from_record", shim.put(bytes), bytes.length);
  };
  const runHandoff = (bytes: Uint8Array) => {
    shim.reset();
    shim.call("handoff_run", shim.put(bytes), bytes.length);
  };

  it("boot core: an input record with a byte more than its reader reads", () => {
    expect(() => runPartition(grown(p.partitionRecord))).toThrow(InternalError);
    expect(() => runPartition(grown(p.partitionRecord))).toThrow(/^hclboot internal error: partition input record: read \d+ of \d+ bytes$/);
    expect(() => runHandoff(grown(p.handoffRecord))).toThrow(/^hclboot internal error: handoff input record: read \d+ of \d+ bytes$/);
  });

  it("boot core: a truncated input record, a wrong version and a wrong body length", () => {
    expect(() => runPartition(cut(p.partitionRecord))).toThrow(/^hclboot internal error: input record truncated at offset \d+$/);
    const v2 = p.handoffRecord.slice();
    new DataView(v2.buffer).setUint16(2, 2, true);
    expect(() => runHandoff(v2)).toThrow("hclboot internal error: expected handoff input record (id 3 v1), found id 3 v2");
    expect(() => runHandoff(p.handoffRecord.subarray(0, p.handoffRecord.length - 1)))
      .toThrow(/^hclboot internal error: handoff input record body is \d+ bytes, \d+ given$/);
    expect(() => runPartition(p.handoffRecord)).toThrow("hclboot internal error: expected partition input record (id 1 v1), found id 3 v1");
  });

  it("host: a result record with a byte more, or less, than its decoder reads", () => {
    runPartition(p.partitionRecord);
    const [partition] = records(shim.out().whole());
    expect(() => decodePartitionResult(new Reader(partition!))).not.toThrow();
    expect(() => decodePartitionResult(new Reader(grown(partition!)))).toThrow(RecordError);
    expect(() => decodePartitionResult(new Reader(grown(partition!)))).toThrow(/^partition result: read \d+ of \d+ bytes$/);
    expect(() => decodePartitionResult(new Reader(cut(partition!)))).toThrow(/^result stream truncated/);
    runHandoff(p.handoffRecord);
    const [handoff] = records(shim.out().whole());
    expect(() => decodeHandoffResult(new Reader(grown(handoff!)))).toThrow(/^handoff result: read \d+ of \d+ bytes$/);
    expect(() => decodeHandoffResult(new Reader(partition!))).toThrow("expected handoff result record (id 4 v1), found id 2 v1");
    const e = (() => { try { decodeHandoffResult(new Reader(grown(handoff!))); } catch (x) { return x as Error; } })();
    expect(e?.name).toBe("InternalError");
  });

  it("schema walker: envelope of another record, and a union tag outside the table", () => {
    expect(() => decodeRecord(HANDOFF_RESULT, new Reader(envelope(PARTITION_RESULT, new Uint8Array([0]))))).toThrow(RecordError);
    expect(() => decodeRecord(PARTITION_RESULT, new Reader(envelope(PARTITION_RESULT, new Uint8Array([9]))))).toThrow(/union tag 9/);
  });
});
