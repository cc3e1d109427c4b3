//! What each host device tree node means to openhcl_boot: one handler per node kind, checking
//! properties in upstream's order so the first error is upstream's first error. Handlers read
//! properties through `find`, which either returns what the single-pass walk collected or runs
//! upstream's lazy property search (see walk.ts).
// Ports: openhcl/host_fdt_parser/src/lib.rs (parse_inner's match arms, parse_compatible,
// parse_vmbus, parse_simple_bus, parse_io_bus, parse_pmu_gsiv, validate_property_*)

import { FdtNode, checkRead, readError, READ_OK } from "../fdt/parser";
import { readBe32, readBe64 } from "../fdt/spec";
import { cStr, lastStrLen, stringErrorText, stringErrorDebug, strAt, bytesEq, STR_OK } from "../fdt/error";
import { FdtError } from "../fdt/error";
import { panic } from "../../rt/panic";
import { fmtInvalidRangeDebug } from "../../rt/fmt";
import { ParsedDeviceTree, VmbusInfo, GicInfo } from "./host_fdt_parser";
import { MAX_CPU_ENTRIES, MAX_COMMAND_LINE_SIZE, MAX_ENTROPY_SIZE, COM3_REG_BASE } from "./limits";
import {
  HostDtParseError, errProp, errPropMissing, errPropInvalidU32, errPropInvalidStr, errTooManyCpus,
  errMemoryRegUnaligned, errUnexpectedMemoryAllocationMode, errCmdlineSize, errUnexpectedVmbusVtl,
  errMultipleVmbusNode, errVmbusRangesChildParent, errVmbusRangesNotAligned, errTooManyVmbusMmioRanges,
  errVmbusMmioOverlapsVmbusMmio,
} from "./error";
import { MemoryTable } from "./memory_table";
import {
  P_ADDRESS_CELLS, P_SIZE_CELLS, P_STATUS, P_REG, P_NUMA_NODE_ID, P_MEMORY_ALLOCATION_MODE, P_MEMORY_SIZE,
  P_MMIO_SIZE, P_VTL0_ALIAS_MAP, P_DEVICE_TYPES, P_TOTAL_PAGES, P_IGVM_TYPE, P_BOOTARGS, P_COMPATIBLE,
  P_REDISTRIBUTOR_REGIONS, P_INTERRUPT_CELLS, P_REDISTRIBUTOR_STRIDE, P_RANGES, P_VTL, P_CONNECTION_ID,
  P_CURRENT_SPEED, P_INTERRUPTS, propName, slotFind, SLOT_PTR, SLOT_LEN,
} from "./prop_names";

// ---- node kinds ----------------------------------------------------------------------------
export const K_IGNORE: i32 = 0;
export const K_CPUS: i32 = 1;
export const K_OPENHCL: i32 = 2;
export const K_MEMORY: i32 = 3;
export const K_CHOSEN: i32 = 4;
export const K_INTC: i32 = 5;
export const K_OTHER: i32 = 6;
export const K_CPU: i32 = 7;
export const K_ENTROPY: i32 = 8;
export const K_KEEP_ALIVE: i32 = 9;
export const K_DEVICE_DMA: i32 = 10;
export const K_BUS_CHILD: i32 = 11;
export const K_IO_CHILD: i32 = 12;

/** What a root child's children are to the parser. */
export const CH_NONE: i32 = 0;
export const CH_CPUS: i32 = 1;
export const CH_OPENHCL: i32 = 2;
export const CH_SIMPLE_BUS: i32 = 3;
export const CH_IO_BUS: i32 = 4;

/** Kind of a root child from its name (the order of upstream's match arms). */
export function classifyRootChild(ptr: usize, len: u32): i32 {
  if (bytesEq(ptr, len, "cpus")) return K_CPUS;
  if (bytesEq(ptr, len, "openhcl")) return K_OPENHCL;
  if (len >= 7 && bytesEq(ptr, 7, "memory@")) return K_MEMORY;
  if (bytesEq(ptr, len, "chosen")) return K_CHOSEN;
  if (len >= 5 && bytesEq(ptr, 5, "intc@")) return K_INTC;
  return K_OTHER;
}

/** Kind of a grandchild of the root from its parent's child mode and its name. */
export function classifyGrandchild(mode: i32, ptr: usize, len: u32): i32 {
  if (mode == CH_CPUS) return K_CPU;
  if (mode == CH_SIMPLE_BUS) return K_BUS_CHILD;
  if (mode == CH_IO_BUS) return K_IO_CHILD;
  if (mode == CH_OPENHCL) {
    if (bytesEq(ptr, len, "entropy")) return K_ENTROPY;
    if (bytesEq(ptr, len, "keep-alive")) return K_KEEP_ALIVE;
    if (bytesEq(ptr, len, "device-dma")) return K_DEVICE_DMA;
  }
  return K_IGNORE;
}

/** find() outcomes. */
export const FOUND: i32 = 1;
export const MISSING: i32 = 0;
export const FIND_ERROR: i32 = -1;

/** Handler state shared by the fast and the upstream-order walks. */
export class NodeHandlers {
  /** First error; handlers stop once it is set. */
  err: HostDtParseError | null = null;
  /** A panic the fast walk defers until the blob's structure is known to be valid. */
  panicMessage: string | null = null;
  /** True: properties come from upstream's lazy search on `node`; false: from the slots. */
  lazy: bool = false;
  node: FdtNode | null = null;
  namePtr: usize = 0;
  nameLen: u32 = 0;
  /** Data of the last property found. */
  pPtr: usize = 0;
  pLen: u32 = 0;
  /** The last string read. */
  sPtr: usize = 0;
  sLen: u32 = 0;
  /** `#address-cells` of `/cpus`. */
  cpuAddressCells: u32 = 0;
  readonly memory: MemoryTable;

  constructor(public readonly tree: ParsedDeviceTree) {
    this.memory = new MemoryTable(tree);
  }

  /** Makes the node at `ptr`/`len` (name) current; `node` is its lazy view in upstream order. */
  @inline setNode(ptr: usize, len: u32, node: FdtNode | null): void {
    this.namePtr = ptr;
    this.nameLen = len;
    this.node = node;
  }

  /** The current node's name. */
  nodeName(): string {
    return strAt(this.namePtr, this.nameLen);
  }

  /** Looks up property `id` of the current node: FOUND (pPtr/pLen set), MISSING or FIND_ERROR. */
  find(id: i32): i32 {
    if (!this.lazy) {
      const o = <usize>id << 2;
      if (!slotFind(id)) return MISSING;
      this.pPtr = <usize>load<u32>(SLOT_PTR + o);
      this.pLen = load<u32>(SLOT_LEN + o);
      return FOUND;
    }
    const node = this.node!;
    const p = node.findProperty(propName(id));
    if (p === null) {
      const e = node.error;
      if (e !== null) {
        this.err = errProp(e);
        return FIND_ERROR;
      }
      return MISSING;
    }
    this.pPtr = p.dataPtr;
    this.pLen = p.dataLen;
    return FOUND;
  }

  /** `find` for a required property: false (with the error set) unless found. */
  require(id: i32): bool {
    const r = this.find(id);
    if (r == FOUND) return true;
    if (r == MISSING) this.err = errPropMissing(this.nodeName(), propName(id));
    return false;
  }

  /** The u32 at `index` of property `id`'s data `ptr`/`len`; sets `err` on failure. */
  readU32(ptr: usize, len: u32, id: i32, index: u32): u32 {
    const c = checkRead(len, 4, index);
    if (c != READ_OK) {
      this.err = errProp(readError(c, this.nodeName(), propName(id)));
      return 0;
    }
    return readBe32(ptr + (<usize>index << 2));
  }

  /** The u64 at `index` of property `id`'s data `ptr`/`len`; sets `err` on failure. */
  readU64(ptr: usize, len: u32, id: i32, index: u32): u64 {
    const c = checkRead(len, 8, index);
    if (c != READ_OK) {
      this.err = errProp(readError(c, this.nodeName(), propName(id)));
      return 0;
    }
    return readBe64(ptr + (<usize>index << 3));
  }

  /** Reads the found property as a string into sPtr/sLen; sets `err` on failure. */
  readStr(): bool {
    const s = cStr(this.pPtr, this.pLen);
    if (s != STR_OK) {
      this.err = errProp(FdtError.propertyStr(this.nodeName(), stringErrorText(s), stringErrorDebug(s)));
      return false;
    }
    this.sPtr = this.pPtr;
    this.sLen = lastStrLen();
    return true;
  }

  /** Optional string property `id` (upstream `.map(read_str).transpose()?.unwrap_or("")`). */
  optionalStr(id: i32): bool {
    const r = this.find(id);
    if (r == FIND_ERROR) return false;
    if (r == MISSING) {
      this.sPtr = 0;
      this.sLen = 0;
      return true;
    }
    return this.readStr();
  }

  /** Upstream `expect("valid range")` on a wrapped `base + len`: panics (deferred in the fast walk). */
  rangePanic(start: u64, end: u64): void {
    const msg = "valid range: " + fmtInvalidRangeDebug(start, end);
    if (this.lazy) panic(msg);
    this.panicMessage = msg;
  }

  /** True once an error or a panic stopped the handlers. */
  @inline get stopped(): bool {
    return this.err !== null || this.panicMessage !== null;
  }

  // ---- root children ----------------------------------------------------------------------

  /** Handles the properties of a root child; returns how to treat its children. */
  rootChild(kind: i32): i32 {
    if (kind == K_CPUS) return this.cpus();
    if (kind == K_OPENHCL) return this.openhcl();
    if (kind == K_MEMORY) this.memoryNode();
    else if (kind == K_CHOSEN) this.chosen();
    else if (kind == K_INTC) this.intc();
    else if (kind == K_OTHER) return this.compatible();
    return CH_NONE;
  }

  /** Handles a grandchild of the root of kind `kind`. */
  grandchild(kind: i32): void {
    if (kind == K_CPU) this.cpu();
    else if (kind == K_ENTROPY) this.entropy();
    else if (kind == K_KEEP_ALIVE) this.keepAlive();
    else if (kind == K_DEVICE_DMA) this.deviceDma();
    else if (kind == K_BUS_CHILD) this.busChild();
    else if (kind == K_IO_CHILD) this.ioChild();
  }

  private cpus(): i32 {
    if (!this.require(P_ADDRESS_CELLS)) return CH_NONE;
    const cells = this.readU32(this.pPtr, this.pLen, P_ADDRESS_CELLS, 0);
    if (this.err !== null) return CH_NONE;
    // arm64 MPIDR values take up to two cells
    if (cells > 2) {
      this.err = errPropInvalidU32(this.nodeName(), "#address-cells", 2, cells);
      return CH_NONE;
    }
    this.cpuAddressCells = cells;
    return CH_CPUS;
  }

  private cpu(): void {
    if (!this.require(P_STATUS)) return;
    // fast path for the common `status = "okay"` (exactly "okay\0"); anything else takes the
    // general string read, with its errors
    if (!(this.pLen == 5 && load<u32>(this.pPtr) == 0x79616b6f && load<u8>(this.pPtr + 4) == 0)) {
      if (!this.readStr()) return;
      if (!bytesEq(this.sPtr, this.sLen, "okay")) return;
    }
    if (!this.require(P_REG)) return;
    const reg: u64 = this.cpuAddressCells == 1
      ? <u64>this.readU32(this.pPtr, this.pLen, P_REG, 0)
      : this.readU64(this.pPtr, this.pLen, P_REG, 0);
    if (this.err !== null) return;
    if (!this.require(P_NUMA_NODE_ID)) return;
    const vnode = this.readU32(this.pPtr, this.pLen, P_NUMA_NODE_ID, 0);
    if (this.err !== null) return;
    const t = this.tree;
    const n = t.cpuCount;
    if (n >= MAX_CPU_ENTRIES) {
      this.err = errTooManyCpus();
      return;
    }
    unchecked((t.cpuRegs[n] = reg));
    unchecked((t.cpuVnodes[n] = vnode));
    t.cpuCount = n + 1;
  }

  /** An optional u64 property at index 0: FOUND with the value in `optValue`, MISSING, FIND_ERROR. */
  private optionalU64(id: i32): i32 {
    const r = this.find(id);
    if (r != FOUND) return r;
    this.optValue = this.readU64(this.pPtr, this.pLen, id, 0);
    return this.err !== null ? FIND_ERROR : FOUND;
  }
  private optValue: u64 = 0;

  private openhcl(): i32 {
    if (!this.require(P_MEMORY_ALLOCATION_MODE) || !this.readStr()) return CH_NONE;
    const mode = this.tree.memoryAllocationMode;
    if (bytesEq(this.sPtr, this.sLen, "host")) {
      mode.vtl2 = false;
      mode.hasMemorySize = false;
      mode.hasMmioSize = false;
      mode.memorySize = 0;
      mode.mmioSize = 0;
    } else if (bytesEq(this.sPtr, this.sLen, "vtl2")) {
      const m = this.optionalU64(P_MEMORY_SIZE);
      if (m == FIND_ERROR) return CH_NONE;
      const memorySize = this.optValue;
      const k = this.optionalU64(P_MMIO_SIZE);
      if (k == FIND_ERROR) return CH_NONE;
      mode.vtl2 = true;
      mode.hasMemorySize = m == FOUND;
      mode.memorySize = m == FOUND ? memorySize : 0;
      mode.hasMmioSize = k == FOUND;
      mode.mmioSize = k == FOUND ? this.optValue : 0;
    } else {
      this.err = errUnexpectedMemoryAllocationMode(strAt(this.sPtr, this.sLen));
      return CH_NONE;
    }
    const a = this.optionalU64(P_VTL0_ALIAS_MAP);
    if (a == FIND_ERROR) return CH_NONE;
    this.tree.hasVtl0AliasMap = a == FOUND;
    this.tree.vtl0AliasMap = a == FOUND ? this.optValue : 0;
    return CH_OPENHCL;
  }

  private entropy(): void {
    if (!this.require(P_REG)) return;
    // upstream keeps at most MAX_ENTROPY_SIZE bytes of what the host provides
    const n = this.pLen < <u32>MAX_ENTROPY_SIZE ? this.pLen : <u32>MAX_ENTROPY_SIZE;
    memory.copy(changetype<usize>(this.tree.entropyBytes), this.pPtr, <usize>n);
    this.tree.entropyLen = <i32>n;
    this.tree.hasEntropy = true;
  }

  private keepAlive(): void {
    // Optional: any failure to find or read the property means "no keep-alive".
    const r = this.find(P_DEVICE_TYPES);
    this.err = null;
    let nvme = false;
    if (r == FOUND && cStr(this.pPtr, this.pLen) == STR_OK) nvme = bytesEq(this.pPtr, lastStrLen(), "nvme");
    this.tree.nvmeKeepalive = nvme;
  }

  private deviceDma(): void {
    // Optional: any failure to find or read the property means "no hint".
    const r = this.find(P_TOTAL_PAGES);
    this.err = null;
    const t = this.tree;
    if (r == FOUND && checkRead(this.pLen, 8, 0) == READ_OK) {
      t.deviceDmaPageCount = readBe64(this.pPtr);
      t.hasDeviceDmaPageCount = true;
    } else {
      t.deviceDmaPageCount = 0;
      t.hasDeviceDmaPageCount = false;
    }
  }

  private memoryNode(): void {
    let memType: u32 = 0; // MEMORY unless the node says otherwise
    const r = this.find(P_IGVM_TYPE);
    if (r == FIND_ERROR) return;
    if (r == FOUND) {
      memType = this.readU32(this.pPtr, this.pLen, P_IGVM_TYPE, 0) & 0xffff;
      if (this.err !== null) return;
    }
    if (!this.require(P_REG)) return;
    const regPtr = this.pPtr;
    const regLen = this.pLen;
    if (!this.require(P_NUMA_NODE_ID)) return;
    const vnode = this.readU32(this.pPtr, this.pLen, P_NUMA_NODE_ID, 0);
    if (this.err !== null) return;
    const count = regLen / 16;
    for (let i: u32 = 0; i < count; i++) {
      const base = this.readU64(regPtr, regLen, P_REG, i * 2);
      if (this.err !== null) return;
      const len = this.readU64(regPtr, regLen, P_REG, i * 2 + 1);
      if (this.err !== null) return;
      if ((base & 0xfff) != 0 || (len & 0xfff) != 0) {
        this.err = errMemoryRegUnaligned(this.nodeName(), base, len);
        return;
      }
      const end = base + len;
      if (end < base) {
        this.rangePanic(base, end);
        return;
      }
      const e = this.memory.insert(base, end, memType, vnode);
      if (e !== null) {
        this.err = e;
        return;
      }
    }
  }

  private chosen(): void {
    if (!this.optionalStr(P_BOOTARGS)) return;
    const t = this.tree;
    const n = <i32>this.sLen;
    if (t.commandLineLen + n > MAX_COMMAND_LINE_SIZE) {
      this.err = errCmdlineSize();
      return;
    }
    memory.copy(changetype<usize>(t.commandLineBytes) + <usize>t.commandLineLen, this.sPtr, <usize>n);
    t.commandLineLen += n;
  }

  private expectStr(id: i32, expected: string): bool {
    if (!this.require(id) || !this.readStr()) return false;
    if (!bytesEq(this.sPtr, this.sLen, expected)) {
      this.err = errPropInvalidStr(this.nodeName(), propName(id), expected, strAt(this.sPtr, this.sLen));
      return false;
    }
    return true;
  }

  private expectU32(id: i32, expected: u32): bool {
    if (!this.require(id)) return false;
    const v = this.readU32(this.pPtr, this.pLen, id, 0);
    if (this.err !== null) return false;
    if (v != expected) {
      this.err = errPropInvalidU32(this.nodeName(), propName(id), expected, v);
      return false;
    }
    return true;
  }

  private intc(): void {
    if (!this.expectStr(P_COMPATIBLE, "arm,gic-v3")) return;
    if (!this.expectU32(P_REDISTRIBUTOR_REGIONS, 1)) return;
    if (!this.expectU32(P_ADDRESS_CELLS, 2)) return;
    if (!this.expectU32(P_SIZE_CELLS, 2)) return;
    if (!this.expectU32(P_INTERRUPT_CELLS, 3)) return;
    if (!this.require(P_REDISTRIBUTOR_STRIDE)) return;
    const stride = this.readU64(this.pPtr, this.pLen, P_REDISTRIBUTOR_STRIDE, 0);
    if (this.err !== null) return;
    if (!this.require(P_REG)) return;
    const p = this.pPtr;
    const l = this.pLen;
    const distBase = this.readU64(p, l, P_REG, 0);
    if (this.err !== null) return;
    const distSize = this.readU64(p, l, P_REG, 1);
    if (this.err !== null) return;
    const redistBase = this.readU64(p, l, P_REG, 2);
    if (this.err !== null) return;
    const redistSize = this.readU64(p, l, P_REG, 3);
    if (this.err !== null) return;
    this.tree.gic = new GicInfo(distBase, distSize, redistBase, redistSize, stride);
  }

  /** Root children matched by `compatible` (upstream `parse_compatible`). */
  private compatible(): i32 {
    if (!this.optionalStr(P_COMPATIBLE)) return CH_NONE;
    const cp = this.sPtr;
    const cl = this.sLen;
    if (bytesEq(cp, cl, "simple-bus")) {
      // VMBus is only looked for under a simple-bus with empty ranges.
      if (!this.require(P_RANGES)) return CH_NONE;
      return this.pLen == 0 ? CH_SIMPLE_BUS : CH_NONE;
    }
    if (bytesEq(cp, cl, "x86-pio-bus")) return CH_IO_BUS;
    if (bytesEq(cp, cl, "arm,armv8-pmuv3")) this.pmu();
    return CH_NONE;
  }

  private pmu(): void {
    if (!this.require(P_INTERRUPTS)) return;
    const p = this.pPtr;
    const l = this.pLen;
    if (l < 12) {
      this.err = errPropInvalidU32(this.nodeName(), "interrupts size", 12, l);
      return;
    }
    // The PMU interrupt must be a PPI (type 1) with an index below 16.
    const kind = this.readU32(p, l, P_INTERRUPTS, 0);
    if (this.err !== null) return;
    if (kind != 1) {
      this.err = errPropInvalidU32(this.nodeName(), "interrupts", 1, kind);
      return;
    }
    const id = this.readU32(p, l, P_INTERRUPTS, 1);
    if (this.err !== null) return;
    if (id >= 16) {
      this.err = errPropInvalidU32(this.nodeName(), "interrupts", 16, id);
      return;
    }
    this.tree.pmuGsiv = 16 + id;
    this.tree.hasPmuGsiv = true;
  }

  private busChild(): void {
    if (!this.optionalStr(P_COMPATIBLE)) return;
    if (!bytesEq(this.sPtr, this.sLen, "microsoft,vmbus")) return;
    if (!this.require(P_VTL)) return;
    const vtl = this.readU32(this.pPtr, this.pLen, P_VTL, 0);
    if (this.err !== null) return;
    if (vtl != 0 && vtl != 2) {
      this.err = errUnexpectedVmbusVtl(this.nodeName(), vtl);
      return;
    }
    const info = this.vmbus();
    if (info === null) return;
    const t = this.tree;
    const had = vtl == 0 ? t.vmbusVtl0 !== null : t.vmbusVtl2 !== null;
    if (vtl == 0) t.vmbusVtl0 = info;
    else t.vmbusVtl2 = info;
    if (had) this.err = errMultipleVmbusNode(this.nodeName());
  }

  /** Upstream `parse_vmbus`: null with `err` (or a deferred panic) on failure. */
  private vmbus(): VmbusInfo | null {
    if (!this.expectCells(P_ADDRESS_CELLS) || !this.expectCells(P_SIZE_CELLS)) return null;
    const info = new VmbusInfo();
    const r = this.find(P_RANGES);
    if (r == FIND_ERROR) return null;
    if (r == FOUND) {
      const p = this.pPtr;
      const l = this.pLen;
      const n = l / 24;
      if (n > 2) {
        this.err = errTooManyVmbusMmioRanges(this.nodeName(), n);
        return null;
      }
      for (let i: u32 = 0; i < n; i++) {
        const child = this.readU64(p, l, P_RANGES, i * 3);
        if (this.err !== null) return null;
        const parent = this.readU64(p, l, P_RANGES, i * 3 + 1);
        if (this.err !== null) return null;
        const len = this.readU64(p, l, P_RANGES, i * 3 + 2);
        if (this.err !== null) return null;
        if (child != parent) {
          this.err = errVmbusRangesChildParent(this.nodeName(), child, parent);
          return null;
        }
        if ((child & 0xfff) != 0 || (len & 0xfff) != 0) {
          this.err = errVmbusRangesNotAligned(this.nodeName(), child, len);
          return null;
        }
        const end = child + len;
        if (end < child) {
          this.rangePanic(child, end);
          return null;
        }
        if (i == 0) {
          info.mmioStart0 = child;
          info.mmioEnd0 = end;
        } else {
          info.mmioStart1 = child;
          info.mmioEnd1 = end;
        }
      }
      info.mmioCount = <i32>n;
      // The host may list the high gap first.
      if (n > 1 && info.mmioStart0 > info.mmioStart1) {
        const s = info.mmioStart0;
        const e = info.mmioEnd0;
        info.mmioStart0 = info.mmioStart1;
        info.mmioEnd0 = info.mmioEnd1;
        info.mmioStart1 = s;
        info.mmioEnd1 = e;
      }
      if (n > 1 && info.mmioEnd0 > info.mmioStart1 && info.mmioStart0 < info.mmioEnd1) {
        this.err = errVmbusMmioOverlapsVmbusMmio(info.mmioStart0, info.mmioEnd0, info.mmioStart1, info.mmioEnd1);
        return null;
      }
    }
    if (!this.require(P_CONNECTION_ID)) return null;
    info.connectionId = this.readU32(this.pPtr, this.pLen, P_CONNECTION_ID, 0);
    if (this.err !== null) return null;
    return info;
  }

  private expectCells(id: i32): bool {
    if (!this.require(id)) return false;
    const v = this.readU32(this.pPtr, this.pLen, id, 0);
    if (this.err !== null) return false;
    if (v != 2) {
      this.err = errPropInvalidU32(this.nodeName(), propName(id), 2, v);
      return false;
    }
    return true;
  }

  private ioChild(): void {
    if (!this.optionalStr(P_COMPATIBLE)) return;
    const cp = this.sPtr;
    const cl = this.sLen;
    if (!this.require(P_CURRENT_SPEED)) return;
    this.readU32(this.pPtr, this.pLen, P_CURRENT_SPEED, 0);
    if (this.err !== null) return;
    if (!this.require(P_REG)) return;
    const base = this.readU64(this.pPtr, this.pLen, P_REG, 0);
    if (this.err !== null) return;
    this.readU64(this.pPtr, this.pLen, P_REG, 1);
    if (this.err !== null) return;
    // The Linux kernel only finds COM3 at its fixed port.
    if (bytesEq(cp, cl, "ns16550") && base == COM3_REG_BASE) this.tree.com3SerialAvailable = true;
  }
}
