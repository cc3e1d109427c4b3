//! Flattened device tree builder: writes a blob into a caller-provided fixed buffer — header,
//! reservation map, a string table of fixed capacity, then the structure block.
// Ports: support/fdt/src/builder.rs
//
// Upstream encodes node nesting in the type system (`Builder<Nest<T>>`); here the depth is tracked
// at run time and misuse (a property outside a node, `endNode` at the root, `build` with open
// nodes) panics. Upstream's `Result` is a sticky error: the first failure is kept in `error`, later
// calls do nothing, and `build` returns 0. Nothing here allocates except error objects.

import { panic } from "../../rt/panic";
import {
  FDT_BEGIN_NODE,
  FDT_COMPAT_VERSION,
  FDT_CURRENT_VERSION,
  FDT_END,
  FDT_END_NODE,
  HEADER_SIZE,
  FDT_MAGIC,
  FDT_PROP,
  PROP_HEADER_SIZE,
  RESERVE_ENTRY_SIZE,
  HDR_BOOT_CPUID_PHYS,
  HDR_LAST_COMP_VERSION,
  HDR_MAGIC,
  HDR_OFF_DT_STRINGS,
  HDR_OFF_DT_STRUCT,
  HDR_OFF_MEM_RSVMAP,
  HDR_SIZE_DT_STRINGS,
  HDR_SIZE_DT_STRUCT,
  HDR_TOTALSIZE,
  HDR_VERSION,
  storeBe32,
  storeBe64,
} from "./spec";

/** Error kinds (upstream `fdt::builder::Error`). */
export const FDT_BUILDER_OUT_OF_SPACE: u32 = 1;
export const FDT_BUILDER_OVERLAPPING_RESERVATIONS: u32 = 2;
export const FDT_BUILDER_DUPLICATE_RESERVATION: u32 = 3;
export const FDT_BUILDER_ZERO_RESERVATION: u32 = 4;

/** Most `/memreserve/` entries a `ReserveEntries` list holds. */
export const MAX_MEMORY_RESERVATIONS: i32 = 64;

/** Upstream's Debug of a reservation entry (big-endian integers print as `U64(n)`). */
function reserveEntryDebug(address: u64, size: u64): string {
  return "ReserveEntry { address: U64(" + address.toString() + "), size: U64(" + size.toString() + ") }";
}

/** A builder error, with the entries it names for the reservation kinds. */
export class FdtBuilderError {
  constructor(
    public kind: u32,
    public address1: u64 = 0,
    public size1: u64 = 0,
    public address2: u64 = 0,
    public size2: u64 = 0,
  ) {}

  /** Upstream's `Display` text. */
  message(): string {
    if (this.kind == FDT_BUILDER_OUT_OF_SPACE) return "out of space";
    if (this.kind == FDT_BUILDER_OVERLAPPING_RESERVATIONS) {
      return (
        "memory reservations overlap: " +
        reserveEntryDebug(this.address1, this.size1) +
        " and " +
        reserveEntryDebug(this.address2, this.size2)
      );
    }
    if (this.kind == FDT_BUILDER_DUPLICATE_RESERVATION) {
      return "duplicate memory reservation: " + reserveEntryDebug(this.address1, this.size1);
    }
    return "zero-sized memory reservation";
  }

  /** Upstream's derived `Debug` (`OutOfSpace`, `DuplicateMemoryReservations(ReserveEntry { .. })`, ...). */
  debug(): string {
    if (this.kind == FDT_BUILDER_OUT_OF_SPACE) return "OutOfSpace";
    if (this.kind == FDT_BUILDER_OVERLAPPING_RESERVATIONS) {
      return "OverlappingMemoryReservations(" + reserveEntryDebug(this.address1, this.size1) + ", " +
        reserveEntryDebug(this.address2, this.size2) + ")";
    }
    if (this.kind == FDT_BUILDER_DUPLICATE_RESERVATION) {
      return "DuplicateMemoryReservations(" + reserveEntryDebug(this.address1, this.size1) + ")";
    }
    return "ZeroMemoryReservation";
  }
}

/** A fixed-capacity list of `/memreserve/` entries (address, size). */
export class ReserveEntries {
  private addresses: StaticArray<u64>;
  private sizes: StaticArray<u64>;
  length: i32 = 0;

  constructor(capacity: i32 = MAX_MEMORY_RESERVATIONS) {
    this.addresses = new StaticArray<u64>(capacity);
    this.sizes = new StaticArray<u64>(capacity);
  }

  /** Appends an entry; false when the list is full. */
  push(address: u64, size: u64): bool {
    if (this.length >= this.addresses.length) return false;
    unchecked((this.addresses[this.length] = address));
    unchecked((this.sizes[this.length] = size));
    this.length++;
    return true;
  }

  /** Address of entry `i`. */
  address(i: i32): u64 {
    return this.addresses[i];
  }

  /** Size of entry `i`. */
  size(i: i32): u64 {
    return this.sizes[i];
  }
}

/**
 * Checks reservations pairwise in upstream's order (its quadratic `BubbleSortValidator`): a (0, 0)
 * entry, then duplicates and overlaps with every later entry.
 */
export function validateMemoryReservations(list: ReserveEntries): FdtBuilderError | null {
  for (let i = 0; i < list.length; i++) {
    const a1 = list.address(i);
    const s1 = list.size(i);
    if (a1 == 0 && s1 == 0) return new FdtBuilderError(FDT_BUILDER_ZERO_RESERVATION);
    for (let j = i + 1; j < list.length; j++) {
      const a2 = list.address(j);
      const s2 = list.size(j);
      if (a1 == a2 && s1 == s2) return new FdtBuilderError(FDT_BUILDER_DUPLICATE_RESERVATION, a1, s1);
      if (a1 < a2 + s2 && a2 < a1 + s1) {
        return new FdtBuilderError(FDT_BUILDER_OVERLAPPING_RESERVATIONS, a1, s1, a2, s2);
      }
    }
  }
  return null;
}

/** Writes one FDT blob into `[buffer, buffer + bufferLen)`. */
export class FdtBuilder {
  /** The first error, or null. */
  error: FdtBuilderError | null = null;
  private reservationsOff: u32 = HEADER_SIZE;
  private stringsOff: u32;
  private stringsSize: u32 = 0;
  private structOff: u32;
  private structSize: u32 = 0;
  private depth: i32 = 0;

  /**
   * A builder over `buffer` (its prior contents do not matter: every byte of the blob is written,
   * padding and the unused string table as zeros), with `stringTableCap` bytes of string table
   * and the given reservations (validated now; an invalid list leaves the builder in error).
   */
  constructor(
    private buffer: usize,
    private bufferLen: u32,
    private stringTableCap: u32,
    private reservations: ReserveEntries | null = null,
  ) {
    const n: u32 = reservations !== null ? <u32>reservations.length : 0;
    if (reservations !== null) this.error = validateMemoryReservations(reservations);
    // The map always ends with a (0, 0) entry.
    this.stringsOff = this.reservationsOff + (n + 1) * RESERVE_ENTRY_SIZE;
    this.structOff = this.stringsOff + stringTableCap;
    // The string table's unused tail is part of the blob.
    const tableEnd = min<u64>(<u64>this.structOff, <u64>bufferLen);
    if (<u64>this.stringsOff < tableEnd) memory.fill(buffer + <usize>this.stringsOff, 0, <usize>(tableEnd - <u64>this.stringsOff));
  }

  /** True while no error happened. */
  @inline get ok(): bool {
    return this.error === null;
  }

  private outOfSpace(): void {
    if (this.error === null) this.error = new FdtBuilderError(FDT_BUILDER_OUT_OF_SPACE);
  }

  /** Reserves `len` struct bytes; returns their offset or -1 (out of space). */
  @inline private take(len: u32): i64 {
    const off = <u64>this.structOff + <u64>this.structSize;
    if (off + <u64>len > <u64>this.bufferLen) {
      this.outOfSpace();
      return -1;
    }
    this.structSize += len;
    return <i64>off;
  }

  @inline private token(t: u32): bool {
    const off = this.take(4);
    if (off < 0) return false;
    storeBe32(this.buffer + <usize>off, t);
    return true;
  }

  @inline private writeBytes(src: usize, len: u32): bool {
    const off = this.take(len);
    if (off < 0) return false;
    memory.copy(this.buffer + <usize>off, src, <usize>len);
    return true;
  }

  @inline private writeString(s: string, len: u32): bool {
    const off = this.take(len);
    if (off < 0) return false;
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, this.buffer + <usize>off, false);
    return true;
  }

  // `s` as UTF-8 and its NUL terminator (writeString + writeZero); ASCII is copied in one pass.
  private writeStringZ(s: string): bool {
    const units = <u32>s.length;
    const src = changetype<usize>(s);
    for (let i: u32 = 0; i < units; i++) {
      if (load<u16>(src + (<usize>i << 1)) >= 0x80) {
        return this.writeString(s, <u32>String.UTF8.byteLength(s)) && this.writeZero();
      }
    }
    const off = this.take(units + 1);
    if (off < 0) return false;
    const dst = this.buffer + <usize>off;
    for (let i: u32 = 0; i < units; i++) store<u8>(dst + <usize>i, <u8>load<u16>(src + (<usize>i << 1)));
    store<u8>(dst + <usize>units, 0);
    return true;
  }

  @inline private writeZero(): bool {
    const off = this.take(1);
    if (off < 0) return false;
    store<u8>(this.buffer + <usize>off, 0);
    return true;
  }

  @inline private align(): bool {
    const size = (this.structSize + 3) & ~(<u32>3);
    if (<u64>this.structOff + <u64>size > <u64>this.bufferLen) {
      this.outOfSpace();
      return false;
    }
    // Zero the padding (at most 3 bytes).
    const end = this.buffer + <usize>this.structOff + <usize>size;
    for (let at = this.buffer + <usize>this.structOff + <usize>this.structSize; at < end; at++) store<u8>(at, 0);
    this.structSize = size;
    return true;
  }

  /** Starts a property: token and an 8-byte header to fill in; returns the header offset or -1. */
  @inline private propBegin(): i64 {
    if (this.depth == 0) panic("fdt builder: property outside a node");
    if (!this.token(FDT_PROP)) return -1;
    const off = this.take(PROP_HEADER_SIZE);
    if (off < 0) return -1;
    store<u64>(this.buffer + <usize>off, 0);
    return off;
  }

  @inline private propEnd(header: i64, name: u32): void {
    const valueLen = <u32>(<i64>this.structOff + <i64>this.structSize - header - <i64>PROP_HEADER_SIZE);
    storeBe32(this.buffer + <usize>header, valueLen);
    storeBe32(this.buffer + <usize>header + 4, name);
    this.align();
  }

  /** Adds `s` to the string table; returns its id (offset), 0 after an error. */
  addString(s: string): u32 {
    if (!this.ok) return 0;
    const len = <u32>String.UTF8.byteLength(s);
    return this.addStringRaw(changetype<usize>(s), len, true, s);
  }

  /** Adds the UTF-8 bytes at `ptr` to the string table; returns the id. */
  addStringBytes(ptr: usize, len: u32): u32 {
    if (!this.ok) return 0;
    return this.addStringRaw(ptr, len, false, "");
  }

  private addStringRaw(ptr: usize, len: u32, isString: bool, s: string): u32 {
    if (<u64>this.stringsSize + <u64>len + 1 > <u64>this.stringTableCap) {
      this.outOfSpace();
      return 0;
    }
    const off = <u64>this.stringsOff + <u64>this.stringsSize;
    // The string table capacity may exceed the buffer: upstream's slice indexing panics then.
    if (off + <u64>len > <u64>this.bufferLen) {
      panic("range end index " + (off + <u64>len).toString() + " out of range for slice of length " + this.bufferLen.toString());
    }
    if (off + <u64>len >= <u64>this.bufferLen) {
      panic("index out of bounds: the len is " + this.bufferLen.toString() + " but the index is " + (off + <u64>len).toString());
    }
    const dst = this.buffer + <usize>off;
    if (isString) String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, dst, false);
    else memory.copy(dst, ptr, <usize>len);
    store<u8>(dst + <usize>len, 0);
    const id = this.stringsSize;
    this.stringsSize += len + 1;
    return id;
  }

  /** Opens a child node named `name`. */
  startNode(name: string): FdtBuilder {
    if (this.ok && this.token(FDT_BEGIN_NODE) && this.writeStringZ(name)) {
      this.align();
    }
    this.depth++;
    return this;
  }

  /**
   * Opens a child node named `prefix` followed by `value` in lowercase hex (`hex`) or decimal
   * (upstream formats `name@{:x}` into a stack buffer; this writes the digits in place).
   */
  startNodeNum(prefix: string, value: u64, hex: bool): FdtBuilder {
    if (this.ok) {
      const n = <u32>String.UTF8.byteLength(prefix);
      let digits: u32 = 1;
      if (hex) {
        digits = max<u32>(1, (64 - <u32>clz(value) + 3) >> 2);
      } else {
        for (let t = value; t >= 10; t /= 10) digits++;
      }
      if (this.token(FDT_BEGIN_NODE) && this.writeString(prefix, n)) {
        const off = this.take(digits + 1);
        if (off >= 0) {
          const at = this.buffer + <usize>off;
          if (hex) {
            for (let i = <i32>digits - 1, t = value; i >= 0; i--, t >>= 4) {
              const d = <u32>(t & 0xf);
              store<u8>(at + <usize>i, <u8>(d < 10 ? 0x30 + d : 0x57 + d));
            }
          } else if (value <= <u64>u32.MAX_VALUE) {
            for (let i = <i32>digits - 1, t = <u32>value; i >= 0; i--, t /= 10) store<u8>(at + <usize>i, <u8>(0x30 + t % 10));
          } else {
            for (let i = <i32>digits - 1, t = value; i >= 0; i--, t /= 10) store<u8>(at + <usize>i, <u8>(0x30 + <u32>(t % 10)));
          }
          store<u8>(at + <usize>digits, 0);
          this.align();
        }
      }
    }
    this.depth++;
    return this;
  }

  /** Opens a child node whose name is the UTF-8 bytes at `ptr`. */
  startNodeBytes(ptr: usize, len: u32): FdtBuilder {
    if (this.ok && this.token(FDT_BEGIN_NODE) && this.writeBytes(ptr, len) && this.writeZero()) this.align();
    this.depth++;
    return this;
  }

  /** Closes the current node. */
  endNode(): FdtBuilder {
    if (this.depth == 0) panic("fdt builder: end_node without an open node");
    if (this.ok) this.token(FDT_END_NODE);
    this.depth--;
    return this;
  }

  /** Adds a property without a value. */
  addNull(name: u32): FdtBuilder {
    if (!this.ok) return this;
    const h = this.propBegin();
    if (h >= 0) this.propEnd(h, name);
    return this;
  }

  /** Adds a big-endian u32 property. */
  addU32(name: u32, v: u32): FdtBuilder {
    if (!this.ok) return this;
    const h = this.propBegin();
    if (h < 0) return this;
    const off = this.take(4);
    if (off < 0) return this;
    storeBe32(this.buffer + <usize>off, v);
    this.propEnd(h, name);
    return this;
  }

  /** Adds a big-endian u64 property. */
  addU64(name: u32, v: u64): FdtBuilder {
    if (!this.ok) return this;
    const h = this.propBegin();
    if (h < 0) return this;
    const off = this.take(8);
    if (off < 0) return this;
    storeBe64(this.buffer + <usize>off, v);
    this.propEnd(h, name);
    return this;
  }

  /** Adds the first `count` values of `data` as big-endian u64 cells (`reg`, `ranges`). */
  addU64Array(name: u32, data: StaticArray<u64>, count: i32): FdtBuilder {
    if (!this.ok) return this;
    if (count < 0 || count > data.length) panic("fdt builder: u64 array count out of range");
    const h = this.propBegin();
    if (h < 0) return this;
    for (let i = 0; i < count; i++) {
      const off = this.take(8);
      if (off < 0) return this;
      storeBe64(this.buffer + <usize>off, unchecked(data[i]));
    }
    this.propEnd(h, name);
    return this;
  }

  /** Same as `addU64Array` (upstream's iterator form). */
  addU64List(name: u32, data: StaticArray<u64>, count: i32): FdtBuilder {
    return this.addU64Array(name, data, count);
  }

  /** Adds the first `count` values of `data` as big-endian u32 cells. */
  addU32Array(name: u32, data: StaticArray<u32>, count: i32): FdtBuilder {
    if (!this.ok) return this;
    if (count < 0 || count > data.length) panic("fdt builder: u32 array count out of range");
    const h = this.propBegin();
    if (h < 0) return this;
    for (let i = 0; i < count; i++) {
      const off = this.take(4);
      if (off < 0) return this;
      storeBe32(this.buffer + <usize>off, unchecked(data[i]));
    }
    this.propEnd(h, name);
    return this;
  }

  /** Adds a property whose value is the `len` bytes at `ptr` (already big-endian). */
  addPropBytes(name: u32, ptr: usize, len: u32): FdtBuilder {
    if (!this.ok) return this;
    const h = this.propBegin();
    if (h < 0) return this;
    if (len > 0 && !this.writeBytes(ptr, len)) return this;
    this.propEnd(h, name);
    return this;
  }

  /** Adds a property whose value is the concatenation of `count` byte slices (ptrs[i], lens[i]). */
  addPropArray(name: u32, ptrs: StaticArray<usize>, lens: StaticArray<u32>, count: i32): FdtBuilder {
    if (!this.ok) return this;
    if (count < 0 || count > ptrs.length || count > lens.length) panic("fdt builder: prop array count out of range");
    const h = this.propBegin();
    if (h < 0) return this;
    for (let i = 0; i < count; i++) {
      if (!this.writeBytes(unchecked(ptrs[i]), unchecked(lens[i]))) return this;
    }
    this.propEnd(h, name);
    return this;
  }

  /** Adds a NUL-terminated string property. */
  addStr(name: u32, s: string): FdtBuilder {
    if (!this.ok) return this;
    const h = this.propBegin();
    if (h < 0) return this;
    if (!this.writeStringZ(s)) return this;
    this.propEnd(h, name);
    return this;
  }

  /** Adds a string-list property of two strings (`reg-names = "a", "b"`) without building an array. */
  addStrPair(name: u32, a: string, b: string): FdtBuilder {
    if (!this.ok) return this;
    const h = this.propBegin();
    if (h < 0) return this;
    if (!this.writeStringZ(a) || !this.writeStringZ(b)) return this;
    this.propEnd(h, name);
    return this;
  }

  /** Adds a string-list property: each string NUL-terminated; an empty list is a single NUL. */
  addStrArray(name: u32, strings: StaticArray<string>, count: i32): FdtBuilder {
    if (!this.ok) return this;
    if (count < 0 || count > strings.length) panic("fdt builder: string array count out of range");
    const h = this.propBegin();
    if (h < 0) return this;
    if (count == 0 && !this.writeZero()) return this;
    for (let i = 0; i < count; i++) {
      const s = unchecked(strings[i]);
      if (!this.writeStringZ(s)) return this;
    }
    this.propEnd(h, name);
    return this;
  }

  /** Bytes of the structure block written so far. */
  get structBytes(): u32 {
    return this.structSize;
  }

  /**
   * Ends the structure block, writes the reservation map and the header; returns the blob size,
   * or 0 with `error` set.
   */
  build(bootCpuidPhys: u32): u32 {
    if (this.depth != 0) panic("fdt builder: build with an open node");
    if (!this.ok) return 0;
    if (!this.token(FDT_END)) return 0;
    const res = this.reservations;
    const n: u32 = res !== null ? <u32>res.length : 0;
    if (<u64>this.reservationsOff + <u64>n * RESERVE_ENTRY_SIZE > <u64>this.bufferLen) {
      this.outOfSpace();
      return 0;
    }
    for (let i: u32 = 0; i < n; i++) {
      const at = this.buffer + <usize>(this.reservationsOff + i * RESERVE_ENTRY_SIZE);
      storeBe64(at, res!.address(<i32>i));
      storeBe64(at + 8, res!.size(<i32>i));
    }
    if (<u64>this.stringsOff > <u64>this.bufferLen) {
      this.outOfSpace();
      return 0;
    }
    const sentinel = this.buffer + <usize>(this.stringsOff - RESERVE_ENTRY_SIZE);
    store<u64>(sentinel, 0);
    store<u64>(sentinel, 0, 8);
    const total = <u64>this.structOff + <u64>this.structSize;
    if (total > <u64>this.bufferLen) panic("assertion failed: total_size <= self.inner.buffer.len()");
    if (this.bufferLen < HEADER_SIZE) {
      this.outOfSpace();
      return 0;
    }
    const b = this.buffer;
    storeBe32(b + HDR_MAGIC, FDT_MAGIC);
    storeBe32(b + HDR_TOTALSIZE, <u32>total);
    storeBe32(b + HDR_OFF_DT_STRUCT, this.structOff);
    storeBe32(b + HDR_OFF_DT_STRINGS, this.stringsOff);
    storeBe32(b + HDR_OFF_MEM_RSVMAP, this.reservationsOff);
    storeBe32(b + HDR_VERSION, FDT_CURRENT_VERSION);
    storeBe32(b + HDR_LAST_COMP_VERSION, FDT_COMPAT_VERSION);
    storeBe32(b + HDR_BOOT_CPUID_PHYS, bootCpuidPhys);
    storeBe32(b + HDR_SIZE_DT_STRINGS, this.stringsSize);
    storeBe32(b + HDR_SIZE_DT_STRUCT, this.structSize);
    return <u32>total;
  }
}
