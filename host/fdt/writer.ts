//! Host-side flattened device tree writer: the same blob layout and errors as the boot core's
//! builder (header, reservation map, fixed-capacity string table, then the structure block).
// Ports: support/fdt/src/builder.rs (host TypeScript version; assembly/support/fdt/builder.ts is the WASM one)

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

  /** The builder's `OutOfSpace` error. */
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
/** First allocation of the blob buffer (it grows up to the configured size). */
const INITIAL_BUFFER = 64 * 1024;
const NUL = new Uint8Array([0]);

export class FdtWriter {
  // The blob is written into `buf`, which grows geometrically up to `limit` (the configured
  // buffer size, upstream's fixed buffer): every capacity check is against `limit`, so errors
  // are the same as with the whole buffer allocated up front.
  private buf: Uint8Array;
  private view: DataView;
  private readonly limit: number;
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
    this.limit = config.bufferSize;
    this.buf = new Uint8Array(Math.min(this.limit, INITIAL_BUFFER));
    this.view = new DataView(this.buf.buffer);
    this.reservations = reservations;
    this.stringsOff = this.reservationsOff + (reservations.length + 1) * FDT_RESERVE_ENTRY_SIZE;
    this.stringsCap = config.stringTableCap;
    this.structOff = this.stringsOff + this.stringsCap;
  }

  /**
   * Makes bytes [0, end) addressable (end <= limit, checked by the callers). It may replace `buf`
   * and `view`: take an offset from `reserve` before touching either.
   */
  private ensure(end: number): void {
    if (end <= this.buf.length) return;
    const b = new Uint8Array(Math.min(this.limit, Math.max(end, this.buf.length * 2)));
    b.set(this.buf);
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  /** Adds `s` to the string table; returns its offset (the property name id). */
  addString(s: string): number {
    const bytes = utf8.encode(s);
    if (this.stringsSize + bytes.length + 1 > this.stringsCap) throw FdtWriterError.outOfSpace();
    const off = this.stringsOff + this.stringsSize;
    // The string table capacity may exceed the buffer: upstream's slice copy, then its NUL store,
    // panic with Rust's index messages (against the configured size, `limit`).
    if (off + bytes.length > this.limit) {
      throw new Error(`range end index ${off + bytes.length} out of range for slice of length ${this.limit}`);
    }
    if (off + bytes.length >= this.limit) {
      throw new Error(`index out of bounds: the len is ${this.limit} but the index is ${off + bytes.length}`);
    }
    this.ensure(off + bytes.length + 1);
    this.buf.set(bytes, off);
    this.buf[off + bytes.length] = 0;
    const id = this.stringsSize;
    this.stringsSize += bytes.length + 1;
    return id;
  }

  /** Opens a child node named `name`. */
  startNode(name: string): this {
    this.token(FDT_BEGIN_NODE);
    const bytes = utf8.encode(name);
    const off = this.reserve(bytes.length + 1);
    this.buf.set(bytes, off);
    this.buf[off + bytes.length] = 0;
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
    this.propHeader(name, 0);
    this.align();
    return this;
  }

  /** Adds a big-endian u32 property. */
  addU32(name: number, v: number): this {
    this.propHeader(name, 4);
    const off = this.reserve(4);
    this.view.setUint32(off, v >>> 0);
    this.align();
    return this;
  }

  /** Adds a big-endian u64 property. */
  addU64(name: number, v: bigint): this {
    this.propHeader(name, 8);
    const off = this.reserve(8);
    this.view.setBigUint64(off, BigInt.asUintN(64, v));
    this.align();
    return this;
  }

  /** Adds an array of big-endian u64 cells (`reg`, `ranges`). */
  addU64Array(name: number, values: readonly bigint[]): this {
    this.propHeader(name, values.length * 8);
    const off = this.reserve(values.length * 8);
    values.forEach((v, i) => this.view.setBigUint64(off + i * 8, BigInt.asUintN(64, v)));
    this.align();
    return this;
  }

  /** Adds an array of big-endian u32 cells. */
  addU32Array(name: number, values: readonly number[]): this {
    this.propHeader(name, values.length * 4);
    const off = this.reserve(values.length * 4);
    values.forEach((v, i) => this.view.setUint32(off + i * 4, v >>> 0));
    this.align();
    return this;
  }

  /** Adds a property whose value is the concatenation of `parts` (already big-endian). */
  addPropArray(name: number, parts: readonly Uint8Array[]): this {
    return this.prop(name, parts);
  }

  /** Adds a NUL-terminated string property. */
  addStr(name: number, s: string): this {
    return this.prop(name, [utf8.encode(s), NUL]);
  }

  /** Adds a string-list property (each string NUL-terminated; an empty list is a single NUL). */
  addStrArray(name: number, strings: readonly string[]): this {
    if (strings.length === 0) return this.prop(name, [NUL]);
    const parts: Uint8Array[] = [];
    for (const s of strings) parts.push(utf8.encode(s), NUL);
    return this.prop(name, parts);
  }

  /** Ends the structure block, writes the reservation map and header; returns the blob. */
  build(bootCpuidPhys: number): Uint8Array {
    if (this.depth !== 0) throw new Error("fdt writer: build with an open node");
    this.token(FDT_END);
    const resvEnd = this.reservationsOff + this.reservations.length * FDT_RESERVE_ENTRY_SIZE;
    if (resvEnd > this.limit || this.stringsOff > this.limit) throw FdtWriterError.outOfSpace();
    this.ensure(this.stringsOff);
    let at = this.reservationsOff;
    for (const e of this.reservations) {
      this.view.setBigUint64(at, e.address);
      this.view.setBigUint64(at + 8, e.size);
      at += FDT_RESERVE_ENTRY_SIZE;
    }
    // The terminating (0, 0) entry sits right before the string table.
    this.buf.fill(0, this.stringsOff - FDT_RESERVE_ENTRY_SIZE, this.stringsOff);
    const total = this.structOff + this.structSize;
    if (total > this.limit) throw new Error("assertion failed: total_size <= self.inner.buffer.len()");
    if (this.limit < FDT_HEADER_SIZE) throw FdtWriterError.outOfSpace();
    this.ensure(total);
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
    const off = this.reserve(4);
    this.view.setUint32(off, t);
  }

  /** Appends `n` bytes to the structure block; returns their offset (out of space past `limit`). */
  private reserve(n: number): number {
    const off = this.structOff + this.structSize;
    if (off + n > this.limit) throw FdtWriterError.outOfSpace();
    this.ensure(off + n);
    this.structSize += n;
    return off;
  }

  private align(): void {
    const size = (this.structSize + 3) & ~3;
    if (this.structOff + size > this.limit) throw FdtWriterError.outOfSpace();
    this.ensure(this.structOff + size);
    this.structSize = size;
  }

  /** FDT_PROP token and the (length, name offset) header of a `len`-byte value. */
  private propHeader(name: number, len: number): void {
    if (this.depth === 0) throw new Error("fdt writer: property outside a node");
    this.token(FDT_PROP);
    const headerOff = this.reserve(8);
    this.view.setUint32(headerOff, len);
    this.view.setUint32(headerOff + 4, name);
  }

  private prop(name: number, parts: readonly Uint8Array[]): this {
    let n = 0;
    for (const p of parts) n += p.length;
    this.propHeader(name, n);
    for (const p of parts) {
      const off = this.reserve(p.length);
      this.buf.set(p, off);
    }
    this.align();
    return this;
  }
}
