//! WASM test entry for the FDT builder: runs a small build script from the host and returns the
//! blob (or the builder error), so tests can build any tree in WASM with one call.
// Ports: support/fdt/src/builder.rs (exercised through its whole API)
//
// Script (little-endian): u32 bufferLen, u32 stringTableCap, u32 bootCpuidPhys, u32 reservation
// count, that many (u64 address, u64 size); then ops until the end, each a u8 code:
//   1 string(bytes)            -> next name id        2 begin_node(bytes)      3 end_node
//   4 null(name)               5 u32(name, u32)        6 u64(name, u64)
//   7 u64_array(name, n, u64*) 8 u32_array(name, n, u32*)   9 str(name, bytes)
//  10 str_array(name, n, bytes*)  11 prop_array(name, n, bytes*)  12 u64_list(name, n, u64*)
// where bytes = u32 length + UTF-8/raw bytes and name = u32 index of an earlier `string` op.
// Result stream: u32 status (0 ok, else the error kind), str message, bytes blob, u32 struct size.

import { FdtBuilder, ReserveEntries, MAX_MEMORY_RESERVATIONS } from "../../support/fdt/builder";
import { outBegin, outBytes, outStr, outU32 } from "../../rt/out";
import { panic } from "../../rt/panic";

/** Most property names one script may define. */
const MAX_SCRIPT_NAMES: i32 = 256;
/** Most elements in one array op. */
const MAX_SCRIPT_ARRAY: i32 = 4096;

class Script {
  constructor(
    public p: usize,
    public end: usize,
  ) {}

  need(n: usize): usize {
    if (this.p + n > this.end) panic("fdt builder script truncated");
    const at = this.p;
    this.p += n;
    return at;
  }

  u8(): u8 {
    return load<u8>(this.need(1));
  }

  u32(): u32 {
    return load<u32>(this.need(4));
  }

  u64(): u64 {
    return load<u64>(this.need(8));
  }

  count(): i32 {
    const n = this.u32();
    if (n > <u32>MAX_SCRIPT_ARRAY) panic("fdt builder script array too long");
    return <i32>n;
  }

  str(): string {
    const len = this.u32();
    const at = this.need(<usize>len);
    return String.UTF8.decodeUnsafe(at, <usize>len);
  }
}

/** Runs the build script at `script` (see the file comment) and writes the result stream. */
export function fdt_builder_run(script: usize, scriptLen: u32): void {
  outBegin();
  const s = new Script(script, script + <usize>scriptLen);
  const bufferLen = s.u32();
  const stringCap = s.u32();
  const bootCpuid = s.u32();
  const nres = s.u32();
  if (nres > <u32>MAX_MEMORY_RESERVATIONS) panic("fdt builder script: too many reservations");
  const res = new ReserveEntries();
  for (let i: u32 = 0; i < nres; i++) res.push(s.u64(), s.u64());
  const buffer = __alloc(<usize>bufferLen);
  // Deliberately dirty: the builder must write every byte of the blob itself (padding, unused
  // string table), so every script's blob also shows it does not depend on a zeroed buffer.
  memory.fill(buffer, 0xa5, <usize>bufferLen);
  const b = new FdtBuilder(buffer, bufferLen, stringCap, nres > 0 ? res : null);
  const names = new StaticArray<u32>(MAX_SCRIPT_NAMES);
  let nameCount: i32 = 0;
  const u64s = new StaticArray<u64>(MAX_SCRIPT_ARRAY);
  const u32s = new StaticArray<u32>(MAX_SCRIPT_ARRAY);
  const strs = new StaticArray<string>(MAX_SCRIPT_ARRAY);
  const ptrs = new StaticArray<usize>(MAX_SCRIPT_ARRAY);
  const lens = new StaticArray<u32>(MAX_SCRIPT_ARRAY);
  while (s.p < s.end) {
    const op = s.u8();
    if (op == 1) {
      if (nameCount >= MAX_SCRIPT_NAMES) panic("fdt builder script: too many names");
      names[nameCount++] = b.addString(s.str());
      continue;
    }
    if (op == 2) {
      b.startNode(s.str());
      continue;
    }
    if (op == 3) {
      b.endNode();
      continue;
    }
    const ni = s.u32();
    if (ni >= <u32>nameCount) panic("fdt builder script: unknown name index " + ni.toString());
    const name = names[<i32>ni];
    if (op == 4) b.addNull(name);
    else if (op == 5) b.addU32(name, s.u32());
    else if (op == 6) b.addU64(name, s.u64());
    else if (op == 7 || op == 12) {
      const n = s.count();
      for (let i = 0; i < n; i++) u64s[i] = s.u64();
      if (op == 7) b.addU64Array(name, u64s, n);
      else b.addU64List(name, u64s, n);
    } else if (op == 8) {
      const n = s.count();
      for (let i = 0; i < n; i++) u32s[i] = s.u32();
      b.addU32Array(name, u32s, n);
    } else if (op == 9) b.addStr(name, s.str());
    else if (op == 10) {
      const n = s.count();
      for (let i = 0; i < n; i++) strs[i] = s.str();
      b.addStrArray(name, strs, n);
    } else if (op == 11) {
      const n = s.count();
      for (let i = 0; i < n; i++) {
        const len = s.u32();
        lens[i] = len;
        ptrs[i] = s.need(<usize>len);
      }
      b.addPropArray(name, ptrs, lens, n);
    } else panic("fdt builder script: unknown op " + op.toString());
  }
  const size = b.build(bootCpuid);
  const err = b.error;
  if (err !== null) {
    outU32(err.kind);
    outStr(err.message());
    outBytes(0, 0);
  } else {
    outU32(0);
    outStr("");
    outBytes(buffer, size);
  }
  outU32(b.structBytes);
}
