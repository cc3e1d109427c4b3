//! Decoder for the shim's result stream (assembly/rt/out.ts): little-endian records, each in an
//! envelope (u16 id, u16 version, u32 body length; host/wasm/records.ts describes them).
// Ports: none (host plumbing)
import { InternalError } from "../errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * The two sides of the host <-> WASM boundary disagree about a record (wrong id or version, a
 * reader that consumed fewer or more bytes than were written): a bug of hclboot, never of the input.
 */
export class RecordError extends InternalError {}

/** What the envelope check needs to know of a record's schema. */
export interface RecordTag {
  readonly name: string;
  readonly id: number;
  readonly version: number;
}

/** Sequential reader over one result stream copied out of WASM memory. */
export class Reader {
  private off = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.off;
  }

  private need(n: number): number {
    if (this.off + n > this.bytes.length) {
      throw new RecordError(`result stream truncated: need ${n} bytes at offset ${this.off} of ${this.bytes.length}`);
    }
    const at = this.off;
    this.off += n;
    return at;
  }

  /** The whole stream (a copy), whatever has been read. */
  whole(): Uint8Array {
    return this.bytes.slice();
  }

  /** Reads a byte. */
  u8(): number {
    return this.view.getUint8(this.need(1));
  }

  /** Reads a little-endian u32. */
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  /** Reads a little-endian u64 as a bigint. */
  u64(): bigint {
    return this.view.getBigUint64(this.need(8), true);
  }

  /** Reads a boolean byte. */
  bool(): boolean {
    return this.u8() !== 0;
  }

  /** Reads length-prefixed bytes (a copy). */
  bytesField(): Uint8Array {
    const n = this.u32();
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }

  /** Reads `n` raw bytes (a copy). */
  fixed(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }

  /**
   * Opens the next enveloped record, checking its id and version against `tag`: a reader over its
   * body (this reader moves past the record). Call `end()` on it once the body is decoded.
   */
  record(tag: RecordTag): Reader {
    if (this.remaining < 8) throw new RecordError(`${tag.name} record missing: ${this.remaining} bytes left in the result stream`);
    const id = this.view.getUint16(this.off, true);
    const version = this.view.getUint16(this.off + 2, true);
    const len = this.view.getUint32(this.off + 4, true);
    if (id !== tag.id || version !== tag.version) {
      throw new RecordError(`expected ${tag.name} record (id ${tag.id} v${tag.version}), found id ${id} v${version}`);
    }
    this.need(8);
    if (len > this.remaining) throw new RecordError(`${tag.name} record claims ${len} bytes, ${this.remaining} left`);
    const at = this.need(len);
    return new Reader(this.bytes.subarray(at, at + len));
  }

  /** Checks the whole record was read: a reader that stopped short or read past is an internal error. */
  end(what = "record"): void {
    if (this.off !== this.bytes.length) {
      throw new RecordError(`${what}: read ${this.off} of ${this.bytes.length} bytes`);
    }
  }

  /** Reads a length-prefixed UTF-8 string. */
  str(): string {
    const n = this.u32();
    const at = this.need(n);
    return utf8.decode(this.bytes.subarray(at, at + n));
  }
}

/** Formats a bigint as the contract's lowercase 0x-prefixed hex string. */
export function hex(v: bigint | number): string {
  return "0x" + v.toString(16);
}
