//! WASM export driving the VTL2 address space manager with a script of builder inputs and
//! operations (tests and fuzzing of assembly/openhcl_boot/memory/memory.ts).
// Ports: none (test driver of openhcl/openhcl_boot/src/memory.rs)

import { outBegin, outU8, outU32, outU64, outStr } from "../../rt/out";
import { RecordReader } from "../records/record_reader";
import { RangeList } from "../../support/memory_range/lib";
import { AddressSpaceManager, AddressSpaceManagerBuilder, AllocatedRange, MemoryError } from "../../openhcl_boot/memory/memory";

const OP_ALLOCATE: u8 = 1;
const OP_ALLOCATE_ALIGNED: u8 = 2;
const OP_FREE_RANGES: u8 = 3;
const OP_VTL2_RANGES: u8 = 4;
const OP_RESERVED_RANGES: u8 = 5;
const OP_HAS_POOL: u8 = 6;
const OP_INIT_AGAIN: u8 = 7;

function readList(r: RecordReader, withTag: bool): RangeList {
  const n = <i32>r.u32();
  const list = new RangeList(n);
  for (let i = 0; i < n; i++) {
    const s = r.u64();
    const e = r.u64();
    const t: u64 = withTag ? <u64>r.u32() : 0;
    list.push(s, e, t);
  }
  return list;
}

function outInit(err: MemoryError | null): void {
  if (err === null) {
    outU8(0);
    return;
  }
  outU8(1);
  outStr(err.message());
  outStr(err.debug());
}

function outAlloc(a: AllocatedRange | null): void {
  if (a === null) {
    outU8(0);
    return;
  }
  outU8(1);
  outU64(a.range.start);
  outU64(a.range.end);
  outU32(a.vnode);
}

function outList(list: RangeList): void {
  outU32(<u32>list.length);
  for (let i = 0; i < list.length; i++) {
    outU64(list.start(i));
    outU64(list.end(i));
    outU32(<u32>list.tag(i));
  }
}

function builderFrom(r: RecordReader, asm: AddressSpaceManager): AddressSpaceManagerBuilder {
  const ram = readList(r, true);
  const used = r.range();
  const persisted = r.range();
  const config = readList(r, false);
  let b = new AddressSpaceManagerBuilder(asm, ram, used, persisted, config);
  if (r.bool()) b = b.withReservedRange(r.range());
  if (r.bool()) b = b.withSidecarImage(r.range());
  if (r.bool()) b = b.withLogBuffer(r.range());
  const poolSets = r.u32();
  for (let i: u32 = 0; i < poolSets; i++) b = b.withPoolRanges(readList(r, false));
  return b;
}

/** Runs a builder + operations script against a fresh AddressSpaceManager; see host/shim/memory.ts. */
export function memory_run(ptr: usize, len: u32): void {
  outBegin();
  const r = new RecordReader(ptr, <usize>len);
  const asm = new AddressSpaceManager();
  const start = r.off;
  outInit(builderFrom(r, asm).init());
  const builderEnd = r.off;
  const ops = r.u32();
  const scratch = new RangeList(1024);
  for (let i: u32 = 0; i < ops; i++) {
    const op = r.u8();
    if (op == OP_ALLOCATE || op == OP_ALLOCATE_ALIGNED) {
      const vnode = <i64>r.u64();
      const size = r.u64();
      const type = r.u32();
      const policy = r.u32();
      if (op == OP_ALLOCATE) outAlloc(asm.allocate(vnode, size, type, policy));
      else outAlloc(asm.allocateAligned(vnode, size, type, policy, r.u64()));
    } else if (op == OP_FREE_RANGES) {
      asm.freeRanges(r.u32(), scratch);
      outList(scratch);
    } else if (op == OP_VTL2_RANGES) {
      asm.vtl2Ranges(scratch);
      outList(scratch);
    } else if (op == OP_RESERVED_RANGES) {
      asm.reservedVtl2Ranges(scratch);
      outList(scratch);
    } else if (op == OP_HAS_POOL) {
      outU8(asm.hasVtl2Pool() ? 1 : 0);
    } else if (op == OP_INIT_AGAIN) {
      // Re-run the same builder inputs against the already initialized manager.
      const again = new RecordReader(ptr + start, builderEnd - start);
      outInit(builderFrom(again, asm).init());
    }
  }
}
