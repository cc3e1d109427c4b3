//! x86 boot parameters for the OpenHCL kernel: the E820 map built from the VTL2 address space
//! (RAM vs. reserved, spilling into an E820_EXT setup_data block past 128 entries), the initrd
//! location and the loader fields of the zero page.
// Ports: openhcl/openhcl_boot/src/main.rs (x86_boot: build_e820_map, build_boot_params)

import { panic } from "../../rt/panic";
import { RangeList } from "../../support/memory_range/lib";
import { AddressSpaceManager, MAX_ADDRESS_RANGES } from "../memory/memory";
import {
  memoryVtlTypeName, VTL2_RAM, VTL2_CONFIG, VTL2_SIDECAR_IMAGE, VTL2_SIDECAR_NODE, VTL2_RESERVED, VTL2_GPA_POOL,
  VTL2_TDX_PAGE_TABLES, VTL2_BOOTSHIM_LOG_BUFFER, VTL2_PERSISTED_STATE_HEADER, VTL2_PERSISTED_STATE_PROTOBUF,
} from "../../support/loader_defs/memory_vtl_type";
import { fmtRangeDebugPretty } from "../../rt/fmt";

export const E820_RAM: u32 = 1;
export const E820_RESERVED: u32 = 2;
/** E820 entries in the zero page (E820_MAX_ENTRIES_ZEROPAGE). */
export const E820_ZEROPAGE_ENTRIES: i32 = 128;
/** E820 entries in the extension block. */
export const E820_EXT_ENTRIES: i32 = 512;
/** Size of `struct boot_params`. */
export const BOOT_PARAMS_SIZE: i32 = 4096;

// Zero-page offsets (Linux boot protocol).
const BP_EXT_RAMDISK_IMAGE: usize = 0x0c0;
const BP_EXT_RAMDISK_SIZE: usize = 0x0c4;
const BP_E820_ENTRIES: usize = 0x1e8;
const BP_TYPE_OF_LOADER: usize = 0x210;
const BP_RAMDISK_IMAGE: usize = 0x218;
const BP_RAMDISK_SIZE: usize = 0x21c;
const BP_HARDWARE_SUBARCH: usize = 0x23c;
const BP_E820_TABLE: usize = 0x2d0;

/** The E820 map: every entry in order, of which the first `zeroPage` go in the zero page. */
@final
export class E820Map {
  addrs: StaticArray<u64> = new StaticArray<u64>(E820_ZEROPAGE_ENTRIES + E820_EXT_ENTRIES);
  sizes: StaticArray<u64> = new StaticArray<u64>(E820_ZEROPAGE_ENTRIES + E820_EXT_ENTRIES);
  types: StaticArray<u32> = new StaticArray<u32>(E820_ZEROPAGE_ENTRIES + E820_EXT_ENTRIES);
  length: i32 = 0;

  /** Entries in the zero page's e820_table. */
  get zeroPage(): i32 {
    return min(this.length, E820_ZEROPAGE_ENTRIES);
  }

  /** Entries in the E820_EXT setup_data block (0 when it is not used). */
  get ext(): i32 {
    return this.length - this.zeroPage;
  }
}

/**
 * Builds the E820 map: VTL2 RAM as E820_RAM, every reserved VTL2 type as E820_RESERVED; panics
 * on another type, and (as upstream's expect) when more than 640 entries are needed.
 */
export function buildE820Map(space: AddressSpaceManager): E820Map {
  const ranges = new RangeList(MAX_ADDRESS_RANGES);
  space.vtl2Ranges(ranges);
  const map = new E820Map();
  const cap = E820_ZEROPAGE_ENTRIES + E820_EXT_ENTRIES;
  for (let i = 0; i < ranges.length; i++) {
    const t = <u32>ranges.tag(i);
    const s = ranges.start(i);
    const e = ranges.end(i);
    let typ: u32;
    if (t == VTL2_RAM) {
      typ = E820_RAM;
    } else if (t == VTL2_CONFIG || t == VTL2_SIDECAR_IMAGE || t == VTL2_SIDECAR_NODE || t == VTL2_RESERVED
      || t == VTL2_GPA_POOL || t == VTL2_TDX_PAGE_TABLES || t == VTL2_BOOTSHIM_LOG_BUFFER
      || t == VTL2_PERSISTED_STATE_HEADER || t == VTL2_PERSISTED_STATE_PROTOBUF) {
      typ = E820_RESERVED;
    } else {
      panic("unexpected vtl2 ram type " + memoryVtlTypeName(t) + " for range " + fmtRangeDebugPretty(s, e));
      return map;
    }
    if (map.length >= cap) panic("building e820 map must succeed: OutOfE820Entries");
    const k = map.length;
    unchecked((map.addrs[k] = s));
    unchecked((map.sizes[k] = e - s));
    unchecked((map.types[k] = typ));
    map.length = k + 1;
  }
  return map;
}

/**
 * Writes `struct boot_params` (4096 bytes at `page`, zeroed first): loader type 0xff, hardware
 * subarch 1 (the OpenHCL kernel then skips probing VTL0 ROM/BIOS memory), the initrd split into
 * low/high halves, and the zero-page part of the E820 map. Command line and setup_data pointers
 * are shim-internal addresses and stay 0 here.
 */
export function writeBootParams(page: usize, map: E820Map, initrdStart: u64, initrdEnd: u64): void {
  memory.fill(page, 0, <usize>BOOT_PARAMS_SIZE);
  store<u8>(page + BP_TYPE_OF_LOADER, 0xff);
  store<u32>(page + BP_HARDWARE_SUBARCH, 1);
  store<u32>(page + BP_RAMDISK_IMAGE, <u32>initrdStart);
  store<u32>(page + BP_EXT_RAMDISK_IMAGE, <u32>(initrdStart >> 32));
  const initrdLen = initrdEnd - initrdStart;
  store<u32>(page + BP_RAMDISK_SIZE, <u32>initrdLen);
  store<u32>(page + BP_EXT_RAMDISK_SIZE, <u32>(initrdLen >> 32));
  const n = map.zeroPage;
  store<u8>(page + BP_E820_ENTRIES, <u8>n);
  for (let i = 0; i < n; i++) {
    const at = page + BP_E820_TABLE + <usize>i * 20;
    store<u64>(at, unchecked(map.addrs[i]));
    store<u64>(at, unchecked(map.sizes[i]), 8);
    store<u32>(at, unchecked(map.types[i]), 16);
  }
}
