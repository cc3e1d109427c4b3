//! Host-side flattened device tree writer: the same blob layout and errors as the boot core's
//! builder (header, reservation map, fixed-capacity string table, then the structure block).
// Ports: support/fdt/src/builder.rs (host TypeScript version; assembly/fdt/builder.ts is the WASM one)

/** FDT header magic. */
export const FDT_MAGIC = 0xd00dfeed;
/** Version written in the header. */
export const FDT_VERSION = 17;
/** Last compatible version written in the header. */
export const FDT_LAST_COMP_VERSION = 16;
/** Structure block tokens. */
export const FDT_BEGIN_NODE = 1;
export const FDT_END_NODE = 2;
export const FDT_PROP = 3;
export const FDT_NOP = 4;
export const FDT_END = 9;
/** Size of the header (ten big-endian u32 fields). */
export const FDT_HEADER_SIZE = 40;
/** Size of one reservation map entry (address, size: big-endian u64). */
export const FDT_RESERVE_ENTRY_SIZE = 16;

/** One `/memreserve/` entry. */
export interface ReserveEntry {
  address: bigint;
  size: bigint;
}

/** The builder's error kinds (upstream `fdt::builder::Error`). */
export type FdtWriterErrorKind =
  | "OutOfSpace"
  | "OverlappingMemoryReservations"
  | "DuplicateMemoryReservations"
  | "ZeroMemoryReservation";

/** Upstream's `Debug` of a `ReserveEntry` (zerocopy big-endian integers print as `U64(n)`). */
export function reserveEntryDebug(e: ReserveEntry): string {
  return `ReserveEntry { address: U64(${e.address}), size: U64(${e.size}) }`;
}

/** A builder error with upstream's message. */
export class FdtWriterError extends Error {
  constructor(
    readonly kind: FdtWriterErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "FdtWriterError";
  }

  static outOfSpace(): FdtWriterError {
    return new FdtWriterError("OutOfSpace", "out of space");
  }
}

/**
 * Checks reservations pairwise (upstream's quadratic `BubbleSortValidator`): no (0, 0) entry, no
 * duplicates, no overlaps. Throws the first problem found in upstream's order.
 */
export function validateMemoryReservations(entries: readonly ReserveEntry[]): void {
  for (let i = 0; i < entries.length; i++) {
    const a = entries[i]!;
    if (a.address === 0n && a.size === 0n) throw new FdtWriterError("ZeroMemoryReservation", "zero-sized memory reservation");
    for (let j = i + 1; j < entries.length; j++) {
      const b = entries[j]!;
      if (a.address === b.address && a.size === b.size) {
        throw new FdtWriterError("DuplicateMemoryReservations", `duplicate memory reservation: ${reserveEntryDebug(a)}`);
      }
      // u64 sums wrap, as in upstream's release build
      if (a.address < BigInt.asUintN(64, b.address + b.size) && b.address < BigInt.asUintN(64, a.address + a.size)) {
        throw new FdtWriterError(
          "OverlappingMemoryReservations",
          `memory reservations overlap: ${reserveEntryDebug(a)} and ${reserveEntryDebug(b)}`,
        );
      }
    }
  }
}

/** Writer configuration (upstream `BuilderConfig`). */
export interface FdtWriterConfig {
  /** Size of the blob buffer; the blob may not grow past it. */
  bufferSize: number;
  /** Bytes reserved for the string table (the structure block starts right after it). */
  stringTableCap: number;
  /** The `/memreserve/` entries. */
  memoryReservations?: readonly ReserveEntry[];
}

const utf8 = new TextEncoder();

/**
 * Writes one FDT blob. Calls mirror the upstream builder; nesting is checked at run time (upstream
 * checks it in the type system), so misuse throws a plain Error.
 */
export class FdtWriter {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private readonly reservations: readonly ReserveEntry[];
  private readonly reservationsOff = FDT_HEADER_SIZE;
  private readonly stringsOff: number;
  private readonly stringsCap: number;
  private stringsSize = 0;
  private readonly structOff: number;
  private structSize = 0;
  private depth = 0;

  constructor(config: FdtWriterConfig) {
    const reservations = config.memoryReservations ?? [];
    validateMemoryReservations(reservations);
    this.buf = new Uint8Array(config.bufferSize);
    this.view = new DataView(this.buf.buffer);
    this.reservations = reservations;
    this.stringsOff = this.reservationsOff + (reservations.length + 1) * FDT_RESERVE_ENTRY_SIZE;
    this.stringsCap = config.stringTableCap;
    this.structOff = this.stringsOff + this.stringsCap;
  }

  /** Adds `s` to the string table; returns its offset (the property name id). */
  addString(s: string): number {
    const bytes = utf8.encode(s);
    if (this.stringsSize + bytes.length + 1 > this.stringsCap) throw FdtWriterError.outOfSpace();
    const off = this.stringsOff + this.stringsSize;
    // The string table capacity may exceed the buffer: upstream's slice copy, then its NUL store,
    // panic with Rust's index messages.
    if (off + bytes.length > this.buf.length) {
      throw new Error(`range end index ${off + bytes.length} out of range for slice of length ${this.buf.length}`);
    }
    if (off + bytes.length >= this.buf.length) {
      throw new Error(`index out of bounds: the len is ${this.buf.length} but the index is ${off + bytes.length}`);
    }
    this.buf.set(bytes, off);
    this.buf[off + bytes.length] = 0;
    const id = this.stringsSize;
    this.stringsSize += bytes.length + 1;
    return id;
  }

  /** Opens a child node named `name`. */
  startNode(name: string): this {
    this.token(FDT_BEGIN_NODE);
    this.writeStruct(utf8.encode(name));
    this.writeStruct(new Uint8Array([0]));
    this.align();
    this.depth++;
    return this;
  }

  /** Closes the current node. */
  endNode(): this {
    if (this.depth === 0) throw new Error("fdt writer: end_node without an open node");
    this.token(FDT_END_NODE);
    this.depth--;
    return this;
  }

  /** Adds a property without a value. */
  addNull(name: number): this {
    return this.prop(name, []);
  }

  /** Adds a big-endian u32 property. */
  addU32(name: number, v: number): this {
    return this.prop(name, [be32(v)]);
  }

  /** Adds a big-endian u64 property. */
  addU64(name: number, v: bigint): this {
    return this.prop(name, [be64(v)]);
  }

  /** Adds an array of big-endian u64 cells (`reg`, `ranges`). */
  addU64Array(name: number, values: readonly bigint[]): this {
    return this.prop(name, values.map(be64));
  }

  /** Adds an array of big-endian u32 cells. */
  addU32Array(name: number, values: readonly number[]): this {
    return this.prop(name, values.map(be32));
  }

  /** Adds a property whose value is the concatenation of `parts` (already big-endian). */
  addPropArray(name: number, parts: readonly Uint8Array[]): this {
    return this.prop(name, parts);
  }

  /** Adds a NUL-terminated string property. */
  addStr(name: number, s: string): this {
    return this.prop(name, [utf8.encode(s), new Uint8Array([0])]);
  }

  /** Adds a string-list property (each string NUL-terminated; an empty list is a single NUL). */
  addStrArray(name: number, strings: readonly string[]): this {
    if (strings.length === 0) return this.prop(name, [new Uint8Array([0])]);
    const parts: Uint8Array[] = [];
    for (const s of strings) parts.push(utf8.encode(s), new Uint8Array([0]));
    return this.prop(name, parts);
  }

  /** Ends the structure block, writes the reservation map and header; returns the blob. */
  build(bootCpuidPhys: number): Uint8Array {
    if (this.depth !== 0) throw new Error("fdt writer: build with an open node");
    this.token(FDT_END);
    const resvEnd = this.reservationsOff + this.reservations.length * FDT_RESERVE_ENTRY_SIZE;
    if (resvEnd > this.buf.length || this.stringsOff > this.buf.length) throw FdtWriterError.outOfSpace();
    let at = this.reservationsOff;
    for (const e of this.reservations) {
      this.view.setBigUint64(at, e.address);
      this.view.setBigUint64(at + 8, e.size);
      at += FDT_RESERVE_ENTRY_SIZE;
    }
    // The terminating (0, 0) entry sits right before the string table.
    this.buf.fill(0, this.stringsOff - FDT_RESERVE_ENTRY_SIZE, this.stringsOff);
    const total = this.structOff + this.structSize;
    if (total > this.buf.length) throw new Error("assertion failed: total_size <= self.inner.buffer.len()");
    if (this.buf.length < FDT_HEADER_SIZE) throw FdtWriterError.outOfSpace();
    const header = [
      FDT_MAGIC,
      total,
      this.structOff,
      this.stringsOff,
      this.reservationsOff,
      FDT_VERSION,
      FDT_LAST_COMP_VERSION,
      bootCpuidPhys >>> 0,
      this.stringsSize,
      this.structSize,
    ];
    header.forEach((v, i) => this.view.setUint32(i * 4, v));
    return this.buf.slice(0, total);
  }

  private token(t: number): void {
    this.writeStruct(be32(t));
  }

  private writeStruct(b: Uint8Array): number {
    const off = this.structOff + this.structSize;
    if (off + b.length > this.buf.length) throw FdtWriterError.outOfSpace();
    this.buf.set(b, off);
    this.structSize += b.length;
    return off;
  }

  private align(): void {
    const size = (this.structSize + 3) & ~3;
    if (this.structOff + size > this.buf.length) throw FdtWriterError.outOfSpace();
    this.structSize = size;
  }

  private prop(name: number, parts: readonly Uint8Array[]): this {
    if (this.depth === 0) throw new Error("fdt writer: property outside a node");
    this.token(FDT_PROP);
    const headerOff = this.writeStruct(new Uint8Array(8));
    let n = 0;
    for (const p of parts) {
      n += p.length;
      this.writeStruct(p);
    }
    this.view.setUint32(headerOff, n);
    this.view.setUint32(headerOff + 4, name);
    this.align();
    return this;
  }
}

function be32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}

function be64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v));
  return b;
}
