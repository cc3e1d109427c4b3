//! Bindings for the boot core's FDT builder test entry (assembly/abi/fdt_builder.ts): a script
//! recorder with the builder's API, run in WASM with one call.
// Ports: none (host binding of assembly/abi/fdt_builder.ts)
import type { Shim } from "../wasm/loader.js";

const utf8 = new TextEncoder();

/** Records builder calls as the script `fdt_builder_run` executes. */
export class FdtBuildScript {
  private parts: number[] = [];
  private names = 0;

  constructor(
    readonly bufferLen: number,
    readonly stringTableCap: number,
    readonly bootCpuidPhys = 0,
    readonly reservations: readonly { address: bigint; size: bigint }[] = [],
  ) {}

  private u8(v: number): void {
    this.parts.push(v & 0xff);
  }
  private u32(v: number): void {
    for (let i = 0; i < 4; i++) this.parts.push((v >>> (8 * i)) & 0xff);
  }
  private u64(v: bigint): void {
    const x = BigInt.asUintN(64, v);
    for (let i = 0n; i < 8n; i++) this.parts.push(Number((x >> (8n * i)) & 0xffn));
  }
  private bytes(b: Uint8Array): void {
    this.u32(b.length);
    for (const x of b) this.parts.push(x);
  }

  /** Adds a string to the string table; returns the name index later ops take. */
  addString(s: string): number {
    this.u8(1);
    this.bytes(utf8.encode(s));
    return this.names++;
  }
  /** Opens a child node named `name`. */
  startNode(name: string): this {
    this.u8(2);
    this.bytes(utf8.encode(name));
    return this;
  }
  /** Closes the current node. */
  endNode(): this {
    this.u8(3);
    return this;
  }
  /** Adds an empty property (name index `name`). */
  addNull(name: number): this {
    this.u8(4);
    this.u32(name);
    return this;
  }
  /** Adds a big-endian u32 property. */
  addU32(name: number, v: number): this {
    this.u8(5);
    this.u32(name);
    this.u32(v);
    return this;
  }
  /** Adds a big-endian u64 property. */
  addU64(name: number, v: bigint): this {
    this.u8(6);
    this.u32(name);
    this.u64(v);
    return this;
  }
  /** Adds a u64 array property (`asList`: through the builder's `addU64List` instead of `addU64Array`). */
  addU64Array(name: number, v: readonly bigint[], asList = false): this {
    this.u8(asList ? 12 : 7);
    this.u32(name);
    this.u32(v.length);
    v.forEach((x) => this.u64(x));
    return this;
  }
  /** Adds a u32 array property. */
  addU32Array(name: number, v: readonly number[]): this {
    this.u8(8);
    this.u32(name);
    this.u32(v.length);
    v.forEach((x) => this.u32(x));
    return this;
  }
  /** Adds a NUL-terminated string property. */
  addStr(name: number, s: string): this {
    this.u8(9);
    this.u32(name);
    this.bytes(utf8.encode(s));
    return this;
  }
  /** Adds a string-list property (each string NUL-terminated). */
  addStrArray(name: number, v: readonly string[]): this {
    this.u8(10);
    this.u32(name);
    this.u32(v.length);
    v.forEach((s) => this.bytes(utf8.encode(s)));
    return this;
  }
  /** Adds a property made of the concatenated byte arrays. */
  addPropArray(name: number, v: readonly Uint8Array[]): this {
    this.u8(11);
    this.u32(name);
    this.u32(v.length);
    v.forEach((b) => this.bytes(b));
    return this;
  }

  /** The encoded script. */
  encode(): Uint8Array {
    const head: number[] = [];
    const p = this.parts;
    this.parts = head;
    this.u32(this.bufferLen);
    this.u32(this.stringTableCap);
    this.u32(this.bootCpuidPhys);
    this.u32(this.reservations.length);
    for (const r of this.reservations) {
      this.u64(r.address);
      this.u64(r.size);
    }
    this.parts = p;
    return Uint8Array.from([...head, ...p]);
  }
}

/** What one builder run produced. */
export interface FdtBuildResult {
  /** 0 on success, else the error kind (1 out of space, 2 overlap, 3 duplicate, 4 zero). */
  status: number;
  /** The error message (upstream text), empty on success. */
  message: string;
  /** The blob (empty on error). */
  blob: Uint8Array;
  /** Bytes of structure block written. */
  structSize: number;
}

/** Runs `script` through the WASM builder (resets the shim first). */
export function runFdtBuilder(shim: Shim, script: FdtBuildScript): FdtBuildResult {
  const bytes = script.encode();
  shim.reset();
  const p = shim.put(bytes);
  shim.call("fdt_builder_run", p, bytes.length);
  const r = shim.out();
  return { status: r.u32(), message: r.str(), blob: r.bytesField(), structSize: r.u32() };
}
