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

/** First allocation of the blob buffer (it grows up to the configured size). */
const INITIAL_BUFFER = 64 * 1024;

// One blob buffer kept for the next writer (taken by a writer, given back by its build()), so
// repeated builds do not allocate and zero a fresh buffer each time. A reused buffer holds old
// bytes: the writer writes every byte of its blob (padding and unused string capacity included).
let spare: Uint8Array | null = null;

// The bytes of `s`: ASCII strings (all node and property names OpenVMM writes) are written one
// char code per byte; others go through TextEncoder. Returns the byte length, or -1 when `s` is
// not ASCII (nothing written then).
function writeAscii(buf: Uint8Array, off: number, s: string): number {
  const n = s.length;
  if (off + n > buf.length) return -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    buf[off + i] = c;
  }
  return n;
}

/**
 * Writes one FDT blob. Calls mirror the upstream builder; nesting is checked at run time (upstream
 * checks it in the type system), so misuse throws a plain Error.
 */
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
  // Set by build(), which gives the buffer to the next writer: this one may not be used again.
  private built = false;

  constructor(config: FdtWriterConfig) {
    const reservations = config.memoryReservations ?? [];
    validateMemoryReservations(reservations);
    this.limit = config.bufferSize;
    const want = Math.min(this.limit, INITIAL_BUFFER);
    // A spare larger than the limit is fine: every bound is checked against `limit`.
    if (spare !== null && spare.length >= want) {
      this.buf = spare;
      spare = null;
    } else {
      this.buf = new Uint8Array(want);
    }
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
    if (this.built) throw new Error("fdt writer: used after build");
    const off = this.stringsOff + this.stringsSize;
    // The fast path writes only inside the table's capacity (the structure block follows it).
    let len = this.stringsSize + s.length + 1 <= this.stringsCap ? this.asciiAt(off, s) : -1;
    let bytes: Uint8Array | null = null;
    if (len < 0) {
      bytes = utf8.encode(s);
      len = bytes.length;
    }
    if (this.stringsSize + len + 1 > this.stringsCap) throw FdtWriterError.outOfSpace();
    // The string table capacity may exceed the buffer: upstream's slice copy, then its NUL store,
    // panic with Rust's index messages (against the configured size, `limit`).
    if (off + len > this.limit) {
      throw new Error(`range end index ${off + len} out of range for slice of length ${this.limit}`);
    }
    if (off + len >= this.limit) {
      throw new Error(`index out of bounds: the len is ${this.limit} but the index is ${off + len}`);
    }
    this.ensure(off + len + 1);
    if (bytes !== null) this.buf.set(bytes, off);
    this.buf[off + len] = 0;
    const id = this.stringsSize;
    this.stringsSize += len + 1;
    return id;
  }

  // Writes ASCII `s` at `off` when it fits the buffer (growing it within the limit); the byte
  // length, or -1 (nothing written) when `s` is not ASCII or does not fit.
  private asciiAt(off: number, s: string): number {
    if (off + s.length > this.limit) return -1;
    this.ensure(off + s.length);
    return writeAscii(this.buf, off, s);
  }

  /** Opens a child node named `name`. */
  startNode(name: string): this {
    this.token(FDT_BEGIN_NODE);
    this.strz(name);
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
    return this;
  }

  /** Adds a big-endian u32 property. */
  addU32(name: number, v: number): this {
    this.propHeader(name, 4);
    const off = this.reserve(4);
    this.view.setUint32(off, v >>> 0);
    return this;
  }

  /** Adds a big-endian u64 property. */
  addU64(name: number, v: bigint): this {
    this.propHeader(name, 8);
    const off = this.reserve(8);
    this.view.setBigUint64(off, BigInt.asUintN(64, v));
    return this;
  }

  /** Adds an array of big-endian u64 cells (`reg`, `ranges`). */
  addU64Array(name: number, values: readonly bigint[]): this {
    this.propHeader(name, values.length * 8);
    const off = this.reserve(values.length * 8);
    for (let i = 0; i < values.length; i++) this.view.setBigUint64(off + i * 8, BigInt.asUintN(64, values[i]!));
    return this;
  }

  /** Adds an array of big-endian u32 cells. */
  addU32Array(name: number, values: readonly number[]): this {
    this.propHeader(name, values.length * 4);
    const off = this.reserve(values.length * 4);
    for (let i = 0; i < values.length; i++) this.view.setUint32(off + i * 4, values[i]! >>> 0);
    this.align();
    return this;
  }

  /** Adds a property whose value is the concatenation of `parts` (already big-endian). */
  addPropArray(name: number, parts: readonly Uint8Array[]): this {
    let n = 0;
    for (const p of parts) n += p.length;
    this.propHeader(name, n);
    for (const p of parts) this.buf.set(p, this.reserve(p.length));
    this.align();
    return this;
  }

  /** Adds a NUL-terminated string property. */
  addStr(name: number, s: string): this {
    const len = this.byteLength(s);
    this.propHeader(name, len + 1);
    this.strz(s);
    this.align();
    return this;
  }

  /** Adds a string-list property (each string NUL-terminated; an empty list is a single NUL). */
  addStrArray(name: number, strings: readonly string[]): this {
    if (strings.length === 0) {
      this.propHeader(name, 1);
      this.buf[this.reserve(1)] = 0;
      this.align();
      return this;
    }
    let n = 0;
    for (const s of strings) n += this.byteLength(s) + 1;
    this.propHeader(name, n);
    for (const s of strings) this.strz(s);
    this.align();
    return this;
  }

  /** Ends the structure block, writes the reservation map and header; returns the blob. */
  build(bootCpuidPhys: number): Uint8Array {
    if (this.built) throw new Error("fdt writer: used after build");
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
    // The unused string table capacity is part of the blob (zeros).
    this.buf.fill(0, this.stringsOff + this.stringsSize, this.structOff);
    const v = this.view;
    v.setUint32(0, FDT_MAGIC);
    v.setUint32(4, total);
    v.setUint32(8, this.structOff);
    v.setUint32(12, this.stringsOff);
    v.setUint32(16, this.reservationsOff);
    v.setUint32(20, FDT_VERSION);
    v.setUint32(24, FDT_LAST_COMP_VERSION);
    v.setUint32(28, bootCpuidPhys >>> 0);
    v.setUint32(32, this.stringsSize);
    v.setUint32(36, this.structSize);
    const blob = this.buf.slice(0, total);
    this.built = true;
    if (spare === null || spare.length < this.buf.length) spare = this.buf;
    return blob;
  }

  private token(t: number): void {
    if (this.built) throw new Error("fdt writer: used after build");
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

  // Pads the structure block to 4 bytes with zeros (a reused buffer holds old bytes there).
  private align(): void {
    const size = (this.structSize + 3) & ~3;
    if (this.structOff + size > this.limit) throw FdtWriterError.outOfSpace();
    this.ensure(this.structOff + size);
    for (let i = this.structOff + this.structSize; i < this.structOff + size; i++) this.buf[i] = 0;
    this.structSize = size;
  }

  // UTF-8 length of `s` (its length when ASCII).
  private byteLength(s: string): number {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return utf8.encode(s).length;
    return s.length;
  }

  // Appends `s` and a NUL to the structure block.
  private strz(s: string): void {
    const at = this.structOff + this.structSize;
    let n = at + s.length + 1 <= this.limit ? this.asciiAt(at, s) : -1;
    if (n >= 0) {
      this.reserve(n);
    } else {
      const bytes = utf8.encode(s);
      this.buf.set(bytes, this.reserve(bytes.length));
      n = bytes.length;
    }
    this.buf[this.reserve(1)] = 0;
  }

  /** FDT_PROP token and the (length, name offset) header of a `len`-byte value; pads the value. */
  private propHeader(name: number, len: number): void {
    if (this.depth === 0) throw new Error("fdt writer: property outside a node");
    this.token(FDT_PROP);
    const headerOff = this.reserve(8);
    this.view.setUint32(headerOff, len);
    this.view.setUint32(headerOff + 4, name);
  }
}
