//! The two walks over a host device tree. The fast walk reads the structure block once, checking
//! that it is strictly well formed (one root, properties before children, readable tokens and
//! names) while it hands each node's properties to the handlers. Any irregularity sends the parse
//! to the upstream-order walk, which uses upstream's lazy node and property iterators and so
//! reports exactly upstream's first error. On a strictly well-formed blob both give the same result.
// Ports: openhcl/host_fdt_parser/src/lib.rs (parse_inner)

import { FdtParser, stringFromOffset } from "../fdt/parser";
import { FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, readBe32, align4 } from "../fdt/spec";
import { lastStrLen, STR_OK } from "../fdt/error";
import { panic } from "../../rt/panic";
import { ParsedDeviceTree } from "./host_fdt_parser";
import {
  HostDtParseError, errDt, errNode, errMemoryRegOverlap, errVmbusMmioOverlapsRam, errVmbusMmioOverlapsVmbusMmio,
} from "./error";
import { NodeHandlers, classifyRootChild, classifyGrandchild, K_IGNORE, CH_NONE, CH_OPENHCL } from "./nodes";
import { slotsNewNode, slotRecord, propNameId } from "./prop_names";

// Property-name cache of the fast walk, by name offset: 0 unknown, 1 invalid name, 2 a name the
// parser does not use, 3 + id for property id.
const NAME_CACHE_CAP: u32 = 4096;
const NAME_CACHE: usize = memory.data(<i32>NAME_CACHE_CAP);
const NAME_INVALID: u32 = 1;
const NAME_UNUSED: u32 = 2;
const NAME_ID_BASE: u32 = 3;

let walkStrings: usize = 0;
let walkStringsLen: u32 = 0;
// Offsets below this were cleared for the current blob; entries at or above it may be left over
// from an earlier blob (with a longer strings block) and are never trusted.
let walkCacheLimit: u32 = 0;

function classifyName(off: u32): u32 {
  if (stringFromOffset(walkStrings, walkStringsLen, off) != STR_OK) return NAME_INVALID;
  const ptr = walkStrings + off;
  const len = lastStrLen();
  const id = propNameId(ptr, len);
  return id < 0 ? NAME_UNUSED : NAME_ID_BASE + <u32>id;
}

@inline function resolveName(off: u32): u32 {
  if (off < walkCacheLimit) {
    const c = <u32>load<u8>(NAME_CACHE + off);
    if (c != 0) return c;
    const k = classifyName(off);
    store<u8>(NAME_CACHE + off, <u8>k);
    return k;
  }
  return classifyName(off);
}

/**
 * Parses the host device tree at `ptr`/`len` into `tree`; `upstreamOrder` skips the fast walk
 * (tests compare the two walks).
 */
export function parseHostDeviceTree(ptr: usize, len: u32, tree: ParsedDeviceTree, upstreamOrder: bool): HostDtParseError | null {
  tree.clear();
  const parser = new FdtParser();
  const e = parser.init(ptr, len);
  if (e !== null) return errDt(e);

  if (!upstreamOrder) {
    const h = new NodeHandlers(tree);
    if (fastWalk(h, parser)) {
      if (h.panicMessage !== null) panic(h.panicMessage!);
      if (h.err !== null) return h.err;
      return finish(h, parser);
    }
    tree.clear();
  }
  const h = new NodeHandlers(tree);
  h.lazy = true;
  const err = upstreamWalk(h, parser);
  if (err !== null) return err;
  return finish(h, parser);
}

/**
 * One pass over the structure block; false as soon as the block is not strictly well formed.
 * Handler errors (and deferred panics) are recorded in `h` and stop further handling, but the
 * walk goes on to the end: a structural problem later in the blob is what upstream reports first.
 */
function fastWalk(h: NodeHandlers, p: FdtParser): bool {
  walkStrings = p.strings;
  walkStringsLen = p.stringsLen;
  const clear = p.stringsLen + 1 < NAME_CACHE_CAP ? p.stringsLen + 1 : NAME_CACHE_CAP;
  memory.fill(NAME_CACHE, 0, <usize>clear);
  walkCacheLimit = clear;

  let pos = p.structStart;
  const end = p.structEnd;
  let depth: i32 = 0; // open nodes; the root is depth 1, its children depth 2
  let rootDone = false;
  let inProps = false; // the innermost open node has not had a child yet
  let collect = false; // the innermost open node's properties go to the handlers
  let kind1: i32 = K_IGNORE;
  let kind2: i32 = K_IGNORE;
  let mode: i32 = CH_NONE;
  let namePtr: usize = 0;
  let nameLen: u32 = 0;

  while (pos < end) {
    if (end - pos < 4) return false;
    const tok = readBe32(pos);
    if (tok == FDT_PROP) {
      if (!inProps || end - pos < 12) return false;
      const len = readBe32(pos + 4);
      const data = pos + 12;
      const alen = align4(<u64>len);
      if (alen > <u64>(end - data)) return false;
      const code = resolveName(readBe32(pos + 8));
      if (code == NAME_INVALID) return false;
      if (collect && code >= NAME_ID_BASE) slotRecord(<i32>(code - NAME_ID_BASE), data, len);
      pos = data + <usize>alen;
    } else if (tok == FDT_BEGIN_NODE) {
      if (rootDone) return false;
      const name = pos + 4;
      const limit = <u32>(end - name);
      let n: u32 = 0;
      let high: u32 = 0;
      while (n < limit) {
        const b = <u32>load<u8>(name + n);
        if (b == 0) break;
        high |= b;
        n++;
      }
      // non-ASCII names are left to the upstream-order walk (it validates UTF-8 as upstream does)
      if (n == limit || (high & 0x80) != 0) return false;
      const alen = align4(<u64>n + 1);
      if (alen > <u64>limit) return false;
      if (inProps && collect && !h.stopped) mode = finishProps(h, depth, kind1, kind2, mode, namePtr, nameLen);
      depth++;
      inProps = true;
      if (depth == 2) {
        kind1 = classifyRootChild(name, n);
        mode = CH_NONE;
        collect = true;
      } else if (depth == 3) {
        kind2 = classifyGrandchild(mode, name, n);
        collect = kind2 != K_IGNORE;
      } else {
        collect = false;
      }
      if (collect) {
        slotsNewNode();
        namePtr = name;
        nameLen = n;
      }
      pos = name + <usize>alen;
    } else if (tok == FDT_END_NODE) {
      if (depth == 0) return false;
      if (inProps && collect && !h.stopped) mode = finishProps(h, depth, kind1, kind2, mode, namePtr, nameLen);
      inProps = false;
      collect = false;
      depth--;
      if (depth == 0) rootDone = true;
      pos += 4;
    } else if (tok == FDT_NOP) {
      pos += 4;
    } else {
      return false;
    }
  }
  return rootDone;
}

/** Runs the handler of the node whose properties just ended; returns the child mode. */
function finishProps(
  h: NodeHandlers, depth: i32, kind1: i32, kind2: i32, mode: i32, namePtr: usize, nameLen: u32,
): i32 {
  h.setNode(namePtr, nameLen, null);
  if (depth == 2) return h.rootChild(kind1);
  h.grandchild(kind2);
  return mode;
}

/** Upstream's traversal: root, each root child, and the children of the nodes it descends into. */
function upstreamWalk(h: NodeHandlers, p: FdtParser): HostDtParseError | null {
  const root = p.root();
  if (root === null) return errNode("", p.error!);
  const children = root.children();
  while (true) {
    const child = children.next();
    if (child === null) {
      if (children.error !== null) return errNode(root.name(), children.error!);
      break;
    }
    h.setNode(child.namePtr, child.nameLen, child);
    const mode = h.rootChild(classifyRootChild(child.namePtr, child.nameLen));
    if (h.err !== null) return h.err;
    if (mode == CH_NONE) continue;
    // upstream names the root as the parent of /openhcl's children in its errors
    const grandchildren = child.children();
    while (true) {
      const gc = grandchildren.next();
      if (gc === null) {
        const ge = grandchildren.error;
        if (ge !== null) return errNode(mode == CH_OPENHCL ? root.name() : child.name(), ge);
        break;
      }
      h.setNode(gc.namePtr, gc.nameLen, gc);
      h.grandchild(classifyGrandchild(mode, gc.namePtr, gc.nameLen));
      if (h.err !== null) return h.err;
    }
  }
  return null;
}

@inline function overlaps(as: u64, ae: u64, bs: u64, be: u64): bool {
  return ae > bs && as < be;
}

/** Sorts memory and checks that memory and VMBus MMIO do not overlap; fills the header fields. */
function finish(h: NodeHandlers, p: FdtParser): HostDtParseError | null {
  const t = h.tree;
  h.memory.sort();
  const n = t.memoryCount;
  for (let i = 1; i < n; i++) {
    const ps = unchecked(t.memStarts[i - 1]);
    const pe = unchecked(t.memEnds[i - 1]);
    const ns = unchecked(t.memStarts[i]);
    const ne = unchecked(t.memEnds[i]);
    if (overlaps(ps, pe, ns, ne)) {
      return errMemoryRegOverlap(ps, pe, unchecked(t.memTypes[i - 1]), unchecked(t.memVnodes[i - 1]), ns, ne, unchecked(t.memTypes[i]), unchecked(t.memVnodes[i]));
    }
  }
  const v0 = t.vmbusVtl0;
  const v2 = t.vmbusVtl2;
  const n0 = v0 !== null ? v0.mmioCount : 0;
  const n2 = v2 !== null ? v2.mmioCount : 0;
  if (n0 + n2 > 0) {
    for (let i = 0; i < n; i++) {
      const rs = unchecked(t.memStarts[i]);
      const re = unchecked(t.memEnds[i]);
      for (let k = 0; k < n0; k++) {
        const ms = v0!.mmioStart(k);
        const me = v0!.mmioEnd(k);
        if (overlaps(ms, me, rs, re)) return errVmbusMmioOverlapsRam(ms, me, rs, re, unchecked(t.memTypes[i]), unchecked(t.memVnodes[i]));
      }
      for (let k = 0; k < n2; k++) {
        const ms = v2!.mmioStart(k);
        const me = v2!.mmioEnd(k);
        if (overlaps(ms, me, rs, re)) return errVmbusMmioOverlapsRam(ms, me, rs, re, unchecked(t.memTypes[i]), unchecked(t.memVnodes[i]));
      }
    }
    for (let a = 0; a < n0; a++) {
      for (let b = 0; b < n2; b++) {
        const as = v0!.mmioStart(a);
        const ae = v0!.mmioEnd(a);
        const bs = v2!.mmioStart(b);
        const be = v2!.mmioEnd(b);
        if (overlaps(as, ae, bs, be)) return errVmbusMmioOverlapsVmbusMmio(as, ae, bs, be);
      }
    }
  }
  t.deviceTreeSize = p.totalSize;
  t.bootCpuidPhys = p.bootCpuidPhys;
  return null;
}
