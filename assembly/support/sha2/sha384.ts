//! SHA-384 (FIPS 180-4: the SHA-512 compression with the SHA-384 initial values, digest cut to
//! 48 bytes), streaming over bytes in linear memory.
// Ports: the sha2::Sha384 hasher used by openhcl/openhcl_boot/src/arch/x86_64/memory.rs

/** Digest length in bytes. */
export const SHA384_DIGEST_SIZE: u32 = 48;
/** Compression block length in bytes. */
export const SHA384_BLOCK_SIZE: u32 = 128;

// Round constants (first 64 bits of the fractional parts of the cube roots of the first 80 primes).
const K: usize = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
  0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
  0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
  0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
  0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
  0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
  0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
  0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
  0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);

// Message schedule scratch (80 words); only scalars/static data at module level.
const W: usize = memory.data(80 * 8, 8);

/**
 * A running SHA-384. `update` feeds bytes, `finalize` pads and writes the 48-byte digest; after
 * `finalize` the hasher must be `reset` before it is used again.
 */
@final
export class Sha384 {
  private h0: u64 = 0;
  private h1: u64 = 0;
  private h2: u64 = 0;
  private h3: u64 = 0;
  private h4: u64 = 0;
  private h5: u64 = 0;
  private h6: u64 = 0;
  private h7: u64 = 0;
  /** Bytes fed so far (the digest covers messages below 2^64 bytes, far above any guest range). */
  private total: u64 = 0;
  /** Partial block (128 bytes) and how many of its bytes are filled. */
  private buf: usize = __alloc(<usize>SHA384_BLOCK_SIZE);
  private bufLen: u32 = 0;

  constructor() {
    this.reset();
  }

  /** Starts a new message (SHA-384 initial hash values). */
  reset(): void {
    this.h0 = 0xcbbb9d5dc1059ed8;
    this.h1 = 0x629a292a367cd507;
    this.h2 = 0x9159015a3070dd17;
    this.h3 = 0x152fecd8f70e5939;
    this.h4 = 0x67332667ffc00b31;
    this.h5 = 0x8eb44a8768581511;
    this.h6 = 0xdb0c2e0d64f98fa7;
    this.h7 = 0x47b5481dbefa4fa4;
    this.total = 0;
    this.bufLen = 0;
  }

  /** Feeds `len` bytes at `ptr`. */
  update(ptr: usize, len: usize): void {
    if (len == 0) return;
    this.total += <u64>len;
    const bs = <usize>SHA384_BLOCK_SIZE;
    if (this.bufLen != 0) {
      const room = bs - <usize>this.bufLen;
      const n = len < room ? len : room;
      memory.copy(this.buf + <usize>this.bufLen, ptr, n);
      this.bufLen += <u32>n;
      ptr += n;
      len -= n;
      if (<usize>this.bufLen < bs) return;
      this.compress(this.buf, 1);
      this.bufLen = 0;
    }
    const blocks = len / bs;
    if (blocks > 0) {
      this.compress(ptr, blocks);
      ptr += blocks * bs;
      len -= blocks * bs;
    }
    if (len > 0) {
      memory.copy(this.buf, ptr, len);
      this.bufLen = <u32>len;
    }
  }

  /** Pads the message and writes the 48-byte digest to `out`. */
  finalize(out: usize): void {
    const bs = <usize>SHA384_BLOCK_SIZE;
    const bitsLo = this.total << 3;
    const bitsHi = this.total >> 61;
    let n = <usize>this.bufLen;
    store<u8>(this.buf + n, 0x80);
    n++;
    if (n > bs - 16) {
      memory.fill(this.buf + n, 0, bs - n);
      this.compress(this.buf, 1);
      n = 0;
    }
    memory.fill(this.buf + n, 0, bs - 16 - n);
    store<u64>(this.buf + bs - 16, bswap<u64>(bitsHi));
    store<u64>(this.buf + bs - 8, bswap<u64>(bitsLo));
    this.compress(this.buf, 1);
    this.bufLen = 0;
    store<u64>(out, bswap<u64>(this.h0));
    store<u64>(out, bswap<u64>(this.h1), 8);
    store<u64>(out, bswap<u64>(this.h2), 16);
    store<u64>(out, bswap<u64>(this.h3), 24);
    store<u64>(out, bswap<u64>(this.h4), 32);
    store<u64>(out, bswap<u64>(this.h5), 40);
  }

  /** Runs the compression function over `blocks` consecutive 128-byte blocks at `p`. */
  private compress(p: usize, blocks: usize): void {
    let h0 = this.h0, h1 = this.h1, h2 = this.h2, h3 = this.h3;
    let h4 = this.h4, h5 = this.h5, h6 = this.h6, h7 = this.h7;
    for (let blk: usize = 0; blk < blocks; blk++) {
      const m = p + blk * <usize>SHA384_BLOCK_SIZE;
      for (let t: usize = 0; t < 16; t++) store<u64>(W + (t << 3), bswap<u64>(load<u64>(m + (t << 3))));
      for (let t: usize = 16; t < 80; t++) {
        const w15 = load<u64>(W + ((t - 15) << 3));
        const w2 = load<u64>(W + ((t - 2) << 3));
        const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >> 7);
        const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >> 6);
        store<u64>(W + (t << 3), load<u64>(W + ((t - 16) << 3)) + s0 + load<u64>(W + ((t - 7) << 3)) + s1);
      }
      let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (let t: usize = 0; t < 80; t++) {
        const S1 = rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41);
        const ch = (e & f) ^ (~e & g);
        const t1 = h + S1 + ch + load<u64>(K + (t << 3)) + load<u64>(W + (t << 3));
        const S0 = rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39);
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = S0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
      }
      h0 += a; h1 += b; h2 += c; h3 += d;
      h4 += e; h5 += f; h6 += g; h7 += h;
    }
    this.h0 = h0; this.h1 = h1; this.h2 = h2; this.h3 = h3;
    this.h4 = h4; this.h5 = h5; this.h6 = h6; this.h7 = h7;
  }
}
