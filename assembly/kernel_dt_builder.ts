//! A flattened-device-tree writer with a fixed string-table capacity, the memory reservation map
//! validated up front, and a sticky out-of-space error; used to write the kernel device tree.
// Ports: support/fdt/src/builder.rs (Builder, BubbleSortValidator). Stand-in with the same
// byte layout until assembly/fdt/builder.ts lands (same method names in camelCase).

const FDT_MAGIC: u32 = 0xd00dfeed;
const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_END: u32 = 9;
const HEADER_SIZE: i32 = 40;

/** Builder errors (upstream fdt::builder::Error, Debug names). */
export const FDT_OK: i32 = 0;
export const FDT_OUT_OF_SPACE: i32 = 1;
export const FDT_OVERLAPPING_RESERVATIONS: i32 = 2;
export const FDT_DUPLICATE_RESERVATION: i32 = 3;
export const FDT_ZERO_RESERVATION: i32 = 4;

/** The Debug name of a builder error. */
export function fdtErrorDebug(e: i32): string {
  if (e == FDT_OUT_OF_SPACE) return "OutOfSpace";
  if (e == FDT_OVERLAPPING_RESERVATIONS) return "OverlappingMemoryReservations";
  if (e == FDT_DUPLICATE_RESERVATION) return "DuplicateMemoryReservations";
  if (e == FDT_ZERO_RESERVATION) return "ZeroMemoryReservation";
  return "Ok";
}

@inline function be32(at: usize, v: u32): void {
  store<u32>(at, bswap<u32>(v));
}

/** Writes one device tree blob into a caller-provided buffer. */
@final
export class FdtBuilder {
  private rsvOff: i32 = HEADER_SIZE;
  private stringsOff: i32;
  private stringsSize: i32 = 0;
  private structOff: i32;
  private structSize: i32 = 0;
  /** First error (sticky): later calls do nothing. */
  error: i32 = FDT_OK;

  /**
   * A builder over `cap` bytes at `buf` (zeroed here) with `rsvCount` reservations
   * (`rsvAddr`/`rsvSize`) checked as upstream's BubbleSortValidator does.
   */
  constructor(
    private buf: usize,
    private cap: i32,
    private rsvAddr: StaticArray<u64>,
    private rsvSize: StaticArray<u64>,
    private rsvCount: i32,
    private stringCap: i32,
  ) {
    memory.fill(buf, 0, <usize>cap);
    this.stringsOff = this.rsvOff + (rsvCount + 1) * 16;
    this.structOff = this.stringsOff + stringCap;
    for (let i = 0; i < rsvCount && this.error == FDT_OK; i++) {
      const a1 = rsvAddr[i];
      const s1 = rsvSize[i];
      if (a1 == 0 && s1 == 0) {
        this.error = FDT_ZERO_RESERVATION;
        break;
      }
      for (let j = i + 1; j < rsvCount; j++) {
        const a2 = rsvAddr[j];
        const s2 = rsvSize[j];
        if (a1 == a2 && s1 == s2) {
          this.error = FDT_DUPLICATE_RESERVATION;
          break;
        }
        if (a1 < a2 + s2 && a2 < a1 + s1) {
          this.error = FDT_OVERLAPPING_RESERVATIONS;
          break;
        }
      }
    }
  }

  /** Adds a property name to the string table; returns its offset (0 after an error). */
  addString(s: string): u32 {
    if (this.error != FDT_OK) return 0;
    const n = String.UTF8.byteLength(s);
    if (this.stringsSize + n + 1 > this.stringCap) {
      this.error = FDT_OUT_OF_SPACE;
      return 0;
    }
    const at = this.buf + <usize>(this.stringsOff + this.stringsSize);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, at);
    store<u8>(at + <usize>n, 0);
    const id = <u32>this.stringsSize;
    this.stringsSize += n + 1;
    return id;
  }

  /** Reserves `n` struct bytes; 0 (and the sticky error) when they do not fit. */
  private reserve(n: i32): usize {
    if (this.error != FDT_OK) return 0;
    if (this.structOff + this.structSize + n > this.cap) {
      this.error = FDT_OUT_OF_SPACE;
      return 0;
    }
    const at = this.buf + <usize>(this.structOff + this.structSize);
    this.structSize += n;
    return at;
  }

  private align(): void {
    if (this.error != FDT_OK) return;
    const size = (this.structSize + 3) & ~3;
    if (this.structOff + size <= this.cap) this.structSize = size;
    else this.error = FDT_OUT_OF_SPACE;
  }

  private token(t: u32): void {
    const at = this.reserve(4);
    if (at != 0) be32(at, t);
  }

  /** Opens a node named `name`. */
  startNode(name: string): FdtBuilder {
    this.token(FDT_BEGIN_NODE);
    const n = String.UTF8.byteLength(name);
    const at = this.reserve(n + 1);
    if (at != 0) {
      String.UTF8.encodeUnsafe(changetype<usize>(name), name.length, at);
      store<u8>(at + <usize>n, 0);
    }
    this.align();
    return this;
  }

  /** Opens a node named `prefix` followed by `value` in hex (`hex`) or decimal, without allocating. */
  startNodeNum(prefix: string, value: u64, hex: bool): FdtBuilder {
    this.token(FDT_BEGIN_NODE);
    const n = String.UTF8.byteLength(prefix);
    let digits = 1;
    const radix: u64 = hex ? 16 : 10;
    for (let t = value; t >= radix; t /= radix) digits++;
    const at = this.reserve(n + digits + 1);
    if (at != 0) {
      String.UTF8.encodeUnsafe(changetype<usize>(prefix), prefix.length, at);
      let p = at + <usize>(n + digits);
      let t = value;
      do {
        p--;
        const d = <u32>(t % radix);
        store<u8>(p, <u8>(d < 10 ? 0x30 + d : 0x57 + d));
        t /= radix;
      } while (t != 0);
      store<u8>(at + <usize>(n + digits), 0);
    }
    this.align();
    return this;
  }

  /** Starts a property of `len` bytes; returns where its data goes (0 after an error). */
  private prop(name: u32, len: i32): usize {
    this.token(FDT_PROP);
    const hdr = this.reserve(8);
    if (hdr != 0) {
      be32(hdr, <u32>len);
      be32(hdr + 4, name);
    }
    const at = this.reserve(len);
    return at;
  }

  /** An empty property. */
  addNull(name: u32): FdtBuilder {
    this.prop(name, 0);
    this.align();
    return this;
  }

  /** A big-endian u32 property. */
  addU32(name: u32, v: u32): FdtBuilder {
    const at = this.prop(name, 4);
    if (at != 0) be32(at, v);
    this.align();
    return this;
  }

  /** A big-endian u64 property. */
  addU64(name: u32, v: u64): FdtBuilder {
    const at = this.prop(name, 8);
    if (at != 0) store<u64>(at, bswap<u64>(v));
    this.align();
    return this;
  }

  /** A big-endian u64 array property of the first `n` values. */
  addU64Array(name: u32, vals: StaticArray<u64>, n: i32): FdtBuilder {
    const at = this.prop(name, n * 8);
    if (at != 0) for (let i = 0; i < n; i++) store<u64>(at + <usize>i * 8, bswap<u64>(vals[i]));
    this.align();
    return this;
  }

  /** A big-endian u32 array property of the first `n` values. */
  addU32Array(name: u32, vals: StaticArray<u32>, n: i32): FdtBuilder {
    const at = this.prop(name, n * 4);
    if (at != 0) for (let i = 0; i < n; i++) be32(at + <usize>i * 4, vals[i]);
    this.align();
    return this;
  }

  /** A raw byte property (`len` bytes at `ptr`). */
  addPropBytes(name: u32, ptr: usize, len: i32): FdtBuilder {
    const at = this.prop(name, len);
    if (at != 0 && len > 0) memory.copy(at, ptr, <usize>len);
    this.align();
    return this;
  }

  /** A NUL-terminated string property. */
  addStr(name: u32, s: string): FdtBuilder {
    const n = String.UTF8.byteLength(s);
    const at = this.prop(name, n + 1);
    if (at != 0) {
      String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, at);
      store<u8>(at + <usize>n, 0);
    }
    this.align();
    return this;
  }

  /** A string-list property of two strings. */
  addStrPair(name: u32, a: string, b: string): FdtBuilder {
    const na = String.UTF8.byteLength(a);
    const nb = String.UTF8.byteLength(b);
    const at = this.prop(name, na + nb + 2);
    if (at != 0) {
      String.UTF8.encodeUnsafe(changetype<usize>(a), a.length, at);
      store<u8>(at + <usize>na, 0);
      String.UTF8.encodeUnsafe(changetype<usize>(b), b.length, at + <usize>(na + 1));
      store<u8>(at + <usize>(na + 1 + nb), 0);
    }
    this.align();
    return this;
  }

  /** Closes the current node. */
  endNode(): FdtBuilder {
    this.token(FDT_END_NODE);
    return this;
  }

  /** Ends the struct block and writes the reservation map and header; returns the total size. */
  build(bootCpuidPhys: u32): i32 {
    this.token(FDT_END);
    if (this.error != FDT_OK) return -1;
    const b = this.buf;
    for (let i = 0; i < this.rsvCount; i++) {
      const at = b + <usize>(this.rsvOff + i * 16);
      store<u64>(at, bswap<u64>(this.rsvAddr[i]));
      store<u64>(at + 8, bswap<u64>(this.rsvSize[i]));
    }
    const total = this.structOff + this.structSize;
    be32(b, FDT_MAGIC);
    be32(b + 4, <u32>total);
    be32(b + 8, <u32>this.structOff);
    be32(b + 12, <u32>this.stringsOff);
    be32(b + 16, <u32>this.rsvOff);
    be32(b + 20, 17);
    be32(b + 24, 16);
    be32(b + 28, bootCpuidPhys);
    be32(b + 32, <u32>this.stringsSize);
    be32(b + 36, <u32>this.structSize);
    return total;
  }
}
