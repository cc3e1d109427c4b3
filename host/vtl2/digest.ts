//! Platform-neutral digests the VTL2 loader needs: SHA-384 (the imported-regions page hash) and
//! CRC-32 (the initrd checksum). Pure TypeScript so the loader runs in the browser playground too.
// Ports: none (FIPS 180-4 SHA-384; the IEEE CRC-32 of zlib / the crc32fast crate)

const K: number[] = [
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc,
  0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4,
  0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30,
  0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8,
  0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178,
  0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c,
  0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
];

/** SHA-384 initial hash value (hi, lo pairs). */
const IV384: number[] = [
  0xcbbb9d5d, 0xc1059ed8, 0x629a292a, 0x367cd507, 0x9159015a, 0x3070dd17, 0x152fecd8, 0xf70e5939,
  0x67332667, 0xffc00b31, 0x8eb44a87, 0x68581511, 0xdb0c2e0d, 0x64f98fa7, 0x47b5481d, 0xbefa4fa4,
];

/** Incremental SHA-384 (the subset of node:crypto's Hash the loader uses: update, digest). */
export class Sha384 {
  private readonly h = Int32Array.from(IV384);
  private readonly w = new Int32Array(160);
  private readonly block = new Uint8Array(128);
  private used = 0;
  private total = 0;

  /** Adds bytes to the message. */
  update(data: Uint8Array): this {
    let i = 0;
    this.total += data.length;
    while (i < data.length) {
      const n = Math.min(128 - this.used, data.length - i);
      this.block.set(data.subarray(i, i + n), this.used);
      this.used += n;
      i += n;
      if (this.used === 128) {
        this.compress(this.block);
        this.used = 0;
      }
    }
    return this;
  }

  /** Pads, finishes and returns the 48-byte digest. */
  digest(): Uint8Array {
    const bits = this.total * 8;
    const pad = new Uint8Array((this.used < 112 ? 128 : 256) - this.used);
    pad[0] = 0x80;
    const v = new DataView(pad.buffer);
    v.setUint32(pad.length - 8, Math.floor(bits / 0x1_0000_0000), false);
    v.setUint32(pad.length - 4, bits >>> 0, false);
    this.total -= pad.length; // padding is not message length
    this.update(pad);
    const out = new Uint8Array(48);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 12; i++) ov.setInt32(i * 4, this.h[i]!, false);
    return out;
  }

  private compress(b: Uint8Array): void {
    const w = this.w;
    for (let i = 0; i < 32; i++) {
      const o = i * 4;
      w[i] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      // sigma0(w[i-15]) = rotr1 ^ rotr8 ^ shr7; sigma1(w[i-2]) = rotr19 ^ rotr61 ^ shr6
      let xh = w[(i - 15) * 2]!, xl = w[(i - 15) * 2 + 1]!;
      const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
      const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
      xh = w[(i - 2) * 2]!;
      xl = w[(i - 2) * 2 + 1]!;
      const s1h = ((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^ (xh >>> 6);
      const s1l = ((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^ ((xl >>> 6) | (xh << 26));
      // 64-bit sums as (hi, lo) with explicit carries: lo sums stay below 2^53, so one division-free
      // split per sum is exact.
      const lo = (s0l >>> 0) + (s1l >>> 0) + (w[(i - 7) * 2 + 1]! >>> 0) + (w[(i - 16) * 2 + 1]! >>> 0);
      w[i * 2] = (s0h + s1h + w[(i - 7) * 2]! + w[(i - 16) * 2]! + ((lo / 0x1_0000_0000) | 0)) | 0;
      w[i * 2 + 1] = lo | 0;
    }
    const h = this.h;
    let ah = h[0]!, al = h[1]!, bh = h[2]!, bl = h[3]!, ch = h[4]!, cl = h[5]!, dh = h[6]!, dl = h[7]!;
    let eh = h[8]!, el = h[9]!, fh = h[10]!, fl = h[11]!, gh = h[12]!, gl = h[13]!, hh = h[14]!, hl = h[15]!;
    for (let i = 0; i < 80; i++) {
      // Sigma1(e) = rotr14 ^ rotr18 ^ rotr41
      const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
      const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      const t1l = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (K[i * 2 + 1]! >>> 0) + (w[i * 2 + 1]! >>> 0);
      const t1h = hh + S1h + chh + K[i * 2]! + w[i * 2]! + ((t1l / 0x1_0000_0000) | 0);
      // Sigma0(a) = rotr28 ^ rotr34 ^ rotr39
      const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
      const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
      const mjh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const mjl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2l = (S0l >>> 0) + (mjl >>> 0);
      const t2h = S0h + mjh + ((t2l / 0x1_0000_0000) | 0);
      hh = gh; hl = gl; gh = fh; gl = fl; fh = eh; fl = el;
      let nl = (dl >>> 0) + (t1l >>> 0);
      eh = (dh + t1h + ((nl / 0x1_0000_0000) | 0)) | 0;
      el = nl | 0;
      dh = ch; dl = cl; ch = bh; cl = bl; bh = ah; bl = al;
      nl = (t1l >>> 0) + (t2l >>> 0);
      ah = (t1h + t2h + ((nl / 0x1_0000_0000) | 0)) | 0;
      al = nl | 0;
    }
    let lo: number;
    lo = (h[1]! >>> 0) + (al >>> 0); h[0] = (h[0]! + ah + ((lo / 0x1_0000_0000) | 0)) | 0; h[1] = lo | 0;
    lo = (h[3]! >>> 0) + (bl >>> 0); h[2] = (h[2]! + bh + ((lo / 0x1_0000_0000) | 0)) | 0; h[3] = lo | 0;
    lo = (h[5]! >>> 0) + (cl >>> 0); h[4] = (h[4]! + ch + ((lo / 0x1_0000_0000) | 0)) | 0; h[5] = lo | 0;
    lo = (h[7]! >>> 0) + (dl >>> 0); h[6] = (h[6]! + dh + ((lo / 0x1_0000_0000) | 0)) | 0; h[7] = lo | 0;
    lo = (h[9]! >>> 0) + (el >>> 0); h[8] = (h[8]! + eh + ((lo / 0x1_0000_0000) | 0)) | 0; h[9] = lo | 0;
    lo = (h[11]! >>> 0) + (fl >>> 0); h[10] = (h[10]! + fh + ((lo / 0x1_0000_0000) | 0)) | 0; h[11] = lo | 0;
    lo = (h[13]! >>> 0) + (gl >>> 0); h[12] = (h[12]! + gh + ((lo / 0x1_0000_0000) | 0)) | 0; h[13] = lo | 0;
    lo = (h[15]! >>> 0) + (hl >>> 0); h[14] = (h[14]! + hh + ((lo / 0x1_0000_0000) | 0)) | 0; h[15] = lo | 0;
  }
}

let crcTable: Uint32Array | undefined;

/** IEEE CRC-32 of `bytes` (same value as zlib's crc32). */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The incremental hash interface the loader uses. */
export interface Hash384 {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

type NodeCrypto = { createHash(alg: string): { update(d: Uint8Array): unknown; digest(): Uint8Array } };

/** SHA-384: node:crypto's when the platform has it (fast path for Node), else the pure Sha384. */
export function createSha384(): Hash384 {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  const crypto = typeof get === "function" ? (get("node:crypto") as NodeCrypto | undefined) : undefined;
  if (!crypto) return new Sha384();
  const h = crypto.createHash("sha384");
  return {
    update: (d) => h.update(d),
    digest: () => new Uint8Array(h.digest()),
  };
}
