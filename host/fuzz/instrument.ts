//! Edge-coverage instrumentation of the boot core: a Binaryen pass over the compiled WASM.
// Ports: nothing upstream (fuzzing infrastructure; AFL-style edge counters).
//
// The coverage build (asconfig target "coverage") places the boot core's static data at
// COVERAGE_MAP_BYTES, leaving linear memory [0, COVERAGE_MAP_BYTES) free. This pass adds one u8
// counter increment per control-flow edge into that region:
//   - every function entry;
//   - both arms of every `if` (an `else` is added when missing, so the not-taken edge counts);
//   - every loop iteration (the loop body's start: the back edge);
//   - the fall-through of every `br_if` (the taken edge lands on a join point, counted below);
//   - every join point after a named block (reached by fall-through or by a branch to it).
// Counter i lives at byte i of the map (wrapping at the map size), so the host reads the map
// straight out of `memory` without a call per edge. The module exports `__cov_edges` (i32 global,
// number of counters) and `__cov_map` (i32 global, map address) for the host.
import binaryen from "binaryen";
import { readFileSync, writeFileSync, renameSync, statSync, existsSync } from "node:fs";

/** Bytes reserved for the map by the coverage build's `memoryBase`. */
export const COVERAGE_MAP_BYTES = 131072;

/** What the pass did. */
export interface InstrumentResult {
  /** The instrumented module's bytes. */
  wasm: Uint8Array<ArrayBuffer>;
  /** Counters placed (edges). */
  edges: number;
  /** Functions instrumented. */
  functions: number;
}

type Ref = number;

/** binaryen.js's per-expression wrapper classes (getters/setters), which its typings omit. */
const W = binaryen as unknown as Record<string, Record<string, (...args: any[]) => any>>;

/** Expression kinds the pass descends into (the others hold no control flow in the boot core). */
const VISITED = new Set<number>([
  binaryen.BlockId, binaryen.IfId, binaryen.LoopId, binaryen.BreakId, binaryen.SwitchId, binaryen.CallId,
  binaryen.CallIndirectId, binaryen.LocalSetId, binaryen.GlobalSetId, binaryen.LoadId, binaryen.StoreId,
  binaryen.UnaryId, binaryen.BinaryId, binaryen.SelectId, binaryen.DropId, binaryen.ReturnId,
  binaryen.MemoryGrowId, binaryen.MemoryCopyId, binaryen.MemoryFillId,
]);

class EdgePass {
  edges = 0;

  constructor(private readonly m: binaryen.Module) {}

  /** A fresh counter increment: map[id] += 1 (u8, wrapping). */
  counter(): Ref {
    const id = this.edges++ % COVERAGE_MAP_BYTES;
    const m = this.m;
    return m.i32.store8(id, 1, m.i32.const(0), m.i32.add(m.i32.load8_u(id, 1, m.i32.const(0)), m.i32.const(1)));
  }

  /** `counter; e` as one expression of e's type. */
  before(e: Ref): Ref {
    const type = binaryen.getExpressionType(e);
    return this.m.block(null, [this.counter(), e], type === binaryen.unreachable ? binaryen.auto : type);
  }

  /** `e; counter` when e has no value (a join point after a named block); else e unchanged. */
  after(e: Ref): Ref {
    if (binaryen.getExpressionType(e) !== binaryen.none) return e;
    return this.m.block(null, [e, this.counter()], binaryen.none);
  }

  /** Instruments `e` and everything under it; returns the (possibly replaced) expression. */
  visit(e: Ref): Ref {
    if (!e) return e;
    const id = binaryen.getExpressionId(e);
    if (!VISITED.has(id)) return e; // leaves and kinds the boot core does not emit
    const info = binaryen.getExpressionInfo(e) as binaryen.ExpressionInfo & Record<string, any>;
    switch (id) {
      case binaryen.BlockId: {
        const n = W.Block.getNumChildren(e);
        // Walk backwards so insertions do not shift the children still to visit.
        for (let i = n - 1; i >= 0; i--) {
          const child = W.Block.getChildAt(e, i);
          const replaced = this.visit(child);
          if (replaced !== child) W.Block.setChildAt(e, i, replaced);
          const cid = binaryen.getExpressionId(child);
          const none = binaryen.getExpressionType(child) === binaryen.none;
          const joins = none && cid === binaryen.BlockId && !!W.Block.getName(child);
          const fallsThrough = none && cid === binaryen.BreakId && !!W.Break.getCondition(child);
          if (joins || fallsThrough) W.Block.insertChildAt(e, i + 1, this.counter());
        }
        return e;
      }
      case binaryen.IfId: {
        W.If.setCondition(e, this.visit(info.condition));
        W.If.setIfTrue(e, this.before(this.visit(info.ifTrue)));
        if (info.ifFalse) W.If.setIfFalse(e, this.before(this.visit(info.ifFalse)));
        else W.If.setIfFalse(e, this.counter());
        return e;
      }
      case binaryen.LoopId:
        W.Loop.setBody(e, this.before(this.visit(info.body)));
        return e;
      case binaryen.BreakId:
        if (info.condition) W.Break.setCondition(e, this.visit(info.condition));
        if (info.value) W.Break.setValue(e, this.visit(info.value));
        return e;
      case binaryen.SwitchId:
        W.Switch.setCondition(e, this.visit(info.condition));
        if (info.value) W.Switch.setValue(e, this.visit(info.value));
        return e;
      case binaryen.CallId:
        (info.operands as Ref[]).forEach((op, i) => W.Call.setOperandAt(e, i, this.visit(op)));
        return e;
      case binaryen.CallIndirectId:
        W.CallIndirect.setTarget(e, this.visit(info.target));
        (info.operands as Ref[]).forEach((op, i) => W.CallIndirect.setOperandAt(e, i, this.visit(op)));
        return e;
      case binaryen.LocalSetId:
        W.LocalSet.setValue(e, this.visit(info.value));
        return e;
      case binaryen.GlobalSetId:
        W.GlobalSet.setValue(e, this.visit(info.value));
        return e;
      case binaryen.LoadId:
        W.Load.setPtr(e, this.visit(info.ptr));
        return e;
      case binaryen.StoreId:
        W.Store.setPtr(e, this.visit(info.ptr));
        W.Store.setValue(e, this.visit(info.value));
        return e;
      case binaryen.UnaryId:
        W.Unary.setValue(e, this.visit(info.value));
        return e;
      case binaryen.BinaryId:
        W.Binary.setLeft(e, this.visit(info.left));
        W.Binary.setRight(e, this.visit(info.right));
        return e;
      case binaryen.SelectId:
        W.Select.setIfTrue(e, this.visit(info.ifTrue));
        W.Select.setIfFalse(e, this.visit(info.ifFalse));
        W.Select.setCondition(e, this.visit(info.condition));
        return e;
      case binaryen.DropId:
        W.Drop.setValue(e, this.visit(info.value));
        return e;
      case binaryen.ReturnId:
        if (info.value) W.Return.setValue(e, this.visit(info.value));
        return e;
      case binaryen.MemoryGrowId:
        W.MemoryGrow.setDelta(e, this.visit(info.delta));
        return e;
      case binaryen.MemoryCopyId:
        W.MemoryCopy.setDest(e, this.visit(info.dest));
        W.MemoryCopy.setSource(e, this.visit(info.source));
        W.MemoryCopy.setSize(e, this.visit(info.size));
        return e;
      case binaryen.MemoryFillId:
        W.MemoryFill.setDest(e, this.visit(info.dest));
        W.MemoryFill.setValue(e, this.visit(info.value));
        W.MemoryFill.setSize(e, this.visit(info.size));
        return e;
      default:
        return e;
    }
  }
}

/** Instruments a compiled coverage build (static data at or above COVERAGE_MAP_BYTES). */
export function instrumentWasm(bytes: Uint8Array): InstrumentResult {
  const m = binaryen.readBinary(bytes);
  try {
    m.setFeatures(binaryen.Features.All);
    const pass = new EdgePass(m);
    let functions = 0;
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const f = m.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(f);
      if (info.module || !info.body) continue; // imported
      const body = pass.visit(info.body);
      W.Function.setBody(f, pass.after(pass.before(body)));
      functions++;
    }
    const edges = Math.min(pass.edges, COVERAGE_MAP_BYTES);
    m.addGlobal("__cov_edges", binaryen.i32, false, m.i32.const(edges));
    m.addGlobal("__cov_map", binaryen.i32, false, m.i32.const(0));
    m.addGlobalExport("__cov_edges", "__cov_edges");
    m.addGlobalExport("__cov_map", "__cov_map");
    if (!m.validate()) throw new Error("instrumented boot core does not validate");
    return { wasm: m.emitBinary() as Uint8Array<ArrayBuffer>, edges, functions };
  } finally {
    m.dispose();
  }
}

/** Instruments `input` into `output` unless `output` is newer; returns the edge count or null when skipped. */
export function instrumentFile(input: string, output: string, force = false): number | null {
  if (!existsSync(input)) throw new Error(`coverage build missing: ${input} (run \`npm run build\`)`);
  if (!force && existsSync(output) && statSync(output).mtimeMs >= statSync(input).mtimeMs) return null;
  const r = instrumentWasm(readFileSync(input));
  // Write then rename, so a concurrent reader never sees a partly written module.
  const tmp = `${output}.${process.pid}.tmp`;
  writeFileSync(tmp, r.wasm);
  renameSync(tmp, output);
  return r.edges;
}
