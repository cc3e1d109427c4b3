//! Sparse byte store for guest memory backings: only 4 KiB pages that were written hold storage.
// Ports: openvmm/membacking/src/memory_manager/mod.rs (the `alloc_shared_memory` RAM backing,
// here as lazily materialized pages instead of a reserved host mapping).
//
// Storage is two-level: a Map from a 1 MiB chunk number to an array of 256 page slots, each slot
// a 4 KiB Uint8Array created on first write. Reads of never-written pages return zeros without
// allocating, so a 2 TiB VM with a few writes costs a few kilobytes.

/** Guest page size in bytes. */
export const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12n;
const PAGES_PER_CHUNK = 256;

type Chunk = (Uint8Array | undefined)[];

/** A zero-initialized, sparsely materialized byte store addressed by 64-bit offsets. */
export class SparseBacking {
  private readonly chunks = new Map<number, Chunk>();
  private pages = 0;

  /** Creates a store of `size` bytes (0..size are addressable). */
  constructor(readonly size: bigint, readonly name = "backing") {}

  /** Number of pages that hold storage. */
  get materializedPages(): number {
    return this.pages;
  }

  /** Bytes of page storage held (materialized pages × 4 KiB). */
  get materializedBytes(): number {
    return this.pages * PAGE_SIZE;
  }

  private page(pn: number, create: boolean): Uint8Array | undefined {
    const ci = Math.floor(pn / PAGES_PER_CHUNK);
    let chunk = this.chunks.get(ci);
    if (!chunk) {
      if (!create) return undefined;
      chunk = new Array<Uint8Array | undefined>(PAGES_PER_CHUNK);
      this.chunks.set(ci, chunk);
    }
    const slot = pn - ci * PAGES_PER_CHUNK;
    let p = chunk[slot];
    if (!p && create) {
      p = new Uint8Array(PAGE_SIZE);
      chunk[slot] = p;
      this.pages++;
    }
    return p;
  }

  /** Copies bytes at `offset` into `dst` (unwritten pages read as zeros). Caller checks bounds. */
  read(offset: bigint, dst: Uint8Array): void {
    let pn = Number(offset >> PAGE_SHIFT);
    let inPage = Number(offset & 0xfffn);
    let done = 0;
    while (done < dst.length) {
      const n = Math.min(PAGE_SIZE - inPage, dst.length - done);
      const p = this.page(pn, false);
      if (p) dst.set(p.subarray(inPage, inPage + n), done);
      else dst.fill(0, done, done + n);
      done += n;
      pn++;
      inPage = 0;
    }
  }

  /** Copies `src` to `offset`, materializing touched pages. Caller checks bounds. */
  write(offset: bigint, src: Uint8Array): void {
    let pn = Number(offset >> PAGE_SHIFT);
    let inPage = Number(offset & 0xfffn);
    let done = 0;
    while (done < src.length) {
      const n = Math.min(PAGE_SIZE - inPage, src.length - done);
      const p = this.page(pn, true)!;
      p.set(src.subarray(done, done + n), inPage);
      done += n;
      pn++;
      inPage = 0;
    }
  }

  /** Visits the materialized pages (page offset, bytes) in ascending order. */
  *materialized(): Generator<[bigint, Uint8Array]> {
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    for (const ci of keys) {
      const chunk = this.chunks.get(ci)!;
      for (let s = 0; s < PAGES_PER_CHUNK; s++) {
        const p = chunk[s];
        if (p) yield [BigInt(ci * PAGES_PER_CHUNK + s) << PAGE_SHIFT, p];
      }
    }
  }
}
