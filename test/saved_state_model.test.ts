// Differential check of the AssemblyScript SavedState decoder against a second, independent model of
// mesh_protobuf::decode::<SavedState> running on openhcl_boot's bump heap, over structured random
// wire bytes (every wire type, nested messages, truncation, big field numbers, tiny heaps).
// Model sources: support/mesh/mesh_protobuf/src/{protobuf.rs,encoding.rs,table/decode.rs,lib.rs},
// openhcl/openhcl_boot/src/host_params/dt/bump_alloc.rs, Rust's RawVec amortized growth.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { tryDecodeSavedState } from "../host/shim/persisted_state.js";

class Failure {
  constructor(readonly message: string) {}
}

interface ModelState {
  partitionMemory: { start: bigint; end: bigint; vnode: number; vtlType: number; igvmType: number }[];
  partitionMmio: { start: bigint; end: bigint; vtlType: number }[];
  cpusWithMappedInterruptsNoIo: number[];
  cpusWithOutstandingIo: number[];
  heap: { allocated: bigint; allocations: number; free: bigint };
}

const M64 = (1n << 64n) - 1n;

/** mesh_protobuf decode of SavedState with the shim's bump allocator: the state or the panic text. */
function modelDecode(bytes: Uint8Array, heapStart: bigint, heapSize: bigint): { ok: true; state: ModelState } | { ok: false; message: string } {
  let next = heapStart;
  let count = 0;
  const end = heapStart + heapSize;
  const alloc = (size: bigint, align: bigint) => {
    const start = (next + align - 1n) & ~(align - 1n);
    if (start + size > end) throw new Failure(`memory allocation of ${size} bytes failed`);
    next = start + size;
    count++;
  };
  const err = (name: string): never => {
    alloc(16n, 8n); // Box<DecodeError>
    alloc(40n, 8n); // Box<ErrorInner>
    throw new Failure(`failed to decode protobuf: Error(ErrorInner { types: [], err: ${name} })`);
  };
  class Vec<T> {
    items: T[] = [];
    cap = 0n;
    constructor(readonly size: bigint, readonly align: bigint) {}
    reserveOne(): void {
      const len = BigInt(this.items.length);
      if (len < this.cap) return;
      let c = this.cap * 2n;
      if (c < len + 1n) c = len + 1n;
      if (c < 4n) c = 4n;
      alloc(c * this.size, this.align);
      this.cap = c;
    }
  }
  type Field = { num: number; wire: number; value: bigint; body: Uint8Array };
  const readVarint = (d: Uint8Array, at: { p: number }): bigint => {
    let shift = 0n;
    let r = 0n;
    for (;;) {
      if (at.p >= d.length) err("EofVarInt");
      const b = BigInt(d[at.p++]!);
      r = (r | ((b & 0x7fn) << shift)) & M64;
      if ((b & 0x80n) === 0n) return r;
      shift += 7n;
      if (shift > 63n) err("VarIntTooBig");
    }
  };
  const fields = function* (d: Uint8Array): Generator<Field> {
    const at = { p: 0 };
    while (at.p < d.length) {
      const k = readVarint(d, at);
      const wire = Number(k & 7n);
      const num = Number((k >> 3n) & 0xffff_ffffn);
      const empty = new Uint8Array(0);
      if (wire === 0) yield { num, wire, value: readVarint(d, at), body: empty };
      else if (wire === 1) {
        if (d.length - at.p < 8) err("EofFixed64");
        at.p += 8;
        yield { num, wire, value: 0n, body: empty };
      } else if (wire === 2 || wire === 6) {
        const resources = wire === 6 ? readVarint(d, at) & 0xffff_ffffn : 0n;
        const len = readVarint(d, at);
        if (resources > 0n) err("InvalidResourceRange");
        if (BigInt(d.length - at.p) < len) err("EofByteArray");
        const body = d.subarray(at.p, at.p + Number(len));
        at.p += Number(len);
        yield { num, wire, value: 0n, body };
      } else if (wire === 5) {
        if (d.length - at.p < 4) err("EofFixed32");
        at.p += 4;
        yield { num, wire, value: 0n, body: empty };
      } else if (wire === 7) err("MissingResource");
      else err(`UnknownWireType(${wire})`);
    }
  };
  const isMessage = (f: Field) => f.wire === 2 || f.wire === 6;
  const varint = (f: Field) => (f.wire === 0 ? f.value : err("ExpectedVarInt"));
  const message = (f: Field) => (isMessage(f) ? f.body : err("ExpectedMessage"));
  const range = (body: Uint8Array, r: { start: bigint; end: bigint }) => {
    for (const f of fields(body)) {
      if (f.num === 1) r.start = varint(f);
      else if (f.num === 2) r.end = varint(f);
    }
  };
  const wrapper = (body: Uint8Array, prev: bigint) => {
    let v = prev;
    for (const f of fields(body)) if (f.num === 1) v = varint(f);
    return v;
  };
  try {
    const mem = new Vec<ModelState["partitionMemory"][number]>(32n, 8n);
    const mmio = new Vec<ModelState["partitionMmio"][number]>(24n, 8n);
    const cpus = [new Vec<number>(4n, 4n), new Vec<number>(4n, 4n)];
    for (const f of fields(bytes)) {
      if (f.num === 1) {
        mem.reserveOne();
        const e = { start: 0n, end: 0n, vnode: 0, vtlType: 0, igvmType: 0 };
        for (const g of fields(message(f))) {
          if (g.num === 1) range(message(g), e);
          else if (g.num === 2) e.vnode = Number(varint(g) & 0xffff_ffffn);
          else if (g.num === 3) e.vtlType = Number(wrapper(message(g), BigInt(e.vtlType)) & 0xffff_ffffn);
          else if (g.num === 4) e.igvmType = Number(wrapper(message(g), BigInt(e.igvmType)) & 0xffffn);
        }
        mem.items.push(e);
      } else if (f.num === 2) {
        mmio.reserveOne();
        const e = { start: 0n, end: 0n, vtlType: 0 };
        for (const g of fields(message(f))) {
          if (g.num === 1) range(message(g), e);
          else if (g.num === 2) e.vtlType = Number(wrapper(message(g), BigInt(e.vtlType)) & 0xffff_ffffn);
        }
        mmio.items.push(e);
      } else if (f.num === 3 || f.num === 4) {
        const v = cpus[f.num - 3]!;
        if (f.wire === 2) {
          const at = { p: 0 };
          while (at.p < f.body.length) {
            const c = Number(readVarint(f.body, at) & 0xffff_ffffn);
            v.reserveOne();
            v.items.push(c);
          }
        } else {
          v.reserveOne();
          v.items.push(Number(varint(f) & 0xffff_ffffn));
        }
      }
    }
    return {
      ok: true,
      state: {
        partitionMemory: mem.items, partitionMmio: mmio.items,
        cpusWithMappedInterruptsNoIo: cpus[0]!.items, cpusWithOutstandingIo: cpus[1]!.items,
        heap: { allocated: next - heapStart, allocations: count, free: end - next },
      },
    };
  } catch (e) {
    if (e instanceof Failure) return { ok: false, message: e.message };
    throw e;
  }
}

// ---- structured random wire bytes ----

function varintBytes(v: bigint): number[] {
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const fieldNumber = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x1_0000_0001, 0x2_0000_0003, 0x1fff_ffff) },
);
const varintValue = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 0xffffn, 0x1_0000n, 0xffff_ffffn, 0x1_0000_0005n, (1n << 64n) - 1n),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);
/** Raw varint encodings, including over-long (11-byte) ones that fail. */
const varintRaw = fc.oneof(
  { weight: 8, arbitrary: varintValue.map(varintBytes) },
  { weight: 1, arbitrary: fc.constant([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) },
  { weight: 1, arbitrary: fc.constant([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]) },
);

const { message: messageBytes } = fc.letrec<{ message: number[]; field: number[] }>((tie) => ({
  message: fc.array(tie("field"), { maxLength: 5 }).map((fs) => fs.flat()),
  field: fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fieldNumber, varintRaw).map(([n, v]) => [...varintBytes(BigInt(n) * 8n), ...v]) },
    { weight: 4, arbitrary: fc.tuple(fieldNumber, fc.oneof({ weight: 3, arbitrary: tie("message") }, { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }) })).map(([n, body]) => [...varintBytes(BigInt(n) * 8n + 2n), ...varintBytes(BigInt(body.length)), ...body]) },
    { weight: 1, arbitrary: fc.tuple(fieldNumber, fc.integer({ min: 0, max: 2 }), tie("message")).map(([n, res, body]) => [...varintBytes(BigInt(n) * 8n + 6n), res, ...varintBytes(BigInt(body.length)), ...body]) },
    { weight: 1, arbitrary: fc.tuple(fieldNumber, fc.constantFrom(1, 5)).map(([n, w]) => [...varintBytes(BigInt(n) * 8n + BigInt(w)), ...new Array<number>(w === 1 ? 8 : 4).fill(7)]) },
    { weight: 1, arbitrary: fc.tuple(fieldNumber, fc.constantFrom(3, 4, 7)).map(([n, w]) => varintBytes(BigInt(n) * 8n + BigInt(w))) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(3, 4), fc.array(varintRaw, { maxLength: 8 })).map(([n, vs]) => { const body = vs.flat(); return [...varintBytes(BigInt(n) * 8n + 2n), ...varintBytes(BigInt(body.length)), ...body]; }) },
  ),
}));

// Schema-shaped messages: mostly well-formed SavedState fields (duplicated sub-fields, unknown
// fields, packed and unpacked lists) so that most runs decode and exercise the heap growth.
const lenField = (n: number, body: number[]) => [...varintBytes(BigInt(n) * 8n + 2n), ...varintBytes(BigInt(body.length)), ...body];
const varField = (n: number, v: bigint) => [...varintBytes(BigInt(n) * 8n), ...varintBytes(v)];
const rangeMsg = fc.array(fc.tuple(fc.constantFrom(1, 2, 9), varintValue).map(([n, v]) => varField(n, v)), { maxLength: 3 }).map((f) => f.flat());
const wrapperMsg = fc.array(fc.tuple(fc.constantFrom(1, 1, 2), varintValue).map(([n, v]) => varField(n, v)), { maxLength: 2 }).map((f) => f.flat());
const entryField = fc.oneof(
  rangeMsg.map((b) => lenField(1, b)),
  varintValue.map((v) => varField(2, v)),
  wrapperMsg.map((b) => lenField(3, b)),
  wrapperMsg.map((b) => lenField(4, b)),
  varintValue.map((v) => varField(7, v)),
);
const schemaField = fc.oneof(
  { weight: 4, arbitrary: fc.array(entryField, { maxLength: 5 }).map((f) => lenField(1, f.flat())) },
  { weight: 2, arbitrary: fc.array(fc.oneof(rangeMsg.map((b) => lenField(1, b)), wrapperMsg.map((b) => lenField(2, b))), { maxLength: 3 }).map((f) => lenField(2, f.flat())) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(3, 4), fc.array(varintValue, { maxLength: 12 })).map(([n, vs]) => lenField(n, vs.flatMap(varintBytes))) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(3, 4), varintValue).map(([n, v]) => varField(n, v)) },
);
const schemaMessage = fc.array(schemaField, { maxLength: 40 }).map((f) => f.flat());

const payload = fc.tuple(fc.oneof(messageBytes, schemaMessage, schemaMessage), fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() })).map(([b, cut]) => Uint8Array.from(cut === undefined || b.length === 0 ? b : b.slice(0, cut % (b.length + 1))));
const heap = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ start: 0x10_0000n, size: 16n * 4096n }) },
  { weight: 2, arbitrary: fc.record({ start: fc.bigInt({ min: 0x10_0000n, max: 0x10_0007n }), size: fc.bigInt({ min: 0n, max: 400n }) }) },
);

let shim: Shim;
beforeAll(async () => {
  shim = await loadTestShim();
});

describe("mesh_protobuf::decode::<SavedState> on the bump heap (differential against a model)", () => {
  it("agrees with the model on the decoded state, heap statistics and the exact failure text", () => {
    fc.assert(
      fc.property(payload, heap, (bytes, h) => {
        const want = modelDecode(bytes, h.start, h.size);
        const got = tryDecodeSavedState(shim, bytes, h.size, h.start);
        if (want.ok) {
          expect(got.ok).toBe(true);
          if (got.ok) expect(got.state).toEqual(want.state);
        } else {
          expect(got.ok ? "decoded" : got.message).toBe(want.message);
        }
      }),
      { numRuns: 600 },
    );
  });

  it("the model reproduces the hand-checked cases", () => {
    expect(modelDecode(Uint8Array.of(0x0b), 0x10_0000n, 0x1_0000n)).toEqual({ ok: false, message: "failed to decode protobuf: Error(ErrorInner { types: [], err: UnknownWireType(3) })" });
    const one = modelDecode(Uint8Array.of(0x0a, 0x00, 0x1a, 0x01, 0x05), 0x10_0000n, 0x1_0000n);
    expect(one.ok && one.state.heap).toEqual({ allocated: 144n, allocations: 2, free: 0x1_0000n - 144n });
  });
});
