//! CRC-32 (IEEE 802.3, reflected, as crc32fast computes it) over bytes in linear memory.
// Ports: the crc32fast::hash call in openhcl/openhcl_boot/src/main.rs (initrd check).

const TABLE: usize = memory.data(256 * 4);
let tableReady: bool = false;

function initTable(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLE + (<usize>i << 2), c);
  }
  tableReady = true;
}

/** CRC-32 of `len` bytes at `ptr`. */
export function crc32(ptr: usize, len: usize): u32 {
  return crc32End(crc32Update(crc32Begin(), ptr, len));
}

/** Starts an incremental CRC-32. */
export function crc32Begin(): u32 {
  if (!tableReady) initTable();
  return 0xffff_ffff;
}

/** Feeds `len` bytes at `ptr` into the running CRC `c`. */
export function crc32Update(c: u32, ptr: usize, len: usize): u32 {
  for (let i: usize = 0; i < len; i++) {
    c = load<u32>(TABLE + (<usize>((c ^ <u32>load<u8>(ptr + i)) & 0xff) << 2)) ^ (c >>> 8);
  }
  return c;
}

/** The final CRC-32 of a running value. */
export function crc32End(c: u32): u32 {
  return ~c;
}
