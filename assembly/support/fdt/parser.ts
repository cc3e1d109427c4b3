//! Flattened device tree parser: validates the header and block bounds once, then walks nodes and
//! properties lazily exactly as upstream's iterators do (same errors, found in the same order).
// Ports: support/fdt/src/parser.rs

import {
  FDT_MAGIC, FDT_CURRENT_VERSION, FDT_COMPAT_VERSION, FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP,
  FDT_END, HEADER_SIZE, HDR_MAGIC, HDR_TOTALSIZE, HDR_OFF_DT_STRUCT, HDR_OFF_DT_STRINGS,
  HDR_OFF_MEM_RSVMAP, HDR_VERSION, HDR_LAST_COMP_VERSION, HDR_BOOT_CPUID_PHYS, HDR_SIZE_DT_STRINGS,
  HDR_SIZE_DT_STRUCT, RESERVE_ENTRY_SIZE, PROP_HEADER_SIZE, readBe32, readBe64, align4,
} from "./spec";
import {
  FdtError, FdtErrorKind, cStr, lastStrLen, stringErrorText, stringErrorDebug, strAt, STR_OK, STR_OFFSET,
} from "./error";

// ---- token reader (upstream `read_token`) ---------------------------------------------------

/** Token read failures (upstream `ParseTokenError`), returned as negative codes. */
export const TOK_ERR_UNKNOWN: i32 = -1;
export const TOK_ERR_BUF_LEN: i32 = -2;
export const TOK_ERR_PROP_HEADER: i32 = -3;
export const TOK_ERR_PROP_DATA: i32 = -4;
export const TOK_ERR_BEGIN_NAME: i32 = -5;
export const TOK_ERR_BEGIN_NAME_ALIGNMENT: i32 = -6;

// Outputs of the last `readToken`, as scalars.
let tokNext: usize = 0;
let tokRaw: u32 = 0;
let tokNamePtr: usize = 0;
let tokNameLen: u32 = 0;
let tokDataPtr: usize = 0;
let tokDataLen: u32 = 0;
let tokNameOff: u32 = 0;
let tokStrError: i32 = 0;

/**
 * Reads the token at `pos` (block ends at `end`): returns the token value (FDT_BEGIN_NODE, ...)
 * or a negative TOK_ERR_* code. Sets the position after the token and the token's fields.
 */
function readToken(pos: usize, end: usize): i32 {
  if (end - pos < 4) return TOK_ERR_BUF_LEN;
  const token = readBe32(pos);
  const rest = pos + 4;
  const restLen = <u32>(end - rest);
  if (token == FDT_BEGIN_NODE) {
    const s = cStr(rest, restLen);
    if (s != STR_OK) {
      tokStrError = s;
      return TOK_ERR_BEGIN_NAME;
    }
    const n = lastStrLen();
    const aligned = align4(<u64>n + 1);
    if (aligned > <u64>restLen) return TOK_ERR_BEGIN_NAME_ALIGNMENT;
    tokNamePtr = rest;
    tokNameLen = n;
    tokNext = rest + <usize>aligned;
    return <i32>token;
  }
  if (token == FDT_PROP) {
    if (restLen < PROP_HEADER_SIZE) return TOK_ERR_PROP_HEADER;
    const len = readBe32(rest);
    const nameoff = readBe32(rest + 4);
    const dataLeft = restLen - PROP_HEADER_SIZE;
    const alignedLen = align4(<u64>len);
    if (alignedLen > <u64>dataLeft) return TOK_ERR_PROP_DATA;
    tokDataPtr = rest + PROP_HEADER_SIZE;
    tokDataLen = len;
    tokNameOff = nameoff;
    tokNext = tokDataPtr + <usize>alignedLen;
    return <i32>token;
  }
  if (token == FDT_END_NODE || token == FDT_NOP || token == FDT_END) {
    tokNext = rest;
    return <i32>token;
  }
  tokRaw = token;
  return TOK_ERR_UNKNOWN;
}

/** Display text of a token read failure (upstream `ParseTokenError`). */
function tokenErrorText(code: i32): string {
  if (code == TOK_ERR_UNKNOWN) return "Unknown FDT token " + tokRaw.toString();
  if (code == TOK_ERR_BUF_LEN) return "Buffer too small to read token";
  if (code == TOK_ERR_PROP_HEADER) return "Buffer too small to read property header";
  if (code == TOK_ERR_PROP_DATA) return "Buffer too small to read property data encoded in property header";
  if (code == TOK_ERR_BEGIN_NAME) return "Node name is not valid " + stringErrorText(tokStrError);
  return "Buffer is too small for begin node name alignment";
}

/** Rust Debug of a token read failure (`Unknown(5)`, `BufLen`, `BeginName(Null)`, ...). */
function tokenErrorDebug(code: i32): string {
  if (code == TOK_ERR_UNKNOWN) return "Unknown(" + tokRaw.toString() + ")";
  if (code == TOK_ERR_BUF_LEN) return "BufLen";
  if (code == TOK_ERR_PROP_HEADER) return "PropHeader";
  if (code == TOK_ERR_PROP_DATA) return "PropData";
  if (code == TOK_ERR_BEGIN_NAME) return "BeginName(" + stringErrorDebug(tokStrError) + ")";
  return "BeginNameAlignment";
}

/**
 * Resolves a property name offset in the strings block (upstream `string_from_offset`): STR_OK
 * with `lastStrLen()` set, or a STR_* error code.
 */
export function stringFromOffset(strings: usize, stringsLen: u32, off: u32): i32 {
  if (off > stringsLen) return STR_OFFSET;
  return cStr(strings + off, stringsLen - off);
}

// ---- parser ---------------------------------------------------------------------------------

/** A validated FDT blob: header fields and the bounds of its blocks (upstream `Parser`). */
export class FdtParser {
  /** `totalsize` from the header. */
  totalSize: u32 = 0;
  /** `boot_cpuid_phys` from the header. */
  bootCpuidPhys: u32 = 0;
  /** Structure block, without its final FDT_END token. */
  structStart: usize = 0;
  structEnd: usize = 0;
  /** Strings block. */
  strings: usize = 0;
  stringsLen: u32 = 0;
  /** Memory reservation entries (without the terminating empty entry). */
  rsvStart: usize = 0;
  rsvCount: u32 = 0;

  /** Validates the blob of `len` bytes at `ptr` (upstream `Parser::new`); null when valid. */
  init(ptr: usize, len: u32): FdtError | null {
    if ((ptr & 3) != 0) return FdtError.simple(FdtErrorKind.BufferAlignment);
    if (len < HEADER_SIZE) return FdtError.simple(FdtErrorKind.NoHeader);
    if (readBe32(ptr + HDR_MAGIC) != FDT_MAGIC) return FdtError.simple(FdtErrorKind.HeaderMagic);
    const totalSize = readBe32(ptr + HDR_TOTALSIZE);
    if (totalSize > len) return FdtError.simple(FdtErrorKind.HeaderTotalSize);
    if (readBe32(ptr + HDR_VERSION) < FDT_CURRENT_VERSION || readBe32(ptr + HDR_LAST_COMP_VERSION) > FDT_COMPAT_VERSION) {
      return FdtError.simple(FdtErrorKind.HeaderVersion);
    }
    // The reservation map runs until an all-zero entry, which must lie inside the buffer.
    const rsvOff = readBe32(ptr + HDR_OFF_MEM_RSVMAP);
    if (rsvOff > len) return FdtError.simple(FdtErrorKind.MemoryReservationBlock);
    let at = rsvOff;
    let count: u32 = 0;
    while (true) {
      if (len - at < RESERVE_ENTRY_SIZE) return FdtError.simple(FdtErrorKind.MemoryReservationBlockEnd);
      if (load<u64>(ptr + at) == 0 && load<u64>(ptr + at + 8) == 0) break;
      at += RESERVE_ENTRY_SIZE;
      count++;
    }
    const structOff = readBe32(ptr + HDR_OFF_DT_STRUCT);
    const structLen = readBe32(ptr + HDR_SIZE_DT_STRUCT);
    if ((structOff & 3) != 0) return FdtError.simple(FdtErrorKind.StructureBlockAlignment);
    if (<u64>structOff + <u64>structLen > <u64>len) return FdtError.simple(FdtErrorKind.StructureBlock);
    if (structLen < 4 || readBe32(ptr + structOff + structLen - 4) != FDT_END) {
      return FdtError.simple(FdtErrorKind.FdtEnd);
    }
    const stringsOff = readBe32(ptr + HDR_OFF_DT_STRINGS);
    const stringsLen = readBe32(ptr + HDR_SIZE_DT_STRINGS);
    if (<u64>stringsOff + <u64>stringsLen > <u64>len) return FdtError.simple(FdtErrorKind.StringsBlock);

    this.totalSize = totalSize;
    this.bootCpuidPhys = readBe32(ptr + HDR_BOOT_CPUID_PHYS);
    this.structStart = ptr + structOff;
    this.structEnd = ptr + structOff + structLen - 4;
    this.strings = ptr + stringsOff;
    this.stringsLen = stringsLen;
    this.rsvStart = ptr + rsvOff;
    this.rsvCount = count;
    return null;
  }

  /** The single root node (upstream `Parser::root`); null with `error` set on failure. */
  root(): FdtNode | null {
    const iter = new NodeIter(this.strings, this.stringsLen, this.structStart, this.structEnd);
    const root = iter.next();
    if (root === null) {
      this.error = iter.error !== null ? iter.error : FdtError.simple(FdtErrorKind.RootNode);
      return null;
    }
    // Anything but NOPs after the root (even an unreadable token) is a second root.
    const second = iter.next();
    if (second !== null || iter.error !== null) {
      this.error = FdtError.simple(FdtErrorKind.MultipleRootNodes);
      return null;
    }
    return root;
  }

  /** The error of the last failed `root()`. */
  error: FdtError | null = null;

  /** Address of memory reservation `i` (i < rsvCount). */
  reservationAddress(i: u32): u64 {
    return readBe64(this.rsvStart + <usize>i * RESERVE_ENTRY_SIZE);
  }

  /** Size of memory reservation `i` (i < rsvCount). */
  reservationSize(i: u32): u64 {
    return readBe64(this.rsvStart + <usize>i * RESERVE_ENTRY_SIZE + 8);
  }
}

// ---- nodes ----------------------------------------------------------------------------------

/** One node: its name, its property tokens and its children's tokens (upstream `Node`). */
export class FdtNode {
  constructor(
    public readonly namePtr: usize,
    public readonly nameLen: u32,
    public readonly strings: usize,
    public readonly stringsLen: u32,
    public readonly propsStart: usize,
    public readonly propsEnd: usize,
    public readonly childrenStart: usize,
    public readonly childrenEnd: usize,
  ) {}

  /** The node's name. */
  name(): string {
    return strAt(this.namePtr, this.nameLen);
  }

  /** Iterator over the node's children. */
  children(): NodeIter {
    return new NodeIter(this.strings, this.stringsLen, this.childrenStart, this.childrenEnd);
  }

  /** Iterator over the node's properties. */
  properties(): PropertyIter {
    return new PropertyIter(this);
  }

  /** Error of the last failed `findProperty`. */
  error: FdtError | null = null;

  /**
   * The first property named `name` (upstream `find_property`): null when absent; null with
   * `error` set when a property before it cannot be read.
   */
  findProperty(name: string): FdtProperty | null {
    this.error = null;
    const it = new PropertyIter(this);
    while (true) {
      const p = it.next();
      if (p === null) {
        this.error = it.error;
        return null;
      }
      if (p.nameIs(name)) return p;
    }
  }
}

/** Iterator over sibling nodes in a token range (upstream `NodeIter`). */
export class NodeIter {
  /** Set when `next` stopped on an error. */
  error: FdtError | null = null;

  constructor(
    private readonly strings: usize,
    private readonly stringsLen: u32,
    private pos: usize,
    private readonly end: usize,
  ) {}

  /** The next node; null at the end or on error (then `error` is set). */
  next(): FdtNode | null {
    while (this.pos < this.end) {
      const t = readToken(this.pos, this.end);
      if (t < 0) return this.fail(FdtError.nodeTokenParse(tokenErrorText(t), tokenErrorDebug(t)));
      if (t == <i32>FDT_NOP) {
        this.pos = tokNext;
        continue;
      }
      if (t != <i32>FDT_BEGIN_NODE) return this.fail(FdtError.nodeToken(FdtErrorKind.NodeBegin, <u32>t));
      const namePtr = tokNamePtr;
      const nameLen = tokNameLen;
      const propsStart = tokNext;
      // Properties run until the first child or the node's end.
      let p = propsStart;
      while (true) {
        const k = readToken(p, this.end);
        if (k < 0) return this.fail(FdtError.nodeTokenParse(tokenErrorText(k), tokenErrorDebug(k)));
        if (k == <i32>FDT_BEGIN_NODE || k == <i32>FDT_END_NODE) break;
        if (k != <i32>FDT_PROP && k != <i32>FDT_NOP) return this.fail(FdtError.nodeToken(FdtErrorKind.NodeProp, <u32>k));
        p = tokNext;
      }
      const propsEnd = p;
      // Children run until the END_NODE that balances this node's BEGIN_NODE.
      let c = propsEnd;
      let depth: u32 = 0;
      while (true) {
        const k = readToken(c, this.end);
        if (k < 0) return this.fail(FdtError.nodeTokenParse(tokenErrorText(k), tokenErrorDebug(k)));
        if (k == <i32>FDT_END_NODE) {
          if (depth == 0) break;
          depth--;
        } else if (k == <i32>FDT_BEGIN_NODE) {
          depth++;
        } else if (k != <i32>FDT_PROP && k != <i32>FDT_NOP) {
          return this.fail(FdtError.nodeToken(FdtErrorKind.NodeChildren, <u32>k));
        }
        c = tokNext;
      }
      this.pos = c + 4; // past the END_NODE
      return new FdtNode(namePtr, nameLen, this.strings, this.stringsLen, propsStart, propsEnd, propsEnd, c);
    }
    return null;
  }

  private fail(e: FdtError): FdtNode | null {
    this.error = e;
    this.pos = this.end;
    return null;
  }
}

// ---- properties -----------------------------------------------------------------------------

/** Iterator over a node's properties (upstream `PropertyIter`). */
export class PropertyIter {
  /** Set when `next` stopped on an error. */
  error: FdtError | null = null;
  private pos: usize;

  constructor(private readonly node: FdtNode) {
    this.pos = node.propsStart;
  }

  /** The next property; null at the end or on error (then `error` is set). */
  next(): FdtProperty | null {
    const node = this.node;
    while (this.pos < node.propsEnd) {
      const t = readToken(this.pos, node.propsEnd);
      if (t < 0) return this.fail(FdtError.propertyTokenParse(node.name(), tokenErrorText(t), tokenErrorDebug(t)));
      if (t == <i32>FDT_NOP) {
        this.pos = tokNext;
        continue;
      }
      if (t != <i32>FDT_PROP) return this.fail(FdtError.propertyToken(node.name(), <u32>t));
      const s = stringFromOffset(node.strings, node.stringsLen, tokNameOff);
      if (s != STR_OK) return this.fail(FdtError.propertyNameStr(node.name(), stringErrorText(s), stringErrorDebug(s)));
      this.pos = tokNext;
      return new FdtProperty(node.namePtr, node.nameLen, node.strings + tokNameOff, lastStrLen(), tokDataPtr, tokDataLen);
    }
    return null;
  }

  private fail(e: FdtError): FdtProperty | null {
    this.error = e;
    this.pos = this.node.propsEnd;
    return null;
  }
}

/** Property read outcome: ok. */
export const READ_OK: i32 = 0;
/** Property read outcome: data length not a multiple of the element size. */
export const READ_TYPE_BUFFER: i32 = 1;
/** Property read outcome: element index past the data. */
export const READ_OFFSET: i32 = 2;

/** Checks an element read of `size` bytes at `index` from `len` bytes of data (upstream `read_val`). */
@inline export function checkRead(len: u32, size: u32, index: u32): i32 {
  if (len % size != 0) return READ_TYPE_BUFFER;
  if (index >= len / size) return READ_OFFSET;
  return READ_OK;
}

/** The error for a failed `checkRead`. */
export function readError(code: i32, nodeName: string, propName: string): FdtError {
  return code == READ_TYPE_BUFFER ? FdtError.dataTypeBuffer(nodeName, propName) : FdtError.offset(nodeName, propName);
}

/** One property: its node's name, its name and its raw data (upstream `Property`). */
export class FdtProperty {
  /** Set when the last read failed. */
  error: FdtError | null = null;

  constructor(
    public readonly nodeNamePtr: usize,
    public readonly nodeNameLen: u32,
    public readonly namePtr: usize,
    public readonly nameLen: u32,
    public readonly dataPtr: usize,
    public readonly dataLen: u32,
  ) {}

  /** The property's name. */
  name(): string {
    return strAt(this.namePtr, this.nameLen);
  }

  /** True when the property is named `name`. */
  nameIs(name: string): bool {
    if (<u32>name.length != this.nameLen) return false;
    for (let i: u32 = 0; i < this.nameLen; i++) {
      if (<u32>load<u8>(this.namePtr + i) != <u32>name.charCodeAt(<i32>i)) return false;
    }
    return true;
  }

  private failRead(code: i32): void {
    this.error = readError(code, strAt(this.nodeNamePtr, this.nodeNameLen), this.name());
  }

  /** The big-endian u32 at element `index`; 0 with `error` set on failure. */
  readU32(index: u32): u32 {
    this.error = null;
    const c = checkRead(this.dataLen, 4, index);
    if (c != READ_OK) {
      this.failRead(c);
      return 0;
    }
    return readBe32(this.dataPtr + <usize>index * 4);
  }

  /** The big-endian u64 at element `index`; 0 with `error` set on failure. */
  readU64(index: u32): u64 {
    this.error = null;
    const c = checkRead(this.dataLen, 8, index);
    if (c != READ_OK) {
      this.failRead(c);
      return 0;
    }
    return readBe64(this.dataPtr + <usize>index * 8);
  }

  /** The data as a NUL-terminated UTF-8 string; "" with `error` set on failure. */
  readStr(): string {
    this.error = null;
    const s = cStr(this.dataPtr, this.dataLen);
    if (s != STR_OK) {
      this.error = FdtError.propertyStr(strAt(this.nodeNamePtr, this.nodeNameLen), stringErrorText(s), stringErrorDebug(s));
      return "";
    }
    return strAt(this.dataPtr, lastStrLen());
  }

  /** Number of u64 values in the data (upstream `as_64_list`); -1 with `error` set when not whole. */
  u64Count(): i32 {
    this.error = null;
    if (this.dataLen % 8 != 0) {
      this.failRead(READ_TYPE_BUFFER);
      return -1;
    }
    return <i32>(this.dataLen / 8);
  }
}
