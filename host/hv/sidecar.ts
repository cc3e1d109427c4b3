//! Sidecar entry point stub: reads SidecarParams as the sidecar kernel does, reads the VSM code
//! page offsets and VSM capabilities registers, checks each node's memory against its requirement,
//! fills SidecarOutput per node (control page, then the per-VP shared pages), or writes an error
//! string (truncated to 255 bytes, as the sidecar's CommandErrorWriter does) and fails.
// Ports: openhcl/sidecar/src/arch/x86_64/init.rs (start/init, behavior only), openhcl/sidecar_defs

import { hvErrorDisplay } from "./hv_error.js";

const PAGE = 4096n;
const PER_VP_PAGES = 11n;
const PER_VP_SHMEM_PAGES = 2n;
const MAX_NODES = 128;
const PER_CPU = 400;
const VSM_CODE_PAGE_OFFSETS = 0x000d0002;
const VSM_CAPABILITIES = 0x000d0006;

/** A hypervisor register read as the sidecar issues it → [status, value]. */
export type RegisterReader = (name: number) => [number, bigint];

/** What the sidecar entry point was given. */
export interface SidecarStartRecord {
  hypercallPage: bigint;
  enableLogging: boolean;
  nodes: { memoryBase: bigint; memorySize: bigint; baseVp: number; vpCount: number }[];
  perCpuStateSpecified: boolean;
  sidecarStartsCpu: boolean[];
}

/** Bytes a node of `vpCount` VPs needs. */
export function sidecarRequiredMemory(vpCount: number): bigint {
  return (1n + (PER_VP_SHMEM_PAGES + PER_VP_PAGES) * BigInt(vpCount)) * PAGE;
}

function writeError(output: Uint8Array, msg: string): void {
  const bytes = new TextEncoder().encode(msg).slice(0, 255);
  output[0] = bytes.length;
  output.set(bytes, 1);
}

/** Runs the stub over the two pages; returns success and the decoded parameters. */
export function startSidecarStub(
  params: Uint8Array, output: Uint8Array, forcedError?: string, getRegister?: RegisterReader,
): { ok: boolean; record: SidecarStartRecord } {
  const p = new DataView(params.buffer, params.byteOffset, params.byteLength);
  const o = new DataView(output.buffer, output.byteOffset, output.byteLength);
  const nodeCount = p.getUint32(12, true);
  const startsCpu = params.slice(16 + MAX_NODES * 24 + 1, 16 + MAX_NODES * 24 + 1 + PER_CPU);
  const record: SidecarStartRecord = {
    hypercallPage: p.getBigUint64(0, true),
    enableLogging: p.getUint8(8) !== 0,
    nodes: [],
    perCpuStateSpecified: p.getUint8(16 + MAX_NODES * 24) !== 0,
    // Decoded on first read: most boots never look at it (the bytes are copied, the pages are not ours).
    get sidecarStartsCpu(): boolean[] {
      return Array.from(startsCpu, (b) => b !== 0);
    },
  };
  if (nodeCount > MAX_NODES) {
    writeError(output, `range end index ${nodeCount} out of range for slice of length ${MAX_NODES}`);
    return { ok: false, record };
  }
  for (let i = 0; i < nodeCount; i++) {
    const at = 16 + i * 24;
    record.nodes.push({
      memoryBase: p.getBigUint64(at, true),
      memorySize: p.getBigUint64(at + 8, true),
      baseVp: p.getUint32(at + 16, true),
      vpCount: p.getUint32(at + 20, true),
    });
  }
  if (forcedError !== undefined) {
    writeError(output, forcedError);
    return { ok: false, record };
  }
  if (getRegister !== undefined) {
    const [s1] = getRegister(VSM_CODE_PAGE_OFFSETS);
    if (s1 !== 0) {
      writeError(output, `failed to get vsm code page offset: ${hvErrorDisplay(s1)}`);
      return { ok: false, record };
    }
    const [s2] = getRegister(VSM_CAPABILITIES);
    if (s2 !== 0) {
      writeError(output, `failed to get vsm capabilities: ${hvErrorDisplay(s2)}`);
      return { ok: false, record };
    }
  }
  for (let i = 0; i < record.nodes.length; i++) {
    const n = record.nodes[i]!;
    const required = sidecarRequiredMemory(n.vpCount);
    if (n.memorySize < required) {
      writeError(output, `failed to provide required memory: 0x${required.toString(16)}, actual: 0x${n.memorySize.toString(16)}`);
      return { ok: false, record };
    }
    const at = 256 + i * 24;
    o.setBigUint64(at, n.memoryBase, true);
    o.setBigUint64(at + 8, n.memoryBase + PAGE, true);
    o.setBigUint64(at + 16, BigInt(n.vpCount) * PER_VP_SHMEM_PAGES * PAGE, true);
  }
  return { ok: true, record };
}
