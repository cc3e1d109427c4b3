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

/**
 * A zero-initialized, sparsely materialized byte store addressed by 64-bit offsets. A fork
 * (`fork()`) starts with its base's contents and copies a base page on its first write to it, so
 * forks of one loaded image are cheap and never change the base or each other.
 */
export class SparseBacking {
  private readonly chunks = new Map<number, Chunk>();
  private pages = 0;
  // Base pages this fork has copied (they count once in materializedPages).
  private shadowed = 0;
  private forked = false;

  /** Creates a store of `size` bytes (0..size are addressable), or a fork of `base`. */
  constructor(readonly size: bigint, readonly name = "backing", private readonly base: SparseBacking | null = null) {}

  /**
   * A copy-on-write fork: reads see this store's bytes, writes go to the fork only. This store
   * must not be written after it has been forked (writes then throw).
   */
  fork(): SparseBacking {
    this.forked = true;
    return new SparseBacking(this.size, this.name, this);
  }

  /** Number of pages that hold storage (a fork counts its base's pages too). */
  get materializedPages(): number {
    return this.pages + (this.base !== null ? this.base.materializedPages - this.shadowed : 0);
  }

  /** Bytes of page storage held (materialized pages × 4 KiB). */
  get materializedBytes(): number {
    return this.pages * PAGE_SIZE;
  }

  private page(pn: number, create: boolean): Uint8Array | undefined {
    const ci = Math.floor(pn / PAGES_PER_CHUNK);
    let chunk = this.chunks.get(ci);
    if (!chunk) {
      if (!create) return this.base?.page(pn, false);
      chunk = new Array<Uint8Array | undefined>(PAGES_PER_CHUNK);
      this.chunks.set(ci, chunk);
    }
    const slot = pn - ci * PAGES_PER_CHUNK;
    let p = chunk[slot];
    if (!p) {
      const inBase = this.base?.page(pn, false);
      if (!create) return inBase;
      if (inBase) {
        p = inBase.slice();
        this.shadowed++;
      } else {
        p = new Uint8Array(PAGE_SIZE);
      }
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
    if (this.forked) throw new Error(`${this.name}: write to a backing that has forks`);
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

  /**
   * Zeroes `len` bytes at `offset`: pages that hold storage are cleared, pages that do not (they
   * read as zeros already) stay unmaterialized. Caller checks bounds.
   */
  zero(offset: bigint, len: number): void {
    if (this.forked) throw new Error(`${this.name}: write to a backing that has forks`);
    let pn = Number(offset >> PAGE_SHIFT);
    let inPage = Number(offset & 0xfffn);
    let done = 0;
    while (done < len) {
      const n = Math.min(PAGE_SIZE - inPage, len - done);
      if (this.page(pn, false)) this.page(pn, true)!.fill(0, inPage, inPage + n);
      done += n;
      pn++;
      inPage = 0;
    }
  }

  /**
   * Bytes from `offset` up to the end of the last page in [offset, offset+len) that holds storage
   * (here or in a base), at most `len`; 0 when none does: past it everything reads as zero.
   */
  dataExtent(offset: bigint, len: number): number {
    if (len <= 0) return 0;
    const first = Number(offset >> PAGE_SHIFT);
    const inPage = Number(offset & 0xfffn);
    // The highest page with storage, over this store and its bases, scanned chunk by chunk.
    let top = -1;
    const last = Number((offset + BigInt(len) - 1n) >> PAGE_SHIFT);
    for (let b: SparseBacking | null = this; b !== null; b = b.base) {
      for (let ci = Math.floor(last / PAGES_PER_CHUNK); ci * PAGES_PER_CHUNK + PAGES_PER_CHUNK - 1 > top && ci >= Math.floor(first / PAGES_PER_CHUNK); ci--) {
        const chunk = b.chunks.get(ci);
        if (!chunk) continue;
        const lo = Math.max(first, top + 1, ci * PAGES_PER_CHUNK);
        let pn = Math.min(last, ci * PAGES_PER_CHUNK + PAGES_PER_CHUNK - 1);
        for (; pn >= lo; pn--) if (chunk[pn - ci * PAGES_PER_CHUNK]) break;
        if (pn >= lo) {
          top = pn;
          break;
        }
      }
    }
    return top < 0 ? 0 : Math.min(len, (top - first + 1) * PAGE_SIZE - inPage);
  }

  /** Visits the materialized pages (page offset, bytes) in ascending order. */
  *materialized(): Generator<[bigint, Uint8Array]> {
    const keys = new Set(this.chunks.keys());
    for (let b = this.base; b !== null; b = b.base) for (const k of b.chunks.keys()) keys.add(k);
    for (const ci of [...keys].sort((a, b) => a - b)) {
      for (let s = 0; s < PAGES_PER_CHUNK; s++) {
        const p = this.page(ci * PAGES_PER_CHUNK + s, false);
        if (p) yield [BigInt(ci * PAGES_PER_CHUNK + s) << PAGE_SHIFT, p];
      }
    }
  }
}
