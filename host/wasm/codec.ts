//! Decoder for the shim's result stream (assembly/rt/out.ts): little-endian records.
// Ports: none (host plumbing)

const utf8 = new TextDecoder("utf-8", { fatal: false });

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
      throw new Error(`result stream truncated: need ${n} bytes at offset ${this.off} of ${this.bytes.length}`);
    }
    const at = this.off;
    this.off += n;
    return at;
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
